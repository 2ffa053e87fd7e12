/**
 * The partial-order reduction rows of `npm run bench` (issue 10): the leader-election ring and
 * the sort pipeline (scenarios/classic/), each with its generated equivalent Promela
 * (bench/promelaDpor.ts), and the targets DPOR is held to on every row of the bench.
 *
 * Targets (issue 10): DPOR stores at most as many states as SPIN's partial-order reduction on
 * the equivalent Promela model; DPOR takes at most BFS's seconds where it stores at most 60% of
 * the states, and at most 1.3x BFS's seconds elsewhere. Seconds are compared within one run of
 * the bench (the machine may be shared: the bench prints the load average with them).
 */
import type { SystemSpec } from '../runtime/system.js';
import { leaderElection } from '../scenarios/classic/leaderElection.js';
import { sortPipeline } from '../scenarios/classic/sortPipeline.js';
import { ringPromela, sortPromela } from './promelaDpor.js';

/** A bench model: the interleave system and its equivalent Promela. */
export interface BenchModel {
  model: string;
  build: () => SystemSpec;
  promela: () => string;
}

/** The ring (N = 5, 7, 9) and the sort pipeline (N = 7, 11, 13). */
export function dporBenchModels(): BenchModel[] {
  return [
    ...[5, 7, 9].map((n) => ({ model: `leader-election-${n}`, build: () => leaderElection({ n }), promela: () => ringPromela(n) })),
    ...[7, 11, 13].map((n) => ({ model: `sort-pipeline-${n}`, build: () => sortPipeline({ n }), promela: () => sortPromela(n) })),
  ];
}

/** What the targets need of a row. */
export interface TargetRow {
  model: string;
  bfs: { states: number; seconds: number };
  dpor: { states: number; seconds: number };
  spinPor?: { states: number };
}

/** The share of BFS's states at or below which DPOR must also be at most as slow as BFS. */
export const REDUCED_SHARE = 0.6;
/** Elsewhere, DPOR may take at most this many times BFS's seconds. */
export const SLOWDOWN_ALLOWED = 1.3;

/** Each row's verdict on the targets, one line each: `ok` or what was missed. */
export function dporTargets(rows: readonly TargetRow[]): string[] {
  return rows.map((r) => {
    const missed: string[] = [];
    if (r.spinPor && r.dpor.states > r.spinPor.states) missed.push(`DPOR stores ${r.dpor.states} states, SPIN's POR ${r.spinPor.states}`);
    const share = r.dpor.states / r.bfs.states;
    const allowed = share <= REDUCED_SHARE ? 1 : SLOWDOWN_ALLOWED;
    const ratio = r.dpor.seconds / r.bfs.seconds;
    if (ratio > allowed) missed.push(`DPOR takes ${ratio.toFixed(2)}x BFS's seconds storing ${(share * 100).toFixed(0)}% of its states (allowed ${allowed}x)`);
    return `${r.model}: ${missed.length ? `MISSED: ${missed.join('; ')}` : `ok (${(share * 100).toFixed(0)}% of BFS's states, ${ratio.toFixed(2)}x its seconds${r.spinPor ? `, ${r.dpor.states} <= SPIN POR's ${r.spinPor.states}` : ''})`}`;
  });
}
