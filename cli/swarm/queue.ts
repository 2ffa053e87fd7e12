/**
 * Swarm shards as jobs on Redis, with BullMQ (issue 16 item 2): `enqueueSwarm` puts one job per
 * shard on the queue and waits for their results; `runWorker` takes jobs from the queue, runs
 * each shard and returns its result as the job's return value. Any process that reaches the
 * Redis server can be a worker, on any machine (the target must be a catalogue key or a model
 * file at the same path there).
 *
 * A worker killed in the middle of a shard: its job's lock (`lockMs`) is not renewed, BullMQ's
 * stalled-job check (every `stalledMs`) puts the job back in the queue, and another worker runs
 * the shard again from the start. A shard's result is the return value of the one run that
 * completed its job (BullMQ refuses to complete a job whose lock the worker lost), and the merge
 * takes one result per shard index: nothing is lost or counted twice. A shard runs in slices with
 * a macrotask between them, so the worker keeps renewing its lock during a long shard.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Search } from '../../runtime/Search.js';
import { InputError, UsageError } from '../errors.js';
import type { ShardEnv, ShardResult, ShardSpec } from './plan.js';
import { shardResultOf, startShard } from './plan.js';
import type { SystemSpec } from '../../runtime/system.js';

/** The queue every swarm and worker uses unless told otherwise. */
export const DEFAULT_QUEUE = 'interleave-shards';

/** A shard as a job: the shard, and where a worker builds the system from. */
export interface ShardJob {
  swarm: string;
  target: string;
  catalogue?: string;
  shard: ShardSpec;
}

/** Parses and checks a --redis URL; a clear UsageError (exit 2) for anything else. */
export function redisUrl(text: string | true | undefined): URL {
  if (typeof text !== 'string' || text === '') throw new UsageError("option --redis is required: the Redis server's URL, e.g. redis://127.0.0.1:6379");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`option --redis: '${text}' is not a URL; use redis://host:port (or rediss:// for TLS)`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`option --redis: '${text}' is not a redis:// or rediss:// URL`);
  if (!url.hostname) throw new UsageError(`option --redis: '${text}' names no host`);
  return url;
}

/**
 * Connects once to check that Redis answers PING within `timeoutMs`; an InputError (exit 2, one
 * line) naming the URL if it does not: refused, a name that does not resolve, a host that does
 * not answer (ioredis's connect timeout), or a server that does not speak Redis.
 */
export async function checkReachable(url: URL, timeoutMs = 5000): Promise<void> {
  const probe = new Redis(url.href, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, commandTimeout: timeoutMs, enableOfflineQueue: false });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than ioredis's 'Connection is closed'.
  let cause: Error | undefined;
  probe.on('error', (err: Error) => {
    cause ??= err;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const why = (cause ?? (err instanceof Error ? err : new Error(String(err)))).message;
    const said = /Unknown RESP type/.test(why) ? 'the server there does not speak the Redis protocol' : why === 'connect ETIMEDOUT' || why === 'Command timed out' ? `no answer within ${timeoutMs} ms` : why;
    throw new InputError(`option --redis: cannot reach Redis at ${url.href}: ${said}`);
  } finally {
    probe.disconnect();
  }
}

function connection(url: URL): Redis {
  const r = new Redis(url.href, { maxRetriesPerRequest: null });
  r.on('error', () => undefined);
  return r;
}

/**
 * Enqueues the shards and waits until each has a result; calls `onResult` as they come.
 * Rejects if a shard's job failed (its error, naming the shard).
 */
