/**
 * Xen's ticket spinlock as a message protocol (xen/common/spinlock.c; DESIGN.md decision 5).
 *
 * The lock lives with the data it guards: the actor owning the data (a domain context, the
 * SPMC RX buffer) includes {@link spinlockHandlers} for each lock class it owns. Messages carry
 * the lock class, so checkers can observe every lock generically.
 *
 * | client sends            | owner answers                                                   |
 * |-------------------------|-----------------------------------------------------------------|
 * | `spin.acquire`          | `spin.granted` now if free, else when every earlier ticket is done (FIFO) |
 * | `spin.trylock`          | `spin.trylock.result` with `ok` (never waits)                   |
 * | `spin.release`          | nothing; the next waiter gets `spin.granted`                    |
 * | `spin.is_locked`        | `spin.is_locked.result` with `locked`: true if ANY CPU holds it |
 * | `spin.init`             | nothing; the lock is free again (spin_lock_init; held: an assertion with lock debugging) |
 *
 * Answers are addressed (runtime/model.ts `answerTo`): a request sent from an IRQ handler or a
 * softirq body carries its `frame`, and the grant, trylock result or is_locked answer carries it
 * back as `toFrame`, so it reaches the context that asked (protocols/cpu.ts); a waiter's frame is
 * kept with its ticket.
 *
 * A spinning CPU is an actor waiting for `spin.granted`: spinning costs no states, and a CPU
 * that waits forever shows as a deadlock. `spin_is_locked`'s answer is a message, so it can be
 * stale by the time the asker acts on it, exactly as in Xen. Releasing a lock one does not hold
 * and re-acquiring a held lock (Xen's BUG() with lock debugging) are assertion violations.
 *
 * Additions for the checkers (runtime/checkers/):
 * - `spin_lock_nested`: an acquire may carry `subclass` (> 0), lockdep's annotation for taking
 *   a second lock of the same class in a known order; the lock itself ignores it.
 * - irqsave/irqrestore are CPU-side (they mask the CPU's IRQs around the same messages): see
 *   `lockIrqsave`/`unlockIrqrestore` in protocols/cpu.ts.
 * - `debugLocks: false` models a release build (no CONFIG_DEBUG_LOCKS): a recursive acquire is
 *   not a BUG() but what the hardware does, a CPU spinning forever on its own ticket.
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, TO_FRAME, answerTo, assertThat, reply, send, type Message } from '../runtime/model.js';
import type { ResourceView } from '../runtime/system.js';
import { SPIN_ACQUIRE, SPIN_GRANTED, SPIN_INIT, SPIN_IS_LOCKED, SPIN_IS_LOCKED_RESULT, SPIN_RELEASE, SPIN_TRYLOCK, SPIN_TRYLOCK_RESULT } from '../runtime/checkers/conventions.js';
import { ModelError } from '../runtime/errors.js';

// The vocabulary is owned by runtime/checkers/conventions.ts (checkers recognise it there);
// re-exported so that `protocols/spinlock.js` keeps working as the place users import it from.
export { SPIN_ACQUIRE, SPIN_GRANTED, SPIN_INIT, SPIN_IS_LOCKED, SPIN_IS_LOCKED_RESULT, SPIN_RELEASE, SPIN_TRYLOCK, SPIN_TRYLOCK_RESULT, spin } from '../runtime/checkers/conventions.js';

/** The state of one ticket lock: who holds it and who waits, in ticket order. */
export interface TicketLock {
  owner: string | null;
  queue: string[];
  /**
   * The context each waiter asked from, by ticket (`frames[i]` is `queue[i]`'s; null: task
   * context), so that its grant reaches that context (runtime/model.ts `FRAME`). Absent while
   * no waiter asked from an IRQ handler or softirq.
   */
  frames?: Array<string | null>;
}

/** Context shape of an actor that owns locks: one {@link TicketLock} per lock class. */
export interface LockOwnerContext {
  locks: Record<string, TicketLock>;
}

export interface SpinlockOptions {
  /** CONFIG_DEBUG_LOCKS: a recursive acquire is an assertion (Xen's BUG()); default true. */
  debugLocks?: boolean;
}

type LockEvent = Message & { lock: string; from: string };

function lockOf(context: LockOwnerContext, event: LockEvent): TicketLock {
  const l = context.locks[event.lock];
  if (!l) throw new ModelError(`no lock class '${event.lock}' here; this actor owns ${Object.keys(context.locks).join(', ')}`);
  return l;
}

function withLock(context: LockOwnerContext, lock: string, next: TicketLock): Record<string, TicketLock> {
  return { ...context.locks, [lock]: next };
}

/** `l` with `who` (asking from `frame`) at the end of the queue. */
function enqueueWaiter(l: TicketLock, who: string, frame: unknown): TicketLock {
  const f = typeof frame === 'string' ? frame : null;
  if (f === null && !l.frames) return { owner: l.owner, queue: [...l.queue, who] };
  return { owner: l.owner, queue: [...l.queue, who], frames: [...(l.frames ?? l.queue.map(() => null)), f] };
}

/** `l` handed to the head of its queue; returns the new lock and the grant's addressee. */
function handOver(l: TicketLock): { next: TicketLock; to?: string; frame: string | null } {
  const [to, ...queue] = l.queue;
  const [frame = null, ...frames] = l.frames ?? [];
  const next: TicketLock = frames.some((f) => f !== null) ? { owner: to ?? null, queue, frames } : { owner: to ?? null, queue };
  return to === undefined ? { next, frame: null } : { next, to, frame };
}

