/**
 * Timers with the guarantees of the kernels' timer APIs: xen/common/timer.c (`set_timer`,
 * `stop_timer`, `kill_timer`, `migrate_timer`, `timer_softirq_action`/`execute_timer`) and
 * linux kernel/time/timer.c (`mod_timer`, `del_timer`/`timer_delete`,
 * `del_timer_sync`/`timer_delete_sync`).
 *
 * Time is not a clock here but a message (DESIGN.md decision 3): arming the timer posts the
 * timer actor `timer.expire {gen}`; whenever the explorer schedules that step, the deadline has
 * passed and the timer raises TIMER_SOFTIRQ on its CPU (`timer.fire {gen}`). So the callback may
 * run at any point after the timer is armed, which over-approximates every deadline; relative
 * order between two timers is not kept.
 *
 * The callback starts the way the kernels start it: the CPU, at its next softirq point, asks the
 * timer (`timer.begin {gen}`), and the timer, still armed with that generation, takes itself off
 * its queue, records that CPU as running the callback and answers `timer.go` (Xen's
 * `execute_timer`: the timer is inactive and `timers->running == t` before `fn` is called);
 * otherwise `timer.stale`. So stopping a timer whose expiry is already raised cancels it, as
 * taking it off the heap does; a callback that has begun runs to its end. When the callback
 * returns, the CPU sends `timer.end`. The callback may re-arm its own timer (a periodic timer):
 * it is inactive while it runs, so `set_timer`/`mod_timer` from the callback queues it again.
 *
 * Every operation is a call: the timer answers `timer.ack {op, pending}`, addressed to the
 * context that asked (runtime/model.ts `answerTo`: a callback re-arming itself takes its own ack),
 * when the operation has taken effect (`pending`: the timer was armed, the value `mod_timer`, `del_timer` and
 * `del_timer_sync` return). A caller that goes on before the answer would let a later step of
 * its own, or of anyone it tells, overtake the operation, which the kernels' synchronous calls
 * never allow: wait for the ack.
 *
 * | request               | kernel function                          | guarantee when `timer.ack` arrives |
 * |-----------------------|------------------------------------------|------------------------------------|
 * | `timer.set {cpu?}`    | set_timer / mod_timer (`cpu`: add_timer_on) | armed (re-armed if it was); a callback already running may still be running |
 * | `timer.stop`          | stop_timer / del_timer, timer_delete     | not armed; does not wait for a running callback |
 * | `timer.del_sync`      | del_timer_sync / timer_delete_sync       | not armed, and no callback running on any CPU (waits) |
 * | `timer.kill`          | kill_timer                               | not armed, no callback running, and dead: later set/stop/migrate do nothing |
 * | `timer.migrate {cpu}` | migrate_timer                            | the callback will run on `cpu` (re-armed there if armed) |
 *
 * As in the kernels, `kill_timer` or `del_timer_sync` from the timer's own callback can never
 * return (Xen: `BUG_ON(this_cpu(timers).running == timer)`; Linux: lockdep's timer map splat):
 * an assertion here. `del_timer_sync` waits for the running callback, then takes a re-arm it
 * made off the queue; between the two the re-armed timer may run again (the kernel's retry
 * loop: `try_to_del_timer_sync` until no callback runs). `migrate_timer` may move a timer whose
 * callback is running: the callback may then begin on the new CPU before it ends on the old one
 * (Xen allows this; kill_timer waits for every CPU).
 *
 * | message (CPU side)                | meaning                                            |
 * |-----------------------------------|----------------------------------------------------|
 * | `timer.fire {gen}` timer -> CPU    | TIMER_SOFTIRQ raised: run the callback at a softirq point |
 * | `timer.begin {gen}` CPU -> timer   | may I run the callback now?                        |
 * | `timer.go` / `timer.stale`         | yes / no (stopped, re-armed or moved meanwhile)     |
 * | `timer.end` CPU -> timer           | the callback returned                              |
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, answerTo, assertThat, send, type Message } from '../runtime/model.js';
import { TIMER_DEL_SYNC, TIMER_KILL } from '../runtime/checkers/conventions.js';
import type { ActorSpec } from '../runtime/system.js';

// The timer family's vocabulary, both sides (the CPU side is protocols/cpu.ts `timers`).
export const TIMER_SET = 'timer.set';
export const TIMER_STOP = 'timer.stop';
// del_timer_sync and kill_timer wait for the callback: lockdep knows them (conventions.ts mapsTouched).
export { TIMER_DEL_SYNC, TIMER_KILL } from '../runtime/checkers/conventions.js';
export const TIMER_MIGRATE = 'timer.migrate';
/** The timer's answer to every request: `{op, pending}`. */
export const TIMER_ACK = 'timer.ack';
/** The timer to itself: the deadline of arming `gen` has passed. */
export const TIMER_EXPIRE = 'timer.expire';
/** Internal: a waiting `del_timer_sync` tries again (the kernel's retry loop). */
export const TIMER_RETRY = 'timer.retry';
/** The timer to its CPU: run the callback in TIMER_SOFTIRQ. */
export const TIMER_FIRE = 'timer.fire';
/** The CPU to the timer: may I run the callback (armed with `gen`)? */
export const TIMER_BEGIN = 'timer.begin';
/** The timer's answers to `timer.begin`. */
export const TIMER_GO = 'timer.go';
export const TIMER_STALE = 'timer.stale';
/** The CPU to the timer: the callback returned. */
export const TIMER_END = 'timer.end';

