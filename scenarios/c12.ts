/**
 * C12 — FFA_MSG_SEND2 into another VM vs that VM's RX buffer being unmapped (SCENARIOS.md card
 * C12; an unconfirmed upstream suspect, VM-to-VM only: CONFIG_FFA_VM_TO_VM).
 *
 * Modelled as upstream stands (mirror HEAD c447b730):
 *
 * - sender, guest g1 (ffa_msg.c `ffa_handle_msg_send2` l.232-353 -> `ffa_msg_send2_vm`
 *   l.164-230): `ffa_tx_acquire(src)` (trylock src tx_lock); `ffa_endpoint_domain_lookup`
 *   (ffa.c l.492: `rcu_lock_live_remote_domain_by_id`, -EINVAL if `is_dying`);
 *   `ffa_rx_acquire(dst_ctx, &rx_buf, &rx_size)` (ffa_rxtx.c: takes dst rx_lock, checks
 *   page_count and rx_is_free, sets `rx_is_free = false`, loads ctx->rx, DROPS rx_lock); then,
 *   with no dst lock held, writes the header and `memcpy(rx_buf + ..., ...)` (l.197-210);
 * - `kill`: the toolstack's `domain_kill(g2)` (common/domain.c: domain_pause, `is_dying =
 *   DOMDYING_dying`, `domain_teardown` -> `ffa_domain_teardown` (ffa.c l.635) ->
 *   `ffa_rxtx_domain_destroy` -> `rxtx_unmap(d, true)`): under rx_lock -> tx_lock, a teardown
 *   unmap does not refuse when `!rx_is_free` (309e8edf made only the guest's own RXTX_UNMAP
 *   refuse), it sends FFA_RX_RELEASE and unmaps and puts the page;
 * - `release-unmap`: the destination guest itself, vCPU g2.v0, calls FFA_RX_RELEASE
 *   (`ffa_rx_release`: allowed whenever `!rx_is_free`, so also while a sender fills) and then
 *   FFA_RXTX_UNMAP (allowed now that `rx_is_free`).
 *
 * Verdict, from the explorer (c12.spec.ts pins the traces): a real race in both configurations.
 * The sender passes the dying check and takes RX ownership; the killer (or the receiver's own
 * RX_RELEASE + RXTX_UNMAP) then gets rx_lock, calls `unmap_domain_page_global` and drops the
 * page reference (`put_page`); the sender's memcpy then writes through the stale `rx_buf`. What
 * that write does, on arm64 (FF-A `depends on ARM_64`): the mapping was the directmap
 * (`__map_domain_page_global` is `page_to_virt`, `unmap_domain_page_global` does nothing), so
 * there is no fault: up to a page of header and payload lands in a page Xen no longer holds a
 * reference to. The receiver may have handed that page back to Xen meanwhile, or, after
 * `domain_kill`, `domain_relinquish_resources` frees it: then the write corrupts whatever the
 * page was reallocated for (another domain's memory, a Xen heap page). The model reports it as
 * a use-after-free of the page reference (kind `use-after-free`: actors/ffaCtx.ts
 * `rxPageObj`). Nothing else orders the two: the RCU read lock the sender holds keeps `struct
 * domain` alive, not the page; `domain_pause(g2)` stops g2's vCPUs, not g1's; the ownership
 * flag cannot tell "the guest owns RX" from "a sender is filling it". The second configuration
 * needs no privileged killer: a receiving guest can make Xen write into a page it has let go.
 * The same window exists for a guest's own PARTITION_INFO_GET: a sibling vCPU's RX_RELEASE
 * (allowed whenever `!rx_is_free`) hands the buffer back while Xen still fills it, and its
 * RXTX_UNMAP is then allowed (C3's `partinfo-release-unmap` configuration). Only `domain_kill`
 * cannot hit a guest's own call: `domain_pause` waits for the guest's vCPUs to leave Xen.
 *
 * FIXED is a PROPOSED fix, not upstream, the same one C3 proposes for PARTITION_INFO_GET: the
 * SEND2 VM path keeps the destination rx_lock from `ffa_rx_acquire` until the header and payload
 * are written (an acquire variant that returns with the lock held, and a `spin_unlock` after the
 * memcpy). Teardown's `rxtx_unmap`, and the
 * receiver's RX_RELEASE and RXTX_UNMAP, all take rx_lock first, so they now run before the
 * fill (and then find RX free or deny) or after it. The lock order is unchanged (source tx_lock
 * -> destination rx_lock, as today); what grows is only the rx_lock hold time, by one bounded
 * memcpy of at most a page.
 *
 * Not modelled (they do not change who can interleave where): the TX header (C14 covers it; here
 * it is valid and addresses g2), `guest_vers` (published), the SMCs to the SPMC (issued with the
 * locks held), the VM list removal in `ffa_domain_teardown`, `ffa_raise_rx_buffer_full`.
 *
 * Properties: as C3 — nobody writes into an RX page after Xen put its reference (use-after-free
 * checker), at most one live mapping, ctx fields only under their locks (checker), no lock held
 * after return.
 */
