/**
 * The supervised search (cli/supervised/host.ts, issue 13 item 1; the package's
 * 'interleave-explorer/supervised' entry): user code runs
 * in a worker thread, and a step that never returns ends the search with a partial result that
 * names it, instead of hanging the caller.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelError, runStrategy } from '../../runtime/index.js';
import { exploreSupervised } from '../../cli/supervised/host.js';
import twoCpuLock from '../../examples/twoCpuLock.js';
import { ROOT } from './support.js';

const DIR = join(ROOT, 'spec/out/supervised');
const model = (body: string): string => `
import { createMachine, assign } from 'xstate';
export default { name: 's', actors: [{ name: 'a', machine: createMachine({ id: 'a', initial: 'i', states: ${body} }) }], initialMessages: [{ to: 'a', event: { type: 'go' } }] };
`;

beforeAll(() => {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'loop.ts'), model("{ i: { on: { go: { target: 'd', actions: assign(() => { for (;;); }) } } }, d: { type: 'final' } }"));
  writeFileSync(join(DIR, 'random.ts'), model("{ i: { on: { go: [{ guard: () => Math.random() < 0.5, target: 'd' }, { target: 'd' }] } }, d: { type: 'final' } }"));
});

describe('exploreSupervised', () => {
  it('should give the result the search gives in the caller thread', async () => {
    const supervised = await exploreSupervised({ module: join(ROOT, 'examples/twoCpuLock.ts') }, 'dfs');
    expect(supervised).toEqual(runStrategy('dfs', twoCpuLock));
  }, 60_000);

  it('should end a step that never returns with a partial result naming actor, state and message', async () => {
    const r = await exploreSupervised({ module: join(DIR, 'loop.ts') }, 'bfs', { stepTimeLimitMs: 500 });
    expect(r.verdict).toBe('incomplete');
    expect(r.covered).toEqual({ kind: 'stopped', by: 'stepTimeMs' });
    expect(r.bound?.name).toBe('stepTimeMs');
    expect(r.bound?.hint).toMatch(/^actor 'a' in state 'i' on message 'go' did not return within [\d,]+ ms/u);
    expect(r.stats.states).toBe(1);
  }, 60_000);

  it('should stop it on abort, as Ctrl-C', async () => {
    const controller = new AbortController();
    const slow: string[] = [];
    const r = await exploreSupervised({ module: join(DIR, 'loop.ts') }, 'dpor', {
      signal: controller.signal,
      onSlowStep: (step) => {
        slow.push(step);
        controller.abort();
      },
    });
    expect(slow).toEqual(["actor 'a' in state 'i' on message 'go'"]);
    expect(r.interrupted).toBe(true);
    expect(r.note).toMatch(/^actor 'a' in state 'i' on message 'go' did not return within [\d,]+ ms of Ctrl-C/u);
  }, 60_000);

  it('should reject with a ModelError for a model error in the worker', async () => {
    await expect(exploreSupervised({ module: join(DIR, 'random.ts') }, 'bfs')).rejects.toThrow(ModelError);
    await expect(exploreSupervised({ module: join(DIR, 'random.ts') }, 'bfs')).rejects.toThrow("not deterministic: actor 'a' in state 'i' on message 'go'");
  }, 60_000);
});
