/**
 * The scenario catalogue: every scenario card (SCENARIOS.md) in each variant and configuration
 * we check, with its expected verdict. The command line and the specs look entries up by key
 * (`C1/buggy/2g`); a new scenario appends its entries here.
 */
import { ModelError } from '../runtime/errors.js';
import { c1Entries } from './c1.js';
import type { CatalogueEntry } from './types.js';

/** Every catalogue entry, in card order. */
export const catalogue: CatalogueEntry[] = [...c1Entries];

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
