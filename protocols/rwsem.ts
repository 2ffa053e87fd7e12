/**
 * Reader-writer semaphores: linux kernel/locking/rwsem.c (`down_read`, `down_write`,
 * `up_read`, `up_write`, `down_read_trylock`, `down_write_trylock`, `downgrade_write`;
 * `rwsem_down_read_slowpath`, `rwsem_down_write_slowpath`, `rwsem_mark_wake`, RWSEM_FLAG_HANDOFF).
 *
 * Sleeping locks that readers share and a writer holds alone. The rules kept here:
 * - a reader gets the lock at once when no writer holds it and nobody waits (the fast path), or
 *   when the lock is entirely free and no handoff is pending (reader optimistic lock stealing:
 *   the kernel lets a reader steal a free lock that waiters are queued for). A reader never
 *   joins other readers past a queued waiter: new readers queue behind a waiting writer;
 * - a writer gets it at once when it is free and no handoff is pending (a writer may steal it
 *   from a woken waiter too); otherwise it queues;
 * - when the lock becomes free and the first waiter is a reader, every queued reader gets it
 *   together (rwsem_mark_wake: the phase-fair reader wake-up); when it is a writer, the writer is
 *   woken and takes the lock when it runs (a message the semaphore sends itself,
 *   `rwsem.wake`), unless someone stole it meanwhile: then the handoff flag is set and the next
 *   release hands the lock to that writer directly (the kernel sets RWSEM_FLAG_HANDOFF once the
 *   first waiter has waited long enough; with no time here, it is set at its first lost race);
 * - `downgrade_write` turns the writer into a reader and lets the queued readers in;
 * - trylocks never wait: a read trylock fails when a writer holds it or anyone waits, a write
 *   trylock unless it is entirely free with no waiter;
 * - only a holder may release (DEBUG_RWSEMS warnings), an assertion here.
 *
 * Messages are in runtime/checkers/conventions.ts (lockdep treats rw semaphores as lock classes;
 * down_read and down_write may sleep). Answers: `rwsem.granted {lock, mode}` and
 * `rwsem.trylock.result {lock, mode, ok}`, addressed to the context that asked.
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, answerTo, assertThat, send, type Message } from '../runtime/model.js';
import {
  RWSEM_DOWNGRADE,
  RWSEM_DOWN_READ,
  RWSEM_DOWN_READ_TRYLOCK,
  RWSEM_DOWN_WRITE,
  RWSEM_DOWN_WRITE_TRYLOCK,
  RWSEM_GRANTED,
  RWSEM_TRYLOCK_RESULT,
  RWSEM_UP_READ,
  RWSEM_UP_WRITE,
  type LockView,
} from '../runtime/checkers/conventions.js';

export {
  RWSEM_DOWNGRADE,
  RWSEM_DOWN_READ,
  RWSEM_DOWN_READ_TRYLOCK,
  RWSEM_DOWN_WRITE,
  RWSEM_DOWN_WRITE_TRYLOCK,
  RWSEM_GRANTED,
  RWSEM_TRYLOCK_RESULT,
  RWSEM_UP_READ,
  RWSEM_UP_WRITE,
  rwsem,
} from '../runtime/checkers/conventions.js';
/** The semaphore to itself: its first waiter, a writer, was woken and now tries to take it. */
export const RWSEM_WAKE = 'rwsem.wake';

export type RwsemMode = 'read' | 'write';

export interface RwsemWaiter {
  who: string;
  mode: RwsemMode;
  frame?: string;
}

export interface RwsemState {
  readers: string[];
  writer: string | null;
  waiters: RwsemWaiter[];
  /** RWSEM_FLAG_HANDOFF: the next release gives the lock to the first waiter. */
  handoff: boolean;
  /** A `rwsem.wake` is on its way. */
  waking: boolean;
}

export interface RwsemOwnerContext {
  rwsems: Record<string, RwsemState>;
}

