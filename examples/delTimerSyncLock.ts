/**
 * del_timer_sync under a lock its callback takes (docs/checkers.md "Lockdep maps"): `caller`
 * takes `L` with spin_lock_bh, then waits for timer `tm` with del_timer_sync (Linux
 * kernel/time/timer.c; `kill`: Xen's kill_timer), while `tm`'s callback, in TIMER_SOFTIRQ on
 * cpu0, takes `L`. With the caller on cpu1 a run deadlocks: cpu1 waits for the callback, the
 * callback spins on L held by cpu1. With the caller on cpu0 itself no run deadlocks (the callback
 * runs only at cpu0's softirq points), yet Linux's lockdep reports the circular dependency
 * `L --> (&tm) --> L` either way, through the timer's lockdep map: call_timer_fn holds it around
 * the callback, del_timer_sync takes and drops it.
 *
 * `npx interleave explore examples/delTimerSyncLock.ts --checkers lockdep` (the caller on cpu1);
 * examples/delTimerSyncOneCpu.ts is the caller on cpu0. `op: 'kill'` is Xen's kill_timer, which
 * waits the same way (Xen has no lockdep; interleave's lockdep treats it as del_timer_sync).
 */
import type { SystemSpec } from '../runtime/index.js';
import { cpuMachine, softirqPoint } from '../protocols/cpu.js';
import { body, calls, lockGuard, program } from '../protocols/program.js';
import { timerActor } from '../protocols/timer.js';

export interface DelTimerSyncOptions {
  /** The CPU that holds L and waits for the timer. */
  caller?: 'cpu0' | 'cpu1';
  /** del_timer_sync (Linux) or kill_timer (Xen). */
  op?: 'del_sync' | 'kill';
}

export function delTimerSyncLock(options: DelTimerSyncOptions = {}): SystemSpec {
  const caller = options.caller ?? 'cpu1';
  const op = options.op ?? 'del_sync';
  const wait = op === 'kill' ? calls.killTimer('tm') : calls.delTimerSync('tm');
  const code = program(caller, [calls.setTimer('tm'), calls.processPendingSoftirqs(), calls.lockBh('locks', 'L'), wait, calls.unlockBh('locks', 'L')]);
  const callback = body('cpu0', [calls.lock('locks', 'L'), calls.unlock('locks', 'L')]);
  const idle = { initial: 'idle', states: { idle: { meta: softirqPoint() } } };
  const cpu0Program = caller === 'cpu0' ? { ...code, states: { ...code.states, done: { meta: softirqPoint() } } } : idle;
  return {
    name: `${op}-under-lock-${caller}`,
    actors: [
      { name: 'cpu0', machine: cpuMachine({ id: 'cpu0', program: cpu0Program, timers: { tm: callback } }), daemon: true },
      ...(caller === 'cpu1' ? [{ name: 'cpu1', machine: cpuMachine({ id: 'cpu1', program: code }) }] : []),
      timerActor('tm', 'cpu0'),
      lockGuard('locks', ['L']),
    ],
    initialMessages: [{ to: caller, event: { type: 'start' } }],
  };
}

export default delTimerSyncLock();
