import { describe, expect, it } from 'vitest';
import { asapScheduler, lastValueFrom, take, toArray, type SchedulerLike } from 'rxjs';
import { explore, explore$, type ExploreEvent } from '../../runtime/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';

describe('explore$ (the rxjs edge)', () => {
  it('should emit progress, then the violations, then done with the same result as explore()', async () => {
    const spec = diningPhilosophers({ n: 4 });
    const events = await lastValueFrom(explore$(spec, { sliceStates: 500, progressEveryStates: 1000 }).pipe(toArray()));
    const done = events.at(-1) as Extract<ExploreEvent, { type: 'done' }>;
    expect(done.type).toBe('done');
    expect(done.result).toEqual(explore(spec));
    const violations = events.filter((e) => e.type === 'violation');
    expect(violations.map((e) => (e.type === 'violation' ? e.violation.token : ''))).toEqual(done.result.violations.map((v) => v.token));
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(1);
  });

  it('should stop exploring when unsubscribed', async () => {
    // A scheduler that counts the slices it is asked to run.
    let slices = 0;
    const counting: SchedulerLike = {
      now: () => asapScheduler.now(),
      schedule: (work, delay, state) =>
        asapScheduler.schedule(function (this: unknown, s) {
          slices++;
          (work as (this: unknown, s: unknown) => void).call(this, s);
        }, delay, state),
    };
    const events = await lastValueFrom(
      explore$(diningPhilosophers({ n: 5, ordered: true }), { sliceStates: 100, progressEveryStates: 100, scheduler: counting }).pipe(take(3), toArray()),
    );
    expect(events.map((e) => e.type)).toEqual(['progress', 'progress', 'progress']);
    const atUnsubscribe = slices;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(slices).toBe(atUnsubscribe);
    // The whole search needs hundreds of slices of 100 states.
    expect(atUnsubscribe).toBeLessThan(10);
  });

  it('should deliver a model error as an Observable error, not a throw', async () => {
    const bad = { name: 'bad', actors: [] };
    await expect(lastValueFrom(explore$(bad))).rejects.toThrow("system 'bad': has no actors");
  });
});
