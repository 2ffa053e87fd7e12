/**
 * Issue 12 fault 7: a send whose target is computed from its arguments, and throws when the
 * context does not hold what it expects, failed at run time inside xstate and was reported as an
 * `actor-error` counterexample ("Cannot read properties of undefined (reading 'id')", 7 steps).
 * It is a mistake in the model, not a property of the protocol: a model error naming the action,
 * the actor and its state, the same on explore and on replay.
 */
import { assign, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { assertThat, explore, ModelError, replay, send, type SystemSpec } from '../../runtime/index.js';
import { programEnded } from '../../protocols/cpu.js';

interface Vcpu {
  id: string;
}
interface Ctx {
  /** `pt->vcpu`, set on the way; null until then. */
  pt: { vcpu: Vcpu } | null;
  round: number;
}

/**
 * The input, shrunk: a CPU walks through a few steps, then kicks the vCPU its context
 * points at: `send(({ context }) => context.pt.vcpu.id, ...)`, with `pt` never set on this path.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function kicker(kick: any): SystemSpec {
  const cpu = createMachine({
    types: {} as { context: Ctx },
    id: 'cpu',
    context: { pt: null, round: 0 },
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'walking', actions: send('v0', { type: 'hello' }) } } },
      walking: { on: { ack: [{ guard: ({ context }) => context.round < 2, target: 'walking', reenter: true, actions: [assign({ round: ({ context }) => context.round + 1 }), send('v0', { type: 'hello' })] }, { target: 'kicking' }] } },
      kicking: { on: { ack: { target: 'done', actions: kick } } },
      done: { type: 'final' },
    },
  });
  const vcpu = createMachine({ id: 'vcpu', initial: 'up', states: { up: { on: { hello: { actions: send('cpu0', { type: 'ack' }) }, kick: {} } } } });
  return {
    name: 'computed-target',
    actors: [
      { name: 'cpu0', machine: cpu },
      { name: 'v0', machine: vcpu, daemon: true },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu0', event: { type: 'ack' } },
    ],
  };
}

const throwsOn = (system: SystemSpec): unknown => {
  try {
    explore(system);
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('a runtime action whose callback throws (issue 12 fault 7)', () => {
  it("should be a model error naming send()'s target, the actor, state and message, not a counterexample", () => {
    const system = kicker(send<Ctx>(({ context }) => (context.pt as { vcpu: Vcpu }).vcpu.id, { type: 'kick' }));
    const err = throwsOn(system);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toBe("actor 'cpu0', state 'kicking', message 'ack': send('kick')'s target threw: Cannot read properties of null (reading 'vcpu')");
  });

  it("should name send()'s message when that is what threw", () => {
    const system = kicker(send<Ctx>('v0', ({ context }) => ({ type: 'kick', vcpu: (context.pt as { vcpu: Vcpu }).vcpu.id })));
    expect((throwsOn(system) as Error).message).toBe("actor 'cpu0', state 'kicking', message 'ack': send(to 'v0')'s message threw: Cannot read properties of null (reading 'vcpu')");
  });

  it("should name assertThat()'s predicate when that is what threw", () => {
    const system = kicker(assertThat<Ctx>(({ context }) => (context.pt as { vcpu: Vcpu }).vcpu.id === 'v0', 'kicks its own vcpu'));
    expect((throwsOn(system) as Error).message).toBe("actor 'cpu0', state 'kicking', message 'ack': assertThat('kicks its own vcpu')'s predicate threw: Cannot read properties of null (reading 'vcpu')");
  });

  it('should give the same model error on replay of a schedule that reaches it', () => {
    const system = kicker(send<Ctx>(({ context }) => (context.pt as { vcpu: Vcpu }).vcpu.id, { type: 'kick' }));
    const fine = kicker(send<Ctx>('v0', { type: 'kick' }));
    const schedule = explore({ ...fine, invariants: [{ name: 'cpu0 never finishes', check: (v) => !programEnded(v.actor('cpu0')) || 'finished' }] }).violations[0];
    expect(schedule?.token).toMatch(/^il2_/u);
    expect(() => replay(system, schedule?.token as string)).toThrow("actor 'cpu0', state 'kicking', message 'ack': send('kick')'s target threw");
  });

  it('should keep a throw in the model\'s own assign an actor-error violation, with its trace', () => {
    const system = kicker(
      assign<Ctx, { type: string }, undefined, { type: string }, never>({
        round: () => {
          throw new Error('index out of range');
        },
      }),
    );
    const [v] = explore(system).violations;
    expect(v?.kind).toBe('actor-error');
    expect(v?.message).toBe("actor 'cpu0', state 'kicking', message 'ack': the transition threw: index out of range");
  });
});
