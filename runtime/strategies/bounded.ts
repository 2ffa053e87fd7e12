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
import { ModelError, internalAssert } from '../errors.js';
import { checkTimeLimit, searchStats, type BoundName, type ExploreResult, type ExploreStats } from '../explorer.js';
import { Kernel, STEP_FAILS } from '../Kernel.js';
import { fmix32 } from '../Components.js';
import { StateStore } from '../StateStore.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../system.js';
import type { Checker } from '../checkers/Checker.js';
import type { StrategyOptions } from './index.js';
import { ViolationLog, positiveInteger } from './walk.js';

export const BOUNDED_DEFAULTS = { maxPreemptions: 2, maxStates: 5_000_000, maxDepth: 1_000_000 };

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
  return new BoundedSearch(system, options).run();
}

class BoundedSearch {
  private readonly system: LoadedSystem;
  private readonly kernel: Kernel;
  private readonly log: ViolationLog;
  /** Nodes: a global state with the actor that stepped last appended (-1 at the start). */
  private readonly nodes: StateStore;
  /** Distinct global states, for the statistics only. */
  private readonly states: StateStore;
  private readonly checkers: Checker[];
  private readonly maxPreemptions: number;
  private readonly maxStates: number;
  private readonly maxDepth: number;
  private bound: ExploreResult['bound'];
  private stopped = false;
  private transitions = 0;
  private maxDepthReached = 0;
  private expanded = 0;
  private readonly startedAt: number | undefined;
  private readonly cur: Int32Array;
  private readonly out: Int32Array;
  /** A node: the state's components, the last actor + 1, then the node's hash. */
  private readonly key: Int32Array;
  /** Breadth-first queue of node ids within the current stage. */
  private queue: number[] = [];
  /** Preempting steps left for the next stage, as (node id, actor) pairs. */
  private next: number[] = [];
  private foundAt: number | undefined;

  constructor(
    system: SystemSpec | LoadedSystem,
    private readonly options: StrategyOptions,
  ) {
    this.system = 'actorIndex' in system ? system : loadSystem(system);
    this.kernel = new Kernel(this.system);
    const n = this.kernel.actorCount;
    this.nodes = new StateStore(n + 1);
    this.states = new StateStore(n);
    this.cur = this.kernel.newState();
    this.out = this.kernel.newState();
    this.key = new Int32Array(n + 2);
    this.log = new ViolationLog(this.system, options);
    const mp = options.maxPreemptions ?? BOUNDED_DEFAULTS.maxPreemptions;
    if (!Number.isInteger(mp) || mp < 0) throw new ModelError(`option maxPreemptions must be a non-negative integer, got ${String(mp)}`);
    this.maxPreemptions = mp;
    this.maxStates = positiveInteger('maxStates', options.maxStates, BOUNDED_DEFAULTS.maxStates);
    this.maxDepth = positiveInteger('maxDepth', options.maxDepth, BOUNDED_DEFAULTS.maxDepth);
    checkTimeLimit(options);
    this.startedAt = options.clock?.();
    this.checkers = [...this.system.checkers, ...(options.checkers ?? [])].map((make) => make());
  }

  run(): ExploreResult {
    const k = this.kernel;
    const init = k.initial();
    const id = this.addNode(init, -1, -1, 0);
    internalAssert(id === 0, 'the initial node is node 0');
    for (const f of [...k.initialFindings(), ...k.invariantFindings(init)]) this.log.record(f, []);
    this.queue.push(0);
    let stage = 0;
    for (;;) {
      this.runStage(stage);
      if (this.foundAt === undefined && this.log.violations.length > 0) this.foundAt = stage;
      if (this.stopped || this.log.full || this.next.length === 0 || stage === this.maxPreemptions) break;
      stage++;
      const work = this.next;
      this.next = [];
      for (let i = 0; i < work.length && !this.stopped && !this.log.full; i += 2) {
        const from = work[i] as number;
        this.readNode(from);
        this.step(from, this.nodes.depth(from), work[i + 1] as number);
      }
    }
    return this.result(stage);
  }

  /** Expands the queue breadth first, taking free steps now and deferring preempting ones. */
  private runStage(_stage: number): void {
    const k = this.kernel;
    for (let head = 0; head < this.queue.length && !this.stopped && !this.log.full; head++) {
      if ((++this.expanded & 1023) === 0 && this.timeUp()) break;
      const s = this.queue[head] as number;
      const last = this.readNode(s);
      const depth = this.nodes.depth(s);
      const v = this.cur;
      const enabled = k.enabledActors(v);
      if (enabled.length === 0) {
        const d = k.deadlockFinding(v);
        if (d) this.log.record(d, this.nodes.pathTo(s));
        continue;
      }
      const lastEnabled = last >= 0 && enabled.includes(last);
      for (const a of enabled) {
        if (this.stopped || this.log.full) break;
        if (lastEnabled && a !== last) this.next.push(s, a);
        else this.step(s, depth, a);
      }
    }
    this.queue = [];
  }

