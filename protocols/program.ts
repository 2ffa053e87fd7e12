/**
 * Straight-line kernel code as a CPU's program: a list of calls (`spin_lock`, `spin_unlock`,
 * the irqsave variants, rwlocks, `read`, `write`, a message and its answer, `ASSERT`; the
 * sleeping locks, completions, timers, tasklets and workqueues of mutex.ts, rwsem.ts,
 * completion.ts, timer.ts, tasklet.ts and workqueue.ts, ...)
 * becomes the program states of a {@link cpuMachine}, one state per call, so a CPU that takes
 * two locks and drops them is a handful of lines. Code that branches or loops is written as
 * xstate states, as before ({@link cpuMachine} takes both; the calls here are built on the same
 * action helpers of cpu.ts, so lock bookkeeping, IRQ masking and the checkers' conventions are
 * the same).
 *
 * Each call is one step of its own, as in the kernel, where another CPU may run between any
 * two calls: a call that waits for an answer (`spin_lock` for its grant, `read` for the value)
 * returns in the step that takes the answer; one that does not (`spin_unlock`, `write`) has
 * its effect at once and returns at the CPU's next step, which takes a continuation message
 * ({@link PROGRAM_NEXT}) the CPU sends itself. While a CPU is inside a call, its state is named
 * after the call (`spin_lock(d.lock)`), so a trace reads like the code. A program starts when
 * its CPU takes a `start` message (put one in the system's `initialMessages`); an IRQ handler,
 * tasklet or timer body built with {@link body} starts when the CPU enters it.
 *
 * @example
 * ```ts
 * import { calls, lockGuard, straightLineCpu } from 'interleave/protocols';
 *
 * const cpu0 = straightLineCpu('cpu0', [
 *   calls.lock('domain', 'd.lock'),
 *   calls.lock('domain', 'vgic.lock'),
 *   calls.unlock('domain', 'vgic.lock'),
 *   calls.unlock('domain', 'd.lock'),
 * ]);
 * const system = {
 *   name: 'one-cpu',
 *   actors: [{ name: 'cpu0', machine: cpu0 }, lockGuard('domain', ['d.lock', 'vgic.lock'])],
 *   initialMessages: [{ to: 'cpu0', event: { type: 'start' } }],
 * };
 * ```
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- xstate action and state configs, as in cpu.ts */
import { assign } from 'xstate';
import { assertThat, send, type Message } from '../runtime/model.js';
import { MEM_VALUE, RW_GRANTED, SPIN_GRANTED, SPIN_TRYLOCK_RESULT } from '../runtime/checkers/conventions.js';
import type { ActorSpec } from '../runtime/system.js';
import * as cpu from './cpu.js';
import { mem, type Scalar } from './memory.js';
import { COMPLETION_WOKEN, completion } from './completion.js';
import { MUTEX_GRANTED, mutex } from './mutex.js';
import { RWSEM_GRANTED, rwsem } from './rwsem.js';
import { TASKLET_KILLED, tasklet } from './tasklet.js';
import { TIMER_ACK, isTimerAck, timer, type TimerOp } from './timer.js';
import { WORK_CANCELLED, WORK_FLUSHED, WORK_QUEUED, WQ_DESTROYED, WQ_FLUSHED, work } from './workqueue.js';
import { lockLabel, lockResources, spinlockMachineWith, type SpinlockOptions } from './spinlock.js';

/** The continuation a CPU sends itself after a call that does not wait, so the next call is a step of its own. */
export const PROGRAM_NEXT = 'program.next';

/** What a straight-line program reads: the CPU's context (the values `read` and `call` stored). */
export interface ProgramArgs {
  context: Record<string, unknown>;
  event: Message;
}

/** A value, or a function of the CPU's context giving it (for a value read earlier). */
export type FromContext<T> = T | ((context: Record<string, unknown>) => T);

/**
 * One kernel call: what the CPU does when it makes it (`issue`), and the answer it waits for,
 * if any (`awaits`: the message type, a guard, and what to do with it). Build calls with
 * {@link calls}; a call of your own is an object of this shape.
 */
