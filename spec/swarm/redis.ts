/**
 * A real redis-server for the swarm specs: the one `.ci/run` started (INTERLEAVE_REDIS_URL),
 * else one started here on a free port of 127.0.0.1 (never the default 6379, so it cannot clash
 * with another Redis on the machine), without persistence, stopped by `stop()`.
 *
 * On a developer machine without the Debian package redis-server the Redis specs are skipped,
 * and their name says why ({@link redisSkipReason}); `.ci/run` sets INTERLEAVE_REDIS_REQUIRED=1,
 * so in CI they run (and fail if redis-server cannot start) instead of being skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

function installed(): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** Why the Redis specs are skipped here, or undefined when they run. */
export const redisSkipReason: string | undefined =
  process.env.INTERLEAVE_REDIS_URL || process.env.INTERLEAVE_REDIS_REQUIRED === '1' || installed()
    ? undefined
    : 'skipped: redis-server is not installed (Debian package redis-server; .ci/run installs it)';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const given = process.env.INTERLEAVE_REDIS_URL;
  if (given) return { url: given, stop: async () => undefined };
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${out}`)), 15_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start redis-server (the Debian package redis-server): ${err.message}`));
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
