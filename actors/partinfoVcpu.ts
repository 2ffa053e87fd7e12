/**
 * A guest vCPU making the FF-A calls of scenario cards C4 and C8 (version negotiation and
 * partition info), and the domctl CPU tearing a domain down. Upstream xen/arch/arm/tee/ at
 * c447b730 (HEAD of the mirror), with three switches that put back or change exactly what one
 * commit changed:
 *
 * - `perVmNegotiation` — commit ad2d3a7d ("per-VM FFA_VERSION negotiation state"). Off: the old
 *   `handle_version`: under `ctx->lock`, `old = guest_vers; guest_vers = vers`, and if `!old`
 *   the membership block; any call is handled whether or not a version was negotiated. On:
 *   `ffa_handle_call` gates every call on `ACCESS_ONCE(ctx->guest_vers)` and
 *   `ffa_negotiate_version` records FFA_VERSION in `guest_vers_tmp` and publishes `guest_vers`
 *   once, on the first other call, then runs the membership block.
 * - `coherentMembership` — commit 500ee5fe ("Add cached GET_REGS support"). Off: the seed 000
 *   patch (`000_644dcca4d7f0897a.txt` lines 60-110, 342-440): `inc_ffa_vm_count()`, then
 *   `write_lock; list_add_tail; write_unlock`, then `ffa_partinfo_inc_tag()` (teardown alike with
 *   dec/list_del), and GET_REGS reads the tag once, at the start. On: count, list and tag change
 *   inside one write-locked section, and GET_REGS reads the tag again at the end and answers
 *   RETRY if it moved.
 * - `publishAfterList` — PROPOSED, not upstream (card C8's residual): publish `guest_vers`
 *   after the membership block instead of before it, still under `guest_vers_lock`.
 *
 * Every shared access is one message to the actor that owns the data (actors/guestVersion.ts,
 * actors/vmList.ts), and the vCPU waits for its answer: the model is sequentially consistent.
 * After a `write_unlock` that is followed by another access to the list actor, the vCPU takes
 * a `cpu.next` it sent itself, so other CPUs can run between the unlock and that access.
 *
 * Not modelled (they do not touch what C4/C8 check): the caller's own RX buffer
 * (`ffa_rx_acquire`, uncontended here), the SP list copy (a constant `spCount` of cached SPs),
 * UUID filtering (the Nil UUID is used), and for PARTITION_INFO_GET (buffer) the VM list walk.
 */
import { assign, createMachine } from 'xstate';
import { assertThat, send, type Message } from '../runtime/model.js';
import { SPIN_GRANTED, spin } from '../protocols/spinlock.js';
import { RW_GRANTED, rw } from '../protocols/rwlock.js';
import { FFA, FFA_RET, FFA_VERSION } from './ffa.js';
import { CTX_GUEST_VERS_LOCK, CTX_LOCK, VERS_ACK, VERS_VALUE, vers } from './guestVersion.js';
import { FFA_CTX_LIST_RWLOCK, VM_ACK, VM_LIST, VM_LIST_ACTOR, VM_VALUE, vm } from './vmList.js';

/** FFA_MY_VERSION: Xen implements FF-A 1.2. */
export const FFA_MY_VERSION = FFA_VERSION.V1_2;
/** `FFA_PARTITION_INFO_GET_COUNT_FLAG` (w5 bit 0). */
export const PARTINFO_COUNT_FLAG = 1;
/** GET_REGS: at most five 24-byte entries per call (x3..x17). */
export const PARTINFO_REG_MAX_ENTRIES = 5;

/** Assertion messages: the card properties as the vCPU checks them. */
export const TORN_SIZE =
  'PARTITION_INFO_GET: the entry size reported in w3 is not the size the entries were written with (guest_vers changed during the call)';
export const COUNT_WRAPPED =
  'PARTITION_INFO_GET(COUNT): the partition count is not SPs + other VMs (ffa_vm_count read before this VM was counted: 0 - 1 wrapped to 0xFFFFFFFF)';
export const LAST_INDEX = 'GET_REGS SUCCESS with last_index > total_count - 1';

/** One FF-A call of a guest program. */
export interface FfaCall {
  fid: number;
  /** FFA_VERSION: the requested version. PARTITION_INFO_GET: w5 flags. GET_REGS: x3 (start_index | tag << 16). */
  arg: number;
}

/** A call's result as the guest sees it: an FFA_RET error (< 0), or the success value. */
export type CallResult = number;

