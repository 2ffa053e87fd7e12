/**
 * Sleeping mutexes as a message protocol: linux kernel/locking/mutex.c (`mutex_lock`,
 * `mutex_trylock`, `mutex_unlock`, `__mutex_lock_common`, `__mutex_unlock_slowpath`,
 * MUTEX_FLAG_HANDOFF).
 *
 * Like a spinlock (spinlock.ts), the mutex lives with the data it guards: an actor includes
 * {@link mutexHandlers} and keeps `context.mutexes`; messages carry the lock class, so lockdep
 * treats mutexes as classes like any lock, and the sleep-in-atomic checker sees `mutex.lock`
 * as a call that may sleep (runtime/checkers/conventions.ts).
 *
 * Linux's guarantees, kept here:
 * - a free mutex is taken at once (the fast path); a held one queues the caller (FIFO wait list)
 *   and it sleeps until it gets the mutex;
 * - `mutex_unlock` releases it and wakes the first waiter, which must then take it itself: a task
 *   arriving meanwhile may take the free mutex first (it "steals" it: the fast and spinning
 *   paths). The woken waiter is modelled as a message the mutex sends itself (`mutex.wake`),
 *   taken whenever the explorer schedules it, so every arrival before it may steal. A woken
 *   first waiter that finds the mutex taken sets the handoff flag: the next unlock hands the
 *   mutex to it directly, and nobody steals it again (MUTEX_FLAG_HANDOFF);
 * - only the owner may unlock (DEBUG_MUTEXES: `DEBUG_LOCKS_WARN_ON(__owner_task(owner) !=
 *   current)`), an assertion here; taking a mutex one holds never returns (a deadlock, which
 *   lockdep reports as recursive locking).
 *
 * | client sends                | mutex answers                                          |
 * |-----------------------------|--------------------------------------------------------|
 * | `mutex.lock {lock}`         | `mutex.granted {lock}` when the caller owns it         |
 * | `mutex.trylock {lock}`      | `mutex.trylock.result {lock, ok}` at once              |
 * | `mutex.unlock {lock}`       | nothing; the next owner is granted or woken            |
 *
 * Answers are addressed to the context that asked (runtime/model.ts `answerTo`).
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, answerTo, assertThat, send, type Message } from '../runtime/model.js';
import { MUTEX_GRANTED, MUTEX_LOCK, MUTEX_TRYLOCK, MUTEX_TRYLOCK_RESULT, MUTEX_UNLOCK, type LockView } from '../runtime/checkers/conventions.js';

// The vocabulary is owned by runtime/checkers/conventions.ts (lockdep and the sleep checker
// recognise it there); re-exported so that `protocols/mutex.js` is where users import it from.
export { MUTEX_GRANTED, MUTEX_LOCK, MUTEX_TRYLOCK, MUTEX_TRYLOCK_RESULT, MUTEX_UNLOCK, mutex } from '../runtime/checkers/conventions.js';
/** The mutex to itself: its first waiter was woken and now tries to take it. */
export const MUTEX_WAKE = 'mutex.wake';

/** A task waiting for a mutex, and the context it asked from (runtime/model.ts FRAME). */
export interface Waiter {
  who: string;
  frame?: string;
}

/** One mutex. */
export interface MutexState {
  owner: string | null;
  /** The wait list, FIFO. */
  waiters: Waiter[];
  /** MUTEX_FLAG_HANDOFF: the next unlock gives the mutex to the first waiter. */
  handoff: boolean;
  /** A `mutex.wake` is on its way (the first waiter was woken and has not tried yet). */
  waking: boolean;
}

export interface MutexOwnerContext {
  mutexes: Record<string, MutexState>;
}

