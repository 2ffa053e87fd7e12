/**
 * The small inputs of issue 10 on which the old DPOR hung or ran out of memory, and models of
 * the same shapes: actors whose local state accumulates what they receive (a rwlock's waiter
 * queue, a release-build ticket lock that queues a CPU behind its own ticket, RCU callback
 * lists, a counter), timers that send to themselves. BFS answers each in milliseconds; every
 * strategy must too, within its bounds.
 */
import { assign, createMachine } from 'xstate';
import { assertThat, send, type Message } from '../../runtime/model.js';
import type { SystemSpec } from '../../runtime/system.js';
import { cpuMachine, lock, softirqPoint, unlock, writeLock, writeUnlock, readLock, readUnlock } from '../../protocols/cpu.js';
import { rwlockMachine, rwlockResources, RW_GRANTED } from '../../protocols/rwlock.js';
import { SPIN_GRANTED, lockResources, spinlockMachineWith } from '../../protocols/spinlock.js';
import { rcu, rcuMachine } from '../../protocols/rcu.js';
import { TIMER_ACK, TIMER_FIRE, TIMER_GO, TIMER_STALE, timer, timerMachine } from '../../protocols/timer.js';

/** Issue 10 input 1: two CPUs each write-lock and write-unlock one rwlock (with `reader`: cpu1 read-locks). */
export function rwlockCpus({ reader = false }: { reader?: boolean } = {}): SystemSpec {
  const cpu = (id: string, read: boolean) =>
    cpuMachine({
      id,
      program: {
        initial: 'idle',
        states: {
          idle: { on: { start: { target: 'locking', actions: read ? readLock('L', 'l') : writeLock('L', 'l') } } },
          locking: { on: { [RW_GRANTED]: { target: 'fin', actions: read ? readUnlock('L', 'l') : writeUnlock('L', 'l') } } },
          fin: { type: 'final' },
        },
      },
    });
  return {
    name: `rwlock-cpus${reader ? '-reader' : ''}`,
    actors: [
      { name: 'cpu0', machine: cpu('cpu0', false) },
      { name: 'cpu1', machine: cpu('cpu1', reader) },
      { name: 'L', machine: rwlockMachine('L', 'l'), daemon: true, resources: rwlockResources },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  };
}

/**
 * Issue 10 input 2: CPUs take and drop one ticket lock whose owner is a release build
 * (`debugLocks: false`: a recursive acquire queues the CPU behind its own ticket); with more
 * than one CPU, a waiter queue.
 */
export function releaseBuildSpinlock({ cpus = 1 }: { cpus?: number } = {}): SystemSpec {
  const cpu = (id: string) =>
    cpuMachine({
      id,
      program: {
        initial: 'idle',
        states: {
          idle: { on: { start: { target: 'locking', actions: lock('L', 'l') } } },
          locking: { on: { [SPIN_GRANTED]: { target: 'fin', actions: unlock('L', 'l') } } },
          fin: { type: 'final' },
        },
      },
    });
  const names = Array.from({ length: cpus }, (_, i) => `cpu${i}`);
  return {
    name: `release-build-spinlock-${cpus}`,
    actors: [...names.map((name) => ({ name, machine: cpu(name) })), { name: 'L', machine: spinlockMachineWith('L', ['l'], { debugLocks: false }), daemon: true, resources: lockResources }],
    initialMessages: names.map((to) => ({ to, event: { type: 'start' } })),
  };
}

interface CounterContext {
  v: number;
}

/**
 * Issue 10 input 3, an unsynchronised counter: two CPUs each read it, then write what they read
 * plus one, in separate steps; once both wrote, the memory asserts it holds 2. The lost update
 * is reachable: an assertion violation.
 */
export function racyCounter(): SystemSpec {
  const memory = createMachine({
    id: 'mem',
    types: {} as { context: CounterContext },
    context: { v: 0 },
    on: {
      read: { actions: send(({ event }: { event: Message }) => String(event.from), ({ context }: { context: CounterContext }) => ({ type: 'value', v: context.v })) },
      write: { actions: assign({ v: ({ event }) => Number((event as Message).v) }) },
      check: { actions: assertThat(({ context }: { context: CounterContext }) => context.v === 2, 'lost update: the counter is not 2 after two increments') },
    },
  });
  const cpu = (id: string) =>
    createMachine({
      id,
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'reading', actions: send('mem', { type: 'read' }) } } },
        reading: {
          on: {
            value: {
              target: 'fin',
              actions: [send('mem', ({ event }: { event: Message }) => ({ type: 'write', v: Number(event.v) + 1 })), send('done', { type: 'written' })],
            },
          },
        },
        fin: { type: 'final' },
      },
    });
  // Counts the two writes, then asks the memory to check (its mailbox is FIFO behind both writes).
  const done = createMachine({
    id: 'done',
    initial: 'zero',
    states: {
      zero: { on: { written: 'one' } },
      one: { on: { written: { target: 'two', actions: send('mem', { type: 'check' }) } } },
      two: { type: 'final' },
    },
  });
  return {
    name: 'racy-counter',
    actors: [
      { name: 'cpu0', machine: cpu('cpu0') },
      { name: 'cpu1', machine: cpu('cpu1') },
      { name: 'done', machine: done },
      { name: 'mem', machine: memory, daemon: true },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  };
}

