/**
 * C14 — FFA_MSG_SEND2 header double fetch (SCENARIOS.md card C14; upstream c447b730 "Harden
 * SEND2 against invented loads").
 *
 * The race: `ffa_handle_msg_send2` (xen/arch/arm/tee/ffa_msg.c) copies the message header from
 * the guest's TX buffer (`memcpy(&src_msg, tx_buf, sizeof(src_msg))`), validates `msg_offset`
 * and `msg_size` on that copy, and `ffa_msg_send2_vm` then uses them in
 * `memcpy(rx_buf + sizeof(...), src_buf + src_msg->msg_offset, src_msg->msg_size)`. Without a
 * barrier the compiler may re-derive those fields from the live TX mapping instead of the stack
 * copy (an invented load); the guest's other vCPU can rewrite the header in between, so Xen
 * copies a size it never checked: out of bounds in the sender's TX and the receiver's RX.
 *
 * BUGGY is c447b730^ as the compiler may have built it: the payload copy reloads
 * `msg_offset`/`msg_size` from the TX page. FIXED is c447b730: `barrier()` right after the
 * header copy, so validation and use consume the same snapshot. The sender machine is built by
 * one function; the flag changes only the copy step (c14.spec.ts checks it node by node).
 *
 * Actors: g1.v0 runs the SEND2 handler to g2; g1.v1 runs guest code that rewrites the header
 * (msg_size = 4096) in g1's TX page (`g1.tx`, a guest page); both guests' contexts. The
 * destination lookup, `ffa_rx_acquire` and the tx_lock trylock are modelled as upstream has
 * them; the rx_lock is dropped before the copy (C12 is about that; here nobody unmaps).
 *
 * Property: the values used are the values validated (an assertion at the copy), and the copy
 * stays inside the receiver's RX page (an assertion in `g2.ctx`).
 */
import { assign, createMachine } from 'xstate';
import { assertThat, send, type Message } from '../runtime/model.js';
import { ModelError } from '../runtime/errors.js';
import type { SystemSpec } from '../runtime/system.js';
import { SPIN_GRANTED, SPIN_TRYLOCK_RESULT } from '../protocols/spinlock.js';
import { FFA_RET } from '../actors/ffa.js';
import { CTX_VALUE, FFA_CTX_CHECKERS, FFA_PAGE_SIZE, atMostOneLiveMapping, ctxMsg, ctxName, ffaCtxActor, locksReleasedOnReturn } from '../actors/ffaCtx.js';
import { saveRxBuf, send2Guards, send2Steps } from '../actors/send2.js';
import { MEM_VALUE, guestMemoryActor, mem } from '../actors/guestMemory.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/** The one difference between the variants. */
export interface C14Options {
  /** c447b730: barrier() after the header copy; without it the copy step reloads from the TX page. */
  barrierAfterHeaderCopy: boolean;
}

export const C14_OPTIONS: Record<Variant, C14Options> = {
  buggy: { barrierAfterHeaderCopy: false },
  fixed: { barrierAfterHeaderCopy: true },
};

/** sizeof(struct ffa_part_msg_rxtx_1_2). */
export const HDR_SIZE = 48;
/** The header the guest wrote before SEND2: a 64-byte payload right after the header. */
export const INITIAL_HEADER = { msg_offset: HDR_SIZE, msg_size: 64 };
/** What the sibling vCPU writes: a size no check would let through. */
export const REWRITTEN_SIZE = 4096;

export const USED_NOT_VALIDATED = 'SEND2 copies with msg_offset/msg_size other than the values it validated (reloaded from the guest TX page)';

const DST = ctxName('g2');
const TX_PAGE = 'g1.tx';
const LOCAL_STEP = 'cpu.step';

interface SenderContext {
  self: string;
  /** src_msg: the validated header copy. */
  offset: number;
  size: number;
  /** rx_buf: the destination mapping id. */
  buf: number | null;
  ret: number | null;
}
type Args = { context: SenderContext; event: Message };

