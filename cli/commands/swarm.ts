/**
 * `interleave swarm <key|file> --shards N --redis <url>` and `interleave worker --redis <url>`:
 * swarm verification over Redis with BullMQ (cli/swarm/plan.ts splits and merges,
 * cli/swarm/queue.ts moves the shards). The swarm command plans the shards (for bfs it runs the
 * planner's search up to the partition depth itself), enqueues them, waits for every result
 * from whichever workers run them, and prints the merged report; workers run shards until
 * stopped. Exit codes as `explore`: 0 verified, 1 violation, 2 usage error (a bad or unreachable
 * --redis included), 3 incomplete.
 */
import { resolve } from 'node:path';
import { byteSize, choice, durationMs, positiveInt, seedValue, type CommandDef, type ParsedArgs } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { blamed, resolveTarget } from '../load.js';
import { mergeSwarm, planSwarm, runShard, SWARM_STRATEGIES, type ShardEnv, type ShardResult, type SwarmReport, type SwarmStrategy } from '../swarm/plan.js';
import { DEFAULT_QUEUE, checkReachable, enqueueSwarm, redisUrl, runWorker, type ShardJob } from '../swarm/queue.js';
import type { SystemSpec } from '../../runtime/system.js';
import type { SystemSource } from '../../runtime/parallel/source.js';
import { memoryBound } from '../memory.js';
import { escapeControl } from '../reports/escape.js';
import { systemSource } from './explore.js';
import { planSwarmSupervised, runShardSupervised, stricter, type ShardLimits } from '../swarm/supervised.js';

const REDIS = { name: 'redis', value: '<url>', help: "the Redis server's URL, e.g. redis://127.0.0.1:6379 (required)" };
const QUEUE = { name: 'queue', value: '<name>', help: `the BullMQ queue shards go through (default ${DEFAULT_QUEUE}); swarm and workers must agree` };
const LIMITS = [
  { name: 'time-limit', value: '<duration>', help: 'per shard (and for the planner): stop it, incomplete, after this long: seconds (30), or with a unit (500ms, 30s, 2m)' },
  { name: 'step-time-limit', value: '<duration>', help: "per shard: a single step still running after this long is a hang: the shard ends incomplete, naming the step, and is not retried (default 10s)" },
  { name: 'max-memory', value: '<size>', help: "per shard: stop it, incomplete, when its thread's heap holds this much: megabytes (512), or with a unit (512MB, 2GB)" },
];
const CATALOGUE = { name: 'catalogue', value: '<file>', help: 'take scenario keys from this module (exporting `catalogue`) instead of the built-in one' };

export const swarmDef: CommandDef = {
  name: 'swarm',
  summary: 'Split an exploration into shards, run them on workers through Redis (BullMQ), and merge the results.',
  positionals: [{ name: '<scenario-key|model file>', required: true, help: "a catalogue key or a model file (workers must reach the same file path)" }],
  options: [
    { ...REDIS, help: "the Redis server's URL, e.g. redis://127.0.0.1:6379 (required unless --local)" },
    { name: 'shards', value: '<n>', help: 'how many shards (required)' },
    { name: 'strategy', value: '<name>', help: `${SWARM_STRATEGIES.join(', ')} (default: the entry's, else bfs: a schedule-prefix partition of the full search)` },
    { name: 'seed', value: '<n>', help: "pct, random: shard i uses seed + i (default: the entry's, else the strategies' default seed)" },
    { name: 'runs', value: '<n>', help: "pct, random: runs over all shards (default: the entry's, else 1000)" },
    { name: 'depth', value: '<n>', help: "pct: the bug depth d (default: the entry's, else 3)" },
    { name: 'max-states', value: '<n>', help: 'per shard: stop at this many states' },
    { name: 'max-depth', value: '<n>', help: 'cut schedules longer than this' },
    { name: 'local', help: 'run the shards in this process, one after another, instead of through Redis (the same report)' },
    ...LIMITS.map((l) => ({ ...l, help: `${l.help}; workers may allow less` })),
    QUEUE,
    CATALOGUE,
    { name: 'json', help: 'print the merged report as JSON' },
  ],
  epilogue: [
    'Start workers first (on any machine that reaches Redis): interleave worker --redis redis://host:6379',
    'exit codes: 0 verified, 1 violation found, 2 usage or model error (also a bad or unreachable --redis), 3 incomplete',
    'examples:',
    '  interleave swarm C1/fixed/2g --shards 4 --redis redis://127.0.0.1:6379',
    '  interleave swarm C9/buggy/3v-pct --strategy pct --shards 8 --runs 4000 --redis redis://127.0.0.1:6379',
  ].join('\n'),
};

