import { createMachine, assign } from 'xstate';
import { describe, expect, it } from 'vitest';
import { explore, send, reply, replay, type SystemSpec } from '../../runtime/index.js';

/** A pinger sends `rounds` pings; the ponger answers each; the pinger stops after the last pong. */
function pingPong(rounds: number): SystemSpec {
  const pinger = createMachine({
    id: 'pinger',
    types: {} as { context: { left: number } },
    context: { left: rounds },
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'waiting', actions: send('ponger', { type: 'ping' }) } } },
      waiting: {
        on: {
          pong: [
            { guard: ({ context }) => context.left > 1, target: 'waiting', reenter: true, actions: [assign({ left: ({ context }) => context.left - 1 }), send('ponger', { type: 'ping' })] },
            { target: 'done', actions: assign({ left: 0 }) },
          ],
        },
      },
      done: { type: 'final' },
    },
  });
  const ponger = createMachine({ id: 'ponger', on: { ping: { actions: reply({ type: 'pong' }) } } });
  return {
    name: `ping-pong-${rounds}`,
    actors: [
      { name: 'pinger', machine: pinger },
      { name: 'ponger', machine: ponger, daemon: true },
    ],
    initialMessages: [{ to: 'pinger', event: { type: 'start' } }],
  };
}

describe('ping-pong', () => {
  it('should verify a request-reply exchange with one state per message in flight', () => {
    const result = explore(pingPong(3));
    expect(result.verdict).toBe('verified');
    expect(result.complete).toBe(true);
    // start, then ping/pong three times: the schedule is forced, one state per step.
    expect(result.stats.states).toBe(1 + 1 + 3 * 2);
    expect(result.stats.maxDepthReached).toBe(7);
  });

  it('should report a deadlock naming the actor and what it waits for when the reply never comes', () => {
    const spec = pingPong(1);
    spec.actors[1] = { name: 'ponger', machine: createMachine({ id: 'ponger', on: { ping: {} } }), daemon: true };
    const result = explore(spec);
    expect(result.verdict).toBe('violation');
    const [v] = result.violations;
    expect(v?.kind).toBe('deadlock');
    expect(v?.message).toBe("deadlock: no actor can take a step, and 'pinger' in state 'waiting' waits for one of [pong].");
    expect(replay(spec, v!.token).trace.findings.map((f) => f.kind)).toEqual(['deadlock']);
  });
});
