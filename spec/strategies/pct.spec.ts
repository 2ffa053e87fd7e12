import { describe, expect, it } from 'vitest';
import { ModelError, replay, type ExploreResult, type SystemSpec } from '../../runtime/index.js';
import { pct } from '../../runtime/strategies/pct.js';
import { runStrategy, STRATEGY_NAMES } from '../../runtime/strategies/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { c1System } from '../../scenarios/c1.js';
import { criticalSection } from './criticalSection.js';

// Seeds are fixed so CI is reproducible; every result prints its seed.
const SEED = 20100313;

/** The first violation replays from its token, strictly, to the same violation. */
function expectReplays(spec: SystemSpec, result: ExploreResult): void {
  const [v] = result.violations;
  const replayed = replay(spec, v!.token);
  expect(replayed.divergence).toBeUndefined();
  expect(replayed.fingerprintMatches).toBe(true);
  expect(replayed.schedule.steps).toEqual(v!.path);
  expect(replayed.trace.findings.map((f) => `${f.kind}: ${f.message}`)).toContain(`${v!.kind}: ${v!.message}`);
}

describe('PCT (Burckhardt et al., ASPLOS 2010)', () => {
  it('should be registered as a strategy', () => {
    expect(STRATEGY_NAMES).toContain('pct');
  });

  for (const n of [3, 4, 5]) {
    it(`should find the dining-philosophers deadlock for N = ${n} and replay it from its token`, () => {
      const spec = diningPhilosophers({ n });
      const result = pct(spec, { seed: SEED, runs: 200 });
      expect(result.strategy).toBe('pct');
      expect(result.seed).toBe(SEED);
      expect(result.verdict).toBe('violation');
      expect(result.runs?.firstViolationAt).toBeLessThanOrEqual(200);
      const [v] = result.violations;
      expect(v?.kind).toBe('deadlock');
      expect(v?.deadlock?.cycle).toEqual([...Array.from({ length: n }, (_, i) => `phil${i}`), 'phil0']);
      expect(result.note).toContain(`seed ${SEED}`);
      expectReplays(spec, result);
    });

    it(`should find nothing in the lock-ordered variant for N = ${n}, and not claim it verified`, () => {
      const result = pct(diningPhilosophers({ n, ordered: true }), { seed: SEED, runs: 100 });
      expect(result.verdict).toBe('incomplete');
      expect(result.complete).toBe(false);
      expect(result.violations).toEqual([]);
      expect(result.runs).toEqual({ executed: 100 });
      expect(result.stats.states).toBeGreaterThan(1);
      expect(result.note).toMatch(/found no violation in 100 PCT runs of depth 3.*proves nothing/);
    });
  }

  it("should find C1's acquire-time ASSERT in the buggy variant with 2 guests and replay it", () => {
    const spec = c1System({ variant: 'buggy', guests: 2 });
    const result = runStrategy('pct', spec, { seed: SEED, runs: 200 });
    expect(result.verdict).toBe('violation');
    expect(result.violations[0]?.kind).toBe('assertion');
    expect(result.violations[0]?.message).toContain('ASSERT(!spin_is_locked(&ffa_spmc_rx_lock))');
    expectReplays(spec, result);
  });

  it('should give deep-equal results for the same seed, and different runs for different seeds', () => {
    const spec = diningPhilosophers({ n: 4 });
    const a = pct(spec, { seed: 7, runs: 50 });
    const b = pct(spec, { seed: 7, runs: 50 });
    expect(b).toEqual(a);
    const ordered = diningPhilosophers({ n: 4, ordered: true });
    expect(pct(ordered, { seed: 7, runs: 30 })).toEqual(pct(ordered, { seed: 7, runs: 30 }));
    const seeds = [1, 2, 3, 4, 5].map((seed) => pct(spec, { seed, runs: 50 }));
    expect(seeds.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5]);
    seeds.forEach((r, i) => expect(r.note).toContain(`seed ${i + 1}`));
    // Different seeds sample different schedules: the runs that found the deadlock differ.
    const found = new Set(seeds.map((r) => `${r.runs?.firstViolationAt}:${r.violations[0]?.token}`));
    expect(found.size).toBeGreaterThan(1);
  });

  it('should need depth 2 (one change point) for a bug that needs one preemption, as the paper predicts', () => {
    const spec = criticalSection(1);
    // Depth 1 is strict priority scheduling: the writer's critical section is never split.
    expect(pct(spec, { seed: SEED, runs: 200, depth: 1 }).verdict).toBe('incomplete');
    for (const seed of [1, 2, 3]) {
      const result = pct(spec, { seed, runs: 200, depth: 2 });
      expect(result.verdict).toBe('violation');
      expectReplays(spec, result);
    }
  });

  it('should bound every run by maxSteps and say how many runs it cut short', () => {
    const result = pct(diningPhilosophers({ n: 3, ordered: true }), { seed: 1, runs: 20, maxSteps: 5 });
    expect(result.stats.maxDepthReached).toBe(5);
    expect(result.note).toContain('20 of them stopped at maxSteps');
  });

  it('should reject bad options with a ModelError naming the option', () => {
    const spec = diningPhilosophers({ n: 3 });
    expect(() => pct(spec, { depth: 0 })).toThrow(ModelError);
    expect(() => pct(spec, { runs: 1.5 })).toThrow(/option runs must be a positive integer/);
    expect(() => pct(spec, { seed: -1 })).toThrow(/option seed must be an integer from 0 to 4294967295/);
  });
});