export async function enqueueSwarm(url: URL, queueName: string, job: Omit<ShardJob, 'swarm' | 'shard'>, shards: readonly ShardSpec[], onResult: (r: ShardResult) => void): Promise<ShardResult[]> {
  const swarm = randomUUID();
  // BullMQ does not close connections it was given: both are disconnected below, or the
  // process would not exit after the report.
  const conn = connection(url);
  const eventsConn = connection(url);
  const queue = new Queue<ShardJob, ShardResult>(queueName, { connection: conn });
  const events = new QueueEvents(queueName, { connection: eventsConn });
  try {
    await events.waitUntilReady();
    const jobs = await queue.addBulk(shards.map((shard) => ({ name: `shard-${shard.index}`, data: { ...job, swarm, shard }, opts: { jobId: `${swarm}-${shard.index}`, attempts: 3, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } } })));
    return await Promise.all(
      jobs.map(async (j: Job<ShardJob, ShardResult>) => {
        try {
          const r = (await j.waitUntilFinished(events)) as ShardResult;
          onResult(r);
          return r;
        } catch (err) {
          throw new InputError(`shard ${j.data.shard.index + 1} of ${shards.length} failed in a worker: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
  } finally {
    await events.close();
    await queue.close();
    conn.disconnect();
    eventsConn.disconnect();
  }
}

export interface WorkerSettings {
  queue: string;
  /** How long a job's lock lasts without renewal; a killed worker's shard is retried after it. */
  lockMs: number;
  stalledMs: number;
  /** Stop after this many shards (for specs and batch use); default: run until stopped. */
  maxJobs?: number;
  /** Builds (and caches) the system a job names, with what the target adds (a catalogue entry's checkers). */
  build: (job: ShardJob) => Promise<{ system: SystemSpec; env: ShardEnv }>;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs shards from the queue until `signal` aborts (a shard in progress is abandoned: its lock
 * lapses and another worker runs it again) or `maxJobs` shards are done (the last one completes
 * before the worker leaves, and no further job is taken). Resolves with the shards completed.
 */
export async function runWorker(url: URL, s: WorkerSettings): Promise<number> {
  let done = 0;
  let taken = 0;
  // Resolves once the worker is closed (it adopts the promise of worker.close()).
  let stop: (closing: Promise<void>) => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const conn = connection(url);
  const worker: Worker<ShardJob, ShardResult> = new Worker<ShardJob, ShardResult>(
    s.queue,
    async (job) => {
      const { system, env } = await s.build(job.data);
      const again = job.stalledCounter > 0 ? `, run again after a worker stopped renewing its lock (${job.stalledCounter})` : '';
      s.log(`shard ${job.data.shard.index + 1}/${job.data.shard.of} of ${job.data.target} (${job.data.shard.strategy})${again}`);
      const result = await runSliced(system, job.data.shard, env);
      // The last shard: closing now (not awaited: close waits for this job) makes BullMQ complete
      // it without fetching the next job.
      if (s.maxJobs !== undefined && ++taken >= s.maxJobs) stop(worker.close());
      return result;
    },
    { connection: conn, lockDuration: s.lockMs, stalledInterval: s.stalledMs, maxStalledCount: 3, concurrency: 1, autorun: true },
  );
  worker.on('completed', (job) => {
    s.log(`shard ${job.data.shard.index + 1}/${job.data.shard.of}: ${job.returnvalue.verdict}, ${job.returnvalue.states} states`);
    done++;
  });
  worker.on('failed', (job, err) => s.log(`shard ${job ? job.data.shard.index + 1 : '?'} failed: ${err.message}`));
  worker.on('error', (err) => s.log(`worker error: ${err.message}`));
  // Force: a shard in progress is abandoned (its job is retried elsewhere once its lock lapses).
  s.signal?.addEventListener('abort', () => stop(worker.close(true)), { once: true });
  await stopped;
  conn.disconnect();
  return done;
}

/** Runs a shard in slices, yielding to the event loop between them (lock renewal, signals). */
async function runSliced(system: SystemSpec, shard: ShardSpec, env: ShardEnv): Promise<ShardResult> {
  const run = startShard(system, shard, env);
  while (!run.done) {
    run.advance(1_000);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return shardResultOf(shard.index, run.result(), run instanceof Search ? run : undefined);
}
