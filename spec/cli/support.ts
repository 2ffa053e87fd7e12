/**
 * Running the command line from specs: as a child process (the real `bin/interleave.js`, for
 * exit codes, signals and what a user sees) or in-process through `main()` (same code path,
 * no process start-up: for the long table of bad arguments).
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/interleave.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = 'bin/interleave.js';
export const FIXTURES = 'spec/cli/fixtures';
export const CATALOGUE = `${FIXTURES}/catalogue.ts`;

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

const env = { ...process.env, NO_COLOR: '1' };

/** Runs `interleave <args>` as a child process (asynchronously, so specs can run side by side). */
export function cli(...args: string[]): Promise<Ran> {
  return run([BIN, ...args]);
}

/** Runs `npm start`'s entry point (tsx cli/main.ts) with `args`. */
export function npmStart(...args: string[]): Promise<Ran> {
  return run(['--import', 'tsx', 'cli/main.ts', ...args]);
}

function run(nodeArgs: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, nodeArgs, { cwd: ROOT, env, timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && code === null) reject(error);
      else resolve({ code, out: stdout, err: stderr });
    });
  });
}

/** Starts `interleave <args>`; resolves when it exits. `onErr` sees stderr as it comes. */
export function cliAsync(args: string[], onErr: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      onErr(err, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Runs `interleave <args>` in this process. */
export async function inProcess(...args: string[]): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
  return { code, out, err };
}
