/**
 * Progress of a long search, fed by the explorer's rxjs stream (`explore$` progress events).
 * On a terminal: one line rewritten in place (states, states/s, the frontier: states found and
 * not yet expanded, depth, memory in use, violations so far, elapsed time), at most ten times a
 * second. Elsewhere (CI logs): a quiet line at most every ten seconds, so short runs print
 * nothing and long ones show they are alive.
 *
 * Time and memory are read here, at the edge (`now`, `memory`: the process's resident set by
 * default); the engine reads neither, so its results stay deterministic.
 */
import type { ExploreStats } from '../runtime/explorer.js';
import { count } from './reports/table.js';

export interface ProgressSink {
  /** `frontier`: states waiting to be expanded (undefined for sampling strategies, which have none). */
  update(stats: ExploreStats, violations: number, frontier?: number): void;
  /** Clears the terminal line before the result prints. */
  finish(): void;
}

/** `memory`: bytes in use, read when a line is drawn. */
export function progressSink(write: (text: string) => void, isTTY: boolean, now: () => number, memory: () => number = () => process.memoryUsage.rss()): ProgressSink {
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  const every = isTTY ? 100 : 10_000;
  return {
    update(stats, violations, frontier) {
      const t = now();
      if (t - lastDraw < every || (!isTTY && t - started < every)) return;
      lastDraw = t;
      const seconds = (t - started) / 1000;
      const rate = seconds > 0 ? Math.round(stats.states / seconds) : 0;
      const queued = frontier === undefined ? '' : `  frontier ${count(frontier)}`;
      const mib = Math.round(memory() / (1024 * 1024));
      const line = `${count(stats.states)} states  ${count(rate)} states/s${queued}  depth ${stats.maxDepthReached}  ${count(mib)} MB  ${violations} violation${violations === 1 ? '' : 's'}  ${seconds.toFixed(1)} s`;
      if (isTTY) {
        write(`\r\x1b[2K${line}`);
        drawn = true;
      } else {
        write(`progress: ${line}\n`);
      }
    },
    finish() {
      if (drawn) write('\r\x1b[2K');
      drawn = false;
    },
  };
}
