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
 * takes one result per shard index: nothing is lost or counted twice. A shard runs in a worker
 * thread (cli/swarm/supervised.ts), so the worker's event loop keeps renewing its lock during a
 * long shard, and a shard whose step never returns comes back incomplete instead of spinning.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError, UsageError } from '../errors.js';
import type { ShardResult, ShardSpec } from './plan.js';
import type { ShardLimits } from './supervised.js';

/** The queue every swarm and worker uses unless told otherwise. */
export const DEFAULT_QUEUE = 'interleave-shards';

/** A shard as a job: the shard, and where a worker builds the system from. */
export interface ShardJob {
  swarm: string;
  target: string;
  catalogue?: string;
  shard: ShardSpec;
  /** The swarm's limits per shard (a worker's own may be stricter). */
  limits?: ShardLimits;
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
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UsageError(`option --redis: '${text}' has the path '${url.pathname}'; the path of a Redis URL is a database number (redis://host:port/2), or nothing`);
  return url;
}

/** The database number a Redis URL names (its path), or undefined. */
function databaseOf(url: URL): number | undefined {
  const db = url.pathname.replace(/^\//, '');
  return db === '' ? undefined : Number(db);
}

/**
 * Connects once to check that Redis answers PING within `timeoutMs`, and that it has the
 * database the URL names; an InputError (exit 2, one line) naming the URL if not: refused, a
 * name that does not resolve, a host that does not answer (ioredis's connect timeout), a server
 * that does not speak Redis, or Redis's answer to SELECT (a database number out of range).
 * Without this check ioredis only reports a failed SELECT as an 'error' event and goes on in
 * database 0, where the swarm's jobs would then go.
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
    probe.disconnect();
    throw unreachable(url, timeoutMs, cause, err);
  }
  const db = databaseOf(url);
  try {
    if (db !== undefined) await probe.select(db);
  } catch (err) {
    throw new InputError(`option --redis: Redis at ${url.host} refused SELECT ${db} (the database number in ${url.href}): ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    probe.disconnect();
  }
}

function unreachable(url: URL, timeoutMs: number, cause: Error | undefined, err: unknown): InputError {
  const why = (cause ?? (err instanceof Error ? err : new Error(String(err)))).message;
  const said = /Unknown RESP type/.test(why) ? 'the server there does not speak the Redis protocol' : why === 'connect ETIMEDOUT' || why === 'Command timed out' ? `no answer within ${timeoutMs} ms` : why;
  return new InputError(`option --redis: cannot reach Redis at ${url.href}: ${said}`);
}

function connection(url: URL): Redis {
  const r = new Redis(url.href, { maxRetriesPerRequest: null });
  r.on('error', () => undefined);
  return r;
}

/** How the swarm waits for its shards. */
export interface SwarmWait {
  /** Called with each shard's result as it comes. */
  onResult: (r: ShardResult) => void;
  /** Aborting (Ctrl-C) stops the wait: the swarm's jobs still queued are removed. */
  signal?: AbortSignal;
  /** Called once if no worker has taken any of the swarm's shards after {@link SwarmWait.quietMs}. */
  onQuiet?: () => void;
  /** Default 5,000 ms. */
  quietMs?: number;
}

/** What {@link enqueueSwarm} got: the results, in the order they came; after an interrupt, what became of the rest. */
export interface SwarmResults {
  results: ShardResult[];
  interrupted: boolean;
  /** After an interrupt: shards removed from the queue before any worker took them. */
  removed: number;
  /** After an interrupt: shards a worker was running (BullMQ does not remove a locked job); their results go nowhere. */
  running: number;
}

/**
 * Enqueues the shards and waits until each has a result (or `signal` aborts: then the jobs not
 * yet taken are removed by job id, so a worker started later runs no shard of a swarm that is
 * gone; other swarms' jobs on the same queue are left alone). Rejects if a shard's job failed
 * (its error, naming the shard).
 */
export async function enqueueSwarm(url: URL, queueName: string, job: Omit<ShardJob, 'swarm' | 'shard'>, shards: readonly ShardSpec[], wait: SwarmWait): Promise<SwarmResults> {
  const swarm = randomUUID();
  // BullMQ does not close connections it was given: both are disconnected below, or the
  // process would not exit after the report.
  const conn = connection(url);
  const eventsConn = connection(url);
  const queue = new Queue<ShardJob, ShardResult>(queueName, { connection: conn });
  const events = new QueueEvents(queueName, { connection: eventsConn });
  const results: ShardResult[] = [];
  const finished = new Set<string>();
  let interrupted = false;
  try {
    await events.waitUntilReady();
    const jobs = await queue.addBulk(shards.map((shard) => ({ name: `shard-${shard.index}`, data: { ...job, swarm, shard }, opts: { jobId: `${swarm}-${shard.index}`, attempts: 3, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } } })));
    const ids = new Set(jobs.map((j) => j.id as string));
    await new Promise<void>((resolve, reject) => {
      let taken = false;
      const onActive = ({ jobId }: { jobId: string }): void => {
        if (ids.has(jobId)) taken = true;
      };
      const quiet = setTimeout(() => {
        if (!taken && finished.size === 0) wait.onQuiet?.();
      }, wait.quietMs ?? 5_000);
      const settle = (err?: Error): void => {
        clearTimeout(quiet);
        events.off('active', onActive);
        wait.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => {
        interrupted = true;
        settle();
      };
      events.on('active', onActive);
      for (const j of jobs) {
        j.waitUntilFinished(events).then(
          (r: ShardResult) => {
            if (interrupted || finished.has(j.id as string)) return;
            finished.add(j.id as string);
            results.push(r);
            wait.onResult(r);
            if (finished.size === jobs.length) settle();
          },
          (err: unknown) => {
            if (!interrupted) settle(new InputError(`shard ${j.data.shard.index + 1} of ${shards.length} failed in a worker: ${err instanceof Error ? err.message : String(err)}`));
          },
        );
      }
      if (wait.signal?.aborted) onAbort();
      else wait.signal?.addEventListener('abort', onAbort, { once: true });
    });
    let removed = 0;
    let running = 0;
    if (interrupted) {
      for (const id of ids) {
        if (finished.has(id)) continue;
        if ((await queue.remove(id)) === 1) removed++;
        else running++;
      }
    }
    return { results, interrupted, removed, running };
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
  /** Runs a job's shard (under supervision: a shard that hangs comes back incomplete, naming the step). */
  run: (job: ShardJob) => Promise<ShardResult>;
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
      const again = job.stalledCounter > 0 ? `, run again after a worker stopped renewing its lock (${job.stalledCounter})` : '';
      s.log(`shard ${job.data.shard.index + 1}/${job.data.shard.of} of ${job.data.target} (${job.data.shard.strategy})${again}`);
      const result = await s.run(job.data);
      // The last shard: closing now (not awaited: close waits for this job) makes BullMQ complete
      // it without fetching the next job.
      if (s.maxJobs !== undefined && ++taken >= s.maxJobs) stop(worker.close());
      return result;
    },
    { connection: conn, lockDuration: s.lockMs, stalledInterval: s.stalledMs, maxStalledCount: 3, concurrency: 1, autorun: true },
  );
  worker.on('completed', (job) => {
    s.log(`shard ${job.data.shard.index + 1}/${job.data.shard.of}: ${job.returnvalue.verdict}, ${job.returnvalue.states} states${job.returnvalue.stopped ? `; stopped: ${job.returnvalue.stopped}` : ''}`);
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
