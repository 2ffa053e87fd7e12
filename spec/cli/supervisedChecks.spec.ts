/**
 * `--checkers`, the after-search analyses (race, liveness), `--reach` and `--outcomes` on the
 * paths that build the system in another thread: the supervised explore (the command line's
 * default: cli/supervised/) and parallel-bfs's workers. Each answer is compared with the one
 * the same command gives in this thread, so nothing the options ask for is dropped on the way.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/interleave.js';
import { ROOT, inProcess, type Ran } from './support.js';
import { applyCheckers } from '../../runtime/checkers/apply.js';
import { exploreParallel } from '../../runtime/parallel/coordinator.js';
import { workerSystem } from '../../runtime/parallel/source.js';
import fixture from './fixtures/parallelLockdep.js';

const BUFFER = 'spec/cli/fixtures/unlockedBuffer.ts';
const DIR = join(ROOT, 'spec/out/supervisedChecks');

/** `interleave <args>` in this process with explore's search in a supervised worker thread, as the real command runs it. */
async function supervised(...args: string[]): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, supervise: true });
  return { code, out, err };
}

/** A JSON report without what differs from run to run (times, the tool's clock). */
function comparable(json: string): unknown {
  return JSON.parse(json, (k, v: unknown) => (k === 'timeMs' || k === 'statesPerSecond' || k === 'seconds' ? undefined : v));
}

beforeAll(() => {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(
    join(DIR, 'loopingOutcome.ts'),
    `import { createMachine, assign } from 'xstate';
export default { name: 'loops', actors: [{ name: 'a', machine: createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'd', actions: assign(() => { for (;;); }) } } }, d: { type: 'final' } } }) }], initialMessages: [{ to: 'a', event: { type: 'go' } }] };
`,
  );
});

describe('checkers and queries under supervision', () => {
  it('should find the race and say which checkers judged, as in this thread', async () => {
    for (const args of [
      ['explore', BUFFER, '--checkers', 'race,uaf', '--json'],
      ['explore', 'examples/irqLock.ts', '--checkers', 'lockdep', '--json'],
      ['explore', 'examples/irqLock.ts', '--checkers', 'none', '--json'],
    ]) {
      const here = await inProcess(...args);
      const there = await supervised(...args);
      expect(there.code).toBe(here.code);
      expect(comparable(there.out)).toEqual(comparable(here.out));
    }
    const text = await supervised('explore', BUFFER, '--checkers', 'race');
    expect(text.code).toBe(1);
    expect(text.out).toContain("data-race: data race on buf.len: 'cpu0' writes it (step 1) and 'cpu1' writes it (step 2)");
    expect(text.out).toContain('; checkers: deadlock, assertions, race)');
  }, 120_000);

  it('should say so when liveness is asked of a system without liveness properties', async () => {
    const r = await supervised('explore', BUFFER, '--checkers', 'liveness');
    expect(r.code).toBe(0);
    expect(r.out).toContain("note: liveness: the system declares no 'liveness' properties, so there was nothing to check");
  }, 60_000);

  it('should answer --reach and --outcomes in the worker with the answers of this thread', async () => {
    for (const args of [
      ['explore', 'examples/flagHandshake.ts', '--reach', 'both-claimed'],
      ['explore', 'examples/flagHandshakeLocked.ts', '--reach', 'all', '--json'],
      ['explore', 'examples/twoCpuLock.ts', '--outcomes'],
      ['explore', 'examples/twoCpuLock.ts', '--outcomes', '--json'],
    ]) {
      const here = await inProcess(...args);
      const there = await supervised(...args);
      expect(there.code).toBe(here.code);
      expect(there.out).toBe(here.out);
    }
  }, 120_000);

  it('should stop a query whose step never returns, naming the step (exit 3)', async () => {
    const r = await supervised('explore', join(DIR, 'loopingOutcome.ts'), '--outcomes', '--step-time-limit', '500ms');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^no answer: actor 'a' in state 'i' on message 'go' did not return within [\d,]+ ms/u);
  }, 60_000);
});

describe('checkers under parallel-bfs', () => {
  const LOCKDEP = 'spec/cli/fixtures/parallelLockdep.ts';

  it('should judge by the --checkers list (the same violations as bfs), in this thread and supervised', async () => {
    for (const list of ['lockdep', 'none']) {
      const bfs = JSON.parse((await inProcess('explore', LOCKDEP, '--checkers', list, '--json')).out) as { runs: Array<{ verdict: string; checkers: string[]; violations: Array<{ kind: string; token: string }> }> };
      for (const run of [inProcess, supervised]) {
        const par = JSON.parse((await run('explore', LOCKDEP, '--checkers', list, '--workers', '2', '--json')).out) as typeof bfs;
        expect(par.runs[0]?.verdict).toBe(bfs.runs[0]?.verdict);
        expect(par.runs[0]?.checkers).toEqual(bfs.runs[0]?.checkers);
        expect(par.runs[0]?.violations.map((v) => [v.kind, v.token])).toEqual(bfs.runs[0]?.violations.map((v) => [v.kind, v.token]));
      }
    }
  }, 180_000);

  it("should give every worker thread the list, which it applies to the system it builds with the model's own checkers", async () => {
    const source = { module: join(ROOT, LOCKDEP) };
    const mod = (await import('./fixtures/parallelLockdep.js')) as Record<string, unknown>;
    const name = (w: { checkers: Array<() => { name: string }> }): string[] => w.checkers.map((make) => make().name);
    expect(name(workerSystem(mod, source))).toEqual(['lockdep']);
    expect(name(workerSystem(mod, source, ['none']))).toEqual([]);
    expect(name(workerSystem(mod, source, ['uaf', 'race']))).toEqual(['use-after-free']);
    // The coordinator passes the list on to the threads it starts (the search ends as one thread's would).
    const none = applyCheckers(fixture, [], ['none'], 'option --checkers').system;
    const listed = exploreParallel(none, { workers: 2, source, awaitWorkers: true, checkerNames: ['none'] });
    expect(listed.verdict).toBe('verified');
  }, 60_000);

  it('should run the race analysis after a parallel search', async () => {
    const r = await supervised('explore', 'spec/cli/fixtures/parallelRace.ts', '--checkers', 'race', '--workers', '2');
    expect(r.code).toBe(1);
    expect(r.out).toContain('data-race: data race on buf.len');
    expect(r.out).toContain('strategy parallel-bfs');
  }, 60_000);

  it('should refuse --reach and --outcomes with --workers, naming the option (exit 2)', async () => {
    const r = await supervised('explore', 'examples/flagHandshake.ts', '--reach', 'all', '--workers', '2');
    expect(r.code).toBe(2);
    expect(r.err).toContain('option --workers does not apply to --reach or --outcomes');
  });
});