export const workerDef: CommandDef = {
  name: 'worker',
  summary: 'Run swarm shards from Redis (BullMQ) until stopped (Ctrl-C).',
  positionals: [],
  options: [
    REDIS,
    QUEUE,
    { name: 'lock', value: '<duration>', help: "a shard's lock in Redis, in seconds or with a unit (500ms, 30s, 2m): if this worker dies, another worker retries its shard within about 1.5 times this (default 30s, at least 1s)" },
    { name: 'max-jobs', value: '<n>', help: 'leave after this many shards (the last one completes; no further one is taken)' },
    ...LIMITS.map((l) => ({ ...l, help: `${l.help}; the most this worker allows, whatever the swarm asks` })),
  ],
  epilogue: 'exit codes: 0 stopped, 2 usage error (also a bad or unreachable --redis)',
};

/** --time-limit, --step-time-limit, --max-memory (per shard). */
function limitsOf(o: ParsedArgs['options']): ShardLimits {
  const timeLimitMs = durationMs('time-limit', o['time-limit']);
  const stepTimeLimitMs = durationMs('step-time-limit', o['step-time-limit']);
  const maxMemoryBytes = byteSize('max-memory', o['max-memory']);
  if (maxMemoryBytes !== undefined) memoryBound(maxMemoryBytes);
  return { ...(timeLimitMs === undefined ? {} : { timeLimitMs }), ...(stepTimeLimitMs === undefined ? {} : { stepTimeLimitMs }), ...(maxMemoryBytes === undefined ? {} : { maxMemoryBytes }) };
}

function slowStep(io: Io): (step: string, limitMs: number) => void {
  return (step, limitMs) => io.err(`still in ${escapeControl(step)} after a second; a step is stopped as a hang after ${Math.round(limitMs / 1000)} s (--step-time-limit)\n`);
}

