/**
 * Swarm verification (issue 16 item 2): the work of one exploration split into shards that any
 * process can run (cli/swarm/queue.ts puts them on Redis with BullMQ), and their results merged
 * into one report. Everything here is deterministic: the same target, options and shard count
 * give the same shards, and the same shard results give the same report, whichever worker ran
 * which shard and in what order they finished.
 *
 * Shards (the idea of Holzmann, Joshi and Groce's swarm verification, "Swarm Verification
 * Techniques", IEEE TSE 2011: many differently configured searches instead of one big one):
 *
 * - **pct, random**: shard i runs `runs / N` (spread evenly) sampled schedules with seed
 *   `seed + i`; each result keeps its seed, so any shard replays alone.
 * - **bfs** (exhaustive): a schedule-prefix partition. The planner runs bfs itself up to depth
 *   k, the smallest depth with at least N states not yet expanded (or to the end, if the space
 *   is that small), judging everything up to there; the states at depth k are dealt to the
 *   shards round-robin, each as the shortest schedule that reaches it, and a shard runs bfs
 *   from its states (ExploreOptions.startAt). Every reachable state is within depth k or
 *   reachable from some state at depth k, so the planner and the shards together cover the
 *   space; `verified` only when the planner and every shard completed without a violation.
 *   States reachable from the start states of several shards are explored (and counted) by each
 *   of them: every bfs result carries a 64-bit fingerprint of each state it stored
 *   (fingerprints.ts), and the report gives the states per shard, their sum, the distinct states
 *   over planner and shards, and the overlap (sum minus distinct), measured.
 *
 * Checkers: a catalogue entry's `explore.checkers` are functions, so they do not travel in a
 * job; every process that runs a shard builds the entry itself and passes them here
 * ({@link ShardEnv}). A model file's system brings its own `checkers`.
 */
import type { CheckerFactory } from '../../runtime/checkers/Checker.js';
import { ModelError } from '../../runtime/errors.js';
import type { ExploreOptions, ExploreResult, StrategyOptions } from '../../runtime/result.js';
import { Search } from '../../runtime/Search.js';
import { bfsPolicy } from '../../runtime/strategies/bfs.js';
import { startStrategy, type SearchRun } from '../../runtime/strategies/index.js';
import { DEFAULT_SEED } from '../../runtime/strategies/prng.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../../runtime/system.js';
import { distinctCount, storedFingerprints } from './fingerprints.js';

export type SwarmStrategy = 'bfs' | 'pct' | 'random';
export const SWARM_STRATEGIES: readonly SwarmStrategy[] = ['bfs', 'pct', 'random'];

/** Options of the whole swarm (what `interleave swarm` was given). */
export interface SwarmOptions {
  strategy: SwarmStrategy;
  shards: number;
  seed?: number;
  runs?: number;
  depth?: number;
  maxSteps?: number;
  maxStates?: number;
  maxDepth?: number;
}

/** What to run for one shard: plain data, so it travels as a job. */
export interface ShardSpec {
  index: number;
  of: number;
  strategy: SwarmStrategy;
  /** pct, random. */
  seed?: number;
  runs?: number;
  depth?: number;
  maxSteps?: number;
  /** bfs: the schedules whose states this shard explores from. */
  startAt?: number[][];
  maxStates?: number;
  maxDepth?: number;
}

export interface ShardViolation {
  kind: string;
  message: string;
  token: string;
  steps: number;
}

/** What one shard (or the planner) found. */
export interface ShardResult {
  /** -1: the planner's own search (bfs up to the partition depth). */
  index: number;
  verdict: ExploreResult['verdict'];
  complete: boolean;
  covered: ExploreResult['covered'];
  states: number;
  transitions: number;
  violations: ShardViolation[];
  seed?: number;
  runs?: number;
  /** bfs: the fingerprints of the states it stored (fingerprints.ts); not in the report. */
  fingerprints?: string;
  /** Stopped before its end (a step that did not return, a time limit, the memory bound): why, in the bound's words. */
  stopped?: string;
}

