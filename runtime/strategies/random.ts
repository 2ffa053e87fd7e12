/**
 * Seeded random walks (shuttle's `random.rs`): each run starts from the initial state and steps
 * an enabled actor chosen uniformly at random, until nothing is enabled, a violation happens, or
 * `maxSteps` steps were taken; `runs` such walks.
 *
 * Uniform choice is the baseline every smarter sampler is measured against. It finds bugs that
 * many interleavings exhibit quickly, and bugs that need a specific ordering of a few steps
 * deep in a long run rarely (the probability of a given schedule falls geometrically with its
 * length); PCT (pct.ts) addresses the latter.
 *
 * Stateless: no visited set prunes anything, so a walk may revisit states; the distinct states
 * seen are counted. Every result carries its seed, and the same seed gives the same walks and
 * the same result: the only randomness is one {@link Prng} seeded once per call.
 */
import { positiveInteger, type ExploreResult, type StrategyOptions } from '../result.js';
import { Search, type SearchPolicy } from '../Search.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import { DEFAULT_SEED, Prng, checkSeed } from './prng.js';
import { samplingPolicy } from './sampling.js';

export const RANDOM_DEFAULTS = { runs: 1_000, maxSteps: 10_000 };

/** The random-walk policy for the search loop, from the options (validated here). */
export function randomPolicy(options: StrategyOptions = {}): SearchPolicy {
  const seed = checkSeed(options.seed ?? DEFAULT_SEED);
  const runs = positiveInteger('runs', options.runs, RANDOM_DEFAULTS.runs);
  const maxSteps = positiveInteger('maxSteps', options.maxSteps, RANDOM_DEFAULTS.maxSteps);
  const rng = new Prng(seed);
  const choose = (enabled: readonly number[]): number => enabled[rng.below(enabled.length)] as number;
  return samplingPolicy({ name: 'random', seed, runs, maxSteps, beginRun: () => choose, describeRuns: () => `random walks of at most ${maxSteps} steps` });
}

/**
 * Runs `runs` random walks of at most `maxSteps` steps each, with seed `seed`.
 *
 * @example
 * ```ts
 * const result = randomWalks(diningPhilosophers({ n: 5 }), { seed: 7, runs: 200 });
 * console.log(result.seed, result.verdict, result.violations[0]?.token);
 * ```
 */
export function randomWalks(system: SystemSpec | LoadedSystem, options: StrategyOptions = {}): ExploreResult {
  return new Search(system, randomPolicy(options), options).run();
}
