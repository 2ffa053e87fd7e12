/**
 * The memory protocol with a model (protocols/weakMemory.ts): the rules each model states, its
 * bounds, its canonical state, and its errors. The kernel's litmus tests are in litmus.spec.ts.
 */
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/explorer.js';
import { assertThat, send, type Message } from '../../runtime/model.js';
import { buildStateGraph } from '../../runtime/checkers/stateGraph.js';
import type { SystemSpec } from '../../runtime/system.js';
import { ModelError } from '../../runtime/errors.js';
import { L, type LitmusTest } from '../../protocols/litmus.js';
import { MEM_VALUE } from '../../protocols/memory.js';
import { weakMemory, wmm, type MemoryModel, type WeakMemoryContext } from '../../protocols/weakMemory.js';
import { runLitmus } from '../../examples/litmus/outcomes.js';

const test = (name: string, threads: LitmusTest['threads'], extra: Partial<LitmusTest> = {}): LitmusTest => ({ name, source: 'local', expected: 'Never', threads, exists: {}, ...extra });
const finals = (t: LitmusTest, m: MemoryModel): string[] => runLitmus(t, m).outcomes;

/** A CPU that sends `requests` one per step (answers are taken and dropped), then finishes. */
function client(name: string, requests: Message[]) {
  const states: Record<string, unknown> = {};
  requests.forEach((r, i) => {
    states[`s${i}`] = { on: { go: { target: i + 1 < requests.length ? `s${i + 1}` : 'done', actions: [send('mem', r), send(name, { type: 'go' })] } } };
  });
  states.done = { type: 'final', meta: { ignore: [MEM_VALUE, 'go'] } };
  return createMachine({ id: `client.${name}`, initial: 's0', states } as never);
}

function system(model: MemoryModel, clients: Record<string, Message[]>, options: Partial<Parameters<typeof weakMemory>[0]> = {}): SystemSpec {
  const memory = weakMemory({ name: 'mem', model, cpus: Object.keys(clients), objects: { x: { '': 0 }, y: { '': 0 } }, ...options });
  return {
    name: `wm-${model}`,
    actors: [...Object.entries(clients).map(([n, r]) => ({ name: n, machine: client(n, r) })), ...memory.actors],
    initialMessages: Object.keys(clients).map((n) => ({ to: n, event: { type: 'go' } })),
    mailboxBound: 32,
  };
}

describe('tso: FIFO store buffers with forwarding', () => {
  it('a CPU reads its own buffered store while another still reads the old value (SB with forwarding)', () => {
    const t = test('fwd', [[L.WRITE_ONCE('x', 1), L.READ_ONCE('x', 'r0'), L.READ_ONCE('y', 'r1')], [L.WRITE_ONCE('y', 1), L.READ_ONCE('x', 'r2')]]);
    const outs = finals(t, 'tso');
    expect(outs.every((o) => o.includes('0:r0=1;'))).toBe(true);
    expect(outs).toContain('0:r0=1; 0:r1=0; 1:r2=0; x=1; y=1;');
    expect(finals(t, 'sc')).not.toContain('0:r0=1; 0:r1=0; 1:r2=0; x=1; y=1;');
  });
  it('stores of one CPU reach memory in program order (no 2+2W)', () => {
    const t = test('2+2W', [[L.WRITE_ONCE('x', 1), L.WRITE_ONCE('y', 2)], [L.WRITE_ONCE('y', 1), L.WRITE_ONCE('x', 2)]]);
    expect(finals(t, 'tso')).not.toContain('x=1; y=1;');
  });
});

