/**
 * The tutorial's model (examples/twoCpuLock.ts) with each CPU written as xstate states instead of
 * a straight-line list of calls: the form for code that branches or loops. The same calls are
 * actions here (protocols/cpu.ts); a state waits for the answer of the call made on entering it.
 */
import { cpuMachine, isLock, lock, unlock } from '../protocols/cpu.js';
import { SPIN_GRANTED } from '../protocols/spinlock.js';
import { lockGuard } from '../protocols/program.js';
import type { SystemSpec } from '../runtime/index.js';

export function cpu(name: string, first: string, second: string) {
  return cpuMachine({
    id: name,
    program: {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'spinFirst', actions: lock('domain', first) } } },
        spinFirst: { on: { [SPIN_GRANTED]: { guard: isLock(first), target: 'spinSecond', actions: lock('domain', second) } } },
        spinSecond: { on: { [SPIN_GRANTED]: { guard: isLock(second), target: 'done', actions: [unlock('domain', second), unlock('domain', first)] } } },
        done: { type: 'final' },
      },
    },
  });
}

const system: SystemSpec = {
  name: 'two-cpu-lock-states',
  actors: [
    { name: 'cpu0', machine: cpu('cpu0', 'd.lock', 'vgic.lock') },
    { name: 'cpu1', machine: cpu('cpu1', 'vgic.lock', 'd.lock') },
    lockGuard('domain', ['d.lock', 'vgic.lock']),
  ],
  initialMessages: [
    { to: 'cpu0', event: { type: 'start' } },
    { to: 'cpu1', event: { type: 'start' } },
  ],
};
export default system;
