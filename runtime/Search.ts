/**
 * The search loop: one loop for every strategy (issue 9; the design of shuttle's single runner
 * with strategies as schedulers, awslabs/shuttle `runtime/runner.rs`, and of SPIN's and TLC's
 * one search engine with options for its order and reductions).
 *
 * The loop owns what every strategy must do the same way:
 *
 * - the defaults and the validation of the shared options (result.ts, one copy);
 * - every bound: `maxStates`, `maxDepth`, `timeLimitMs` (the caller's clock), `maxMemoryBytes`
 *   (the engine's byte count or the caller's probe), `maxViolations`, and cancellation
 *   (`shouldStop`), each ending the search with a partial result that names it;
 * - judging a step the same way everywhere ({@link Search.transition}): checkers see every
 *   transition; a failing step (assertion, unhandled message, overflow) is recorded and not
 *   followed; a state that breaks an invariant is recorded and not expanded (and checked for
 *   deadlock); a state where no actor can move is checked for deadlock;
 * - recording violations through the {@link ViolationRecorder} (each replayed on a fresh
 *   engine, so nondeterminism is caught), shrinking them (shrink.ts) before they are reported,
 *   progress callbacks, and the statistics.
 *
 * A strategy is a {@link SearchPolicy}: which node to expand next, which steps to take from it,
 * what key a state is stored under (symmetry's canonical form; preemption bounding's
 * state + last actor), and what its verdict covers. Policies live in runtime/strategies/, one
 * file each.
 *
 * The loop advances in units of work (one node expanded, or one step of a sampled run) and
 * checks the clock, the memory and `shouldStop` every {@link CHECK_EVERY} units, and inside a
 * unit after every WORK_CHECK words written to the component tables (Components.onWork: one
 * step that sends 100,000 messages is one unit), so every strategy stops within a few
 * milliseconds of a bound. `advance(budget)` runs a slice, so the
 * rxjs edge (observe.ts) and the command line interleave progress and Ctrl-C with the
 * synchronous step loop (DESIGN.md decision 9).
 */
import { ModelError, internalAssert } from './errors.js';
import { Kernel, STEP_DISABLED, STEP_FAILS, STEP_OK, type Finding } from './Kernel.js';
import { StateStore } from './StateStore.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from './system.js';
import type { Checker } from './checkers/Checker.js';
import { ViolationRecorder } from './ViolationRecorder.js';
import { shrinkViolation } from './shrink.js';
import {
  BOUND_HINTS,
  hashCompaction,
  hashCompactionNote,
  searchSettings,
  type BoundName,
  type Coverage,
  type ExploreOptions,
  type ExploreResult,
  type ExploreStats,
  type SearchSettings,
  type StopCause,
} from './result.js';

/** {@link Search.transition}: the actor takes no message there. */
export const DISABLED = -1;
/** {@link Search.transition}: the step failed; the failure is recorded; nothing to follow. */
export const FAILED = -2;
/** {@link Search.transition}: the step would go deeper than `maxDepth` (the bound is noted). */
export const PRUNED = -3;
/** {@link Search.transition}: the new state breaks an invariant (recorded); do not expand it. */
export const BROKEN = -4;
/** {@link Search.transition}: the search is over (a bound, enough violations). */
export const STOPPED = -5;
/** {@link Search.transition}: results at or below this are known nodes: see {@link knownNode}. */
export const KNOWN = -6;

/** The id of the known node a {@link Search.transition} result at or below {@link KNOWN} names. */
export function knownNode(result: number): number {
  return KNOWN - result;
}

/**
 * Thrown by the bound check inside a step (Components.onWork) when a bound tripped there: the
 * step is abandoned, and {@link Search.advance} ends the search with the partial result.
 */
class StoppedInStep extends Error {}

/** Units of work between checks of the clock, the memory and `shouldStop`. */
export const CHECK_EVERY = 256;

/**
 * A strategy, as the loop sees it. Only `name`, `start` and `next` are required; the hooks are
 * for strategies that store something other than the plain state (symmetry, bounded), report
 * paths differently (sampling, symmetry) or conclude differently (sampling, bounded).
 */