import { assign, createMachine } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { send, type Message } from '../runtime/model.js';
import type { ActorSpec, SystemSpec } from '../runtime/system.js';
import { SPIN_GRANTED, SPIN_TRYLOCK_RESULT, spin } from '../protocols/spinlock.js';
import { FFA_RET } from '../actors/ffa.js';
import {
  CTX_VALUE,
  FFA_CTX_CHECKERS,
  TX_LOCK,
  atMostOneLiveMapping,
  ctxMsg,
  ctxName,
  ffaCtxActor,
  locksReleasedOnReturn,
} from '../actors/ffaCtx.js';
import { saveRxBuf, send2Guards, send2Steps } from '../actors/send2.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/** Who unmaps the destination's RX buffer while the sender fills it. */
export type C12Config = 'kill' | 'release-unmap' | 'kill+release-unmap';

/** The one difference between the variants. */
export interface C12Options {
  /** PROPOSED: ffa_msg_send2_vm keeps the destination rx_lock until the copy is done. */
  holdRxLockWhileFilling: boolean;
}

export const C12_OPTIONS: Record<Variant, C12Options> = {
  buggy: { holdRxLockWhileFilling: false },
  fixed: { holdRxLockWhileFilling: true },
};

const DST = ctxName('g2');
/** struct ffa_part_msg_rxtx_1_2 (48 bytes) plus a 64-byte payload. */
const MSG_END = 48 + 64;
const LOCAL_STEP = 'cpu.step';

interface CpuContext {
  self: string;
  /** rx_buf: the destination mapping id ffa_rx_acquire returned. */
  buf: number | null;
  /** What each call returned to the guest. */
  rets: number[];
}
type Args = { context: CpuContext; event: Message };

// Module-level actions and guards, shared by both variants (compared by identity in the spec).
const localStep = send(({ context }: Args) => context.self, { type: LOCAL_STEP });
const { trylockSrcTx, unlockSrcTx, loadSrcTx, loadDstDying, lockDstRx, unlockDstRx, loadDstOwner, claimDstRx, freeDstRx, loadDstBuf } = send2Steps('g1', 'g2');
const { ok, noPages, rxOwned, dying } = send2Guards;
const saveBuf = saveRxBuf<CpuContext>();
const ret = (code: number) => assign({ rets: ({ context }: Args) => [...context.rets, code] });
const retOk = ret(FFA_RET.OK);
const retBusy = ret(FFA_RET.BUSY);
const retDenied = ret(FFA_RET.DENIED);
const retInvalid = ret(FFA_RET.INVALID_PARAMETERS);
const rxFree = ({ event }: Args): boolean => event.rx_is_free === true;

// The sender's steps on its own ctx (g1) and on the destination's (g2).
const lockDstTx = send(DST, spin.acquire(TX_LOCK));
const unlockDstTx = send(DST, spin.release(TX_LOCK));
const fillDstRx = send(DST, ({ context }: Args) => ctxMsg.rxWrite('g2', context.buf, MSG_END));
const setDstDying = send(DST, ctxMsg.write({ is_dying: true }));
const unmapDst = send(DST, ctxMsg.unmap());

