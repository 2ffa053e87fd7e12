import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore, replay, ModelError, type SystemSpec, type Violation } from '../../runtime/index.js';
import { shrink, type ShrinkResult } from '../../runtime/shrink.js';
import { randomWalks } from '../../runtime/strategies/random.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { c1System } from '../../scenarios/c1.js';
import { criticalSection } from './criticalSection.js';
import { blueprintArb, buildSystem } from './randomSystems.js';

/** The shrunk schedule is no longer, replays strictly from its token, and ends in the same violation. */
function expectSound(spec: SystemSpec, v: Violation, s: ShrinkResult): void {
  expect(s.path.length).toBeLessThanOrEqual(v.path.length);
  expect(s.after.steps).toBe(s.path.length);
  expect(s.after.steps).toBeLessThanOrEqual(s.before.steps);
  const replayed = replay(spec, s.token);
  expect(replayed.divergence).toBeUndefined();
  expect(replayed.schedule.steps).toEqual(s.path);
  expect(replayed.trace.findings.map((f) => `${f.kind}: ${f.message}`)).toContain(`${v.kind}: ${v.message}`);
  expect(s.violation).toMatchObject({ kind: v.kind, message: v.message, path: s.path, token: s.token });
}

describe('shrinking a violating schedule', () => {
  it("should shrink a random walk's C1 counterexample (3 guests) to the BFS-shortest length, dropping the uninvolved guest", () => {
    const spec = c1System({ variant: 'buggy', guests: 3 });
    const [v] = randomWalks(spec, { seed: 1, runs: 50, shrink: false }).violations;
    const s = shrink(spec, v!.token, { target: v });
    expectSound(spec, v!, s);
    const shortest = explore(spec).violations[0]!.path.length;
    expect(v!.path.length).toBeGreaterThan(shortest);
    expect(s.after.steps).toBe(shortest);
    expect(s.after.actors).toBeLessThan(s.before.actors);
  });

  it("should remove every preemption it can from DFS's philosophers deadlock, keeping the same deadlock", () => {
    for (const n of [3, 4, 5]) {
      const spec = diningPhilosophers({ n });
      const [v] = explore(spec, { strategy: 'dfs' }).violations;
      const s = shrink(spec, v!.path);
      expectSound(spec, v!, s);
      // Every deadlock takes exactly 4n steps, so only preemptions can go.
      expect(s.after.steps).toBe(4 * n);
      expect(s.before.preemptions).toBeGreaterThan(0);
      expect(s.after.preemptions).toBe(0);
    }
  });

  it('should keep the preemptions a bug needs: 2 for a 2-preemption bug', () => {
    const spec = criticalSection(2);
    const [v] = randomWalks(spec, { seed: 3, runs: 200, shrink: false }).violations;
    const s = shrink(spec, v!.path, { target: v });
    expectSound(spec, v!, s);
    expect(s.after.preemptions).toBe(2);
  });

  it('should stop at the violation when the given schedule runs past it', () => {
    const spec = c1System({ variant: 'buggy', guests: 2 });
    const [v] = explore(spec).violations;
    const s = shrink(spec, [...v!.path, 0, 1, 2, 0, 1]);
    expect(s.path).toHaveLength(v!.path.length);
    expect(s.violation.message).toBe(v!.message);
  });

  it('should reject a schedule that does not end in a violation', () => {
    expect(() => shrink(diningPhilosophers({ n: 3 }), [])).toThrow(ModelError);
    expect(() => shrink(diningPhilosophers({ n: 3 }), [0], { target: { kind: 'deadlock', message: 'nope' } })).toThrow(/does not produce "nope"/);
  });

  it('property: random-walk counterexamples of dining philosophers shrink soundly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 5 }), fc.integer({ min: 0, max: 0xffffffff }), (n, seed) => {
        const spec = diningPhilosophers({ n });
        const [v] = randomWalks(spec, { seed, runs: 100, shrink: false }).violations;
        if (!v) return;
        const s = shrink(spec, v.token);
        expectSound(spec, v, s);
        expect(s.after.preemptions).toBeLessThanOrEqual(s.before.preemptions);
      }),
      { seed: 3, numRuns: 30 },
    );
  });

  it('property: on random small actor systems, shrinking is sound and BFS-shortest schedules stay as short', () => {
    let shrunk = 0;
    fc.assert(
      fc.property(blueprintArb(), fc.integer({ min: 0, max: 0xffffffff }), (bp, seed) => {
        const spec = buildSystem(bp);
        for (const v of randomWalks(spec, { seed, runs: 20, maxSteps: 40, maxViolations: 3, shrink: false }).violations) {
          const s = shrink(spec, v.path, { target: v });
          expectSound(spec, v, s);
          if (s.after.steps < s.before.steps) shrunk++;
        }
        for (const v of explore(spec, { maxViolations: 3, maxStates: 20_000 }).violations) {
          const s = shrink(spec, v.path, { target: v });
          expectSound(spec, v, s);
          expect(s.after.steps).toBe(v.path.length);
        }
      }),
      { seed: 42, numRuns: 80 },
    );
    // The property is not vacuous: some random-walk counterexamples did get shorter.
    expect(shrunk).toBeGreaterThan(0);
  });
});
