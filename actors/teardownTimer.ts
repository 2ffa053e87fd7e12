/**
 * The FF-A mediator's deferred teardown: the retry queue, its timer callback, and the context
 * fields it works on. SCENARIOS.md card C10.
 *
 * Follows xen/arch/arm/tee/ffa.c at upstream c447b730: `ffa_domain_teardown` (called from
 * `domain_kill` -> `domain_teardown`) ends with `ffa_domain_teardown_continue(ctx, true)`;
 * `ffa_teardown_timer_callback` (TIMER_SOFTIRQ on CPU 0: `init_timer(&ffa_teardown_timer, ...,
 * 0)`) pops the first ctx of `ffa_teardown_head` and calls `ffa_domain_teardown_continue(ctx,
 * false)`. `ffa_domain_teardown_continue` calls `ffa_partinfo_domain_destroy` (ffa_partinfo.c:
 * FFA_MSG_SEND_VM_DESTROYED through `ffa_direct_req_send_vm`, which itself asks up to eleven
 * times in a row while the SP answers RETRY or INTERRUPTED (actors/directReq.ts); only when all
 * eleven answers were such does it return RETRY/INTERRUPTED, and only then is the SP's bit kept
 * for a later retry) and `ffa_shm_domain_destroy` (ffa_shm.c: MEM_RECLAIM of each shm; OK frees it,
 * `free_ffa_shm_mem` -> `dec_ctx_shm_count`, whose last decrement does `put_domain(d)`, the
 * reference `inc_ctx_shm_count` took with the first share; DENIED keeps it for a retry). If
 * either left work, the ctx goes (back) on `ffa_teardown_head` under `ffa_teardown_lock` and the
 * timer is set; otherwise, when called from the timer, the next queued ctx (if any) re-arms it.
 *
 * Actors and messages:
 *
 * - {@link teardownQueueMachine}, `ffa_teardown_head` with `ffa_teardown_lock`: each message
 *   is one critical section under the lock (`tq.add` = list_add_tail + list_first_entry,
 *   `tq.pop` = list_first_entry_or_null + list_del, `tq.first` = list_first_entry_or_null).
 *   The list nodes are `ctx->teardown_list`, inside the ctx: an answer naming a ctx is a read
 *   of that ctx, so the use-after-free checker judges the queue's step when the ctx is gone.
 * - {@link teardownCtxMachine}, the ctx (`struct ffa_ctx`) as a heap object with the fields
 *   teardown reads and writes: `teardown_d`, the SP bits of `vm_destroy_bitmap` still to tell,
 *   `shm_count`. `ctx.td.read` loads them (one message: only the teardown path, serialised by
 *   the queue, touches them); `ctx.td.write` stores them. On `domain.destroyed` for its domain
 *   the ctx frees itself: `ffa_free_domain_ctx` from `complete_domain_destroy`.
 * - {@link teardownSpmcMachine}: the secure world answering VM_DESTROYED and MEM_RECLAIM: an SP
 *   whose first `retries` answers to VM_DESTROYED have status RETRY (busy), or an SPMC whose
 *   first `errors` answers are FFA_ERROR; a reclaim DENIED `denials` times (a borrower still
 *   holding pages).
 * - {@link teardownContinueBody}: `ffa_domain_teardown_continue`, as CPU states, for the domain
 *   killer (`first_time`) and for the timer callback; `holdRef` is C10's proposed fix.
 */
import { assign, createMachine, enqueueActions } from 'xstate';
import { reply, send, type Message } from '../runtime/model.js';
import { DOMAIN_DESTROYED, DOMAIN_REF, domain } from '../protocols/domain.js';
import { freed, type MemoryContext } from '../protocols/memory.js';
import { SMC_RESULT, secureWorldMachine, smc, type SmcOutcome } from '../protocols/smc.js';
import { TIMER_ACK, timer } from '../protocols/timer.js';
import { FFA_MSG_SEND_DIRECT_REQ_32, FFA_MSG_SEND_VM_DESTROYED, directReqError, directReqLocals, directReqSendVm, directResp, type DirectReqLocals } from './directReq.js';
import { FFA, FFA_RET } from './ffa.js';