/** What every process running a shard adds from the target (a catalogue entry's checkers). */
export interface ShardEnv {
  checkers?: CheckerFactory[];
}

export interface SwarmPlan {
  strategy: SwarmStrategy;
  shards: ShardSpec[];
  /** bfs: the planner's result and the partition depth. */
  planner?: ShardResult;
  partitionDepth?: number;
  /** Checkers that accumulate over transitions (lockdep), by name: each shard's instance sees only that shard's. */
  accumulating?: string[];
}

export interface SwarmReport {
  system: string;
  strategy: SwarmStrategy;
  verdict: 'verified' | 'violation' | 'incomplete';
  shards: number;
  /** Violations deduplicated by kind and message, first by shard order (planner first), each with its token. */
  violations: Array<ShardViolation & { shard: number }>;
  /** Per shard (planner first for bfs): states, transitions, verdict. */
  perShard: Array<{ shard: number; states: number; transitions: number; verdict: string; complete: boolean; seed?: number }>;
  statesSummed: number;
  /** bfs: distinct states over the planner and every shard (by fingerprint), and the states counted more than once. */
  distinctStates?: number;
  overlap?: number;
  partitionDepth?: number;
  /** Plain words on coverage and overlap. */
  note: string;
}

const ALL_VIOLATIONS = 1_000_000;

/** A shard's (or the planner's) result; with `search` (bfs), the fingerprints of its states (or `fingerprints` themselves, computed where the search ran). */
export function shardResultOf(index: number, r: ExploreResult, search?: Search | string): ShardResult {
  const stopped = r.covered.kind === 'stopped' ? (r.bound?.hint ?? r.note ?? `stopped by ${r.covered.by}`) : undefined;
  return {
    index,
    verdict: r.verdict,
    complete: r.complete,
    covered: r.covered,
    states: r.stats.states,
    transitions: r.stats.transitions,
    violations: r.violations.map((v) => ({ kind: v.kind, message: v.message, token: v.token, steps: v.path.length })),
    ...(r.seed === undefined ? {} : { seed: r.seed }),
    ...(r.runs ? { runs: r.runs.executed } : {}),
    ...(search === undefined ? {} : { fingerprints: typeof search === 'string' ? search : storedFingerprints(search) }),
    ...(stopped === undefined ? {} : { stopped }),
  };
}

/** What lets a caller stop the planner's searches (the time limit, Ctrl-C), as for any search. */
export type PlannerStop = Pick<ExploreOptions, 'shouldStop' | 'clock' | 'timeLimitMs' | 'timeOrigin'>;

function positive(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new ModelError(`option ${name} must be a positive integer, got ${String(value)}`);
}

/** Splits the work; for bfs this runs the planner's search (up to the partition depth). */
export function planSwarm(system: SystemSpec | LoadedSystem, options: SwarmOptions, env: ShardEnv = {}, stop: PlannerStop = {}): SwarmPlan {
  positive('shards', options.shards);
  positive('runs', options.runs);
  const plan = planShards(system, options, env, stop);
  const own = 'actorIndex' in system ? system.checkers : loadSystem(system).checkers; // names in SystemSpec.checkers resolved
  const accumulating = [...new Set([...own, ...(env.checkers ?? [])].map((make) => make()).filter((c) => c.accumulates === true).map((c) => c.name))];
  return accumulating.length ? { ...plan, accumulating } : plan;
}

