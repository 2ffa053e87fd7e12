/**
 * A swarm's planner and shards under supervision (cli/supervised/host.ts): each runs in a worker
 * thread watched by the calling thread, so a step that never returns (an infinite loop in a
 * guard or an assign) ends that thread after the step time limit and gives the partial result,
 * naming the step, instead of hanging the swarm or the worker process (hostile tester F12). The
 * shard's result is then `incomplete` with `stopped` saying why, and it is returned as the job's
 * result like any other: BullMQ does not retry it (a deliberate failure, not a stall), and the
 * worker process, whose event loop stayed free (it renews the job's lock meanwhile), takes the
 * next shard.
 *
 * Limits ({@link ShardLimits}) are per shard (and for the planner): the swarm's travel in the
 * job; a worker's own are the most it allows, whatever a job asks.
 */
import type { SystemSource } from '../../runtime/parallel/source.js';
import { planSupervised, shardSupervised, type SupervisedOptions } from '../supervised/host.js';
import { shardOptions, shardResultOf, type ShardResult, type ShardSpec, type SwarmOptions, type SwarmPlan } from './plan.js';

/** Per shard (and for the planner): milliseconds and bytes. */
export interface ShardLimits {
  /** The shard stops (incomplete) this long after it started. */
  timeLimitMs?: number;
  /** A step still running after this long is a hang (default: the supervised search's 10 s). */
  stepTimeLimitMs?: number;
  /** The shard stops (incomplete) when its thread's heap holds this much. */
  maxMemoryBytes?: number;
}

/** The stricter of two sets of limits, each limit by itself. */
export function stricter(a: ShardLimits, b: ShardLimits): ShardLimits {
  const out: ShardLimits = {};
  for (const k of ['timeLimitMs', 'stepTimeLimitMs', 'maxMemoryBytes'] as const) {
    const x = a[k];
    const y = b[k];
    const v = x === undefined ? y : y === undefined ? x : Math.min(x, y);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function supervision(limits: ShardLimits, signal: AbortSignal | undefined, onSlowStep: ((step: string, limitMs: number) => void) | undefined): SupervisedOptions {
  return {
    ...limits,
    ...(signal ? { signal } : {}),
    ...(onSlowStep ? { onSlowStep } : {}),
  };
}

/** Runs one shard in a supervised worker thread. */
export async function runShardSupervised(source: SystemSource, shard: ShardSpec, limits: ShardLimits, signal?: AbortSignal, onSlowStep?: (step: string, limitMs: number) => void): Promise<ShardResult> {
  const { result, fingerprints } = await shardSupervised(source, shard.strategy, { ...shardOptions(shard), ...supervision(limits, signal, onSlowStep) });
  return shardResultOf(shard.index, result, fingerprints);
}

/**
 * Plans the swarm in a supervised worker thread (for bfs the planner searches the model). A
 * planner stopped before it finished (a step that did not return, the time limit, Ctrl-C) gives
 * a plan with no shards and its partial result as the planner's: the swarm reports it
 * `incomplete`, naming why.
 */
export async function planSwarmSupervised(source: SystemSource, options: SwarmOptions, limits: ShardLimits, signal?: AbortSignal, onSlowStep?: (step: string, limitMs: number) => void): Promise<SwarmPlan> {
  const got = await planSupervised(source, options, supervision(limits, signal, onSlowStep));
  if (got.plan) return got.plan;
  const stopped = got.stopped as NonNullable<typeof got.stopped>;
  return { strategy: options.strategy, shards: [], planner: shardResultOf(-1, stopped) };
}
