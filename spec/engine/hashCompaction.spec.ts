/**
 * Hash compaction (issue 9 item 4): 64-bit fingerprints only, as TLC's fingerprint set. On
 * models small enough that a fingerprint collision is astronomically unlikely, it must find
 * exactly what the exact search finds (verdict, counts, violations and tokens); the result must
 * say the search is probabilistic and give the estimated probability that a state was missed;
 * and the visited set must hold less than the exact one where state vectors are wide.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/explorer.js';
import { hashCompaction } from '../../runtime/result.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import { ModelError } from '../../runtime/errors.js';
import { c1System } from '../../scenarios/c1.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import type { SystemSpec } from '../../runtime/system.js';

const models: Array<[string, () => SystemSpec]> = [
  ['dining-4', () => diningPhilosophers({ n: 4 })],
  ['dining-5-ordered', () => diningPhilosophers({ n: 5, ordered: true })],
  ['C1 buggy 3 guests', () => c1System({ variant: 'buggy', guests: 3 })],
  ['C1 fixed 4 guests', () => c1System({ variant: 'fixed', guests: 4 })],
];

describe('hash compaction', () => {
  for (const [name, build] of models) {
    it(`should find what the exact search finds on ${name}, and say it is probabilistic`, () => {
      const exact = explore(build(), { maxViolations: 100 });
      const compact = explore(build(), { maxViolations: 100, hashCompact: true });
      expect(compact.verdict).toBe(exact.verdict);
      expect(compact.stats.states).toBe(exact.stats.states);
      expect(compact.stats.transitions).toBe(exact.stats.transitions);
      expect(compact.violations.map((v) => [v.kind, v.token])).toEqual(exact.violations.map((v) => [v.kind, v.token]));
      expect(exact.hashCompaction).toBeUndefined();
      expect(compact.hashCompaction).toEqual(hashCompaction(exact.stats.states, exact.stats.transitions + 1));
      expect(compact.note).toMatch(/^hash compaction: only 64-bit fingerprints were stored, so the search is probabilistic; estimated probability that a state was missed \d/);
    });
  }

  it('should estimate the miss probability as TLC does, n(t-n)/2^64, with the birthday bound n(n-1)/2^65', () => {
    const h = hashCompaction(1_000_000, 5_000_001);
    expect(h.missProbability).toBeCloseTo((1e6 * 4_000_001) / 2 ** 64, 20);
    expect(h.birthdayBound).toBeCloseTo((1e6 * 999_999) / 2 ** 65, 20);
    expect(hashCompaction(1, 1)).toEqual({ fingerprintBits: 64, missProbability: 0, birthdayBound: 0 });
  });

  it('should hold fewer bytes per state than the exact visited set where vectors are wide, releasing expanded states', () => {
    // 12 actors: 12-byte vectors, released once their states are expanded.
    const spec = diningPhilosophers({ n: 6, ordered: true });
    const exact = explore(spec);
    const compact = explore(spec, { hashCompact: true });
    expect(compact.stats.states).toBe(exact.stats.states);
    expect(compact.stats.bytesPerState).toBeLessThan(exact.stats.bytesPerState);
  });

  it('should work for symmetry and the sampling strategies, and be refused by strategies that read states back', () => {
    const spec = diningPhilosophers({ n: 4 });
    const symmetric = { ...c1System({ variant: 'fixed', guests: 3 }), symmetric: [['g1.vcpu0', 'g2.vcpu0', 'g3.vcpu0']] };
    const sym = runStrategy('symmetry', symmetric);
    const symCompact = runStrategy('symmetry', symmetric, { hashCompact: true });
    expect([symCompact.verdict, symCompact.stats.states, symCompact.stats.transitions]).toEqual([sym.verdict, sym.stats.states, sym.stats.transitions]);
    for (const strategy of ['pct', 'random']) {
      const plain = runStrategy(strategy, spec, { seed: 3, runs: 100, shrink: false });
      const compact = runStrategy(strategy, spec, { seed: 3, runs: 100, shrink: false, hashCompact: true });
      expect(compact.stats.states).toBe(plain.stats.states);
      expect(compact.violations.map((v) => v.token)).toEqual(plain.violations.map((v) => v.token));
      expect(compact.note).toContain('hash compaction');
    }
    for (const strategy of ['dfs', 'dpor', 'bounded']) {
      expect(() => runStrategy(strategy, spec, { hashCompact: true })).toThrow(ModelError);
      expect(() => runStrategy(strategy, spec, { hashCompact: true })).toThrow(`option hashCompact works with bfs, symmetry, pct and random; '${strategy}'`);
    }
  });
});
