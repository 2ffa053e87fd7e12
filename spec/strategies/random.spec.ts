import { describe, expect, it } from 'vitest';
import { explore, replay, type ExploreResult, type SystemSpec } from '../../runtime/index.js';
import { Prng, splitMix32 } from '../../runtime/strategies/prng.js';
import { randomWalks } from '../../runtime/strategies/random.js';
import { runStrategy, STRATEGY_NAMES } from '../../runtime/strategies/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { c1System } from '../../scenarios/c1.js';

const SEED = 1234;

function expectReplays(spec: SystemSpec, result: ExploreResult): void {
  const [v] = result.violations;
  const replayed = replay(spec, v!.token);
  expect(replayed.divergence).toBeUndefined();
  expect(replayed.schedule.steps).toEqual(v!.path);
  expect(replayed.trace.findings.map((f) => `${f.kind}: ${f.message}`)).toContain(`${v!.kind}: ${v!.message}`);
}

describe('Prng (xoshiro128** seeded by SplitMix32)', () => {
  it('should match the reference xoshiro128** outputs from state [1, 2, 3, 4]', () => {
    const rng = new Prng(0) as unknown as { s0: number; s1: number; s2: number; s3: number; next(): number };
    Object.assign(rng, { s0: 1, s1: 2, s2: 3, s3: 4 });
    expect(Array.from({ length: 6 }, () => rng.next())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('should pin the stream of a seed, so a printed seed replays on every machine', () => {
    const rng = new Prng(0);
    expect([rng.next(), rng.next(), rng.next(), rng.next()]).toEqual([1124887014, 3599819727, 2505802108, 3049555024]);
    expect(splitMix32(0)).not.toBe(splitMix32(1));
  });

  it('should draw below(n) within [0, n) and roughly uniformly', () => {
    const rng = new Prng(99);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[rng.below(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
    expect(() => rng.below(0)).toThrow(RangeError);
  });
});

describe('seeded random walks', () => {
  it('should be registered as a strategy', () => {
    expect(STRATEGY_NAMES).toContain('random');
  });

  for (const n of [3, 4, 5]) {
    it(`should find the dining-philosophers deadlock for N = ${n} and replay it from its token`, () => {
      const spec = diningPhilosophers({ n });
      const result = randomWalks(spec, { seed: SEED, runs: 200 });
      expect(result).toMatchObject({ strategy: 'random', seed: SEED, verdict: 'violation', complete: false });
      expect(result.violations[0]?.kind).toBe('deadlock');
      expect(result.violations[0]?.path).toHaveLength(4 * n);
      expectReplays(spec, result);
    });

    it(`should find nothing in the lock-ordered variant for N = ${n} and count no more states than exist`, () => {
      const spec = diningPhilosophers({ n, ordered: true });
      const result = randomWalks(spec, { seed: SEED, runs: 100 });
      expect(result.verdict).toBe('incomplete');
      expect(result.violations).toEqual([]);
      expect(result.runs).toEqual({ executed: 100 });
      expect(result.stats.states).toBeLessThanOrEqual(explore(spec).stats.states);
      expect(result.note).toContain(`random (seed ${SEED}) found no violation in 100 random walks`);
    });
  }

  it("should find C1's acquire-time ASSERT in the buggy variant with 2 guests and replay it", () => {
    const spec = c1System({ variant: 'buggy', guests: 2 });
    const result = runStrategy('random', spec, { seed: SEED, runs: 100 });
    expect(result.verdict).toBe('violation');
    expect(result.violations[0]?.message).toContain('ASSERT(!spin_is_locked(&ffa_spmc_rx_lock))');
    expectReplays(spec, result);
  });

  it('should give deep-equal results for the same seed and say which seed each result used', () => {
    const spec = diningPhilosophers({ n: 5 });
    expect(randomWalks(spec, { seed: 42, runs: 50 })).toEqual(randomWalks(spec, { seed: 42, runs: 50 }));
    const ordered = diningPhilosophers({ n: 3, ordered: true });
    expect(randomWalks(ordered, { seed: 42, runs: 40 })).toEqual(randomWalks(ordered, { seed: 42, runs: 40 }));
    const results = [1, 2, 3, 4, 5, 6].map((seed) => randomWalks(spec, { seed, runs: 50, maxViolations: 1 }));
    expect(results.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(results.map((r) => r.violations[0]?.token)).size).toBeGreaterThan(1);
  });

  it('should use a fixed default seed, and report it', () => {
    const spec = diningPhilosophers({ n: 3 });
    const a = randomWalks(spec, { runs: 10 });
    expect(a.seed).toBeTypeOf('number');
    expect(randomWalks(spec, { runs: 10, seed: a.seed })).toEqual(a);
  });

  it('should stop at a time limit read from the caller clock', () => {
    let now = 0;
    const result = randomWalks(diningPhilosophers({ n: 3, ordered: true }), { seed: 1, runs: 1000, timeLimitMs: 5, clock: () => now++ });
    expect(result.runs!.executed).toBeLessThan(1000);
    expect(result.bound?.name).toBe('timeLimitMs');
    expect(result.verdict).toBe('incomplete');
  });
});
