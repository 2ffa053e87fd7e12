/**
 * Tutorial model (README, "Tutorial"): two CPUs, one domain owning two spinlocks.
 * CPU0 handles a hypercall: takes d.lock, then vgic.lock. CPU1 injects an IRQ: takes
 * vgic.lock, then d.lock. Explore it to find the ABBA deadlock; twoCpuLockFixed.ts fixes it.
 */
import { createMachine } from 'xstate';
import { send } from '../runtime/index.js';
import { SPIN_GRANTED, lockLabel, lockResources, spin, spinlockMachine } from '../protocols/spinlock.js';
import type { SystemSpec } from '../runtime/index.js';

/** A CPU that takes `first`, then `second` (both owned by the `domain` actor), then releases both. */
export function cpu(name: string, first: string, second: string) {
  return createMachine({
    id: name,
    initial: 'idle',
    states: {
      idle: { on: { run: { target: 'spinFirst', actions: send('domain', spin.acquire(first)) } } },
      spinFirst: { on: { [SPIN_GRANTED]: { target: 'spinSecond', actions: send('domain', spin.acquire(second)) } } },
      spinSecond: {
        on: { [SPIN_GRANTED]: { target: 'done', actions: [send('domain', spin.release(second)), send('domain', spin.release(first))] } },
      },
      done: { type: 'final' },
    },
  });
}

export function twoCpus(name: string, cpu1Order: [string, string]): SystemSpec {
  return {
    name,
    actors: [
      { name: 'cpu0', machine: cpu('cpu0', 'd.lock', 'vgic.lock') },
      { name: 'cpu1', machine: cpu('cpu1', ...cpu1Order) },
      { name: 'domain', machine: spinlockMachine('domain', 'd.lock', 'vgic.lock'), daemon: true, label: lockLabel, resources: lockResources },
    ],
    initialMessages: [{ to: 'cpu0', event: { type: 'run' } }, { to: 'cpu1', event: { type: 'run' } }],
  };
}

export default twoCpus('two-cpu-lock', ['vgic.lock', 'd.lock']);
