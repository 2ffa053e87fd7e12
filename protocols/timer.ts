/**
 * Timers and the timer softirq: xen/common/timer.c `set_timer`, `stop_timer`, `timer_softirq_action`.
 *
 * Time is not a clock here but a message (DESIGN.md decision 3): `set_timer` arms the timer and
 * the timer actor posts itself `timer.expire`; whenever the explorer schedules that step, the
 * deadline has passed and the callback is due on the timer's CPU, which runs it in
 * TIMER_SOFTIRQ (`timer.fire` to the CPU, run at its next softirq point: see cpu.ts `timers`).
 * So the callback may run at any point after `set_timer`, which over-approximates every
 * deadline; relative order between two timers is not kept. `stop_timer` before expiry cancels
 * (the stale `timer.expire` is recognised by a generation number). A periodic timer is a
 * callback that sets the timer again.
 *
 * | message                   | timer does                                   |
 * |---------------------------|----------------------------------------------|
 * | `timer.set {cpu?}`        | arm (on `cpu`, default the one it was created for) |
 * | `timer.stop`              | disarm                                       |
 * | `timer.expire {gen}` (self) | if armed with that generation: `timer.fire` to the CPU |
 */
import { createMachine, enqueueActions } from 'xstate';
import { send, type Message } from '../runtime/model.js';

// The timer family's vocabulary, both sides (the CPU side is protocols/cpu.ts `timers`).
export const TIMER_SET = 'timer.set';
export const TIMER_STOP = 'timer.stop';
export const TIMER_EXPIRE = 'timer.expire';
/** The timer to its CPU: run the callback in TIMER_SOFTIRQ. */
export const TIMER_FIRE = 'timer.fire';

export interface TimerContext {
  cpu: string;
  armed: boolean;
  /** Generation of the current arming, modulo 4 (bounded: enough to tell the last expiry from a stale one). */
  gen: number;
}

export const timer = {
  set: (cpu?: string): Message => ({ type: TIMER_SET, ...(cpu ? { cpu } : {}) }),
  stop: (): Message => ({ type: TIMER_STOP }),
  fire: (): Message => ({ type: TIMER_FIRE }),
};

/** A timer whose callback runs on `cpu` (Xen's `init_timer(t, fn, data, cpu)`). */
export function timerMachine(id: string, cpu: string) {
  return createMachine({
    id,
    types: {} as { context: TimerContext },
    context: { cpu, armed: false, gen: 0 },
    on: {
      [TIMER_SET]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const gen = (context.gen + 1) % 4;
          const target = typeof (event as Message).cpu === 'string' ? String((event as Message).cpu) : context.cpu;
          enqueue.assign({ armed: true, gen, cpu: target });
          enqueue(send(id, { type: TIMER_EXPIRE, gen }));
        }),
      },
      [TIMER_STOP]: { actions: enqueueActions(({ enqueue }) => enqueue.assign({ armed: false })) },
      [TIMER_EXPIRE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          if (!context.armed || (event as Message).gen !== context.gen) return;
          enqueue.assign({ armed: false });
          enqueue(send(context.cpu, timer.fire()));
        }),
      },
    },
  });
}

export function timerLabel(c: TimerContext): string {
  return c.armed ? `armed@${c.cpu}` : 'idle';
}
