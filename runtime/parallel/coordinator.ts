/**
 * Shared-memory parallel search over worker_threads (issue 16), with the result of one thread.
 *
 * `workers` participants share one visited set, one component id allocator and one work pool
 * in SharedArrayBuffers (shared.ts says how and why): the calling thread, in the slices the one
 * loop's interface gives it (`advance(budget)`, so progress, the time limit, the memory bound
 * and cancellation (`shouldStop`) are checked every {@link CHECK_EVERY} expansions as in
 * Search.ts), and `workers - 1` worker threads, which join as soon as they have built the system
 * (a small search may be over before they do). Each participant expands states from its own
 * queue and gives work to idle ones through the pool, with no barrier per level
 * (expander.ts). Then this class decides the result:
 *
 * - **exhausted, nothing found**: every reachable state was expanded once. The state count, the
 *   transition count, the verdict (`verified`, or `incomplete` under a depth bound) are exactly
 *   one thread's bfs: the reachable set does not depend on the order, every state's steps are
 *   counted once (at its first expansion), and depths are shortest depths (the workers lower a
 *   state's depth and pass it on when they find a shorter path), so the depth bound keeps the
 *   same states as bfs, trips as in bfs, and `maxDepthReached` is bfs's.
 * - **a violation** (a failing step, an invariant, a deadlock, a checker's finding), **the state
 *   bound**, or **a checker that accumulates** (lockdep: each worker's instance sees only its
 *   share of the transitions): the workers stop, and one thread's bfs runs on this thread, in
 *   the same slices, for the result. So every reported counterexample is bfs's: the shortest,
 *   with bfs's token, and the result is the same for the same inputs whatever the threads did;
 *   there is no parallel counterexample to shrink. The cost is bfs's time to its first
 *   violations on top of the parallel pass (which stopped at the first one). `strategyStats`
 *   says what the parallel pass did (`parallelStates`, and `rerun` = 1).
 * - **stopped** by time, memory or interrupt: the partial result counts what the workers had
 *   stored (an `incomplete` verdict, as for one thread stopped at another moment).
 *
 * Limits: machines with history states are refused (a component is rebuilt in another thread
 * from its value and context only); checkers given as options reach the workers only for a
 * catalogue source (the entry's `explore.checkers`), else they are refused, naming the option;
 * checkers chosen by name (`checkerNames`, `--checkers`) reach them as the list, which each
 * worker applies to the system it builds;
 * with hash compaction the parallel pass stores full vectors (the rerun, if any, compacts).
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { InternalBug, ModelError } from '../errors.js';
import { Kernel } from '../Kernel.js';
import { BOUND_HINTS, searchSettings, type ExploreResult, type ExploreStats, type SearchSettings, type StopCause, type StrategyOptions } from '../result.js';
import { CHECK_EVERY, Search } from '../Search.js';
import { Expander, Work, endSearch } from './expander.js';
import { bfsPolicy } from '../strategies/bfs.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../system.js';
import { COUNTERS, CUT, Ctl, Outcome, STORED, allocate, storedStates, visitedBytes, type SharedLayout } from './shared.js';
import type { SystemSource } from './source.js';

export type { SystemSource } from './source.js';

export interface ParallelOptions extends StrategyOptions {
  /** Worker threads; default 2. */
  workers?: number;
  /** Where each worker builds the system from. Required. */
  source?: SystemSource;
  /**
   * Start searching only once every worker thread has joined (default false: the calling
   * thread searches while they start, and a small search may end before they join). For specs
   * that want small systems shared between threads.
   */
  awaitWorkers?: boolean;
  /**
   * Each participant takes the newest state of its own queue first (depth-first) instead of the
   * oldest: depths are then often found too deep first and corrected. For specs of that
   * correction; the result is the same.
   */
  depthFirst?: boolean;
}

/** How often the coordinator waiting for its workers to finish looks again, in milliseconds. */
const POLL_MS = 5;

export function exploreParallel(system: SystemSpec | LoadedSystem, options: ParallelOptions = {}): ExploreResult {
  const run = new ParallelSearch(system, options);
  while (!run.done) run.advance(Number.MAX_SAFE_INTEGER);
  return run.result();
}

interface NodeLike {
  type?: string;
  path?: string[];
  states?: Record<string, NodeLike>;
}