export interface SearchPolicy {
  readonly name: string;
  /**
   * The system the search runs, given the loaded one: a policy may wrap the invariants (DPOR
   * watches what they read). The wrapped checks must give the same verdicts.
   */
  readonly prepare?: (system: LoadedSystem) => LoadedSystem;
  /** Report shrunk schedules unless the caller says otherwise (false for shortest-path searches). */
  readonly shrinkByDefault: boolean;
  /** Values per stored node; default: one per actor. */
  readonly entries?: (kernel: Kernel) => number;
  /** The stored key of state `v` (with its hash) reached by `actor` (-1 at the start); default `v` itself. */
  readonly key?: (search: Search, v: Int32Array, actor: number) => Int32Array;
  /** Called for each node stored, with its state. */
  readonly onNew?: (search: Search, id: number, v: Int32Array) => void;
  /** Seeds the work: called once the start node is stored (id 0) and its findings recorded. */
  start(search: Search): void;
  /** Does one unit of work; returns false when there is none left. */
  next(search: Search): boolean;
  /** The schedule (actor indices) that reaches node `id`; default: the stored parents. */
  readonly pathTo?: (search: Search, id: number) => number[];
  /** Records `f`, found after `actor`'s step from node `id` (actor -1: in node `id` itself); default: at {@link pathTo}. */
  readonly record?: (search: Search, f: Finding, id: number, actor: number) => void;
  /** Distinct global states, when the store holds something else (nodes of bounded search). */
  readonly stateCount?: (search: Search) => number;
  /**
   * States found and not yet expanded (breadth-first: the queue; depth-first: the stack), for
   * progress reports; sampling strategies have none.
   */
  readonly frontier?: (search: Search) => number;
  /** Bytes the policy holds besides the store (its frontier), for the memory bound. */
  readonly bytes?: () => number;
  /** The policy never reads back a state it did not keep itself, so the store may hold fingerprints only (hash compaction). */
  readonly compactable?: boolean;
  /** The bound hints to use instead of the shared ones. */
  readonly hints?: Partial<Record<BoundName, string>>;
  /** Adds the strategy's fields to the result, or revises verdict and coverage (sampling never verifies). */
  readonly conclude?: (search: Search, result: ExploreResult) => ExploreResult;
}

/** A search of one system with one policy; `advance` it to the end, then read `result()`. */
export class Search {
  readonly system: LoadedSystem;
  readonly kernel: Kernel;
  /** The visited set; replaced only by {@link restartStore}. */
  store: StateStore;
  readonly settings: SearchSettings;
  readonly recorder: ViolationRecorder;
  readonly checkers: Checker[];
  /** Where {@link transition} writes the successor (valid until the next call). */
  readonly out: Int32Array;
  /** True once the search is over: the policy ran out of work, or it was stopped. */
  done = false;
  /** True when the policy ran out of work (rather than being stopped). */
  finished = false;
  transitions = 0;
  maxDepthReached = 0;
  bound: ExploreResult['bound'];
  /** Why the search was stopped early, if it was. */
  stopCause: StopCause | undefined;
  /** Set once {@link result} has evaluated the memoized steps again. */
  private rechecked = false;
  private units = 0;
  private nextProgress: number;
  private readonly startedAt: number | undefined;
  private final: ExploreResult | undefined;

  constructor(
    system: SystemSpec | LoadedSystem,
    readonly policy: SearchPolicy,
    options: ExploreOptions = {},
  ) {
    const loaded = 'actorIndex' in system ? system : loadSystem(system);
    this.system = policy.prepare ? policy.prepare(loaded) : loaded;
    this.settings = searchSettings(options, policy.shrinkByDefault);
    this.nextProgress = this.settings.progressEveryStates;
    this.startedAt = this.settings.clock ? (this.settings.timeOrigin ?? this.settings.clock()) : undefined;
    if (this.settings.hashCompact && !policy.compactable) {
      throw new ModelError(`option hashCompact works with bfs, symmetry, pct and random; '${policy.name}' reads states back from the visited set, which then holds fingerprints only`);
    }
    this.kernel = new Kernel(this.system);
    // One step may write a great deal (a step sending 100,000 messages builds as many ever
    // longer mailboxes): the bounds are checked inside it too, not only between units.
    this.kernel.components.onWork = () => {
      if (!this.done && this.stopRequested()) throw new StoppedInStep();
    };
    this.store = new StateStore(policy.entries?.(this.kernel) ?? this.kernel.actorCount, { compact: this.settings.hashCompact });
    this.out = this.kernel.newState();
    this.checkers = [...this.system.checkers, ...this.settings.checkers].map((make) => make());
    this.recorder = new ViolationRecorder(this.system, this.settings.maxViolations, this.settings.checkers, this.settings.onViolation, this.settings.distinctKinds);
    const init = this.kernel.initial();
    if (options.startAt) {
      const prefixes = options.startAt;
      this.inSteps(() => this.startFrom(init, prefixes));
    } else {
      const id = this.store.add(this.keyOf(init, -1), -1, -1, 0);
      internalAssert(id === 0, 'the start state is node 0');
      policy.onNew?.(this, 0, init);
      for (const f of [...this.kernel.initialFindings(), ...this.kernel.invariantFindings(init)]) this.recordAt(f, 0, -1);
    }
    if (!this.done) this.inSteps(() => policy.start(this));
  }

