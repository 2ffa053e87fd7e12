/**
 * Tutorial model (README, "Tutorial"): two CPUs, one domain owning two spinlocks.
 * CPU0 handles a hypercall: takes d.lock, then vgic.lock. CPU1 injects an IRQ: takes
 * vgic.lock, then d.lock. Explore it to find the ABBA deadlock; twoCpuLockFixed.ts fixes it.
 */
import { calls, lockGuard, straightLineCpu } from '../protocols/program.js';
import type { SystemSpec } from '../runtime/index.js';

/** A CPU that takes `first`, then `second` (both owned by the `domain` actor), then releases both. */
export function cpu(name: string, first: string, second: string) {
  return straightLineCpu(name, [calls.lock('domain', first), calls.lock('domain', second), calls.unlock('domain', second), calls.unlock('domain', first)]);
}

export function twoCpus(name: string, cpu1Order: [string, string]): SystemSpec {
  return {
    name,
    actors: [
      { name: 'cpu0', machine: cpu('cpu0', 'd.lock', 'vgic.lock') },
      { name: 'cpu1', machine: cpu('cpu1', ...cpu1Order) },
      lockGuard('domain', ['d.lock', 'vgic.lock']),
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  };
}

export default twoCpus('two-cpu-lock', ['vgic.lock', 'd.lock']);