function historyNode(node: NodeLike | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'history') return (node.path ?? []).join('.');
  for (const child of Object.values(node.states ?? {})) {
    const found = historyNode(child);
    if (found) return found;
  }
  return undefined;
}

/** Rejects what parallel search does not support, naming the option or actor at fault. */
function checkParallel(sys: LoadedSystem, options: ParallelOptions): { workers: number; source: SystemSource } {
  const workers = options.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1) throw new ModelError(`option workers must be a positive integer, got ${String(workers)}`);
  if (!options.source) {
    throw new ModelError('parallel search needs options.source (the module and export the system is built from): each worker thread builds the system itself');
  }
  if (workers > 1 && options.checkers?.length && options.source.key === undefined) {
    throw new ModelError(`system '${sys.name}': option checkers cannot reach parallel workers (functions stay in this thread); list them in the system's 'checkers', or use a catalogue entry's explore.checkers, or use bfs`);
  }
  sys.machines.forEach((m, a) => {
    const node = historyNode((m as { root?: NodeLike }).root);
    if (node) throw new ModelError(`actor '${sys.actorNames[a]}', state '${node}': history states are not supported by parallel search (a state is rebuilt in another thread from its value and context); use bfs`);
  });
  return { workers, source: options.source };
}

/** A parallel search; advance it until `done`, then read `result()`. */
export class ParallelSearch {
  done = false;
  private readonly sys: LoadedSystem;
  private readonly options: ParallelOptions;
  private readonly opts: SearchSettings;
  private readonly W: number;
  private readonly source: SystemSource;
  /** Some checker's findings depend on every transition (a clean pass is confirmed by one thread). */
  private readonly accumulating: boolean;
  private layout: SharedLayout | undefined;
  private expander: Expander | undefined;
  private control: Int32Array | undefined;
  private threads: Worker[] = [];
  private ports: MessagePort[] = [];
  private started = false;
  private startedAt: number | undefined;
  private stopCause: StopCause | undefined;
  private outcome: Outcome = Outcome.Running;
  private nextProgress: number;
  /** One thread's bfs, when the parallel pass cannot give the result itself. */
  private rerun: Search | undefined;
  private parallelStates = 0;
  private repropagations = 0;
  private final: ExploreResult | undefined;
  private finalStats: ExploreStats | undefined;
  private cutByDepth = false;

  constructor(system: SystemSpec | LoadedSystem, options: ParallelOptions = {}) {
    this.sys = 'actorIndex' in system ? system : loadSystem(system);
    this.options = options;
    this.opts = searchSettings(options, false);
    const { workers, source } = checkParallel(this.sys, options);
    this.W = workers;
    this.source = source;
    this.nextProgress = this.opts.progressEveryStates;
    this.accumulating = [...this.sys.checkers, ...(options.checkers ?? [])].some((make) => make().accumulates === true);
    // Findings in the start state: nothing to parallelise; one thread reports them.
    const kernel = new Kernel(this.sys);
    const init = kernel.initial();
    if (kernel.initialFindings().length || kernel.invariantFindings(init).length) this.startRerun();
  }

  advance(budget: number): void {
    if (this.done) return;
    if (this.rerun) {
      this.rerun.advance(budget);
      if (this.rerun.done) this.done = true;
      return;
    }
    try {
      if (!this.started) this.start();
      const me = this.expander as Expander;
      const control = this.control as Int32Array;
      for (let used = 0; used < budget; ) {
        if (Atomics.load(control, Ctl.Done) === Outcome.Running && this.stopRequested()) endSearch(control, Outcome.Stopped);
        const chunk = Math.min(CHECK_EVERY, budget - used);
        const r = me.work(chunk);
        used += chunk;
        this.progress();
        if (r === Work.Over) {
          this.conclude();
          return;
        }
      }
    } catch (err) {
      this.shutdown();
      throw err;
    }
  }

