/**
 * Xen's queued rwlock as a message protocol (xen/common/rwlock.c `queue_read_lock_slowpath`,
 * `queue_write_lock_slowpath`; xen/include/xen/rwlock.h `_read_lock`, `_write_lock`).
 *
 * Fairness as Xen gives it: a reader gets the lock at once only if no writer holds it and no
 * writer waits (`_QW_WMASK` clear); otherwise it joins the FIFO behind the internal spinlock.
 * A writer gets it at once only if the lock is entirely free; otherwise it queues, and at the
 * head of the queue waits for the readers to drain. So a waiting writer blocks new readers,
 * and consecutive readers at the head of the queue enter together. A reader in IRQ context
 * (`inIrq: true` on the request) skips the queue and waits only for a writer that holds the
 * lock (Xen: "readers in interrupt context will get the lock immediately if there is no writer
 * actively holding the lock"); the model puts it at the head of the queue.
 *
 * | client sends                 | guard answers                                        |
 * |------------------------------|------------------------------------------------------|
 * | `rw.read_lock {lock}`        | `rw.granted {lock, mode: 'read'}` now or when its turn comes |
 * | `rw.write_lock {lock}`       | `rw.granted {lock, mode: 'write'}`                   |
 * | `rw.read_unlock`, `rw.write_unlock` | nothing; waiters are granted in FIFO order     |
 * | `rw.init {lock}`             | nothing; the lock is free again (held: an assertion)  |
 *
 * The lock lives with the data (DESIGN.md decision 5): a guard includes {@link rwlockHandlers}
 * and keeps `context.rwlocks`. Unlocking a lock one does not hold is an assertion violation.
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, TO_FRAME, assertThat, send, type Message } from '../runtime/model.js';
import type { ResourceView } from '../runtime/system.js';
import { RW_GRANTED, RW_INIT, RW_READ_LOCK, RW_READ_UNLOCK, RW_WRITE_LOCK, RW_WRITE_UNLOCK } from '../runtime/checkers/conventions.js';
import { ModelError } from '../runtime/errors.js';

// The vocabulary is owned by runtime/checkers/conventions.ts (checkers recognise it there).
export { RW_GRANTED, RW_INIT, RW_READ_LOCK, RW_READ_UNLOCK, RW_WRITE_LOCK, RW_WRITE_UNLOCK, rw } from '../runtime/checkers/conventions.js';

export interface RwWaiter {
  who: string;
  mode: 'read' | 'write';
  /** The context it asked from, when not task context: its grant is addressed there (runtime/model.ts `FRAME`). */
  frame?: string;
}

export interface RwLock {
  writer: string | null;
  readers: string[];
  queue: RwWaiter[];
}

export interface RwOwnerContext {
  rwlocks: Record<string, RwLock>;
}

type RwEvent = Message & { lock: string; from: string; inIrq?: boolean };

/** A waiter for the asker of `e`. */
function waiter(e: RwEvent, mode: 'read' | 'write'): RwWaiter {
  const frame = e[FRAME];
  return typeof frame === 'string' ? { who: e.from, mode, frame } : { who: e.from, mode };
}

const granted = (lock: string, w: RwWaiter): Message => ({ type: RW_GRANTED, lock, mode: w.mode, ...(w.frame !== undefined ? { [TO_FRAME]: w.frame } : {}) });

function lockOf(context: RwOwnerContext, lock: string): RwLock {
  const l = context.rwlocks[lock];
  if (!l) throw new ModelError(`no rwlock class '${lock}' here; this actor owns ${Object.keys(context.rwlocks).join(', ')}`);
  return l;
}

/** Grants from the head of the queue while the rules allow; returns the new lock and who was granted. */
function admit(l: RwLock): { next: RwLock; granted: RwWaiter[] } {
  const granted: RwWaiter[] = [];
  let { writer, readers, queue } = l;
  while (queue.length > 0 && writer === null) {
    const head = queue[0] as RwWaiter;
    if (head.mode === 'read') readers = [...readers, head.who];
    else if (readers.length === 0) writer = head.who;
    else break;
    granted.push(head);
    queue = queue.slice(1);
    if (head.mode === 'write') break;
  }
  return { next: { writer, readers, queue }, granted };
}

