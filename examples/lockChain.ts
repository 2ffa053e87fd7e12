/**
 * A three-lock cycle for lockdep (docs/checkers.md): a network driver's `dev_down` takes the
 * device's state lock, then its TX lock, then the queue lock; its `ioctl` takes the TX lock and
 * the queue lock, then the state lock while holding both. No two code paths invert a pair of
 * locks directly; the three together form the cycle state -> tx -> queue -> state.
 *
 * `npx interleave explore examples/lockChain.ts` reports the cycle once, with its whole chain,
 * and the deadlock the two CPUs reach; the replay token of the lockdep finding replays the
 * executions the chain rests on.
 */
import type { SystemSpec } from '../runtime/index.js';
import { lockdep } from '../runtime/checkers/index.js';
import { cpuMachine, enterBody, leaveBody, lock, unlock } from '../protocols/cpu.js';
import { SPIN_GRANTED, lockLabel, lockResources, spinlockMachine } from '../protocols/spinlock.js';

/** A CPU running `body` as a hypercall-like body: takes `locks` in order, then releases them all. */
function path(id: string, body: string, locks: string[]) {
  const states: Record<string, unknown> = {};
  locks.forEach((l, i) => {
    const next = locks[i + 1];
    states[`holding${i}`] = {
      on: {
        [SPIN_GRANTED]: next
          ? { target: `holding${i + 1}`, actions: lock('dev', next) }
          : { target: 'done', actions: [...[...locks].reverse().map((x) => unlock('dev', x)), leaveBody()] },
      },
    };
  });
  return cpuMachine({
    id,
    program: {
      initial: 'idle',
      states: { idle: { on: { start: { target: 'holding0', actions: [enterBody('hypercall', body), lock('dev', locks[0] as string)] } } }, ...states, done: { type: 'final' } },
    },
  });
}

const spec: SystemSpec = {
  name: 'lock-chain',
  actors: [
    { name: 'cpu0', machine: path('cpu0', 'dev_down', ['dev.state_lock', 'dev.tx_lock', 'queue.lock']) },
    { name: 'cpu1', machine: path('cpu1', 'ioctl', ['dev.tx_lock', 'queue.lock', 'dev.state_lock']) },
    { name: 'dev', machine: spinlockMachine('dev', 'dev.state_lock', 'dev.tx_lock', 'queue.lock'), daemon: true, label: lockLabel, resources: lockResources },
  ],
  initialMessages: [
    { to: 'cpu0', event: { type: 'start' } },
    { to: 'cpu1', event: { type: 'start' } },
  ],
  checkers: [lockdep],
};

export default spec;