function planShards(system: SystemSpec | LoadedSystem, options: SwarmOptions, env: ShardEnv, stop: PlannerStop): SwarmPlan {
  const N = options.shards;
  const bounds = { ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }), ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }) };
  if (options.strategy === 'pct' || options.strategy === 'random') {
    const runs = options.runs ?? 1_000;
    const seed = options.seed ?? DEFAULT_SEED;
    const shards: ShardSpec[] = [];
    for (let i = 0; i < N; i++) {
      const share = Math.floor(runs / N) + (i < runs % N ? 1 : 0);
      if (share === 0) continue;
      shards.push({ index: i, of: N, strategy: options.strategy, seed: seed + i, runs: share, ...(options.depth === undefined ? {} : { depth: options.depth }), ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }), ...bounds });
    }
    return { strategy: options.strategy, shards: shards.map((s, i) => ({ ...s, index: i, of: shards.length })) };
  }
  if (options.strategy !== 'bfs') throw new ModelError(`option --strategy must be one of ${SWARM_STRATEGIES.join(', ')}, got '${String(options.strategy)}'`);
  const sys = 'actorIndex' in system ? system : loadSystem(system);
  const limit = options.maxDepth ?? Number.MAX_SAFE_INTEGER;
  for (let k = 1; ; k++) {
    const search = new Search(sys, bfsPolicy(), { ...env, ...stop, ...bounds, maxDepth: Math.min(k, limit), maxViolations: ALL_VIOLATIONS });
    const result = search.run();
    const frontier: number[] = [];
    for (let id = 0; id < search.store.size; id++) if (search.store.depth(id) === k && !isBroken(search, id)) frontier.push(id);
    // Done by the planner alone: the space ends before depth k, or the user's depth bound is k,
    // or it stopped (maxStates).
    const cut = result.bound?.name === 'maxDepth';
    if (!cut || k >= limit || result.covered.kind === 'stopped' || frontier.length >= N) {
      const planner = shardResultOf(-1, result, search);
      if (!cut || k >= limit || result.covered.kind === 'stopped') return { strategy: 'bfs', shards: [], planner, partitionDepth: k };
      const prefixes = frontier.map((id) => search.store.pathTo(id));
      const shards: ShardSpec[] = Array.from({ length: N }, (_, i) => ({ index: i, of: N, strategy: 'bfs' as const, startAt: prefixes.filter((_, j) => j % N === i), ...bounds }));
      // The planner's states at depth k are counted again by the shards that start there.
      return { strategy: 'bfs', shards, planner: { ...planner, complete: true, covered: { kind: 'exhaustive' } }, partitionDepth: k };
    }
  }
}

/** A state the planner stored but did not expand because it breaks an invariant. */
function isBroken(search: Search, id: number): boolean {
  if (search.system.invariants.length === 0) return false;
  const v = search.kernel.newState();
  search.read(id, v);
  return search.kernel.invariantFindings(v).length !== 0;
}

/** Runs one shard in this process. */
export function runShard(system: SystemSpec | LoadedSystem, shard: ShardSpec, env: ShardEnv = {}): ShardResult {
  const run = startShard(system, shard, env);
  while (!run.done) run.advance(1_000_000);
  return shardResultOf(shard.index, run.result(), run instanceof Search ? run : undefined);
}

/** The search (bfs) or sampling run of one shard, not yet run: a caller can run it in slices. */
export function startShard(system: SystemSpec | LoadedSystem, shard: ShardSpec, env: ShardEnv = {}): SearchRun {
  const options = { ...env, ...shardOptions(shard) };
  if (shard.strategy === 'bfs') return new Search(system, bfsPolicy(), options);
  return startStrategy(shard.strategy, system, options);
}

/** A shard as strategy options (plain data): its bounds, and its start schedules (bfs) or seed and runs (pct, random). */
export function shardOptions(shard: ShardSpec): StrategyOptions {
  const bounds = { ...(shard.maxStates === undefined ? {} : { maxStates: shard.maxStates }), ...(shard.maxDepth === undefined ? {} : { maxDepth: shard.maxDepth }), maxViolations: ALL_VIOLATIONS };
  if (shard.strategy === 'bfs') return { ...bounds, startAt: shard.startAt ?? [] };
  return { ...bounds, seed: shard.seed as number, runs: shard.runs as number, ...(shard.depth === undefined ? {} : { depth: shard.depth }), ...(shard.maxSteps === undefined ? {} : { maxSteps: shard.maxSteps }) };
}

