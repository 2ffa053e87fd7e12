/**
 * Every search strategy behind one narrow interface (shuttle's schedulers, Coyote's
 * `*Strategy` files): a name and a function from a system and options to an
 * {@link ExploreResult}. One file per strategy; each strategy's header cites its paper.
 *
 * The command line and the catalogue take strategy names from {@link STRATEGY_NAMES}, so adding
 * a strategy here makes it available everywhere.
 */
import { ModelError } from '../errors.js';
import { explore, type ExploreOptions, type ExploreResult } from '../explorer.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import { boundedPreemption } from './bounded.js';
import { exploreDpor } from './dpor.js';
import { exploreSymmetric } from './symmetry.js';
import { exploreParallel } from '../parallel/coordinator.js';
import type { SystemSource } from '../parallel/source.js';
import { pct } from './pct.js';
import { randomWalks } from './random.js';

/** Options every strategy accepts; a strategy documents which ones it uses. */
export interface StrategyOptions extends ExploreOptions {
  /** Seed of randomised strategies; every run prints it, and the same seed gives the same runs. */
  seed?: number;
  /** Sampling strategies (pct, random): how many runs. */
  runs?: number;
  /** pct: the bug depth d (d-1 priority change points per run). */
  depth?: number;
  /** Sampling strategies (pct, random): at most this many steps per run. */
  maxSteps?: number;
  /** bounded: search schedules with 0, 1, ... up to this many preemptions. */
  maxPreemptions?: number;
  /** parallel-bfs: worker threads (default 2). */
  workers?: number;
  /** parallel-bfs: the module and export each worker builds the system from. */
  source?: SystemSource;
}

export type StrategyRunner = (system: SystemSpec | LoadedSystem, options: StrategyOptions) => ExploreResult;

const registry: Record<string, StrategyRunner> = {
  bfs: (system, options) => explore(system, { ...options, strategy: 'bfs' }),
  dfs: (system, options) => explore(system, { ...options, strategy: 'dfs' }),
  pct,
  random: randomWalks,
  bounded: boundedPreemption,
  dpor: exploreDpor,
  symmetry: exploreSymmetric,
  'parallel-bfs': exploreParallel,
};

/** Names of the available strategies, in the order help texts list them. */
export const STRATEGY_NAMES: readonly string[] = Object.keys(registry);

/** Runs the named strategy; an unknown name is a {@link ModelError} listing the valid ones. */
export function runStrategy(name: string, system: SystemSpec | LoadedSystem, options: StrategyOptions = {}): ExploreResult {
  const runner = registry[name];
  if (!runner) throw new ModelError(`unknown strategy '${name}'; use one of ${STRATEGY_NAMES.join(', ')}`);
  return runner(system, options);
}