function report(io: Io, r: SwarmReport, json: boolean): void {
  if (json) {
    io.out(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  io.out(`swarm: ${r.system}, ${r.strategy}, ${r.shards} shards: ${r.verdict}\n`);
  for (const s of r.perShard) io.out(`  ${s.shard < 0 ? 'planner' : `shard ${s.shard + 1}`}: ${s.verdict}, ${s.states} states, ${s.transitions} transitions${s.seed === undefined ? '' : `, seed ${s.seed}`}\n`);
  io.out(`  states summed over ${r.strategy === 'bfs' ? 'planner and shards' : 'shards'}: ${r.statesSummed}${r.distinctStates === undefined ? '' : `, distinct ${r.distinctStates}, counted more than once ${r.overlap ?? 0}`}\n`);
  io.out(`${r.violations.length} violation${r.violations.length === 1 ? '' : 's'} (deduplicated by kind and message):\n`);
  for (const v of r.violations) io.out(`  [${v.kind}] ${v.message}\n    found by ${v.shard < 0 ? 'the planner' : `shard ${v.shard + 1}`} in ${v.steps} steps; replay: ${v.token}\n`);
  io.out(`note: ${r.note}\n`);
}

export async function swarmCommand(args: ParsedArgs, io: Io): Promise<number> {
  const o = args.options;
  const local = o.local === true;
  const url = local ? undefined : redisUrl(o.redis);
  const shards = positiveInt('shards', o.shards, 'shards');
  if (shards === undefined) throw new UsageError('option --shards is required: how many shards to split the work into');
  const chosen = choice('strategy', o.strategy, SWARM_STRATEGIES) as SwarmStrategy | undefined;
  const catalogue = typeof o.catalogue === 'string' ? resolve(o.catalogue) : undefined;
  const arg = args.positionals[0] as string;
  const target = await resolveTarget(arg, catalogue);
  // A catalogue entry's own strategy (pct for a larger configuration), seed, runs and depth are
  // the defaults, as for `explore`; its checkers run in every shard.
  const entry = target.kind === 'entry' ? target.entry : undefined;
  const fromEntry = [entry?.strategy, entry?.explore?.strategy].find((x): x is SwarmStrategy => SWARM_STRATEGIES.includes(x as SwarmStrategy));
  const strategy: SwarmStrategy = chosen ?? fromEntry ?? 'bfs';
  const sampled = strategy !== 'bfs';
  const seed = seedValue(o.seed) ?? (sampled ? entry?.explore?.seed : undefined);
  const runs = positiveInt('runs', o.runs, 'runs') ?? (sampled ? entry?.explore?.runs : undefined);
  const depth = positiveInt('depth', o.depth, 'steps') ?? (strategy === 'pct' ? entry?.explore?.depth : undefined);
  const maxStates = positiveInt('max-states', o['max-states'], 'states');
  const maxDepth = positiveInt('max-depth', o['max-depth'], 'steps');
  const limits = limitsOf(o);
  const env: ShardEnv = entry?.explore?.checkers ? { checkers: entry.explore.checkers } : {};
  if (url) await checkReachable(url);
  const swarmOptions = {
    strategy,
    shards,
    ...(seed === undefined ? {} : { seed }),
    ...(runs === undefined ? {} : { runs }),
    ...(depth === undefined ? {} : { depth }),
    ...(maxStates === undefined ? {} : { maxStates }),
    ...(maxDepth === undefined ? {} : { maxDepth }),
  };
  // The planner (for bfs it searches the model) and --local's shards run supervised: a step that
  // never returns ends them incomplete, naming the step, instead of hanging the swarm.
  const source = systemSource(target, catalogue);
  const supervised = io.supervise === true;
  const plan = await blamed(target, () => (supervised && strategy === 'bfs' ? planSwarmSupervised(source, swarmOptions, limits, io.signal, slowStep(io)) : planSwarm(target.system, swarmOptions, env)));
  if (!o.json) io.err(`swarm: ${plan.shards.length} shard${plan.shards.length === 1 ? '' : 's'} of ${target.key} (${strategy})${url ? ` on ${url.href} queue ${typeof o.queue === 'string' ? o.queue : DEFAULT_QUEUE}` : ' in this process'}\n`);
  let results: ShardResult[];
  let interruption: string | undefined;
  if (url) {
    const queueName = typeof o.queue === 'string' ? o.queue : DEFAULT_QUEUE;
    const job: Omit<ShardJob, 'swarm' | 'shard'> = { target: target.kind === 'file' ? resolve(target.file) : target.key, ...(catalogue ? { catalogue } : {}), limits };
    const got = await enqueueSwarm(url, queueName, job, plan.shards, {
      onResult: (r) => {
        if (!o.json) io.err(`  shard ${r.index + 1}/${plan.shards.length} done: ${r.verdict}, ${r.states} states\n`);
      },
      onQuiet: () => io.err(`waiting for workers on queue ${queueName} at ${url.href}: no worker has taken a shard yet; start one with: interleave worker --redis ${url.href}${queueName === DEFAULT_QUEUE ? '' : ` --queue ${queueName}`} (Ctrl-C stops this swarm)\n`),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    results = got.results;
    if (got.interrupted) {
      interruption = `interrupted with ${results.length} of ${plan.shards.length} shard results; removed ${got.removed} shard${got.removed === 1 ? '' : 's'} no worker had taken from queue ${queueName}${got.running ? `; ${got.running} running on workers finish there, their results unread` : ''}`;
      io.err(`${interruption}\n`);
    }
  } else if (supervised) {
    results = [];
    for (const shard of plan.shards) {
      if (io.signal?.aborted) break;
      results.push(await blamed(target, () => runShardSupervised(source, shard, limits, io.signal, slowStep(io))));
    }
  } else {
    results = await blamed(target, () => plan.shards.map((s) => runShard(target.system, s, env)));
  }
  const merged = mergeSwarm(target.system.name, plan, results);
  report(io, interruption ? { ...merged, note: `${interruption}. ${merged.note}` } : merged, o.json === true);
  return merged.verdict === 'verified' ? EXIT.ok : merged.verdict === 'violation' ? EXIT.violation : EXIT.incomplete;
}

export async function workerCommand(args: ParsedArgs, io: Io): Promise<number> {
  const o = args.options;
  const url = redisUrl(o.redis);
  const lockMs = durationMs('lock', o.lock) ?? 30_000;
  if (lockMs < 1000) throw new UsageError(`option --lock must be at least 1s (a shard renews its lock between slices of work), got '${String(o.lock)}'`);
  const maxJobs = positiveInt('max-jobs', o['max-jobs'], 'shards');
  const own = limitsOf(o);
  await checkReachable(url);
  const queue = typeof o.queue === 'string' ? o.queue : DEFAULT_QUEUE;
  io.err(`worker: taking shards from ${url.href} queue ${queue}; Ctrl-C stops\n`);
  const systems = new Map<string, { system: SystemSpec; env: ShardEnv; source: SystemSource }>();
  const done = await runWorker(url, {
    queue,
    lockMs,
    stalledMs: Math.max(500, Math.floor(lockMs / 2)),
    ...(maxJobs === undefined ? {} : { maxJobs }),
    run: async (job) => {
      const key = `${job.catalogue ?? ''}\u0000${job.target}`;
      let built = systems.get(key);
      if (!built) {
        const target = await resolveTarget(job.target, job.catalogue);
        const checkers = target.kind === 'entry' ? target.entry.explore?.checkers : undefined;
        built = { system: target.system, env: checkers ? { checkers } : {}, source: systemSource(target, job.catalogue) };
        systems.set(key, built);
      }
      // Under supervision (the CLI's process): a shard that hangs comes back incomplete, naming the step.
      if (!io.supervise) return runShard(built.system, job.shard, built.env);
      const result = await runShardSupervised(built.source, job.shard, stricter(job.limits ?? {}, own), io.signal, slowStep(io));
      // Stopped by Ctrl-C: not the shard's result; the job is left to run again on another worker.
      if (io.signal?.aborted) throw new Error('this worker was stopped (Ctrl-C) in the middle of the shard');
      return result;
    },
    log: (line) => io.err(`${line}\n`),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  io.err(`worker: ran ${done} shard${done === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