describe('arm: the rules of the header', () => {
  it('smp_store_release reaches memory after the stores before it (S: x=2 cannot win after y=1 is read)', () => {
    const s = test('S+rel', [[L.WRITE_ONCE('x', 2), L.smp_store_release('y', 1)], [L.smp_load_acquire('y', 'r0'), L.WRITE_ONCE('x', 1)]]);
    expect(finals(s, 'arm')).not.toContain('1:r0=1; x=2; y=1;');
    const plain = test('S', [[L.WRITE_ONCE('x', 2), L.WRITE_ONCE('y', 1)], [L.smp_load_acquire('y', 'r0'), L.WRITE_ONCE('x', 1)]]);
    expect(finals(plain, 'arm')).toContain('1:r0=1; x=2; y=1;');
  });
  it('a load may return a value already overwritten, never older than one the CPU has seen (CoRR)', () => {
    const t = test('stale', [[L.WRITE_ONCE('x', 1), L.WRITE_ONCE('x', 2)], [L.READ_ONCE('x', 'r0'), L.READ_ONCE('x', 'r1')]]);
    const outs = finals(t, 'arm');
    expect(outs).toContain('1:r0=1; 1:r1=1; x=2;');
    expect(outs).toContain('1:r0=0; 1:r1=2; x=2;');
    for (const o of outs) {
      const [r0, r1] = [/1:r0=(\d)/.exec(o)?.[1], /1:r1=(\d)/.exec(o)?.[1]].map(Number);
      expect(r1).toBeGreaterThanOrEqual(r0 as number);
    }
  });
  it('smp_rmb orders loads, smp_wmb orders stores: MP needs both', () => {
    const mp = (w: boolean, r: boolean) =>
      test(`MP${w}${r}`, [[L.WRITE_ONCE('x', 1), ...(w ? [L.smp_wmb()] : []), L.WRITE_ONCE('y', 1)], [L.READ_ONCE('y', 'r0'), ...(r ? [L.smp_rmb()] : []), L.READ_ONCE('x', 'r1')]]);
    const bad = '1:r0=1; 1:r1=0; x=1; y=1;';
    expect(finals(mp(true, false), 'arm')).toContain(bad);
    expect(finals(mp(false, true), 'arm')).toContain(bad);
    expect(finals(mp(true, true), 'arm')).not.toContain(bad);
  });
});

describe('atomic read-modify-writes', () => {
  for (const model of ['sc', 'tso', 'arm'] as const) {
    it(`two atomic_inc never lose an increment (${model})`, () => {
      const t = test('inc', [[L.atomic_inc('x')], [L.atomic_inc('x')]]);
      expect(finals(t, model)).toEqual(['x=2; y=0;'.replace(' y=0;', '')]);
    });
  }
  it('atomic_add_return and cmpxchg answer the old value; exactly one cmpxchg from 0 succeeds', () => {
    const s = system('arm', { a: [wmm.cmpxchg('x', '', 0, 1)], b: [wmm.cmpxchg('x', '', 0, 2), wmm.atomic_add_return('y', '', 5, 'relaxed')] });
    const r = explore(s);
    expect(r.verdict).toBe('verified');
  });
  it('test_and_clear_bool: xchg(false) answers the old value, and a second one finds it clear', () => {
    const memory = weakMemory({ name: 'mem', model: 'arm', cpus: ['a'], objects: { f: { p: true } } });
    const answered = (want: boolean) => assertThat(({ event }: { event: Message }) => event.value === want, `test_and_clear_bool answered ${String(!want)}`);
    const reader = createMachine({
      id: 'tac',
      initial: 'first',
      states: {
        first: { on: { go: { target: 'second', actions: send('mem', wmm.test_and_clear_bool('f', 'p')) } } },
        second: { on: { [MEM_VALUE]: { target: 'third', actions: [answered(true), send('mem', wmm.test_and_clear_bool('f', 'p'))] } } },
        third: { on: { [MEM_VALUE]: { target: 'done', actions: answered(false) } } },
        done: { type: 'final' },
      },
    } as never);
    const r = explore({ name: 'tac', actors: [{ name: 'a', machine: reader }, ...memory.actors], initialMessages: [{ to: 'a', event: { type: 'go' } }] });
    expect(r.verdict).toBe('verified');
  });
});