export interface PartinfoVcpuContext {
  /** This actor's name (for `cpu.next`). */
  self: string;
  /** The domain's ctx actor (also its entry on the VM list). */
  ctx: string;
  program: FfaCall[];
  pc: number;
  results: CallResult[];
  /** Cached SPs (`sp_list_count`). */
  spCount: number;
  /** Other VMs whose count never changes in this configuration (for the COUNT check); null: no check. */
  otherVms: number | null;
  // Scratch of the current call.
  vers: number;
  tmp: number;
  dstSize: number;
  vmCount: number;
  tagOut: number;
  total: number;
  entries: string[];
}

export interface PartinfoVcpuInput {
  self: string;
  ctx: string;
  program: FfaCall[];
  spCount?: number;
  otherVms?: number | null;
}

export interface PartinfoOptions {
  /** Commit ad2d3a7d. */
  perVmNegotiation: boolean;
  /** Commit 500ee5fe. */
  coherentMembership: boolean;
  /** Proposed fix for C8's residual (needs perVmNegotiation). */
  publishAfterList: boolean;
}

type Args = { context: PartinfoVcpuContext; event: Message & { vers?: number; tmp?: number; value?: number; ids?: string[]; ok?: boolean } };

const CPU_NEXT = 'cpu.next';

// ---- module-level guards and actions, shared by every variant ----
const call = (context: PartinfoVcpuContext): FfaCall => context.program[context.pc] ?? { fid: 0, arg: 0 };
const programDone = ({ context }: Args): boolean => context.pc >= context.program.length;
const isVersion = ({ context }: Args): boolean => call(context).fid === FFA.VERSION;
const isPartInfoGet = ({ context }: Args): boolean => call(context).fid === FFA.PARTITION_INFO_GET;
const isGetRegs = ({ context }: Args): boolean => call(context).fid === FFA.PARTITION_INFO_GET_REGS;
const countRequested = ({ context }: Args): boolean => (call(context).arg & PARTINFO_COUNT_FLAG) !== 0;
const readVersPublished = ({ event }: Args): boolean => (event.vers ?? 0) !== 0;
const noTmp = ({ event }: Args): boolean => (event.tmp ?? 0) === 0;
const oldWasZero = ({ event }: Args): boolean => (event.vers ?? 0) === 0;
const versIs10 = ({ event }: Args): boolean => event.vers === FFA_VERSION.V1_0;

/** The version a guest asking for `v` gets (same major): ours if it asks a higher minor. */
export function negotiated(v: number): number {
  return (v & 0xffff) > (FFA_MY_VERSION & 0xffff) ? FFA_MY_VERSION : v;
}

const toCtx = (m: Message) => send(({ context }: Args) => context.ctx, m);
const toList = (m: Message) => send(VM_LIST_ACTOR, m);
const readVers = toCtx(vers.read());
const lockGuestVers = toCtx(spin.acquire(CTX_GUEST_VERS_LOCK));
const unlockGuestVers = toCtx(spin.release(CTX_GUEST_VERS_LOCK));
const lockCtx = toCtx(spin.acquire(CTX_LOCK));
const unlockCtx = toCtx(spin.release(CTX_LOCK));
const publishVers = toCtx(vers.publish());
const setTmp = send(({ context }: Args) => context.ctx, ({ context }: Args) => vers.setTmp(negotiated(call(context).arg)));
const swapVers = send(({ context }: Args) => context.ctx, ({ context }: Args) => vers.swap(negotiated(call(context).arg)));
const listWriteLock = toList(rw.writeLock(FFA_CTX_LIST_RWLOCK));
const listWriteUnlock = toList(rw.writeUnlock(FFA_CTX_LIST_RWLOCK));
const listReadLock = toList(rw.readLock(FFA_CTX_LIST_RWLOCK));
const listReadUnlock = toList(rw.readUnlock(FFA_CTX_LIST_RWLOCK));
const nextSelf = send(({ context }: Args) => context.self, { type: CPU_NEXT });
const countInc = toList(vm.countInc());
const countDec = toList(vm.countDec());
const countRead = toList(vm.countRead());
const tagInc = toList(vm.tagInc());
const tagRead = toList(vm.tagRead());
const listAddSelf = send(VM_LIST_ACTOR, ({ context }: Args) => vm.listAdd(context.ctx));
const listDelSelf = send(VM_LIST_ACTOR, ({ context }: Args) => vm.listDel(context.ctx));
const listWalk = toList(vm.listWalk());
const ghostBegin = toList(vm.ghostBegin());
const ghostClose = toList(vm.ghostClose());
const markTornDown = toCtx(vers.teardown());