  /** Steps actor `a` from node `s` (its state is in `cur`); enqueues a new node. */
  private step(s: number, depth: number, a: number): void {
    const k = this.kernel;
    const v = this.cur;
    const out = this.out;
    const status = k.step(v, a, out);
    internalAssert(status >= 0, `actor #${a} is enabled`);
    this.transitions++;
    if (this.checkers.length) {
      const judged = k.checkTransition(this.checkers, v, a, out, depth);
      if (judged.length) {
        const path = [...this.nodes.pathTo(s), a];
        for (const f of judged) this.log.record(f, path);
      }
    }
    if (status === STEP_FAILS) {
      const path = [...this.nodes.pathTo(s), a];
      for (const f of k.stepFindings(v, a, out)) this.log.record(f, path);
      return;
    }
    if (depth + 1 > this.maxDepth) {
      this.trip('maxDepth', this.maxDepth, 'a schedule this long usually means an actor loops without bound (a retry or spin loop that never blocks)');
      return;
    }
    const id = this.addNode(out, s, a, depth + 1);
    if (id < 0) return;
    if (depth + 1 > this.maxDepthReached) this.maxDepthReached = depth + 1;
    const broken = k.invariantFindings(out);
    if (broken.length) {
      const path = this.nodes.pathTo(id);
      for (const f of broken) this.log.record(f, path);
      return;
    }
    if (this.nodes.size >= this.maxStates) {
      this.trip('maxStates', this.maxStates, 'the bounded state space is larger than the bound: raise maxStates, lower maxPreemptions, or shrink the configuration');
      return;
    }
    this.queue.push(id);
  }

  /** Adds the node (state `vec`, last actor) unless known; returns its id or a negative number. */
  private addNode(vec: Int32Array, parent: number, actor: number, depth: number): number {
    const n = this.kernel.actorCount;
    const key = this.key;
    for (let i = 0; i < n; i++) key[i] = vec[i] as number;
    key[n] = actor + 1;
    key[n + 1] = (vec[n] as number) ^ fmix32(0x5bd1e995 + actor);
    const id = this.nodes.add(key, parent, actor, depth);
    if (id >= 0) this.states.add(vec, -1, -1, depth);
    return id;
  }

  /** Reads node `s`'s state into `cur` and returns the actor that stepped last (-1 at the start). */
  private readNode(s: number): number {
    const n = this.kernel.actorCount;
    this.nodes.read(s, this.key);
    for (let i = 0; i < n; i++) this.cur[i] = this.key[i] as number;
    this.kernel.rehash(this.cur);
    return (this.key[n] as number) - 1;
  }

  private trip(name: BoundName, limit: number, hint: string): void {
    this.bound ??= { name, limit, hint };
    if (name !== 'maxDepth') this.stopped = true;
  }

  private timeUp(): boolean {
    const { clock, timeLimitMs } = this.options;
    if (!clock || timeLimitMs === undefined || this.startedAt === undefined) return false;
    if (clock() - this.startedAt < timeLimitMs) return false;
    this.trip('timeLimitMs', timeLimitMs, 'the search needed more time: raise the time limit or lower maxPreemptions');
    return true;
  }

  private stats(): ExploreStats {
    return searchStats(this.kernel, this.states.size, this.transitions, this.maxDepthReached, this.nodes.bytesPerState());
  }

  private result(stage: number): ExploreResult {
    const found = this.log.violations.length > 0;
    // A stage that ran to its end with nothing found proves its bound; a stopped one proves the one before.
    const stageFinished = !this.stopped && !this.log.full;
    const complete = stageFinished && this.next.length === 0 && !this.bound;
    // Complete: no schedule has more preemptions than the last stage's that reaches anything new, so the whole bound is proven.
    const clean = found ? (this.foundAt as number) - 1 : complete ? this.maxPreemptions : stageFinished ? stage : stage - 1;
    const verdict = found ? 'violation' : complete ? 'verified' : 'incomplete';
    const upTo = clean >= 0 ? `every schedule with at most ${clean} preemption${clean === 1 ? '' : 's'} explored` : 'no bound fully explored';
    const note = found
      ? `found with ${this.foundAt} preemption${this.foundAt === 1 ? '' : 's'} (searched bounds 0..${stage} of ${this.maxPreemptions}); ${upTo} without a violation before it`
      : complete
        ? `verified: the search with ${stage} preemption${stage === 1 ? '' : 's'} left nothing to explore with more, so every reachable state was explored`
        : `verified up to ${clean} preemption${clean === 1 ? '' : 's'} only: ${upTo} without a violation; schedules with more preemptions were not explored`;
    return {
      system: this.system.name,
      strategy: 'bounded',
      note,
      verdict,
      complete,
      ...(this.bound ? { bound: this.bound } : {}),
      preemptions: {
        bound: this.maxPreemptions,
        ...(this.foundAt !== undefined ? { foundAt: this.foundAt } : {}),
        ...(clean >= 0 ? { verifiedUpTo: clean } : {}),
      },
      violations: [...this.log.violations],
      stats: this.stats(),
    };
  }
}