  /** The search is over: collect the counters, then keep the result or rerun one thread. */
  private conclude(): void {
    const control = this.control as Int32Array;
    (this.expander as Expander).report();
    // Wait for the workers that started; one still loading its modules sees the search over
    // as soon as it starts and does nothing (so a small search does not wait for thread start-up).
    for (let f = Atomics.load(control, Ctl.Finished); f < Atomics.load(control, Ctl.Joined) - 1; f = Atomics.load(control, Ctl.Finished)) {
      Atomics.wait(control, Ctl.Finished, f, POLL_MS);
    }
    this.outcome = Atomics.load(control, Ctl.Done) as Outcome;
    if (this.outcome === Outcome.Failed) {
      for (const port of this.ports) {
        const got = receiveMessageOnPort(port) as { message: { model: boolean; message: string } } | undefined;
        if (got) {
          this.shutdown();
          if (got.message.model) throw new ModelError(got.message.message);
          throw new InternalBug(got.message.message);
        }
      }
      this.shutdown();
      throw new InternalBug('a parallel worker failed without saying why');
    }
    this.finalStats = this.collect();
    this.parallelStates = this.finalStats.states;
    this.shutdown();
    if (this.outcome === Outcome.Exhausted && this.parallelStates >= this.opts.maxStates) this.outcome = Outcome.MaxStates;
    if (this.outcome === Outcome.Violation || this.outcome === Outcome.MaxStates || (this.outcome === Outcome.Exhausted && this.accumulating)) {
      this.startRerun();
      return;
    }
    this.done = true;
  }

  private startRerun(): void {
    this.rerun = new Search(this.sys, bfsPolicy(), this.options);
    if (this.rerun.done) this.done = true;
  }

  private timeUp(): boolean {
    const { clock, timeLimitMs } = this.opts;
    return clock !== undefined && timeLimitMs !== undefined && this.startedAt !== undefined && clock() - this.startedAt >= timeLimitMs;
  }

  private storedStates(): number {
    return storedStates(this.control as Int32Array, this.W);
  }

  /** The time limit, the memory bound, `shouldStop`: true (with the cause noted) when one says stop. */
  private stopRequested(): boolean {
    if (this.opts.shouldStop?.()) this.stopCause = 'interrupt';
    else if (this.timeUp()) this.stopCause = 'timeLimitMs';
    else if (this.opts.maxMemoryBytes !== undefined && (this.opts.memoryProbe?.() ?? visitedBytes(this.layout as SharedLayout, this.storedStates())) >= this.opts.maxMemoryBytes) this.stopCause = 'maxMemoryBytes';
    return this.stopCause !== undefined;
  }

  private progress(): void {
    const states = this.storedStates();
    if (states < this.nextProgress) return;
    while (this.nextProgress <= states) this.nextProgress += this.opts.progressEveryStates;
    this.opts.onProgress?.(this.stats());
  }

  /** The counts and the per-worker counters once every worker finished. */
  private collect(): ExploreStats {
    const layout = this.layout as SharedLayout;
    const counters = new Float64Array(layout.counters);
    const sum = (i: number): number => {
      let s = 0;
      for (let w = 0; w < this.W; w++) s += counters[w * COUNTERS.length + i] as number;
      return s;
    };
    const states = this.storedStates();
    const depths = new Int32Array(layout.depths);
    const flags = new Uint8Array(layout.flags);
    const used = Math.min(Atomics.load(this.control as Int32Array, Ctl.States), layout.capacity);
    let maxDepth = 0;
    for (let i = 0; i < used; i++) if (((flags[i] as number) & STORED) !== 0 && (depths[i] as number) > maxDepth) maxDepth = depths[i] as number;
    if (Atomics.load(this.control as Int32Array, Ctl.Cut) > 0) {
      for (let i = 0; i < used && !this.cutByDepth; i++) if (((flags[i] as number) & CUT) !== 0 && depths[i] === this.opts.maxDepth) this.cutByDepth = true;
    }
    this.repropagations = sum(5);
    const xstateCalls = sum(1);
    const memoHits = sum(2);
    return {
      states,
      transitions: sum(0),
      xstateCalls,
      memoHits,
      memoHitRate: xstateCalls + memoHits ? memoHits / (xstateCalls + memoHits) : 0,
      localStates: sum(3),
      messages: sum(4),
      maxDepthReached: maxDepth,
      bytesPerState: states ? Math.round(visitedBytes(layout, states) / states) : 0,
    };
  }

  /**
   * States waiting to be expanded that this thread can see: its own queue and the pool (worker
   * threads' queues are their own), or the rerun's frontier.
   */
  frontier(): number | undefined {
    if (this.rerun) return this.rerun.frontier();
    if (!this.expander || this.done) return 0;
    return this.expander.waiting();
  }

