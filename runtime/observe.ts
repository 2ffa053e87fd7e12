/**
 * The rxjs edge (DESIGN.md decision 9): an Observable of progress, violation and completion
 * events for the command line and the viewer. The search itself runs in synchronous slices
 * of an {@link Exploration}; between slices rxjs's scheduler lets the process handle input
 * (Ctrl-C) and render progress. Unsubscribing stops the search after the current slice.
 */
import { Observable, asapScheduler, type SchedulerLike } from 'rxjs';
import { Exploration, type ExploreOptions, type ExploreResult, type ExploreStats } from './explorer.js';
import type { LoadedSystem, SystemSpec } from './system.js';
import type { Violation } from './violations.js';

export type ExploreEvent =
  | { type: 'progress'; stats: ExploreStats }
  | { type: 'violation'; violation: Violation }
  | { type: 'done'; result: ExploreResult };

export interface ObserveOptions extends Omit<ExploreOptions, 'onProgress' | 'onViolation'> {
  /** States expanded per synchronous slice. Default 20,000. */
  sliceStates?: number;
  /** Where slices run; default rxjs's asapScheduler. */
  scheduler?: SchedulerLike;
}

/**
 * Explores `system`, emitting events; completes after `done`.
 *
 * @example
 * ```ts
 * explore$(system).subscribe((e) => { if (e.type === 'violation') console.log(e.violation.message); });
 * ```
 */
export function explore$(system: SystemSpec | LoadedSystem, options: ObserveOptions = {}): Observable<ExploreEvent> {
  return new Observable<ExploreEvent>((subscriber) => {
    const { sliceStates = 20_000, scheduler = asapScheduler, ...rest } = options;
    let exploration: Exploration;
    try {
      exploration = new Exploration(system, {
        ...rest,
        onProgress: (stats) => subscriber.next({ type: 'progress', stats }),
        onViolation: (violation) => subscriber.next({ type: 'violation', violation }),
      });
    } catch (err) {
      subscriber.error(err);
      return undefined;
    }
    const slice = scheduler.schedule(function run(this: { schedule(): void }) {
      try {
        exploration.advance(sliceStates);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      if (exploration.done) {
        subscriber.next({ type: 'progress', stats: exploration.stats() });
        subscriber.next({ type: 'done', result: exploration.result() });
        subscriber.complete();
      } else {
        this.schedule();
      }
    });
    return () => slice.unsubscribe();
  });
}
