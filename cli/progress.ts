/**
 * Progress of a long search, fed by the explorer's rxjs stream (`explore$` progress events).
 * On a terminal: one line rewritten in place (states, states/s, depth, violations so far,
 * elapsed time), at most ten times a second. Elsewhere (CI logs): a quiet line at most every
 * ten seconds, so short runs print nothing and long ones show they are alive.
 */
import type { ExploreStats } from '../runtime/explorer.js';
import { count } from './reports/table.js';

export interface ProgressSink {
  update(stats: ExploreStats, violations: number): void;
  /** Clears the terminal line before the result prints. */
  finish(): void;
}

export function progressSink(write: (text: string) => void, isTTY: boolean, now: () => number): ProgressSink {
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  const every = isTTY ? 100 : 10_000;
  return {
    update(stats, violations) {
      const t = now();
      if (t - lastDraw < every || (!isTTY && t - started < every)) return;
      lastDraw = t;
      const seconds = (t - started) / 1000;
      const rate = seconds > 0 ? Math.round(stats.states / seconds) : 0;
      const line = `${count(stats.states)} states  ${count(rate)} states/s  depth ${stats.maxDepthReached}  ${violations} violation${violations === 1 ? '' : 's'}  ${seconds.toFixed(1)} s`;
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
