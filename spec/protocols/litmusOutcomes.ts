/**
 * The set of final outcomes of a litmus test under a memory model, with the number of states
 * explored: every state where no actor can move (every thread finished, every buffer drained,
 * every view caught up) read back through protocols/litmus.ts. A local helper until the
 * runtime's `explore --outcomes` API lands (issue 12); then this file goes.
 */
import { buildStateGraph } from '../../runtime/checkers/stateGraph.js';
import { formatOutcome, litmusMemory, litmusOutcome, litmusSystem, satisfies, type LitmusTest, type Outcome } from '../../protocols/litmus.js';
import type { MemoryModel, WeakMemoryContext } from '../../protocols/weakMemory.js';

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
