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
import { choice, durationMs, positiveInt, seedValue, type CommandDef, type ParsedArgs } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { blamed, resolveTarget } from '../load.js';
import { mergeSwarm, planSwarm, runShard, SWARM_STRATEGIES, type ShardEnv, type ShardResult, type SwarmReport, type SwarmStrategy } from '../swarm/plan.js';
import { DEFAULT_QUEUE, checkReachable, enqueueSwarm, redisUrl, runWorker, type ShardJob } from '../swarm/queue.js';
import type { SystemSpec } from '../../runtime/system.js';

const REDIS = { name: 'redis', value: '<url>', help: "the Redis server's URL, e.g. redis://127.0.0.1:6379 (required)" };
const QUEUE = { name: 'queue', value: '<name>', help: `the BullMQ queue shards go through (default ${DEFAULT_QUEUE}); swarm and workers must agree` };
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
  ],
  epilogue: 'exit codes: 0 stopped, 2 usage error (also a bad or unreachable --redis)',
};

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
  const env: ShardEnv = entry?.explore?.checkers ? { checkers: entry.explore.checkers } : {};
  if (url) await checkReachable(url);
  const plan = await blamed(target, () =>
    planSwarm(target.system, {
      strategy,
      shards,
      ...(seed === undefined ? {} : { seed }),
      ...(runs === undefined ? {} : { runs }),
      ...(depth === undefined ? {} : { depth }),
      ...(maxStates === undefined ? {} : { maxStates }),
      ...(maxDepth === undefined ? {} : { maxDepth }),
    }, env),
  );
  if (!o.json) io.err(`swarm: ${plan.shards.length} shard${plan.shards.length === 1 ? '' : 's'} of ${target.key} (${strategy})${url ? ` on ${url.href} queue ${typeof o.queue === 'string' ? o.queue : DEFAULT_QUEUE}` : ' in this process'}\n`);
  let results: ShardResult[];
  if (url) {
    const job: Omit<ShardJob, 'swarm' | 'shard'> = { target: target.kind === 'file' ? resolve(target.file) : target.key, ...(catalogue ? { catalogue } : {}) };
    results = await enqueueSwarm(url, typeof o.queue === 'string' ? o.queue : DEFAULT_QUEUE, job, plan.shards, (r) => {
      if (!o.json) io.err(`  shard ${r.index + 1}/${plan.shards.length} done: ${r.verdict}, ${r.states} states\n`);
    });
  } else {
    results = await blamed(target, () => plan.shards.map((s) => runShard(target.system, s, env)));
  }
  const merged = mergeSwarm(target.system.name, plan, results);
  report(io, merged, o.json === true);
  return merged.verdict === 'verified' ? EXIT.ok : merged.verdict === 'violation' ? EXIT.violation : EXIT.incomplete;
}

export async function workerCommand(args: ParsedArgs, io: Io): Promise<number> {
  const o = args.options;
  const url = redisUrl(o.redis);
  const lockMs = durationMs('lock', o.lock) ?? 30_000;
  if (lockMs < 1000) throw new UsageError(`option --lock must be at least 1s (a shard renews its lock between slices of work), got '${String(o.lock)}'`);
  const maxJobs = positiveInt('max-jobs', o['max-jobs'], 'shards');
  await checkReachable(url);
  const systems = new Map<string, { system: SystemSpec; env: ShardEnv }>();
  const queue = typeof o.queue === 'string' ? o.queue : DEFAULT_QUEUE;
  io.err(`worker: taking shards from ${url.href} queue ${queue}; Ctrl-C stops\n`);
  const done = await runWorker(url, {
    queue,
    lockMs,
    stalledMs: Math.max(500, Math.floor(lockMs / 2)),
    ...(maxJobs === undefined ? {} : { maxJobs }),
    build: async (job) => {
      const key = `${job.catalogue ?? ''}\u0000${job.target}`;
      let built = systems.get(key);
      if (!built) {
        const target = await resolveTarget(job.target, job.catalogue);
        const checkers = target.kind === 'entry' ? target.entry.explore?.checkers : undefined;
        built = { system: target.system, env: checkers ? { checkers } : {} };
        systems.set(key, built);
      }
      return built;
    },
    log: (line) => io.err(`${line}\n`),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  io.err(`worker: ran ${done} shard${done === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
