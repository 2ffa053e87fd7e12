/**
 * The user API is typed (issue 9 item 5): `send`, `reply` and `assertThat` return a typed action
 * that fits a machine's `actions` (with `createMachine`, and with `setup()` given
 * `runtimeActions`), their callbacks see the machine's context and event types, and an actor's
 * `machine`, `label` and `resources` are typed. This file is checked by `tsc` (npm run
 * typecheck) as much as by vitest: the `@ts-expect-error` lines must stay errors.
 */
import { describe, expect, it } from 'vitest';
import { createMachine, setup } from 'xstate';
import { assertThat, explore, reply, runtimeActions, send, type ActorSpec, type Message, type SystemSpec } from '../../runtime/index.js';

interface Ctx {
  pings: number;
}

const pinger = setup({ types: {} as { context: Ctx; events: Message }, actions: { ...runtimeActions } }).createMachine({
  id: 'pinger',
  context: { pings: 0 },
  initial: 'idle',
  states: {
    idle: { on: { start: { target: 'waiting', actions: send<Ctx>(({ context }) => (context.pings === 0 ? 'ponger' : 'nobody'), { type: 'ping' }) } } },
    waiting: { on: { pong: { target: 'done', actions: assertThat<Ctx>(({ context }) => context.pings === 0, 'one ping only') } } },
    done: { type: 'final' },
  },
});

const ponger = createMachine({ id: 'ponger', on: { ping: { actions: reply({ type: 'pong' }) } } });

const labelled: ActorSpec = { name: 'ponger', machine: ponger, daemon: true, label: (ctx: Record<string, unknown>) => `${Object.keys(ctx).length} fields` };

describe('the typed user API', () => {
  it('should run machines built with setup() and createMachine with typed send, reply and assertThat', () => {
    const spec: SystemSpec = { name: 'ping-pong', actors: [{ name: 'pinger', machine: pinger }, labelled], initialMessages: [{ to: 'pinger', event: { type: 'start' } }] };
    expect(explore(spec).verdict).toBe('verified');
  });

  it('should reject what is not typed right, at compile time', () => {
    // @ts-expect-error a context field that does not exist
    send<Ctx>(({ context }) => context.missing, { type: 'x' });
    // @ts-expect-error a message needs a string type
    send('a', { kind: 'x' });
    // @ts-expect-error the predicate returns a boolean
    assertThat<Ctx>(({ context }) => context.pings, 'not a boolean');
    expect(true).toBe(true);
  });
});