/**
 * RCU callback lists: each CPU queues `callbacks` call_rcu callbacks that free an object; the
 * RCU actor asks every online CPU for a quiescent state (answered at the CPUs' softirq points)
 * CPUs, idle once their program ends, answer it there too. Each object must be freed once.
 */
export function rcuCallbacks({ cpus = 2, callbacks = 2 }: { cpus?: number; callbacks?: number } = {}): SystemSpec {
  const names = Array.from({ length: cpus }, (_, i) => `cpu${i}`);
  const cpu = (id: string) =>
    cpuMachine({
      id,
      program: {
        initial: 'idle',
        states: {
          idle: { meta: softirqPoint(), on: { start: { target: 'queued', actions: Array.from({ length: callbacks }, (_, k) => send('rcu', rcu.call('heap', { type: 'free', obj: `${id}.${k}` }))) } } },
          queued: { meta: softirqPoint(), on: { done: 'fin' } },
          fin: { type: 'final' },
        },
      },
    });
  type Heap = { freed: string[] };
  const heap = createMachine({
    id: 'heap',
    types: {} as { context: Heap },
    context: { freed: [] },
    on: {
      free: {
        actions: [
          assertThat(({ context, event }: { context: Heap; event: Message }) => !context.freed.includes(String(event.obj)), 'an object was freed twice'),
          assign({ freed: ({ context, event }) => [...context.freed, String((event as Message).obj)].sort() }),
        ],
      },
    },
  });
  return {
    name: `rcu-callbacks-${cpus}x${callbacks}`,
    actors: [...names.map((name) => ({ name, machine: cpu(name) })), { name: 'heap', machine: heap, daemon: true }, { name: 'rcu', machine: rcuMachine('rcu', names), daemon: true }],
    initialMessages: [...names.map((to) => ({ to, event: { type: 'start' } })), ...names.map((to) => ({ to, event: { type: 'done' } }))],
  };
}

/**
 * Timers: each CPU arms a timer (which sends itself its expiry) whose callback runs on the other
 * CPU. With `doubleFire` both callbacks run on cpu0, which asserts it runs only one: a violation.
 */
export function timers({ doubleFire = false }: { doubleFire?: boolean } = {}): SystemSpec {
  const plain = (id: string, arms: string) =>
    createMachine({
      id,
      types: {} as { context: { fired: number } },
      context: { fired: 0 },
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'armed', actions: send(arms, timer.set()) } } },
        armed: {
          meta: { ignore: [TIMER_ACK, TIMER_STALE] },
          on: {
            // TIMER_SOFTIRQ: ask to run the callback of that arming; run it when told to go.
            [TIMER_FIRE]: { actions: send(({ event }: { event: Message }) => String(event.from), ({ event }: { event: Message }) => timer.begin(Number(event.gen))) },
            [TIMER_GO]: {
              actions: [
                assign({ fired: ({ context }) => context.fired + 1 }),
                assertThat(({ context }: { context: { fired: number } }) => context.fired <= 1, `${id}: a second timer callback ran here`),
                send(({ event }: { event: Message }) => String(event.from), timer.end()),
              ],
            },
          },
        },
      },
    });
  return {
    name: `timers${doubleFire ? '-double' : ''}`,
    actors: [
      { name: 'cpu0', machine: plain('cpu0', 't0'), daemon: true },
      { name: 'cpu1', machine: plain('cpu1', 't1'), daemon: true },
      { name: 't0', machine: timerMachine('t0', doubleFire ? 'cpu0' : 'cpu1'), daemon: true },
      { name: 't1', machine: timerMachine('t1', 'cpu0'), daemon: true },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  };
}
