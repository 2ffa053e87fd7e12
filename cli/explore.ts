/**
 * Runs one exploration for the command line: picks the strategy from the engine's registry,
 * measures time (the command line may read clocks; the engine may not), feeds progress from
 * `explore$` to a {@link ProgressSink}, and stops cleanly on an abort signal (Ctrl-C) with the
 * partial result.
 *
 * BFS and DFS run through `explore$` in slices on rxjs's asyncScheduler (a macrotask between
 * slices, so a SIGINT handler gets to run). Strategies registered later that have no sliced
 * form run to the end through `runStrategy`.
 */
import { asyncScheduler } from 'rxjs';
import type { ExploreOptions, ExploreResult, ExploreStats } from '../runtime/explorer.js';
import { explore$ } from '../runtime/observe.js';
import { STRATEGY_NAMES, runStrategy, type StrategyOptions } from '../runtime/strategies/index.js';
import type { SystemSpec } from '../runtime/system.js';
import type { Violation } from '../runtime/violations.js';
import type { CheckerFactory } from '../runtime/checkers/Checker.js';
import { shrink } from '../runtime/shrink.js';
import type { ProgressSink } from './progress.js';

/** Strategies the command line offers: whatever the engine's registry holds. */
export function strategyNames(): readonly string[] {
  return STRATEGY_NAMES;
}

/** Strategies that advance in slices, so they can report progress and stop on Ctrl-C. */
const SLICED = new Set(['bfs', 'dfs']);

export function isSliced(strategy: string): boolean {
  return SLICED.has(strategy);
}

/** A strategy name and the options it takes (bounds; a sampling strategy's seed, runs, depth, maxSteps). */
export interface RunSettings extends Omit<StrategyOptions, 'strategy' | 'onProgress' | 'onViolation' | 'clock'> {
  strategy: string;
  progress?: ProgressSink;
  /** Aborting stops the search after the current slice and returns the partial result. */
  signal?: AbortSignal;
  /** Wraps a search that runs to the end in one synchronous call (see `Io.blocking`). */
  blocking?: <T>(run: () => T) => T;
}

export interface TimedResult {
  result: ExploreResult;
  timeMs: number;
  interrupted: boolean;
}

const clock = (): number => performance.now();

export async function runExploration(system: SystemSpec, settings: RunSettings): Promise<TimedResult> {
  const { strategy, seed, progress, signal, blocking = (run) => run(), ...bounds } = settings;
  const started = clock();
  if (!isSliced(strategy)) {
    const result = blocking(() => runStrategy(strategy, system, { ...bounds, clock, ...(seed === undefined ? {} : { seed }) }));
    const timeMs = clock() - started;
    return { result: { ...result, violations: result.violations.map((v) => shrunk(system, v, bounds.checkers ?? [])) }, timeMs, interrupted: false };
  }
  return new Promise<TimedResult>((resolve, reject) => {
    const violations: Violation[] = [];
    let last: ExploreStats | undefined;
    const finish = (result: ExploreResult, interrupted: boolean): void => {
      signal?.removeEventListener('abort', onAbort);
      progress?.finish();
      resolve({ result, timeMs: clock() - started, interrupted });
    };
    const subscription = explore$(system, {
      ...bounds,
      strategy: strategy as ExploreOptions['strategy'],
      clock,
      scheduler: asyncScheduler,
      sliceStates: 5_000,
      progressEveryStates: Math.min(bounds.progressEveryStates ?? 5_000, 5_000),
    }).subscribe({
      next: (e) => {
        if (e.type === 'progress') {
          last = e.stats;
          progress?.update(e.stats, violations.length);
        } else if (e.type === 'violation') violations.push(e.violation);
        else finish(e.result, false);
      },
      error: (err: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        progress?.finish();
        reject(err);
      },
    });
    function onAbort(): void {
      subscription.unsubscribe();
      finish(
        {
          system: system.name,
          strategy: strategy as ExploreResult['strategy'],
          verdict: violations.length ? 'violation' : 'incomplete',
          complete: false,
          violations,
          stats: last ?? emptyStats(),
        },
        true,
      );
    }
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sampling and reducing strategies find long schedules (PCT's run one to several dozen steps);
 * shrink each to a smaller one that still shows the same violation before it is reported. A
 * finding whose evidence spans several executions (lockdep) is kept as found.
 */
function shrunk(system: SystemSpec, v: Violation, checkers: readonly CheckerFactory[]): Violation {
  if (v.acrossExecutions || v.path.length <= 1) return v;
  try {
    const s = shrink(system, v.path, { target: v, checkers: [...checkers], maxAttempts: 2_000 });
    if (s.path.length >= v.path.length) return v;
    return { ...s.violation, shrunkFromSteps: v.path.length };
  } catch {
    return v; // shrinking is a convenience: the found schedule stands if it cannot be shrunk
  }
}

function emptyStats(): ExploreStats {
  return { states: 0, transitions: 0, xstateCalls: 0, memoHits: 0, memoHitRate: 0, localStates: 0, messages: 0, maxDepthReached: 0, bytesPerState: 0 };
}