export interface Call {
  /** How the call reads in a trace, and the name of the CPU's state while it is in it. */
  text: string;
  /** Actions of the step that makes the call (sends, context updates, assertions). */
  issue: any[];
  /** The answer the call waits for; without one, the call returns at the CPU's next step. */
  awaits?: { type: string; guard?: (args: ProgramArgs) => boolean; then?: any[] };
  /** While in this call the CPU runs pending softirq work (a softirq point, cpu.ts `softirqPoint`). */
  softirqPoint?: boolean;
}

const value = <T>(v: FromContext<T>, context: Record<string, unknown>): T => (typeof v === 'function' ? (v as (c: Record<string, unknown>) => T)(context) : v);
const grantOf = (type: string, cls: string): NonNullable<Call['awaits']> => ({ type, guard: cpu.isLock(cls) as (args: ProgramArgs) => boolean });

/**
 * The kernel calls a straight-line program is made of. `guard` is the actor that owns the lock
 * (the lock lives with the data it guards), `cls` the lock's class as lockdep sees it; `home`
 * is the actor whose `context.heap` holds an object (protocols/memory.ts).
 */
export const calls = {
  /** spin_lock: waits for the grant (protocols/spinlock.ts, ticket order). `subclass`: spin_lock_nested. */
  lock: (guard: string, cls: string, options: { subclass?: number } = {}): Call => ({
    text: options.subclass ? `spin_lock_nested(${cls}, ${options.subclass})` : `spin_lock(${cls})`,
    issue: [cpu.lock(guard, cls, options)],
    awaits: grantOf(SPIN_GRANTED, cls),
  }),
  /**
   * spin_trylock: never waits; the answer (true: the CPU now holds the lock) goes into the CPU's
   * context as `into`. Lockdep marks its usage but adds no dependency (a trylock cannot deadlock).
   * A straight-line program cannot branch on it: unlock only in a program whose `into` is known
   * true (`calls.assert`), or write the branch as xstate states.
   */
  trylock: (guard: string, cls: string, into: string): Call => ({
    text: `spin_trylock(${cls})`,
    issue: [cpu.trylock(guard, cls)],
    awaits: {
      type: SPIN_TRYLOCK_RESULT,
      guard: cpu.isLock(cls) as (args: ProgramArgs) => boolean,
      then: [assign(({ event }: ProgramArgs) => ({ [into]: event.ok === true }))],
    },
  }),
  /** spin_unlock. */
  unlock: (guard: string, cls: string): Call => ({ text: `spin_unlock(${cls})`, issue: [cpu.unlock(guard, cls)] }),
  /** spin_lock_irqsave: saves the IRQ flag, masks IRQs, waits for the grant. */
  lockIrqsave: (guard: string, cls: string): Call => ({ text: `spin_lock_irqsave(${cls})`, issue: [cpu.lockIrqsave(guard, cls)], awaits: grantOf(SPIN_GRANTED, cls) }),
  /** spin_unlock_irqrestore: releases, then restores the saved IRQ flag. */
  unlockIrqrestore: (guard: string, cls: string): Call => ({ text: `spin_unlock_irqrestore(${cls})`, issue: [cpu.unlockIrqrestore(guard, cls)] }),
  /** read_lock on a rwlock (protocols/rwlock.ts): waits for the grant. */
  readLock: (guard: string, cls: string): Call => ({ text: `read_lock(${cls})`, issue: [cpu.readLock(guard, cls)], awaits: grantOf(RW_GRANTED, cls) }),
  readUnlock: (guard: string, cls: string): Call => ({ text: `read_unlock(${cls})`, issue: [cpu.readUnlock(guard, cls)] }),
  /** write_lock on a rwlock: waits for the grant. */
  writeLock: (guard: string, cls: string): Call => ({ text: `write_lock(${cls})`, issue: [cpu.writeLock(guard, cls)], awaits: grantOf(RW_GRANTED, cls) }),
  writeUnlock: (guard: string, cls: string): Call => ({ text: `write_unlock(${cls})`, issue: [cpu.writeUnlock(guard, cls)] }),
  /** spin_lock_irq: masks IRQs (Xen asserts they were enabled), then waits for the grant. */
  lockIrq: (guard: string, cls: string): Call => ({ text: `spin_lock_irq(${cls})`, issue: [cpu.lockIrq(guard, cls)], awaits: grantOf(SPIN_GRANTED, cls) }),
  /** spin_unlock_irq: releases, then unmasks IRQs. */
  unlockIrq: (guard: string, cls: string): Call => ({ text: `spin_unlock_irq(${cls})`, issue: [cpu.unlockIrq(guard, cls)] }),
  /** spin_lock_bh (Linux include/linux/spinlock.h): disables softirqs on this CPU, then waits for the grant. */
  lockBh: (guard: string, cls: string): Call => ({ text: `spin_lock_bh(${cls})`, issue: [cpu.lockBh(guard, cls)], awaits: grantOf(SPIN_GRANTED, cls) }),
  /** spin_unlock_bh: releases, then enables softirqs. */
  unlockBh: (guard: string, cls: string): Call => ({ text: `spin_unlock_bh(${cls})`, issue: [cpu.unlockBh(guard, cls)] }),
  /** local_bh_disable / local_bh_enable (Linux kernel/softirq.c): a nesting count; no softirq work runs on this CPU while it is above zero. */
  localBhDisable: (): Call => ({ text: 'local_bh_disable()', issue: [cpu.localBhDisable()] }),
  localBhEnable: (): Call => ({ text: 'local_bh_enable()', issue: [cpu.localBhEnable()] }),
  /** local_irq_disable / local_irq_enable. */
  irqDisable: (): Call => ({ text: 'local_irq_disable()', issue: [cpu.irqDisable()] }),
  irqEnable: (): Call => ({ text: 'local_irq_enable()', issue: [cpu.irqEnable()] }),
  /** rcu_read_lock / rcu_read_unlock. */
  rcuReadLock: (): Call => ({ text: 'rcu_read_lock()', issue: [cpu.rcuReadLock()] }),
  rcuReadUnlock: (): Call => ({ text: 'rcu_read_unlock()', issue: [cpu.rcuReadUnlock()] }),
  /** Reads `obj.field` from its home; waits for the value and keeps it in the CPU's context as `into`. */
  read: (home: string, obj: string, field: string, into: string): Call => ({
    text: `read(${obj}.${field})`,
    issue: [send(home, mem.read(obj, field))],
    awaits: {
      type: MEM_VALUE,
      guard: ({ event }) => event.obj === obj && event.field === field,
      then: [assign(({ event }: ProgramArgs) => ({ [into]: event.value as Scalar }))],
    },
  }),
  /** Writes `obj.field` at its home (the write happens at this step). */
  write: (home: string, obj: string, field: string, v: FromContext<Scalar>): Call => ({
    text: `write(${obj}.${field})`,
    issue: [send(home, ({ context }: ProgramArgs) => mem.write(obj, field, value(v, context)))],
  }),
  /**
   * Sends `message` to `to` (a hypercall's SMC, a request to a server). With `awaits`, waits for
   * an answer of that type and keeps it in the context as `into` (if given).
   */
  call: (to: string, message: FromContext<Message>, options: { awaits?: string; into?: string } = {}): Call => {
    const type = typeof message === 'function' ? 'message' : message.type;
    return {
      text: `${type} to ${to}`,
      issue: [send(to, ({ context }: ProgramArgs) => value(message, context))],
      ...(options.awaits
        ? {
            awaits: {
              type: options.awaits,
              ...(options.into ? { then: [assign(({ event }: ProgramArgs) => ({ [options.into as string]: { ...event } }))] } : {}),
            },
          }
        : {}),
    };
  },
  /** ASSERT(predicate): an assertion violation carrying `message` when it is false. */
  assert: (predicate: (context: Record<string, unknown>) => boolean, message: string): Call => ({
    text: `ASSERT(${message})`,
    issue: [assertThat(({ context }: ProgramArgs) => predicate(context), message)],
  }),
  /** mutex_lock (protocols/mutex.ts): waits until the caller owns the mutex; it may sleep. */
  mutexLock: (guard: string, cls: string): Call => ({ text: `mutex_lock(${cls})`, issue: [send(guard, mutex.lock(cls))], awaits: grantOf(MUTEX_GRANTED, cls) }),
  mutexUnlock: (guard: string, cls: string): Call => ({ text: `mutex_unlock(${cls})`, issue: [send(guard, mutex.unlock(cls))] }),
  /** down_read / down_write on a rw semaphore (protocols/rwsem.ts): wait for the grant; they may sleep. */
  downRead: (guard: string, cls: string): Call => ({ text: `down_read(${cls})`, issue: [send(guard, rwsem.downRead(cls))], awaits: grantOf(RWSEM_GRANTED, cls) }),
  downWrite: (guard: string, cls: string): Call => ({ text: `down_write(${cls})`, issue: [send(guard, rwsem.downWrite(cls))], awaits: grantOf(RWSEM_GRANTED, cls) }),
  upRead: (guard: string, cls: string): Call => ({ text: `up_read(${cls})`, issue: [send(guard, rwsem.upRead(cls))] }),
  upWrite: (guard: string, cls: string): Call => ({ text: `up_write(${cls})`, issue: [send(guard, rwsem.upWrite(cls))] }),
  /** wait_for_completion (protocols/completion.ts): returns once it took a completion; it may sleep. */
  waitForCompletion: (c: string): Call => ({ text: `wait_for_completion(${c})`, issue: [send(c, completion.wait())], awaits: { type: COMPLETION_WOKEN } }),
  complete: (c: string): Call => ({ text: `complete(${c})`, issue: [send(c, completion.complete())] }),
  completeAll: (c: string): Call => ({ text: `complete_all(${c})`, issue: [send(c, completion.completeAll())] }),
  /** set_timer / mod_timer (protocols/timer.ts): returns when the timer is armed. */
  setTimer: (t: string): Call => timerCall(t, 'set', 'set_timer', timer.set()),
  /** stop_timer / del_timer: cancels a pending expiry, does not wait for a running callback. */
  stopTimer: (t: string): Call => timerCall(t, 'stop', 'stop_timer', timer.stop()),
  /** del_timer_sync: also waits until a callback running on another CPU has returned. */
  delTimerSync: (t: string): Call => timerCall(t, 'del_sync', 'del_timer_sync', timer.delSync()),
  /** kill_timer: waits like del_timer_sync, and the timer is dead afterwards. */
  killTimer: (t: string): Call => timerCall(t, 'kill', 'kill_timer', timer.kill()),
  /** tasklet_schedule_on_cpu (protocols/tasklet.ts). */
  taskletSchedule: (t: string, onCpu: string): Call => ({ text: `tasklet_schedule(${t})`, issue: [send(t, tasklet.schedule(onCpu))] }),
  /** tasklet_kill: returns when the tasklet is neither queued (Xen: cancelled) nor running. */
  taskletKill: (t: string): Call => ({ text: `tasklet_kill(${t})`, issue: [send(t, tasklet.kill())], awaits: { type: TASKLET_KILLED } }),
  /** queue_work (protocols/workqueue.ts); the answer says whether it was queued. */
  queueWork: (wq: string, w: string): Call => ({ text: `queue_work(${w})`, issue: [send(wq, work.queue(w))], awaits: workAnswer(WORK_QUEUED, w) }),
  /** flush_work: returns when the last queued instance of the work has run; it may sleep. */
  flushWork: (wq: string, w: string): Call => ({ text: `flush_work(${w})`, issue: [send(wq, work.flush(w))], awaits: workAnswer(WORK_FLUSHED, w) }),
  /** cancel_work / cancel_work_sync: the second also waits for a running instance; it may sleep. */
  cancelWork: (wq: string, w: string): Call => ({ text: `cancel_work(${w})`, issue: [send(wq, work.cancel(w))], awaits: workAnswer(WORK_CANCELLED, w) }),
  cancelWorkSync: (wq: string, w: string): Call => ({ text: `cancel_work_sync(${w})`, issue: [send(wq, work.cancelSync(w))], awaits: workAnswer(WORK_CANCELLED, w) }),
  flushWorkqueue: (wq: string): Call => ({ text: `flush_workqueue(${wq})`, issue: [send(wq, work.flushWorkqueue())], awaits: { type: WQ_FLUSHED } }),
  destroyWorkqueue: (wq: string): Call => ({ text: `destroy_workqueue(${wq})`, issue: [send(wq, work.destroyWorkqueue())], awaits: { type: WQ_DESTROYED } }),
  /** process_pending_softirqs(): tasklets and timer callbacks due on this CPU may run here. */
  processPendingSoftirqs: (): Call => ({ text: 'process_pending_softirqs()', issue: [], softirqPoint: true }),
  /** Frees `obj` at its home (xfree/kfree): a later use of it is a use-after-free. */
  free: (home: string, obj: string): Call => ({ text: `free(${obj})`, issue: [send(home, mem.free(obj))] }),
  /** Enters a body (a hypercall handler): what lock-leak judges is what it holds when it leaves. */
  enter: (kind: 'hypercall' | 'irq' | 'softirq' | 'tasklet' | 'timer', name: string): Call => ({ text: `enter ${kind} ${name}`, issue: [cpu.enterBody(kind, name)] }),
  /** Leaves the body entered last: the hypercall returns. */
  leave: (): Call => ({ text: 'return', issue: [cpu.leaveBody()] }),
};

