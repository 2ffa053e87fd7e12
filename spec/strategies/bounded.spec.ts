import { describe, expect, it } from 'vitest';
import { explore, replay, ModelError, type ExploreResult, type SystemSpec } from '../../runtime/index.js';
import { boundedPreemption } from '../../runtime/strategies/bounded.js';
import { runStrategy, STRATEGY_NAMES } from '../../runtime/strategies/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { c1System } from '../../scenarios/c1.js';
import { criticalSection } from './criticalSection.js';

function expectReplays(spec: SystemSpec, result: ExploreResult): void {
  const [v] = result.violations;
  const replayed = replay(spec, v!.token);
  expect(replayed.divergence).toBeUndefined();
  expect(replayed.schedule.steps).toEqual(v!.path);
  expect(replayed.trace.findings.map((f) => `${f.kind}: ${f.message}`)).toContain(`${v!.kind}: ${v!.message}`);
}

/** Preemptions of a schedule: switches away from the last actor while it is still enabled. */
function preemptionsOf(spec: SystemSpec, token: string): number {
  const { schedule } = replay(spec, token);
  let count = 0;
  for (let i = 1; i < schedule.steps.length; i++) {
    const last = schedule.steps[i - 1]!;
    if (schedule.steps[i] !== last && schedule.enabled[i]!.includes(last)) count++;
  }
  return count;
}

describe('iterative preemption bounding (CHESS, PLDI 2007)', () => {
  it('should be registered as a strategy', () => {
    expect(STRATEGY_NAMES).toContain('bounded');
  });

  for (const n of [3, 4, 5]) {
    it(`should find the dining-philosophers deadlock for N = ${n} without preemptions and replay it`, () => {
      const spec = diningPhilosophers({ n });
      const result = boundedPreemption(spec);
      expect(result).toMatchObject({ strategy: 'bounded', verdict: 'violation', preemptions: { bound: 2, foundAt: 0 } });
      expect(result.violations[0]?.kind).toBe('deadlock');
      expect(preemptionsOf(spec, result.violations[0]!.token)).toBe(0);
      expectReplays(spec, result);
    });
  }

  it('should verify the lock-ordered variant (N = 3, 4) and reach every state full search reaches', () => {
    for (const n of [3, 4]) {
      const spec = diningPhilosophers({ n, ordered: true });
      const result = boundedPreemption(spec);
      // Every preempting step from bound 1 on leads to nodes already seen, so the search is complete.
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
      expect(result.preemptions).toEqual({ bound: 2, verifiedUpTo: 2 });
      expect(result.stats.states).toBe(explore(spec).stats.states);
    }
  });

  it('should say "verified up to N preemptions", not verified, when preempting work is left', () => {
    const result = boundedPreemption(diningPhilosophers({ n: 3, ordered: true }), { maxPreemptions: 0 });
    expect(result.verdict).toBe('incomplete');
    expect(result.complete).toBe(false);
    expect(result.preemptions).toEqual({ bound: 0, verifiedUpTo: 0 });
    expect(result.note).toMatch(/^verified up to 0 preemptions only/);
  });

  it('should report the bound at which a violation needs 1 and 2 preemptions, with that many in its schedule', () => {
    for (const p of [1, 2] as const) {
      const spec = criticalSection(p);
      const result = boundedPreemption(spec, { maxPreemptions: 3 });
      expect(result.verdict).toBe('violation');
      expect(result.preemptions).toEqual({ bound: 3, foundAt: p, verifiedUpTo: p - 1 });
      expect(preemptionsOf(spec, result.violations[0]!.token)).toBe(p);
      expectReplays(spec, result);
    }
  });

  it('should miss a 2-preemption bug at bound 1 and say only what it verified', () => {
    const result = boundedPreemption(criticalSection(2), { maxPreemptions: 1 });
    expect(result.verdict).toBe('incomplete');
    expect(result.violations).toEqual([]);
    expect(result.preemptions).toEqual({ bound: 1, verifiedUpTo: 1 });
    expect(result.note).toContain('verified up to 1 preemption only');
  });

  it("should find C1's acquire-time ASSERT in the buggy variant with 2 guests, and verify the fixed one", () => {
    const spec = c1System({ variant: 'buggy', guests: 2 });
    const result = runStrategy('bounded', spec);
    expect(result.verdict).toBe('violation');
    expect(result.violations[0]?.message).toContain('ASSERT(!spin_is_locked(&ffa_spmc_rx_lock))');
    expectReplays(spec, result);
    const fixed = runStrategy('bounded', c1System({ variant: 'fixed', guests: 2 }));
    expect(fixed.violations).toEqual([]);
  });

  it('should stop at maxStates and say so', () => {
    const result = boundedPreemption(diningPhilosophers({ n: 4, ordered: true }), { maxStates: 100 });
    expect(result.verdict).toBe('incomplete');
    expect(result.bound?.name).toBe('maxStates');
  });

  it('should reject a negative bound', () => {
    expect(() => boundedPreemption(diningPhilosophers({ n: 3 }), { maxPreemptions: -1 })).toThrow(ModelError);
  });
});
