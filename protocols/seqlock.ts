/**
 * Sequence locks: linux include/linux/seqlock.h (`write_seqlock`, `write_sequnlock`,
 * `read_seqbegin`, `read_seqretry`).
 *
 * A seqlock is a spinlock for writers plus a sequence count: `write_seqlock` takes the spinlock
 * and makes the count odd, `write_sequnlock` makes it even again and releases. Readers take no
 * lock: `read_seqbegin` waits until the count is even and returns it, the reader reads the data,
 * and `read_seqretry` says whether the count moved meanwhile, in which case the reader must read
 * again (readers retry). So a reader may read while a writer writes, and only a reader that
 * checks `read_seqretry` and loops uses what it read.
 *
 * The seqlock actor implements the spinlock vocabulary for its class (writers use `lock` /
 * `unlock` from cpu.ts, or `spin.acquire`/`spin.release`: lockdep sees the writer's lock as any
 * spinlock) and answers readers:
 *
 * | client sends                 | seqlock answers                                         |
 * |------------------------------|---------------------------------------------------------|
 * | `spin.acquire {lock}`        | write_seqlock: `spin.granted` when the lock is the caller's, the count now odd |
 * | `spin.release {lock}`        | write_sequnlock: the count even again, the next writer granted |
 * | `seq.begin {lock}`           | read_seqbegin: `seq.start {lock, seq}` once the count is even |
 * | `seq.retry {lock, seq}`      | read_seqretry: `seq.retried {lock, retry}`: the count is not `seq` |
 *
 * The data a seqlock protects lives in a memory home (memory.ts); readers and writers access it
 * with {@link seqAccess}, which marks the accesses (`marked: true`, as KCSAN treats accesses in
 * seqlock sections), so the data-race checker does not report a reader racing a writer: that
 * race is the design. An unmarked access to the same field still races.
 *
 * The count is kept modulo 2^16 (the kernel's wraps at 2^32): a reader would need 32768 writes
 * during its read to be fooled, which no model here makes.
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, answerTo, assertThat, send, type Message } from '../runtime/model.js';
import { MEM_READ, MEM_WRITE, SPIN_ACQUIRE, SPIN_GRANTED, SPIN_RELEASE, type LockView } from '../runtime/checkers/conventions.js';

export const SEQ_BEGIN = 'seq.begin';
export const SEQ_START = 'seq.start';
export const SEQ_RETRY = 'seq.retry';
export const SEQ_RETRIED = 'seq.retried';

interface Asker {
  who: string;
  frame?: string;
}

export interface SeqlockContext {
  lock: string;
  seq: number;
  writer: string | null;
  /** Writers waiting for the spinlock, FIFO (ticket order). */
  writers: Asker[];
  /** Readers in read_seqbegin waiting for an even count. */
  readers: Asker[];
}

export const seq = {
  begin: (lock: string): Message => ({ type: SEQ_BEGIN, lock }),
  retry: (lock: string, start: number): Message => ({ type: SEQ_RETRY, lock, seq: start }),
};

/** A marked read or write of protected data (a seqlock section's access, see the header). */
export const seqAccess = {
  read: (obj: string, field: string): Message => ({ type: MEM_READ, obj, field, marked: true }),
  write: (obj: string, field: string, value: string | number | boolean | null): Message => ({ type: MEM_WRITE, obj, field, value, marked: true }),
};

type SEvent = Message & { from: string; seq?: number };
const askerOf = (e: SEvent): Asker => ({ who: e.from, ...(typeof e[FRAME] === 'string' ? { frame: e[FRAME] as string } : {}) });
const answer = (a: Asker, m: Message) => send(a.who, answerTo(a.frame === undefined ? {} : { [FRAME]: a.frame }, m));
const bump = (n: number): number => (n + 1) % 65536;

/** A seqlock of class `lock` (`seqlock_t`, `seqlock_init`). The actor's name must be `id`. */
export function seqlockMachine(id: string, lock: string) {
  return createMachine({
    id,
    types: {} as { context: SeqlockContext },
    context: { lock, seq: 0, writer: null, writers: [], readers: [] },
    on: {
      [SPIN_ACQUIRE]: {
        actions: [
          assertThat<SeqlockContext, SEvent>(({ context, event }) => context.writer !== event.from, 'recursive write_seqlock: the CPU already holds this seqlock'),
          enqueueActions(({ context, event, enqueue }) => {
            const e = event as unknown as SEvent;
            if (context.writer === null) {
              enqueue.assign({ writer: e.from, seq: bump(context.seq) });
              enqueue(answer(askerOf(e), { type: SPIN_GRANTED, lock: context.lock }));
            } else enqueue.assign({ writers: [...context.writers, askerOf(e)] });
          }),
        ],
      },
      [SPIN_RELEASE]: {
        actions: [
          assertThat<SeqlockContext, SEvent>(({ context, event }) => context.writer === event.from, 'write_sequnlock of a seqlock this CPU does not hold'),
          enqueueActions(({ context, event, enqueue }) => {
            if (context.writer !== (event as unknown as SEvent).from) return;
            const even = bump(context.seq);
            for (const r of context.readers) enqueue(answer(r, { type: SEQ_START, lock: context.lock, seq: even }));
            const [next, ...rest] = context.writers;
            if (next) {
              // The next writer takes the lock at once: the count goes odd again.
              enqueue.assign({ writer: next.who, writers: rest, readers: [], seq: bump(even) });
              enqueue(answer(next, { type: SPIN_GRANTED, lock: context.lock }));
            } else enqueue.assign({ writer: null, readers: [], seq: even });
          }),
        ],
      },
      [SEQ_BEGIN]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as SEvent;
          if (context.seq % 2 === 0) enqueue(answer(askerOf(e), { type: SEQ_START, lock: context.lock, seq: context.seq }));
          else enqueue.assign({ readers: [...context.readers, askerOf(e)] });
        }),
      },
      [SEQ_RETRY]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as SEvent;
          enqueue(answer(askerOf(e), { type: SEQ_RETRIED, lock: context.lock, retry: e.seq !== context.seq }));
        }),
      },
    },
  });
}

/** The actor's `resources`: the writers' spinlock. */
export function seqlockResources(c: SeqlockContext): LockView[] {
  return [{ name: c.lock, heldBy: c.writer ? [c.writer] : [], waiting: c.writers.map((w) => w.who) }];
}

/** Trace label: `seq=2`, `seq=3 W:cpu0 [cpu1]`. */
export function seqlockLabel(c: SeqlockContext): string {
  return `seq=${c.seq}${c.writer ? ` W:${c.writer}` : ''}${c.writers.length ? ` [${c.writers.map((w) => w.who).join(' ')}]` : ''}`;
}