function timerCall(t: string, op: TimerOp, name: string, message: Message): Call {
  return { text: `${name}(${t})`, issue: [send(t, message)], awaits: { type: TIMER_ACK, guard: isTimerAck(op) } };
}

function workAnswer(type: string, w: string): NonNullable<Call['awaits']> {
  return { type, guard: ({ event }) => event.work === w };
}

function flat(actions: any[]): any[] {
  return actions.flat(Infinity);
}

/** A state name for each call: its text, numbered from the second time it is made. */
function stateNames(list: readonly Call[]): string[] {
  const seen = new Map<string, number>();
  return list.map((c) => {
    const n = (seen.get(c.text) ?? 0) + 1;
    seen.set(c.text, n);
    return n === 1 ? c.text : `${c.text} #${n}`;
  });
}

/** A state name as a transition target: xstate reads '.' as a path separator unless escaped. */
const target = (name: string): string => name.replace(/[\\.]/g, (c) => `\\${c}`);

/**
 * The states of a straight-line body run by CPU `self`: `start` are the actions of the step
 * that enters it (the first call), `initial` the state of that call, `done` the final state.
 */
export function body(self: string, list: readonly Call[]): cpu.BodyConfig & { start: any[] } {
  const names = stateNames(list);
  const enter = (i: number): any[] => {
    const c = list[i];
    if (!c) return [];
    return [...flat(c.issue), ...(c.awaits ? [] : [send(self, { type: PROGRAM_NEXT })])];
  };
  const states: Record<string, any> = {};
  list.forEach((c, i) => {
    const answer = c.awaits ?? { type: PROGRAM_NEXT };
    const next = i + 1 < list.length ? target(names[i + 1] as string) : 'done';
    states[names[i] as string] = {
      ...(c.softirqPoint ? { meta: cpu.softirqPoint() } : {}),
      on: { [answer.type]: { ...(answer.guard ? { guard: answer.guard } : {}), target: next, actions: [...flat(answer.then ?? []), ...enter(i + 1)] } },
    };
  });
  states.done = { type: 'final' };
  return { initial: list.length ? (names[0] as string) : 'done', states, start: enter(0) };
}

