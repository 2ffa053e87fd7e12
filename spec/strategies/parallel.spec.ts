/**
 * The shared-memory parallel search (runtime/parallel) against single-threaded BFS: the same
 * verdict, the same state and transition counts, the same deepest shortest depth, the same
 * violations (kind + message) and tokens. A clean exhaustive pass gives the result itself
 * (`rerun` 0); a violation, the state bound or an accumulating checker (lockdep) hands the
 * result to one thread's bfs (`rerun` 1), which the specs say too. Worker threads take a few
 * hundred milliseconds to start, so runs are few and small; the calling thread searches
 * meanwhile, so on the smallest systems the workers may join late or not at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explore, type ExploreResult } from '../../runtime/explorer.js';
import { exploreParallel, type SystemSource } from '../../runtime/parallel/coordinator.js';
import { replay } from '../../runtime/replay.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import { c1System } from '../../scenarios/c1.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { createMachine } from 'xstate';
import type { SystemSpec } from '../../runtime/system.js';
import { blueprintArb, buildSystem } from './randomSystems.js';
import { violationKeys } from './outcomes.js';
import { diningChecked, rings } from './parallelModels.js';
import { cli } from '../cli/support.js';

const SEED = 20240611;
const ALL = { maxViolations: 100_000 };
const here = (file: string): string => new URL(file, import.meta.url).href;
const DINING = here('../../scenarios/classic/diningPhilosophers.ts');
const C1 = here('../../scenarios/c1.ts');
const RANDOM = here('./randomSystems.ts');
const CHECKED = here('./parallelModels.ts');

function same(spec: SystemSpec, source: SystemSource, options: { maxViolations?: number; maxDepth?: number; awaitWorkers?: boolean; depthFirst?: boolean } = ALL): { one: ExploreResult; two: ExploreResult } {
  const { awaitWorkers, depthFirst, ...bounds } = options;
  const one = explore(spec, bounds);
  const two = exploreParallel(spec, { ...bounds, workers: 2, source, ...(awaitWorkers ? { awaitWorkers } : {}), ...(depthFirst ? { depthFirst } : {}) });
  expect(two.strategyStats?.rerun).toBe(one.verdict === 'violation' ? 1 : 0);
  expect(two.bound?.name).toBe(one.bound?.name);
  expect(two.verdict).toBe(one.verdict);
  expect(two.complete).toBe(one.complete);
  expect(two.stats.states).toBe(one.stats.states);
  expect(two.stats.transitions).toBe(one.stats.transitions);
  expect(two.stats.maxDepthReached).toBe(one.stats.maxDepthReached);
  expect(violationKeys(two)).toEqual(violationKeys(one));
  expect(two.violations.map((v) => v.token)).toEqual(one.violations.map((v) => v.token));
  return { one, two };
}

describe('parallel-bfs', () => {
  it('should give dining philosophers N = 3..5 (ordered and not) the verdict, states and transitions of one thread', () => {
    for (const n of [3, 4, 5]) {
      for (const ordered of [false, true]) {
        const { one } = same(diningPhilosophers({ n, ordered }), { module: DINING, export: 'diningPhilosophers', args: [{ n, ordered }] });
        expect(one.verdict).toBe(ordered ? 'verified' : 'violation');
      }
    }
  });

  it("should stop where one thread stops, and give the same deadlock, whose token replays to it", () => {
    const spec = diningPhilosophers({ n: 4 });
    const { two } = same(spec, { module: DINING, export: 'diningPhilosophers', args: [{ n: 4 }] }, { maxViolations: 1 });
    const [v] = two.violations;
    expect(v?.kind).toBe('deadlock');
    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.trace.findings.map((f) => f.message)).toContain(v!.message);
  });

  it('should give C1 buggy and fixed, 2 and 3 guests, the verdicts and state counts of one thread', () => {
    for (const variant of ['buggy', 'fixed'] as const) {
      for (const guests of [2, 3]) {
        const { one } = same(c1System({ variant, guests }), { module: C1, export: 'c1System', args: [{ variant, guests }] });
        expect(one.verdict).toBe(variant === 'buggy' ? 'violation' : 'verified');
      }
    }
  });

  it(`should agree with full BFS on random systems (seed ${SEED}), also under a depth bound`, () => {
    console.log(`parallel property seed: ${SEED}`);
    let clean = 0;
    let corrected = 0;
    fc.assert(
      fc.property(blueprintArb(), fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), fc.boolean(), (bp, maxDepth, depthFirst) => {
        const { one, two } = same(buildSystem(bp), { module: RANDOM, export: 'buildSystem', args: [bp] }, { ...ALL, awaitWorkers: true, depthFirst, ...(maxDepth === undefined ? {} : { maxDepth }) });
        if (one.verdict !== 'violation') clean++;
        corrected += two.strategyStats?.repropagations ?? 0;
      }),
      { seed: SEED, numRuns: 12 },
    );
    // Some runs must exercise the parallel pass's own result, not only the bfs rerun.
    console.log(`random systems: ${clean} of 12 decided by the parallel pass; ${corrected} depth corrections passed on`);
    expect(clean).toBeGreaterThan(0);
  });

  it('should keep bfs\'s states, transitions and deepest depth under a depth bound (shortest depths across threads)', () => {
    for (const maxDepth of [5, 13, 20]) {
      const { one, two } = same(diningPhilosophers({ n: 5, ordered: true }), { module: DINING, export: 'diningPhilosophers', args: [{ n: 5, ordered: true }] }, { maxDepth, awaitWorkers: true });
      expect(one.covered).toEqual({ kind: 'depth-bounded', maxDepth });
      expect(two.covered).toEqual(one.covered);
    }
  });

  it('should correct depths found too deep (depth-first order on a torus of states), keeping bfs\'s result under a depth bound', () => {
    let corrected = 0;
    for (const maxDepth of [4, 7, 1000]) {
      const args = { actors: 3, length: 6 };
      const { two } = same(rings(args), { module: CHECKED, export: 'rings', args: [args] }, { maxDepth, awaitWorkers: true, depthFirst: true });
      corrected += two.strategyStats?.repropagations ?? 0;
    }
    expect(corrected).toBeGreaterThan(0);
  });

  it('should run the checkers in every worker: a quiet one verifies in parallel, a finding and lockdep go to one thread', () => {
    const cases = [
      { kind: 'quiet', ordered: true, verdict: 'verified', rerun: 0 },
      { kind: 'flag', ordered: true, verdict: 'violation', rerun: 1 },
      { kind: 'lockdep', ordered: true, verdict: 'verified', rerun: 1 },
      { kind: 'lockdep', ordered: false, verdict: 'violation', rerun: 1 },
    ] as const;
    for (const c of cases) {
      const args = { n: 4, ordered: c.ordered, kind: c.kind };
      const spec = diningChecked(args);
      const one = explore(spec, { maxViolations: 1 });
      const two = exploreParallel(spec, { maxViolations: 1, workers: 2, source: { module: CHECKED, export: 'diningChecked', args: [args] } });
      expect([one.verdict, two.strategyStats?.rerun]).toEqual([c.verdict, c.rerun]);
      expect([two.verdict, two.stats.states, two.stats.transitions, violationKeys(two), two.violations.map((v) => v.token)]).toEqual([one.verdict, one.stats.states, one.stats.transitions, violationKeys(one), one.violations.map((v) => v.token)]);
    }
  });

  it('should give the same result with 1, 2 and 3 participants, run after run', () => {
    const args = { n: 5, ordered: true };
    const results = [1, 2, 3, 2].map((workers) => exploreParallel(diningPhilosophers(args), { workers, source: { module: DINING, export: 'diningPhilosophers', args: [args] } }));
    const key = (r: ExploreResult): unknown => [r.verdict, r.covered, r.stats.states, r.stats.transitions, r.stats.maxDepthReached];
    for (const r of results) expect(key(r)).toEqual(key(results[0] as ExploreResult));
  });

  it('should be reachable through the strategy registry, with 3 workers', () => {
    const spec = c1System({ variant: 'buggy', guests: 2 });
    const r = runStrategy('parallel-bfs', spec, { workers: 3, source: { module: C1, export: 'c1System', args: [{ variant: 'buggy', guests: 2 }] } });
    expect(r.violations.map((v) => v.token)).toEqual(explore(spec).violations.map((v) => v.token));
    expect(r.strategyStats?.workers).toBe(3);
  });

  it('should reject what it cannot run soundly, naming why', () => {
    const spec = diningPhilosophers({ n: 3 });
    expect(() => exploreParallel(spec, { workers: 2 })).toThrow(/needs options.source/);
    expect(() => exploreParallel(spec, { workers: 0, source: { module: DINING } })).toThrow(/workers must be a positive integer/);
    const withHistory: SystemSpec = {
      name: 'history',
      actors: [{ name: 'a', machine: createMachine({ initial: 'p', states: { p: { initial: 'x', states: { x: {}, h: { type: 'history' } } } } }) }],
    };
    expect(() => exploreParallel(withHistory, { source: { module: DINING } })).toThrow(/actor 'a', state 'p.h': history states are not supported by parallel search/);
    expect(() => exploreParallel(spec, { source: { module: DINING }, checkers: [() => ({ name: 'c' })] })).toThrow(/option checkers cannot reach parallel workers/);
  });

  it('should run from the command line with --workers 2 and report what bfs reports; bad values exit 2', async () => {
    const [par, seq, zero] = await Promise.all([cli('explore', 'C1/buggy/2g', '--workers', '2', '--json'), cli('explore', 'C1/buggy/2g', '--json'), cli('explore', 'C1/buggy/2g', '--workers', '0')]);
    expect(par.code).toBe(1);
    expect(seq.code).toBe(1);
    const runOf = (text: string) => (JSON.parse(text) as { runs: Array<{ strategy: string; verdict: string; stats: { states: number; transitions: number }; violations: Array<{ token: string }> }> }).runs[0]!;
    const [p, s] = [runOf(par.out), runOf(seq.out)];
    expect(p.strategy).toBe('parallel-bfs');
    expect([p.verdict, p.stats.states, p.stats.transitions, p.violations.map((v) => v.token)]).toEqual([s.verdict, s.stats.states, s.stats.transitions, s.violations.map((v) => v.token)]);
    expect(zero.code).toBe(2);
    expect(zero.err.split('\n')[0]).toBe("interleave explore: option --workers must be a positive integer (worker threads), got '0'");
  });
});
