/**
 * A lock shared with a tasklet, for lockdep's softirq rules (docs/checkers.md): a tasklet on
 * cpu1 takes `stats.lock`; a hypercall on cpu0 takes it with plain spin_lock while softirqs are
 * enabled. Linux reports "inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage": a softirq run on
 * cpu0 while it holds the lock (on the way out of an interrupt) would spin on it forever.
 * SOFTIRQ_BH=1 takes it with spin_lock_bh instead, which lockdep accepts.
 *
 * `npx interleave explore examples/softirqLock.ts`
 */
import type { SystemSpec } from '../runtime/index.js';
import { lockdep } from '../runtime/checkers/index.js';
import { cpuMachine, enterBody, leaveBody, lock, lockBh, softirqPoint, unlock, unlockBh } from '../protocols/cpu.js';
import { SPIN_GRANTED, lockLabel, lockResources, spinlockMachine } from '../protocols/spinlock.js';
import { tasklet, taskletLabel, taskletMachine } from '../protocols/tasklet.js';

const bh = process.env.SOFTIRQ_BH === '1';

const cpu0 = cpuMachine({
  id: 'cpu0',
  program: {
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'locked', actions: [enterBody('hypercall', 'stats_read'), bh ? lockBh('stats', 'stats.lock') : lock('stats', 'stats.lock')] } } },
      locked: { on: { [SPIN_GRANTED]: { target: 'done', actions: [bh ? unlockBh('stats', 'stats.lock') : unlock('stats', 'stats.lock'), leaveBody()] } } },
      done: { type: 'final' },
    },
  },
});

const cpu1 = cpuMachine({
  id: 'cpu1',
  program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
  tasklets: {
    stats_tasklet: {
      initial: 'taking',
      start: lock('stats', 'stats.lock'),
      states: { taking: { on: { [SPIN_GRANTED]: { target: 'out', actions: unlock('stats', 'stats.lock') } } }, out: { type: 'final' } },
    },
  },
});

const spec: SystemSpec = {
  name: bh ? 'softirq-lock-bh' : 'softirq-lock',
  actors: [
    { name: 'cpu0', machine: cpu0 },
    { name: 'cpu1', machine: cpu1, daemon: true },
    { name: 'stats_tasklet', machine: taskletMachine('stats_tasklet'), daemon: true, label: taskletLabel },
    { name: 'stats', machine: spinlockMachine('stats', 'stats.lock'), daemon: true, label: lockLabel, resources: lockResources },
  ],
  initialMessages: [
    { to: 'cpu0', event: { type: 'start' } },
    { to: 'stats_tasklet', event: tasklet.schedule('cpu1') },
  ],
  checkers: [lockdep],
};

export default spec;
