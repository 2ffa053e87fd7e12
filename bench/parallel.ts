/**
 * `npm run bench -- --parallel [--n 7]`: the shared-memory parallel search against one thread and
 * against SPIN, side by side, on lock-ordered dining philosophers (a full search that verifies:
 * N = 7 is 3.8 M states). Rows: `bfs` (one thread); `parallel-bfs` with 1 and 2 participants
 * (the calling thread plus worker threads); SPIN -DNOREDUCE on one core and with -DNCORE=2
 * (SPIN's multi-core mode). Each row: states, transitions, wall seconds, CPU seconds of this
 * process (every thread) and states per wall second; then whether the counts agree and the
 * speed-up of 2 participants over one thread (issue 16's target: at least 1.7).
 *
 * The load average is printed before and after every row: on a shared machine the wall-clock
 * figures are only as good as the load lets them be, and the CPU seconds say how much work was
 * done. SPIN's seconds are the wall clock of `./pan` (its start-up included), since its
 * multi-core mode reports per-core times.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ExploreResult } from '../runtime/result.js';
import { explore } from '../runtime/explorer.js';
import { exploreParallel } from '../runtime/parallel/coordinator.js';
import { diningPhilosophers } from '../scenarios/classic/diningPhilosophers.js';
import { diningPromela } from './promela.js';

interface Row {
  run: string;
  states: number;
  transitions: number;
  seconds: number;
  cpuSeconds?: number;
  load: string;
}

// The default maxStates (5 M) holds N = 7's 3.8 M states; the parallel search sizes its shared
// hash table for maxStates up front (pages are committed as they are touched).
const ALL = { maxViolations: 1_000_000 };

function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

function timed(run: string, go: () => ExploreResult): Row {
  const before = load();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = go();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (r.verdict !== 'verified') throw new Error(`${run}: expected a verified full search, got ${r.verdict}`);
  return { run, states: r.stats.states, transitions: r.stats.transitions, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, load: `${before} -> ${load()}` };
}

function spin(n: number, cores: number, out: string): Row | string {
  const dir = join(out, `dining-ordered-${n}-ncore${cores}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.pml'), diningPromela(n, true));
    execFileSync('spin', ['-a', 'model.pml'], { cwd: dir, stdio: 'ignore' });
    execFileSync('gcc', ['-O2', '-DSAFETY', '-DMEMLIM=8192', '-DNOREDUCE', ...(cores > 1 ? [`-DNCORE=${cores}`] : []), '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'ignore' });
  } catch (err) {
    return `SPIN (${cores} core${cores > 1 ? 's' : ''}) could not be built: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  const before = load();
  const t0 = performance.now();
  const text = execFileSync('./pan', ['-E', '-c0', '-m10000000'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  const states = /(\d+) states, stored/.exec(text);
  const transitions = /(\d+) transitions \(= stored\+matched\)/.exec(text);
  if (!states) return `SPIN (${cores} cores): cannot read the state count from pan's output`;
  return { run: cores > 1 ? `SPIN -DNOREDUCE -DNCORE=${cores}` : 'SPIN -DNOREDUCE, 1 core', states: Number(states[1]), transitions: transitions ? Number(transitions[1]) : NaN, seconds, load: `${before} -> ${load()}` };
}

function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function parallelBench(n: number, out: string, spinProblem: string | undefined): void {
  const args = { n, ordered: true };
  const spec = diningPhilosophers(args);
  const source = { module: new URL('../scenarios/classic/diningPhilosophers.ts', import.meta.url).href, export: 'diningPhilosophers', args: [args] };
  console.log(`lock-ordered dining philosophers N=${n}, full search; load average (1, 5, 15 min) now ${load()}`);
  // Warm up the JIT (and tsx's transform cache for the workers) on a small model.
  explore(diningPhilosophers({ n: 4, ordered: true }), ALL);
  exploreParallel(diningPhilosophers({ n: 4, ordered: true }), { ...ALL, workers: 2, source: { ...source, args: [{ n: 4, ordered: true }] } });
  const rows: Row[] = [];
  rows.push(timed('bfs, one thread', () => explore(spec, ALL)));
  rows.push(timed('parallel-bfs, 1 participant', () => exploreParallel(spec, { ...ALL, workers: 1, source })));
  rows.push(timed('parallel-bfs, 2 participants', () => exploreParallel(spec, { ...ALL, workers: 2, source })));
  const notes: string[] = [];
  if (spinProblem) notes.push(spinProblem);
  else {
    for (const cores of [1, 2]) {
      const r = spin(n, cores, out);
      if (typeof r === 'string') notes.push(r);
      else rows.push(r);
    }
  }
  console.log('');
  console.log('| run | states | transitions | wall s | CPU s | states/s (wall) | load average before -> after |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.run} | ${fmt(r.states)} | ${fmt(r.transitions)} | ${fmt(r.seconds, 2)} | ${r.cpuSeconds === undefined ? '—' : fmt(r.cpuSeconds, 2)} | ${fmt(r.states / r.seconds)} | ${r.load} |`);
  console.log('');
  const [one, p1, p2] = rows as [Row, Row, Row];
  const agree = [p1, p2].every((r) => r.states === one.states && r.transitions === one.transitions);
  console.log(`counts identical (states, transitions) across bfs and parallel-bfs: ${agree ? 'yes' : 'NO'}`);
  const spinRows = rows.slice(3);
  if (spinRows.length) console.log(`SPIN's states: ${spinRows.map((r) => fmt(r.states)).join(', ')} (${spinRows.every((r) => r.states === one.states) ? 'equal to ours' : 'NOT equal to ours'})`);
  const speedup = one.seconds / p2.seconds;
  console.log(`2 participants vs one thread: ${speedup.toFixed(2)}x states/s (target >= 1.7); 1 participant: ${(one.seconds / p1.seconds).toFixed(2)}x`);
  // CPU seconds say how much work each row did whatever the load; wall seconds say how long it
  // took, which on a loaded machine depends on how much of a core each thread got.
  const extra = (r: Row): string => {
    const pct = ((r.cpuSeconds ?? NaN) / (one.cpuSeconds ?? NaN) - 1) * 100;
    return `${pct >= 0 ? '+' : ''}${pct.toFixed(0)}%`;
  };
  console.log(`CPU seconds (every thread of this process): one thread ${fmt(one.cpuSeconds, 2)}, 1 participant ${fmt(p1.cpuSeconds, 2)} (${extra(p1)}), 2 participants ${fmt(p2.cpuSeconds, 2)} (${extra(p2)}); wall seconds ${fmt(one.seconds, 2)} / ${fmt(p1.seconds, 2)} / ${fmt(p2.seconds, 2)}`);
  for (const note of notes) console.log(`note: ${note}`);
  console.log(`load average now ${load()} (${availableParallelism()} cores; under load the wall-clock figures are only as good as the load allows)`);
}
