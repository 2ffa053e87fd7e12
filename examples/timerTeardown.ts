/**
 * Tutorial model (README, tutorial part two): a teardown that stops a timer, then frees the
 * object its callback writes. The callback runs on cpu0 (TIMER_SOFTIRQ) and reads, then writes,
 * `dev.count`; the teardown on `caller` arms the timer, later stops it with `op` and frees `dev`.
 *
 * - `kill` (Xen's kill_timer) and `del_sync` (Linux's del_timer_sync) wait for a callback running
 *   on another CPU: freeing after them is safe (verified);
 * - `stop` (stop_timer / del_timer) cancels an expiry not yet begun but does not wait for a
 *   running callback: from another CPU, the callback writes `dev` after it is freed.
 *
 * The default export is the kill_timer teardown from cpu1; examples/timerTeardownStop.ts is the
 * stop_timer one. Built from protocols/ only (program.ts calls, cpu.ts, timer.ts, memory.ts).
 */
import { send, type Message } from '../runtime/model.js';
import type { SystemSpec } from '../runtime/system.js';
import { useAfterFree } from '../runtime/checkers/useAfterFree.js';
import { cpuMachine, softirqPoint } from '../protocols/cpu.js';
import { MEM_VALUE, mem, memoryLabel, memoryMachine } from '../protocols/memory.js';
import { calls, program, type Call } from '../protocols/program.js';
import { TIMER_ACK, timer, timerLabel, timerMachine } from '../protocols/timer.js';

export type Op = 'stop' | 'kill' | 'del_sync';
type Args = { context: Record<string, unknown>; event: Message };

const OPS: Record<Op, (t: string) => Call> = { stop: calls.stopTimer, kill: calls.killTimer, del_sync: calls.delTimerSync };

/**
 * A teardown: `caller` arms timer `tm` (callback on cpu0, reading then writing dev.count), lets
 * softirqs run, stops the timer with `op` and frees `dev`. With `periodic`, the callback re-arms
 * the timer while the count is below 2. cpu0 idles at a softirq point (and is the caller when
 * `caller` is cpu0: its program then ends in the idle loop).
 */
export function teardown(op: Op, caller: 'cpu0' | 'cpu1', periodic = false): SystemSpec {
  const code = program(caller, [calls.setTimer('tm'), calls.processPendingSoftirqs(), OPS[op]('tm'), calls.free('devmem', 'dev')]);
  const idleLoop = { meta: softirqPoint() };
  const write = send('devmem', ({ event }: Args) => mem.write('dev', 'count', Number(event.value) + 1));
  const callback = {
    initial: 'reading',
    start: send('devmem', mem.read('dev', 'count')),
    states: {
      reading: {
        on: {
          [MEM_VALUE]: [
            ...(periodic ? [{ guard: ({ event }: Args) => Number(event.value) + 1 < 2, target: 'rearming', actions: [write, send('tm', timer.set())] }] : []),
            { target: 'fin', actions: write },
          ],
        },
      },
      rearming: { on: { [TIMER_ACK]: 'fin' } },
      fin: { type: 'final' },
    },
  };
  const cpu0Program = caller === 'cpu0' ? { ...code, states: { ...code.states, done: idleLoop } } : { initial: 'idle', states: { idle: idleLoop } };
  const cpu0 = cpuMachine({ id: 'cpu0', program: cpu0Program, timers: { tm: callback } });
  return {
    name: `timer-${op}-${caller}${periodic ? '-periodic' : ''}`,
    actors: [
      { name: 'cpu0', machine: cpu0, daemon: true },
      ...(caller === 'cpu1' ? [{ name: 'cpu1', machine: cpuMachine({ id: 'cpu1', program: code }) }] : []),
      { name: 'tm', machine: timerMachine('tm', 'cpu0'), daemon: true, label: timerLabel },
      { name: 'devmem', machine: memoryMachine('devmem', { dev: { count: 0 } }), daemon: true, label: memoryLabel },
    ],
    initialMessages: [{ to: caller, event: { type: 'start' } }],
    checkers: [useAfterFree],
  };
}

export default teardown('kill', 'cpu1');
