/**
 * The notification part of a guest's FF-A context, `struct ffa_ctx_notif` inside `struct
 * ffa_ctx` (xen/arch/arm/tee/ffa_private.h at upstream c447b730; introduced by seed 003, S3 v6
 * "support notification"), as a memory home (protocols/memory.ts): the ctx is object `obj`
 * with field `secure_pending`, and its lifetime is what C5 and C10 are about.
 *
 * `secure_pending` is lock-free in Xen (S3 v4 changelog: "Remove spinlock in struct
 * ffa_ctx_notif and use atomic functions"): `ACCESS_ONCE(...) = true/false` is a `mem.write`;
 * `test_and_clear_bool(...)` (ffa_handle_notification_info_get) is one atomic message here,
 * `mem.test_and_clear`, answered with the old value as `mem.value`. An access is made at the
 * step that sends it (runtime/checkers/conventions.ts), and the home applies messages in the
 * order they were sent, so {@link effectiveField} (the stored value with the writes still in
 * the mailbox applied) is the value a CPU would read at that instant.
 *
 * Freeing: `mem.free {obj}` is an explicit `xfree(ctx)` (S3 v4's `ffa_domain_teardown_continue`);
 * with `freeOnDestroyed`, the home itself frees the ctx when the domain table reports
 * `domain.destroyed {id}` for its domain: that is `ffa_free_domain_ctx` (`XFREE(d->arch.tee)`)
 * called from `complete_domain_destroy` -> `arch_domain_destroy` -> `tee_free_domain_ctx`, the
 * S3 v5 change. A freed ctx still answers (the memory is still there); the use-after-free
 * checker reports the access.
 */
import { createMachine, enqueueActions } from 'xstate';
import { reply, type Message } from '../runtime/model.js';
import type { GlobalView } from '../runtime/system.js';
import { DOMAIN_DESTROYED } from '../protocols/domain.js';
import { MEM_VALUE, MEM_WRITE, freed, liveObjects, memoryHandlers, type MemoryContext, type Scalar } from '../protocols/memory.js';

export const MEM_TEST_AND_CLEAR = 'mem.test_and_clear';
export const SECURE_PENDING = 'secure_pending';

/** `ctx->notif.secure_pending` of `obj`: test_and_clear_bool. */
export function testAndClear(obj: string, field: string = SECURE_PENDING): Message {
  return { type: MEM_TEST_AND_CLEAR, obj, field };
}

export interface NotifCtxOptions {
  /** The actor's name (also the machine id). */
  name: string;
  /** The ctx object, e.g. `ctx:1`. */
  obj: string;
  /** The domain (domid) whose ctx this is. */
  domid: number;
  /** Free the ctx on `domain.destroyed {id: domid}` (ffa_free_domain_ctx from complete_domain_destroy, S3 v5). */
  freeOnDestroyed: boolean;
}

export type NotifCtxContext = MemoryContext;

export function notifCtxMachine({ name, obj, domid, freeOnDestroyed }: NotifCtxOptions) {
  return createMachine({
    id: name,
    types: {} as { context: NotifCtxContext },
    context: liveObjects({ [obj]: { [SECURE_PENDING]: false } }),
    on: {
      ...memoryHandlers(name),
      [MEM_TEST_AND_CLEAR]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as Message & { obj: string; field: string };
          const old = context.data[e.obj]?.[e.field] ?? null;
          enqueue.assign({ data: { ...context.data, [e.obj]: { ...(context.data[e.obj] ?? {}), [e.field]: false } } });
          enqueue(reply({ type: MEM_VALUE, obj: e.obj, field: e.field, value: old }));
        }),
      },
      [DOMAIN_DESTROYED]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          if (!freeOnDestroyed || (event as Message).id !== domid) return;
          enqueue.assign({ heap: freed(context.heap, obj, name, event as unknown as Message) });
        }),
      },
    },
  });
}

/** Trace label: `pending`, `-`, with `(freed)` once freed. */
export function notifCtxLabel(obj: string): (c: NotifCtxContext) => string {
  return (c) => `${c.data[obj]?.[SECURE_PENDING] === true ? 'pending' : '-'}${c.heap[obj]?.live === false ? ' (freed)' : ''}`;
}

/**
 * The value of `obj.field` at this instant: what the home stores, with the writes and
 * test_and_clears already sent (still in its mailbox) applied in order.
 */
export function effectiveField(view: GlobalView, home: string, obj: string, field: string): Scalar {
  const ctx = view.actor(home).context as NotifCtxContext;
  let value: Scalar = ctx.data[obj]?.[field] ?? null;
  for (const m of view.mailbox(home)) {
    if (m.obj !== obj || m.field !== field) continue;
    if (m.type === MEM_WRITE) value = (m.value as Scalar) ?? null;
    else if (m.type === MEM_TEST_AND_CLEAR) value = false;
  }
  return value;
}