export const TQ_ADD = 'tq.add';
export const TQ_POP = 'tq.pop';
export const TQ_FIRST = 'tq.first';
export const TQ_NEXT = 'tq.next';
export const TQ_POPPED = 'tq.popped';
export const CTX_TD_READ = 'ctx.td.read';
export const CTX_TD_STATE = 'ctx.td.state';
export const CTX_TD_WRITE = 'ctx.td.write';

export { FFA_MSG_SEND_DIRECT_REQ_32, FFA_MSG_SEND_VM_DESTROYED };

/** The queue actor's name. */
export const TEARDOWN_QUEUE = 'ffa_teardown_head';
/** The timer actor's name: Xen's `ffa_teardown_timer`. */
export const TEARDOWN_TIMER = 'ffa_teardown_timer';

export interface TeardownQueueContext {
  /** Ctx objects, first in line first. */
  queue: string[];
}

/** `ffa_teardown_head` guarded by `ffa_teardown_lock`: each message one critical section. */
export function teardownQueueMachine() {
  type Ev = Message & { obj?: string };
  return createMachine({
    id: TEARDOWN_QUEUE,
    types: {} as { context: TeardownQueueContext },
    context: { queue: [] },
    on: {
      [TQ_ADD]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const queue = [...context.queue, String((event as Ev).obj)];
          enqueue.assign({ queue });
          enqueue(reply({ type: TQ_NEXT, obj: queue[0] as string }));
        }),
      },
      [TQ_POP]: {
        actions: enqueueActions(({ context, enqueue }) => {
          const [first, ...rest] = context.queue;
          enqueue.assign({ queue: rest });
          enqueue(reply(first === undefined ? { type: TQ_POPPED, empty: true } : { type: TQ_POPPED, obj: first }));
        }),
      },
      [TQ_FIRST]: {
        actions: reply(({ context }: { context: TeardownQueueContext }) => (context.queue[0] === undefined ? { type: TQ_NEXT, empty: true } : { type: TQ_NEXT, obj: context.queue[0] })),
      },
    },
  });
}

export function teardownQueueLabel(c: TeardownQueueContext): string {
  return c.queue.length ? `[${c.queue.join(',')}]` : '[]';
}

/** The ctx's teardown fields. */
export interface TeardownFields {
  /** ctx->teardown_d: the domain id. */
  d: number;
  /** SPs still to be told VM_DESTROYED (bits of ctx->vm_destroy_bitmap). */
  bitmap: number;
  shm: number;
}

export interface TeardownCtxContext extends MemoryContext {
  td: TeardownFields;
}

/** The ctx of domain `domid` as a heap object `obj` at home `name`. */
export function teardownCtxMachine(name: string, obj: string, fields: TeardownFields) {
  return createMachine({
    id: name,
    types: {} as { context: TeardownCtxContext },
    context: { heap: { [obj]: { live: true } }, data: {}, td: fields },
    on: {
      [CTX_TD_READ]: { actions: reply(({ context }: { context: TeardownCtxContext }) => ({ type: CTX_TD_STATE, obj, ...context.td })) },
      [CTX_TD_WRITE]: {
        actions: assign({
          td: ({ context, event }) => {
            const e = event as unknown as Partial<TeardownFields>;
            return { ...context.td, ...(e.bitmap !== undefined ? { bitmap: e.bitmap } : {}), ...(e.shm !== undefined ? { shm: e.shm } : {}) };
          },
        }),
      },
      [DOMAIN_DESTROYED]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          if ((event as Message).id !== context.td.d) return;
          enqueue.assign({ heap: freed(context.heap, obj, name, event as unknown as Message) });
        }),
      },
    },
  });
}

export function teardownCtxLabel(obj: string): (c: TeardownCtxContext) => string {
  return (c) => `${c.heap[obj]?.live === false ? 'freed' : 'live'} bm=${c.td.bitmap} shm=${c.td.shm}`;
}

export interface TeardownSpmcContext extends Record<string, unknown> {
  /** VM_DESTROYED answers still to be FFA_ERROR (before any RETRY). */
  errors: number;
  /** VM_DESTROYED answers still to be a direct response with status RETRY. */
  retries: number;
  /** MEM_RECLAIM answers still to be DENIED. */
  denials: number;
}

/** How the secure world answers, in order: `errors` FFA_ERRORs, `retries` RETRY statuses, then OK; `denials` reclaims DENIED. */
export interface TeardownSpmcScript {
  errors?: number;
  retries: number;
  denials: number;
}