  /** Runs `f`; a bound that trips inside one of its steps ends it (the search is then done). */
  private inSteps(f: () => void): void {
    try {
      f();
    } catch (err) {
      if (!(err instanceof StoppedInStep)) throw err;
    }
  }

  /**
   * Forgets every stored state but the start (node 0, stored again): for a policy that starts
   * over (DPOR, once it learns that the reductions it made relied on too little). Violations
   * recorded, transitions counted and bounds noted stay; progress counts the new store.
   */
  restartStore(): void {
    this.store = new StateStore(this.store.entries, { compact: this.store.compact });
    const init = this.kernel.initial();
    this.store.add(this.keyOf(init, -1), -1, -1, 0);
    this.policy.onNew?.(this, 0, init);
  }

  /** The prefix each root node (a start state of `startAt`) was reached by. */
  private readonly roots = new Map<number, number[]>();

  /** Stores the states the `startAt` schedules reach as the search's start nodes (see ExploreOptions.startAt). */
  private startFrom(init: Int32Array, prefixes: number[][]): void {
    if (this.policy.name !== 'bfs') throw new ModelError(`option startAt works with bfs only, not '${this.policy.name}'`);
    if (prefixes.length === 0) throw new ModelError('option startAt needs at least one schedule');
    let v = init;
    for (const prefix of prefixes) {
      v = init.slice();
      const out = this.kernel.newState();
      prefix.forEach((actor, i) => {
        if (!Number.isInteger(actor) || actor < 0 || actor >= this.kernel.actorCount) throw new ModelError(`option startAt: step ${i + 1} of schedule [${prefix.join(',')}] names no actor (${String(actor)})`);
        const status = this.kernel.step(v, actor, out);
        if (status !== STEP_OK) throw new ModelError(`option startAt: step ${i + 1} of schedule [${prefix.join(',')}] (actor '${this.system.actorNames[actor]}') is ${status === STEP_DISABLED ? 'not enabled' : 'a failing step'}`);
        v.set(out);
      });
      const id = this.store.add(this.keyOf(v, -1), -1, -1, prefix.length);
      if (id < 0) continue;
      this.roots.set(id, prefix.slice());
      if (prefix.length > this.maxDepthReached) this.maxDepthReached = prefix.length;
      this.policy.onNew?.(this, id, v);
    }
  }

  /** Runs up to `budget` units of work (an expansion, or a step of a sampled run). */
  advance(budget: number): void {
    this.inSteps(() => {
      for (let i = 0; i < budget && !this.done; i++) {
        if (this.units++ % CHECK_EVERY === 0 && this.stopRequested()) return;
        if (!this.policy.next(this)) {
          this.done = true;
          this.finished = true;
        }
      }
    });
  }

  /** Runs to the end and returns the result. */
  run(): ExploreResult {
    while (!this.done) this.advance(Number.MAX_SAFE_INTEGER);
    return this.result();
  }

  /**
   * Asks the caller's `shouldStop`, the clock and the memory whether to stop now; stops if so.
   * Policies with a long unit of work of their own (DPOR's pre-pass) may call it in between.
   */
  stopRequested(): boolean {
    if (this.done) return true;
    const s = this.settings;
    if (s.shouldStop?.()) {
      this.stop('interrupt');
    } else if (s.clock && s.timeLimitMs !== undefined && (s.clock() - (this.startedAt as number)) >= s.timeLimitMs) {
      this.stop('timeLimitMs');
    } else if (s.maxMemoryBytes !== undefined && this.memoryBytes() >= s.maxMemoryBytes) {
      this.stop('maxMemoryBytes');
    }
    return this.done;
  }

  /** Bytes in use: the caller's probe, or the engine's count of what this search holds. */
  memoryBytes(): number {
    const probe = this.settings.memoryProbe;
    if (probe) return probe();
    return this.store.bytes() + this.kernel.components.bytes() + (this.policy.bytes?.() ?? 0);
  }

