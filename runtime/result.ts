/**
 * What a search takes and what it gives back, for every strategy: the options (bounds with
 * their units last, checkers, callbacks), their defaults (one copy, here), the statistics, and
 * the one result type, whose `covered` field says what the verdict rests on.
 *
 * The engine reads no clock and no memory gauge of its own (DESIGN.md decision 4): a time limit
 * needs the caller's `clock`; a memory limit is checked against the engine's own byte
 * accounting (deterministic) unless the caller passes a `memoryProbe`.
 */
import { ModelError } from './errors.js';
import type { CheckerFactory } from './checkers/Checker.js';
import type { SystemSource } from './parallel/source.js';
import type { Violation } from './violations.js';

/** The defaults every strategy shares. Strategy-specific ones live in the strategy's file. */
export const SEARCH_DEFAULTS = { maxStates: 5_000_000, maxDepth: 1_000_000, maxViolations: 1, progressEveryStates: 100_000 } as const;

export interface ExploreOptions {
  /** Search order of `explore()`: `bfs` (default: shortest counterexamples) or `dfs`. Other strategies: runtime/strategies. */
  strategy?: 'bfs' | 'dfs';
  /** Stop after storing this many distinct global states (sampling strategies: seeing). Default 5,000,000. */
  maxStates?: number;
  /** Do not go deeper than this many steps from the start. Default 1,000,000. */
  maxDepth?: number;
  /** Stop after this many milliseconds as read from `clock`. Needs `clock`. */
  timeLimitMs?: number;
  /** A millisecond clock supplied by the caller; the engine itself never reads time. */
  clock?: () => number;
  /**
   * The `clock` reading `timeLimitMs` counts from. Default: the reading when the search starts.
   * The command line passes the process's start (`performance.now()` counts from it), so
   * `--time-limit` bounds the whole command, loading the model included.
   */
  timeOrigin?: number;
  /**
   * Stop once the search holds this many bytes: the engine's own count (visited set, frontier,
   * component tables: deterministic), or what `memoryProbe` says if given.
   */
  maxMemoryBytes?: number;
  /** Bytes in use, as the caller measures them (e.g. `() => process.memoryUsage().rss`). */
  memoryProbe?: () => number;
  /** Asked between units of work: true stops the search with a partial result (`covered.by: 'interrupt'`). */
  shouldStop?: () => boolean;
  /** Checkers in addition to the system's own. */
  checkers?: CheckerFactory[];
  /**
   * Stop once this many distinct violations are found. Without it: the first violation of each
   * kind, stopping at the first that ends a run (deadlock, assertion, invariant, ...); a
   * checker's finding (lock-order, use-after-free, ...) does not stop the search.
   */
  maxViolations?: number;
  /** Call `onProgress` every this many new states. Default 100,000. */
  progressEveryStates?: number;
  onProgress?: (stats: ExploreStats) => void;
  onViolation?: (violation: Violation) => void;
  /**
   * Shrink each violation's schedule (runtime/shrink.ts) before it is reported: `true`, `false`,
   * or the most candidate schedules to try. Default: on (2,000 candidates) for strategies whose
   * schedules are not shortest (everything but bfs and dfs), off for bfs and dfs.
   */
  shrink?: boolean | number;
  /**
   * Hash compaction, as TLC's fingerprint set: store a 64-bit fingerprint of each state instead
   * of the state, so the visited set costs the fingerprint table and the parent links only.
   * The search becomes probabilistic: two states with the same fingerprint count as one, and
   * the result says how likely it is that a state was missed (`hashCompaction`). For bfs,
   * symmetry and the sampling strategies (pct, random).
   */
  hashCompact?: boolean;
  /**
   * bfs only: start from the states these schedules (actor indices from the initial state)
   * reach, instead of from the initial state: the search covers what is reachable from them. A
   * schedule-prefix partition of the exhaustive search gives each shard of a swarm some of the
   * states at one depth (cli/swarm). Paths and tokens include the prefix; the initial state and
   * the prefixes' own steps are not judged (the planner judged them). Each prefix must be a
   * schedule of enabled, non-failing steps, else a ModelError names it.
   */
  startAt?: number[][];
}

