import { assign, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { assertThat, explore, send, type GlobalView, type SystemSpec } from '../../runtime/index.js';
import type { CheckerFactory } from '../../runtime/checkers/Checker.js';
import { SPIN_GRANTED, SPIN_IS_LOCKED_RESULT, SPIN_TRYLOCK_RESULT, lockLabel, lockResources, spin, spinlockMachine } from '../../protocols/spinlock.js';
import { programEnded } from '../../protocols/cpu.js';

/** A CPU that asks for lock L, records the order in which grants arrive, and releases. */
function cpu(name: string) {
  return createMachine({
    id: name,
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'waiting', actions: send('L', spin.acquire('L')) } } },
      waiting: { on: { [SPIN_GRANTED]: { target: 'done', actions: [send('order', { type: 'entered' }), send('L', spin.release('L'))] } } },
      done: { type: 'final' },
    },
  });
}

/** Records the order CPUs entered; the invariant checks it equals ticket (arrival) order. */
const order = createMachine({
  id: 'order',
  types: {} as { context: { entered: string[] } },
  context: { entered: [] },
  on: { entered: { actions: assign({ entered: ({ context, event }) => [...context.entered, String(event.from)] }) } },
});

function lockSystem(cpus: string[]): SystemSpec {
  return {
    name: 'fifo',
    actors: [
      ...cpus.map((c) => ({ name: c, machine: cpu(c) })),
      { name: 'L', machine: spinlockMachine('L', 'L'), daemon: true, resources: lockResources, label: lockLabel },
      { name: 'order', machine: order, daemon: true },
    ],
    initialMessages: cpus.map((c) => ({ to: c, event: { type: 'start' } })),
  };
}

