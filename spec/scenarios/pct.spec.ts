/**
 * The catalogue's larger configurations, explored with PCT (issue 5): per card, a BUGGY entry
 * whose violation PCT finds with the entry's fixed seed and that replays from its token to the
 * same finding, and a FIXED entry where PCT finds nothing (`{ verdict: 'incomplete' }`: a
 * sampling search proves nothing). The same seed gives the same result.
 */
import { describe, expect, it } from 'vitest';
import type { ExploreResult } from '../../runtime/explorer.js';
import { replay } from '../../runtime/replay.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import { matchesExpectation } from '../../cli/reports/report.js';
import { c1PctEntries } from '../../scenarios/c1.js';
import { c2PctEntries } from '../../scenarios/c2.js';
import { c3PctEntries } from '../../scenarios/c3.js';
import { c4PctEntries } from '../../scenarios/c4.js';
import { c5PctEntries } from '../../scenarios/c5.js';
import { c7PctEntries } from '../../scenarios/c7.js';
import { c8PctEntries } from '../../scenarios/c8.js';
import { c9PctEntries } from '../../scenarios/c9.js';
import { c10PctEntries } from '../../scenarios/c10.js';
import { c11PctEntries } from '../../scenarios/c11.js';
import { c12PctEntries } from '../../scenarios/c12.js';
import { c13PctEntries } from '../../scenarios/c13.js';
import { c14PctEntries } from '../../scenarios/c14.js';
import { catalogue } from '../../scenarios/index.js';
import { LARGER_PCT, type CatalogueEntry } from '../../scenarios/types.js';

const entries: CatalogueEntry[] = [c1PctEntries, c2PctEntries, c3PctEntries, c4PctEntries, c5PctEntries, c7PctEntries, c8PctEntries, c9PctEntries, c10PctEntries, c11PctEntries, c12PctEntries, c13PctEntries, c14PctEntries].flat();
/** C11 is settled "cannot happen": its BUGGY is verified too, and PCT finds nothing in either variant. */
const NOTHING_TO_FIND = new Set(['C11']);
const buggy = entries.filter((e) => e.variant === 'buggy' && !NOTHING_TO_FIND.has(e.id));
const fixed = entries.filter((e) => e.variant === 'fixed' || NOTHING_TO_FIND.has(e.id));

function run(e: CatalogueEntry): ExploreResult {
  expect(e.strategy, e.key).toBe('pct');
  return runStrategy('pct', e.build(), e.explore ?? {});
}

/** What must not change between two runs with the same seed (times excluded). */
function outcome(r: ExploreResult): unknown {
  return { verdict: r.verdict, seed: r.seed, runs: r.runs, stats: r.stats, violations: r.violations.map((v) => [v.kind, v.actor, v.message, v.token]) };
}

describe('the larger configurations explored with PCT', () => {
  it('should have a buggy and a fixed PCT entry per finished card, in the catalogue, with the shared seed', () => {
    expect(entries.map((e) => e.key)).toEqual([
      'C1/buggy/5gx2-pct',
      'C1/fixed/5gx2-pct',
      'C2/buggy/5g-pct',
      'C2/fixed/5g-pct',
      'C3/buggy/4v-pct',
      'C3/fixed/4v-pct',
      'C4/buggy/crowd-pct',
      'C4/fixed/crowd-pct',
      'C5/buggy/3cpu-3sets-pct',
      'C5/fixed/3cpu-3sets-pct',
      'C7/buggy/4cpu-pct',
      'C7/fixed/4cpu-pct',
      'C8/buggy/publish-4v-pct',
      'C8/fixed/publish-4v-pct',
      'C9/buggy/3v-pct',
      'C9/fixed/3v-pct',
      'C10/buggy/3shm-pct',
      'C10/fixed/3shm-pct',
      'C11/buggy/reuse-3sets-pct',
      'C11/fixed/reuse-3sets-pct',
      'C12/buggy/kill+release-unmap-pct',
      'C12/fixed/kill+release-unmap-pct',
      'C13/buggy/6cpu-pct',
      'C13/fixed/6cpu-pct',
      'C14/buggy/4v-pct',
      'C14/fixed/4v-pct',
    ]);
    for (const e of entries) {
      expect(catalogue, e.key).toContain(e);
      expect(e.explore, e.key).toMatchObject(LARGER_PCT);
    }
    for (const e of fixed) expect(e.expected, e.key).toEqual({ verdict: 'incomplete' });
    for (const e of buggy) expect(e.expected.verdict, e.key).toBe('violation');
  });

  it.each(buggy.map((e) => [e.key, e] as const))('%s: PCT finds the expected violation with its seed, and its token replays to the same finding', (_key, e) => {
    const result = run(e);
    expect(result.verdict).toBe('violation');
    expect(result.seed).toBe(LARGER_PCT.seed);
    expect(matchesExpectation(e.expected, result)).toBe(true);
    const kind = e.expected.verdict === 'violation' ? e.expected.kind : undefined;
    const v = result.violations.find((x) => x.kind === kind);
    expect(v, `no ${kind}`).toBeDefined();
    const replayed = replay(e.build(), v!.token, { checkers: e.explore?.checkers ?? [] });
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.fingerprintMatches).toBe(true);
    expect(replayed.trace.steps).toHaveLength(v!.path.length);
    expect(replayed.trace.findings.map((f) => [f.kind, f.message])).toContainEqual([v!.kind, v!.message]);
  });

  it.each(fixed.map((e) => [e.key, e] as const))('%s: PCT finds nothing in its runs, which is the expected (incomplete) verdict', (_key, e) => {
    const result = run(e);
    expect(result.verdict).toBe('incomplete');
    expect(result.complete).toBe(false);
    expect(result.violations).toEqual([]);
    expect(result.runs?.executed).toBe(LARGER_PCT.runs);
    expect(matchesExpectation(e.expected, result)).toBe(true);
  });

  it.each([buggy[0]!, fixed[0]!, buggy.at(-1)!].map((e) => [e.key, e] as const))('%s: the same seed gives the same result', (_key, e) => {
    expect(outcome(run(e))).toEqual(outcome(run(e)));
  });

  it('should not count a violation, or a verified result, as the incomplete expectation', () => {
    const [fixedEntry, buggyEntry] = [fixed[0]!, buggy[0]!];
    expect(matchesExpectation(fixedEntry.expected, run(buggyEntry))).toBe(false);
    expect(matchesExpectation({ verdict: 'incomplete' }, { ...run(fixedEntry), verdict: 'verified', complete: true })).toBe(false);
  });
});
