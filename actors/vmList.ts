/**
 * The VM list of the FF-A mediator and what moves with it (SCENARIOS.md section 1, "VM list"):
 * `ffa_ctx_head` guarded by `ffa_ctx_list_rwlock`, the atomic `ffa_vm_count`, and the atomic
 * `ffa_partinfo_tag` (xen/arch/arm/tee/ffa.c, ffa_partinfo.c, ffa_private.h at upstream c447b730).
 *
 * The lock lives with the data (DESIGN.md decision 5): this actor owns `ffa_ctx_list_rwlock` and
 * answers every access to the list, the count and the tag as one message each, so a CPU's
 * accesses interleave with other CPUs' exactly at the points the C code has them:
 *
 * | message        | Xen                                             | answer                         |
 * |----------------|-------------------------------------------------|--------------------------------|
 * | `vm.count.inc` | `inc_ffa_vm_count()` (atomic_inc)               | `vm.ack`                       |
 * | `vm.count.dec` | `dec_ffa_vm_count()` (ASSERT(count > 0), atomic_dec) | `vm.ack`                  |
 * | `vm.count.read`| `get_ffa_vm_count()`: atomic_read as uint16_t   | `vm.value` (`value`)           |
 * | `vm.tag.inc`   | `ffa_partinfo_inc_tag()` (atomic_inc)           | `vm.ack`                       |
 * | `vm.tag.read`  | `ffa_partinfo_get_tag()`: low `tagBits` bits    | `vm.value` (`value`)           |
 * | `vm.list.add`  | `list_add_tail(&ctx->ctx_list, &ffa_ctx_head)`  | `vm.ack`                       |
 * | `vm.list.del`  | `list_del(&ctx->ctx_list)`                      | `vm.ack`                       |
 * | `vm.list.walk` | `list_for_each_entry(...)` under the lock       | `vm.list` (`ids`, in list order) |
 *
 * Every access is answered, and the CPU waits for the answer before its next access: a CPU's
 * accesses are sequentially consistent (no store buffering). `atomic_t` is a C `int`; the model
 * keeps the count and the tag as unbounded integers and applies the widths where Xen reads them
 * (`uint16_t` for the count, `GENMASK(15, 0)` for the tag; `tagBits` can declare a smaller tag
 * to make the 16-bit ABA case small enough to explore, see scenarios/c4.ts).
 *
 * `ffa_ctx_list_rwlock` is Xen's queued rwlock of protocols/rwlock.ts. `ffa_vm_count` and
 * `ffa_partinfo_tag` are kept here as plain integers updated by one message each (an atomic
 * RMW is one step of the actor that owns it, which is what protocols/atomic.ts does too), so
 * the ghost history below sees every change of the list and the tag in one place.
 *
 * Ghost state for linearizability checks (C4): a reader opens a `vm.ghost.begin`; from then on
 * every instant's (list, tag) is appended to its history, until `vm.ghost.check` compares the
 * reader's answer with that history and closes it; `vm.ghost.close` closes it without a check
 * (the call answered an error or RETRY).
 */
import { assign, createMachine, enqueueActions } from 'xstate';
import { assertThat, reply, type Message } from '../runtime/model.js';
import { freeRwlocks, rwlockHandlers, type RwOwnerContext } from '../protocols/rwlock.js';

/** The actor's name. */
export const VM_LIST_ACTOR = 'vm_list';
/** The lock class. */
export const FFA_CTX_LIST_RWLOCK = 'ffa_ctx_list_rwlock';

export const VM_COUNT_INC = 'vm.count.inc';
export const VM_COUNT_DEC = 'vm.count.dec';
export const VM_COUNT_READ = 'vm.count.read';
export const VM_TAG_INC = 'vm.tag.inc';
export const VM_TAG_READ = 'vm.tag.read';
export const VM_LIST_ADD = 'vm.list.add';
export const VM_LIST_DEL = 'vm.list.del';
export const VM_LIST_WALK = 'vm.list.walk';
export const VM_ACK = 'vm.ack';
export const VM_VALUE = 'vm.value';
export const VM_LIST = 'vm.list';
export const VM_GHOST_BEGIN = 'vm.ghost.begin';
export const VM_GHOST_CHECK = 'vm.ghost.check';
export const VM_GHOST_CLOSE = 'vm.ghost.close';