describe('ticket spinlock', () => {
  it('should grant in ticket order: whoever queued first enters first, in every interleaving', () => {
    const spec = lockSystem(['cpu0', 'cpu1', 'cpu2']);
    type Lock = { owner: string | null; queue: string[] };
    const lockOf = (v: GlobalView): Lock => v.actor('L').context.locks.L as Lock;
    // FIFO, judged on every transition: a release hands the lock to the head of the queue, and
    // an acquire of a held lock joins the tail.
    const fifo: CheckerFactory = () => ({
      name: 'fifo',
      onTransition: (e) => {
        if (e.actor !== 'L') return [];
        const before = lockOf(e.before);
        const after = lockOf(e.after);
        if (e.message.type === 'spin.release' && after.owner !== (before.queue[0] ?? null)) {
          return [{ kind: 'assertion', message: `granted to ${after.owner} ahead of ${before.queue[0]}` }];
        }
        if (e.message.type === 'spin.acquire' && before.owner !== null && after.queue.at(-1) !== e.message.from) {
          return [{ kind: 'assertion', message: `${e.message.from} did not join the tail` }];
        }
        return [];
      },
    });
    spec.checkers = [fifo];
    const result = explore(spec);
    expect(result.verdict).toBe('verified');
    expect(result.complete).toBe(true);
  });

  it('should answer trylock without waiting, and never hand the lock to two CPUs', () => {
    // A CPU that gets the lock holds it for one more step (its 'work' message) before releasing.
    const trier = (name: string) =>
      createMachine({
        id: name,
        initial: 'idle',
        states: {
          idle: { on: { start: { target: 'trying', actions: send('L', spin.trylock('L')) } } },
          trying: {
            on: {
              [SPIN_TRYLOCK_RESULT]: [
                { guard: ({ event }) => event.ok === true, target: 'holding', actions: send(name, { type: 'work' }) },
                { target: 'busy' },
              ],
            },
          },
          holding: { on: { work: { target: 'released', actions: send('L', spin.release('L')) } } },
          released: { type: 'final' },
          busy: { type: 'final' },
        },
      });
    const spec: SystemSpec = {
      name: 'trylock',
      actors: [
        { name: 'cpu0', machine: trier('cpu0') },
        { name: 'cpu1', machine: trier('cpu1') },
        { name: 'L', machine: spinlockMachine('L', 'L'), daemon: true, resources: lockResources },
      ],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'cpu1', event: { type: 'start' } },
      ],
      invariants: [{ name: 'not both hold', check: (v) => !(v.actor('cpu0').value === 'holding' && v.actor('cpu1').value === 'holding') }],
    };
    const result = explore(spec, { maxViolations: 10 });
    expect(result.verdict).toBe('verified');
    // Without trylock's answer, both could hold: the invariant is not vacuous.
    const broken = { ...spec, actors: spec.actors.map((a) => (a.name === 'L' ? { ...a, machine: createMachine({ id: 'L', on: { 'spin.trylock': { actions: send(({ event }: { event: { from: string } }) => event.from, { type: SPIN_TRYLOCK_RESULT, ok: true }) }, 'spin.release': {} } }) } : a)) };
    expect(explore(broken).violations.map((v) => v.message)).toEqual(["invariant 'not both hold' violated"]);
  });

  it("should let spin_is_locked's answer go stale: two CPUs can both see 'unlocked' and then contend", () => {
    // Each CPU asks is_locked, asserts it saw the lock free, then acquires: the answer is a message,
    // so both can see 'free' before either acquires (no violation), or one sees the other's hold.
    const checker = (name: string) =>
      createMachine({
        id: name,
        initial: 'idle',
        states: {
          idle: { on: { start: { target: 'asking', actions: send('L', spin.isLocked('L')) } } },
          asking: {
            on: {
              [SPIN_IS_LOCKED_RESULT]: {
                target: 'waiting',
                actions: [assertThat(({ event }) => event.locked === false, 'ASSERT(!spin_is_locked(&L))'), send('L', spin.acquire('L'))],
              },
            },
          },
          waiting: { on: { [SPIN_GRANTED]: { target: 'done', actions: send('L', spin.release('L')) } } },
          done: { type: 'final' },
        },
      });
    const spec: SystemSpec = {
      name: 'stale',
      actors: [
        { name: 'cpu0', machine: checker('cpu0') },
        { name: 'cpu1', machine: checker('cpu1') },
        { name: 'L', machine: spinlockMachine('L', 'L'), daemon: true, resources: lockResources },
      ],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'cpu1', event: { type: 'start' } },
      ],
    };
    const result = explore(spec);
    expect(result.violations.map((v) => v.message)).toEqual(["assertion failed in actor 'cpu1': ASSERT(!spin_is_locked(&L))"]);
    // The stale case: both asked before either acquired, so both passed the assertion, and then
    // one of them spins behind the other. Reachability of "both done" shows it: as an invariant
    // that must not hold, it is violated.
    const probe = { ...spec, invariants: [{ name: 'never both done', check: (v: GlobalView) => !(programEnded(v.actor('cpu0')) && programEnded(v.actor('cpu1'))) }] };
    const kinds = explore(probe, { maxViolations: 100 }).violations.map((v) => v.message);
    expect(kinds).toContain("invariant 'never both done' violated");
  });

  it('should flag releasing a lock the CPU does not hold, and recursive acquisition', () => {
    const rogue = createMachine({ id: 'rogue', initial: 'idle', states: { idle: { on: { start: { target: 'done', actions: send('L', spin.release('L')) } } }, done: { type: 'final' } } });
    const twice = createMachine({
      id: 'twice',
      initial: 'idle',
      states: { idle: { on: { start: { target: 'w', actions: send('L', spin.acquire('L')) } } }, w: { on: { [SPIN_GRANTED]: { target: 'done', actions: send('L', spin.acquire('L')) } } }, done: { type: 'final' } },
    });
    const run = (m: typeof rogue) =>
      explore({
        name: 'misuse',
        actors: [
          { name: 'cpu0', machine: m },
          { name: 'L', machine: spinlockMachine('L', 'L'), daemon: true },
        ],
        initialMessages: [{ to: 'cpu0', event: { type: 'start' } }],
      }).violations.map((v) => v.message);
    expect(run(rogue)).toEqual(["assertion failed in actor 'L': spin_unlock of a lock this CPU does not hold"]);
    expect(run(twice)).toEqual(["assertion failed in actor 'L': recursive spin_lock: the CPU already holds or waits for this lock (BUG() with lock debugging)"]);
  });
});
