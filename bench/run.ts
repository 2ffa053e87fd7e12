/**
 * `npm run bench [-- --json] [-- --max-n 6]`: interleave side by side with SPIN on equivalent
 * models (DESIGN.md, "What fast means here"), measured in one process run.
 *
 * Models: dining philosophers with ticket-lock forks (Promela from bench/promela.ts) and C1
 * FIXED with 2..4 guests (Promela from bench/promelaC1.ts); both Promela models reach exactly
 * interleave's states.
 *
 * Per model: interleave full search (BFS, not stopping at violations), interleave DPOR, SPIN
 * without partial-order reduction (-DNOREDUCE) and SPIN with its default POR, each with its
 * reachable states, transitions, seconds and states/s; then whether the full counts agree and
 * the ratios. SPIN runs with -E (invalid end states, i.e. deadlocks, do not stop or count as
 * errors) and -c0, so it explores everything, as interleave does with maxViolations large.
 * Seconds for SPIN are pan's own reported search time when it is above 0.05 s (it leaves out
 * pan's start-up, ~0.3 s of allocating its hash table), else the wall clock of `./pan`; never
 * spin or gcc. Seconds for interleave include loading the system and every xstate call.
 *
 * SPIN is the Debian package `spin`; if missing, this script installs it (apt-get, as root), and
 * if that fails, prints the interleave columns only, saying why.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { explore } from '../runtime/explorer.js';
import type { ExploreResult } from '../runtime/explorer.js';
import { exploreDpor } from '../runtime/strategies/dpor.js';
import { DEFAULT_MAILBOX_BOUND, type SystemSpec } from '../runtime/system.js';
import { diningPhilosophers } from '../scenarios/classic/diningPhilosophers.js';
import { diningPromela } from './promela.js';
import { c1Promela } from './promelaC1.js';

interface Run {
  states: number;
  transitions: number;
  seconds: number;
  statesPerSecond: number;
}

interface Row {
  model: string;
  interleave: Run & { memoHitRate: number; bytesPerState: number; peakRssMB: number };
  dpor: Run;
  spinNoReduce?: Run;
  spinPor?: Run;
  /** Full-search state counts of interleave and SPIN (-DNOREDUCE) agree. */
  countsAgree?: boolean;
  note?: string;
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const maxNArg = args.indexOf('--max-n');
const maxN = maxNArg >= 0 ? Number(args[maxNArg + 1]) : 7;
const OUT = join(process.cwd(), 'bench', 'out');
const ALL = { maxViolations: 1_000_000, maxStates: 50_000_000 };

function log(text: string): void {
  if (!json) console.log(text);
}

