/**
 * A weak-memory counterexample in program order: the shortest violation of a catalogue entry
 * whose threads are litmus programs (protocols/litmus.ts, e.g. scenarios/c8Wmm.ts), one line
 * per step that matters: a thread's load returning its value (with what memory holds then), a
 * thread's store or barrier leaving it, a lock granted, a store reaching memory. The full trace
 * (`npx interleave explore <key>`) has every message; this is the part a reviewer reads.
 *
 *     npx tsx examples/litmus/explain.ts C8/fixed/publish-arm
 */
import { explore } from '../../runtime/explorer.js';
import { replay } from '../../runtime/replay.js';
import { findEntry } from '../../scenarios/index.js';
import { LITMUS_MEMORY } from '../../protocols/litmus.js';
import { MEM_STEP } from '../../protocols/weakMemory.js';

const key = process.argv[2] ?? 'C8/fixed/publish-arm';
const spec = findEntry(key).build();
const result = explore(spec);
const violation = result.violations[0];
if (!violation) {
  console.log(`${key}: ${result.verdict}, nothing to explain`);
  process.exit(0);
}
const { trace } = replay(spec, violation.token);
const threads = trace.actorNames.filter((n) => spec.actors.find((a) => a.name === n)?.machine.id.startsWith('litmus.'));
const mem = trace.actorNames.indexOf(LITMUS_MEMORY);
/** The `x=v` tokens of a memory label: location -> value, after its buffers and views. */
const values = (label: string): Map<string, string> => new Map([...label.matchAll(/(?:^| )([A-Za-z_][\w.]*)=([^\s]+)/g)].filter((m) => !(m[1] as string).includes(':')).map((m) => [m[1] as string, m[2] as string]));
const hex = (v: unknown): string => (typeof v === 'number' && v >= 0x10000 ? `0x${v.toString(16)}` : String(v));

console.log(`${key}: ${violation.message}`);
console.log(`${trace.steps.length} steps; the ones that matter, in program order per vCPU:`);
const width = 42;
console.log(`step  ${threads.map((t) => t.padEnd(width)).join('')}memory`);
let before = trace.initialStates;
for (const step of trace.steps) {
  const cells = threads.map(() => '');
  let note = '';
  const t = threads.indexOf(step.actor);
  const instr = t >= 0 ? (before[trace.actorNames.indexOf(step.actor)] as string) : '';
  if (t >= 0 && step.message.type === 'mem.value') cells[t] = `${instr} -> ${hex(step.message.value)}`;
  else if (t >= 0 && (step.message.type === 'spin.granted' || step.message.type === 'rw.granted')) cells[t] = `${instr}: granted`;
  else if (t >= 0 && step.message.type === 'mem.ack' && !/READ_ONCE|load_acquire|_lock\(/.test(instr)) cells[t] = instr;
  if (step.actor === LITMUS_MEMORY) {
    const was = values(before[mem] as string);
    const now = values(step.states[mem] as string);
    const changed = [...now].filter(([k, v]) => was.get(k) !== v).map(([k, v]) => `${k}=${hex(Number(v))}`);
    const from = String(step.message.from);
    const why = step.message.type === MEM_STEP ? `${from.split('~')[1]}'s buffer drains` : `${from}: ${before[trace.actorNames.indexOf(from)]}`;
    if (changed.length) note = `${changed.join(' ')} reaches memory (${why})`;
    if (step.message.type === 'mem.need') {
      const loc = /\w+ = READ_ONCE\((\w+)\)/.exec(before[trace.actorNames.indexOf(from)] as string)?.[1];
      const held = loc ? now.get(loc) : undefined;
      if (loc && held !== String(step.sends[0]?.message.value)) note = `memory holds ${loc}=${hex(Number(held))}, but ${from}'s view of it is still ${hex(step.sends[0]?.message.value)}`;
    }
  }
  if (cells.some(Boolean) || note) console.log(`${String(step.index).padStart(4)}  ${cells.map((c) => c.padEnd(width)).join('')}${note}`);
  before = step.states;
}
console.log(`! ${trace.findings.map((f) => f.message).join('; ')}`);
