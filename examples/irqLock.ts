/**
 * Writing a model (docs/writing-models.md): an IRQ handler that takes a lock its CPU may hold.
 * cpu0's program takes `dev.lock` with spin_lock, IRQs enabled; the handler of IRQ 27 takes it
 * too. If the IRQ comes while the program holds the lock, the handler spins on it forever (a
 * release build's spinlock). irqLockFixed.ts takes the lock with spin_lock_irqsave, so the IRQ
 * waits until the lock is dropped.
 */
import { irq, irqControllerLabel, irqControllerMachine } from '../protocols/irq.js';
import { body, calls, lockGuard, straightLineCpu } from '../protocols/program.js';
import type { SystemSpec } from '../runtime/index.js';

export function irqLock(variant: 'plain' | 'irqsave'): SystemSpec {
  const program =
    variant === 'irqsave'
      ? [calls.lockIrqsave('dev', 'dev.lock'), calls.unlockIrqrestore('dev', 'dev.lock')]
      : [calls.lock('dev', 'dev.lock'), calls.unlock('dev', 'dev.lock')];
  const cpu0 = straightLineCpu('cpu0', program, {
    irqController: 'gic',
    registered: [27],
    irqHandlers: { 27: body('cpu0', [calls.lock('dev', 'dev.lock'), calls.unlock('dev', 'dev.lock')]) },
  });
  return {
    name: `irq-lock-${variant}`,
    actors: [
      { name: 'cpu0', machine: cpu0 },
      lockGuard('dev', ['dev.lock'], { debugLocks: false }),
      { name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true, label: irqControllerLabel },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'gic', event: irq.trigger(27, 'cpu0') },
    ],
  };
}

export default irqLock('plain');
