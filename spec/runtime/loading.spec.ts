import { assign, createMachine, fromPromise, setup, spawnChild } from 'xstate';
import { describe, expect, it } from 'vitest';
import { explore, loadSystem, ModelError, send, type SystemSpec } from '../../runtime/index.js';

const idle = (id: string) => createMachine({ id, on: { ping: {} } });

function system(over: Partial<SystemSpec>): SystemSpec {
  return { name: 'sys', actors: [{ name: 'a', machine: idle('a') }], ...over };
}

function loadError(spec: SystemSpec): string {
  try {
    explore(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return (err as Error).message;
  }
  throw new Error('expected a ModelError');
}

describe('loading a system: bad input is named', () => {
  it('should reject duplicate actor names', () => {
    expect(loadError(system({ actors: [{ name: 'cpu0', machine: idle('x') }, { name: 'cpu0', machine: idle('y') }] }))).toBe(
      "system 'sys': duplicate actor name 'cpu0' (actors #0 and #1)",
    );
  });

  it('should reject a mailbox bound that is not a positive integer', () => {
    for (const bound of [0, -1, 2.5, Number.NaN]) {
      expect(loadError(system({ mailboxBound: bound }))).toBe(`system 'sys': mailboxBound must be a positive integer, got ${bound}`);
    }
  });

  it('should reject an initial message to an unknown actor, listing the actors', () => {
    expect(loadError(system({ initialMessages: [{ to: 'b', event: { type: 'ping' } }] }))).toBe(
      "system 'sys': initial message #0 ('ping') is addressed to unknown actor 'b'; actors are a",
    );
  });

  it('should reject a message sent at run time to an unknown actor, naming sender, state and message', () => {
    const m = createMachine({ id: 'm', initial: 's', states: { s: { on: { go: { actions: send('nobody', { type: 'hello' }) } } } } });
    expect(loadError(system({ actors: [{ name: 'a', machine: m }], initialMessages: [{ to: 'a', event: { type: 'go' } }] }))).toBe(
      "actor 'a', state 's', message 'go': sends 'hello' to unknown actor 'nobody'; actors are a",
    );
  });

  it('should reject a context that is not plain data, naming the actor and the path', () => {
    class Buffer2 {
      bytes = 1;
    }
    const cases: Array<[unknown, string]> = [
      [{ f: () => 1 }, 'context.f is a function'],
      [{ nested: { buf: new Buffer2() } }, 'context.nested.buf is an instance of Buffer2'],
      [{ list: [1, new Map()] }, 'context.list[1] is an instance of Map'],
      [{ u: undefined }, 'context.u is undefined'],
      [{ n: Number.POSITIVE_INFINITY }, 'context.n is Infinity'],
    ];
    for (const [context, path] of cases) {
      const m = createMachine({ id: 'm', context: context as object, initial: 's', states: { s: {} } });
      expect(loadError(system({ actors: [{ name: 'cpu1', machine: m }] }))).toContain(`actor 'cpu1', initial state 's': ${path}`);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const m = createMachine({ id: 'm', context: { c: cyclic }, initial: 's', states: { s: {} } });
    expect(loadError(system({ actors: [{ name: 'cpu1', machine: m }] }))).toContain('context.c.self is a cycle back to one of its ancestors');
  });

  it('should reject a context that stops being plain data after a step', () => {
    const m = createMachine({
      id: 'm',
      context: { when: null as unknown },
      initial: 's',
      states: { s: { on: { go: { target: 't', actions: assign({ when: () => new Date(0) }) } } }, t: {} },
    });
    expect(loadError(system({ actors: [{ name: 'cpu1', machine: m }], initialMessages: [{ to: 'cpu1', event: { type: 'go' } }] }))).toContain(
      "actor 'cpu1', state 't': context.when is an instance of Date",
    );
  });

  it('should reject delayed transitions, invoke and spawn: time and actor creation belong to the runtime', () => {
    const delayed = createMachine({ id: 'm', initial: 's', states: { s: { after: { 1000: 't' } }, t: {} } });
    expect(loadError(system({ actors: [{ name: 'timer', machine: delayed }] }))).toBe(
      "actor 'timer', state 's': uses a delayed transition ('after'); time belongs to the runtime, model it as a message",
    );
    const invoking = setup({ actors: { job: fromPromise(async () => 1) } }).createMachine({
      id: 'm',
      initial: 's',
      states: { s: { invoke: { src: 'job' } } },
    });
    expect(loadError(system({ actors: [{ name: 'cpu', machine: invoking }] }))).toBe(
      "actor 'cpu', state 's': uses 'invoke'; actor creation belongs to the runtime, declare the actor in the system instead",
    );
    const spawning = setup({ actors: { child: idle('child') } }).createMachine({ id: 'm', initial: 's', states: { s: { entry: spawnChild('child') } } });
    expect(loadError(system({ actors: [{ name: 'cpu', machine: spawning }] }))).toBe(
      "actor 'cpu', state 's': spawns a child actor (actor creation belongs to the runtime)",
    );
  });

  it('should reject something that is not a machine', () => {
    expect(() => loadSystem(system({ actors: [{ name: 'cpu', machine: { hello: 1 } as never }] }))).toThrow(
      "actor 'cpu': 'machine' is not an xstate v5 machine (use createMachine or setup().createMachine)",
    );
  });
});