/** g1.v0: FFA_MSG_SEND2 to g2, `ffa_handle_msg_send2` -> `ffa_msg_send2_vm`. */
export function c12SenderMachine({ holdRxLockWhileFilling }: C12Options) {
  const exit = (code: ReturnType<typeof ret>, ...unlocks: Array<typeof unlockSrcTx>) => ({ target: '#done', actions: [...unlocks, unlockSrcTx, code] });
  return createMachine({
    id: 'c12.send2',
    types: {} as { context: CpuContext; events: Message; input: { self: string } },
    context: ({ input }) => ({ self: input.self, buf: null, rets: [] }),
    initial: 'idle',
    states: {
      idle: { on: { start: 'txAcquire' } },
      // ffa_tx_acquire(src_ctx): trylock, then page_count and tx under tx_lock.
      txAcquire: {
        entry: trylockSrcTx,
        on: { [SPIN_TRYLOCK_RESULT]: [{ guard: ok, target: 'txBuf' }, { target: 'done', actions: retBusy }] },
      },
      txBuf: { entry: loadSrcTx, on: { [CTX_VALUE]: [{ guard: noPages, ...exit(retDenied) }, { target: 'lookup' }] } },
      // ffa_endpoint_domain_lookup -> rcu_lock_live_remote_domain_by_id: -EINVAL if dying.
      lookup: { entry: loadDstDying, on: { [CTX_VALUE]: [{ guard: dying, ...exit(retInvalid) }, { target: 'rxLock' }] } },
      // ffa_rx_acquire(dst_ctx, &rx_buf, &rx_size)
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
      // *buf = ctx->rx; spin_unlock(&ctx->rx_lock) -- PROPOSED: keep it until the copy is done.
      rxBuf: { entry: loadDstBuf, on: { [CTX_VALUE]: { target: 'copy', actions: holdRxLockWhileFilling ? [saveBuf] : [saveBuf, unlockDstRx] } } },
      // dst_msg->... = ...; memcpy(rx_buf + sizeof(...), src_buf + msg_offset, msg_size)
      copy: {
        entry: localStep,
        on: { [LOCAL_STEP]: { target: 'done', actions: holdRxLockWhileFilling ? [fillDstRx, unlockDstRx, unlockSrcTx, retOk] : [fillDstRx, unlockSrcTx, retOk] } },
      },
      done: { id: 'done', type: 'final' },
    },
  });
}

/** dom0 (a toolstack CPU): `domain_kill(g2)` as far as FF-A goes: is_dying, then `rxtx_unmap(g2, true)`. */
export function c12KillerMachine() {
  return createMachine({
    id: 'c12.domain_kill',
    types: {} as { context: CpuContext; events: Message; input: { self: string } },
    context: ({ input }) => ({ self: input.self, buf: null, rets: [] }),
    initial: 'idle',
    states: {
      // domain_pause(d); d->is_dying = DOMDYING_dying; ... domain_teardown -> ffa_domain_teardown
      idle: { on: { start: { target: 'lockRx', actions: setDstDying } } },
      lockRx: { entry: lockDstRx, on: { [SPIN_GRANTED]: 'lockTx' } },
      lockTx: { entry: lockDstTx, on: { [SPIN_GRANTED]: 'check' } },
      // rxtx_unmap(d, true): !page_count -> INVALID; !rx_is_free && teardown -> FFA_RX_RELEASE, go on.
      check: {
        entry: loadDstOwner,
        on: {
          [CTX_VALUE]: [
            { guard: noPages, target: 'done', actions: [unlockDstTx, unlockDstRx, retInvalid] },
            { target: 'done', actions: [unmapDst, unlockDstTx, unlockDstRx, retOk] },
          ],
        },
      },
      done: { type: 'final' },
    },
  });
}

/** g2.v0: FFA_RX_RELEASE (`ffa_rx_release`), then FFA_RXTX_UNMAP (`rxtx_unmap(d, false)`). */
export function c12ReceiverMachine() {
  return createMachine({
    id: 'c12.release-unmap',
    types: {} as { context: CpuContext; events: Message; input: { self: string } },
    context: ({ input }) => ({ self: input.self, buf: null, rets: [] }),
    initial: 'idle',
    states: {
      idle: { on: { start: 'release' } },
      release: {
        initial: 'lockRx',
        states: {
          lockRx: { entry: lockDstRx, on: { [SPIN_GRANTED]: 'check' } },
          // !page_count || rx_is_free -> DENIED; [FFA_RX_RELEASE SMC]; rx_is_free = true
          check: {
            entry: loadDstOwner,
            on: {
              [CTX_VALUE]: [
                { guard: (a: Args) => noPages(a) || rxFree(a), target: '#unmap', actions: [unlockDstRx, retDenied] },
                { target: '#unmap', actions: [freeDstRx, unlockDstRx, retOk] },
              ],
            },
          },
        },
      },
      unmap: {
        id: 'unmap',
        initial: 'lockRx',
        states: {
          lockRx: { entry: lockDstRx, on: { [SPIN_GRANTED]: 'lockTx' } },
          lockTx: { entry: lockDstTx, on: { [SPIN_GRANTED]: 'check' } },
          check: {
            entry: loadDstOwner,
            on: {
              [CTX_VALUE]: [
                { guard: noPages, target: '#rdone', actions: [unlockDstTx, unlockDstRx, retInvalid] },
                { guard: rxOwned, target: '#rdone', actions: [unlockDstTx, unlockDstRx, retDenied] },
                { target: '#rdone', actions: [unmapDst, unlockDstTx, unlockDstRx, retOk] },
              ],
            },
          },
        },
      },
      done: { id: 'rdone', type: 'final' },
    },
  });
}

