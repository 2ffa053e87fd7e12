/**
 * Preemption bounding, iteratively: Musuvathi and Qadeer, "Iterative Context Bounding for
 * Systematic Testing of Multithreaded Programs", PLDI 2007 (the CHESS algorithm).
 *
 * A preemption is switching away from an actor that is still enabled: after actor L stepped,
 * stepping any other actor while L's mailbox still holds a message it can take costs one;
 * stepping L again, or anyone once L is blocked or idle, is free. Most concurrency bugs need
 * very few preemptions, and the number of schedules with at most c preemptions grows
 * polynomially in their length rather than exponentially, so bounds 0, 1, 2 are cheap and
 * catch most bugs with the fewest context switches, which also makes their traces readable.
 *
 * The search is the paper's iterative one, done statefully. Stage c explores, breadth first,
 * every schedule with exactly c preemptions: from each node it takes the free steps at once
 * and puts each preempting step on the work list of stage c+1. Stages run in order 0, 1, ...,
 * `maxPreemptions`, so no schedule is explored twice and the first violation found is one
 * with the fewest preemptions, which the result reports (`preemptions.foundAt`).
 *
 * Why stateful, and why the visited set is keyed by (global state, last actor): what a node can
 * still do under the bound depends on the state, on whether the next step is free (which
 * depends on the actor that stepped last) and on the preemptions left. Keying by all three is
 * sound but stores a state once per count; keying by (state, last actor) alone is sound here
 * because stages visit nodes in increasing order of preemptions used: the first visit of a
 * node is with the fewest preemptions, and every schedule a later visit could extend within
 * the bound, the first visit can extend with at least as many preemptions to spare.
 *
 * The verdict does not overstate: `verified` only when no stage left preempting work behind
 * (the whole reachable state space was explored); otherwise `incomplete` with
 * `preemptions.verifiedUpTo`: every schedule with at most that many preemptions is free of
 * violations, and nothing is claimed beyond.
 */
import { ModelError } from '../errors.js';
import { fmix32 } from '../Components.js';
import type { ExploreResult, StrategyOptions } from '../result.js';
import { Search, type SearchPolicy } from '../Search.js';
import { StateStore } from '../StateStore.js';
import type { LoadedSystem, SystemSpec } from '../system.js';

export const BOUNDED_DEFAULTS = { maxPreemptions: 2 };

/**
 * Explores every schedule with 0, then 1, ... up to `maxPreemptions` preemptions.
 *
 * @example
 * ```ts
 * const result = boundedPreemption(diningPhilosophers({ n: 4 }), { maxPreemptions: 2 });
 * console.log(result.preemptions); // { bound: 2, foundAt: 1, verifiedUpTo: 0 }
 * ```
 */
export function boundedPreemption(system: SystemSpec | LoadedSystem, options: StrategyOptions = {}): ExploreResult {
  return new Search(system, boundedPolicy(options), options).run();
}

/**
 * The preemption-bounding policy. Nodes are stored as the state's components followed by the
 * actor that stepped last + 1 (so the store's key is (state, last actor)); the distinct states
 * are kept apart, for the statistics.
 */
