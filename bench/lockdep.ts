/**
 * lockdep's cost, as a ratio of search time (issue 11, fault 5: at most 1.5x): dining
 * philosophers (ticket-lock forks, one meal each, the lock-order cycle included), full BFS with
 * and without the lockdep checker, each configuration in its own `node` process (so neither
 * warms or pollutes the other's compiled code), each the best CPU time of `--reps` runs. The
 * ratio is the figure to read: the machine may be shared, and CPU time of the same process
 * under the same load is what compares.
 *
 * `npx tsx bench/lockdep.ts [--max-n 6] [--reps 3] [--json]`; `npm run bench` prints it too.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { explore } from '../runtime/explorer.js';
import { lockdep } from '../runtime/checkers/index.js';
import { diningPhilosophers } from '../scenarios/classic/diningPhilosophers.js';

export interface LockdepRow {
  model: string;
  states: number;
  transitions: number;
  /** Best CPU seconds of a full search without and with lockdep. */
  plainSeconds: number;
  lockdepSeconds: number;
  ratio: number;
  /** What lockdep reported (kinds), to show it did its job. */
  lockdepFound: string[];
}

const ALL = { maxViolations: 1_000_000, maxStates: 50_000_000 };

/** One measurement in this process: the best CPU time of `reps` full searches. */
function measure(n: number, withLockdep: boolean, reps: number): { seconds: number; states: number; transitions: number; found: string[] } {
  const spec = diningPhilosophers({ n, ordered: false });
  let seconds = Infinity;
  let last = explore(withLockdep ? { ...spec, checkers: [lockdep] } : spec, ALL);
  for (let i = 0; i < reps; i++) {
    const start = process.cpuUsage();
    last = explore(withLockdep ? { ...spec, checkers: [lockdep] } : spec, ALL);
    const d = process.cpuUsage(start);
    seconds = Math.min(seconds, (d.user + d.system) / 1e6);
  }
  return { seconds, states: last.stats.states, transitions: last.stats.transitions, found: last.violations.map((v) => v.kind) };
}

/** Runs one configuration in a fresh node process and returns its measurement. */
function inChild(n: number, withLockdep: boolean, reps: number): ReturnType<typeof measure> {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', String(n), withLockdep ? 'ld' : 'plain', String(reps)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as ReturnType<typeof measure>;
}

/** The rows for N = 5..maxN (alternating plain and lockdep processes, twice each; best of both). */
export function lockdepRows(maxN = 6, reps = 3): LockdepRow[] {
  const rows: LockdepRow[] = [];
  for (let n = 5; n <= maxN; n++) {
    const runs = [inChild(n, false, reps), inChild(n, true, reps), inChild(n, false, reps), inChild(n, true, reps)];
    const plain = Math.min((runs[0] as { seconds: number }).seconds, (runs[2] as { seconds: number }).seconds);
    const ld = Math.min((runs[1] as { seconds: number }).seconds, (runs[3] as { seconds: number }).seconds);
    const r = runs[1] as ReturnType<typeof measure>;
    rows.push({ model: `dining philosophers N=${n}`, states: r.states, transitions: r.transitions, plainSeconds: plain, lockdepSeconds: ld, ratio: ld / plain, lockdepFound: r.found });
  }
  return rows;
}

/** The table, as `npm run bench` prints it. */
export function lockdepTable(rows: LockdepRow[]): string {
  const lines = [
    '',
    'lockdep cost (full BFS with and without the lockdep checker; best CPU seconds, each in its own process; target: ratio <= 1.5)',
    '',
    '| model | states | transitions | without lockdep s | with lockdep s | ratio | lockdep found |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.model} | ${r.states.toLocaleString('en-US')} | ${r.transitions.toLocaleString('en-US')} | ${r.plainSeconds.toFixed(3)} | ${r.lockdepSeconds.toFixed(3)} | ${r.ratio.toFixed(2)} | ${r.lockdepFound.join(', ')} |`),
    '',
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  ];
  return lines.join('\n');
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  console.log(JSON.stringify(measure(Number(args[1]), args[2] === 'ld', Number(args[3]))));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const maxN = args.includes('--max-n') ? Number(args[args.indexOf('--max-n') + 1]) : 6;
  const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 3;
  const rows = lockdepRows(maxN, reps);
  if (args.includes('--json')) console.log(JSON.stringify({ rows, loadavg: loadavg() }, null, 2));
  else console.log(lockdepTable(rows));
}
