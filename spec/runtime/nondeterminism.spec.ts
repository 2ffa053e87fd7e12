/**
 * Nondeterminism is found every time, not by chance (issue 13 item 4): each new step is
 * evaluated twice and compared, and the usual sources (Math.random, the clocks, crypto) are
 * trapped while user code runs (runtime/purity.ts). Before, a Math.random guard gave "verified",
 * an assertion or "not deterministic" depending on the run.
 */
import { assign, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ModelError, explore, type SystemSpec } from '../../runtime/index.js';
import { STRATEGY_NAMES, runStrategy } from '../../runtime/strategies/index.js';

const done = { type: 'final' } as const;

/** One actor 'a' in state 'i' that gets one 'go' (as the hostile table's models). */
function one(states: Record<string, unknown>, context: Record<string, unknown> = {}): SystemSpec {
  return {
    name: 'nd',
    actors: [{ name: 'a', machine: createMachine({ id: 'a', initial: 'i', context, states } as never) }],
    initialMessages: [{ to: 'a', event: { type: 'go' } }],
  };
}

const randomGuard = (): SystemSpec => one({ i: { on: { go: [{ guard: () => Math.random() < 0.5, target: 'd' }, { target: 'e' }] } }, d: done, e: done });

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return (err as Error).message;
  }
  return '(no error: the search ended normally)';
}

describe('nondeterminism', () => {
  it('should fail a Math.random() guard as not deterministic in 20 of 20 runs, naming actor, state and message', () => {
    const messages = Array.from({ length: 20 }, () => failure(() => explore(randomGuard())));
    const expected = "not deterministic: actor 'a' in state 'i' on message 'go': a guard, assign or action parameter called Math.random()";
    expect(messages.filter((m) => m.startsWith(expected))).toHaveLength(20);
  });

  it('should fail it the same way with every strategy', () => {
    for (const strategy of STRATEGY_NAMES.filter((s) => s !== 'parallel-bfs')) {
      expect(failure(() => runStrategy(strategy, randomGuard())), strategy).toContain("not deterministic: actor 'a' in state 'i' on message 'go'");
    }
  });

  it('should put Math.random and the clocks back after a step, and after a failed search', () => {
    const random = Math.random;
    const now = Date.now;
    const RealDate = Date;
    failure(() => explore(randomGuard()));
    explore(one({ i: { on: { go: 'd' } }, d: done }));
    expect(Math.random).toBe(random);
    expect(Date.now).toBe(now);
    expect(Date).toBe(RealDate);
    expect(typeof Math.random()).toBe('number');
  });

  it('should find a guard reading module state by evaluating the step twice, 20 of 20 times', () => {
    let n = 0;
    const counter = (): SystemSpec => one({ i: { on: { go: [{ guard: () => n++ % 2 === 0, target: 'd' }, { target: 'e' }] } }, d: done, e: done });
    const messages = Array.from({ length: 20 }, () => failure(() => explore(counter())));
    expect(messages.filter((m) => m.includes("not deterministic: actor 'a' in state 'i' on message 'go': two evaluations of the same step gave different results"))).toHaveLength(20);
  });

  it('should compare contexts deeply: an assign whose nested value differs is caught', () => {
    let n = 0;
    const nested = one({ i: { on: { go: { target: 'd', actions: assign({ deep: () => ({ list: [1, { k: n++ }] }) }) } } }, d: done }, { deep: { list: [] } });
    expect(failure(() => explore(nested))).toMatch(/two evaluations of the same step gave different results \(state 'd' with context \{"deep":\{"list":\[1,\{"k":0\}\]\}\}; then state 'd' with context \{"deep":\{"list":\[1,\{"k":1\}\]\}\}\)/u);
  });

  it('should name in-place context mutation as such, not blame Math.random or Date.now', () => {
    const pushes = one({ i: { on: { go: { target: 'd', actions: assign(({ context }: { context: { list: number[] } }) => (context.list.push(1), {})) } } }, d: done }, { list: [] });
    const m = failure(() => explore(pushes));
    expect(m).toContain("actor 'a' in state 'i' on message 'go': the step changes its context in place");
    expect(m).not.toMatch(/Math\.random|Date\.now/u);
  });

  it('should leave a deterministic model alone: same counts as one evaluation would give', () => {
    const r = explore(one({ i: { on: { go: { target: 'd', actions: assign({ n: ({ context }: { context: { n: number } }) => context.n + 1 }) } } }, d: done }, { n: 0 }));
    expect(r.verdict).toBe('verified');
    expect(r.stats.states).toBe(2);
    expect(r.stats.xstateCalls).toBe(2);
  });
});