  stats(): ExploreStats {
    if (this.rerun) return this.rerun.stats();
    if (this.finalStats) return this.finalStats;
    const states = this.started ? this.storedStates() : 0;
    return { states, transitions: 0, xstateCalls: 0, memoHits: 0, memoHitRate: 0, localStates: 0, messages: 0, maxDepthReached: 0, bytesPerState: 0 };
  }

  result(): ExploreResult {
    if (this.final) return this.final;
    const strategyStats = { workers: this.W, parallelStates: this.parallelStates, repropagations: this.repropagations, rerun: this.rerun ? 1 : 0 };
    let result: ExploreResult;
    if (this.rerun) {
      const r = this.rerun.result();
      const why =
        this.outcome === Outcome.Violation ? 'the parallel pass found a violation' : this.outcome === Outcome.MaxStates ? 'the parallel pass reached maxStates' : this.outcome === Outcome.Exhausted ? 'a checker accumulates over every transition (lockdep)' : 'the start state has findings';
      const note = `${why}; the result is one thread's bfs (shortest counterexamples, bfs's tokens)`;
      result = { ...r, strategy: 'parallel-bfs', strategyStats, note: r.note ? `${r.note}; ${note}` : note };
    } else {
      const complete = this.done && this.outcome === Outcome.Exhausted && !this.cutByDepth;
      const bound = this.cutByDepth
        ? { name: 'maxDepth' as const, limit: this.opts.maxDepth, hint: BOUND_HINTS.maxDepth }
        : this.stopCause === 'timeLimitMs'
          ? { name: 'timeLimitMs' as const, limit: this.opts.timeLimitMs as number, hint: BOUND_HINTS.timeLimitMs }
          : this.stopCause === 'maxMemoryBytes'
            ? { name: 'maxMemoryBytes' as const, limit: this.opts.maxMemoryBytes as number, hint: BOUND_HINTS.maxMemoryBytes }
            : undefined;
      result = {
        system: this.sys.name,
        strategy: 'parallel-bfs',
        verdict: complete ? 'verified' : 'incomplete',
        complete,
        covered: this.stopCause ? { kind: 'stopped', by: this.stopCause } : this.cutByDepth ? { kind: 'depth-bounded', maxDepth: this.opts.maxDepth } : this.done ? { kind: 'exhaustive' } : { kind: 'stopped', by: 'interrupt' },
        ...(bound ? { bound } : {}),
        ...(this.stopCause === 'interrupt' ? { interrupted: true } : {}),
        violations: [],
        stats: this.stats(),
        strategyStats,
      };
    }
    if (this.done) this.final = result;
    return result;
  }

  private start(): void {
    this.started = true;
    this.startedAt = this.opts.clock ? (this.opts.timeOrigin ?? this.opts.clock()) : undefined;
    const W = this.W;
    const layout = allocate(W, this.sys.actorNames.length, this.opts.maxStates);
    this.layout = layout;
    this.control = new Int32Array(layout.control);
    const settings = { participants: W, maxDepth: this.opts.maxDepth, maxStates: this.opts.maxStates, depthFirst: this.options.depthFirst === true };
    this.expander = new Expander(new Kernel(this.sys), [...this.sys.checkers, ...(this.options.checkers ?? [])], layout, { index: 0, ...settings });
    Atomics.store(this.control, Ctl.Joined, 1);
    this.expander.seed();
    const sig = new SharedArrayBuffer(4 * W);
    const bootstrap = new URL('./bootstrap.mjs', import.meta.url);
    for (let w = 1; w < W; w++) {
      const { port1, port2 } = new MessageChannel();
      const thread = new Worker(bootstrap, {
        workerData: { index: w, sig, control: port2, source: this.source, layout, ...settings, ...(this.options.checkerNames ? { checkerNames: [...this.options.checkerNames] } : {}) },
        transferList: [port2],
      });
      thread.unref();
      this.threads.push(thread);
      this.ports.push(port1);
    }
    const control = this.control;
    if (this.options.awaitWorkers) {
      // A worker that fails to start ends the search (Done), which ends this wait too.
      while (Atomics.load(control, Ctl.Joined) < W && Atomics.load(control, Ctl.Done) === Outcome.Running) Atomics.wait(control, Ctl.Done, Outcome.Running, POLL_MS);
    }
  }

  private shutdown(): void {
    for (const p of this.ports) p.close();
    for (const t of this.threads) void t.terminate();
    this.ports = [];
    this.threads = [];
  }
}
