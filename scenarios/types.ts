/**
 * What a catalogue entry is: one scenario card (SCENARIOS.md) in one variant and one
 * configuration, with the verdict we expect and where the modelled code comes from.
 */
import type { ExploreOptions } from '../runtime/explorer.js';
import type { SystemSpec } from '../runtime/system.js';
import type { ViolationKind } from '../runtime/violations.js';

/** BUGGY is the code as the seed or older upstream had it; FIXED as upstream has it now. */
export type Variant = 'buggy' | 'fixed';

/** The verdict the scenario is expected to get. */
export type Expectation = { verdict: 'violation'; kind: ViolationKind } | { verdict: 'verified' };

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
  /** Strategy and bounds for this entry (default: BFS, the engine's default bounds). */
  explore?: Omit<ExploreOptions, 'onProgress' | 'onViolation' | 'clock'>;
}