const keepVers = assign({ vers: ({ event }: Args) => event.vers ?? 0, tmp: ({ event }: Args) => event.tmp ?? 0 });
const result = (f: (a: Args) => number) =>
  assign({ results: (a: Args) => [...a.context.results, f(a)], pc: ({ context }: Args) => context.pc + 1 });
const returnMyVersion = result(() => FFA_MY_VERSION);
const returnNotSupported = result(() => FFA_RET.NOT_SUPPORTED);
const returnInvalid = result(() => FFA_RET.INVALID_PARAMETERS);
const returnRetry = result(() => FFA_RET.RETRY);

// PARTITION_INFO_GET
const keepDstSize = assign({ dstSize: ({ event }: Args) => (event.vers === FFA_VERSION.V1_0 ? 8 : 24) });
const keepVmCount = assign({ vmCount: ({ event }: Args) => event.value ?? 0 });
// `vm_count -= 1` on a uint32_t, for guests below v1.2 (they are not shown their own entry).
const adjustVmCount = assign({
  vmCount: ({ context, event }: Args) => ((event.vers ?? 0) < FFA_VERSION.V1_2 ? (context.vmCount - 1) >>> 0 : context.vmCount),
});
const countAnswer = ({ context }: Args): number => (context.spCount + context.vmCount) >>> 0;
const assertCount = assertThat(({ context }: Args) => context.otherVms === null || countAnswer({ context } as Args) === context.spCount + context.otherVms, COUNT_WRAPPED);
const returnCount = result(countAnswer);
// `if ( flags || ACCESS_ONCE(ctx->guest_vers) == FFA_VERSION_1_0 ) dst_size = 0;`
const reportedSize = ({ context, event }: Args): number => (event.vers === FFA_VERSION.V1_0 ? 0 : context.dstSize);
const assertSize = assertThat(
  (a: Args) => reportedSize(a) === a.context.dstSize || (reportedSize(a) === 0 && a.context.dstSize === 8),
  TORN_SIZE,
);
const returnSpCount = result(({ context }: Args) => context.spCount);

// GET_REGS (start_index 0, Nil UUID): only what C4 needs.
const keepTagOut = assign({ tagOut: ({ event }: Args) => event.value ?? 0 });
const keepTotal = assign({ total: ({ context, event }: Args) => context.spCount + (event.value ?? 0) });
const startIndex = (context: PartinfoVcpuContext): number => call(context).arg & 0xffff;
const inputTag = (context: PartinfoVcpuContext): number => (call(context).arg >>> 16) & 0xffff;
const regsBadInput = ({ context }: Args): boolean => (startIndex(context) === 0 ? inputTag(context) !== 0 : false);
const regsStaleTag = ({ context, event }: Args): boolean => startIndex(context) !== 0 && inputTag(context) !== event.value;
const totalZero = ({ context }: Args): boolean => context.total === 0 || startIndex(context) >= context.total;
/**
 * `ffa_get_vm_partinfo(uuid, vm_start, ...)`, for a v1.2 caller: its own entry first (start
 * 0), then the list without the caller, from `vm_start`, at most the window's room.
 */
const keepEntries = assign({
  entries: ({ context, event }: Args) => {
    const room = PARTINFO_REG_MAX_ENTRIES - Math.min(context.spCount, PARTINFO_REG_MAX_ENTRIES);
    const vmStart = Math.max(0, startIndex(context) - context.spCount);
    const all = [context.ctx, ...(event.ids ?? []).filter((c) => c !== context.ctx)];
    return all.slice(vmStart, vmStart + room);
  },
});
const numEntries = (context: PartinfoVcpuContext): number => Math.min(context.spCount, PARTINFO_REG_MAX_ENTRIES) + context.entries.length;
const tagMoved = ({ context, event }: Args): boolean => event.value !== context.tagOut;
const assertLastIndex = assertThat(({ context }: Args) => startIndex(context) + numEntries(context) - 1 <= context.total - 1, LAST_INDEX);
const ghostCheck = send(VM_LIST_ACTOR, ({ context }: Args) => vm.ghostCheck(context.entries, context.total - context.spCount, context.tagOut));
const returnRegs = result(({ context }: Args) => ((context.tagOut * 0x10000 + startIndex(context) + numEntries(context) - 1) * 0x10000 + context.total - 1));

/**
 * The membership block that adds (`ffa_negotiate_version` / `handle_version`) or removes
 * (`ffa_domain_teardown`) the domain: `coherent` is 500ee5fe's one write-locked section.
 */
