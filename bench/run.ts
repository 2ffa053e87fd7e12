/**
 * `npm run bench -- --parallel [--n 7]`: the parallel search (bench/parallel.ts). Otherwise
 * `npm run bench [-- --json] [--max-n 3..7] [--big] [--dpor-only] [--memory-models quick|full|skip]`:
 * interleave side by side with SPIN on equivalent models (DESIGN.md, "What fast means here"),
 * measured in one process run. Options are parsed with node:util parseArgs; a bad one exits 2
 * with the usage, and so does one the chosen mode would ignore (`--n` without `--parallel`;
 * `--json`, `--max-n`, `--big`, `--dpor-only` or `--memory-models` with `--parallel`; `--max-n`
 * or `--memory-models` with `--big` or `--dpor-only`).
 *
 * Models: dining philosophers with ticket-lock forks (Promela from bench/promela.ts) and C1
 * FIXED with 2..4 guests (Promela from bench/promelaC1.ts); both Promela models reach exactly
 * interleave's states. `--big` runs dining philosophers N = 8 only (33,270,750 states): interleave
 * exhaustively, and SPIN with -DCOLLAPSE (without it SPIN would need about 17 GB).
 *
 * Per model:
 * - interleave full search (BFS, `maxViolations` large so it does not stop at the deadlock):
 *   states, transitions, wall seconds, CPU seconds (`process.cpuUsage()`, user + system, every
 *   thread of the process), states per CPU-second; bytes per stored state: everything the
 *   search holds (vectors, parent links, hash table, component tables) over the states;
 * - interleave DPOR: stored states;
 * - SPIN -DNOREDUCE: states, transitions, CPU seconds of `./pan` (user + system, from the
 *   shell's `times`: its start-up included, as interleave's loading is), states per CPU-second;
 *   pan's own elapsed time for the wall ratio;
 * - SPIN -DCOLLAPSE -DNOREDUCE: bytes per stored state, pan's "actual memory usage for states"
 *   over its stored states (the compressed state store; SPIN's hash table and stack are apart);
 * - SPIN's default partial-order reduction: stored states;
 * - whether the full-search counts agree (interleave, SPIN and SPIN COLLAPSE), the speed ratios
 *   (per CPU-second, and per wall-second), the 1-minute load average after the row.
 *
 * Why CPU seconds: this machine is shared (the load average is printed at the start, per row and
 * at the end); with more runnable processes than cores, wall time measures the scheduler. On an
 * idle machine the two agree (both searches are single-threaded). The wall-clock ratio is printed
 * beside it.
 *
 * SPIN runs `./pan -E -c0 -m100000`: invalid end states (deadlocks) neither stop nor count as
 * errors, every error is counted and the search goes on, and the depth limit (100,000 steps; the
 * models reach 141 on N = 6) is checked: pan saying it is too small fails the bench. SPIN is the
 * Debian package `spin`; if missing, this script installs it (apt-get, as root), and if that
 * fails, prints the interleave columns only, saying why.
 *
 * Then the partial-order reduction rows of issue 10 (bench/dpor.ts; `--dpor-only` runs them
 * alone): the leader-election ring (N = 5, 7, 9) and the sort pipeline (N = 7, 11, 13), each
 * with its generated Promela (bench/promelaDpor.ts, every step one atomic receive-update-send).
 * Per row: interleave BFS and DPOR (states, CPU seconds, wall seconds), SPIN -DNOREDUCE (whose
 * states must equal BFS's) and SPIN's default POR (states, CPU seconds), and whether the issue's
 * targets hold: DPOR stores at most SPIN POR's states; DPOR's CPU seconds are at most BFS's where
 * it stores at most 60% of BFS's states, else at most 1.3x. These searches take milliseconds, so
 * each is repeated until its runs add up to 1 CPU-second (at most 500 runs) and the fastest run
 * counts (see `timedRuns`); every run is the same deterministic search. The load average is
 * printed before and after the section.
 *
 * Last, the weak memory models (issue 17, bench/memoryModels.ts): states and seconds of litmus
 * tests and of C6/C8 under `sc`, `tso` and `arm`, and by how much the weak models multiply the
 * states. `--memory-models quick` (the default) runs the two-CPU litmus tests and C8's fix;
 * `full` every litmus test and every C6/C8 configuration (IRIW alone is over a million states
 * under `arm`: about 20 minutes at load 40); `skip` none.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Exploration, explore } from '../runtime/explorer.js';
import type { ExploreResult } from '../runtime/result.js';
import { exploreDpor } from '../runtime/strategies/dpor.js';
import { DEFAULT_MAILBOX_BOUND, type SystemSpec } from '../runtime/system.js';
import { diningPhilosophers } from '../scenarios/classic/diningPhilosophers.js';
import { diningPromela } from './promela.js';
import { c1Promela } from './promelaC1.js';
import { parallelBench } from './parallel.js';
import { dporBenchModels, dporTargets } from './dpor.js';
import { formatMemoryModelRows, memoryModelRows, type MemoryModelRow } from './memoryModels.js';

interface Run {
  states: number;
  transitions: number;
  /** Wall seconds (SPIN: pan's own elapsed time when above 0.05 s, else the wall clock of ./pan). */
  seconds: number;
  /** User + system CPU seconds. */
  cpuSeconds: number;
}