// Spread into machines of many context shapes; see spinlockHandlers for why this is loose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function rwlockHandlers(): Record<string, any> {
  const update = (mode: 'read' | 'write' | 'unlock') =>
    enqueueActions(({ context, event, enqueue }) => {
      const e = event as unknown as RwEvent;
      const c = context as unknown as RwOwnerContext;
      const l = lockOf(c, e.lock);
      let next: RwLock;
      if (mode === 'unlock') {
        if (l.writer === e.from) next = { ...l, writer: null };
        else if (l.readers.includes(e.from)) {
          const i = l.readers.indexOf(e.from);
          next = { ...l, readers: [...l.readers.slice(0, i), ...l.readers.slice(i + 1)] };
        } else return;
      } else if (mode === 'read') {
        const writerWaits = l.queue.some((w) => w.mode === 'write');
        if (l.writer === null && (!writerWaits || e.inIrq)) next = { ...l, readers: [...l.readers, e.from] };
        else next = { ...l, queue: e.inIrq ? [waiter(e, mode), ...l.queue] : [...l.queue, waiter(e, mode)] };
        if (next.readers.length > l.readers.length) enqueue(send(e.from, granted(e.lock, waiter(e, mode))));
      } else {
        if (l.writer === null && l.readers.length === 0 && l.queue.length === 0) {
          next = { ...l, writer: e.from };
          enqueue(send(e.from, granted(e.lock, waiter(e, mode))));
        } else next = { ...l, queue: [...l.queue, waiter(e, mode)] };
      }
      const { next: admitted, granted: admittedNow } = admit(next);
      for (const g of admittedNow) enqueue(send(g.who, granted(e.lock, g)));
      enqueue.assign({ rwlocks: { ...c.rwlocks, [e.lock]: admitted } } as never);
    });
  return {
    [RW_READ_LOCK]: { actions: update('read') },
    [RW_WRITE_LOCK]: { actions: update('write') },
    [RW_READ_UNLOCK]: {
      actions: [assertThat<RwOwnerContext, RwEvent>(({ context, event }) => lockOf(context, event.lock).readers.includes(event.from), 'read_unlock of a rwlock this CPU does not read-hold'), update('unlock')],
    },
    // rwlock_init on a lock in use: lockdep's "held lock freed!" (see spinlock.ts SPIN_INIT).
    [RW_INIT]: {
      actions: [
        assertThat<RwOwnerContext, RwEvent>(({ context, event }) => {
          const l = lockOf(context, event.lock);
          return l.writer === null && l.readers.length === 0 && l.queue.length === 0;
        }, 'rwlock_init of a lock that is held (lockdep: held lock freed!)'),
        enqueueActions(({ context, event, enqueue }) => {
          const c = context as unknown as RwOwnerContext;
          enqueue.assign({ rwlocks: { ...c.rwlocks, [(event as unknown as RwEvent).lock]: { writer: null, readers: [], queue: [] } } } as never);
        }),
      ],
    },
    [RW_WRITE_UNLOCK]: {
      actions: [assertThat<RwOwnerContext, RwEvent>(({ context, event }) => lockOf(context, event.lock).writer === event.from, 'write_unlock of a rwlock this CPU does not write-hold'), update('unlock')],
    },
  };
}

export function freeRwlocks(...classes: string[]): Record<string, RwLock> {
  return Object.fromEntries(classes.map((c) => [c, { writer: null, readers: [], queue: [] }]));
}

/** Deadlock-report view (pass as the guard's `resources`). */
export function rwlockResources(context: RwOwnerContext): ResourceView[] {
  return Object.entries(context.rwlocks).map(([name, l]) => ({
    name,
    heldBy: l.writer ? [l.writer] : [...l.readers],
    waiting: l.queue.map((w) => w.who),
    ...(l.writer ? { mode: 'write' as const } : l.readers.length ? { mode: 'read' as const } : {}),
  }));
}

/** Trace label: `W:cpu0`, `R:cpu1,cpu2`, `free`, with waiters in brackets. */
export function rwlockLabel(context: RwOwnerContext): string {
  return Object.entries(context.rwlocks)
    .map(([name, l]) => {
      const h = l.writer ? `W:${l.writer}` : l.readers.length ? `R:${l.readers.join(',')}` : 'free';
      const q = l.queue.length ? ` [${l.queue.map((w) => `${w.mode[0]}:${w.who}`).join(' ')}]` : '';
      return Object.keys(context.rwlocks).length > 1 ? `${name}:${h}${q}` : `${h}${q}`;
    })
    .join(' ');
}

/** A standalone guard owning rwlock classes. */
export function rwlockMachine(id: string, ...classes: string[]) {
  return createMachine({ id, types: {} as { context: RwOwnerContext }, context: { rwlocks: freeRwlocks(...classes) }, on: rwlockHandlers() });
}