describe("lock barriers: Linux's acquire/release against Xen's full barriers", () => {
  const sbOverLocks = (kernel: 'linux' | 'xen'): LitmusTest =>
    test(`SB-locks-${kernel}`, [[L.spin_lock('a'), L.WRITE_ONCE('x', 1), L.spin_unlock('a'), L.READ_ONCE('y', 'r0')], [L.spin_lock('b'), L.WRITE_ONCE('y', 1), L.spin_unlock('b'), L.READ_ONCE('x', 'r0')]], { kernel });
  it('Linux: an unlock is a release, so a later load can still pass the store (SB allowed)', () => {
    expect(finals(sbOverLocks('linux'), 'arm')).toContain('0:r0=0; 1:r0=0; x=1; y=1;');
  });
  it("Xen: spin_unlock has smp_mb() before it, so the store is visible before the later load (SB forbidden)", () => {
    expect(finals(sbOverLocks('xen'), 'arm')).not.toContain('0:r0=0; 1:r0=0; x=1; y=1;');
  });
});

/** The memory's context in every state where nothing can move. */
function finalMemories(spec: SystemSpec): WeakMemoryContext[] {
  const g = buildStateGraph(spec);
  const v = g.kernel.newState();
  const out: WeakMemoryContext[] = [];
  for (let s = 0; s < g.store.size; s++) {
    if ((g.actors[s] as number[]).length) continue;
    g.store.read(s, v);
    out.push(g.kernel.view(v).actor('mem').context as WeakMemoryContext);
  }
  return out;
}
const finalXY = (spec: SystemSpec): string[] => [...new Set(finalMemories(spec).map((c) => `x=${String(c.data.x?.[''])} y=${String(c.data.y?.[''])}`))].sort();

describe('bounds', () => {
  const twoPlusTwo = { a: [wmm.WRITE_ONCE('x', '', 1), wmm.WRITE_ONCE('y', '', 2)], b: [wmm.WRITE_ONCE('y', '', 1), wmm.WRITE_ONCE('x', '', 2)] };
  it('maxBuffer 1: the second store pushes the first out, so 2+2W cannot happen', () => {
    expect(finalXY(system('arm', twoPlusTwo))).toContain('x=1 y=1');
    expect(finalXY(system('arm', twoPlusTwo, { maxBuffer: 1 }))).not.toContain('x=1 y=1');
  });
  it('maxStale 1: a load always returns the newest write', () => {
    // Stores ordered by smp_wmb, loads answered in program order: only a stale load can give r0=1, r1=0.
    const reads = { a: [wmm.WRITE_ONCE('x', '', 1), wmm.smp_wmb(), wmm.WRITE_ONCE('y', '', 1)], b: [{ ...wmm.READ_ONCE('y'), reg: 'r0' }, { ...wmm.READ_ONCE('x'), reg: 'r1' }] };
    const reordered = (spec: SystemSpec): boolean =>
      finalMemories(spec).some((c) => c.core.cpu[1]?.regs.some((r) => r[0] === 'r0' && r[1] === 1) && c.core.cpu[1]?.regs.some((r) => r[0] === 'r1' && r[1] === 0));
    expect(reordered(system('arm', reads))).toBe(true);
    expect(reordered(system('arm', reads, { maxStale: 1 }))).toBe(false);
  });
});

describe('canonical state', () => {
  it('writes no CPU can read any more are dropped: at the end one write per location remains', () => {
    const s = system('arm', { a: [wmm.WRITE_ONCE('x', '', 1), wmm.WRITE_ONCE('x', '', 2), wmm.WRITE_ONCE('y', '', 3)], b: [wmm.READ_ONCE('x'), wmm.READ_ONCE('y')] });
    const r = explore({ ...s, invariants: [{ name: 'bounded history', check: (v) => (v.actor('mem').context as WeakMemoryContext).core.w.length <= 2 + 4 }] });
    expect(r.verdict).toBe('verified');
  });
});