export type TimerOp = 'set' | 'stop' | 'del_sync' | 'kill' | 'migrate';

export interface TimerContext {
  /** The CPU whose softirq runs the callback (`timer->cpu`). */
  cpu: string;
  /** Queued to expire (Xen: active; Linux: pending). */
  armed: boolean;
  /** Generation of the current arming, modulo 4 (bounded: enough to tell the last expiry from a stale one). */
  gen: number;
  /** CPUs running the callback now (Xen's per-CPU `timers->running`), sorted. */
  running: string[];
  /** kill_timer ran: every later operation is a no-op (Xen's TIMER_CPU_status_killed). */
  killed: boolean;
  /** Callers of kill_timer / del_timer_sync waiting for the callback to end, in arrival order (`frame`: the caller's context, see runtime/model.ts FRAME). */
  waiting: Array<{ to: string; op: 'kill' | 'del_sync'; pending: boolean; frame?: string }>;
  /** A `timer.retry` is on its way (one at a time). */
  retrying: boolean;
}

export const timer = {
  /** set_timer / mod_timer; with `cpu`, add_timer_on. */
  set: (cpu?: string): Message => ({ type: TIMER_SET, ...(cpu ? { cpu } : {}) }),
  /** stop_timer / del_timer (timer_delete). */
  stop: (): Message => ({ type: TIMER_STOP }),
  /** del_timer_sync (timer_delete_sync). */
  delSync: (): Message => ({ type: TIMER_DEL_SYNC }),
  /** kill_timer. */
  kill: (): Message => ({ type: TIMER_KILL }),
  /** migrate_timer. */
  migrate: (cpu: string): Message => ({ type: TIMER_MIGRATE, cpu }),
  ack: (op: TimerOp, pending: boolean): Message => ({ type: TIMER_ACK, op, pending }),
  fire: (gen: number): Message => ({ type: TIMER_FIRE, gen }),
  begin: (gen: number): Message => ({ type: TIMER_BEGIN, gen }),
  go: (): Message => ({ type: TIMER_GO }),
  stale: (): Message => ({ type: TIMER_STALE }),
  end: (): Message => ({ type: TIMER_END }),
};

/** A guard for a state waiting for the answer to `op`: `on: { 'timer.ack': { guard: isTimerAck('kill'), ... } }`. */
export function isTimerAck(op: TimerOp): (args: { event: Message }) => boolean {
  return ({ event }) => event.type === TIMER_ACK && event.op === op;
}

type TEvent = Message & { cpu?: string; gen?: number; from: string };
type Waiter = TimerContext['waiting'][number];

/** The answer to `request`, addressed to the context that asked (runtime/model.ts answerTo). */
const answer = (request: TEvent, m: Message) => send(request.from, answerTo(request, m));
/** A waiter kept for later, with the context that asked. */
const waiter = (request: TEvent, op: Waiter['op'], pending: boolean): Waiter => ({ to: request.from, op, pending, ...(typeof request[FRAME] === 'string' ? { frame: request[FRAME] as string } : {}) });
const answerWaiter = (w: Waiter, m: Message) => send(w.to, answerTo(w.frame === undefined ? {} : { [FRAME]: w.frame }, m));
type Ctx = TimerContext;
interface Enq {
  assign: (x: Partial<Ctx>) => void;
  (a: unknown): void;
}

