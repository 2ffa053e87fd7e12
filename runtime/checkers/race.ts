/**
 * Data races on shared buffers: two accesses to the same object field, at least one a write,
 * by different actors, not ordered by happens-before (DESIGN.md decision 7; SCENARIOS.md C3,
 * C12, C14).
 *
 * An access is a `mem.read`/`mem.write {obj, field}` message, made by its sender at the step
 * that sends it (conventions.ts). Two marked accesses (`marked: true`: READ_ONCE/WRITE_ONCE,
 * atomics, seqlock sections) never race, as KCSAN defines a data race; a marked and a plain
 * access do. Happens-before is the order of steps of one actor plus
 * send -> receive of each message; locks are messages (acquire, granted, release), so the
 * order a lock imposes is part of it with no special case. Vector clocks over those messages
 * are what the report shows.
 *
 * Soundness in a stateful search. Happens-before belongs to an execution, not to a state: a
 * state reached by two paths carries different clocks, and a visited set that keeps only the
 * first path would miss races of the others. This analysis therefore never stores clocks in
 * the search. It uses the state-local form of the same relation: two steps of different actors
 * that are both enabled in one reachable state are unordered in every execution through that
 * state (either can go first; each actor has a single enabled step, and one actor appending to
 * a mailbox never changes which message another actor takes). Conversely, if two accesses are
 * unordered in some execution, the steps between them that are not in their causal past can be
 * moved after them, giving an execution in which both are enabled at once. So "some reachable
 * state enables both accesses" is exactly "some execution has them unordered", and it is a
 * function of the state: the search sees it whichever path reached the state first.
 *
 * For the report, the witness execution (shortest path to that state, then the two accesses)
 * is replayed with vector clocks, and the two clocks are shown incomparable.
 */
import type { Kernel, Move } from '../Kernel.js';
import type { Message } from '../model.js';
import { canonicalKey } from '../plainData.js';
import { runPath } from '../replay.js';
import { formatTrace } from '../trace.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import type { Violation } from '../violations.js';
import { MEM_READ, MEM_WRITE } from './conventions.js';
import { buildStateGraph } from './stateGraph.js';

interface Access {
  actor: number;
  obj: string;
  field: string;
  write: boolean;
  /** A marked access (READ_ONCE/WRITE_ONCE, an atomic, a seqlock section's): two marked never race. */
  marked: boolean;
}

export interface RaceViolation extends Violation {
  kind: 'data-race';
  obj: string;
  field: string;
}

export interface RaceResult {
  system: string;
  verdict: 'verified' | 'violation' | 'incomplete';
  states: number;
  violations: RaceViolation[];
}

/** Accesses a step (its move) makes. */
function accessesOf(kernel: Kernel, actor: number, move: Move): Access[] {
  const sends = move.outcome.sends;
  const out: Access[] = [];
  for (let i = 0; i < sends.length; i += 2) {
    const m = kernel.table.message(sends[i + 1] as number);
    if ((m.type === MEM_READ || m.type === MEM_WRITE) && typeof m.obj === 'string') {
      out.push({ actor, obj: m.obj, field: typeof m.field === 'string' ? m.field : '', write: m.type === MEM_WRITE, marked: m.marked === true });
    }
  }
  return out;
}

/**
 * Finds data races in every reachable state; one report per (object field, pair of actors).
 *
 * @example
 * ```ts
 * const { verdict, violations } = findDataRaces(bufferWithoutLock());
 * console.log(violations[0]?.message, violations[0]?.report);
 * ```
 */