// A config fragment spliced into two machines of different context types: typed loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function membership(coherent: boolean, add: boolean, onDone: Record<string, unknown>): any {
  const countOp = add ? countInc : countDec;
  const listOp = add ? listAddSelf : listDelSelf;
  const states = coherent
    ? {
        lock: { entry: listWriteLock, on: { [RW_GRANTED]: 'count' } },
        count: { entry: countOp, on: { [VM_ACK]: 'list' } },
        list: { entry: listOp, on: { [VM_ACK]: 'tag' } },
        tag: { entry: tagInc, on: { [VM_ACK]: 'done' } },
        done: { type: 'final' as const, entry: listWriteUnlock },
      }
    : {
        count: { entry: countOp, on: { [VM_ACK]: 'lock' } },
        lock: { entry: listWriteLock, on: { [RW_GRANTED]: 'list' } },
        list: { entry: listOp, on: { [VM_ACK]: 'unlock' } },
        unlock: { entry: [listWriteUnlock, nextSelf], on: { [CPU_NEXT]: 'tag' } },
        tag: { entry: tagInc, on: { [VM_ACK]: 'done' } },
        done: { type: 'final' as const },
      };
  return { initial: coherent ? 'lock' : 'count', states, onDone };
}

const initialContext = ({ input }: { input: PartinfoVcpuInput }): PartinfoVcpuContext => ({
  self: input.self,
  ctx: input.ctx,
  program: [...input.program],
  pc: 0,
  results: [],
  spCount: input.spCount ?? 0,
  otherVms: input.otherVms ?? null,
  vers: 0,
  tmp: 0,
  dstSize: 0,
  vmCount: 0,
  tagOut: 0,
  total: 0,
  entries: [],
});

/** The vCPU machine; see the header for what each option changes. */
export function partinfoVcpuMachine({ perVmNegotiation, coherentMembership, publishAfterList }: PartinfoOptions) {
  const id = `partinfo_vcpu${perVmNegotiation ? '+ad2d3a7d' : ''}${coherentMembership ? '+500ee5fe' : ''}${publishAfterList ? '+publish-after-list' : ''}`;
  // ffa_negotiate_version (ad2d3a7d): the gate before every call while guest_vers is 0.
  const gate = {
    initial: 'read',
    states: {
      read: {
        entry: readVers,
        on: { [VERS_VALUE]: [{ guard: readVersPublished, target: '#body', actions: keepVers }, { target: 'lock' }] },
      },
      lock: { entry: lockGuestVers, on: { [SPIN_GRANTED]: 'state' } },
      state: {
        entry: readVers,
        on: {
          [VERS_VALUE]: [
            { guard: readVersPublished, target: '#body', actions: [keepVers, unlockGuestVers] },
            { guard: isVersion, target: 'setTmp' },
            { guard: noTmp, target: '#dispatch', actions: [unlockGuestVers, returnNotSupported] },
            { target: publishAfterList ? 'membership' : 'publish' },
          ],
        },
      },
      setTmp: { entry: setTmp, on: { [VERS_ACK]: { target: '#dispatch', actions: [unlockGuestVers, returnMyVersion] } } },
      publish: {
        entry: publishVers,
        on: { [VERS_ACK]: publishAfterList ? { target: '#body', actions: unlockGuestVers } : { target: 'membership' } },
      },
      membership: membership(coherentMembership, true, publishAfterList ? { target: 'publish' } : { target: '#body', actions: unlockGuestVers }),
    },
  };
  // handle_version before ad2d3a7d.
  const handleVersion = {
    initial: 'lock',
    states: {
      lock: { entry: lockCtx, on: { [SPIN_GRANTED]: 'swap' } },
      swap: {
        entry: swapVers,
        on: {
          [VERS_VALUE]: [
            { guard: oldWasZero, target: 'membership', actions: unlockCtx },
            { target: '#dispatch', actions: [unlockCtx, returnMyVersion] },
          ],
        },
      },
      membership: membership(coherentMembership, true, { target: '#dispatch', actions: returnMyVersion }),
    },
  };
  // ffa_handle_partition_info_get (identical in every variant).
  const partInfoGet = {
    initial: 'size',
    states: {
      size: { entry: readVers, on: { [VERS_VALUE]: [{ guard: countRequested, target: 'countCheck', actions: keepDstSize }, { target: 'exit', actions: keepDstSize }] } },
      countCheck: { entry: readVers, on: { [VERS_VALUE]: [{ guard: versIs10, target: '#dispatch', actions: returnInvalid }, { target: 'count' }] } },
      count: { entry: countRead, on: { [VM_VALUE]: { target: 'countAdjust', actions: keepVmCount } } },
      countAdjust: { entry: readVers, on: { [VERS_VALUE]: { target: '#dispatch', actions: [adjustVmCount, assertCount, returnCount] } } },
      exit: { entry: readVers, on: { [VERS_VALUE]: { target: '#dispatch', actions: [assertSize, returnSpCount] } } },
    },
  };
  // ffa_handle_partition_info_get_regs for a v1.2 caller, Nil UUID; 500ee5fe adds `tagEnd`.
  const getRegs = {
    initial: 'begin',
    states: {
      begin: { entry: ghostBegin, on: { [VM_ACK]: 'tagOut' } },
      tagOut: {
        entry: tagRead,
        on: {
          [VM_VALUE]: [
            { guard: regsBadInput, target: '#dispatch', actions: [ghostClose, returnInvalid] },
            { guard: regsStaleTag, target: '#dispatch', actions: [ghostClose, returnRetry] },
            { target: 'count', actions: keepTagOut },
          ],
        },
      },
      count: { entry: countRead, on: { [VM_VALUE]: [{ target: 'check', actions: keepTotal }] } },
      check: { always: [{ guard: totalZero, target: '#dispatch', actions: [ghostClose, returnInvalid] }, { target: 'readLock' }] },
      readLock: { entry: listReadLock, on: { [RW_GRANTED]: 'walk' } },
      walk: {
        entry: listWalk,
        on: { [VM_LIST]: coherentMembership ? { target: 'tagEnd', actions: [keepEntries, listReadUnlock] } : { target: '#dispatch', actions: [keepEntries, listReadUnlock, assertLastIndex, ghostCheck, returnRegs] } },
      },
      ...(coherentMembership
        ? {
            tagEnd: {
              entry: tagRead,
              on: {
                [VM_VALUE]: [
                  { guard: tagMoved, target: '#dispatch', actions: [ghostClose, returnRetry] },
                  { target: '#dispatch', actions: [assertLastIndex, ghostCheck, returnRegs] },
                ],
              },
            },
          }
        : {}),
    },
  };
  return createMachine({
    id,
    types: {} as { context: PartinfoVcpuContext; input: PartinfoVcpuInput; events: Message },
    context: initialContext,
    initial: 'idle',
    states: {
      idle: { on: { start: 'dispatch' } },
      dispatch: {
        id: 'dispatch',
        always: [{ guard: programDone, target: 'done' }, perVmNegotiation ? { target: 'gate' } : { target: 'body' }],
      },
      ...(perVmNegotiation ? { gate } : {}),
      body: {
        id: 'body',
        always: [
          perVmNegotiation ? { guard: isVersion, target: '#dispatch', actions: returnMyVersion } : { guard: isVersion, target: 'handleVersion' },
          { guard: isPartInfoGet, target: 'partInfoGet' },
          { guard: isGetRegs, target: 'getRegs' },
          { target: '#dispatch', actions: returnNotSupported },
        ],
      },
      ...(perVmNegotiation ? {} : { handleVersion }),
      partInfoGet,
      getRegs,
      done: { type: 'final' },
    },
  });
}