// Module-level actions and guards, shared by both variants (compared by identity in the spec).
const localStep = send(({ context }: Args) => context.self, { type: LOCAL_STEP });
const { trylockSrcTx, unlockSrcTx, loadSrcTx, loadDstDying, lockDstRx, unlockDstRx, loadDstOwner, claimDstRx, freeDstRx, loadDstBuf } = send2Steps('g1', 'g2');
const { ok, noPages, rxOwned, dying } = send2Guards;
const saveBuf = saveRxBuf<SenderContext>();
const copyHeader = send(TX_PAGE, mem.read());
const num = (v: unknown): number => (typeof v === 'number' ? v : -1);
const saveHeader = assign({ offset: ({ event }: Args) => num(event.msg_offset), size: ({ event }: Args) => num(event.msg_size) });
const retOf = (code: number) => assign({ ret: (_: Args) => code });
const retOk = retOf(FFA_RET.OK);
const retBusy = retOf(FFA_RET.BUSY);
const retDenied = retOf(FFA_RET.DENIED);
const retInvalid = retOf(FFA_RET.INVALID_PARAMETERS);
const retNoMemory = retOf(FFA_RET.NO_MEMORY);
/** msg_offset < sizeof(hdr) || msg_size == 0 || msg_offset > tx_size || msg_size > tx_size - msg_offset */
const headerInvalid = ({ event }: Args): boolean => {
  const off = num(event.msg_offset);
  const size = num(event.msg_size);
  return off < HDR_SIZE || size <= 0 || off > FFA_PAGE_SIZE || size > FFA_PAGE_SIZE - off;
};
/** (rx_size - sizeof(hdr)) < src_msg->msg_size */
const noRoom = ({ context }: Args): boolean => FFA_PAGE_SIZE - HDR_SIZE < context.size;
/** The copy with the snapshot (c447b730) ... */
const copyValidated = send(DST, ({ context }: Args) => ctxMsg.rxWrite('g2', context.buf, HDR_SIZE + context.size));
/** ... or with the fields just reloaded from the TX page (c447b730^, an invented load). */
const copyReloaded = send(DST, ({ context, event }: Args) => ctxMsg.rxWrite('g2', context.buf, HDR_SIZE + num(event.msg_size)));
const assertReloadedEqualsValidated = assertThat(
  ({ context, event }: Args) => num(event.msg_offset) === context.offset && num(event.msg_size) === context.size,
  USED_NOT_VALIDATED,
);

/** g1.v0: `ffa_handle_msg_send2` -> `ffa_msg_send2_vm` to g2. */
export function c14SenderMachine({ barrierAfterHeaderCopy }: C14Options) {
  const exit = (code: ReturnType<typeof retOf>, ...unlocks: Array<typeof unlockSrcTx>) => ({ target: '#done', actions: [...unlocks, unlockSrcTx, code] });
  const finish = [unlockSrcTx, retOk];
  return createMachine({
    id: 'c14.send2',
    types: {} as { context: SenderContext; events: Message; input: { self: string } },
    context: ({ input }) => ({ self: input.self, offset: -1, size: -1, buf: null, ret: null }),
    initial: 'idle',
    states: {
      idle: { on: { start: 'txAcquire' } },
      txAcquire: { entry: trylockSrcTx, on: { [SPIN_TRYLOCK_RESULT]: [{ guard: ok, target: 'txBuf' }, { target: 'done', actions: retBusy }] } },
      txBuf: { entry: loadSrcTx, on: { [CTX_VALUE]: [{ guard: noPages, ...exit(retDenied) }, { target: 'header' }] } },
      // memcpy(&src_msg, tx_buf, sizeof(src_msg)); [barrier();] then validate the copy
      header: { entry: copyHeader, on: { [MEM_VALUE]: [{ guard: headerInvalid, ...exit(retInvalid) }, { target: 'lookup', actions: saveHeader }] } },
      lookup: { entry: loadDstDying, on: { [CTX_VALUE]: [{ guard: dying, ...exit(retInvalid) }, { target: 'rxLock' }] } },
      rxLock: { entry: lockDstRx, on: { [SPIN_GRANTED]: 'rxCheck' } },
      rxCheck: {
        entry: loadDstOwner,
        on: {
          [CTX_VALUE]: [
            { guard: noPages, ...exit(retDenied, unlockDstRx) },
            { guard: rxOwned, ...exit(retBusy, unlockDstRx) },
            { target: 'rxBuf', actions: claimDstRx },
          ],
        },
      },
      // *buf = ctx->rx; spin_unlock; then if ( (rx_size - sizeof(hdr)) < src_msg->msg_size ) NO_MEMORY +
      // ffa_rx_release (folded into the locked step: unreachable with a validated size anyway).
      rxBuf: {
        entry: loadDstBuf,
        on: { [CTX_VALUE]: [{ guard: noRoom, ...exit(retNoMemory, freeDstRx, unlockDstRx) }, { target: 'copy', actions: [saveBuf, unlockDstRx] }] },
      },
      // memcpy(rx_buf + sizeof(hdr), src_buf + src_msg->msg_offset, src_msg->msg_size)
      copy: barrierAfterHeaderCopy
        ? { entry: localStep, on: { [LOCAL_STEP]: { target: 'done', actions: [copyValidated, ...finish] } } }
        : { entry: copyHeader, on: { [MEM_VALUE]: { target: 'done', actions: [assertReloadedEqualsValidated, copyReloaded, ...finish] } } },
      done: { id: 'done', type: 'final' },
    },
  });
}