/** Options every strategy accepts; a strategy documents which ones it uses. */
export interface StrategyOptions extends Omit<ExploreOptions, 'strategy'> {
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
  /**
   * The checker list (names, as `--checkers` takes them: runtime/checkers/select.ts) the
   * system's checkers were chosen by (runtime/checkers/apply.ts). Threads that build the system
   * themselves apply it to theirs: parallel-bfs's workers, a supervised search's worker (which
   * also runs the analyses it names, `race` and `liveness`, after the search). The search in
   * this thread judges by the system's checkers as given.
   */
  checkerNames?: readonly string[];
}

export interface ExploreStats {
  /** Distinct global states stored (sampling: seen). */
  states: number;
  /** Steps computed (edges of the state graph, including those into known states). */
  transitions: number;
  /** Calls into xstate: one per new (actor, local state, message). */
  xstateCalls: number;
  /** Steps answered from a memo table without xstate. */
  memoHits: number;
  /** memoHits / (memoHits + xstateCalls). */
  memoHitRate: number;
  /** Distinct local snapshots over all actors. */
  localStates: number;
  /** Distinct messages. */
  messages: number;
  /** The deepest step count reached. */
  maxDepthReached: number;
  /** Bytes of the visited set per stored state. */
  bytesPerState: number;
}

/** `stepTimeMs`: one step ran longer than the supervised search's per-step limit (cli/supervised/host.ts). */
export type BoundName = 'maxStates' | 'maxDepth' | 'timeLimitMs' | 'maxMemoryBytes' | 'stepTimeMs';

/** Why a search ended before its strategy ran out of work. */
export type StopCause = Exclude<BoundName, 'maxDepth'> | 'maxViolations' | 'interrupt';

/**
 * What the verdict rests on: the discriminated answer to "what did this search cover?".
 *
 * - `exhaustive`: every reachable state was explored (a reducing strategy: every state of the
 *   reduced graph, which preserves what it says it preserves).
 * - `stopped`: the search ended early, `by` a bound, by reaching `maxViolations`, or by an
 *   interrupt (`shouldStop`); the result is partial.
 * - `depth-bounded`: the search ran out of work, but schedules longer than `maxDepth` were cut.
 * - `preemption-bounded`: every schedule with at most `preemptions` preemptions was explored
 *   (bounded strategy), and nothing beyond.
 * - `sampled`: `runs` schedules were sampled (pct, random); that proves nothing.
 */
export type Coverage =
  | { kind: 'exhaustive' }
  | { kind: 'stopped'; by: StopCause }
  | { kind: 'depth-bounded'; maxDepth: number }
  | { kind: 'preemption-bounded'; preemptions: number }
  | { kind: 'sampled'; runs: number };

export interface ExploreResult {
  system: string;
  /** The strategy that ran: `bfs`, `dfs`, or a name from runtime/strategies (`pct`, `random`, ...). */
  strategy: string;
  /** The seed of a randomised strategy: pass it again to get the same runs and the same result. */
  seed?: number;
  /** What the verdict means for a strategy that is not exhaustive, in a sentence. */
  note?: string;
  /** Schedules (runs, walks) a sampling strategy executed, and the 1-based run that found the first violation. */
  runs?: { executed: number; firstViolationAt?: number };
  /**
   * Preemption bounding: the bound searched up to, the bound at which the first violation was
   * found, and the largest bound within which every schedule was explored without a violation.
   */
  preemptions?: { bound: number; foundAt?: number; verifiedUpTo?: number };
  /**
   * `verified`: every reachable state was explored and nothing is wrong. `violation`: at least
   * one violation was found. `incomplete`: the search did not cover everything (a bound, an
   * interrupt, or a strategy that samples) and found no violation: nothing is proven.
   */
  verdict: 'verified' | 'violation' | 'incomplete';
  /** True when the whole reachable state space was explored. */
  complete: boolean;
  /** What the search covered: see {@link Coverage}. */
  covered: Coverage;
  /** The bound that stopped or cut the search, if any. */
  bound?: { name: BoundName; limit: number; hint: string };
  /** Set when `shouldStop` ended the search. */
  interrupted?: boolean;
  violations: Violation[];
  stats: ExploreStats;
  /** Counters particular to the strategy (DPOR's reduced expansions, symmetry's orbits, ...). */
  strategyStats?: Record<string, number>;
  /** Set when the search stored 64-bit fingerprints only (`hashCompact`): it is probabilistic. */
  hashCompaction?: HashCompaction;
}

