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
  | { type: 'progress'; stats: ExploreStats; frontier?: number }
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
 * Explores `system` with the chosen strategy, emitting events: `progress` (the statistics, and
 * the frontier: states found and not yet expanded, absent for sampling strategies; every
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
    let run: SearchRun | undefined;
    const progress = (stats: ExploreStats): void => {
      const frontier = run?.frontier();
      subscriber.next(frontier === undefined ? { type: 'progress', stats } : { type: 'progress', stats, frontier });
    };
    try {
      run = startStrategy(strategy, system, {
        ...rest,
        onProgress: (stats) => {
          reported = true;
          progress(stats);
        },
        onViolation: (violation) => subscriber.next({ type: 'violation', violation }),
      });
    } catch (err) {
      subscriber.error(err);
      return undefined;
    }
    const slice = scheduler.schedule(function next(this: { schedule(): void }) {
      reported = false;
      const r = run as SearchRun;
      try {
        r.advance(sliceStates);
        if (r.done) {
          progress(r.stats());
          subscriber.next({ type: 'done', result: r.result() });
          subscriber.complete();
          return;
        }
      } catch (err) {
        subscriber.error(err);
        return;
      }
      if (!reported) progress(r.stats());
      this.schedule();
    });
    return () => slice.unsubscribe();
  });
}
