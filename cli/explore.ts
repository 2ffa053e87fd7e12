/**
 * Runs one exploration for the command line: picks the strategy from the engine's registry,
 * measures time (the command line may read clocks; the engine may not), feeds progress from
 * `explore$` to a {@link ProgressSink}, and stops cleanly on an abort signal (Ctrl-C) with the
 * partial result.
 *
 * Every strategy runs through `explore$` in slices on rxjs's asyncScheduler (a macrotask between
 * slices, so a SIGINT handler gets to run); Ctrl-C reaches the search as `shouldStop`, and the
 * search itself ends with a partial result that says it was interrupted. Shrinking counterexamples
 * is the engine's (the search loop shrinks them for strategies whose schedules are not shortest).
 */
import { asyncScheduler } from 'rxjs';
import type { ExploreResult } from '../runtime/result.js';
import { explore$ } from '../runtime/observe.js';
import { STRATEGY_NAMES, type StrategyOptions } from '../runtime/strategies/index.js';
import { loadSystem, type SystemSpec } from '../runtime/system.js';
import { applyCheckers } from '../runtime/checkers/apply.js';
import { withAnalyses } from '../runtime/analyses.js';
import { ModelError } from '../runtime/errors.js';
import type { CheckerFactory } from '../runtime/checkers/Checker.js';
import { splitCheckerList, type AnalysisName, type CheckerSelection } from '../runtime/checkers/select.js';
import { UsageError } from './errors.js';
import type { ProgressSink } from './progress.js';
import { heapUsed, memoryBound } from './memory.js';
import type { SystemSource } from '../runtime/parallel/source.js';
import { exploreSupervised } from './supervised/host.js';
import { checkPathAlone } from '../runtime/replay.js';

/** Strategies the command line offers: whatever the engine's registry holds. */
export function strategyNames(): readonly string[] {
  return STRATEGY_NAMES;
}

/** Strategies that take a seed. */
const RANDOMISED = new Set(['pct', 'random']);

export function isRandomised(strategy: string): boolean {
  return RANDOMISED.has(strategy);
}

/** A strategy name and the options it takes (bounds; a sampling strategy's seed, runs, depth, maxSteps). */
export interface RunSettings extends Omit<StrategyOptions, 'strategy' | 'onProgress' | 'onViolation' | 'clock' | 'shouldStop' | 'memoryProbe'> {
  strategy: string;
  progress?: ProgressSink;
  /** Aborting stops the search at once and returns the partial result. */
  signal?: AbortSignal;
  /**
   * Run the search in a worker thread built from this source, under the watch of this thread
   * (cli/supervised/host.ts): a step that never returns ends the search with a partial
   * result naming it, instead of hanging the command.
   */
  supervise?: SystemSource;
  /** Under supervision: a step running longer than this is a hang (default 10 s). */
  stepTimeLimitMs?: number;
  /** Under supervision: told of a step that has run for a second (it may yet return). */
  slowStep?: (step: string, stepTimeLimitMs: number) => void;
  /** Whole-graph analyses to run after the search (`--checkers race,liveness`). */
  analyses?: readonly AnalysisName[];
  /**
   * The `--checkers` list the system's checkers were chosen by (runtime/checkers/apply.ts):
   * threads that build the system themselves (a supervised search's worker, parallel-bfs's
   * workers) apply it to theirs, so every thread judges by the same checkers.
   */
  checkerNames?: readonly string[];
}

/**
 * The system as a run judges it: its checkers replaced by those `--checkers <list>` chooses
 * (runtime/checkers/select.ts; without a list, the system's own and `extra`, a catalogue entry's),
 * and the analyses to run after the search. A bad name is a usage error naming the option.
 */
export function chooseCheckers(system: SystemSpec, extra: readonly CheckerFactory[], raw: string | true | undefined): { system: SystemSpec; selection: CheckerSelection; list: string[] | undefined } {
  const list = typeof raw === 'string' ? splitCheckerList(raw) : undefined;
  try {
    return { ...applyCheckers(system, extra, list, 'option --checkers'), list };
  } catch (err) {
    if (err instanceof ModelError && err.message.startsWith('option --checkers')) throw new UsageError(err.message);
    throw err;
  }
}