/**
 * What hash compaction risks. With n distinct fingerprints stored and t states generated
 * (transitions, plus the start), a state is missed when a new state's fingerprint equals a
 * stored one's. Two estimates, for 64-bit fingerprints taken as uniformly random:
 *
 * - `missProbability` = n (t - n) / 2^64: each of the t - n look-ups that found a fingerprint
 *   could have been a new state colliding with one of at most n stored fingerprints, each with
 *   chance 2^-64. This is the "optimistic" estimate TLC prints ("calculated (optimistic)" in
 *   tlc2.tool.ModelChecker; Yu, Manolios and Lamport, CHARME 1999).
 * - `birthdayBound` = n (n - 1) / 2^65: the chance that any two of the n states reached share a
 *   fingerprint at all, an upper bound on a miss among them (the birthday bound; Wolper and
 *   Leroy, "Reliable Hashing without Collision Detection", CAV 1993, whose analysis of hash
 *   compaction Holzmann's "An Analysis of Bitstate Hashing", FMSD 1998, extends).
 */
export interface HashCompaction {
  fingerprintBits: 64;
  missProbability: number;
  birthdayBound: number;
}

/** The estimates of {@link HashCompaction} for `states` stored and `generated` states generated. */
export function hashCompaction(states: number, generated: number): HashCompaction {
  const two64 = 2 ** 64;
  return { fingerprintBits: 64, missProbability: (states * Math.max(0, generated - states)) / two64, birthdayBound: (states * (states - 1)) / (2 * two64) };
}

/** The sentence a probabilistic result carries. */
export function hashCompactionNote(h: HashCompaction): string {
  const p = (x: number): string => (x === 0 ? '0' : x.toExponential(1));
  return `hash compaction: only 64-bit fingerprints were stored, so the search is probabilistic; estimated probability that a state was missed ${p(h.missProbability)} (n(t-n)/2^64, TLC's estimate), at most ${p(h.birthdayBound)} (n(n-1)/2^65, the birthday bound)`;
}

/** Checks a positive-integer option, naming it on failure. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new ModelError(`option ${name} must be a positive integer, got ${shownValue(v)}`);
  return v;
}

/** An option's value as a message shows it: a string quoted and said to be one ('the string "10"'). */
export function shownValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/**
 * The caller's clock or memory probe, checked at every reading: one that returns NaN (or
 * anything but a finite number) would silently switch its bound off, as every comparison with
 * NaN is false.
 */
function readingChecked(name: 'clock' | 'memoryProbe', f: (() => number) | undefined, unit: string): (() => number) | undefined {
  if (f === undefined) return undefined;
  return () => {
    const v = f();
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelError(`option ${name} returned ${shownValue(v)}; it must return a finite number of ${unit}`);
    return v;
  };
}

/** Rejects a time limit that is not positive, or that comes without the caller's clock. */
export function checkTimeLimit(options: Pick<ExploreOptions, 'timeLimitMs' | 'clock'>): void {
  if (options.timeLimitMs === undefined) return;
  if (!(typeof options.timeLimitMs === 'number' && options.timeLimitMs > 0)) throw new ModelError(`option timeLimitMs must be a positive number of milliseconds, got ${shownValue(options.timeLimitMs)}`);
  if (!options.clock) throw new ModelError('option timeLimitMs needs a clock: the engine reads no time itself, so pass clock: () => performance.now()');
}

