/**
 * Every search strategy behind one narrow interface (shuttle's schedulers, Coyote's
 * `*Strategy` files): a name and a policy of the one search loop (Search.ts), so every strategy
 * gets the same bounds, progress, cancellation, violation recording and shrinking. One file per
 * strategy; each strategy's header cites its paper. `parallel-bfs` runs its own coordinator
 * (runtime/parallel) behind the same {@link SearchRun} interface.
 *
 * The command line and the catalogue take strategy names from {@link STRATEGY_NAMES}, so adding
 * a strategy here makes it available everywhere.
 */
import { ModelError } from '../errors.js';
import type { ExploreResult, ExploreStats, StrategyOptions } from '../result.js';
import { Search, type SearchPolicy } from '../Search.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import { ParallelSearch } from '../parallel/coordinator.js';
import { bfsPolicy } from './bfs.js';
import { boundedPolicy } from './bounded.js';
import { dfsPolicy } from './dfs.js';
import { dporPolicy } from './dpor.js';
import { pctPolicy } from './pct.js';
import { randomPolicy } from './random.js';
import { symmetryPolicy } from './symmetry.js';

export type { StrategyOptions } from '../result.js';

/** A search in progress, whatever runs it: advance it in slices, then read its result. */
export interface SearchRun {
  readonly done: boolean;
  /** Runs up to `budget` units of work. */
  advance(budget: number): void;
  stats(): ExploreStats;
  /** States found and not yet expanded; undefined for sampling strategies. */
  frontier(): number | undefined;
  result(): ExploreResult;
}

/** Builds a strategy's policy from the options (validating the strategy's own ones). */
export type PolicyFactory = (options: StrategyOptions) => SearchPolicy;

const policies: Record<string, PolicyFactory> = {
  bfs: () => bfsPolicy(),
  dfs: () => dfsPolicy(),
  pct: pctPolicy,
  random: randomPolicy,
  bounded: boundedPolicy,
  dpor: () => dporPolicy(),
  symmetry: () => symmetryPolicy(),
};

const PARALLEL = 'parallel-bfs';

/** Names of the available strategies, in the order help texts list them. */
export const STRATEGY_NAMES: readonly string[] = [...Object.keys(policies), PARALLEL];

/**
 * Starts the named strategy on `system` (nothing runs until `advance`); an unknown name is a
 * {@link ModelError} listing the valid ones.
 */
export function startStrategy(name: string, system: SystemSpec | LoadedSystem, options: StrategyOptions = {}): SearchRun {
  if (name === PARALLEL) return new ParallelSearch(system, options);
  // Own keys only: '__proto__' or 'constructor' must not find Object.prototype's.
  const make = typeof name === 'string' && Object.hasOwn(policies, name) ? policies[name] : undefined;
  if (!make) throw new ModelError(`unknown strategy ${typeof name === 'string' ? `'${name}'` : `(a ${typeof name})`}; use one of ${STRATEGY_NAMES.join(', ')}`);
  return new Search(system, make(options), options);
}

/** Runs the named strategy to the end and returns its result. */
export function runStrategy(name: string, system: SystemSpec | LoadedSystem, options: StrategyOptions = {}): ExploreResult {
  const run = startStrategy(name, system, options);
  while (!run.done) run.advance(Number.MAX_SAFE_INTEGER);
  return run.result();
}