/** The secure world for teardown: VM_DESTROYED and MEM_RECLAIM. */
export function teardownSpmcMachine(id: string, initial: TeardownSpmcScript) {
  return secureWorldMachine<TeardownSpmcContext>(id, { errors: initial.errors ?? 0, retries: initial.retries, denials: initial.denials }, (c, call): SmcOutcome<TeardownSpmcContext> => {
    if (call.fid === FFA_MSG_SEND_DIRECT_REQ_32) {
      if (c.errors > 0) return { context: { ...c, errors: c.errors - 1 }, result: directReqError(FFA_RET.RETRY) };
      if (c.retries > 0) return { context: { ...c, retries: c.retries - 1 }, result: directResp(FFA_MSG_SEND_VM_DESTROYED, FFA_RET.RETRY) };
      return { result: directResp(FFA_MSG_SEND_VM_DESTROYED, 0) };
    }
    if (call.fid === FFA.MEM_RECLAIM) {
      if (c.denials > 0) return { context: { ...c, denials: c.denials - 1 }, result: { w0: FFA.ERROR, w2: FFA_RET.DENIED } };
      return { result: { w0: FFA.SUCCESS_32, w2: 0 } };
    }
    return { result: { w0: FFA.ERROR, w2: FFA_RET.NOT_SUPPORTED } };
  });
}

export function teardownSpmcLabel(c: TeardownSpmcContext): string {
  return `${c.errors ? `err=${c.errors} ` : ''}retry=${c.retries} deny=${c.denials}`;
}

/** The locals of the continue body, in the CPU's context. */
export interface TeardownLocals extends DirectReqLocals {
  tdObj: string | null;
  tdD: number;
  tdBitmap: number;
  tdShm: number;
}

export function teardownLocals(): TeardownLocals {
  return { tdObj: null, tdD: -1, tdBitmap: 0, tdShm: 0, ...directReqLocals() };
}

