/**
 * PCT, probabilistic concurrency testing: Burckhardt, Kothari, Musuvathi and Nagarakatte, "A
 * Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010. The shape
 * follows shuttle's `pct.rs`.
 *
 * Each run gives every actor a distinct random priority from {d, ..., d+n-1} (n actors, d the
 * bug depth), picks d-1 distinct change points k_1..k_{d-1} uniformly in [1, k], and always
 * steps the highest-priority enabled actor. When the run reaches its k_i-th scheduling step,
 * the actor about to step has its priority lowered to i (below every initial priority) and
 * the choice is made again: a change point is where PCT forces a preemption. The paper proves
 * that one run finds a bug of depth d (one needing d ordering constraints between steps) with
 * probability at least 1 / (n * k^(d-1)), so a few thousand runs find shallow bugs in models
 * far too big to enumerate.
 *
 * Here an actor is a thread and "enabled" means its mailbox holds a message it does not defer.
 * As in shuttle, k counts only scheduling steps with a real choice (two or more actors enabled):
 * a change point where one actor is enabled could not change the schedule, so counting such
 * steps would only dilute the guarantee. k is not known before running: the first run has no
 * change points (a valid depth-1 sample) and measures k; each later run draws its change points
 * over the largest k measured so far (shuttle re-estimates the same way). `maxSteps` bounds
 * every run.
 *
 * Stateless (no visited set prunes anything); the distinct states seen are counted. Every result
 * says its seed, and the same seed gives the same runs and the same result. The runs and their
 * judging are sampling.ts's; this file is the choice.
 */
import { positiveInteger, type ExploreResult, type StrategyOptions } from '../result.js';
import { Search, type SearchPolicy } from '../Search.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import { DEFAULT_SEED, Prng, checkSeed } from './prng.js';
import { samplingPolicy, type Chooser } from './sampling.js';

export const PCT_DEFAULTS = { runs: 1_000, depth: 3, maxSteps: 10_000 };

/** The PCT policy for the search loop, from the options (validated here). */
export function pctPolicy(options: StrategyOptions = {}): SearchPolicy {
  const seed = checkSeed(options.seed ?? DEFAULT_SEED);
  const runs = positiveInteger('runs', options.runs, PCT_DEFAULTS.runs);
  const depth = positiveInteger('depth', options.depth, PCT_DEFAULTS.depth);
  const maxSteps = positiveInteger('maxSteps', options.maxSteps, PCT_DEFAULTS.maxSteps);
  const rng = new Prng(seed);
  let priority = new Int32Array(0);
  /** k: the most scheduling steps with a choice seen in one run so far. */
  let k = 0;
  let choices = 0;
  return samplingPolicy({
    name: 'pct',
    seed,
    runs,
    maxSteps,
    beginRun(index, n): Chooser {
      if (priority.length !== n) priority = new Int32Array(n);
      // Distinct initial priorities d..d+n-1 in random order; change point i lowers to i < d.
      const order = rng.shuffle(Array.from({ length: n }, (_, a) => a));
      order.forEach((a, rank) => (priority[a] = depth + rank));
      const changeAt = index === 0 ? new Map<number, number>() : changePoints(rng, depth - 1, k);
      choices = 0;
      return (enabled) => {
        if (enabled.length < 2) return enabled[0] as number;
        choices++;
        const lowered = changeAt.get(choices);
        if (lowered !== undefined) priority[highest(enabled, priority)] = lowered;
        return highest(enabled, priority);
      };
    },
    endRun() {
      if (choices > k) k = choices;
    },
    describeRuns: () => `PCT runs of depth ${depth} (at most ${maxSteps} steps each; k, the scheduling steps with a choice, estimated at ${k})`,
  });
}

/**
 * Runs `runs` PCT runs of bug depth `depth` with seed `seed`.
 *
 * @example
 * ```ts
 * const result = pct(diningPhilosophers({ n: 5 }), { seed: 1, depth: 3, runs: 500 });
 * if (result.verdict === 'violation') console.log(`seed ${result.seed}: replay ${result.violations[0]!.token}`);
 * ```
 */
export function pct(system: SystemSpec | LoadedSystem, options: StrategyOptions = {}): ExploreResult {
  return new Search(system, pctPolicy(options), options).run();
}

/** Up to `count` distinct change points in [1, k], mapped to the priority each one sets (1..count). */
function changePoints(rng: Prng, count: number, k: number): Map<number, number> {
  const out = new Map<number, number>();
  const wanted = Math.min(count, k);
  for (let i = 1; out.size < wanted; ) {
    const at = rng.between(1, k);
    if (!out.has(at)) out.set(at, i++);
  }
  return out;
}

/** The enabled actor with the highest priority (priorities are distinct). */
function highest(enabled: readonly number[], priority: Int32Array): number {
  let best = enabled[0] as number;
  for (const a of enabled) if ((priority[a] as number) > (priority[best] as number)) best = a;
  return best;
}
