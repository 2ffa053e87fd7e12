/**
 * Runs the regression table of hostile inputs (hostile.ts): for each row, the exit code and the
 * words it must get, and for every row alike: no stack trace, no internal-bug report, no raw
 * control character in what was printed, and nothing on stdout after a usage or model error.
 * A row run as a process is killed after PROCESS_TIMEOUT_MS: a kill is reported as a hang.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/interleave.js';
import { explore } from '../../runtime/index.js';
import { decodeSchedule, encodeSchedule } from '../../runtime/schedule.js';
import twoCpuLock from '../../examples/twoCpuLock.js';
import { DEEP, PRELUDE, RAW_CONTROL, REPORT_DAMAGE, ROWS, pingModel, type Row } from './hostile.js';
import { BIN, FIXTURES, ROOT, inProcess, type Ran } from './support.js';

const OUT = 'spec/out/hostile';
const PROCESS_TIMEOUT_MS = 60_000;
const tokens: Record<string, string> = {};

const modelFile = (i: number, row: Row): string => `${OUT}/r${i}.${row.ext ?? 'ts'}`;

beforeAll(async () => {
  rmSync(join(ROOT, OUT), { recursive: true, force: true });
  mkdirSync(join(ROOT, OUT, 'adir.json'), { recursive: true });
  // A report path whose every write fails (ENOSPC), for the --report rows.
  if (existsSync('/dev/full')) symlinkSync('/dev/full', join(ROOT, OUT, 'full.json'));
  ROWS.forEach((row, i) => {
    if (row.model !== undefined) writeFileSync(join(ROOT, modelFile(i, row)), (row.ext ?? 'ts') === 'ts' ? `${PRELUDE}\n${row.model}\n` : row.model);
  });
  const abba = explore(twoCpuLock).violations[0]?.token as string;
  const body = abba.slice(4);
  const mid = Math.floor(body.length / 2);
  const other = (c: string): string => (c === 'A' ? 'B' : 'A');
  Object.assign(tokens, {
    abba,
    'abba-cut': abba.slice(0, -6),
    'abba-flipped': `il2_${body.slice(0, mid)}${other(body[mid] as string)}${body.slice(mid + 1)}`,
    'abba-added': `il2_${body.slice(0, mid)}Q${body.slice(mid)}`,
    'abba-lost': `il2_${body.slice(0, mid)}${body.slice(mid + 1)}`,
    'abba-swapped': `il2_${body.slice(0, mid)}${body[mid + 1]}${body[mid]}${body.slice(mid + 2)}`,
  });
  expect(body[mid + 1]).not.toBe(body[mid]);
  writeFileSync(join(ROOT, OUT, 'ping.ts'), `${PRELUDE}\n${pingModel('ping')}\n`);
  // A model in a folder whose package.json does not say "type": "module": node loads it as CommonJS.
  mkdirSync(join(ROOT, OUT, 'cjs'), { recursive: true });
  writeFileSync(join(ROOT, OUT, 'cjs', 'package.json'), '{ "name": "cjs-models" }\n');
  writeFileSync(join(ROOT, OUT, 'cjs', 'model.ts'), `${PRELUDE.replaceAll("'../../../", "'../../../../")}\n${pingModel('ping')}\n`);
  const pinged = await inProcess('explore', `${OUT}/ping.ts`);
  tokens.ping = /replay: npx interleave replay \S+@(il2_\S+)/u.exec(pinged.out)?.[1] as string;
  expect(tokens.ping).toMatch(/^il2_/u);
  // Forged from the ping token (valid checksums; hostile tester 2): 3,000 copies of its execution
  // as evidence (a long token, on a system without checkers), and an execution of no steps.
  const ping = decodeSchedule(tokens.ping);
  const main = { steps: ping.steps, enabled: ping.enabled, digests: ping.digests, digest: ping.digest };
  tokens['ping-evidence'] = encodeSchedule({ ...ping, evidence: Array.from({ length: 3000 }, () => main) });
  tokens['ping-empty'] = encodeSchedule({ ...ping, steps: [], enabled: [], digests: [], digest: 0 });
  expect((await inProcess('explore', 'examples/twoCpuLock.ts', '--report', `${OUT}/report.json`)).code).toBe(1);
  expect((await inProcess('explore', `${FIXTURES}/hostile.ts`, '--report', `${OUT}/hostileReport.json`)).code).toBe(1);
  // Damaged copies of a real report, for the view rows (REPORT_DAMAGE).
  const real = readFileSync(join(ROOT, OUT, 'report.json'), 'utf8');
  writeFileSync(join(ROOT, OUT, 'report-bom.json'), `\uFEFF${real}`);
  for (const [name, damage] of Object.entries(REPORT_DAMAGE)) {
    const copy = JSON.parse(real) as Record<string, unknown>;
    damage(copy as never);
    writeFileSync(join(ROOT, OUT, `report-${name}.json`), JSON.stringify(copy).replace(JSON.stringify(DEEP), `${'['.repeat(100_000)}${']'.repeat(100_000)}`));
  }
}, 120_000);

function argvOf(row: Row, i: number): string[] {
  return row.argv.map((a) => a.replace('$M', modelFile(i, row)).replace(/\$T\{([a-z-]+)\}/gu, (_, name: string) => tokens[name] ?? `(no token ${name})`));
}

async function runInProcess(row: Row, argv: string[]): Promise<Ran> {
  let out = '';
  let err = '';
  const controller = new AbortController();
  const timer = row.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), row.abortAfterMs);
  try {
    const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, signal: controller.signal });
    return { code, out, err };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a row as a real process in its own process group, as a terminal would; Ctrl-C goes to the group. */
