/**
 * The cost of the weak memory models (issue 17): states, transitions and seconds of each litmus
 * test of examples/litmus/lkmm.ts and of C6 and C8 (scenarios/c6Wmm.ts, c8Wmm.ts) under `sc`,
 * `tso` and `arm`, full search (not stopping at a violation), and by how much `tso` and `arm`
 * multiply the states of `sc`; seconds are CPU seconds of this process (user + system, what to
 * compare on a shared machine) with wall seconds beside. Part of `npm run bench`
 * (`--memory-models quick|full|skip`, bench/run.ts), or on its own:
 *
 *     npx tsx bench/memoryModels.ts [--quick] [--json]
 *
 * `--quick` runs only the two-CPU litmus tests and C8 (a check that the bench still runs, as CI
 * does); the full table is for an idle machine: the load average is printed with it, since the
 * machine is shared and seconds taken under load mean little.
 */
import { loadavg } from 'node:os';
import { explore } from '../runtime/explorer.js';
import type { SystemSpec } from '../runtime/system.js';
import { litmusSystem } from '../protocols/litmus.js';
import type { MemoryModel } from '../protocols/weakMemory.js';
import { ALL_LITMUS } from '../examples/litmus/lkmm.js';
import { c6System } from '../scenarios/c6.js';
import { C8_CODES, c8WmmSystem } from '../scenarios/c8Wmm.js';

const MODELS: readonly MemoryModel[] = ['sc', 'tso', 'arm'];

export interface MemoryModelCell {
  states: number;
  transitions: number;
  /** Wall seconds. */
  seconds: number;
  /** CPU seconds of this process (user + system), the figure to compare on a shared machine. */
  cpuSeconds: number;
  violations: number;
}

export interface MemoryModelRow {
  model: string;
  cells: Record<MemoryModel, MemoryModelCell>;
}

function measure(spec: SystemSpec): MemoryModelCell {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = explore(spec, { maxViolations: 1_000_000, maxStates: 20_000_000 });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { states: r.stats.states, transitions: r.stats.transitions, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, violations: r.violations.length };
}

/** The models the table measures: litmus tests, C6 (buggy, fixed, fixed with an unordered SMC), C8 (every code variant). */
export function memoryModelCases(quick: boolean): Array<{ model: string; build: (m: MemoryModel) => SystemSpec }> {
  const litmus = ALL_LITMUS.filter((t) => !quick || t.threads.length === 2).map((t) => ({ model: t.name, build: (m: MemoryModel) => litmusSystem(t, m) }));
  const c6 = quick
    ? []
    : [
        { model: 'C6 buggy', build: (m: MemoryModel) => c6System({ variant: 'buggy', memory: { model: m } }) },
        { model: 'C6 fixed', build: (m: MemoryModel) => c6System({ variant: 'fixed', memory: { model: m } }) },
        { model: 'C6 fixed, SMC unordered', build: (m: MemoryModel) => c6System({ variant: 'fixed', memory: { model: m, smcOrders: false } }) },
      ];
  const c8 = C8_CODES.filter((c) => !quick || c === 'fix').map((c) => ({ model: `C8 publish ${c}`, build: (m: MemoryModel) => c8WmmSystem(c, m) }));
  return [...litmus, ...c6, ...c8];
}

/** Measures every case under every model. */
export function memoryModelRows(quick = false): MemoryModelRow[] {
  return memoryModelCases(quick).map(({ model, build }) => ({ model, cells: Object.fromEntries(MODELS.map((m) => [m, measure(build(m))])) as Record<MemoryModel, MemoryModelCell> }));
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

/** The table as text, with the multiplication factors. */
export function formatMemoryModelRows(rows: MemoryModelRow[]): string {
  const num = (n: number): string => n.toLocaleString('en-US');
  const head = ['model', ...MODELS.flatMap((m) => [`${m} states`, `${m} CPU s`, `${m} s`]), 'tso/sc', 'arm/sc'];
  const body = rows.map((r) => [
    r.model,
    ...MODELS.flatMap((m) => [num(r.cells[m].states), r.cells[m].cpuSeconds.toFixed(2), r.cells[m].seconds.toFixed(2)]),
    (r.cells.tso.states / r.cells.sc.states).toFixed(1),
    (r.cells.arm.states / r.cells.sc.states).toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const tso = rows.map((r) => r.cells.tso.states / r.cells.sc.states);
  const arm = rows.map((r) => r.cells.arm.states / r.cells.sc.states);
  return [
    line(head),
    ...body.map(line),
    '',
    `states multiplied over sc: tso geometric mean ${geomean(tso).toFixed(1)}x (max ${Math.max(...tso).toFixed(1)}x), arm geometric mean ${geomean(arm).toFixed(1)}x (max ${Math.max(...arm).toFixed(1)}x), over ${rows.length} models`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const started = performance.now();
  const rows = memoryModelRows(quick);
  if (args.includes('--json')) console.log(JSON.stringify({ loadavg: loadavg(), rows }, null, 2));
  else {
    console.log(`weak memory models: states and seconds, full search (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(formatMemoryModelRows(rows));
    console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