export interface TeardownContinueOptions {
  /** ffa_domain_teardown_continue's `first_time`. */
  firstTime: boolean;
  /** The ctx's home actor. */
  home: string;
  /** The secure world actor. */
  spmc: string;
  /** The domain table actor. */
  domains: string;
  /** C10's PROPOSED fix: get_domain() when the ctx is queued (the put follows the timer's continue). */
  holdRef: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = { context: any; event: Message };

/**
 * `ffa_domain_teardown_continue(ctx, first_time)` as states: the body's initial state waits
 * for the ctx's fields, so whoever enters it must have sent `ctx.td.read` (see
 * {@link readCtx}). Ends in the final state `done`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function teardownContinueStates(o: TeardownContinueOptions): { initial: string; states: Record<string, any> } {
  const ok = ({ event }: Args) => event.w0 !== FFA.ERROR;
  const ctxWrite = (f: (c: Args['context']) => Partial<TeardownFields>) => send(o.home, ({ context }: Args) => ({ type: CTX_TD_WRITE, obj: context.tdObj, ...f(context) }));
  const retry = ({ context }: Args) => context.tdBitmap !== 0 || context.tdShm > 0;
  const queue = send(TEARDOWN_QUEUE, ({ context }: Args) => ({ type: TQ_ADD, obj: context.tdObj }));
  // Not RETRY/INTERRUPTED: clear_bit; the bitmap is empty: XFREE(ctx->vm_destroy_bitmap).
  const clearBit = { target: 'shm', actions: [assign({ tdBitmap: 0 }), ctxWrite(() => ({ bitmap: 0 }))] };
  // ffa_direct_req_send_vm(id, vm, FFA_MSG_SEND_VM_DESTROYED): VM id = domid + 1.
  const vmDestroyed = directReqSendVm(o.spmc, FFA_MSG_SEND_VM_DESTROYED, (c) => Number(c.tdD) + 1, { ok: clearBit, error: clearBit, retry: { target: 'shm' } });
  return {
    initial: 'read',
    states: {
      // ffa_partinfo_domain_destroy(ctx->teardown_d), ffa_shm_domain_destroy(): the fields.
      read: {
        on: {
          [CTX_TD_STATE]: {
            target: 'partinfo',
            actions: assign(({ event }: Args) => ({ tdD: Number(event.d), tdBitmap: Number(event.bitmap), tdShm: Number(event.shm) })),
          },
        },
      },
      partinfo: {
        always: [
          { guard: ({ context }: Args) => context.tdBitmap !== 0, target: 'vmDestroyed', actions: vmDestroyed.start },
          { target: 'shm' },
        ],
      },
      // RETRY/INTERRUPTED (eleven in a row) keeps the bit for the timer's retry.
      vmDestroyed: { on: vmDestroyed.on },
      shm: {
        always: [{ guard: ({ context }: Args) => context.tdShm > 0, target: 'reclaim', actions: send(o.spmc, smc.call(FFA.MEM_RECLAIM)) }, { target: 'decide' }],
      },
      reclaim: {
        on: {
          [SMC_RESULT]: [
            // FFA_RET_OK: list_del, free_ffa_shm_mem -> dec_ctx_shm_count; the last one put_domain(d).
            {
              guard: (a: Args) => ok(a) && a.context.tdShm === 1,
              target: 'decide',
              actions: [assign({ tdShm: 0 }), ctxWrite(() => ({ shm: 0 })), send(o.domains, ({ context }: Args) => domain.put(context.tdD))],
            },
            // (The write runs after the assign and sees the decremented count.)
            { guard: ok, target: 'decide', actions: [assign({ tdShm: ({ context }: Args) => context.tdShm - 1 }), ctxWrite((c) => ({ shm: c.tdShm }))] },
            // DENIED: retried later.
            { target: 'decide' },
          ],
        },
      },
      decide: {
        always: [
          ...(o.holdRef ? [{ guard: retry, target: 'hold', actions: send(o.domains, ({ context }: Args) => domain.get(context.tdD)) }] : [{ guard: retry, target: 'queued', actions: queue }]),
          ...(o.firstTime ? [] : [{ target: 'next', actions: send(TEARDOWN_QUEUE, { type: TQ_FIRST }) }]),
          { target: 'done' },
        ],
      },
      // PROPOSED: hold a domain reference while the ctx is queued.
      ...(o.holdRef ? { hold: { on: { [DOMAIN_REF]: { target: 'queued', actions: queue } } } } : {}),
      // list_add_tail; next_ctx = list_first_entry; set_timer(next_ctx->teardown_expire).
      queued: { on: { [TQ_NEXT]: { target: 'arming', actions: send(TEARDOWN_TIMER, timer.set()) } } },
      // Only if there has been a change to the queue: next_ctx = list_first_entry_or_null.
      next: {
        on: {
          [TQ_NEXT]: [{ guard: ({ event }: Args) => event.empty === true, target: 'done' }, { target: 'arming', actions: send(TEARDOWN_TIMER, timer.set()) }],
        },
      },
      // set_timer returns once the timer is queued (protocols/timer.ts: every timer call is answered).
      arming: { on: { [TIMER_ACK]: 'done' } },
      done: { type: 'final' },
    },
  };
}

/** The send that starts {@link teardownContinueStates}: load the ctx's fields. */
export function readCtx(home: string): unknown {
  return send(home, ({ context }: Args) => ({ type: CTX_TD_READ, obj: context.tdObj }));
}

/**
 * `ffa_teardown_timer_callback` as a timer body: pop the first ctx (or print "teardown list is
 * empty"), continue its teardown; with `holdRef` (PROPOSED) put the reference it was queued
 * with once that returns.
 */
export function teardownTimerBody(o: Omit<TeardownContinueOptions, 'firstTime'>) {
  const cont = teardownContinueStates({ ...o, firstTime: false });
  return {
    initial: 'start',
    states: {
      start: { always: { target: 'pop', actions: send(TEARDOWN_QUEUE, { type: TQ_POP }) } },
      pop: {
        on: {
          [TQ_POPPED]: [
            { guard: ({ event }: Args) => event.empty === true, target: 'done' },
            { target: 'cont', actions: [assign({ tdObj: ({ event }: Args) => String(event.obj) }), readCtx(o.home)] },
          ],
        },
      },
      cont: { ...cont, onDone: o.holdRef ? { target: 'done', actions: send(o.domains, ({ context }: Args) => domain.put(context.tdD)) } : { target: 'done' } },
      done: { type: 'final' },
    },
  };
}