/** The teardown CPU's context: the ctx of the domain it destroys. */
export interface TeardownContext {
  self: string;
  ctx: string;
}

const teardownContext = ({ input }: { input: TeardownContext }): TeardownContext => ({ self: input.self, ctx: input.ctx });
const versPublished = ({ event }: { event: Message & { vers?: number } }): boolean => (event.vers ?? 0) !== 0;

/**
 * The domctl CPU running `domain_kill` -> `ffa_domain_teardown` (ffa.c, c447b730) for a domain
 * whose vCPUs are paused (they are not actors here): if `ACCESS_ONCE(ctx->guest_vers)`, the
 * membership block that removes it. The RX/TX unmap, notifications and the teardown timer that
 * follow are not modelled. `coherentMembership` as for {@link partinfoVcpuMachine}.
 */
export function teardownMachine({ coherentMembership }: Pick<PartinfoOptions, 'coherentMembership'>) {
  return createMachine({
    id: `ffa_domain_teardown${coherentMembership ? '+500ee5fe' : ''}`,
    types: {} as { context: TeardownContext; input: TeardownContext; events: Message & { vers?: number } },
    context: teardownContext,
    initial: 'idle',
    states: {
      idle: { on: { start: 'read' } },
      read: { entry: readVers, on: { [VERS_VALUE]: [{ guard: versPublished, target: 'membership' }, { target: 'dead' }] } },
      membership: membership(coherentMembership, false, { target: 'dead' }),
      dead: { entry: markTornDown, on: { [VERS_ACK]: 'done' } },
      done: { type: 'final' },
    },
  });
}