export function boundedPolicy(options: StrategyOptions = {}): SearchPolicy {
  const maxPreemptions = options.maxPreemptions ?? BOUNDED_DEFAULTS.maxPreemptions;
  if (!Number.isInteger(maxPreemptions) || maxPreemptions < 0) throw new ModelError(`option maxPreemptions must be a non-negative integer, got ${String(maxPreemptions)}`);
  let states: StateStore;
  let key: Int32Array;
  let cur: Int32Array;
  let stage = 0;
  /** Breadth-first queue of node ids within the current stage. */
  let queue: number[] = [0];
  let head = 0;
  /** Preempting steps of this stage (from the last one), and those left for the next, as (node id, actor) pairs. */
  let work: number[] = [];
  let at = 0;
  let next: number[] = [];
  let foundAt: number | undefined;
  /** Reads node `s`'s state into `cur` and returns the actor that stepped last (-1 at the start). */
  const readNode = (search: Search, s: number): number => {
    const n = search.kernel.actorCount;
    search.store.read(s, key);
    for (let i = 0; i < n; i++) cur[i] = key[i] as number;
    search.kernel.rehash(cur);
    return (key[n] as number) - 1;
  };
  /** Steps actor `a` from node `s` (its state in `cur`); a new node joins the stage's queue. */
  const step = (search: Search, s: number, a: number): void => {
    const r = search.transition(s, cur, search.store.depth(s), a);
    if (r >= 0) queue.push(r);
  };
  /** Expands node `s` breadth first: free steps now, preempting ones for the next stage. */
  const expand = (search: Search, s: number): void => {
    const last = readNode(search, s);
    const enabled = search.kernel.enabledActors(cur);
    if (enabled.length === 0) return search.checkDeadlock(s, cur);
    const lastEnabled = last >= 0 && enabled.includes(last);
    for (const a of enabled) {
      if (search.done) break;
      if (lastEnabled && a !== last) next.push(s, a);
      else step(search, s, a);
    }
  };
  return {
    name: 'bounded',
    shrinkByDefault: true,
    hints: { maxStates: 'the bounded state space is larger than the bound: raise maxStates, lower maxPreemptions, or shrink the configuration' },
    entries: (kernel) => kernel.actorCount + 1,
    key(search, v, actor) {
      const n = search.kernel.actorCount;
      key ??= new Int32Array(n + 2);
      for (let i = 0; i < n; i++) key[i] = v[i] as number;
      key[n] = actor + 1;
      key[n + 1] = (v[n] as number) ^ fmix32(0x5bd1e995 + actor);
      return key;
    },
    onNew(search, _id, v) {
      states ??= new StateStore(search.kernel.actorCount);
      states.add(v, -1, -1, 0);
    },
    start(search) {
      cur = search.kernel.newState();
    },
    next(search) {
      if (at < work.length) {
        const from = work[at] as number;
        const a = work[at + 1] as number;
        at += 2;
        readNode(search, from);
        step(search, from, a);
        return true;
      }
      if (head < queue.length) {
        expand(search, queue[head++] as number);
        return true;
      }
      if (foundAt === undefined && search.recorder.violations.length > 0) foundAt = stage;
      if (next.length === 0 || stage === maxPreemptions) return false;
      stage++;
      work = next;
      at = 0;
      next = [];
      queue = [];
      head = 0;
      return true;
    },
    stateCount: () => states.size,
    // This stage's queue, then its preempting steps left, then those saved for the next stage.
    frontier: () => queue.length - head + (work.length - at) / 2 + next.length / 2,
    bytes: () => states.bytes() + 4 * (queue.length + work.length + next.length),
    conclude(search, base) {
      if (foundAt === undefined && base.violations.length > 0) foundAt = stage;
      return boundedResult(search, base, { stage, maxPreemptions, foundAt, left: next.length + work.length - at });
    },
  };
}

function boundedResult(search: Search, base: ExploreResult, r: { stage: number; maxPreemptions: number; foundAt: number | undefined; left: number }): ExploreResult {
  const { stage, maxPreemptions, foundAt } = r;
  const found = base.violations.length > 0;
  // A stage that ran to its end with nothing found proves its bound; a stopped one proves the one before.
  const stageFinished = search.finished || search.stopCause === undefined;
  const complete = search.finished && r.left === 0 && !search.bound;
  // Complete: no schedule has more preemptions than the last stage's that reaches anything new, so the whole bound is proven.
  const clean = found ? (foundAt as number) - 1 : complete ? maxPreemptions : stageFinished ? stage : stage - 1;
  const plural = (x: number): string => (x === 1 ? '' : 's');
  const upTo = clean >= 0 ? `every schedule with at most ${clean} preemption${plural(clean)} explored` : 'no bound fully explored';
  const note = found
    ? `found with ${foundAt} preemption${plural(foundAt as number)} (searched bounds 0..${stage} of ${maxPreemptions}); ${upTo} without a violation before it`
    : complete
      ? `verified: the search with ${stage} preemption${plural(stage)} left nothing to explore with more, so every reachable state was explored`
      : clean >= 0
        ? `verified up to ${clean} preemption${plural(clean)} only: ${upTo} without a violation; schedules with more preemptions were not explored`
        : `nothing verified: the search stopped inside the stage with ${stage} preemption${plural(stage)}, so no preemption bound was fully explored`;
  return {
    ...base,
    note,
    verdict: found ? 'violation' : complete ? 'verified' : 'incomplete',
    complete,
    covered: search.stopCause ? base.covered : complete ? { kind: 'exhaustive' } : { kind: 'preemption-bounded', preemptions: Math.max(clean, 0) },
    preemptions: {
      bound: maxPreemptions,
      ...(foundAt !== undefined ? { foundAt } : {}),
      ...(clean >= 0 ? { verifiedUpTo: clean } : {}),
    },
  };
}