function ensureSpin(): string | undefined {
  const has = (cmd: string): boolean => {
    try {
      execSync(`command -v ${cmd}`, { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!has('gcc')) return 'gcc is not installed, so SPIN verifiers cannot be compiled';
  if (has('spin')) return undefined;
  log('SPIN not found: installing the Debian package spin (apt-get update && apt-get install -y spin) ...');
  try {
    execSync('apt-get update -qq && apt-get install -y -qq spin', { stdio: json ? 'ignore' : 'inherit' });
  } catch (err) {
    return `SPIN could not be installed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); SPIN columns are skipped`;
  }
  return has('spin') ? undefined : 'SPIN is still not on PATH after installing; SPIN columns are skipped';
}

function timed(run: () => ExploreResult): { result: ExploreResult; seconds: number } {
  const start = performance.now();
  const result = run();
  return { result, seconds: (performance.now() - start) / 1000 };
}

function runOf(result: ExploreResult, seconds: number): Run {
  return { states: result.stats.states, transitions: result.stats.transitions, seconds, statesPerSecond: result.stats.states / seconds };
}

function runInterleave(spec: SystemSpec): Pick<Row, 'interleave' | 'dpor'> {
  const full = timed(() => explore(spec, ALL));
  // The visited set lives in typed arrays outside the JS heap: the process's peak resident
  // set so far is the honest figure (monotonic over the run).
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const dpor = timed(() => exploreDpor(spec, ALL));
  return {
    interleave: { ...runOf(full.result, full.seconds), memoHitRate: full.result.stats.memoHitRate, bytesPerState: full.result.stats.bytesPerState, peakRssMB },
    dpor: runOf(dpor.result, dpor.seconds),
  };
}

/** Compiles and runs a Promela model; reduce = SPIN's default partial-order reduction. */
function runSpin(name: string, promela: string, reduce: boolean): Run {
  const dir = join(OUT, `${name}-${reduce ? 'por' : 'noreduce'}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.pml'), promela);
  execFileSync('spin', ['-a', 'model.pml'], { cwd: dir, stdio: 'ignore' });
  const flags = ['-O2', '-DSAFETY', '-DMEMLIM=8192', ...(reduce ? [] : ['-DNOREDUCE']), '-o', 'pan', 'pan.c'];
  execFileSync('gcc', flags, { cwd: dir, stdio: 'ignore' });
  const start = performance.now();
  const out = execFileSync('./pan', ['-E', '-c0', '-m10000000'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = (performance.now() - start) / 1000;
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`cannot read '${re.source}' from pan's output:\n${out}`);
    return Number(m[1]);
  };
  // With -E and -c0, errors are assertion violations only: none may fire in an equivalent model.
  const errors = num(/errors: (\d+)/);
  if (errors > 0) throw new Error(`${name}: ${errors} assertion violation(s) in the Promela model (bench/out/${name}-*/model.pml):\n${out}`);
  const states = num(/(\d+) states, stored/);
  // pan's own search time leaves out its start-up (allocating the hash table and memory
  // arena, about 0.3 s here); we compare against it, which favours SPIN on small models.
  const elapsed = /pan: elapsed time ([\d.e+-]+) seconds/.exec(out);
  const seconds = elapsed && Number(elapsed[1]) > 0.05 ? Number(elapsed[1]) : wall;
  return { states, transitions: num(/(\d+) transitions \(= stored\+matched\)/), seconds, statesPerSecond: states / seconds };
}

function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function main(): void {
  const spinProblem = ensureSpin();
  if (spinProblem) log(`note: ${spinProblem}`);
  const rows: Row[] = [];
  // Warm up the JIT on a small model so the first row is not penalised.
  explore(diningPhilosophers({ n: 3 }), ALL);
  for (let n = 3; n <= maxN; n++) {
    const spec = diningPhilosophers({ n });
    log(`dining philosophers N=${n} ...`);
    const row: Row = { model: `dining-philosophers-${n}`, ...runInterleave(spec) };
    if (!spinProblem) {
      row.spinNoReduce = runSpin(row.model, diningPromela(n), false);
      row.spinPor = runSpin(row.model, diningPromela(n), true);
      row.countsAgree = row.spinNoReduce.states === row.interleave.states;
    }
    rows.push(row);
  }
  if (existsSync(join(process.cwd(), 'scenarios', 'c1.ts'))) {
    // Imported lazily: C1 is another engineer's model and may change shape.
    return void import('../scenarios/c1.js').then((c1) => {
      for (const guests of [2, 3, 4]) {
        log(`C1 fixed, ${guests} guests ...`);
        const spec = c1.c1System({ variant: 'fixed', guests });
        const row: Row = { model: `C1-fixed-${guests}g`, ...runInterleave(spec) };
        if (!spinProblem) {
          const promela = c1Promela(guests, 1, spec.mailboxBound ?? DEFAULT_MAILBOX_BOUND);
          row.spinNoReduce = runSpin(row.model, promela, false);
          row.spinPor = runSpin(row.model, promela, true);
          row.countsAgree = row.spinNoReduce.states === row.interleave.states;
        }
        rows.push(row);
      }
      report(rows, spinProblem);
    });
  }
  report(rows, spinProblem);
}

function report(rows: Row[], spinProblem: string | undefined): void {
  if (json) {
    console.log(JSON.stringify({ spin: spinProblem ?? 'ok', rows }, null, 2));
    return;
  }
  const header = [
    'model',
    'il states',
    'il trans',
    'il s',
    'il states/s',
    'dpor states',
    'dpor s',
    'spin states',
    'spin trans',
    'spin s',
    'spin states/s',
    'spin POR states',
    'agree',
    'il/spin speed',
    'dpor/spinPOR states',
  ];
  const lines = rows.map((r) => [
    r.model,
    fmt(r.interleave.states),
    fmt(r.interleave.transitions),
    fmt(r.interleave.seconds, 2),
    fmt(r.interleave.statesPerSecond),
    fmt(r.dpor.states),
    fmt(r.dpor.seconds, 2),
    fmt(r.spinNoReduce?.states),
    fmt(r.spinNoReduce?.transitions),
    fmt(r.spinNoReduce?.seconds, 2),
    fmt(r.spinNoReduce?.statesPerSecond),
    fmt(r.spinPor?.states),
    r.countsAgree === undefined ? '—' : r.countsAgree ? 'yes' : 'NO',
    r.spinNoReduce ? fmt(r.interleave.statesPerSecond / r.spinNoReduce.statesPerSecond, 2) : '—',
    r.spinPor ? fmt(r.dpor.states / r.spinPor.states, 2) : '—',
  ]);
  console.log('');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
  console.log('');
  for (const r of rows) {
    console.log(
      `${r.model}: memo hit rate ${(r.interleave.memoHitRate * 100).toFixed(2)}%, ${r.interleave.bytesPerState} bytes/state stored, peak RSS ${r.interleave.peakRssMB.toFixed(0)} MB after its full search` +
        (r.note ? `; ${r.note}` : ''),
    );
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

main();
