/**
 * Every bound is honoured by every strategy (issue 9): for each strategy in the registry, on a
 * model far too big to finish (lock-ordered dining philosophers, N = 9), the search stops at
 * `maxStates`, at the time limit (an injected fake clock), at the memory bound and on
 * cancellation, each time with a partial result that names what stopped it; `maxDepth` cuts
 * every schedule (and every sampled run) at that depth; and every strategy streams progress
 * through `explore$`, with its frontier size. The time limit is checked often: between two clock readings a strategy
 * takes at most a few thousand steps.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { explore$, type ExploreEvent } from '../../runtime/observe.js';
import type { ExploreResult, StrategyOptions } from '../../runtime/result.js';
import { STRATEGY_NAMES, runStrategy } from '../../runtime/strategies/index.js';
import type { CheckerFactory } from '../../runtime/checkers/Checker.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { createMachine } from 'xstate';
import { send } from '../../runtime/index.js';
import type { SystemSpec } from '../../runtime/system.js';

const N = 9;
const spec = diningPhilosophers({ n: N, ordered: true });
const here = (file: string): string => new URL(file, import.meta.url).href;
/** parallel-bfs builds the system in each worker thread from this module. */
const PARALLEL = { workers: 2, source: { module: here('../../scenarios/classic/diningPhilosophers.ts'), export: 'diningPhilosophers', args: [{ n: N, ordered: true }] } };

function options(strategy: string, extra: StrategyOptions): StrategyOptions {
  return { ...(strategy === 'parallel-bfs' ? PARALLEL : {}), ...extra };
}

/** `a` sends `b` `n` messages in one step; `b` takes them one by one (the hostile tester's burst). */
function burst(n: number): SystemSpec {
  const a = createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'd', actions: Array.from({ length: n }, (_, i) => send('b', { type: 'x', i })) } } }, d: { type: 'final' } } });
  const b = createMachine({ id: 'b', initial: 'i', states: { i: { on: { x: 'i' } } } });
  return { name: 'burst', actors: [{ name: 'a', machine: a }, { name: 'b', machine: b, daemon: true }], initialMessages: [{ to: 'a', event: { type: 'go' } }], mailboxBound: 1_000_000 };
}

/** Strategies that sample runs and keep no frontier. */
const SAMPLING = new Set(['pct', 'random']);

function expectStopped(r: ExploreResult, by: string): void {
  expect(r.verdict).toBe('incomplete');
  expect(r.complete).toBe(false);
  expect(r.covered).toEqual({ kind: 'stopped', by });
}

/** A fake clock that advances 1 ms per reading, and a checker counting steps between readings. */
function fakeClock(): { clock: () => number; counter: CheckerFactory; widestGap: () => number } {
  let now = 0;
  let steps = 0;
  let last = 0;
  let widest = 0;
  return {
    clock: () => {
      widest = Math.max(widest, steps - last);
      last = steps;
      return now++;
    },
    counter: () => ({ name: 'step counter', onTransition: () => (steps++, []) }),
    widestGap: () => widest,
  };
}

