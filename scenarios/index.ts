/**
 * The scenario catalogue: every scenario card (SCENARIOS.md) in each variant and configuration
 * we check, with its expected verdict. The command line and the specs look entries up by key
 * (`C1/buggy/2g`); a new scenario appends its entries here.
 */
import { ModelError } from '../runtime/errors.js';
import { c1Entries } from './c1.js';
import { c2Entries } from './c2.js';
import { c3Entries } from './c3.js';
import { c4Entries } from './c4.js';
import { c8Entries } from './c8.js';
import { c9Entries } from './c9.js';
import { c12Entries } from './c12.js';
import { c13Entries } from './c13.js';
import { c14Entries } from './c14.js';
import type { CatalogueEntry } from './types.js';

/** Every catalogue entry, in card order. */
export const catalogue: CatalogueEntry[] = [...c1Entries, ...c2Entries, ...c3Entries, ...c4Entries, ...c8Entries, ...c9Entries, ...c12Entries, ...c13Entries, ...c14Entries];

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