type MEvent = Message & { lock: string; from: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Enqueue = any;

const waiterOf = (e: MEvent): Waiter => ({ who: e.from, ...(typeof e[FRAME] === 'string' ? { frame: e[FRAME] as string } : {}) });
const grant = (w: Waiter, lock: string) => send(w.who, answerTo(w.frame === undefined ? {} : { [FRAME]: w.frame }, { type: MUTEX_GRANTED, lock }));

/** Free mutexes of the given classes. */
export function freeMutexes(...classes: string[]): Record<string, MutexState> {
  return Object.fromEntries(classes.map((c) => [c, { owner: null, waiters: [], handoff: false, waking: false }]));
}

/**
 * Handlers that make an actor (named `self`: the mutex wakes its waiters through messages to
 * itself) the owner of the mutexes in its `context.mutexes`. Spread them into its root `on`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mutexHandlers(self: string): Record<string, any> {
  const of = (c: MutexOwnerContext, lock: string): MutexState => c.mutexes[lock] ?? { owner: null, waiters: [], handoff: false, waking: false };
  const put = (enqueue: Enqueue, c: MutexOwnerContext, lock: string, m: MutexState) => enqueue.assign({ mutexes: { ...c.mutexes, [lock]: m } });
  return {
    [MUTEX_LOCK]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const c = context as unknown as MutexOwnerContext;
        const e = event as unknown as MEvent;
        const m = of(c, e.lock);
        if (m.owner === null) {
          put(enqueue, c, e.lock, { ...m, owner: e.from });
          enqueue(grant(waiterOf(e), e.lock));
        } else {
          put(enqueue, c, e.lock, { ...m, waiters: [...m.waiters, waiterOf(e)] });
        }
      }),
    },
    [MUTEX_TRYLOCK]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const c = context as unknown as MutexOwnerContext;
        const e = event as unknown as MEvent;
        const m = of(c, e.lock);
        const ok = m.owner === null;
        if (ok) put(enqueue, c, e.lock, { ...m, owner: e.from });
        enqueue(send(e.from, answerTo(e, { type: MUTEX_TRYLOCK_RESULT, lock: e.lock, ok })));
      }),
    },
    [MUTEX_UNLOCK]: {
      actions: [
        assertThat<MutexOwnerContext, MEvent>(({ context, event }) => of(context, event.lock).owner === event.from, 'mutex_unlock by a task that does not own the mutex (DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current))'),
        enqueueActions(({ context, event, enqueue }) => {
          const c = context as unknown as MutexOwnerContext;
          const e = event as unknown as MEvent;
          const m = of(c, e.lock);
          if (m.owner !== e.from) return;
          const [first, ...rest] = m.waiters;
          if (first && m.handoff) {
            put(enqueue, c, e.lock, { owner: first.who, waiters: rest, handoff: false, waking: m.waking });
            enqueue(grant(first, e.lock));
            return;
          }
          put(enqueue, c, e.lock, { ...m, owner: null, waking: m.waking || first !== undefined });
          if (first && !m.waking) enqueue(send(self, { type: MUTEX_WAKE, lock: e.lock }));
        }),
      ],
    },
    [MUTEX_WAKE]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const c = context as unknown as MutexOwnerContext;
        const e = event as unknown as MEvent;
        const m = of(c, e.lock);
        const [first, ...rest] = m.waiters;
        if (!first) return put(enqueue, c, e.lock, { ...m, waking: false });
        if (m.owner === null) {
          put(enqueue, c, e.lock, { owner: first.who, waiters: rest, handoff: false, waking: false });
          enqueue(grant(first, e.lock));
        } else {
          put(enqueue, c, e.lock, { ...m, handoff: true, waking: false }); // stolen: hand off next time
        }
      }),
    },
  };
}

/** A standalone actor owning the mutexes `classes` (its name must be `id`). */
export function mutexMachine(id: string, classes: string[]) {
  return createMachine({ id, types: {} as { context: MutexOwnerContext }, context: { mutexes: freeMutexes(...classes) }, on: mutexHandlers(id) });
}

/** The actor's `resources`: its mutexes, marked as sleeping locks. */
export function mutexResources(context: MutexOwnerContext): LockView[] {
  return Object.entries(context.mutexes).map(([name, m]) => ({ name, heldBy: m.owner ? [m.owner] : [], waiting: m.waiters.map((w) => w.who), sleeps: true }));
}

/** Trace label: `free`, `cpu0 [cpu1]`, `cpu0 [cpu1] handoff`; one entry per class when several. */
export function mutexLabel(context: MutexOwnerContext): string {
  const one = (m: MutexState): string =>
    `${m.owner ?? 'free'}${m.waiters.length ? ` [${m.waiters.map((w) => w.who).join(' ')}]` : ''}${m.handoff ? ' handoff' : ''}${m.waking ? ' waking' : ''}`;
  const entries = Object.entries(context.mutexes);
  if (entries.length === 1) return one((entries[0] as [string, MutexState])[1]);
  return entries.map(([name, m]) => `${name}:${one(m)}`).join(' ');
}