/** The C12 system: sender g1.v0, the unmapper(s) (dom0, g2.v0, or both), and both guests' contexts. */
export function c12System(config: C12Config, options: C12Options, name = 'custom'): SystemSpec {
  const killer: ActorSpec = { name: 'dom0', machine: c12KillerMachine(), input: { self: 'dom0' } };
  const receiver: ActorSpec = { name: 'g2.v0', machine: c12ReceiverMachine(), input: { self: 'g2.v0' } };
  const unmappers: Record<C12Config, ActorSpec[]> = { kill: [killer], 'release-unmap': [receiver], 'kill+release-unmap': [killer, receiver] };
  if (!Object.hasOwn(unmappers, config)) throw new ModelError(`C12: unknown configuration '${String(config)}'; use kill, release-unmap or kill+release-unmap`);
  const cpus: ActorSpec[] = [{ name: 'g1.v0', machine: c12SenderMachine(options), input: { self: 'g1.v0' } }, ...unmappers[config]];
  return {
    name: `C12-${name}-${config}`,
    actors: [...cpus, ffaCtxActor('g1', { mapped: true }), ffaCtxActor('g2', { mapped: true })],
    initialMessages: cpus.map((c) => ({ to: c.name, event: { type: 'start' } })),
    invariants: [atMostOneLiveMapping, locksReleasedOnReturn],
    checkers: FFA_CTX_CHECKERS,
  };
}

const TITLE = 'SEND2 into another VM vs teardown or the receiver unmapping its RX (unconfirmed suspect)';
const SOURCE: Record<Variant, string> = {
  buggy: 'upstream c447b730 (mirror HEAD): ffa_msg.c ffa_msg_send2_vm l.164-230, ffa.c ffa_endpoint_domain_lookup l.492 and ffa_domain_teardown l.635, ffa_rxtx.c ffa_rx_acquire, ffa_rx_release, rxtx_unmap(d, teardown)',
  fixed: 'PROPOSED (not upstream): ffa_msg_send2_vm holds the destination rx_lock from ffa_rx_acquire until the copy is written',
};

function entry(variant: Variant, config: C12Config): CatalogueEntry {
  return {
    id: 'C12',
    variant,
    config: config === 'kill' ? '2 guests + dom0: domain_kill' : '2 guests: receiver RX_RELEASE + RXTX_UNMAP',
    key: `C12/${variant}/${config}`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c12System(config, C12_OPTIONS[variant], variant),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'use-after-free' } : { verdict: 'verified' },
    explore: { maxViolations: 10 },
  };
}

/** C12's catalogue entries: upstream as it stands (buggy) and the proposed fix, both configurations. */
export const c12Entries: CatalogueEntry[] = [entry('buggy', 'kill'), entry('fixed', 'kill'), entry('buggy', 'release-unmap'), entry('fixed', 'release-unmap')];

/**
 * The larger configuration, explored with PCT: the sender against dom0's domain_kill and the
 * receiver's RX_RELEASE + RXTX_UNMAP at once (BFS: 2,230 states for FIXED). BUGGY: a write into
 * the page after Xen put it; FIXED: PCT finds nothing, which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  const config = 'kill+release-unmap';
  return {
    ...entry(variant, config),
    config: '2 guests + dom0: domain_kill and RX_RELEASE + RXTX_UNMAP (PCT)',
    key: `C12/${variant}/kill+release-unmap-pct`,
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'use-after-free' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C12's larger configuration, buggy and fixed, explored with PCT. */
export const c12PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
