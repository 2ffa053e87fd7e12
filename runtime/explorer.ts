/**
 * The explorer: exhaustive stateful search over every interleaving of actor steps.
 *
 * - `bfs` (the default) visits states in order of distance from the start, so the first
 *   violation of each kind comes with a shortest schedule;
 * - `dfs` goes deep first, with an explicit stack, and uses less queue memory.
 *
 * Both store every global state once in a {@link StateStore}. Exploration is resumable: an
 * {@link Exploration} advances by a budget of expanded states per call, so a caller (the rxjs
 * edge in `observe.ts`, the command line) can interleave progress reports and Ctrl-C handling
 * while the step loop itself stays synchronous (DESIGN.md decision 9).
 *
 * Every bound is named with its unit and reported when it trips, with the likely cause. The
 * engine reads no clock itself: a time limit needs the caller to pass `clock`.
 */
import { ModelError, internalAssert } from './errors.js';
import { Kernel, STEP_DISABLED, STEP_FAILS, type Finding } from './Kernel.js';
import { StateStore } from './StateStore.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from './system.js';
import type { Checker, CheckerFactory } from './checkers/Checker.js';
import { ViolationRecorder } from './ViolationRecorder.js';
import type { Violation } from './violations.js';

export type Strategy = 'bfs' | 'dfs';

export interface ExploreOptions {
  /** Search order; default `bfs` (shortest counterexamples). */
  strategy?: Strategy;
  /** Stop after storing this many distinct global states. Default 5,000,000. */
  maxStates?: number;
  /** Do not go deeper than this many steps from the start. Default 1,000,000. */
  maxDepth?: number;
  /** Stop after this many milliseconds as read from `clock`. Needs `clock`. */
  timeLimitMs?: number;
  /** A millisecond clock supplied by the caller; the engine itself never reads time. */
  clock?: () => number;
  /** Checkers in addition to the system's own. */
  checkers?: CheckerFactory[];
  /** Stop once this many distinct violations are found. Default 1. */
  maxViolations?: number;
  /** Call `onProgress` every this many new states. Default 100,000. */
  progressEveryStates?: number;
  onProgress?: (stats: ExploreStats) => void;
  onViolation?: (violation: Violation) => void;
}

export interface ExploreStats {
  /** Distinct global states stored. */
  states: number;
  /** Steps computed (edges of the state graph, including those into known states). */
  transitions: number;
  /** Calls into xstate: one per new (actor, local state, message). */
  xstateCalls: number;
  /** Steps answered from the memo table without xstate. */
  memoHits: number;
  /** memoHits / (memoHits + xstateCalls). */
  memoHitRate: number;
  /** Distinct local snapshots over all actors. */
  localStates: number;
  /** Distinct messages. */
  messages: number;
  /** The deepest step count reached. */
  maxDepthReached: number;
  /** Bytes of the visited set per stored state. */
  bytesPerState: number;
}

export type BoundName = 'maxStates' | 'maxDepth' | 'timeLimitMs';

export interface ExploreResult {
  system: string;
  /** The strategy that ran: `bfs`, `dfs`, or a name from runtime/strategies (`pct`, `random`, ...). */
  strategy: string;
  /** The seed of a randomised strategy: pass it again to get the same runs and the same result. */
  seed?: number;
  /** What the verdict means for a strategy that is not exhaustive, in a sentence. */
  note?: string;
  /** Schedules (runs, walks) a sampling strategy executed, and the 1-based run that found the first violation. */
  runs?: { executed: number; firstViolationAt?: number };
  /**
   * Preemption bounding: the bound searched up to, the bound at which the first violation was
   * found, and the largest bound within which every schedule was explored without a violation.
   */
  preemptions?: { bound: number; foundAt?: number; verifiedUpTo?: number };
  /**
   * `verified`: every reachable state was explored and nothing is wrong. `violation`: at least
   * one violation was found. `incomplete`: a bound tripped before the search ended, with no
   * violation found so far: nothing is proven.
   */
  verdict: 'verified' | 'violation' | 'incomplete';
  /** True when the whole reachable state space was explored. */
  complete: boolean;
  /** The bound that stopped the search, if any. */
  bound?: { name: BoundName; limit: number; hint: string };
  violations: Violation[];
  stats: ExploreStats;
  /** Counters particular to the strategy (DPOR's reduced expansions, symmetry's orbits, ...). */
  strategyStats?: Record<string, number>;
}

/** Rejects a time limit that is not positive, or that comes without the caller's clock. */
export function checkTimeLimit(options: Pick<ExploreOptions, 'timeLimitMs' | 'clock'>): void {
  if (options.timeLimitMs === undefined) return;
  if (!(options.timeLimitMs > 0)) throw new ModelError(`option timeLimitMs must be a positive number of milliseconds, got ${String(options.timeLimitMs)}`);
  if (!options.clock) throw new ModelError('option timeLimitMs needs a clock: the engine reads no time itself, so pass clock: () => performance.now()');
}

