/**
 * Arguments beyond the regression table of hostile inputs (hostile.ts, which lists every bad
 * argument with the line it gets): what a usage error adds, and notes on valid arguments.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/interleave.js';
import { FIXTURES, inProcess } from './support.js';

const MODEL = `${FIXTURES}/hostile.ts`;

describe('arguments', () => {
  it('should point to the command help after a usage error, but not after a model error', async () => {
    expect((await inProcess('explore', MODEL, '--seed', 'x')).err).toContain("run 'interleave explore --help' for usage");
    expect((await inProcess('explore', `${FIXTURES}/throws.ts`)).err).not.toContain('--help');
  });

  it('should accept durations with units, and say that --seed does nothing for bfs', async () => {
    const r = await inProcess('explore', MODEL, '--time-limit', '20000ms', '--seed', '7', '--max-states=100000');
    expect(r.code).toBe(1);
    expect(r.err).toContain('note: --seed has no effect with --strategy bfs; it seeds randomised strategies');
  });

  it('should count --time-limit from when the command started, loading included', async () => {
    let out = '';
    const io = { out: (t: string) => (out += t), err: () => undefined, isTTY: false, startedAt: performance.now() - 60_000 };
    const code = await main(['explore', MODEL, '--time-limit', '30s'], io);
    expect(code).toBe(3);
    expect(out).toContain('bound timeLimitMs = 30,000 tripped');
  });
});