describe('errors name the actor, the location and the option', () => {
  it('an actor that is not one of the CPUs', () => {
    const memory = weakMemory({ name: 'mem', model: 'tso', cpus: ['a'], objects: { x: { '': 0 } } });
    const r = explore({ name: 'stranger', actors: [{ name: 'z', machine: client('z', [wmm.WRITE_ONCE('x', '', 1)]) }, ...memory.actors], initialMessages: [{ to: 'z', event: { type: 'go' } }] });
    expect(r.violations[0]?.message).toContain("'z' is not one of its CPUs (a)");
  });
  it('an unknown location and an undeclared access', () => {
    const r1 = explore(system('arm', { a: [wmm.READ_ONCE('nope')] }));
    expect(r1.violations[0]?.message).toContain("no location 'nope'; locations are x, y");
    const r2 = explore(system('arm', { a: [wmm.WRITE_ONCE('y', '', 1)] }, { access: { a: { reads: ['x'], writes: ['x'] } } }));
    expect(r2.violations[0]?.message).toContain("'a' is not declared to write 'y'");
  });
  it('bad options are model errors naming the option', () => {
    const base = { name: 'm', cpus: ['a'], objects: { x: { '': 0 } } };
    expect(() => weakMemory({ ...base, model: 'power' as MemoryModel })).toThrow(/unknown model 'power'; use sc, tso, arm/);
    expect(() => weakMemory({ ...base, model: 'arm', maxStale: 0 })).toThrow(ModelError);
    expect(() => weakMemory({ ...base, model: 'arm', cpus: ['a', 'a'] })).toThrow(/listed twice/);
    expect(() => weakMemory({ ...base, model: 'arm', access: { b: {} } })).toThrow(/'b', which is not one of its cpus/);
    expect(() => weakMemory({ ...base, model: 'arm', access: { a: { reads: ['q'] } } })).toThrow(/unknown location 'q'/);
    expect(() => weakMemory({ ...base, model: 'arm', objects: {} })).toThrow(/has no locations/);
  });
  it("two declarations one location key would name are a model error under every model, not one location (hostile tester F10)", () => {
    // Object 'a' field 'b' and object 'a.b' (a plain variable) were merged into location 'a.b':
    // under sc and tso a write to one was read through the other (a false assertion); under arm
    // the lanes clashed as 'duplicate actor name'.
    for (const model of ['sc', 'tso', 'arm'] as const) {
      expect(() => weakMemory({ name: 'mem', model, cpus: ['P0', 'P1'], objects: { a: { b: 0 }, 'a.b': { '': 0 } } }), model).toThrow(
        /weak memory 'mem': object 'a' field 'b' and object 'a.b' field '' are both location 'a.b'; rename one/,
      );
    }
  });
});

describe('labels', () => {
  it('show buffers and lagging views first, then values, then registers', () => {
    const memory = weakMemory({ name: 'mem', model: 'arm', cpus: ['a', 'b'], objects: { x: { '': 0 } } });
    const label = memory.actors[0]?.label as (c: WeakMemoryContext) => string;
    const ctx: WeakMemoryContext = {
      heap: { x: { live: true } },
      data: { x: { '': 1 } },
      core: {
        w: [[0, 0], [0, 1]],
        cpu: [
          { q: [{ k: 's', x: 0, v: 2 }, { k: 'w' }], seen: [1], r: -1, wo: -1, regs: [], done: false, gone: [], flat: false },
          { q: [], seen: [0], r: -1, wo: -1, regs: [['r0', 0, 0]], done: false, gone: [], flat: false },
        ],
        ch: [],
        armed: [],
      },
    };
    expect(label(ctx)).toBe('a[x=2 wmb] b sees x=0 x=1 b:r0=0');
  });
});