  /** Ends the search early for `cause`; a bound is named in the result with its hint. */
  stop(cause: StopCause): void {
    if (this.done) return;
    this.done = true;
    this.stopCause = cause;
    if (cause === 'maxStates') this.trip('maxStates', this.settings.maxStates);
    else if (cause === 'timeLimitMs') this.trip('timeLimitMs', this.settings.timeLimitMs as number);
    else if (cause === 'maxMemoryBytes') this.trip('maxMemoryBytes', this.settings.maxMemoryBytes as number);
  }

  /** Notes that `name` cut the search (maxDepth prunes and the search goes on; the others stop it). */
  trip(name: BoundName, limit: number): void {
    this.bound ??= { name, limit, hint: this.policy.hints?.[name] ?? BOUND_HINTS[name] };
  }

  /** Reads node `id` into `v` (a kernel state vector) with its hash. */
  read(id: number, v: Int32Array): void {
    this.store.read(id, v);
    this.kernel.rehash(v);
  }

  /**
   * Takes `actor`'s step from node `from` (state `v`, at `depth`) and judges it as every
   * strategy does. Returns the new node's id (>= 0: a state to expand), or {@link DISABLED},
   * {@link FAILED}, {@link PRUNED}, {@link BROKEN}, {@link STOPPED}, or a known node (at or
   * below {@link KNOWN}: {@link knownNode}). The successor state is in {@link out}.
   */
  transition(from: number, v: Int32Array, depth: number, actor: number): number {
    const status = this.kernel.step(v, actor, this.out);
    if (status === STEP_DISABLED) return DISABLED;
    const judged = this.judgeStep(from, v, depth, actor, status);
    if (judged !== 0) return judged;
    const id = this.store.add(this.keyOf(this.out, actor), from, actor, depth + 1);
    if (id < 0) return KNOWN - (-id - 1);
    return this.admit(id, depth + 1);
  }

  /**
   * What every step goes through after the stepper computed it into {@link out}: counting,
   * checkers, failures, the depth bound. Returns 0 to go on, or FAILED, PRUNED or STOPPED.
   */
  judgeStep(from: number, v: Int32Array, depth: number, actor: number, status: number): number {
    this.transitions++;
    if (this.checkers.length !== 0) {
      // A checker's finding does not stop the search past this step: lockdep reports an
      // inversion in runs that go on fine, and the search goes on to find more.
      // The step's schedule, for checkers that keep evidence (lockdep's edges), built only when
      // asked. A policy that records on other schedules (symmetry's canonical nodes) gives none.
      this.stepFrom = from;
      this.stepActor = actor;
      const found = this.kernel.checkTransition(this.checkers, v, actor, this.out, depth, this.policy.record ? undefined : this.pathOfStep);
      for (const f of found) this.recordAt(f, from, actor);
      if (this.done) return STOPPED;
    }
    if (status === STEP_FAILS) {
      for (const f of this.kernel.stepFindings(v, actor, this.out)) this.recordAt(f, from, actor);
      return FAILED;
    }
    if (depth >= this.settings.maxDepth) {
      this.trip('maxDepth', this.settings.maxDepth);
      return PRUNED;
    }
    return 0;
  }

  private stepFrom = 0;
  private stepActor = 0;
  private readonly pathOfStep = (): number[] => {
    const path = this.pathTo(this.stepFrom);
    path.push(this.stepActor);
    return path;
  };

  /** A new node `id` at `depth` (its state in {@link out}): invariants, progress, the state bound. */
  private admit(id: number, depth: number): number {
    if (depth > this.maxDepthReached) this.maxDepthReached = depth;
    this.policy.onNew?.(this, id, this.out);
    if (this.system.invariants.length !== 0 && this.breaksInvariant(id, this.out)) return BROKEN;
    this.counted();
    if (this.store.size >= this.settings.maxStates) {
      this.stop('maxStates');
      return STOPPED;
    }
    return id;
  }

  /** Progress: called for each new state counted. */
  counted(): void {
    const states = this.stateCount();
    if (states >= this.nextProgress) {
      this.nextProgress += this.settings.progressEveryStates;
      this.settings.onProgress?.(this.stats());
    }
  }

  /**
   * Checks the invariants in state `v` of node `id`; records what breaks. A state that breaks
   * one is not expanded; if nothing can move there it is also a deadlock, which would otherwise
   * go unreported.
   */
  breaksInvariant(id: number, v: Int32Array): boolean {
    const broken = this.kernel.invariantFindings(v);
    if (broken.length === 0) return false;
    for (const f of broken) this.recordAt(f, id, -1);
    if (!this.done && this.kernel.enabledActors(v).length === 0) {
      const d = this.kernel.deadlockFinding(v);
      if (d) this.recordAt(d, id, -1);
    }
    return true;
  }