describe('every strategy honours every bound', () => {
  for (const strategy of STRATEGY_NAMES) {
    describe(strategy, () => {
      it('should stop at maxStates with a partial result naming it', () => {
        const r = runStrategy(strategy, spec, options(strategy, { maxStates: 300 }));
        expectStopped(r, 'maxStates');
        expect(r.bound).toMatchObject({ name: 'maxStates', limit: 300 });
        expect(r.stats.states).toBeLessThanOrEqual(300);
      });

      it('should stop at the time limit, read from an injected clock, checking it often', () => {
        const fake = fakeClock();
        const checkers = strategy === 'parallel-bfs' ? [] : [fake.counter];
        const r = runStrategy(strategy, spec, options(strategy, { clock: fake.clock, timeLimitMs: 20, checkers, maxStates: 2_000_000 }));
        expectStopped(r, 'timeLimitMs');
        expect(r.bound).toMatchObject({ name: 'timeLimitMs', limit: 20 });
        if (strategy !== 'parallel-bfs') expect(fake.widestGap()).toBeLessThanOrEqual(256 * 2 * N);
      });

      it('should count the time limit from timeOrigin when given (the command line counts from its start)', () => {
        let now = 1_000;
        const r = runStrategy(strategy, spec, options(strategy, { clock: () => now++, timeLimitMs: 500, timeOrigin: 0, maxStates: 2_000_000 }));
        expectStopped(r, 'timeLimitMs');
        expect(r.stats.states).toBeLessThanOrEqual(1);
      });

      it('should stop at the memory bound (the engine counts its own bytes) with a partial result naming it', () => {
        const r = runStrategy(strategy, spec, options(strategy, { maxMemoryBytes: 400_000, maxStates: 2_000_000 }));
        expectStopped(r, 'maxMemoryBytes');
        expect(r.bound).toMatchObject({ name: 'maxMemoryBytes', limit: 400_000 });
      });

      if (strategy !== 'parallel-bfs') {
        // One step that sends 5,000 messages builds 5,000 ever longer mailboxes (about 1.25 * 10^7
        // words) before it returns: the bounds are checked inside that one step.
        it('should stop at the time limit inside one step that sends 5,000 messages', () => {
          let now = 0;
          const r = runStrategy(strategy, burst(5_000), { clock: () => now++, timeLimitMs: 5 });
          expectStopped(r, 'timeLimitMs');
          expect(r.bound).toMatchObject({ name: 'timeLimitMs', limit: 5 });
          expect(r.stats.transitions).toBe(0);
          expect(now).toBe(6);
        });

        it('should stop at the memory bound inside one step that sends 5,000 messages', () => {
          const r = runStrategy(strategy, burst(5_000), { maxMemoryBytes: 20_000_000 });
          expectStopped(r, 'maxMemoryBytes');
          expect(r.bound).toMatchObject({ name: 'maxMemoryBytes', limit: 20_000_000 });
          expect(r.stats.transitions).toBe(0);
        });

        it('should stop on shouldStop inside one step that sends 5,000 messages', () => {
          let asked = 0;
          const r = runStrategy(strategy, burst(5_000), { shouldStop: () => ++asked > 2 });
          expectStopped(r, 'interrupt');
          expect(r.stats.transitions).toBe(0);
          expect(asked).toBe(3);
        });
      }

      it("should stop when the caller's shouldStop says so, and say it was interrupted", () => {
        let asked = 0;
        const r = runStrategy(strategy, spec, options(strategy, { shouldStop: () => ++asked > 3, maxStates: 2_000_000 }));
        expectStopped(r, 'interrupt');
        expect(r.interrupted).toBe(true);
        expect(r.bound).toBeUndefined();
      });

      it('should cut every schedule at maxDepth and say so', () => {
        const r = runStrategy(strategy, spec, options(strategy, { maxDepth: 6, runs: 50 }));
        expect(r.verdict).toBe('incomplete');
        expect(r.bound).toMatchObject({ name: 'maxDepth', limit: 6 });
        expect(r.stats.maxDepthReached).toBeLessThanOrEqual(6);
      });

      it('should stream progress through explore$, then done', async () => {
        const events = await lastValueFrom(explore$(spec, { ...options(strategy, { maxStates: 3_000, progressEveryStates: 500 }), strategy, sliceStates: 200 }).pipe(toArray()));
        const done = events.at(-1) as Extract<ExploreEvent, { type: 'done' }>;
        expect(done.type).toBe('done');
        expect(done.result.strategy).toBe(strategy);
        const progress = events.filter((e) => e.type === 'progress');
        expect(progress.length).toBeGreaterThan(1);
        // The frontier (states found, not yet expanded) comes with every progress event of a
        // strategy that has one; sampling strategies have none.
        const frontiers = progress.map((e) => e.frontier);
        if (SAMPLING.has(strategy)) expect(frontiers.every((f) => f === undefined)).toBe(true);
        else {
          for (const f of frontiers) expect(Number.isInteger(f) && (f as number) >= 0).toBe(true);
          expect(frontiers.some((f) => (f as number) > 0)).toBe(true);
        }
      });
    });
  }
});
