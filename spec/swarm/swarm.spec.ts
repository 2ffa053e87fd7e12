/**
 * Swarm verification over a real Redis (issue 16 item 2): a redis-server on 127.0.0.1 (spec
 * setup, or the one .ci/run started), workers as child processes (`interleave worker`), the
 * swarm as a child process (`interleave swarm`). The merged report of the swarm is compared
 * with the same shards run in one process (`--local`) and, for the exhaustive partition, with
 * one process's bfs; a worker killed in the middle of a shard leaves its shard to be retried
 * (BullMQ's stalled-job check), merged once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explore } from '../../runtime/explorer.js';
import { c1System } from '../../scenarios/c1.js';
import { mergeSwarm, planSwarm, runShard, type SwarmReport } from '../../cli/swarm/plan.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { execFile } from 'node:child_process';
import { BIN, ROOT, type Ran } from '../cli/support.js';
import { startRedis, type RedisServer } from './redis.js';

let redis: RedisServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await redis?.stop();
});

/** A worker process; `log` collects its stderr. */
function worker(queue: string, ...extra: string[]): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', redis.url, '--queue', queue, ...extra], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  child.stdout?.on('data', () => undefined);
  children.push(child);
  return { child, log: () => log };
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** `interleave <args>` as a child process, with a longer time limit than the CLI specs' (shards run in it or wait for workers). */
function cli(...args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 240_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && code === null) reject(new Error(`interleave ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ code, out: stdout, err: stderr });
    });
  });
}

const reportOf = (out: string): SwarmReport => JSON.parse(out) as SwarmReport;
const keys = (r: { violations: Array<{ kind: string; message: string }> }): string[] => r.violations.map((v) => `${v.kind}: ${v.message}`).sort();

describe('swarm planning and merging (no Redis)', () => {
  it('should cover the exhaustive search with a prefix partition: the violations of one bfs, verified only when all shards complete', () => {
    for (const variant of ['buggy', 'fixed'] as const) {
      const spec = c1System({ variant, guests: 2 });
      const one = explore(spec, { maxViolations: 1_000_000 });
      const plan = planSwarm(spec, { strategy: 'bfs', shards: 3 });
      expect(plan.shards.length).toBe(3);
      const results = plan.shards.map((s) => runShard(spec, s));
      const merged = mergeSwarm(spec.name, plan, results);
      expect(keys(merged)).toEqual(keys(one));
      expect(merged.verdict).toBe(one.verdict);
      expect(merged.statesSummed).toBeGreaterThanOrEqual(one.stats.states);
      // A missing shard: nothing is verified.
      if (variant === 'fixed') expect(mergeSwarm(spec.name, plan, results.slice(1)).verdict).toBe('incomplete');
    }
  });

  it('should deal seeds and runs to sampling shards deterministically, and merge the same report in any order', () => {
    const spec = diningPhilosophers({ n: 4 });
    const plan = planSwarm(spec, { strategy: 'pct', shards: 3, runs: 10, seed: 7 });
    expect(plan.shards.map((s) => [s.seed, s.runs])).toEqual([[7, 4], [8, 3], [9, 3]]);
    const results = plan.shards.map((s) => runShard(spec, s));
    expect(mergeSwarm(spec.name, plan, [...results].reverse())).toEqual(mergeSwarm(spec.name, plan, results));
  });
});

describe('swarm over a real Redis', () => {
  it('should find with 2 workers the violations one process finds (PCT catalogue entry, and an exhaustive partition)', async () => {
    const queue = `spec-${process.pid}-same`;
    const workers = [worker(queue), worker(queue)];
    try {
      for (const args of [['C9/buggy/3v-pct', '--strategy', 'pct', '--shards', '4', '--runs', '40', '--seed', '3'], ['C1/buggy/2g', '--shards', '4']]) {
        const [swarm, local] = await Promise.all([cli('swarm', ...args, '--redis', redis.url, '--queue', queue, '--json'), cli('swarm', ...args, '--local', '--json')]);
        expect(swarm.code, swarm.err).toBe(1);
        expect(local.code, local.err).toBe(1);
        const [s, l] = [reportOf(swarm.out), reportOf(local.out)];
        expect(s).toEqual(l);
        expect(s.violations.length).toBeGreaterThan(0);
        for (const v of s.violations) expect(v.token).toMatch(/^il2_/);
      }
      const one = explore(c1System({ variant: 'buggy', guests: 2 }), { maxViolations: 1_000_000 });
      const swarm = reportOf((await cli('swarm', 'C1/buggy/2g', '--shards', '4', '--redis', redis.url, '--queue', queue, '--json')).out);
      expect(keys(swarm)).toEqual(keys(one));
    } finally {
      await Promise.all(workers.map((w) => stop(w.child)));
    }
    // Both workers took shards.
    for (const w of workers) expect(w.log()).toMatch(/shard \d+\/\d+ of/);
  }, 480_000);

  it("should retry a killed worker's shard on another worker and merge it once", async () => {
    const queue = `spec-${process.pid}-kill`;
    const file = 'spec/swarm/fixtures/dining5.ts';
    const a = worker(queue, '--lock', '3000');
    const swarmDone = cli('swarm', file, '--shards', '2', '--redis', redis.url, '--queue', queue, '--json');
    // Kill worker A as soon as it starts a shard.
    const started = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /shard (\d+)\/2 of/.exec(a.log());
        if (m) {
          clearInterval(timer);
          resolve(m[1] as string);
        } else if (a.child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`worker A exited: ${a.log()}`));
        }
      }, 20);
    });
    await stop(a.child, 'SIGKILL');
    expect(a.log()).not.toMatch(new RegExp(`shard ${started}/2: `));
    const b = worker(queue, '--lock', '3000');
    const swarm = await swarmDone;
    await stop(b.child);
    expect(swarm.code, swarm.err).toBe(0);
    const local = await cli('swarm', file, '--shards', '2', '--local', '--json');
    const [s, l] = [reportOf(swarm.out), reportOf(local.out)];
    expect(s).toEqual(l);
    expect(s.verdict).toBe('verified');
    // Worker B ran the shard A was killed in (and the other one): each merged once.
    expect(b.log()).toMatch(new RegExp(`shard ${started}/2: verified`));
    expect(s.perShard.filter((p) => p.shard >= 0).map((p) => p.shard)).toEqual([0, 1]);
  }, 480_000);

  it('should exit 2 with one line for a bad or unreachable --redis', async () => {
    const bad = await cli('swarm', 'C1/buggy/2g', '--shards', '2', '--redis', 'not a url');
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe("interleave swarm: option --redis: 'not a url' is not a URL; use redis://host:port (or rediss:// for TLS)");
    const http = await cli('worker', '--redis', 'http://127.0.0.1:1');
    expect(http.code).toBe(2);
    expect(http.err).toContain("'http://127.0.0.1:1' is not a redis:// or rediss:// URL");
    const down = await cli('swarm', 'C1/buggy/2g', '--shards', '2', '--redis', 'redis://127.0.0.1:1');
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/^interleave swarm: option --redis: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(down.err).not.toMatch(/\n\s+at /);
  }, 60_000);
});