export function findDataRaces(system: SystemSpec | LoadedSystem, options: { maxStates?: number } = {}): RaceResult {
  const found = new Map<string, { state: number; a: Access; b: Access }>();
  let pending: Access[] = [];
  let pendingState = -1;
  const flush = (): void => {
    for (let i = 0; i < pending.length; i++) {
      for (let j = i + 1; j < pending.length; j++) {
        const a = pending[i] as Access;
        const b = pending[j] as Access;
        if (a.actor === b.actor || a.obj !== b.obj || a.field !== b.field || (!a.write && !b.write) || (a.marked && b.marked)) continue;
        const key = `${a.obj}.${a.field} ${Math.min(a.actor, b.actor)} ${Math.max(a.actor, b.actor)}`;
        if (!found.has(key)) found.set(key, { state: pendingState, a, b });
      }
    }
    pending = [];
  };
  const graph = buildStateGraph(system, {
    maxStates: options.maxStates,
    onStep: (state, actor, kernel, move) => {
      if (state !== pendingState) {
        flush();
        pendingState = state;
      }
      pending.push(...accessesOf(kernel, actor, move));
    },
  });
  flush();
  const violations: RaceViolation[] = [];
  for (const { state, a, b } of found.values()) violations.push(report(graph.system, graph.store.pathTo(state), a, b, graph.kernel));
  const verdict = violations.length ? 'violation' : graph.complete ? 'verified' : 'incomplete';
  return { system: graph.system.name, verdict, states: graph.store.size, violations };
}

function report(system: LoadedSystem, prefix: number[], a: Access, b: Access, kernel: Kernel): RaceViolation {
  const path = [...prefix, a.actor, b.actor];
  const run = runPath(kernel, path);
  const clocks = vectorClocks(system, run.trace.steps.map((s) => ({ actor: system.actorIndex.get(s.actor) as number, message: s.message, sends: s.sends })));
  const names = system.actorNames;
  const ca = clocks[prefix.length] as number[];
  const cb = clocks[prefix.length + 1] as number[];
  const show = (c: number[]): string => `{${c.map((x, i) => (x ? `${names[i]}:${x}` : '')).filter(Boolean).join(', ')}}`;
  const kind = (x: Access): string => (x.write ? 'writes' : 'reads');
  const where = `${a.obj}${a.field ? `.${a.field}` : ''}`;
  const message = `data race on ${where}: '${names[a.actor]}' ${kind(a)} it (step ${prefix.length + 1}) and '${names[b.actor]}' ${kind(b)} it (step ${prefix.length + 2}), and neither happens before the other`;
  const lines = [
    '='.repeat(66),
    `WARNING: data race on ${where}`,
    `  ${a.write ? 'Write' : 'Read'} by ${names[a.actor]} at step ${prefix.length + 1}, vector clock ${show(ca)}`,
    `  ${b.write ? 'Write' : 'Read'} by ${names[b.actor]} at step ${prefix.length + 2}, vector clock ${show(cb)}`,
    '  The clocks are incomparable: no message or lock orders the two accesses.',
    '='.repeat(66),
    formatTrace(run.trace),
  ];
  return { kind: 'data-race', message, path, token: run.token, report: lines.join('\n'), obj: a.obj, field: a.field };
}

/** The vector clock of each step of an execution: actor order plus send -> receive. */
export function vectorClocks(system: LoadedSystem, steps: Array<{ actor: number; message: Message; sends: Array<{ to: string; message: Message }> }>): number[][] {
  const n = system.actorNames.length;
  const clock = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const boxes: Array<Array<{ key: string; vc: number[] }>> = Array.from({ length: n }, () => []);
  for (const m of system.spec.initialMessages ?? []) boxes[system.actorIndex.get(m.to) as number]?.push({ key: canonicalKey({ ...m.event, from: '(env)' }), vc: new Array<number>(n).fill(0) });
  const out: number[][] = [];
  for (const step of steps) {
    const box = boxes[step.actor] as Array<{ key: string; vc: number[] }>;
    const key = canonicalKey(step.message);
    const i = box.findIndex((e) => e.key === key);
    const mine = clock[step.actor] as number[];
    if (i >= 0) {
      const [e] = box.splice(i, 1);
      for (let k = 0; k < n; k++) mine[k] = Math.max(mine[k] as number, (e as { vc: number[] }).vc[k] as number);
    }
    mine[step.actor] = (mine[step.actor] as number) + 1;
    for (const s of step.sends) boxes[system.actorIndex.get(s.to) as number]?.push({ key: canonicalKey(s.message), vc: [...mine] });
    out.push([...mine]);
  }
  return out;
}