type REvent = Message & { lock: string; from: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Enqueue = any;

const EMPTY: RwsemState = { readers: [], writer: null, waiters: [], handoff: false, waking: false };
const waiterOf = (e: REvent, mode: RwsemMode): RwsemWaiter => ({ who: e.from, mode, ...(typeof e[FRAME] === 'string' ? { frame: e[FRAME] as string } : {}) });
const granted = (w: RwsemWaiter, lock: string) => send(w.who, answerTo(w.frame === undefined ? {} : { [FRAME]: w.frame }, { type: RWSEM_GRANTED, lock, mode: w.mode }));

/** Free semaphores of the given classes. */
export function freeRwsems(...classes: string[]): Record<string, RwsemState> {
  return Object.fromEntries(classes.map((c) => [c, { ...EMPTY }]));
}

/**
 * Grants what the semaphore `s`, just made free of writers, can grant: the handoff waiter, or
 * every queued reader if a reader is first, or a wake-up for a first writer. Returns the new
 * state and the answers to send.
 */
function release(self: string, lock: string, s: RwsemState, enqueue: Enqueue): RwsemState {
  const [first] = s.waiters;
  if (!first || s.writer !== null) return s;
  if (first.mode === 'read') {
    const readers = s.waiters.filter((w) => w.mode === 'read');
    for (const r of readers) enqueue(granted(r, lock));
    return { ...s, readers: [...s.readers, ...readers.map((r) => r.who)], waiters: s.waiters.filter((w) => w.mode !== 'read'), handoff: false };
  }
  if (s.readers.length > 0) return s;
  if (s.handoff) {
    enqueue(granted(first, lock));
    return { ...s, writer: first.who, waiters: s.waiters.slice(1), handoff: false };
  }
  if (!s.waking) enqueue(send(self, { type: RWSEM_WAKE, lock }));
  return { ...s, waking: true };
}

/** Handlers that make an actor (named `self`) the owner of the semaphores in `context.rwsems`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function rwsemHandlers(self: string): Record<string, any> {
  const of = (c: RwsemOwnerContext, lock: string): RwsemState => c.rwsems[lock] ?? EMPTY;
  const put = (enqueue: Enqueue, c: RwsemOwnerContext, lock: string, s: RwsemState) => enqueue.assign({ rwsems: { ...c.rwsems, [lock]: s } });
  const args = (context: unknown, event: unknown) => ({ c: context as RwsemOwnerContext, e: event as REvent });
  return {
    [RWSEM_DOWN_READ]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const { c, e } = args(context, event);
        const s = of(c, e.lock);
        const fast = s.writer === null && s.waiters.length === 0;
        const steal = s.writer === null && s.readers.length === 0 && !s.handoff;
        if (fast || steal) {
          put(enqueue, c, e.lock, { ...s, readers: [...s.readers, e.from] });
          enqueue(granted(waiterOf(e, 'read'), e.lock));
        } else put(enqueue, c, e.lock, { ...s, waiters: [...s.waiters, waiterOf(e, 'read')] });
      }),
    },
    [RWSEM_DOWN_WRITE]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const { c, e } = args(context, event);
        const s = of(c, e.lock);
        if (s.writer === null && s.readers.length === 0 && !s.handoff) {
          put(enqueue, c, e.lock, { ...s, writer: e.from });
          enqueue(granted(waiterOf(e, 'write'), e.lock));
        } else put(enqueue, c, e.lock, { ...s, waiters: [...s.waiters, waiterOf(e, 'write')] });
      }),
    },
    [RWSEM_DOWN_READ_TRYLOCK]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const { c, e } = args(context, event);
        const s = of(c, e.lock);
        const ok = s.writer === null && s.waiters.length === 0 && !s.handoff;
        if (ok) put(enqueue, c, e.lock, { ...s, readers: [...s.readers, e.from] });
        enqueue(send(e.from, answerTo(e, { type: RWSEM_TRYLOCK_RESULT, lock: e.lock, mode: 'read', ok })));
      }),
    },
    [RWSEM_DOWN_WRITE_TRYLOCK]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const { c, e } = args(context, event);
        const s = of(c, e.lock);
        const ok = s.writer === null && s.readers.length === 0 && s.waiters.length === 0;
        if (ok) put(enqueue, c, e.lock, { ...s, writer: e.from });
        enqueue(send(e.from, answerTo(e, { type: RWSEM_TRYLOCK_RESULT, lock: e.lock, mode: 'write', ok })));
      }),
    },
    [RWSEM_UP_READ]: {
      actions: [
        assertThat<RwsemOwnerContext, REvent>(({ context, event }) => of(context, event.lock).readers.includes(event.from), 'up_read of a rw semaphore this task does not hold for reading'),
        enqueueActions(({ context, event, enqueue }) => {
          const { c, e } = args(context, event);
          const s = of(c, e.lock);
          if (!s.readers.includes(e.from)) return;
          const readers = s.readers.filter((r) => r !== e.from);
          put(enqueue, c, e.lock, readers.length ? { ...s, readers } : release(self, e.lock, { ...s, readers }, enqueue));
        }),
      ],
    },
    [RWSEM_UP_WRITE]: {
      actions: [
        assertThat<RwsemOwnerContext, REvent>(({ context, event }) => of(context, event.lock).writer === event.from, 'up_write of a rw semaphore this task does not hold for writing'),
        enqueueActions(({ context, event, enqueue }) => {
          const { c, e } = args(context, event);
          const s = of(c, e.lock);
          if (s.writer !== e.from) return;
          put(enqueue, c, e.lock, release(self, e.lock, { ...s, writer: null }, enqueue));
        }),
      ],
    },
    [RWSEM_DOWNGRADE]: {
      actions: [
        assertThat<RwsemOwnerContext, REvent>(({ context, event }) => of(context, event.lock).writer === event.from, 'downgrade_write of a rw semaphore this task does not hold for writing'),
        enqueueActions(({ context, event, enqueue }) => {
          const { c, e } = args(context, event);
          const s = of(c, e.lock);
          if (s.writer !== e.from) return;
          put(enqueue, c, e.lock, release(self, e.lock, { ...s, writer: null, readers: [e.from] }, enqueue));
        }),
      ],
    },
    [RWSEM_WAKE]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const { c, e } = args(context, event);
        const s = { ...of(c, e.lock), waking: false };
        const [first] = s.waiters;
        if (!first) return put(enqueue, c, e.lock, s);
        if (first.mode === 'read') return put(enqueue, c, e.lock, release(self, e.lock, s, enqueue));
        if (s.writer === null && s.readers.length === 0) {
          enqueue(granted(first, e.lock));
          return put(enqueue, c, e.lock, { ...s, writer: first.who, waiters: s.waiters.slice(1), handoff: false });
        }
        put(enqueue, c, e.lock, { ...s, handoff: true }); // stolen: the next release hands it over
      }),
    },
  };
}

/** A standalone actor owning the rw semaphores `classes` (its name must be `id`). */
export function rwsemMachine(id: string, classes: string[]) {
  return createMachine({ id, types: {} as { context: RwsemOwnerContext }, context: { rwsems: freeRwsems(...classes) }, on: rwsemHandlers(id) });
}

/** The actor's `resources`: its semaphores, marked as sleeping locks. */
export function rwsemResources(context: RwsemOwnerContext): LockView[] {
  return Object.entries(context.rwsems).map(([name, s]) => ({ name, heldBy: s.writer ? [s.writer] : [...s.readers], waiting: s.waiters.map((w) => w.who), sleeps: true }));
}

/** Trace label: `free`, `W:cpu0 [R:cpu1]`, `R:cpu0,cpu1`; one entry per class when several. */
export function rwsemLabel(context: RwsemOwnerContext): string {
  const one = (s: RwsemState): string => {
    const held = s.writer ? `W:${s.writer}` : s.readers.length ? `R:${s.readers.join(',')}` : 'free';
    const queue = s.waiters.length ? ` [${s.waiters.map((w) => `${w.mode === 'read' ? 'R' : 'W'}:${w.who}`).join(' ')}]` : '';
    return `${held}${queue}${s.handoff ? ' handoff' : ''}`;
  };
  const entries = Object.entries(context.rwsems);
  if (entries.length === 1) return one((entries[0] as [string, RwsemState])[1]);
  return entries.map(([name, s]) => `${name}:${one(s)}`).join(' ');
}
