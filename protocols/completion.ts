/**
 * Completions: linux kernel/sched/completion.c (`complete`, `complete_all`,
 * `wait_for_completion`, `try_wait_for_completion`, `completion_done`, `reinit_completion`).
 *
 * A completion is a counter `done` and a wait queue. Linux's guarantees, kept here:
 * - `wait_for_completion` returns at once if `done` > 0 (and consumes one), else sleeps until a
 *   `complete` lets it consume one; it may sleep, so the sleep-in-atomic checker reports it in
 *   atomic context (runtime/checkers/conventions.ts `COMPLETION_WAIT`);
 * - `complete` adds one to `done` and wakes the first waiter; the woken waiter takes the count
 *   when it runs, so a task calling `wait_for_completion` meanwhile may take it first, and the
 *   woken one waits again (at the end of the queue, as `do_wait_for_common` re-queues it). The
 *   wake-up is a message the completion sends itself (`completion.wake`), taken whenever the
 *   explorer schedules it;
 * - `complete_all` sets `done` to "all" (UINT_MAX): every waiter, now and later, returns, until
 *   `reinit_completion`;
 * - `try_wait_for_completion` consumes one if there is one and never sleeps; `completion_done`
 *   only reads.
 *
 * | client sends           | completion answers                                     |
 * |------------------------|--------------------------------------------------------|
 * | `completion.wait`      | `completion.woken` when the caller may go on           |
 * | `completion.complete`  | nothing                                                |
 * | `completion.complete_all` | nothing                                             |
 * | `completion.try_wait`  | `completion.tried {ok}`                                |
 * | `completion.done`      | `completion.is_done {done}`                            |
 * | `completion.reinit`    | nothing                                                |
 *
 * Answers are addressed to the context that asked (runtime/model.ts `answerTo`).
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, answerTo, send, type Message } from '../runtime/model.js';
import { COMPLETION_WAIT } from '../runtime/checkers/conventions.js';

// wait_for_completion is declared in runtime/checkers/conventions.ts (a call that may sleep).
export { COMPLETION_WAIT } from '../runtime/checkers/conventions.js';
export const COMPLETION_WOKEN = 'completion.woken';
export const COMPLETION_COMPLETE = 'completion.complete';
export const COMPLETION_COMPLETE_ALL = 'completion.complete_all';
export const COMPLETION_TRY_WAIT = 'completion.try_wait';
export const COMPLETION_TRIED = 'completion.tried';
export const COMPLETION_DONE = 'completion.done';
export const COMPLETION_IS_DONE = 'completion.is_done';
export const COMPLETION_REINIT = 'completion.reinit';
/** The completion to itself: a woken waiter runs and tries to take the count. */
export const COMPLETION_WAKE = 'completion.wake';

export interface CompletionWaiter {
  who: string;
  frame?: string;
}

export interface CompletionContext {
  /** Completions not yet consumed (a model that completes in an unbounded loop has unboundedly many states). */
  done: number;
  /** complete_all ran (`done == UINT_MAX`). */
  all: boolean;
  /** Sleeping in wait_for_completion, FIFO. */
  waiters: CompletionWaiter[];
  /** Woken by complete, not yet run (each has a `completion.wake` on its way). */
  woken: CompletionWaiter[];
}

export const completion = {
  wait: (): Message => ({ type: COMPLETION_WAIT }),
  complete: (): Message => ({ type: COMPLETION_COMPLETE }),
  completeAll: (): Message => ({ type: COMPLETION_COMPLETE_ALL }),
  tryWait: (): Message => ({ type: COMPLETION_TRY_WAIT }),
  done: (): Message => ({ type: COMPLETION_DONE }),
  reinit: (): Message => ({ type: COMPLETION_REINIT }),
};

type CEvent = Message & { from: string };
const waiterOf = (e: CEvent): CompletionWaiter => ({ who: e.from, ...(typeof e[FRAME] === 'string' ? { frame: e[FRAME] as string } : {}) });
const wake = (w: CompletionWaiter) => send(w.who, answerTo(w.frame === undefined ? {} : { [FRAME]: w.frame }, { type: COMPLETION_WOKEN }));

/** A completion (`struct completion`, initialised by `init_completion`). The actor's name must be `id`. */
export function completionMachine(id: string) {
  return createMachine({
    id,
    types: {} as { context: CompletionContext },
    context: { done: 0, all: false, waiters: [], woken: [] },
    on: {
      [COMPLETION_WAIT]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as CEvent;
          if (context.all) enqueue(wake(waiterOf(e)));
          else if (context.done > 0) {
            enqueue.assign({ done: context.done - 1 });
            enqueue(wake(waiterOf(e)));
          } else enqueue.assign({ waiters: [...context.waiters, waiterOf(e)] });
        }),
      },
      [COMPLETION_COMPLETE]: {
        actions: enqueueActions(({ context, enqueue }) => {
          if (context.all) return;
          const [first, ...rest] = context.waiters;
          enqueue.assign({ done: context.done + 1, ...(first ? { waiters: rest, woken: [...context.woken, first] } : {}) });
          if (first) enqueue(send(id, { type: COMPLETION_WAKE }));
        }),
      },
      [COMPLETION_WAKE]: {
        actions: enqueueActions(({ context, enqueue }) => {
          const [w, ...woken] = context.woken;
          if (!w) return;
          if (context.all) {
            enqueue.assign({ woken });
            enqueue(wake(w));
          } else if (context.done > 0) {
            enqueue.assign({ woken, done: context.done - 1 });
            enqueue(wake(w));
          } else enqueue.assign({ woken, waiters: [...context.waiters, w] }); // taken by another: sleep again
        }),
      },
      [COMPLETION_COMPLETE_ALL]: {
        actions: enqueueActions(({ context, enqueue }) => {
          enqueue.assign({ all: true, waiters: [] });
          for (const w of context.waiters) enqueue(wake(w));
        }),
      },
      [COMPLETION_TRY_WAIT]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const ok = context.all || context.done > 0;
          if (ok && !context.all) enqueue.assign({ done: context.done - 1 });
          enqueue(send((event as unknown as CEvent).from, answerTo(event as unknown as Message, { type: COMPLETION_TRIED, ok })));
        }),
      },
      [COMPLETION_DONE]: {
        actions: enqueueActions(({ context, event, enqueue }) =>
          enqueue(send((event as unknown as CEvent).from, answerTo(event as unknown as Message, { type: COMPLETION_IS_DONE, done: context.all || context.done > 0 }))),
        ),
      },
      [COMPLETION_REINIT]: { actions: enqueueActions(({ enqueue }) => enqueue.assign({ done: 0, all: false })) },
    },
  });
}

/** Trace label: `done=1`, `all`, `0 [cpu1]` (waiters), `+woken cpu2`. */
export function completionLabel(c: CompletionContext): string {
  return `${c.all ? 'all' : `done=${c.done}`}${c.waiters.length ? ` [${c.waiters.map((w) => w.who).join(' ')}]` : ''}${c.woken.length ? ` woken ${c.woken.map((w) => w.who).join(' ')}` : ''}`;
}