/** The statistics every strategy reports, from its engine's memo counters and its own counts. */
export function searchStats(kernel: Kernel, states: number, transitions: number, maxDepthReached: number, bytesPerState: number): ExploreStats {
  const t = kernel.table.stats;
  // Steps answered from the component memo never reach the step table: count both.
  const memoHits = t.memoHits + kernel.components.hits;
  const lookups = memoHits + t.xstateCalls;
  return {
    states,
    transitions,
    xstateCalls: t.xstateCalls,
    memoHits,
    memoHitRate: lookups ? memoHits / lookups : 0,
    localStates: t.localStates,
    messages: t.messages,
    maxDepthReached,
    bytesPerState: Math.round(bytesPerState),
  };
}

const DEFAULTS = { maxStates: 5_000_000, maxDepth: 1_000_000, maxViolations: 1, progressEveryStates: 100_000 };

/**
 * Explores `system` to the end (or a bound) and returns the result.
 *
 * @example
 * ```ts
 * const result = explore(diningPhilosophers(5), { strategy: 'bfs' });
 * if (result.verdict === 'violation') console.log(result.violations[0].message, result.violations[0].token);
 * ```
 */
export function explore(system: SystemSpec | LoadedSystem, options: ExploreOptions = {}): ExploreResult {
  const ex = new Exploration(system, options);
  while (!ex.done) ex.advance(Number.MAX_SAFE_INTEGER);
  return ex.result();
}

/** A search that advances in slices; `explore` runs one to the end. */
export class Exploration {
  readonly system: LoadedSystem;
  readonly kernel: Kernel;
  readonly store: StateStore;
  done = false;
  private readonly strategy: Strategy;
  private readonly opts: Required<Pick<ExploreOptions, 'maxStates' | 'maxDepth' | 'maxViolations' | 'progressEveryStates'>> & ExploreOptions;
  private readonly recorder: ViolationRecorder;
  private bound: ExploreResult['bound'];
  private transitions = 0;
  private maxDepthReached = 0;
  private nextProgress: number;
  private readonly startedAt: number | undefined;
  private readonly cur: Int32Array;
  private readonly next: Int32Array;
  private readonly checkers: Checker[];
  // BFS frontier, or DFS stack of (state id, next actor to try, any actor enabled so far).
  private queue = new Int32Array(1024);
  private head = 0;
  private tail = 0;
  private stackNext = new Int32Array(1024);
  private stackAny = new Uint8Array(1024);

  constructor(system: SystemSpec | LoadedSystem, options: ExploreOptions) {
    this.system = 'actorIndex' in system ? system : loadSystem(system);
    this.opts = { ...DEFAULTS, ...options };
    for (const key of ['maxStates', 'maxDepth', 'maxViolations', 'progressEveryStates'] as const) {
      const value = this.opts[key];
      if (!Number.isInteger(value) || value <= 0) throw new ModelError(`option ${key} must be a positive integer, got ${String(value)}`);
    }
    checkTimeLimit(options);
    this.strategy = options.strategy ?? 'bfs';
    if (this.strategy !== 'bfs' && this.strategy !== 'dfs') throw new ModelError(`unknown strategy '${String(this.strategy)}'; use bfs or dfs`);
    this.nextProgress = this.opts.progressEveryStates;
    this.startedAt = options.clock?.();
    this.kernel = new Kernel(this.system);
    this.store = new StateStore(this.kernel.actorCount);
    this.cur = this.kernel.newState();
    this.next = this.kernel.newState();
    this.checkers = [...this.system.checkers, ...(options.checkers ?? [])].map((make) => make());
    this.recorder = new ViolationRecorder(this.system, this.opts.maxViolations, options.checkers ?? [], options.onViolation);

    const init = this.kernel.initial();
    const id = this.store.add(init, -1, -1, 0);
    internalAssert(id === 0, 'the initial state is state 0');
    for (const f of [...this.kernel.initialFindings(), ...this.kernel.invariantFindings(init)]) this.record(f, []);
    if (!this.done) this.push(0);
  }

  /** Expands up to `budget` states; sets `done` when the search is over. */
  advance(budget: number): void {
    let expanded = 0;
    while (!this.done && expanded < budget) {
      if (this.strategy === 'bfs' ? this.head === this.tail : this.tail === 0) {
        this.done = true;
        break;
      }
      if ((expanded & 1023) === 0 && this.timeUp()) break;
      if (this.strategy === 'bfs') this.expandBfs();
      else this.stepDfs();
      expanded++;
    }
  }

  private expandBfs(): void {
    const s = this.queue[this.head++] as number;
    this.readState(s);
    const depth = this.store.depth(s);
    let anyEnabled = false;
    for (let a = 0; a < this.kernel.actorCount && !this.done; a++) {
      if (this.tryStep(s, depth, a)) anyEnabled = true;
    }
    if (!anyEnabled && !this.done) this.checkDeadlock(s);
  }