/** A timer whose callback runs on `cpu` (Xen's `init_timer(t, fn, data, cpu)`; Linux's `timer_setup` on that CPU). */
export function timerMachine(id: string, cpu: string) {
  const arm = (c: Ctx, enqueue: Enq, onCpu: string): void => {
    const gen = (c.gen + 1) % 4;
    enqueue.assign({ armed: true, gen, cpu: onCpu });
    enqueue(send(id, { type: TIMER_EXPIRE, gen }));
  };
  const ev = (e: unknown): TEvent => e as TEvent;
  return createMachine({
    id,
    types: {} as { context: TimerContext },
    context: { cpu, armed: false, gen: 0, running: [], killed: false, waiting: [], retrying: false },
    on: {
      [TIMER_SET]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = ev(event);
          const pending = context.armed;
          if (!context.killed) arm(context, enqueue as unknown as Enq, typeof e.cpu === 'string' ? e.cpu : context.cpu);
          enqueue(answer(e, timer.ack('set', pending)));
        }),
      },
      [TIMER_STOP]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          enqueue.assign({ armed: false });
          enqueue(answer(ev(event), timer.ack('stop', context.armed)));
        }),
      },
      [TIMER_MIGRATE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = ev(event);
          const to = String(e.cpu);
          if (!context.killed && to !== context.cpu) {
            // Re-armed on the new CPU: an expiry already raised on the old one becomes stale.
            if (context.armed) arm(context, enqueue as unknown as Enq, to);
            else enqueue.assign({ cpu: to });
          }
          enqueue(answer(e, timer.ack('migrate', context.armed)));
        }),
      },
      [TIMER_KILL]: {
        actions: [
          assertThat<Ctx, TEvent>(({ context, event }) => !context.running.includes(event.from), 'kill_timer from the timer\'s own callback never returns (BUG_ON(this_cpu(timers).running == timer))'),
          enqueueActions(({ context, event, enqueue }) => {
            const e = ev(event);
            const pending = context.armed;
            if (context.running.length === 0) {
              enqueue.assign({ armed: false, killed: true });
              enqueue(answer(e, timer.ack('kill', pending)));
            } else {
              enqueue.assign({ armed: false, killed: true, waiting: [...context.waiting, waiter(e, 'kill', pending)] });
            }
          }),
        ],
      },
      [TIMER_DEL_SYNC]: {
        actions: [
          assertThat<Ctx, TEvent>(({ context, event }) => !context.running.includes(event.from), 'del_timer_sync from the timer\'s own callback waits for itself forever'),
          enqueueActions(({ context, event, enqueue }) => {
            const e = ev(event);
            if (context.running.length === 0) {
              enqueue.assign({ armed: false });
              enqueue(answer(e, timer.ack('del_sync', context.armed)));
            } else {
              enqueue.assign({ waiting: [...context.waiting, waiter(e, 'del_sync', false)] });
            }
          }),
        ],
      },
      [TIMER_EXPIRE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          if (context.armed && ev(event).gen === context.gen) enqueue(send(context.cpu, timer.fire(context.gen)));
        }),
      },
      [TIMER_BEGIN]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = ev(event);
          if (!context.armed || e.gen !== context.gen || e.from !== context.cpu) {
            enqueue(answer(e, timer.stale()));
            return;
          }
          enqueue.assign({ armed: false, running: [...context.running, e.from].sort() });
          enqueue(answer(e, timer.go()));
        }),
      },
      [TIMER_END]: {
        actions: [
          assertThat<Ctx, TEvent>(({ context, event }) => context.running.includes(event.from), 'timer.end from a CPU that is not running the callback'),
          enqueueActions(({ context, event, enqueue }) => {
            const running = context.running.filter((c) => c !== ev(event).from);
            if (running.length > 0) {
              enqueue.assign({ running });
              return;
            }
            // kill_timer's wait ends here; del_timer_sync tries again (a re-armed timer may run first).
            for (const w of context.waiting) if (w.op === 'kill') enqueue(answerWaiter(w, timer.ack('kill', w.pending)));
            const waiting = context.waiting.filter((w) => w.op !== 'kill');
            const retry = waiting.length > 0 && !context.retrying;
            enqueue.assign({ running, waiting, retrying: context.retrying || retry });
            if (retry) enqueue(send(id, { type: TIMER_RETRY }));
          }),
        ],
      },
      [TIMER_RETRY]: {
        actions: enqueueActions(({ context, enqueue }) => {
          if (context.running.length > 0) {
            enqueue.assign({ retrying: false }); // still running: the next timer.end retries
            return;
          }
          for (const w of context.waiting) enqueue(answerWaiter(w, timer.ack('del_sync', context.armed)));
          enqueue.assign({ armed: false, waiting: [], retrying: false });
        }),
      },
    },
  });
}

/**
 * For deadlock reports (ActorSpec `waits`): the running callback, held by the CPUs running it,
 * waited for by the callers of del_timer_sync / kill_timer, so a deadlock's wait-for cycle can go
 * through the callback (cpu1 waits for tm's callback on cpu0, which spins on a lock cpu1 holds).
 */
export function timerWaits(c: TimerContext, name = 'timer'): Array<{ name: string; heldBy: string[]; waiting: string[] }> {
  if (c.running.length === 0 && c.waiting.length === 0) return [];
  return [{ name: `callback of ${name}`, heldBy: [...c.running], waiting: c.waiting.map((w) => w.to) }];
}

/** A timer as a system's actor: the daemon {@link timerMachine} with its trace label and `waits`. */
export function timerActor(name: string, cpu: string): ActorSpec {
  return { name, machine: timerMachine(name, cpu), daemon: true, label: timerLabel, waits: (c: TimerContext) => timerWaits(c, name) };
}

/** Trace label: `idle`, `armed@cpu0`, `running@cpu1`, `armed@cpu0 running@cpu1 (1 waiting)`, `killed`. */
export function timerLabel(c: TimerContext): string {
  const parts: string[] = [];
  if (c.killed) parts.push('killed');
  if (c.armed) parts.push(`armed@${c.cpu}`);
  if (c.running.length) parts.push(`running@${c.running.join(',')}`);
  if (c.waiting.length) parts.push(`(${c.waiting.length} waiting)`);
  return parts.join(' ') || 'idle';
}
