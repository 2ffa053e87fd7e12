/**
 * The rxjs edge (DESIGN.md decision 9): an Observable of progress, violation and completion
 * events for the command line and the viewer, for every strategy. The search itself runs in
 * synchronous slices of the one search loop (Search.ts, or parallel-bfs's coordinator); between
 * slices rxjs's scheduler lets the process handle input (Ctrl-C) and render progress.
 * Unsubscribing stops the search after the current slice; to stop it with a partial result
 * instead, pass `shouldStop`: the search then ends at once and emits `done` with a result that
 * says it was interrupted.
 */
import { Observable, asapScheduler, type SchedulerLike } from 'rxjs';
import type { ExploreResult, ExploreStats, StrategyOptions } from './result.js';
import { startStrategy, type SearchRun } from './strategies/index.js';
import type { LoadedSystem, SystemSpec } from './system.js';
import type { Violation } from './violations.js';

export type ExploreEvent =
  | { type: 'progress'; stats: ExploreStats }
  | { type: 'violation'; violation: Violation }
  | { type: 'done'; result: ExploreResult };

export interface ObserveOptions extends Omit<StrategyOptions, 'onProgress' | 'onViolation'> {
  /** A strategy from runtime/strategies (`bfs`, `dfs`, `dpor`, `pct`, ...); default `bfs`. */
  strategy?: string;
  /** Units of work per synchronous slice (states expanded, or steps of sampled runs). Default 20,000. */
  sliceStates?: number;
  /** Where slices run; default rxjs's asapScheduler. */
  scheduler?: SchedulerLike;
}

/**
 * Explores `system` with the chosen strategy, emitting events: `progress` (every
 * `progressEveryStates` new states, and after each slice that reported none), each `violation`
 * as it is found, then `done` with the result; completes after `done`.
 *
 * @example
 * ```ts
 * explore$(system, { strategy: 'dpor' }).subscribe((e) => { if (e.type === 'violation') console.log(e.violation.message); });
 * ```
 */
export function explore$(system: SystemSpec | LoadedSystem, options: ObserveOptions = {}): Observable<ExploreEvent> {
  return new Observable<ExploreEvent>((subscriber) => {
    const { sliceStates = 20_000, scheduler = asapScheduler, strategy = 'bfs', ...rest } = options;
    let reported = false;
    let run: SearchRun;
    try {
      run = startStrategy(strategy, system, {
        ...rest,
        onProgress: (stats) => {
          reported = true;
          subscriber.next({ type: 'progress', stats });
        },
        onViolation: (violation) => subscriber.next({ type: 'violation', violation }),
      });
    } catch (err) {
      subscriber.error(err);
      return undefined;
    }
    const slice = scheduler.schedule(function next(this: { schedule(): void }) {
      reported = false;
      try {
        run.advance(sliceStates);
        if (run.done) {
          subscriber.next({ type: 'progress', stats: run.stats() });
          subscriber.next({ type: 'done', result: run.result() });
          subscriber.complete();
          return;
        }
      } catch (err) {
        subscriber.error(err);
        return;
      }
      if (!reported) subscriber.next({ type: 'progress', stats: run.stats() });
      this.schedule();
    });
    return () => slice.unsubscribe();
  });
}