/** The names a run's report lists: its transition checkers, then its analyses. */
export function checkerNames(selection: CheckerSelection): string[] {
  return [...selection.names, ...selection.analyses];
}

export interface TimedResult {
  result: ExploreResult;
  timeMs: number;
  interrupted: boolean;
}

const clock = (): number => performance.now();

export async function runExploration(system: SystemSpec, settings: RunSettings): Promise<TimedResult> {
  if (settings.supervise) {
    const timed = await runSupervised(settings.supervise, settings);
    // This thread has loaded the model but run none of its steps: its module state is fresh, so
    // a counterexample that rests on a step the search evaluated off the path (module state one
    // actor's assign wrote and another's guard read) shows here (runtime/replay.ts).
    if (timed.result.violations.length) {
      const loaded = loadSystem(system);
      for (const v of timed.result.violations) if (!v.acrossExecutions && !v.evidence?.length) checkPathAlone(loaded, v.path);
    }
    return timed;
  }
  const { strategy, seed, progress, signal, analyses = [], supervise: _s, stepTimeLimitMs: _t, ...bounds } = settings;
  const started = clock();
  return new Promise<TimedResult>((resolve, reject) => {
    let violations = 0;
    explore$(system, {
      ...bounds,
      strategy,
      ...(seed === undefined ? {} : { seed }),
      clock,
      // The heap as V8 counts it: what the search holds, xstate's snapshots included (cli/memory.ts).
      maxMemoryBytes: bounds.maxMemoryBytes ?? memoryBound(undefined),
      memoryProbe: heapUsed,
      shouldStop: () => signal?.aborted === true,
      scheduler: asyncScheduler,
      sliceStates: 5_000,
      progressEveryStates: Math.min(bounds.progressEveryStates ?? 5_000, 5_000),
    }).subscribe({
      next: (e) => {
        if (e.type === 'progress') progress?.update(e.stats, violations, e.frontier);
        else if (e.type === 'violation') violations++;
        else {
          progress?.finish();
          try {
            const result = withAnalyses(loadSystem(system), analyses, e.result, { ...(bounds.maxStates === undefined ? {} : { maxStates: bounds.maxStates }), ...(bounds.maxViolations === undefined ? {} : { maxViolations: bounds.maxViolations }) });
            resolve({ result, timeMs: clock() - started, interrupted: e.result.interrupted === true });
          } catch (err) {
            reject(err);
          }
        }
      },
      error: (err: unknown) => {
        progress?.finish();
        reject(err);
      },
    });
  });
}

/** Options that cannot cross to a worker thread (functions); a catalogue entry's come from its module there. */
const NOT_PLAIN = new Set(['slowStep', 'checkers', 'onProgress', 'onViolation', 'clock', 'shouldStop', 'memoryProbe', 'progress', 'signal', 'supervise']);

async function runSupervised(source: SystemSource, settings: RunSettings): Promise<TimedResult> {
  const started = clock();
  const plain = Object.fromEntries(Object.entries(settings).filter(([k, v]) => !NOT_PLAIN.has(k) && typeof v !== 'function')) as Omit<RunSettings, 'strategy'> & { strategy?: string };
  delete plain.strategy;
  // The worker chooses the checkers by the same list and runs the analyses it names itself.
  delete plain.analyses;
  let violations = 0;
  const { progress, signal } = settings;
  try {
    const result = await exploreSupervised(source, settings.strategy, {
      ...plain,
      progressEveryStates: Math.min(settings.progressEveryStates ?? 5_000, 5_000),
      onProgress: (stats) => progress?.update(stats, violations),
      onViolation: () => violations++,
      ...(settings.slowStep ? { onSlowStep: settings.slowStep } : {}),
      ...(signal ? { signal } : {}),
    });
    return { result, timeMs: clock() - started, interrupted: result.interrupted === true };
  } finally {
    progress?.finish();
  }
}
