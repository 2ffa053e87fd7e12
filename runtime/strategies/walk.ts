/**
 * What the sampling strategies (random walks, PCT) share: running one schedule from the initial
 * state with a caller's choice at each step, judging it exactly as the explorer does, and
 * recording violations exactly as the explorer does.
 *
 * Judging, step by step, as `Exploration.tryStep` does: checkers see every transition (their
 * findings do not end the run); a step failure (assertion, unhandled message, overflow) ends
 * the run; so does a broken invariant in the state reached; a state where nothing is enabled
 * is checked for deadlock. A violation is recorded once per kind and message, with its path
 * replayed by {@link runPath} on a fresh kernel to build the token and to prove the model is
 * deterministic.
 *
 * Sampling keeps no visited set for pruning (it is stateless), but counts the distinct global
 * states it saw in a {@link StateStore}, up to `maxStates` (the count is then a lower bound).
 */
import { ModelError } from '../errors.js';
import { checkTimeLimit, searchStats, type ExploreOptions, type ExploreResult, type ExploreStats } from '../explorer.js';
import { ViolationRecorder } from '../ViolationRecorder.js';
import { Kernel, STEP_DISABLED, STEP_FAILS } from '../Kernel.js';
import { StateStore } from '../StateStore.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../system.js';
import type { Checker } from '../checkers/Checker.js';

/** How one run ended. */
export type RunEnd = 'terminal' | 'deadlock' | 'violation' | 'maxSteps';

/** Chooses the actor to step among `enabled` (ascending, never empty); `step` is 0-based. */
export type Chooser = (enabled: readonly number[], step: number) => number;

/** Default number of distinct states counted before counting stops (the walk goes on). */
const COUNT_STATES_MAX = 1_000_000;

/** Checks a positive-integer option, naming it on failure. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new ModelError(`option ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/**
 * Records violations like the explorer (one per kind and message, each with a replayed token),
 * validating `maxViolations` from the options.
 */
export class ViolationLog extends ViolationRecorder {
  constructor(system: LoadedSystem, options: ExploreOptions) {
    super(system, positiveInteger('maxViolations', options.maxViolations, 1), options.checkers ?? [], options.onViolation);
  }
}

/** Runs schedules one after another on one kernel, with one set of checkers for all of them. */
export class Sampler {
  readonly system: LoadedSystem;
  readonly kernel: Kernel;
  readonly log: ViolationLog;
  /** Runs executed so far. */
  runs = 0;
  /** The 1-based run in which the first violation was found. */
  firstViolationAt: number | undefined;
  /** Runs cut short by `maxSteps` before reaching a terminal state or a violation. */
  truncatedRuns = 0;
  private readonly store: StateStore;
  private readonly countStatesMax: number;
  private readonly checkers: Checker[];
  private transitions = 0;
  private maxDepthReached = 0;
  private readonly startedAt: number | undefined;
  private timeTripped = false;

  constructor(
    system: SystemSpec | LoadedSystem,
    private readonly options: ExploreOptions,
  ) {
    this.system = 'actorIndex' in system ? system : loadSystem(system);
    this.kernel = new Kernel(this.system);
    this.store = new StateStore(this.kernel.actorCount);
    this.log = new ViolationLog(this.system, options);
    this.countStatesMax = positiveInteger('maxStates', options.maxStates, COUNT_STATES_MAX);
    checkTimeLimit(options);
    this.startedAt = options.clock?.();
    this.checkers = [...this.system.checkers, ...(options.checkers ?? [])].map((make) => make());
    const init = this.kernel.initial();
    this.store.add(init, -1, -1, 0);
    for (const f of [...this.kernel.initialFindings(), ...this.kernel.invariantFindings(init)]) this.log.record(f, []);
  }

  /** True when no more runs should start: enough violations, or the time limit passed. */
  get done(): boolean {
    if (this.log.full) return true;
    const { clock, timeLimitMs } = this.options;
    if (clock && timeLimitMs !== undefined && this.startedAt !== undefined && clock() - this.startedAt >= timeLimitMs) this.timeTripped = true;
    return this.timeTripped;
  }

  /** Runs one schedule of at most `maxSteps` steps, choosing each step with `choose`. */
  run(choose: Chooser, maxSteps: number): { end: RunEnd; steps: number } {
    const k = this.kernel;
    const path: number[] = [];
    const before = this.log.violations.length;
    let v = k.initial();
    let end: RunEnd = 'maxSteps';
    this.runs++;
    for (;;) {
      const enabled = k.enabledActors(v);
      if (enabled.length === 0) {
        const d = k.deadlockFinding(v);
        if (d) this.log.record(d, path);
        end = d ? 'deadlock' : 'terminal';
        break;
      }
      if (path.length >= maxSteps) break;
      const actor = choose(enabled, path.length);
      const next = k.newState();
      const status = k.step(v, actor, next);
      if (status === STEP_DISABLED) throw new Error(`[interleave internal bug] a strategy chose actor #${actor}, which is not enabled`);
      this.transitions++;
      path.push(actor);
      if (this.checkers.length) for (const f of k.checkTransition(this.checkers, v, actor, next, path.length - 1)) this.log.record(f, path);
      if (status === STEP_FAILS) {
        for (const f of k.stepFindings(v, actor, next)) this.log.record(f, path);
        end = 'violation';
        break;
      }
      v = next;
      if (this.store.size < this.countStatesMax) this.store.add(v, -1, -1, path.length);
      const broken = k.invariantFindings(v);
      if (broken.length) {
        for (const f of broken) this.log.record(f, path);
        end = 'violation';
        break;
      }
    }
    if (end === 'maxSteps') this.truncatedRuns++;
    if (path.length > this.maxDepthReached) this.maxDepthReached = path.length;
    if (this.firstViolationAt === undefined && this.log.violations.length > before) this.firstViolationAt = this.runs;
    return { end, steps: path.length };
  }

  stats(): ExploreStats {
    return searchStats(this.kernel, this.store.size, this.transitions, this.maxDepthReached, this.store.bytesPerState());
  }

  /** The result of a sampling strategy: `violation`, or `incomplete` (sampling proves nothing). */
  result(strategy: string, seed: number, describeRuns: string): ExploreResult {
    const found = this.log.violations.length > 0;
    const truncated = this.truncatedRuns ? `; ${this.truncatedRuns} of them stopped at maxSteps before the model finished` : '';
    const counted = this.store.size >= this.countStatesMax ? ' (counting stopped at maxStates)' : '';
    const note = found
      ? `${strategy} (seed ${seed}) found ${this.log.violations.length} violation(s), the first in run ${this.firstViolationAt} of ${this.runs}`
      : `${strategy} (seed ${seed}) found no violation in ${this.runs} ${describeRuns}${truncated}; ${this.store.size} distinct states seen${counted}. Sampling proves nothing: run an exhaustive strategy to verify.`;
    const { timeLimitMs } = this.options;
    return {
      system: this.system.name,
      strategy,
      seed,
      note,
      verdict: found ? 'violation' : 'incomplete',
      complete: false,
      ...(this.timeTripped && timeLimitMs !== undefined
        ? { bound: { name: 'timeLimitMs' as const, limit: timeLimitMs, hint: 'the runs needed more time: raise the time limit or lower runs' } }
        : {}),
      runs: { executed: this.runs, ...(this.firstViolationAt !== undefined ? { firstViolationAt: this.firstViolationAt } : {}) },
      violations: [...this.log.violations],
      stats: this.stats(),
    };
  }
}