/** g1.v1: guest code storing a new msg_size into its own TX buffer. */
export function c14SiblingMachine() {
  return createMachine({
    id: 'c14.sibling',
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'done', actions: send(TX_PAGE, mem.write({ msg_size: REWRITTEN_SIZE })) } } },
      done: { type: 'final' },
    },
  });
}

/**
 * The C14 system: g1.v0 sends, g1.v1 rewrites the header, g1's TX page, both contexts. With
 * `siblings` > 1, more vCPUs of g1 (g1.v2, ...) rewrite it too.
 */
export function c14System(options: C14Options, name = 'custom', siblings = 1): SystemSpec {
  if (!Number.isInteger(siblings) || siblings < 1) throw new ModelError(`C14: siblings must be a positive integer, got ${String(siblings)}`);
  const cpus = [
    { name: 'g1.v0', machine: c14SenderMachine(options), input: { self: 'g1.v0' } },
    ...Array.from({ length: siblings }, (_, i) => ({ name: `g1.v${i + 1}`, machine: c14SiblingMachine() })),
  ];
  return {
    name: `C14-${name}${siblings > 1 ? `-${siblings}s` : ''}`,
    actors: [...cpus, guestMemoryActor(TX_PAGE, INITIAL_HEADER), ffaCtxActor('g1', { mapped: true }), ffaCtxActor('g2', { mapped: true })],
    initialMessages: cpus.map((c) => ({ to: c.name, event: { type: 'start' } })),
    invariants: [atMostOneLiveMapping, locksReleasedOnReturn],
    checkers: FFA_CTX_CHECKERS,
  };
}

const TITLE = 'SEND2 header double fetch: validated values vs used values';
const SOURCE: Record<Variant, string> = {
  buggy: 'upstream c447b730^ ffa_msg.c ffa_handle_msg_send2 (header memcpy, no barrier) -> ffa_msg_send2_vm memcpy with src_msg->msg_offset/msg_size (since 98af565b)',
  fixed: 'upstream c447b730 "xen/arm: ffa: Harden SEND2 against invented loads": barrier() after the header copy',
};

function entry(variant: Variant): CatalogueEntry {
  return {
    id: 'C14',
    variant,
    config: '2 guests, sender with 2 vCPUs',
    key: `C14/${variant}/2g`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c14System(C14_OPTIONS[variant], variant),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'verified' },
  };
}

/** C14's catalogue entries. */
export const c14Entries: CatalogueEntry[] = [entry('buggy'), entry('fixed')];

/**
 * The larger configuration, explored with PCT: three sibling vCPUs rewrite the header (BFS: 1,032
 * states for FIXED). BUGGY: the copy uses a size it did not validate; FIXED: PCT finds nothing,
 * which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant),
    config: '2 guests, sender with 4 vCPUs (PCT)',
    key: `C14/${variant}/4v-pct`,
    build: () => c14System(C14_OPTIONS[variant], variant, 3),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C14's larger configuration, buggy and fixed, explored with PCT. */
export const c14PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
