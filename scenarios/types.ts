/**
 * What a catalogue entry is: one scenario card (SCENARIOS.md) in one variant and one
 * configuration, with the verdict we expect and where the modelled code comes from.
 */
import type { ExploreOptions } from '../runtime/explorer.js';
import type { StrategyOptions } from '../runtime/strategies/index.js';
import type { SystemSpec } from '../runtime/system.js';
import type { ViolationKind } from '../runtime/violations.js';

/** BUGGY is the code as the seed or older upstream had it; FIXED as upstream has it now. */
export type Variant = 'buggy' | 'fixed';

/**
 * The verdict the scenario is expected to get. `incomplete` is for an entry explored by a
 * sampling strategy (PCT, random walks), which can never verify: it means "no violation found
 * by this non-exhaustive search", the verdict such a strategy returns when nothing turns up.
 */
export type Expectation = { verdict: 'violation'; kind: ViolationKind } | { verdict: 'verified' } | { verdict: 'incomplete' };

/**
 * An entry's bounds and options: the engine's (`maxStates`, `checkers`, ...) and, for an entry
 * run with a randomised strategy, that strategy's (`seed`, `runs`, `depth`, `maxSteps`). Still
 * assignable to `explore()`'s options, which ignore the sampling ones.
 */
export type EntryExploreOptions = Omit<ExploreOptions, 'onProgress' | 'onViolation' | 'clock'> & Pick<StrategyOptions, 'seed' | 'runs' | 'depth' | 'maxSteps' | 'maxPreemptions'>;

/**
 * The PCT settings of the catalogue's larger configurations (issue 5: "a larger configuration
 * explored with PCT"): a fixed seed, so `npm start` shows the same result on every machine.
 */
export const LARGER_PCT = { seed: 1, runs: 500, depth: 3 } as const;

export interface CatalogueEntry {
  /** Scenario card id, e.g. `C1`. */
  id: string;
  variant: Variant;
  /** The configuration, short: `2 guests`. */
  config: string;
  /** Unique key on the command line and in replay tokens: `C1/buggy/2g`. */
  key: string;
  /** One line: what the card is about. */
  title: string;
  /** Where the modelled code comes from: seed file and function, upstream commit. */
  source: string;
  build: () => SystemSpec;
  expected: Expectation;
  /**
   * A strategy from runtime/strategies other than `explore.strategy` (`pct`, `random`,
   * `bounded`, `dpor`): the command line runs the entry with it. A larger configuration explored
   * with PCT says `strategy: 'pct'` with its `seed`, `runs` and `depth` in `explore`, and expects
   * a violation or `{ verdict: 'incomplete' }`.
   */
  strategy?: string;
  /** Strategy and bounds for this entry (default: BFS, the engine's default bounds). */
  explore?: EntryExploreOptions;
}