const granted = (lock: string, frame: string | null): Message => ({ type: SPIN_GRANTED, lock, ...(frame !== null ? { [TO_FRAME]: frame } : {}) });

/**
 * The `on` handlers that make an actor the owner of the lock classes in its `context.locks`.
 * Spread them into the actor's (always active) root state.
 */
// The handlers are spread into machines of many context shapes; xstate's generics cannot
// express "any context that has `locks`", so the map is typed loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function spinlockHandlers(options: SpinlockOptions = {}): Record<string, any> {
  const debug = options.debugLocks ?? true;
  return {
    [SPIN_ACQUIRE]: {
      actions: [
        assertThat<LockOwnerContext, LockEvent>(
          ({ context, event }) => !debug || (lockOf(context, event).owner !== event.from && !lockOf(context, event).queue.includes(event.from)),
          'recursive spin_lock: the CPU already holds or waits for this lock (BUG() with lock debugging)',
        ),
        enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as LockEvent;
          const l = lockOf(context as LockOwnerContext, e);
          if (l.owner === null) {
            enqueue.assign({ locks: withLock(context as LockOwnerContext, e.lock, { owner: e.from, queue: [] }) });
            enqueue(send(e.from, answerTo(e, { type: SPIN_GRANTED, lock: e.lock })));
          } else {
            enqueue.assign({ locks: withLock(context as LockOwnerContext, e.lock, enqueueWaiter(l, e.from, e[FRAME])) });
          }
        }),
      ],
    },
    [SPIN_TRYLOCK]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const e = event as unknown as LockEvent;
        const l = lockOf(context as LockOwnerContext, e);
        const ok = l.owner === null;
        if (ok) enqueue.assign({ locks: withLock(context as LockOwnerContext, e.lock, { owner: e.from, queue: [] }) });
        enqueue(send(e.from, answerTo(e, { type: SPIN_TRYLOCK_RESULT, lock: e.lock, ok })));
      }),
    },
    [SPIN_RELEASE]: {
      actions: [
        assertThat<LockOwnerContext, LockEvent>(
          ({ context, event }) => lockOf(context, event).owner === event.from,
          'spin_unlock of a lock this CPU does not hold',
        ),
        enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as LockEvent;
          const l = lockOf(context as LockOwnerContext, e);
          if (l.owner !== e.from) return;
          const { next, to, frame } = handOver(l);
          enqueue.assign({ locks: withLock(context as LockOwnerContext, e.lock, next) });
          if (to !== undefined) enqueue(send(to, granted(e.lock, frame)));
        }),
      ],
    },
    // spin_lock_init on a lock in use: with lock debugging, Linux's lockdep reports "held lock
    // freed!" (kernel/locking/lockdep.c debug_check_no_locks_freed, from __raw_spin_lock_init).
    [SPIN_INIT]: {
      actions: [
        assertThat<LockOwnerContext, LockEvent>(
          ({ context, event }) => !debug || (lockOf(context, event).owner === null && lockOf(context, event).queue.length === 0),
          'spin_lock_init of a lock that is held (lockdep: held lock freed!)',
        ),
        enqueueActions(({ context, event, enqueue }) => {
          enqueue.assign({ locks: withLock(context as LockOwnerContext, (event as unknown as LockEvent).lock, { owner: null, queue: [] }) });
        }),
      ],
    },
    [SPIN_IS_LOCKED]: {
      actions: reply<LockOwnerContext, LockEvent>(({ context, event }) => ({
        type: SPIN_IS_LOCKED_RESULT,
        lock: event.lock,
        locked: lockOf(context, event).owner !== null,
      })),
    },
  };
}

/** Initial `locks` for an owner of the given lock classes, all free. */
export function freeLocks(...classes: string[]): Record<string, TicketLock> {
  return Object.fromEntries(classes.map((c) => [c, { owner: null, queue: [] }]));
}

/** Deadlock-report view of an owner's locks (pass as the actor's `resources`). */
export function lockResources(context: LockOwnerContext): ResourceView[] {
  return Object.entries(context.locks).map(([name, l]) => ({ name, heldBy: l.owner ? [l.owner] : [], waiting: [...l.queue] }));
}

/**
 * Trace label of an owner's locks (pass as the actor's `label`): `free`, or the holder and the
 * waiters in ticket order, e.g. `phil1 [phil2 phil0]`; one entry per lock class.
 */
export function lockLabel(context: LockOwnerContext): string {
  const entries = Object.entries(context.locks);
  const one = (l: TicketLock): string => (l.owner === null ? 'free' : `${l.owner}${l.queue.length ? ` [${l.queue.join(' ')}]` : ''}`);
  if (entries.length === 1) return one((entries[0] as [string, TicketLock])[1]);
  return entries.map(([name, l]) => `${name}:${one(l)}`).join(' ');
}

/**
 * A standalone lock-owning actor's machine: owns `classes` and nothing else (a fork in the
 * dining philosophers). Data-owning actors use {@link spinlockHandlers} in their own machine.
 */
export function spinlockMachine(id: string, ...classes: string[]) {
  return spinlockMachineWith(id, classes);
}

/** {@link spinlockMachine} with options (a release build's locks: `{ debugLocks: false }`). */
export function spinlockMachineWith(id: string, classes: string[], options: SpinlockOptions = {}) {
  return createMachine({
    id,
    types: {} as { context: LockOwnerContext },
    context: { locks: freeLocks(...classes) },
    on: spinlockHandlers(options),
  });
}

