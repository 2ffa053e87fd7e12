/**
 * What the engine pins: for each model and strategy, the verdict, the state and transition
 * counts, and every violation's kind and replay token, as the engine computed them when the
 * pins were taken (issue 9, milestone 1: the state encoding and the search loop change under
 * these, and nothing they report may). `pins.spec.ts` recomputes each record and compares it
 * with `pins.data.ts`; `pins.generate.ts` prints the data file from the engine of the day, and
 * is for a deliberate re-pin only (say why in the commit).
 *
 * Models: every catalogue entry (scenarios/index.ts) run with its own strategy and options; the
 * benchmark models (dining philosophers N = 3..6, ordered and not, and C1 fixed with 2..4
 * guests) under full search and DPOR, collecting every violation as the bench does; and every
 * registered strategy on two small models. Dining philosophers N = 7 (3.8M states) is pinned by
 * the benchmark (bench/run.ts), not here: it takes longer than a spec should.
 *
 * For strategies other than BFS and DFS the search loop reports each violation shrunk
 * (runtime/shrink.ts, at most 2,000 attempts; the command line did it when the pins were
 * taken): those tokens are pinned too, as `shrunk`.
 */
import { runStrategy, type StrategyOptions } from '../../runtime/strategies/index.js';
import { shrinkViolation } from '../../runtime/shrink.js';
import { fnv1a, loadSystem, type LoadedSystem, type SystemSpec } from '../../runtime/system.js';
import { SHRINK_ATTEMPTS, type ExploreResult } from '../../runtime/result.js';
import type { Violation } from '../../runtime/violations.js';
import { catalogue } from '../../scenarios/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { c1System } from '../../scenarios/c1.js';

export interface PinnedViolation {
  kind: string;
  token: string;
  /** The token the command line reports after shrinking, when it differs. */
  shrunk?: string;
}

export interface Pin {
  /** `<model>` `<strategy>`. */
  name: string;
  verdict: ExploreResult['verdict'];
  states: number;
  transitions: number;
  /** The bound that stopped the search, if any. */
  bound?: string;
  /** Every violation, when there are at most {@link LISTED} of them. */
  violations?: PinnedViolation[];
  /** More than {@link LISTED} violations: how many, and an FNV-1a digest of their kinds and tokens in order. */
  violationCount?: number;
  violationDigest?: number;
}

/** Violations listed one by one up to this many; beyond, a count and digest. */
const LISTED = 12;

/** Full search as the bench runs it: every violation collected, no state bound in the way. */
export const ALL = { maxViolations: 1_000_000, maxStates: 50_000_000 };

export interface PinCase {
  name: string;
  build: () => SystemSpec;
  strategy: string;
  options: StrategyOptions;
  /** Pin the command line's shrunk tokens as well. */
  shrunk: boolean;
}

const SAMPLE = { seed: 1, runs: 200 };

/** Every case, in a fixed order. */
export function pinCases(): PinCase[] {
  const cases: PinCase[] = [];
  for (const e of catalogue) {
    const strategy = e.strategy ?? e.explore?.strategy ?? 'bfs';
    cases.push({ name: `${e.key} ${strategy}`, build: e.build, strategy, options: { ...e.explore }, shrunk: strategy !== 'bfs' && strategy !== 'dfs' });
  }
  for (let n = 3; n <= 6; n++) {
    for (const ordered of [false, true]) {
      const build = (): SystemSpec => diningPhilosophers({ n, ordered });
      const model = `dining-${n}${ordered ? '-ordered' : ''}`;
      cases.push({ name: `${model} bfs/all`, build, strategy: 'bfs', options: ALL, shrunk: false });
      cases.push({ name: `${model} dpor/all`, build, strategy: 'dpor', options: ALL, shrunk: false });
    }
  }
  for (const guests of [2, 3, 4]) {
    const build = (): SystemSpec => c1System({ variant: 'fixed', guests });
    cases.push({ name: `C1-fixed-${guests}g bfs/all`, build, strategy: 'bfs', options: ALL, shrunk: false });
    cases.push({ name: `C1-fixed-${guests}g dpor/all`, build, strategy: 'dpor', options: ALL, shrunk: false });
  }
  const small: Array<[string, () => SystemSpec]> = [
    ['dining-4', () => diningPhilosophers({ n: 4 })],
    ['dining-4-ordered', () => diningPhilosophers({ n: 4, ordered: true })],
    ['C1-buggy-3g', () => c1System({ variant: 'buggy', guests: 3 })],
    ['C1-fixed-3g-symmetric', () => {
      const spec = c1System({ variant: 'fixed', guests: 3 });
      return { ...spec, symmetric: [['g1.vcpu0', 'g2.vcpu0', 'g3.vcpu0']] };
    }],
  ];
  const strategies: Array<[string, StrategyOptions]> = [
    ['bfs', { maxViolations: 5 }],
    ['dfs', { maxViolations: 5 }],
    ['dpor', { maxViolations: 5 }],
    ['symmetry', { maxViolations: 5 }],
    ['bounded', { maxViolations: 5, maxPreemptions: 1 }],
    ['bounded', { maxViolations: 5, maxPreemptions: 3 }],
    ['pct', { ...SAMPLE, depth: 3 }],
    ['random', SAMPLE],
  ];
  for (const [model, build] of small) {
    for (const [strategy, options] of strategies) {
      const extra = strategy === 'bounded' ? `/p${options.maxPreemptions}` : '';
      cases.push({ name: `${model} ${strategy}${extra}`, build, strategy, options, shrunk: strategy !== 'bfs' && strategy !== 'dfs' });
    }
  }
  return cases;
}

/** Runs one case on today's engine and returns what is pinned about it. */
export function computePin(c: PinCase): Pin {
  const spec = c.build();
  // The schedules as found; the shrunk ones are computed below as the search loop shrinks them.
  const result = runStrategy(c.strategy, spec, { ...c.options, shrink: false });
  const pin: Pin = { name: c.name, verdict: result.verdict, states: result.stats.states, transitions: result.stats.transitions };
  if (result.bound) pin.bound = result.bound.name;
  const loaded = loadSystem(spec);
  const vs = result.violations.map((v) => pinnedViolation(loaded, v, c));
  if (vs.length <= LISTED) pin.violations = vs;
  else {
    pin.violationCount = vs.length;
    pin.violationDigest = fnv1a(vs.map((v) => `${v.kind}:${v.token}:${v.shrunk ?? ''}`).join('\n'));
  }
  return pin;
}

function pinnedViolation(system: LoadedSystem, v: Violation, c: PinCase): PinnedViolation {
  const out: PinnedViolation = { kind: v.kind, token: v.token };
  if (!c.shrunk) return out;
  const small = shrinkViolation(system, v, c.options.checkers ?? [], SHRINK_ATTEMPTS).token;
  if (small !== v.token) out.shrunk = small;
  return out;
}