/** The options every strategy shares, validated, with the defaults filled in. */
export interface SearchSettings {
  maxStates: number;
  maxDepth: number;
  maxViolations: number;
  /** No `maxViolations` was given: the first of each kind, stopping at one that ends a run. */
  distinctKinds: boolean;
  progressEveryStates: number;
  timeLimitMs: number | undefined;
  clock: (() => number) | undefined;
  timeOrigin: number | undefined;
  maxMemoryBytes: number | undefined;
  memoryProbe: (() => number) | undefined;
  shouldStop: (() => boolean) | undefined;
  checkers: CheckerFactory[];
  onProgress: ((stats: ExploreStats) => void) | undefined;
  onViolation: ((violation: Violation) => void) | undefined;
  /** Candidate schedules shrinking may try per violation; 0: no shrinking. */
  shrinkAttempts: number;
  hashCompact: boolean;
}

/** Shrinking's default budget of candidate schedules per violation. */
export const SHRINK_ATTEMPTS = 2_000;

/** Validates `options` (naming the option at fault) and fills in {@link SEARCH_DEFAULTS}. */
export function searchSettings(options: ExploreOptions, shrinkByDefault: boolean): SearchSettings {
  checkTimeLimit(options);
  const o = options.timeOrigin;
  if (o !== undefined && !Number.isFinite(o)) throw new ModelError(`option timeOrigin must be a finite clock reading in milliseconds, got ${String(o)}`);
  const m = options.maxMemoryBytes;
  if (m !== undefined && !(typeof m === 'number' && Number.isFinite(m) && m > 0)) throw new ModelError(`option maxMemoryBytes must be a positive number of bytes, got ${shownValue(m)}`);
  for (const key of ['clock', 'memoryProbe', 'shouldStop', 'onProgress', 'onViolation'] as const) {
    const f = options[key];
    if (f !== undefined && typeof f !== 'function') throw new ModelError(`option ${key} must be a function, got ${typeof f}`);
  }
  const s = options.shrink ?? shrinkByDefault;
  if (typeof s === 'number' && !(Number.isInteger(s) && s >= 0)) throw new ModelError(`option shrink must be true, false or a non-negative integer (candidate schedules), got ${String(s)}`);
  return {
    maxStates: positiveInteger('maxStates', options.maxStates, SEARCH_DEFAULTS.maxStates),
    maxDepth: positiveInteger('maxDepth', options.maxDepth, SEARCH_DEFAULTS.maxDepth),
    maxViolations: positiveInteger('maxViolations', options.maxViolations, SEARCH_DEFAULTS.maxViolations),
    distinctKinds: options.maxViolations === undefined,
    progressEveryStates: positiveInteger('progressEveryStates', options.progressEveryStates, SEARCH_DEFAULTS.progressEveryStates),
    timeLimitMs: options.timeLimitMs,
    clock: readingChecked('clock', options.clock, 'milliseconds'),
    timeOrigin: options.timeOrigin,
    maxMemoryBytes: m,
    memoryProbe: readingChecked('memoryProbe', options.memoryProbe, 'bytes'),
    shouldStop: options.shouldStop,
    checkers: options.checkers ?? [],
    onProgress: options.onProgress,
    onViolation: options.onViolation,
    shrinkAttempts: s === true ? SHRINK_ATTEMPTS : s === false ? 0 : s,
    hashCompact: options.hashCompact === true,
  };
}

/** The hint that goes with each bound when it trips: what probably caused it. */
export const BOUND_HINTS: Record<BoundName, string> = {
  maxStates: 'the state space is larger than the bound: raise maxStates, shrink the configuration (fewer guests or calls), or use a reducing strategy',
  maxDepth: 'a schedule this long usually means an actor loops without bound (a retry or spin loop that never blocks)',
  timeLimitMs: 'the search needed more time: raise the time limit or shrink the configuration',
  maxMemoryBytes: 'the search needed more memory: raise the memory limit, shrink the configuration, or use hash compaction or a reducing strategy',
  stepTimeMs: 'one step did not return: look for a loop without end in its guards, assigns or action parameters',
};