interface SpinRun extends Run {
  /** pan's "actual memory usage for states" in bytes. */
  stateBytes: number;
  /** pan's "total actual memory usage" in bytes. */
  totalBytes: number;
}

interface Row {
  model: string;
  interleave: Run & { memoHitRate: number; bytesPerState: number; peakRssMB: number };
  dpor?: { states: number; seconds: number };
  spinNoReduce?: SpinRun;
  spinCollapse?: SpinRun;
  spinPor?: SpinRun;
  /** Full-search state counts of interleave, SPIN -DNOREDUCE and SPIN -DCOLLAPSE agree. */
  countsAgree?: boolean;
  /** 1-minute load average when the row was done. */
  load: number;
}

type MemoryModelsMode = 'quick' | 'full' | 'skip';

const USAGE = 'usage: npm run bench -- [--json] [--max-n N] [--big] [--dpor-only] [--memory-models quick|full|skip] | --parallel [--n N]';

/** The bench's options (node:util parseArgs); a bad one prints the usage and exits 2. */
function parseBenchArgs(): { json: boolean; big: boolean; maxN: number; parallel: boolean; parallelN: number; dporOnly: boolean; memoryModels: MemoryModelsMode } {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        json: { type: 'boolean' },
        big: { type: 'boolean' },
        'max-n': { type: 'string' },
        parallel: { type: 'boolean' },
        n: { type: 'string' },
        'dpor-only': { type: 'boolean' },
        'memory-models': { type: 'string' },
      },
    });
    const integer = (name: string, raw: string | undefined, fallback: number, min: number, max = Infinity, why = ''): number => {
      const x = raw === undefined ? fallback : Number(raw);
      if (!Number.isInteger(x) || x < min) throw new Error(`option --${name} must be an integer of at least ${min}, got '${String(raw)}'`);
      if (x > max) throw new Error(`option --${name} must be at most ${max}${why}, got '${String(raw)}'`);
      return x;
    };
    // Options that the chosen mode would silently ignore are refused (hostile tester 2).
    const given = (name: string): boolean => (values as Record<string, unknown>)[name] !== undefined;
    const conflicts: Array<[string, string[]]> = [
      ['parallel', ['json', 'max-n', 'big', 'dpor-only', 'memory-models']],
      ['big', ['max-n', 'dpor-only', 'memory-models']],
      ['dpor-only', ['max-n', 'memory-models']],
    ];
    for (const [mode, ignored] of conflicts) {
      const clash = given(mode) ? ignored.find(given) : undefined;
      if (clash) throw new Error(`option --${clash} does nothing with --${mode}: --${mode} runs ${mode === 'parallel' ? 'the parallel search alone (text only)' : mode === 'big' ? 'dining philosophers N = 8 alone' : 'the partial-order reduction rows alone'}`);
    }
    if (given('n') && !given('parallel')) throw new Error('option --n sets the philosophers of --parallel; without --parallel use --max-n');
    const memoryModels = values['memory-models'] ?? 'quick';
    if (memoryModels !== 'quick' && memoryModels !== 'full' && memoryModels !== 'skip') throw new Error(`option --memory-models must be quick, full or skip, got '${memoryModels}'`);
    return {
      json: values.json === true,
      big: values.big === true,
      maxN: integer('max-n', values['max-n'], 7, 3, 7, ' (N = 8 is 33,270,750 states, 1,418 MB peak RSS in docs/bench.md: run it as --big)'),
      parallel: values.parallel === true,
      parallelN: integer('n', values.n, 7, 2),
      dporOnly: values['dpor-only'] === true,
      memoryModels,
    };
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  }
}

