import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Exploration } from '../../runtime/explorer.js';
import { replay } from '../../runtime/replay.js';
import { DporSearch, exploreDpor } from '../../runtime/strategies/dpor.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { c1System } from '../../scenarios/c1.js';
import { blueprintArb, buildSystem } from './randomSystems.js';
import { endStates, expectSameAnswers, violationKeys, type Outcomes } from './outcomes.js';
import type { SystemSpec } from '../../runtime/system.js';

const SEED = 20240603;
const ALL = { maxViolations: 100_000 };

function fullOutcomes(spec: SystemSpec): Outcomes & { states: number } {
  const ex = new Exploration(spec, ALL);
  while (!ex.done) ex.advance(Number.MAX_SAFE_INTEGER);
  const r = ex.result();
  return { violations: violationKeys(r), ...endStates(ex.kernel, ex.store), states: r.stats.states };
}

function dporOutcomes(spec: SystemSpec): Outcomes & { states: number } {
  const search = new DporSearch(spec, ALL);
  const r = search.run();
  return { violations: violationKeys(r), ...endStates(search.kernel, search.store), states: r.stats.states };
}

describe('dpor', () => {
  it(`should find the same violations, deadlocks and terminal states as full search on random systems (seed ${SEED})`, () => {
    console.log(`dpor property seed: ${SEED}`);
    fc.assert(
      fc.property(blueprintArb(), (bp) => {
        const spec = buildSystem(bp);
        const full = fullOutcomes(spec);
        const dpor = dporOutcomes(spec);
        expectSameAnswers(full, dpor);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('should explore strictly fewer states than full search on lock-ordered dining philosophers, and verify it', () => {
    for (const n of [3, 4, 5]) {
      const spec = diningPhilosophers({ n, ordered: true });
      const full = runStrategy('bfs', spec);
      const dpor = exploreDpor(spec);
      expect(dpor.verdict).toBe('verified');
      expect(full.verdict).toBe('verified');
      expect(dpor.stats.states).toBeLessThan(full.stats.states);
      console.log(`dining-${n} ordered: full ${full.stats.states} states, dpor ${dpor.stats.states}`);
    }
  });

  it('should find the dining philosophers deadlock and replay it from its token', () => {
    const spec = diningPhilosophers({ n: 4 });
    const r = runStrategy('dpor', spec);
    expect(r.verdict).toBe('violation');
    const [v] = r.violations;
    expect(v?.kind).toBe('deadlock');
    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.trace.findings.map((f) => f.kind)).toContain('deadlock');
  });

  it("should find C1's acquire ASSERT and replay it from its token, and verify the fixed variant", () => {
    const spec = c1System({ variant: 'buggy', guests: 2 });
    const r = runStrategy('dpor', spec);
    expect(r.verdict).toBe('violation');
    const [v] = r.violations;
    expect(v?.kind).toBe('assertion');
    expect(v?.message).toContain('ASSERT(!spin_is_locked(&ffa_spmc_rx_lock))');
    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.trace.findings.map((f) => f.message)).toContain(v!.message);
    expect(runStrategy('dpor', c1System({ variant: 'fixed', guests: 3 })).verdict).toBe('verified');
  });
});
