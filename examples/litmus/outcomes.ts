/**
 * The set of final outcomes of a litmus test under a memory model, as herd7 prints them:
 *
 *     npx tsx examples/litmus/outcomes.ts MP+poonceonces arm
 *
 * Every state where no actor can move (every thread finished, every buffer drained, every view
 * caught up) is read back through protocols/litmus.ts. The specs use {@link runLitmus}. A local
 * helper until the runtime's `explore --outcomes` lands (issue 12); then it goes.
 */
import { buildStateGraph } from '../../runtime/checkers/stateGraph.js';
import { formatOutcome, litmusMemory, litmusOutcome, litmusSystem, satisfies, type LitmusTest, type Outcome } from '../../protocols/litmus.js';
import { MEMORY_MODELS, type MemoryModel, type WeakMemoryContext } from '../../protocols/weakMemory.js';
import { ALL_LITMUS, litmusByName } from './lkmm.js';

export interface LitmusRun {
  /** Distinct final outcomes, formatted as herd7 prints them, sorted. */
  outcomes: string[];
  /** Whether some final outcome satisfies the test's `exists` clause. */
  observed: boolean;
  states: number;
}

const cache = new Map<string, { threads: LitmusTest['threads']; run: LitmusRun }>();

/** Runs `test` under `model` (once per test, model and file: results are cached). */
export function runLitmus(test: LitmusTest, model: MemoryModel, maxStates = 3_000_000): LitmusRun {
  const key = `${test.name} ${model}`;
  const hit = cache.get(key);
  if (hit && hit.threads === test.threads) return hit.run;
  const run = explore(test, model, maxStates);
  cache.set(key, { threads: test.threads, run });
  return run;
}

function explore(test: LitmusTest, model: MemoryModel, maxStates: number): LitmusRun {
  const memory = litmusMemory(test, model);
  const g = buildStateGraph(litmusSystem(test, model), { maxStates });
  if (!g.complete) throw new Error(`${test.name} under ${model}: more than ${maxStates} states`);
  const found = new Map<string, Outcome>();
  const v = g.kernel.newState();
  for (let s = 0; s < g.store.size; s++) {
    if ((g.actors[s] as number[]).length) continue;
    g.store.read(s, v);
    const o = litmusOutcome(memory, g.kernel.view(v).actor(memory.layout.name).context as WeakMemoryContext);
    found.set(formatOutcome(o), o);
  }
  return { outcomes: [...found.keys()].sort(), observed: [...found.values()].some((o) => satisfies(test, o)), states: g.store.size };
}

if (process.argv[1]?.endsWith('outcomes.ts')) {
  const [name = 'MP+poonceonces', model = 'arm'] = process.argv.slice(2);
  const test = litmusByName(name);
  if (!test) {
    console.error(`no litmus test '${name}'; tests are ${ALL_LITMUS.map((t) => t.name).join(', ')}`);
    process.exit(2);
  }
  if (!MEMORY_MODELS.includes(model as MemoryModel)) {
    console.error(`no memory model '${model}'; use ${MEMORY_MODELS.join(', ')}`);
    process.exit(2);
  }
  const run = runLitmus(test, model as MemoryModel);
  console.log(`Test ${test.name} (${model}): ${run.states.toLocaleString('en-US')} states`);
  console.log(`States ${run.outcomes.length}`);
  for (const o of run.outcomes) console.log(o);
  const exists = Object.entries(test.exists).map(([k, v]) => `${k}=${String(v)}`).join(' /\\ ');
  console.log(`${run.observed ? 'Ok' : 'No'}: exists (${exists}) ${run.observed ? 'is reached' : 'is never reached'}; the kernel's file says ${test.expected}${test.arm ? `, Armv8 ${test.arm.expected}` : ''}`);
}