/** A straight-line program for CPU `self`: idle until it takes a `start` (or `options.on`) message. */
export function program(self: string, list: readonly Call[], options: { on?: string } = {}): cpu.BodyConfig {
  const b = body(self, list);
  return {
    initial: 'idle',
    states: { idle: { on: { [options.on ?? 'start']: { target: target(b.initial), actions: b.start } } }, ...b.states },
  };
}

/**
 * A CPU (protocols/cpu.ts) whose program is the straight-line `list`; `options` are the rest
 * of {@link cpu.CpuConfig} (IRQ handlers, which may be {@link body}s, tasklets, services, ...).
 */
export function straightLineCpu(name: string, list: readonly Call[], options: Omit<cpu.CpuConfig, 'id' | 'program'> & { on?: string } = {}) {
  const { on, ...rest } = options;
  return cpu.cpuMachine({ id: name, program: program(name, list, on === undefined ? {} : { on }), ...rest });
}

/**
 * The actor that owns spinlocks `classes` (protocols/spinlock.ts): a daemon whose trace column
 * shows each lock's owner and waiters, and whose `resources` tell deadlock reports and lockdep
 * who holds what. `debugLocks: false` gives release-build locks (taking a held lock spins).
 */
export function lockGuard(name: string, classes: readonly string[], options: SpinlockOptions = {}): ActorSpec {
  return { name, machine: spinlockMachineWith(name, [...classes], options), daemon: true, resources: lockResources, label: lockLabel };
}