/** Merges the planner's and every shard's result (in shard order, whatever order they came in). */
export function mergeSwarm(systemName: string, plan: SwarmPlan, results: ShardResult[]): SwarmReport {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const ordered = [...(plan.planner ? [plan.planner] : []), ...plan.shards.map((s) => byIndex.get(s.index)).filter((r): r is ShardResult => r !== undefined)];
  const missing = plan.shards.filter((s) => !byIndex.has(s.index)).map((s) => s.index);
  const seen = new Set<string>();
  const violations: SwarmReport['violations'] = [];
  for (const r of ordered) {
    for (const v of r.violations) {
      const key = `${v.kind}\u0000${v.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      violations.push({ ...v, shard: r.index });
    }
  }
  const allComplete = missing.length === 0 && ordered.every((r) => r.complete);
  const sampled = plan.strategy !== 'bfs';
  // A clean result of a checker that accumulates (lockdep) is its own shard's: an edge of a cycle
  // seen in one shard and the rest in another is reported by neither, so nothing is verified.
  const split = plan.accumulating?.length ? plan.accumulating : undefined;
  const verdict = violations.length ? 'violation' : allComplete && !sampled && !split ? 'verified' : 'incomplete';
  const splitNote = split ? ` ${split.join(', ')} judged each shard on its own (it accumulates over the transitions it sees): what it found is real, but a finding that needs transitions of two shards is missed${violations.length || sampled ? '' : ', so the verdict is incomplete; explore on one machine (or explore --workers) for its verdict'}.` : '';
  const stoppedNote = ordered
    .filter((r) => r.stopped !== undefined)
    .map((r) => ` ${r.index < 0 ? 'The planner' : `Shard ${r.index + 1}`} stopped: ${r.stopped as string}.`)
    .join('');
  const statesSummed = ordered.reduce((s, r) => s + r.states, 0);
  const measured = !sampled && ordered.every((r) => r.fingerprints !== undefined);
  const distinctStates = measured ? distinctCount(ordered.map((r) => r.fingerprints as string)) : undefined;
  const note = sampled
    ? `${plan.shards.length} shards of sampled ${plan.strategy} runs (seeds ${plan.shards[0]?.seed ?? '?'}..${plan.shards.at(-1)?.seed ?? '?'}); sampling proves nothing, so the verdict is at best 'incomplete'. States per shard are the states its runs visited; runs of different shards may visit the same states (not measured).${splitNote}${stoppedNote}`
    : plan.partitionDepth === undefined
      ? `bfs: the planner stopped before it partitioned the search, so no shard ran; nothing is verified.${stoppedNote}`
      : `bfs partitioned at depth ${plan.partitionDepth}: the planner explored depths 0..${plan.partitionDepth}; ${plan.shards.length} shards explored from its ${plan.shards.reduce((s, x) => s + (x.startAt?.length ?? 0), 0)} states at depth ${plan.partitionDepth}. Overlap: the states at depth ${plan.partitionDepth} are counted by the planner and by their shard, and a state reachable from several shards' start states is counted by each: ${distinctStates === undefined ? `the ${statesSummed} states summed are at least the distinct states` : `${statesSummed} states summed, ${distinctStates} distinct (by 64-bit fingerprint), ${statesSummed - distinctStates} counted more than once`}.${missing.length ? ` Shards without a result: ${missing.map((i) => i + 1).join(', ')}.` : ''}${allComplete ? '' : ' Not every shard completed, so nothing is verified.'}${splitNote}${stoppedNote}`;
  return {
    system: systemName,
    strategy: plan.strategy,
    verdict,
    shards: plan.shards.length,
    violations,
    perShard: ordered.map((r) => ({
      shard: r.index,
      states: r.states,
      transitions: r.transitions,
      // The planner's search is cut at the partition depth on purpose: say what it covered.
      verdict: r.index < 0 && plan.shards.length ? `${r.violations.length ? 'violation' : 'clean'} (depths 0..${plan.partitionDepth})` : r.verdict,
      complete: r.complete,
      ...(r.seed === undefined ? {} : { seed: r.seed }),
    })),
    statesSummed,
    ...(distinctStates === undefined ? {} : { distinctStates, overlap: statesSummed - distinctStates }),
    ...(plan.partitionDepth === undefined ? {} : { partitionDepth: plan.partitionDepth }),
    note,
  };
}