function runProcess(row: Row, argv: string[]): Promise<Ran & { hung: boolean }> {
  const [cmd, args] =
    row.run === 'npm' ? ['npm', ['start', '--', ...argv]] : row.run === 'npx' ? ['npx', ['interleave', ...argv]] : [process.execPath, [...(row.node ?? []), BIN, ...argv]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, detached: true });
    let out = '';
    let err = '';
    let hung = false;
    let sent = false;
    const group = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // already gone
      }
    };
    const killer = setTimeout(() => {
      hung = true;
      group('SIGKILL');
    }, PROCESS_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (row.sigintAfter && !sent && err.includes(row.sigintAfter)) {
        sent = true;
        setTimeout(() => group('SIGINT'), row.sigintDelayMs ?? 700);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code: code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 9) : null), out, err, hung });
    });
  });
}

const STACK = /^\s+at \S.*:\d+:\d+\)?$/mu;

function checkRow(row: Row, r: Ran & { hung?: boolean }): void {
  const shown = `exit ${r.code}\n--- stdout\n${r.out.slice(0, 3000)}\n--- stderr\n${r.err.slice(0, 3000)}`;
  expect(r.hung ?? false, `hung (killed after ${PROCESS_TIMEOUT_MS} ms)\n${shown}`).toBe(false);
  expect(r.code, shown).toBe(row.code);
  const where = row.in ?? (row.code === 2 ? 'err' : 'out');
  const text = where === 'err' ? r.err : r.out;
  if (typeof row.says === 'string') expect(text, shown).toContain(row.says);
  else expect(text, shown).toMatch(row.says);
  expect(STACK.test(r.out) || STACK.test(r.err), `a stack trace\n${shown}`).toBe(false);
  expect(`${r.out}${r.err}`, shown).not.toContain('internal bug');
  expect(RAW_CONTROL.test(r.out), `raw control character on stdout\n${shown}`).toBe(false);
  expect(RAW_CONTROL.test(r.err), `raw control character on stderr\n${shown}`).toBe(false);
  if (row.code === 2 && !row.resultBeforeError) expect(r.out, `stdout after a usage or model error\n${shown}`).toBe('');
  row.check?.(r);
}

const inProcessRows = ROWS.map((row, i) => ({ row, i })).filter(({ row }) => !row.run);
const processRows = ROWS.map((row, i) => ({ row, i })).filter(({ row }) => row.run);

describe('the regression table of hostile inputs', () => {
  it('should have at least 150 rows, covering every kind', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(150);
    const kinds = new Set(ROWS.map((r) => r.kind));
    for (const k of ['number', 'option', 'workers', 'model file', 'context', 'xstate feature', 'callback', 'violation', 'scale', 'token', 'replay', 'view', 'escaping', 'json', 'ctrl-c', 'hang', 'memory', 'nondeterminism', 'actor start']) {
      expect(kinds.has(k as Row['kind']), k).toBe(true);
    }
  });

  describe('in-process rows', () => {
    for (const { row, i } of inProcessRows) {
      const name = `${row.kind}: ${row.what} -> exit ${row.code}`;
      if (row.waitsFor) it.todo(`${name} (waits for ${row.waitsFor})`);
      else it(name, async () => checkRow(row, await runInProcess(row, argvOf(row, i))));
    }
  });

  describe.concurrent('rows run as processes', () => {
    for (const { row, i } of processRows) {
      const name = `${row.kind}: ${row.what} -> exit ${row.code} (${row.run})`;
      if (row.waitsFor) it.todo(`${name} (waits for ${row.waitsFor})`);
      else it(name, async () => checkRow(row, await runProcess(row, argvOf(row, i))), PROCESS_TIMEOUT_MS + 10_000);
    }
  });

  it('should print the same JSON report for the same catalogue run, run after run', async () => {
    const strip = (text: string): unknown => JSON.parse(text, (k, v: unknown) => (k === 'timeMs' ? 0 : v));
    const runs = await Promise.all([0, 1, 2].map(() => inProcess('run', '--json', '--catalogue', `${FIXTURES}/catalogue.ts`)));
    for (const r of runs) expect(r.code).toBe(0);
    expect(strip(runs[1]!.out)).toEqual(strip(runs[0]!.out));
    expect(strip(runs[2]!.out)).toEqual(strip(runs[0]!.out));
  });
});