const { json, big, maxN, parallel, parallelN, dporOnly, memoryModels } = parseBenchArgs();
const OUT = join(process.cwd(), 'bench', 'out');
const ALL = { maxViolations: 1_000_000, maxStates: 50_000_000 };
const MIB = 1024 * 1024;

function log(text: string): void {
  if (!json) console.log(text);
}

function loadText(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
}

function has(cmd: string): boolean {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensureSpin(): string | undefined {
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

function versionOf(cmd: string, flag: string): string {
  try {
    return execFileSync(cmd, [flag], { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '?';
  } catch {
    return 'not installed';
  }
}

/** Full search as the bench runs it; the process's peak RSS is read right after it. */
function runInterleave(spec: SystemSpec, withDpor: boolean): Pick<Row, 'interleave' | 'dpor'> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const search = new Exploration(spec, ALL);
  const result = search.run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const bytes = search.memoryBytes();
  // The visited set lives in typed arrays outside the JS heap: the process's peak resident
  // set so far is the honest figure (monotonic over the run).
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const interleave = {
    states: result.stats.states,
    transitions: result.stats.transitions,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    memoHitRate: result.stats.memoHitRate,
    bytesPerState: bytes / result.stats.states,
    peakRssMB,
  };
  if (!withDpor) return { interleave };
  const d0 = performance.now();
  const dpor = exploreDpor(spec, ALL);
  return { interleave, dpor: { states: dpor.stats.states, seconds: (performance.now() - d0) / 1000 } };
}

type SpinMode = 'noreduce' | 'collapse' | 'por';

/** Compiles and runs a Promela model in `mode`; `hashBits` is pan's -w. */
function runSpin(name: string, promela: string, mode: SpinMode, hashBits?: number): SpinRun {
  const dir = join(OUT, `${name}-${mode}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.pml'), promela);
  execFileSync('spin', ['-a', 'model.pml'], { cwd: dir, stdio: 'ignore' });
  const defines = mode === 'noreduce' ? ['-DNOREDUCE'] : mode === 'collapse' ? ['-DNOREDUCE', '-DCOLLAPSE'] : [];
  execFileSync('gcc', ['-O2', '-DSAFETY', '-DMEMLIM=16384', ...defines, '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'ignore' });
  const panArgs = ['-E', '-c0', '-m100000', ...(hashBits ? [`-w${hashBits}`] : [])];
  const start = performance.now();
  // The shell's `times` prints its children's user and system time on its second line.
  const out = execFileSync('sh', ['-c', `./pan ${panArgs.join(' ')} > pan.out; status=$?; times; exit $status`], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = (performance.now() - start) / 1000;
  const panOut = execFileSync('cat', ['pan.out'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const times = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(out.trim());
  if (!times) throw new Error(`${name}: cannot read the shell's times for ./pan:\n${out}`);
  const cpuSeconds = 60 * Number(times[1]) + Number(times[2]) + 60 * Number(times[3]) + Number(times[4]);
  const num = (re: RegExp): number => {
    const m = re.exec(panOut);
    if (!m) throw new Error(`${name}: cannot read '${re.source}' from pan's output (bench/out/${name}-${mode}/pan.out):\n${panOut}`);
    return Number(m[1]);
  };
  if (/max search depth too small/.test(panOut)) throw new Error(`${name}: pan's depth limit -m100000 is too small (bench/out/${name}-${mode}/pan.out)`);
  // With -E and -c0, errors are assertion violations only: none may fire in an equivalent model.
  const errors = num(/errors: (\d+)/);
  if (errors > 0) throw new Error(`${name}: ${errors} assertion violation(s) in the Promela model (bench/out/${name}-${mode}/model.pml):\n${panOut}`);
  const states = num(/(\d+) states, stored/);
  // pan's own search time leaves out its start-up (allocating the hash table, about 0.3 s).
  const elapsed = /pan: elapsed time ([\d.e+-]+) seconds/.exec(panOut);
  const seconds = elapsed && Number(elapsed[1]) > 0.05 ? Number(elapsed[1]) : wall;
  return {
    states,
    transitions: num(/(\d+) transitions \(= stored\+matched\)/),
    seconds,
    cpuSeconds,
    stateBytes: num(/([\d.]+)\s+actual memory usage for states/) * MIB,
    totalBytes: num(/([\d.]+)\s+total actual memory usage/) * MIB,
  };
}

function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function perCpu(r: Run): number {
  return r.states / r.cpuSeconds;
}

function withSpin(row: Row, promela: string, spinProblem: string | undefined, hashBits?: number, modes: SpinMode[] = ['noreduce', 'collapse', 'por']): Row {
  if (spinProblem) return row;
  if (modes.includes('noreduce')) row.spinNoReduce = runSpin(row.model, promela, 'noreduce', hashBits);
  if (modes.includes('collapse')) row.spinCollapse = runSpin(row.model, promela, 'collapse', hashBits);
  if (modes.includes('por')) row.spinPor = runSpin(row.model, promela, 'por', hashBits);
  const counts = [row.spinNoReduce?.states, row.spinCollapse?.states].filter((x) => x !== undefined);
  row.countsAgree = counts.every((c) => c === row.interleave.states);
  row.load = loadavg()[0] as number;
  return row;
}

async function main(): Promise<void> {
  const spinProblem = ensureSpin();
  if (parallel) {
    // The parallel search beside one thread and SPIN's multi-core mode (bench/parallel.ts).
    return parallelBench(parallelN, OUT, spinProblem);
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, ${versionOf('spin', '-V')}, ${versionOf('gcc', '--version')}`;
  log(`machine: ${machine}`);
  log(`load average at the start (1 / 5 / 15 min): ${loadText()}`);
  if (spinProblem) log(`note: ${spinProblem}`);
  const rows: Row[] = [];
  const started = loadText();
  if (big) {
    // Nothing before it: the process's peak RSS is this search's.
    const n = 8;
    log(`dining philosophers N=${n}, exhaustive (interleave, then SPIN -DCOLLAPSE -w26) ...`);
    const row: Row = { model: `dining-philosophers-${n}`, ...runInterleave(diningPhilosophers({ n }), false), load: loadavg()[0] as number };
    rows.push(withSpin(row, diningPromela(n), spinProblem, 26, ['collapse']));
    report(rows, spinProblem, machine, started);
    return;
  }
  // Warm up the JIT on a small model so the first row is not penalised.
  new Exploration(diningPhilosophers({ n: 3 }), ALL).run();
  if (dporOnly) {
    report(rows, spinProblem, machine, started, dporRows(spinProblem), undefined);
    return;
  }
  for (let n = 3; n <= maxN; n++) {
    const spec = diningPhilosophers({ n });
    log(`dining philosophers N=${n} ...`);
    const row: Row = { model: `dining-philosophers-${n}`, ...runInterleave(spec, true), load: loadavg()[0] as number };
    rows.push(withSpin(row, diningPromela(n), spinProblem));
  }
  if (existsSync(join(process.cwd(), 'scenarios', 'c1.ts'))) {
    // Imported lazily: C1 is another engineer's model and may change shape.
    const c1 = await import('../scenarios/c1.js');
    for (const guests of [2, 3, 4]) {
      log(`C1 fixed, ${guests} guests ...`);
      const spec = c1.c1System({ variant: 'fixed', guests });
      const row: Row = { model: `C1-fixed-${guests}g`, ...runInterleave(spec, true), load: loadavg()[0] as number };
      rows.push(withSpin(row, c1Promela(guests, 1, spec.mailboxBound ?? DEFAULT_MAILBOX_BOUND), spinProblem));
    }
  }
  const dpor = dporRows(spinProblem);
  report(rows, spinProblem, machine, started, dpor, memoryModelTable());
}

/** One search timed by {@link timedRuns}: the fastest run's CPU and wall seconds. */
interface Timed {
  states: number;
  transitions: number;
  cpuSeconds: number;
  seconds: number;
  runs: number;
}

/** Runs whose CPU seconds add up to less than this are repeated (see {@link timedRuns}). */
const REPEAT_BELOW_CPU_SECONDS = 1;
const MAX_REPEATS = 500;

/**
 * Times `run` in CPU seconds (user + system of this process) and wall seconds. A search whose
 * runs add up to under {@link REPEAT_BELOW_CPU_SECONDS} CPU-second is run again, at most
 * {@link MAX_REPEATS} times, and the run with the fewest CPU seconds counts (its wall seconds
 * beside): a single run of a few milliseconds measures the garbage collector and the JIT, not
 * the search. Every run is the same deterministic search, so the counts are every run's.
 */
function timedRuns(run: () => ExploreResult): Timed {
  let best: Timed | undefined;
  let total = 0;
  for (let runs = 1; runs <= MAX_REPEATS; runs++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = run();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (!best || cpuSeconds < best.cpuSeconds) best = { states: result.stats.states, transitions: result.stats.transitions, cpuSeconds, seconds, runs };
    best.runs = runs;
    total += cpuSeconds;
    if (total >= REPEAT_BELOW_CPU_SECONDS) break;
  }
  return best as Timed;
}

/** A row of the partial-order reduction table (issue 10). */
interface DporRow {
  model: string;
  bfs: Timed;
  dpor: Timed;
  spinNoReduce?: SpinRun;
  spinPor?: SpinRun;
  /** BFS's states equal SPIN -DNOREDUCE's. */
  countsAgree?: boolean;
  /** bench/dpor.ts's verdict on the targets, by CPU seconds. */
  target: string;
  /** Whether every target holds. */
  targetsMet: boolean;
  load: number;
}

/** The ring and sort rows (bench/dpor.ts), with the load average before and after. */
function dporRows(spinProblem: string | undefined): { rows: DporRow[]; loadBefore: string; loadAfter: string } {
  const loadBefore = loadText();
  const rows: DporRow[] = [];
  for (const m of dporBenchModels()) {
    log(`${m.model} (bfs, dpor, SPIN with and without POR) ...`);
    const spec = m.build();
    const bfs = timedRuns(() => explore(spec, ALL));
    const dpor = timedRuns(() => exploreDpor(spec, ALL));
    const row: Partial<DporRow> & { model: string; bfs: Timed; dpor: Timed } = { model: m.model, bfs, dpor };
    if (!spinProblem) {
      row.spinNoReduce = runSpin(m.model, m.promela(), 'noreduce');
      row.spinPor = runSpin(m.model, m.promela(), 'por');
      row.countsAgree = row.spinNoReduce.states === bfs.states;
    }
    const verdict = dporTargets([{ model: m.model, bfs: { states: bfs.states, seconds: bfs.cpuSeconds }, dpor: { states: dpor.states, seconds: dpor.cpuSeconds }, ...(row.spinPor ? { spinPor: row.spinPor } : {}) }])[0] as string;
    rows.push({ ...row, target: verdict, targetsMet: !verdict.includes('MISSED'), load: loadavg()[0] as number });
  }
  return { rows, loadBefore, loadAfter: loadText() };
}

/** The weak memory models' rows (bench/memoryModels.ts), unless skipped. */
function memoryModelTable(): { mode: MemoryModelsMode; rows: MemoryModelRow[]; loadBefore: string; loadAfter: string } | undefined {
  if (memoryModels === 'skip') return undefined;
  const loadBefore = loadText();
  log(`weak memory models (${memoryModels}) ...`);
  const rows = memoryModelRows(memoryModels === 'quick');
  return { mode: memoryModels, rows, loadBefore, loadAfter: loadText() };
}

function report(
  rows: Row[],
  spinProblem: string | undefined,
  machine: string,
  startLoad: string,
  dpor?: ReturnType<typeof dporRows>,
  memory?: ReturnType<typeof memoryModelTable>,
): void {
  if (json) {
    console.log(JSON.stringify({ machine, loadAverage: { start: startLoad, end: loadText() }, spin: spinProblem ?? 'ok', rows, ...(dpor ? { dpor } : {}), ...(memory ? { memoryModels: memory } : {}) }, null, 2));
    return;
  }
  if (rows.length) mainTable(rows);
  if (dpor) dporTable(dpor);
  if (memory) {
    console.log('');
    console.log(`weak memory models (--memory-models ${memory.mode}; load average ${memory.loadBefore} before, ${memory.loadAfter} after): full search, not stopping at a violation`);
    console.log(formatMemoryModelRows(memory.rows));
  }
  console.log(`peak RSS of this process ${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
  console.log(`load average (1 / 5 / 15 min): ${startLoad} at the start, ${loadText()} at the end`);
}

/** The partial-order reduction table and the issue 10 targets per row. */
function dporTable(d: ReturnType<typeof dporRows>): void {
  const header = ['model', 'bfs states', 'bfs CPU s', 'bfs s', 'dpor states', 'dpor CPU s', 'dpor s', 'dpor/bfs states', 'dpor/bfs CPU s', 'dpor/bfs wall', 'runs bfs/dpor', 'spin states', 'agree', 'spin POR states', 'spin POR CPU s', 'targets', 'load'];
  console.log('');
  console.log(`partial-order reduction (issue 10; load average ${d.loadBefore} before, ${d.loadAfter} after): seconds are the fastest of the runs`);
  console.log('');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of d.rows) {
    const line = [
      r.model,
      fmt(r.bfs.states),
      fmt(r.bfs.cpuSeconds, 4),
      fmt(r.bfs.seconds, 4),
      fmt(r.dpor.states),
      fmt(r.dpor.cpuSeconds, 4),
      fmt(r.dpor.seconds, 4),
      fmt(r.dpor.states / r.bfs.states, 2),
      fmt(r.dpor.cpuSeconds / r.bfs.cpuSeconds, 2),
      fmt(r.dpor.seconds / r.bfs.seconds, 2),
      `${r.bfs.runs}/${r.dpor.runs}`,
      fmt(r.spinNoReduce?.states),
      r.countsAgree === undefined ? '—' : r.countsAgree ? 'yes' : 'NO',
      fmt(r.spinPor?.states),
      fmt(r.spinPor?.cpuSeconds, 2),
      r.targetsMet ? 'met' : 'MISSED',
      r.load.toFixed(1),
    ];
    console.log(`| ${line.join(' | ')} |`);
  }
  console.log('');
  console.log('DPOR targets (issue 10: states <= SPIN POR; CPU seconds <= BFS where DPOR stores <= 60% of the states, else <= 1.3x):');
  for (const r of d.rows) console.log(`  ${r.target}`);
  console.log(`  ${d.rows.filter((r) => r.targetsMet).length} of ${d.rows.length} rows meet every target`);
}

function mainTable(rows: Row[]): void {
  const header = [
    'model',
    'il states',
    'il trans',
    'il s',
    'il CPU s',
    'il states/CPU-s',
    'spin states',
    'spin CPU s',
    'spin states/CPU-s',
    'agree',
    'il/spin speed (CPU)',
    'il/spin speed (wall)',
    'il B/state',
    'spin COLLAPSE B/state',
    'dpor states',
    'spin POR states',
    'load',
  ];
  const lines = rows.map((r) => {
    const il = r.interleave;
    const spin = r.spinNoReduce;
    return [
      r.model,
      fmt(il.states),
      fmt(il.transitions),
      fmt(il.seconds, 2),
      fmt(il.cpuSeconds, 2),
      fmt(perCpu(il)),
      fmt(spin?.states ?? r.spinCollapse?.states),
      fmt(spin?.cpuSeconds ?? r.spinCollapse?.cpuSeconds, 2),
      fmt(spin ? perCpu(spin) : r.spinCollapse ? perCpu(r.spinCollapse) : undefined),
      r.countsAgree === undefined ? '—' : r.countsAgree ? 'yes' : 'NO',
      spin ? fmt(perCpu(il) / perCpu(spin), 2) : '—',
      spin ? fmt(il.states / il.seconds / (spin.states / spin.seconds), 2) : '—',
      fmt(il.bytesPerState, 1),
      r.spinCollapse ? fmt(r.spinCollapse.stateBytes / r.spinCollapse.states, 1) : '—',
      fmt(r.dpor?.states),
      fmt(r.spinPor?.states),
      r.load.toFixed(1),
    ];
  });
  console.log('');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
  console.log('');
  for (const r of rows) {
    const c = r.spinCollapse;
    console.log(
      `${r.model}: memo hit rate ${(r.interleave.memoHitRate * 100).toFixed(2)}%, ${fmt(r.interleave.bytesPerState, 1)} bytes/state held, peak RSS ${fmt(r.interleave.peakRssMB)} MB after its full search` +
        (c ? `; SPIN -DCOLLAPSE: ${fmt(c.states)} states in ${fmt(c.cpuSeconds, 1)} CPU-s (${fmt(c.seconds, 1)} s elapsed), ${fmt(c.stateBytes / MIB)} MB for states, ${fmt(c.totalBytes / MIB)} MB in all (pan's count)` : ''),
    );
  }
}

await main();