/** One instant of the list as a linearizability check sees it. */
export interface VmInstant {
  list: string[];
  /** The full tag value (not truncated). */
  tag: number;
}

export interface VmListContext extends RwOwnerContext {
  /** `ffa_ctx_head`: ctx names in list order. */
  list: string[];
  /** `ffa_vm_count`. */
  count: number;
  /** `ffa_partinfo_tag` (ATOMIC_INIT(1)). */
  tag: number;
  /** Bits of the tag that `ffa_partinfo_get_tag` exposes: 16 upstream. */
  tagBits: number;
  /** Ghost: for each reader inside a checked call, the instants seen since it began. */
  ghost: Record<string, VmInstant[]>;
}

/** Initial state: the ctx names already on the list (their count and tag moves already done). */
export interface VmListInput {
  list: string[];
  tagBits?: number;
  /** The tag's value; default 1 + one increment per VM already on the list. */
  tag?: number;
}

/** Message builders. */
export const vm = {
  countInc: (): Message => ({ type: VM_COUNT_INC }),
  countDec: (): Message => ({ type: VM_COUNT_DEC }),
  countRead: (): Message => ({ type: VM_COUNT_READ }),
  tagInc: (): Message => ({ type: VM_TAG_INC }),
  tagRead: (): Message => ({ type: VM_TAG_READ }),
  listAdd: (ctx: string): Message => ({ type: VM_LIST_ADD, ctx }),
  listDel: (ctx: string): Message => ({ type: VM_LIST_DEL, ctx }),
  listWalk: (): Message => ({ type: VM_LIST_WALK }),
  ghostBegin: (): Message => ({ type: VM_GHOST_BEGIN }),
  /** The call ended without a SUCCESS to check (an error or RETRY). */
  ghostClose: (): Message => ({ type: VM_GHOST_CLOSE }),
  /**
   * The reader's answer: `list` = the VM entries it reported, in list order; `total` = the VMs it
   * counted in the total; `tag` as reported (truncated).
   */
  ghostCheck: (list: string[], total: number, tag: number): Message => ({ type: VM_GHOST_CHECK, list, total, tag }),
};

type Args = { context: VmListContext; event: Message & { from: string; ctx?: string; list?: string[]; total?: number; tag?: number } };

const writeHolds = ({ context, event }: Args): boolean => context.rwlocks[FFA_CTX_LIST_RWLOCK]?.writer === event.from;
const readHolds = ({ context, event }: Args): boolean => writeHolds({ context, event }) || (context.rwlocks[FFA_CTX_LIST_RWLOCK]?.readers.includes(event.from) ?? false);
const mask = (bits: number): number => (bits >= 31 ? 0x7fffffff : (1 << bits) - 1);

/** Appends the instant after this step to every open ghost history. */
function withInstant(context: VmListContext, list: string[], tag: number): Record<string, VmInstant[]> {
  const out: Record<string, VmInstant[]> = {};
  for (const [reader, seen] of Object.entries(context.ghost)) out[reader] = [...seen, { list, tag }];
  return out;
}

