/**
 * Tutorial model (README, tutorial part two, "can this happen?"): two CPUs claim a device by a
 * flag. Each reads `dev.busy`, and if it was clear sets it and goes on to use the device: the
 * check and the set are two steps, so another CPU can read the flag in between (test-then-set,
 * not test_and_set_bit). The question a reviewer asks, "can both CPUs hold the device at once?",
 * is the reachability query `both-claimed`: reachable on the lock-free handshake, unreachable
 * when `dev_lock` is held around the check and the set (`examples/flagHandshakeLocked.ts`).
 *
 * Straight-line calls of protocols/program.ts: `read` keeps the value in the CPU's context as
 * `saw`; a CPU is in its last call (`claimed`) once it has set the flag.
 */
import { calls, lockGuard, straightLineCpu } from '../protocols/program.js';
import { memoryLabel, memoryMachine } from '../protocols/memory.js';
import type { GlobalView, SystemSpec } from '../runtime/system.js';
import { programEnded } from '../protocols/cpu.js';

/** True when `cpu` has set the flag having seen it clear: it believes it owns the device. */
function claimed(view: GlobalView, cpu: string): boolean {
  const s = view.actor(cpu);
  return programEnded(s) && (s.context as { saw?: number }).saw === 0;
}

export function flagHandshake(locked: boolean): SystemSpec {
  const claim = (name: string) =>
    straightLineCpu(name, [
      ...(locked ? [calls.lock('locks', 'dev_lock')] : []),
      calls.read('devmem', 'dev', 'busy', 'saw'),
      calls.write('devmem', 'dev', 'busy', 1),
      ...(locked ? [calls.unlock('locks', 'dev_lock')] : []),
    ]);
  return {
    name: locked ? 'flag-handshake-locked' : 'flag-handshake',
    actors: [
      { name: 'cpu0', machine: claim('cpu0') },
      { name: 'cpu1', machine: claim('cpu1') },
      { name: 'devmem', machine: memoryMachine('devmem', { dev: { busy: 0 } }), daemon: true, label: memoryLabel },
      ...(locked ? [lockGuard('locks', ['dev_lock'])] : []),
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
    reachable: [{ name: 'both-claimed', when: (view) => claimed(view, 'cpu0') && claimed(view, 'cpu1') }],
  };
}

export default flagHandshake(false);