  private stepDfs(): void {
    const top = this.tail - 1;
    const s = this.queue[top] as number;
    this.readState(s);
    const depth = this.store.depth(s);
    for (let a = this.stackNext[top] as number; a < this.kernel.actorCount; a++) {
      this.stackNext[top] = a + 1;
      const before = this.tail;
      if (this.tryStep(s, depth, a)) {
        this.stackAny[top] = 1;
        if (this.tail > before || this.done) return; // descend into the new state first
      }
    }
    if (this.stackAny[top] === 0 && !this.done) this.checkDeadlock(s);
    if (this.tail - 1 === top) this.tail--;
  }

  /** Computes actor `a`'s step from state `s`; returns false if `a` is not enabled there. */
  private tryStep(s: number, depth: number, a: number): boolean {
    const k = this.kernel;
    const out = this.next;
    const status = k.step(this.cur, a, out);
    if (status === STEP_DISABLED) return false;
    this.transitions++;
    if (this.checkers.length) {
      // A checker's finding does not stop the search past this step: lockdep reports an
      // inversion in runs that go on fine, and the search goes on to find more.
      const judged = k.checkTransition(this.checkers, this.cur, a, out, depth);
      if (judged.length) {
        const path = [...this.store.pathTo(s), a];
        for (const f of judged) this.record(f, path);
        if (this.done) return true;
      }
    }
    if (status === STEP_FAILS) {
      const path = [...this.store.pathTo(s), a];
      for (const f of k.stepFindings(this.cur, a, out)) this.record(f, path);
      return true;
    }
    if (depth + 1 > this.opts.maxDepth) {
      this.trip('maxDepth', this.opts.maxDepth, 'a schedule this long usually means an actor loops without bound (a retry or spin loop that never blocks)');
      return true;
    }
    const id = this.store.add(out, s, a, depth + 1);
    if (id < 0) return true;
    if (depth + 1 > this.maxDepthReached) this.maxDepthReached = depth + 1;
    const broken = k.invariantFindings(out);
    if (broken.length) {
      // A state that breaks an invariant is not expanded; if nothing can move there it is also
      // a deadlock, which would otherwise go unreported.
      const next = out.slice();
      const path = this.store.pathTo(id);
      for (const f of broken) this.record(f, path);
      if (!this.done && k.enabledActors(next).length === 0) {
        const d = k.deadlockFinding(next);
        if (d) this.record(d, path);
      }
      return true;
    }
    if (this.store.size >= this.nextProgress) {
      this.nextProgress += this.opts.progressEveryStates;
      this.opts.onProgress?.(this.stats());
    }
    if (this.store.size >= this.opts.maxStates) {
      this.trip('maxStates', this.opts.maxStates, 'the state space is larger than the bound: raise maxStates, shrink the configuration (fewer guests or calls), or use a reducing strategy');
      return true;
    }
    this.push(id);
    return true;
  }

  private checkDeadlock(s: number): void {
    const d = this.kernel.deadlockFinding(this.cur);
    if (d) this.record(d, this.store.pathTo(s));
  }

  private push(id: number): void {
    if (this.tail >= this.queue.length) {
      const q = new Int32Array(this.queue.length * 2);
      q.set(this.queue);
      this.queue = q;
      if (this.strategy === 'dfs') {
        const n = new Int32Array(q.length);
        n.set(this.stackNext);
        this.stackNext = n;
        const any = new Uint8Array(q.length);
        any.set(this.stackAny);
        this.stackAny = any;
      }
    }
    if (this.strategy === 'bfs' && this.head > 4096 && this.head * 2 > this.tail) {
      this.queue.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    this.queue[this.tail] = id;
    if (this.strategy === 'dfs') {
      this.stackNext[this.tail] = 0;
      this.stackAny[this.tail] = 0;
    }
    this.tail++;
  }

  private readState(s: number): void {
    this.store.read(s, this.cur);
    this.kernel.rehash(this.cur);
  }

  private record(f: Finding, path: number[]): void {
    this.recorder.record(f, path);
    if (this.recorder.full) this.done = true;
  }

  private trip(name: BoundName, limit: number, hint: string): void {
    this.bound ??= { name, limit, hint };
    if (name !== 'maxDepth') this.done = true;
  }

  private timeUp(): boolean {
    const { clock, timeLimitMs } = this.opts;
    if (!clock || timeLimitMs === undefined || this.startedAt === undefined) return false;
    if (clock() - this.startedAt < timeLimitMs) return false;
    this.trip('timeLimitMs', timeLimitMs, 'the search needed more time: raise the time limit or shrink the configuration');
    return true;
  }

  stats(): ExploreStats {
    return searchStats(this.kernel, this.store.size, this.transitions, this.maxDepthReached, this.store.bytesPerState());
  }

  result(): ExploreResult {
    const complete = this.done && !this.bound && this.recorder.violations.length < this.opts.maxViolations;
    const verdict = this.recorder.violations.length > 0 ? 'violation' : complete ? 'verified' : 'incomplete';
    return {
      system: this.system.name,
      strategy: this.strategy,
      verdict,
      complete: complete && (this.strategy === 'bfs' ? this.head === this.tail : this.tail === 0),
      ...(this.bound ? { bound: this.bound } : {}),
      violations: [...this.recorder.violations],
      stats: this.stats(),
    };
  }
}
