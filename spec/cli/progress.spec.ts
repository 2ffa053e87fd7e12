/**
 * The progress line of a long search (cli/progress.ts): what it shows, and when. Time and
 * memory come from the probes the command line passes (here fakes), never from the engine.
 */
import { describe, expect, it } from 'vitest';
import { progressSink } from '../../cli/progress.js';
import type { ExploreStats } from '../../runtime/result.js';

const stats = (states: number): ExploreStats => ({ states, transitions: 0, xstateCalls: 0, memoHits: 0, memoHitRate: 0, localStates: 0, messages: 0, maxDepthReached: 12, bytesPerState: 0 });

describe('the progress line', () => {
  it('should show states, rate, frontier, depth, memory in use, violations and time on a terminal', () => {
    const written: string[] = [];
    let now = 0;
    const sink = progressSink((t) => written.push(t), true, () => now, () => 300 * 1024 * 1024);
    now = 2_000;
    sink.update(stats(50_000), 1, 12_345);
    expect(written).toEqual(['\r\x1b[2K50,000 states  25,000 states/s  frontier 12,345  depth 12  300 MB  1 violation  2.0 s']);
    sink.finish();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('should leave the frontier out for a strategy that has none (sampling)', () => {
    const written: string[] = [];
    let now = 0;
    const sink = progressSink((t) => written.push(t), true, () => now, () => 64 * 1024 * 1024);
    now = 1_000;
    sink.update(stats(10), 0);
    expect(written).toEqual(['\r\x1b[2K10 states  10 states/s  depth 12  64 MB  0 violations  1.0 s']);
  });

  it('should print a plain line at most every ten seconds elsewhere (CI logs), and nothing for short runs', () => {
    const written: string[] = [];
    let now = 0;
    const sink = progressSink((t) => written.push(t), false, () => now, () => 1024 * 1024);
    now = 5_000;
    sink.update(stats(1), 0, 1);
    expect(written).toEqual([]);
    now = 10_000;
    sink.update(stats(100_000), 0, 7);
    now = 15_000;
    sink.update(stats(150_000), 0, 7);
    expect(written).toEqual(['progress: 100,000 states  10,000 states/s  frontier 7  depth 12  1 MB  0 violations  10.0 s\n']);
  });
});
