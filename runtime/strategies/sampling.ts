/**
 * What the sampling strategies (random walks, PCT) share: a policy that runs schedules one after
 * another from the start state, a choice at each step made by the strategy, every step judged
 * by the search loop exactly as an exhaustive search judges it (Search.ts: checkers see every
 * transition; a failing step or a state that breaks an invariant ends the run; a state where
 * nothing is enabled is checked for deadlock).
 *
 * Sampling keeps no visited set for pruning (it is stateless: a run goes on through states it
 * has seen), but stores the distinct states it sees, for the statistics and for `maxStates`,
 * which bounds them like any search's states. Every bound ends sampling with a partial result
 * that names it: `maxDepth` ends the run that reaches it (the others go on); the rest end the
 * sampling. A run is also cut at the strategy's `maxSteps`, which the note reports.
 *
 * The verdict is `violation` or `incomplete`, never `verified`: sampling proves nothing.
 */
import { internalAssert } from '../errors.js';
import type { ExploreResult } from '../result.js';
import { STEP_DISABLED } from '../Kernel.js';
import { PRUNED, type Search, type SearchPolicy } from '../Search.js';

/** Chooses the actor to step among `enabled` (ascending, never empty); `step` is 0-based. */
export type Chooser = (enabled: readonly number[], step: number) => number;

/** One sampling strategy: its name and seed, and the choice it makes in each run. */
export interface Sampler {
  name: string;
  seed: number;
  runs: number;
  maxSteps: number;
  /** Starts run `index` (0-based) and returns the chooser for its steps. */
  beginRun(index: number, actorCount: number): Chooser;
  /** Called when a run ends. */
  endRun?(): void;
  /** "random walks of at most 100 steps": what the runs were, for the note. */
  describeRuns(): string;
}

export function samplingPolicy(sampler: Sampler): SearchPolicy {
  let path: number[] = [];
  let v: Int32Array;
  let choose: Chooser | undefined;
  let executed = 0;
  let truncated = 0;
  let firstViolationAt: number | undefined;
  let violationsBefore = 0;
  const endRun = (search: Search): void => {
    if (path.length > search.maxDepthReached) search.maxDepthReached = path.length;
    if (firstViolationAt === undefined && search.recorder.violations.length > violationsBefore) firstViolationAt = executed;
    sampler.endRun?.();
    choose = undefined;
  };
  return {
    name: sampler.name,
    shrinkByDefault: true,
    compactable: true,
    hints: { timeLimitMs: 'the runs needed more time: raise the time limit or lower runs' },
    start(search) {
      v = search.kernel.newState();
    },
    next(search) {
      const k = search.kernel;
      if (!choose) {
        if (executed >= sampler.runs) return false;
        choose = sampler.beginRun(executed++, k.actorCount);
        path = [];
        v.set(k.initial());
        violationsBefore = search.recorder.violations.length;
      }
      const enabled = k.enabledActors(v);
      if (enabled.length === 0) {
        search.checkDeadlock(-1, v);
        endRun(search);
        return true;
      }
      if (path.length >= sampler.maxSteps) {
        truncated++;
        endRun(search);
        return true;
      }
      if (!step(search, v, path, choose(enabled, path.length))) endRun(search);
      return true;
    },
    pathTo: () => [...path],
    conclude: (search, base) => sampledResult(search, base, sampler, { executed, truncated, firstViolationAt }),
  };
}

/** Takes one step of the current run; returns false when the run ends there. */
function step(search: Search, v: Int32Array, path: number[], actor: number): boolean {
  const status = search.kernel.step(v, actor, search.out);
  internalAssert(status !== STEP_DISABLED, `a sampling strategy chose actor #${actor}, which is enabled`);
  const judged = search.judgeStep(-1, v, path.length, actor, status);
  if (judged === PRUNED) return false;
  path.push(actor);
  if (judged !== 0) return false;
  v.set(search.out);
  const id = search.store.add(v, -1, actor, path.length);
  if (id >= 0) {
    search.counted();
    search.store.release(search.store.size); // sampling never reads a stored state back
  }
  if (search.breaksInvariant(-1, v)) return false;
  if (id >= 0 && search.store.size >= search.settings.maxStates) {
    search.stop('maxStates');
    return false;
  }
  return !search.done;
}

function sampledResult(search: Search, base: ExploreResult, s: Sampler, runs: { executed: number; truncated: number; firstViolationAt: number | undefined }): ExploreResult {
  const found = base.violations.length;
  const states = search.stateCount();
  const truncated = runs.truncated ? `; ${runs.truncated} of them stopped at maxSteps before the model finished` : '';
  const stoppedBy = search.stopCause && search.stopCause !== 'maxViolations' ? search.stopCause : undefined;
  const note = found
    ? `${s.name} (seed ${s.seed}) found ${found} violation(s), the first in run ${runs.firstViolationAt} of ${runs.executed}`
    : stoppedBy
      ? `${s.name} (seed ${s.seed}) was stopped by ${stoppedBy === 'interrupt' ? 'an interrupt' : `${stoppedBy} (see the bound)`} in run ${runs.executed} of ${s.runs} (${s.describeRuns()}${truncated}), with no violation found so far; ${states} distinct states seen. Sampling proves nothing: run an exhaustive strategy to verify.`
      : `${s.name} (seed ${s.seed}) found no violation in ${runs.executed} ${s.describeRuns()}${truncated}; ${states} distinct states seen. Sampling proves nothing: run an exhaustive strategy to verify.`;
  return {
    ...base,
    seed: s.seed,
    note,
    verdict: found ? 'violation' : 'incomplete',
    complete: false,
    covered: search.stopCause ? { kind: 'stopped', by: search.stopCause } : { kind: 'sampled', runs: runs.executed },
    runs: { executed: runs.executed, ...(runs.firstViolationAt !== undefined ? { firstViolationAt: runs.firstViolationAt } : {}) },
  };
}