  /** Records a deadlock if node `id` (state `v`, where no actor is enabled) is one. */
  checkDeadlock(id: number, v: Int32Array): void {
    const d = this.kernel.deadlockFinding(v);
    if (d) this.recordAt(d, id, -1);
  }

  /** Records `f`, found after `actor`'s step from node `id` (-1: in node `id`); stops at `maxViolations`. */
  recordAt(f: Finding, id: number, actor: number): void {
    if (this.policy.record) this.policy.record(this, f, id, actor);
    else {
      const path = this.pathTo(id);
      if (actor >= 0) path.push(actor);
      this.recorder.record(f, path);
    }
    if (this.recorder.full) this.stop('maxViolations');
  }

  /** The schedule that reaches node `id`. */
  pathTo(id: number): number[] {
    const path = this.policy.pathTo ? this.policy.pathTo(this, id) : this.store.pathTo(id);
    if (this.roots.size === 0) return path;
    let root = id;
    while (this.store.parent(root) !== -1) root = this.store.parent(root);
    return [...(this.roots.get(root) ?? []), ...path];
  }

  /** States waiting to be expanded (see {@link SearchPolicy.frontier}); undefined for sampling strategies. */
  frontier(): number | undefined {
    return this.policy.frontier?.(this);
  }

  /** Distinct global states so far. */
  stateCount(): number {
    return this.policy.stateCount ? this.policy.stateCount(this) : this.store.size;
  }

  private keyOf(v: Int32Array, actor: number): Int32Array {
    return this.policy.key ? this.policy.key(this, v, actor) : v;
  }

  stats(): ExploreStats {
    return searchStats(this.kernel, this.stateCount(), this.transitions, this.maxDepthReached, this.store.bytesPerState());
  }

  /** The result (computed once the search is done; a partial one before). Violations are shrunk here. */
  result(): ExploreResult {
    if (this.final) return this.final;
    // Every step the verdict rests on, evaluated once more now that all ran (StepTable.recheck):
    // a step reading module state another step wrote is a model error, whatever the actor order.
    // Not after the time limit, the memory bound or Ctrl-C, which ask to end now.
    if (this.done && !this.rechecked && (this.stopCause === undefined || this.stopCause === 'maxStates' || this.stopCause === 'maxViolations')) {
      this.rechecked = true;
      this.kernel.table.recheck();
    }
    const violations = this.recorder.violations;
    const complete = this.finished && !this.bound && !this.stopCause;
    const base: ExploreResult = {
      system: this.system.name,
      strategy: this.policy.name,
      verdict: violations.length > 0 ? 'violation' : complete ? 'verified' : 'incomplete',
      complete,
      covered: this.coverage(),
      ...(this.bound ? { bound: this.bound } : {}),
      ...(this.stopCause === 'interrupt' ? { interrupted: true } : {}),
      violations: [...violations],
      stats: this.stats(),
    };
    if (this.store.compact) {
      const h = hashCompaction(this.store.size, this.transitions + 1);
      base.hashCompaction = h;
      base.note = hashCompactionNote(h);
    }
    const result = this.policy.conclude ? this.policy.conclude(this, base) : base;
    if (result.hashCompaction && result.note !== base.note) result.note = `${result.note}; ${base.note}`;
    result.violations = result.violations.map((v) => this.shrunk(v));
    if (this.done) this.final = result;
    return result;
  }

  private coverage(): Coverage {
    if (this.stopCause) return { kind: 'stopped', by: this.stopCause };
    if (!this.finished) return { kind: 'stopped', by: 'interrupt' };
    if (this.bound?.name === 'maxDepth') return { kind: 'depth-bounded', maxDepth: this.settings.maxDepth };
    return { kind: 'exhaustive' };
  }

  /** Shrinks a violation within the time the search had left (never past its deadline). */
  private shrunk(v: ExploreResult['violations'][number]): ExploreResult['violations'][number] {
    const attempts = this.settings.shrinkAttempts;
    if (attempts === 0 || v.acrossExecutions || v.path.length <= 1 || this.stopCause === 'timeLimitMs' || this.stopCause === 'interrupt') return v;
    const { clock, timeLimitMs, shouldStop } = this.settings;
    const deadline = clock && timeLimitMs !== undefined ? (this.startedAt as number) + timeLimitMs : undefined;
    const stop = (): boolean => (shouldStop?.() ?? false) || (deadline !== undefined && (clock as () => number)() >= deadline);
    return shrinkViolation(this.system, v, this.settings.checkers, attempts, stop);
  }
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
