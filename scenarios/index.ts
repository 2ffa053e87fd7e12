/**
 * The scenario catalogue: every scenario card (SCENARIOS.md) in each variant and configuration
 * we check, with its expected verdict. The command line and the specs look entries up by key
 * (`C1/buggy/2g`); a new scenario appends its entries here.
 */
import { ModelError } from '../runtime/errors.js';
import { c1Entries, c1PctEntries } from './c1.js';
import { c2Entries, c2PctEntries } from './c2.js';
import { c3Entries, c3PctEntries } from './c3.js';
import { c4Entries, c4PctEntries } from './c4.js';
import { c5Entries, c5PctEntries } from './c5.js';
import { c6Entries, c6PctEntries } from './c6.js';
import { c6WmmEntries } from './c6Wmm.js';
import { c7Entries, c7PctEntries } from './c7.js';
import { c8Entries, c8PctEntries } from './c8.js';
import { c8WmmEntries } from './c8Wmm.js';
import { c9Entries, c9PctEntries } from './c9.js';
import { c10Entries, c10PctEntries } from './c10.js';
import { c11Entries, c11PctEntries } from './c11.js';
import { c12Entries, c12PctEntries } from './c12.js';
import { c13Entries, c13PctEntries } from './c13.js';
import { c14Entries, c14PctEntries } from './c14.js';
import { c15Entries } from './c15.js';
import type { CatalogueEntry } from './types.js';

/**
 * Every catalogue entry, in card order; each card's larger configuration, explored with PCT, after
 * its own entries (C15 has none: its bug is an error path with one interleaving, not a race);
 * C6's and C8's weak memory entries (the arm model) after their PCT entries.
 */
export const catalogue: CatalogueEntry[] = [...c1Entries, ...c1PctEntries, ...c2Entries, ...c2PctEntries, ...c3Entries, ...c3PctEntries, ...c4Entries, ...c4PctEntries, ...c5Entries, ...c5PctEntries, ...c6Entries, ...c6PctEntries, ...c6WmmEntries, ...c7Entries, ...c7PctEntries, ...c8Entries, ...c8PctEntries, ...c8WmmEntries, ...c9Entries, ...c9PctEntries, ...c10Entries, ...c10PctEntries, ...c11Entries, ...c11PctEntries, ...c12Entries, ...c12PctEntries, ...c13Entries, ...c13PctEntries, ...c14Entries, ...c14PctEntries, ...c15Entries];

/**
 * The entry with `key`. Throws {@link ModelError} naming the unknown key and listing the
 * valid ones.
 *
 * @example
 * ```ts
 * const spec = findEntry('C1/buggy/2g').build();
 * ```
 */
export function findEntry(key: string): CatalogueEntry {
  const found = catalogue.find((e) => e.key === key);
  if (!found) throw new ModelError(`unknown scenario '${key}'; valid keys are ${catalogue.map((e) => e.key).join(', ')}`);
  return found;
}
