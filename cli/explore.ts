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
import type { SystemSpec } from '../runtime/system.js';
import type { ProgressSink } from './progress.js';
import { heapUsed, memoryBound } from './memory.js';

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
}

export interface TimedResult {
  result: ExploreResult;
  timeMs: number;
  interrupted: boolean;
}

const clock = (): number => performance.now();

export async function runExploration(system: SystemSpec, settings: RunSettings): Promise<TimedResult> {
  const { strategy, seed, progress, signal, ...bounds } = settings;
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
          resolve({ result: e.result, timeMs: clock() - started, interrupted: e.result.interrupted === true });
        }
      },
      error: (err: unknown) => {
        progress?.finish();
        reject(err);
      },
    });
  });
}
