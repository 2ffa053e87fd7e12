/**
 * A lock chosen by a pointer in the context (`spin_lock(&pt->vcpu->lock)`): one program state
 * locks whichever vCPU's lock the pointer names, and the bookkeeping follows it.
 */
import { assign } from 'xstate';
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { lockLeak, lockdep } from '../../runtime/checkers/index.js';
import type { Message } from '../../runtime/model.js';
import type { GlobalView, SystemSpec } from '../../runtime/system.js';
import type { ExecContext } from '../../runtime/checkers/conventions.js';
import { cpuMachine, lockIrqsave, unlockIrqrestore, programEnded } from '../../protocols/cpu.js';
import { SPIN_GRANTED, lockLabel, lockResources, spinlockMachine } from '../../protocols/spinlock.js';

type Ctx = { context: { pt: { vcpu: string } } };
const vcpuLock = ({ context }: Ctx) => context.pt.vcpu;

/** cpu0 and cpu1 each lock the vCPU their `start` message points at, with spin_lock_irqsave. */
function pointed(targets: [string, string]): SystemSpec {
  const cpu = (id: string) =>
    cpuMachine({
      id,
      context: { pt: { vcpu: '' } },
      program: {
        initial: 'idle',
        states: {
          idle: { on: { start: { target: 'locking', actions: [assign({ pt: ({ event }: { event: Message }) => ({ vcpu: String(event.vcpu) }) }), lockIrqsave(vcpuLock, 'vcpu.lock')] } } },
          locking: { on: { [SPIN_GRANTED]: { target: 'done', actions: unlockIrqrestore(vcpuLock, 'vcpu.lock') } } },
          done: { type: 'final' },
        },
      },
    });
  const guard = (name: string) => ({ name, machine: spinlockMachine(name, 'vcpu.lock'), daemon: true, resources: lockResources, label: lockLabel });
  return {
    name: `pointer-lock-${targets.join('-')}`,
    actors: [{ name: 'cpu0', machine: cpu('cpu0') }, { name: 'cpu1', machine: cpu('cpu1') }, guard('v1'), guard('v2')],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start', vcpu: targets[0] } },
      { to: 'cpu1', event: { type: 'start', vcpu: targets[1] } },
    ],
    checkers: [lockLeak, lockdep],
    invariants: [bookkeeping],
  };
}

/** A CPU's own record of the locks it holds (`exec.held`, what lock-leak frames remember) is empty once it is done. */
const bookkeeping = {
  name: 'nothing recorded as held at the end',
  check: (view: GlobalView) => ['cpu0', 'cpu1'].every((c) => !programEnded(view.actor(c)) || (view.actor(c).context as { exec: ExecContext }).exec.held.length === 0),
};

describe('a lock chosen by a pointer', () => {
  it('should lock and unlock the pointed-to instance, leak nothing and restore the IRQ flag, whichever vCPU it points at', () => {
    for (const targets of [['v1', 'v2'], ['v2', 'v2']] as Array<[string, string]>) {
      const result = explore(pointed(targets), { maxViolations: 5 });
      expect(result.violations, targets.join(',')).toEqual([]);
      expect(result.verdict).toBe('verified');
    }
  });

  it('should serialise two CPUs pointing at the same vCPU: its lock has one holder and a waiter', () => {
    const both = { name: 'one holder', check: (view: GlobalView) => lockLabel(view.actor('v2').context as never) !== 'cpu0 [cpu1]' };
    expect(explore({ ...pointed(['v2', 'v2']), invariants: [bookkeeping, both] }).violations.map((v) => v.message)).toEqual(["invariant 'one holder' violated"]);
  });
});
