/**
 * The explorer: exhaustive stateful search over every interleaving of actor steps, the entry
 * point most users start from.
 *
 * - `bfs` (the default) visits states in order of distance from the start, so the first
 *   violation of each kind comes with a shortest schedule;
 * - `dfs` goes deep first, with an explicit stack, and uses less frontier memory.
 *
 * Both are policies of the one search loop (Search.ts; strategies/bfs.ts, strategies/dfs.ts),
 * which stores every global state once in a {@link StateStore}, owns every bound and records
 * every violation; other strategies (DPOR, symmetry, preemption bounding, PCT, random walks)
 * are in runtime/strategies and run through `runStrategy`. An {@link Exploration} advances by a
 * budget of units per call, so a caller (the rxjs edge in `observe.ts`, the command line) can
 * interleave progress reports and Ctrl-C handling while the step loop itself stays synchronous
 * (DESIGN.md decision 9).
 *
 * Every bound is named with its unit and reported when it trips, with the likely cause. The
 * engine reads no clock itself: a time limit needs the caller to pass `clock`.
 */
import { ModelError } from './errors.js';
import { Search, type SearchPolicy } from './Search.js';
import type { LoadedSystem, SystemSpec } from './system.js';
import type { ExploreOptions, ExploreResult } from './result.js';
import { bfsPolicy } from './strategies/bfs.js';
import { dfsPolicy } from './strategies/dfs.js';

export { checkTimeLimit, type BoundName, type Coverage, type ExploreOptions, type ExploreResult, type ExploreStats, type StopCause } from './result.js';
export { searchStats } from './Search.js';

export type Strategy = 'bfs' | 'dfs';

/**
 * Explores `system` to the end (or a bound) and returns the result.
 *
 * @example
 * ```ts
 * const result = explore(diningPhilosophers(5), { strategy: 'bfs' });
 * if (result.verdict === 'violation') console.log(result.violations[0].message, result.violations[0].token);
 * ```
 */
export function explore(system: SystemSpec | LoadedSystem, options: ExploreOptions = {}): ExploreResult {
  return new Exploration(system, options).run();
}

/** A BFS or DFS search that advances in slices; `explore` runs one to the end. */
export class Exploration extends Search {
  constructor(system: SystemSpec | LoadedSystem, options: ExploreOptions = {}) {
    super(system, explorerPolicy(options.strategy), options);
  }
}

function explorerPolicy(strategy: ExploreOptions['strategy']): SearchPolicy {
  if (strategy === undefined || strategy === 'bfs') return bfsPolicy();
  if (strategy === 'dfs') return dfsPolicy();
  throw new ModelError(`unknown strategy '${String(strategy)}'; use bfs or dfs`);
}
