/**
 * Swarm verification over a real Redis (issue 16 item 2): a redis-server on 127.0.0.1 (started
 * here on a free port, or the one .ci/run started), workers as child processes (`interleave
 * worker`), the swarm as a child process (`interleave swarm`). The merged report of the swarm is
 * compared with the same shards run in one process (`--local`: same inputs and seeds give the
 * same report whichever worker ran which shard) and, for the exhaustive partition, with one
 * process's bfs: the same violations and the same set of states. Shards only ever visit
 * reachable states, so the distinct states over planner and shards are a subset of bfs's; equal
 * counts (by 64-bit fingerprint) make them the same set. A worker process killed (SIGKILL) in the
 * middle of a shard leaves its shard to be retried by another worker (BullMQ's stalled-job
 * check), merged once.
 */
import { type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explore } from '../../runtime/explorer.js';
import { c1System } from '../../scenarios/c1.js';
import { mergeSwarm, planSwarm, runShard, type SwarmReport } from '../../cli/swarm/plan.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { BIN, ROOT, cli as shortCli, cliAsync, type Ran } from '../cli/support.js';
import { redisSkipReason, startRedis, type RedisServer } from './redis.js';

/** `interleave <args>` as a child process, with a longer time limit than the CLI specs' (shards run in it or wait for workers). */
function cli(...args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && code === null) reject(new Error(`interleave ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ code, out: stdout, err: stderr });
    });
  });
}

const reportOf = (ran: Ran): SwarmReport => {
  try {
    return JSON.parse(ran.out) as SwarmReport;
  } catch {
    throw new Error(`not a JSON report (exit ${String(ran.code)}):\n${ran.out}\n${ran.err}`);
  }
};
const keys = (r: { violations: Array<{ kind: string; message: string }> }): string[] => [...new Set(r.violations.map((v) => `${v.kind}: ${v.message}`))].sort();
/** The shards a worker's log says it completed, as `index/of`. */
const completed = (log: string): string[] => [...log.matchAll(/^shard (\d+\/\d+): /gm)].map((m) => m[1] as string);

describe('swarm planning and merging (no Redis)', () => {
  it('should cover the exhaustive search with a prefix partition: the violations and the states of one bfs, verified only when all shards complete', () => {
    for (const variant of ['buggy', 'fixed'] as const) {
      const spec = c1System({ variant, guests: 2 });
      const one = explore(spec, { maxViolations: 1_000_000 });
      const plan = planSwarm(spec, { strategy: 'bfs', shards: 3 });
      expect(plan.shards.length).toBe(3);
      const results = plan.shards.map((s) => runShard(spec, s));
      const merged = mergeSwarm(spec.name, plan, results);
      expect(keys(merged)).toEqual(keys(one));
      expect(merged.verdict).toBe(one.verdict);
      expect(merged.distinctStates).toBe(one.stats.states);
      expect(merged.statesSummed).toBe((merged.distinctStates as number) + (merged.overlap as number));
      // A missing shard: nothing is verified.
      if (variant === 'fixed') expect(mergeSwarm(spec.name, plan, results.slice(1)).verdict).toBe('incomplete');
    }
  });

  it('should deal seeds and runs to sampling shards deterministically, and merge the same report in any order', () => {
    const spec = diningPhilosophers({ n: 4 });
    const plan = planSwarm(spec, { strategy: 'pct', shards: 3, runs: 10, seed: 7 });
    expect(plan.shards.map((s) => [s.seed, s.runs])).toEqual([
      [7, 4],
      [8, 3],
      [9, 3],
    ]);
    const results = plan.shards.map((s) => runShard(spec, s));
    expect(mergeSwarm(spec.name, plan, [...results].reverse())).toEqual(mergeSwarm(spec.name, plan, results));
  });
});

describe.skipIf(redisSkipReason !== undefined)(`swarm over a real Redis${redisSkipReason ? ` (${redisSkipReason})` : ''}`, () => {
  let redis: RedisServer;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await redis?.stop();
  });

  /** A worker process; resolves when it exits. `onErr` sees its stderr so far as it grows. */
  function worker(queue: string, extra: string[], onErr: (log: string, child: ChildProcess) => void = () => undefined): Promise<Ran> {
    return cliAsync(['worker', '--redis', redis.url, '--queue', queue, ...extra], (log, child) => {
      if (!children.includes(child)) children.push(child);
      onErr(log, child);
    });
  }

  it('should give with 2 workers the report one process gives (PCT on a catalogue entry; exhaustive partitions: the violations and states of bfs)', async () => {
    const queue = `spec-${process.pid}-same`;
    const swarms = [
      ['C9/buggy/3v-pct', '--strategy', 'pct', '--shards', '4', '--runs', '40', '--seed', '3'],
      ['C1/buggy/2g', '--shards', '4'],
      ['C1/fixed/2g', '--shards', '4'],
    ];
    // 12 shards, each worker leaves after 6: both run shards.
    const workers = [worker(queue, ['--max-jobs', '6']), worker(queue, ['--max-jobs', '6'])];
    const reports: SwarmReport[] = [];
    for (const args of swarms) {
      const [swarm, local] = await Promise.all([cli('swarm', ...args, '--redis', redis.url, '--queue', queue, '--json'), cli('swarm', ...args, '--local', '--json')]);
      expect(swarm.code, swarm.err).toBe(local.code);
      const [s, l] = [reportOf(swarm), reportOf(local)];
      expect(s).toEqual(l);
      for (const v of s.violations) expect(v.token).toMatch(/^il2_/);
      reports.push(s);
    }
    const [pct, buggy, fixed] = reports as [SwarmReport, SwarmReport, SwarmReport];
    expect(pct.verdict).toBe('violation');
    for (const [r, variant] of [
      [buggy, 'buggy'],
      [fixed, 'fixed'],
    ] as const) {
      const one = explore(c1System({ variant, guests: 2 }), { maxViolations: 1_000_000 });
      expect(r.verdict).toBe(one.verdict);
      expect(keys(r)).toEqual(keys(one));
      expect(r.distinctStates).toBe(one.stats.states);
    }
    const logs = (await Promise.all(workers)).map((w) => {
      expect(w.code, w.err).toBe(0);
      return w.err;
    });
    expect(logs.map((l) => completed(l).length)).toEqual([6, 6]);
  }, 600_000);

  it("should retry the shard of a worker process killed in the middle of it on another worker, and merge it once", async () => {
    const queue = `spec-${process.pid}-kill`;
    const file = 'spec/swarm/fixtures/dining6.ts';
    let started: string | undefined;
    // Worker A is killed (SIGKILL) as soon as it says it started a shard. The locks are 5 s: long
    // enough that a worker starved of CPU on a loaded machine still renews its own.
    const a = worker(queue, ['--lock', '5s'], (log, child) => {
      const m = /^shard (\d+\/2) of /m.exec(log);
      if (m && started === undefined) {
        started = m[1] as string;
        child.kill('SIGKILL');
      }
    });
    const swarmDone = cli('swarm', file, '--shards', '2', '--redis', redis.url, '--queue', queue, '--json');
    const killed = await a;
    expect(killed.code).toBe(null);
    expect(started).toBeDefined();
    expect(completed(killed.err)).toEqual([]);
    // Worker B finds both shards left: the one A never took, and A's, once A's lock lapsed.
    let b: ChildProcess | undefined;
    const bDone = worker(queue, ['--lock', '5s'], (_, child) => (b = child));
    const swarm = await swarmDone;
    b?.kill('SIGINT');
    const bRan = await bDone;
    expect(bRan.code, bRan.err).toBe(0);
    expect([...new Set(completed(bRan.err))].sort()).toEqual(['1/2', '2/2']);
    expect(bRan.err).toMatch(new RegExp(`^shard ${started} of .*run again after a worker stopped renewing its lock`, 'm'));
    expect(swarm.code, swarm.err).toBe(0);
    const s = reportOf(swarm);
    // The same report as the shards run in one process: nothing lost, nothing counted twice.
    const spec = diningPhilosophers({ n: 6, ordered: true });
    const plan = planSwarm(spec, { strategy: 'bfs', shards: 2 });
    expect(s).toEqual(mergeSwarm(spec.name, plan, plan.shards.map((x) => runShard(spec, x))));
    const one = explore(spec);
    expect(s.verdict).toBe(one.verdict);
    expect(s.distinctStates).toBe(one.stats.states);
  }, 600_000);


  it('should end a shard whose step never returns as incomplete naming the step, not retry it, and keep the worker for the next shard (hostile tester F12)', async () => {
    const queue = `spec-${process.pid}-hang`;
    // The hang is past the planner's depth: each of the 2 shards meets it. One worker runs both.
    const w = worker(queue, ['--max-jobs', '2', '--step-time-limit', '1s', '--lock', '2s']);
    const swarm = await cli('swarm', 'spec/swarm/fixtures/hangDeep.ts', '--shards', '2', '--redis', redis.url, '--queue', queue, '--json');
    expect(swarm.code, swarm.err).toBe(3);
    const r = reportOf(swarm);
    expect(r.verdict).toBe('incomplete');
    expect(r.perShard.filter((x) => x.shard >= 0).map((x) => [x.verdict, x.complete])).toEqual([
      ['incomplete', false],
      ['incomplete', false],
    ]);
    for (const n of [1, 2]) expect(r.note).toMatch(new RegExp(`Shard ${n} stopped: actor 'a' in state 'i' on message 'go' did not return within [\\d,]+ ms`));
    const ran = await w;
    expect(ran.code, ran.err).toBe(0);
    expect(completed(ran.err).sort()).toEqual(['1/2', '2/2']);
    expect(ran.err).not.toContain('run again');
  }, 600_000);

  it('should say it waits for workers, and on Ctrl-C exit 3 at once and take its queued shards off the queue (hostile tester F12)', async () => {
    const queue = `spec-${process.pid}-nobody`;
    let sent = false;
    const swarm = await cliAsync(['swarm', 'C1/fixed/2g', '--shards', '2', '--redis', redis.url, '--queue', queue], (log, child) => {
      if (!sent && log.includes(`waiting for workers on queue ${queue} at ${redis.url}`)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent, swarm.err).toBe(true);
    expect(swarm.code, swarm.err).toBe(3);
    expect(swarm.err).toContain(`interrupted with 0 of 2 shard results; removed 2 shards no worker had taken from queue ${queue}`);
    expect(swarm.out).toContain('2 shards: incomplete');
    // Nothing left for a worker started later.
    const q = new Queue(queue, { connection: { url: redis.url } });
    try {
      expect(await q.getJobCounts('wait', 'active', 'delayed', 'prioritized')).toEqual({ wait: 0, active: 0, delayed: 0, prioritized: 0 });
    } finally {
      await q.close();
    }
  }, 120_000);

  it('should refuse a database number Redis does not have: exit 2, one line with Redis\'s answer (hostile tester F13)', async () => {
    const url = new URL(redis.url);
    url.pathname = '/99';
    for (const args of [['swarm', 'C1/buggy/2g', '--shards', '2'], ['worker']]) {
      const ran = await shortCli(...args, '--redis', url.href);
      expect(ran.code, ran.err).toBe(2);
      expect(ran.err.trimEnd().split('\n')).toEqual([`interleave ${args[0]}: option --redis: Redis at ${url.host} refused SELECT 99 (the database number in ${url.href}): ERR DB index is out of range`]);
    }
  }, 60_000);
});

describe('swarm --local under the step watchdog (no Redis)', () => {
  it('should stop a step that never returns in the planner or in a shard: exit 3, naming the step (hostile tester F12)', async () => {
    const shallow = await cli('swarm', 'spec/swarm/fixtures/hangShallow.ts', '--shards', '2', '--local', '--step-time-limit', '1s', '--json');
    expect(shallow.code, shallow.err).toBe(3);
    const p = reportOf(shallow);
    expect([p.verdict, p.shards]).toEqual(['incomplete', 0]);
    expect(p.note).toMatch(/the planner stopped before it partitioned the search.*The planner stopped: actor 'a' in state 'i' on message 'go' did not return within/);
    const deep = await cli('swarm', 'spec/swarm/fixtures/hangDeep.ts', '--shards', '2', '--local', '--step-time-limit', '1s', '--json');
    expect(deep.code, deep.err).toBe(3);
    const d = reportOf(deep);
    expect(d.perShard.map((x) => x.complete)).toEqual([true, false, false]);
    expect(d.note).toMatch(/Shard 1 stopped: actor 'a' in state 'i' on message 'go' did not return within .*Shard 2 stopped: actor 'a'/);
  }, 300_000);
});

describe('swarm and worker refuse a bad --redis or --lock', () => {
  it('should exit 2 with one line for a bad or unreachable --redis, within the connect timeout (no Redis needed)', async () => {
    const bad = await shortCli('swarm', 'C1/buggy/2g', '--shards', '2', '--redis', 'not a url');
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe("interleave swarm: option --redis: 'not a url' is not a URL; use redis://host:port (or rediss:// for TLS)");
    const http = await shortCli('worker', '--redis', 'http://127.0.0.1:1');
    expect(http.code).toBe(2);
    expect(http.err).toContain("'http://127.0.0.1:1' is not a redis:// or rediss:// URL");
    // Nothing listens on port 1; a name under .invalid never resolves (RFC 6761); a server that
    // accepts connections and never answers (the bounded wait for PING).
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      for (const [command, url, why] of [
        ['swarm', 'redis://127.0.0.1:1', 'ECONNREFUSED'],
        ['worker', 'redis://no-such-host.invalid:6379', 'ENOTFOUND'],
        ['worker', `redis://127.0.0.1:${port}`, 'no answer within'],
      ] as const) {
        const down = await shortCli(command, ...(command === 'swarm' ? ['C1/buggy/2g', '--shards', '2'] : []), '--redis', url);
        expect(down.code, down.err).toBe(2);
        expect(down.err.trimEnd().split('\n')).toHaveLength(1);
        expect(down.err).toContain(`interleave ${command}: option --redis: cannot reach Redis at ${url}: `);
        expect(down.err).toContain(why);
      }
    } finally {
      silent.close();
    }
    const lock = await shortCli('worker', '--redis', 'redis://127.0.0.1:1', '--lock', '200ms');
    expect(lock.code).toBe(2);
    expect(lock.err).toContain("option --lock must be at least 1s");
  }, 120_000);
});