// The caller puts its own entry first, then the list without itself: compare as sets.
const sameList = (a: readonly string[], b: readonly string[]): boolean => {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** The VM list's machine: a daemon. */
export function vmListMachine() {
  return createMachine({
    id: 'vm_list',
    types: {} as { context: VmListContext; input: VmListInput; events: Args['event'] },
    context: ({ input }) => ({
      rwlocks: freeRwlocks(FFA_CTX_LIST_RWLOCK),
      list: [...input.list],
      count: input.list.length,
      tag: input.tag ?? 1 + input.list.length,
      tagBits: input.tagBits ?? 16,
      ghost: {},
    }),
    on: {
      ...rwlockHandlers(),
      [VM_COUNT_INC]: { actions: [assign({ count: ({ context }: Args) => context.count + 1 }), reply({ type: VM_ACK })] },
      [VM_COUNT_DEC]: {
        actions: [
          assertThat(({ context }: Args) => context.count > 0, 'ASSERT(atomic_read(&ffa_vm_count) > 0) in dec_ffa_vm_count'),
          assign({ count: ({ context }: Args) => context.count - 1 }),
          reply({ type: VM_ACK }),
        ],
      },
      [VM_COUNT_READ]: { actions: reply(({ context }: Args) => ({ type: VM_VALUE, value: context.count & 0xffff })) },
      [VM_TAG_INC]: {
        actions: [
          assign({
            tag: ({ context }: Args) => context.tag + 1,
            ghost: ({ context }: Args) => withInstant(context, context.list, context.tag + 1),
          }),
          reply({ type: VM_ACK }),
        ],
      },
      [VM_TAG_READ]: { actions: reply(({ context }: Args) => ({ type: VM_VALUE, value: context.tag & mask(context.tagBits) })) },
      [VM_LIST_ADD]: {
        actions: [
          assertThat(writeHolds, 'list_add_tail on ffa_ctx_head without holding ffa_ctx_list_rwlock for writing'),
          assertThat(({ context, event }: Args) => !context.list.includes(event.ctx ?? ''), 'list_add_tail of a ctx already on ffa_ctx_head (list corruption)'),
          enqueueActions(({ context, event, enqueue }) => {
            const list = [...context.list, (event as Args['event']).ctx ?? '?'];
            enqueue.assign({ list, ghost: withInstant(context, list, context.tag) });
          }),
          reply({ type: VM_ACK }),
        ],
      },
      [VM_LIST_DEL]: {
        actions: [
          assertThat(writeHolds, 'list_del on ffa_ctx_head without holding ffa_ctx_list_rwlock for writing'),
          assertThat(({ context, event }: Args) => context.list.includes(event.ctx ?? ''), 'list_del of a ctx that is not on ffa_ctx_head (list corruption)'),
          enqueueActions(({ context, event, enqueue }) => {
            const list = context.list.filter((c) => c !== (event as Args['event']).ctx);
            enqueue.assign({ list, ghost: withInstant(context, list, context.tag) });
          }),
          reply({ type: VM_ACK }),
        ],
      },
      [VM_LIST_WALK]: {
        actions: [
          assertThat(readHolds, 'list_for_each_entry on ffa_ctx_head without holding ffa_ctx_list_rwlock'),
          reply(({ context }: Args) => ({ type: VM_LIST, ids: [...context.list] })),
        ],
      },
      [VM_GHOST_BEGIN]: {
        actions: [
          assign({ ghost: ({ context, event }: Args) => ({ ...context.ghost, [event.from]: [{ list: [...context.list], tag: context.tag }] }) }),
          reply({ type: VM_ACK }),
        ],
      },
      [VM_GHOST_CLOSE]: {
        actions: assign({
          ghost: ({ context, event }) => Object.fromEntries(Object.entries(context.ghost).filter(([r]) => r !== (event as Args['event']).from)),
        }),
      },
      [VM_GHOST_CHECK]: {
        actions: [
          assertThat(({ context, event }: Args) => {
            const seen = context.ghost[event.from] ?? [];
            const m = mask(context.tagBits);
            return seen.some((s) => sameList(s.list, event.list ?? []) && s.list.length === event.total && (s.tag & m) === event.tag);
          }, 'SUCCESS with tag t, but its entries and total match no instant of the VM list during the call where the tag was t'),
          assign({
            ghost: ({ context, event }: Args) => Object.fromEntries(Object.entries(context.ghost).filter(([r]) => r !== event.from)),
          }),
        ],
      },
    },
  });
}

/** Trace label: `[g1.ctx g2.ctx] n=2 tag=3`, with `W=`/`R=` the lock's holders and its waiters. */
export function vmListLabel(context: VmListContext): string {
  const l = context.rwlocks[FFA_CTX_LIST_RWLOCK];
  const held = !l ? '' : l.writer ? ` W=${l.writer}` : l.readers.length ? ` R=${l.readers.join(',')}` : '';
  const lock = held + (l && l.queue.length ? `[${l.queue.map((w) => `${w.mode[0]}:${w.who}`).join(' ')}]` : '');
  return `[${context.list.join(' ')}] n=${context.count} tag=${context.tag}${lock}`;
}
