import { assign, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { assertThat, deferring, explore, ignoring, replay, send, type SystemSpec } from '../../runtime/index.js';

/** `sender` sends `count` messages of `type` to `receiver` in one step. */
function burst(type: string, count: number) {
  return createMachine({
    id: 'sender',
    initial: 'idle',
    states: { idle: { on: { go: { target: 'done', actions: Array.from({ length: count }, () => send('receiver', { type })) } } }, done: { type: 'final' } },
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function pair(receiver: any, type: string, count: number, mailboxBound?: number): SystemSpec {
  return {
    name: 'pair',
    actors: [
      { name: 'sender', machine: burst(type, count) },
      { name: 'receiver', machine: receiver, daemon: true },
    ],
    initialMessages: [{ to: 'sender', event: { type: 'go' } }],
    ...(mailboxBound ? { mailboxBound } : {}),
  };
}

describe('violations found at a step', () => {
  it('should report a message the current state does not handle, as P does', () => {
    const receiver = createMachine({ id: 'r', initial: 'idle', states: { idle: { on: { ping: {} } } } });
    const [v] = explore(pair(receiver, 'pong', 1)).violations;
    expect(v?.kind).toBe('unhandled-message');
    expect(v?.message).toBe("unhandled message 'pong' from sender in state 'idle' of actor 'receiver'");
    expect(v?.actor).toBe('receiver');
  });

  it('should leave deferred messages in the mailbox and drop ignored ones', () => {
    // 'late' is deferred until 'open' arrives; 'noise' is ignored.
    const receiver = createMachine({
      id: 'r',
      initial: 'closed',
      states: {
        closed: { meta: { ...deferring('late'), ...ignoring('noise') }, on: { open: 'opened' } },
        opened: { on: { late: 'finished' } },
        finished: { type: 'final' },
      },
    });
    const sender = createMachine({
      id: 's',
      initial: 'idle',
      states: {
        idle: {
          on: { go: { target: 'done', actions: [send('receiver', { type: 'late' }), send('receiver', { type: 'noise' }), send('receiver', { type: 'open' })] } },
        },
        done: { type: 'final' },
      },
    });
    const result = explore({
      name: 'defer',
      actors: [
        { name: 'sender', machine: sender },
        { name: 'receiver', machine: receiver },
      ],
      initialMessages: [{ to: 'sender', event: { type: 'go' } }],
    });
    expect(result.verdict).toBe('verified');
    // go; noise dropped; open taken past the deferred late; late.
    expect(result.stats.maxDepthReached).toBe(4);
  });

  it('should report a mailbox overflow naming the receiver and the bound', () => {
    const receiver = createMachine({ id: 'r', on: { ping: {} } });
    const [v] = explore(pair(receiver, 'ping', 3, 2)).violations;
    expect(v?.kind).toBe('mailbox-overflow');
    expect(v?.message).toBe(
      "mailbox of actor 'receiver' overflowed when 'sender' sent to it: 3 messages, bound 2 (raise mailboxBound, or find who sends without waiting)",
    );
  });

  it('should report an assertion with its message', () => {
    const receiver = createMachine({
      id: 'r',
      context: { seen: 0 },
      on: { ping: { actions: [assign({ seen: ({ context }) => context.seen + 1 }), assertThat(({ context }: { context: { seen: number } }) => context.seen < 2, 'at most one ping')] } },
    });
    const result = explore(pair(receiver, 'ping', 2));
    const [v] = result.violations;
    expect(v?.kind).toBe('assertion');
    expect(v?.message).toBe("assertion failed in actor 'receiver': at most one ping");
    expect(v?.path).toHaveLength(3);
    expect(replay(pair(receiver, 'ping', 2), v!.token).trace.findings.map((f) => f.kind)).toEqual(['assertion']);
  });

  it("should turn an actor's error (a throwing assign) into a violation of the current schedule", () => {
    const receiver = createMachine({
      id: 'r',
      context: { n: 0 },
      on: {
        ping: {
          actions: assign({
            n: () => {
              throw new Error('buffer index out of range');
            },
          }),
        },
      },
    });
    const [v] = explore(pair(receiver, 'ping', 1)).violations;
    expect(v?.kind).toBe('actor-error');
    expect(v?.message).toBe("actor 'receiver', state '(root)', message 'ping': the transition threw: buffer index out of range");
  });

  it('should check invariants over the global state', () => {
    const receiver = createMachine({ id: 'r', context: { n: 0 }, on: { ping: { actions: assign({ n: ({ context }) => context.n + 1 }) } } });
    const spec = pair(receiver, 'ping', 3);
    spec.invariants = [{ name: 'fewer than three pings', check: (view) => view.actor('receiver').context.n < 3 || `n = ${view.actor('receiver').context.n}` }];
    const [v] = explore(spec).violations;
    expect(v?.kind).toBe('invariant');
    expect(v?.message).toBe("invariant 'fewer than three pings' violated: n = 3");
  });
});

describe('bounds', () => {
  it('should stop at maxStates and say so, with a hint, instead of claiming verified', () => {
    const receiver = createMachine({ id: 'r', on: { ping: {} } });
    const result = explore(pair(receiver, 'ping', 4), { maxStates: 3 });
    expect(result.verdict).toBe('incomplete');
    expect(result.complete).toBe(false);
    expect(result.bound?.name).toBe('maxStates');
    expect(result.bound?.limit).toBe(3);
    expect(result.bound?.hint).toMatch(/raise maxStates/);
  });

  it('should stop at maxDepth and name the likely cause', () => {
    const looper = createMachine({ id: 'l', context: { n: 0 }, on: { tick: { actions: [assign({ n: ({ context }) => context.n + 1 }), send('looper', { type: 'tick' })] } } });
    const result = explore({ name: 'loop', actors: [{ name: 'looper', machine: looper }], initialMessages: [{ to: 'looper', event: { type: 'tick' } }] }, { maxDepth: 50 });
    expect(result.verdict).toBe('incomplete');
    expect(result.bound?.name).toBe('maxDepth');
    expect(result.bound?.hint).toMatch(/loops without bound/);
  });

  it('should stop at the time limit read from the caller-supplied clock', () => {
    let now = 0;
    const clock = (): number => (now += 10);
    const looper = createMachine({ id: 'l', context: { n: 0 }, on: { tick: { actions: [assign({ n: ({ context }) => context.n + 1 }), send('looper', { type: 'tick' })] } } });
    const spec: SystemSpec = { name: 'loop', actors: [{ name: 'looper', machine: looper }], initialMessages: [{ to: 'looper', event: { type: 'tick' } }] };
    const result = explore(spec, { timeLimitMs: 15, clock });
    expect(result.bound?.name).toBe('timeLimitMs');
    expect(() => explore(spec, { timeLimitMs: 15 })).toThrow(/needs a clock/);
    expect(() => explore(spec, { maxStates: 0 })).toThrow('option maxStates must be a positive integer, got 0');
  });
});
