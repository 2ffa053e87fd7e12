/**
 * C3 — a guest racing RXTX_MAP and RXTX_UNMAP on its own buffers (SCENARIOS.md card C3).
 *
 * The race: two vCPUs of one guest. (a) Both call FFA_RXTX_MAP_64, both load `ctx->rx == NULL`
 * and both map: the RX page is mapped twice and one mapping (with its page references) leaks.
 * (b) vCPU0's FFA_PARTITION_INFO_GET takes RX ownership in `ffa_rx_acquire` (`rx_is_free =
 * false`, lock dropped) and then fills `ctx->rx`, while vCPU1's FFA_RXTX_UNMAP unmaps the page:
 * a write after unmap.
 *
 * (c) Still open upstream (configuration `partinfo-release-unmap`, found by an audit, 2026-11):
 * 309e8edf makes the guest's own RXTX_UNMAP wait for `rx_is_free`, but `ffa_rx_release` sets
 * `rx_is_free` whenever it is false, and it is false both when the guest owns the buffer and
 * while Xen fills it. So vCPU1 calls FFA_RX_RELEASE while vCPU0's PARTITION_INFO_GET is between
 * `ffa_rx_acquire` and its copies (`ffa_get_sp_partinfo`, `ffa_get_vm_partinfo`, no lock held),
 * then FFA_RXTX_UNMAP, which `rxtx_unmap(d, false)` now allows: it puts the page, and vCPU0's
 * copies then write into a page Xen no longer holds a reference to. On arm64 (FF-A `depends on
 * ARM_64`) `unmap_domain_page_global` does nothing, so there is no fault: the bytes land in
 * whatever the page has become (the guest may give it back to Xen at once). Kind:
 * `use-after-free` of the page reference (actors/ffaCtx.ts `rxPageObj`).
 *
 * Sources: BUGGY is xen/arch/arm/tee/ffa_rxtx.c and ffa_partinfo.c at a3075e2f^ (seed 004's
 * review, Bertrand: "we might have a race condition between in rxtx_map and unmap"): map and
 * unmap take no lock, partinfo loads `ctx->rx` and `ctx->page_count` after `ffa_rx_acquire`
 * dropped rx_lock, unmap does not look at `rx_is_free`. FIXED is upstream c447b730, reached by
 * three commits, one flag each in {@link C3Patches}:
 *
 * - a3075e2f `ffa_handle_rxtx_map` / `rxtx_unmap`: rx_lock -> tx_lock around check and (un)map;
 * - 3528248b `ffa_rx_acquire(ctx, &buf, &size)`: the pointer is loaded inside the locked section;
 * - 309e8edf `rxtx_unmap(d, false)`: DENIED while `!rx_is_free`.
 *
 * and, for (c), a PROPOSED fix (not upstream), the fourth flag: PARTITION_INFO_GET keeps rx_lock
 * from `ffa_rx_acquire` until its copies are written, as C12 proposes for FFA_MSG_SEND2 (one
 * fix for both writers of a guest's RX buffer). FFA_RX_RELEASE and RXTX_UNMAP take rx_lock
 * first, so they run before the fill (and find the buffer free: DENIED, then the unmap makes
 * the fill's acquire fail) or after it. The lock order grows by rx_lock -> `ffa_ctx_list_rwlock`
 * (read), taken by `ffa_get_vm_partinfo` under it; no path takes them the other way round.
 *
 * The vCPU machine below is built from one function; each flag adds or changes exactly the
 * states its commit touched (c3.spec.ts compares the machines node by node). The SPMC is a
 * firmware without FFA_RX_ACQUIRE, so no RXTX_MAP/UNMAP SMC is forwarded: those SMCs run with
 * both locks held in FIXED and add a step without changing who can interleave where.
 *
 * Properties: nobody writes into the RX page after Xen put its reference (use-after-free
 * checker) or through a NULL `ctx->rx` (assertion in the ctx); at most one live mapping (invariant); rx/tx/page_count touched only under their lock (checker, kind
 * `data-race`); a vCPU whose hypercall returned holds no lock (invariant).
 */
import { assign, createMachine } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { send, type Message } from '../runtime/model.js';
import type { SystemSpec } from '../runtime/system.js';
import { SPIN_GRANTED, spin } from '../protocols/spinlock.js';
import { FFA_RET } from '../actors/ffa.js';
import {
  CTX_VALUE,
  FFA_CTX_CHECKERS,
  RX_LOCK,
  TX_LOCK,
  atMostOneLiveMapping,
  ctxMsg,
  ctxName,
  ffaCtxActor,
  locksReleasedOnReturn,
} from '../actors/ffaCtx.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/**
 * The three upstream commits between BUGGY and FIXED (all false is BUGGY, all true FIXED), and
 * the PROPOSED fix of configuration `partinfo-release-unmap` (false in both: upstream has none).
 */
export interface C3Patches {
  /** a3075e2f: RXTX_MAP and RXTX_UNMAP run under rx_lock -> tx_lock. */
  lockMapUnmap: boolean;
  /** 3528248b: the RX pointer comes back from ffa_rx_acquire, loaded under rx_lock. */
  bufferFromAcquire: boolean;
  /** 309e8edf: a non-teardown RXTX_UNMAP is DENIED while the guest owns RX. */
  denyUnmapWhileOwned: boolean;
  /** PROPOSED (not upstream): PARTITION_INFO_GET holds rx_lock from ffa_rx_acquire until the copies are done. */
  holdRxLockWhileFilling: boolean;
}

export const C3_PATCHES: Record<Variant, C3Patches> = {
  buggy: { lockMapUnmap: false, bufferFromAcquire: false, denyUnmapWhileOwned: false, holdRxLockWhileFilling: false },
  fixed: { lockMapUnmap: true, bufferFromAcquire: true, denyUnmapWhileOwned: true, holdRxLockWhileFilling: false },
};

/** The FF-A calls a C3 vCPU can make (`release-unmap`: FFA_RX_RELEASE, then FFA_RXTX_UNMAP). */
export type C3Call = 'map' | 'unmap' | 'partinfo' | 'release-unmap';

/**
 * The configurations of the card, and a larger one for PCT: four vCPUs of the guest, two
 * reading the partition list while one unmaps and one maps again (buffers mapped at the start).
 */
export type C3Config = 'map-map' | 'partinfo-unmap' | 'partinfo-release-unmap' | 'partinfo-unmap-map-partinfo';

const CALLS: Record<C3Config, C3Call[]> = {
  'map-map': ['map', 'map'],
  'partinfo-unmap': ['partinfo', 'unmap'],
  'partinfo-release-unmap': ['partinfo', 'release-unmap'],
  'partinfo-unmap-map-partinfo': ['partinfo', 'unmap', 'map', 'partinfo'],
};

/**
 * The code an entry runs: the card's historic BUGGY and FIXED, except in `partinfo-release-unmap`,
 * where BUGGY is upstream c447b730 (C3_PATCHES.fixed) and FIXED is upstream plus the PROPOSED fix.
 */
export function c3Code(config: C3Config, variant: Variant): C3Patches {
  if (config !== 'partinfo-release-unmap') return C3_PATCHES[variant];
  return { ...C3_PATCHES.fixed, holdRxLockWhileFilling: variant === 'fixed' };
}

const GUEST = 'g1';
const CTX = ctxName(GUEST);
/** Two 24-byte partition info entries (FF-A 1.1) written into the guest's RX buffer. */
const PARTINFO_BYTES = 48;
/** The message a CPU sends itself to take a step of its own. */
const LOCAL_STEP = 'cpu.step';

interface CpuContext {
  /** The actor's own name, for local steps (a message to itself). */
  self: string;
  /** The RX mapping id the call got from ctx->rx (the `dst_buf` pointer). */
  buf: number | null;
  /** What the call returned to the guest (an FFA_RET code); null while it runs. */
  ret: number | null;
}
type Args = { context: CpuContext; event: Message };

// Module-level actions and guards, shared by every variant (compared by identity in the spec).
const lockRx = send(CTX, spin.acquire(RX_LOCK));
const lockTx = send(CTX, spin.acquire(TX_LOCK));
const unlockRx = send(CTX, spin.release(RX_LOCK));
const unlockTx = send(CTX, spin.release(TX_LOCK));
const loadRx = send(CTX, ctxMsg.read('rx'));
const loadPageCount = send(CTX, ctxMsg.read('page_count'));
const loadPageCountAndOwner = send(CTX, ctxMsg.read('page_count', 'rx_is_free'));
const loadBuf = send(CTX, ctxMsg.read('rx', 'page_count'));
const claimRx = send(CTX, ctxMsg.write({ rx_is_free: false }));
const mapPages = send(CTX, ctxMsg.map());
const unmapPages = send(CTX, ctxMsg.unmap());
const saveBuf = assign({ buf: ({ event }: Args) => (typeof event.rx === 'number' ? event.rx : null) });
const fillRx = send(CTX, ({ context }: Args) => ctxMsg.rxWrite(GUEST, context.buf, PARTINFO_BYTES));
const releaseRx = send(CTX, ctxMsg.write({ rx_is_free: true }));
/** A step of the CPU's own (a message to itself): other CPUs may run between this and the next. */
const localStep = send(({ context }: Args) => context.self, { type: LOCAL_STEP });
const retOk = assign({ ret: FFA_RET.OK });
const retDenied = assign({ ret: FFA_RET.DENIED });
const retBusy = assign({ ret: FFA_RET.BUSY });
const retInvalid = assign({ ret: FFA_RET.INVALID_PARAMETERS });
const rxMapped = ({ event }: Args): boolean => event.rx !== null;
const noPages = ({ event }: Args): boolean => event.page_count === 0;
const rxOwned = ({ event }: Args): boolean => event.rx_is_free === false;
const noPagesOrFree = ({ event }: Args): boolean => event.page_count === 0 || event.rx_is_free === true;

/** rx_lock then tx_lock, as a3075e2f takes them, then `next`. */
function lockBoth(next: string) {
  return {
    lockRx: { entry: lockRx, on: { [SPIN_GRANTED]: 'lockTx' } },
    lockTx: { entry: lockTx, on: { [SPIN_GRANTED]: next } },
  };
}

/** `ffa_handle_rxtx_map` from the alignment checks on (the SPMC is not told: no RX_ACQUIRE). */
function mapStates({ lockMapUnmap }: C3Patches) {
  const unlock = lockMapUnmap ? [unlockTx, unlockRx] : [];
  return {
    initial: lockMapUnmap ? 'lockRx' : 'check',
    states: {
      ...(lockMapUnmap ? lockBoth('check') : {}),
      // if ( ctx->rx ) DENIED; get_page_from_gfn x2; __map_domain_page_global x2; ctx->rx = ...
      check: {
        entry: loadRx,
        on: {
          [CTX_VALUE]: [
            { guard: rxMapped, target: '#done', actions: [retDenied, ...unlock] },
            { target: '#done', actions: [mapPages, ...unlock, retOk] },
          ],
        },
      },
    },
  };
}

/** `rxtx_unmap(d, false)`, as `ffa_handle_rxtx_unmap` calls it. */
function unmapStates({ lockMapUnmap, denyUnmapWhileOwned }: C3Patches) {
  const unlock = lockMapUnmap ? [unlockTx, unlockRx] : [];
  return {
    initial: lockMapUnmap ? 'lockRx' : 'check',
    states: {
      ...(lockMapUnmap ? lockBoth('check') : {}),
      check: {
        entry: denyUnmapWhileOwned ? loadPageCountAndOwner : loadPageCount,
        on: {
          [CTX_VALUE]: [
            { guard: noPages, target: '#done', actions: [retInvalid, ...unlock] },
            ...(denyUnmapWhileOwned ? [{ guard: rxOwned, target: '#done', actions: [retDenied, ...unlock] }] : []),
            { target: '#done', actions: [unmapPages, ...unlock, retOk] },
          ],
        },
      },
    },
  };
}

/**
 * The RX half of `ffa_handle_partition_info_get`: `ffa_rx_acquire`, then the VM entries are
 * written into the guest's RX buffer, which the guest then owns until FFA_RX_RELEASE.
 */
function partinfoStates({ bufferFromAcquire, holdRxLockWhileFilling }: C3Patches) {
  // PROPOSED: keep rx_lock through the copies (only meaningful on top of 3528248b).
  const hold = bufferFromAcquire && holdRxLockWhileFilling;
  return {
    initial: 'lockRx',
    states: {
      lockRx: { entry: lockRx, on: { [SPIN_GRANTED]: 'check' } },
      // ffa_rx_acquire: !page_count -> DENIED; !rx_is_free -> BUSY; rx_is_free = false
      check: {
        entry: loadPageCountAndOwner,
        on: {
          [CTX_VALUE]: [
            { guard: noPages, target: '#done', actions: [retDenied, unlockRx] },
            { guard: rxOwned, target: '#done', actions: [retBusy, unlockRx] },
            // a3075e2f^: spin_unlock here; dst_buf = ctx->rx later. 3528248b: *buf = ctx->rx first.
            { target: 'getBuf', actions: bufferFromAcquire ? [claimRx] : [claimRx, unlockRx] },
          ],
        },
      },
      getBuf: {
        entry: loadBuf,
        on: { [CTX_VALUE]: { target: 'fill', actions: bufferFromAcquire && !hold ? [saveBuf, unlockRx] : [saveBuf] } },
      },
      // ffa_get_sp_partinfo, ffa_get_vm_partinfo: the entries are written after rx_lock is
      // dropped (PROPOSED: before it is), in steps of the CPU's own.
      fill: { entry: localStep, on: { [LOCAL_STEP]: { target: '#done', actions: hold ? [fillRx, unlockRx, retOk] : [fillRx, retOk] } } },
    },
  };
}

/**
 * FFA_RX_RELEASE (`ffa_rx_release`: DENIED if nothing is mapped or the buffer is already free;
 * no FFA_RX_RELEASE SMC with this firmware; `rx_is_free = true`), then FFA_RXTX_UNMAP.
 */
function releaseUnmapStates(patches: C3Patches) {
  return {
    initial: 'release',
    states: {
      release: {
        initial: 'lockRx',
        states: {
          lockRx: { entry: lockRx, on: { [SPIN_GRANTED]: 'check' } },
          check: {
            entry: loadPageCountAndOwner,
            on: {
              [CTX_VALUE]: [
                { guard: noPagesOrFree, target: '#c3unmap', actions: [retDenied, unlockRx] },
                { target: '#c3unmap', actions: [releaseRx, unlockRx, retOk] },
              ],
            },
          },
        },
      },
      unmap: { id: 'c3unmap', ...unmapStates(patches) },
    },
  };
}

const STATES: Record<C3Call, (p: C3Patches) => object> = { map: mapStates, unmap: unmapStates, partinfo: partinfoStates, 'release-unmap': releaseUnmapStates };

/** A vCPU of the guest making one FF-A call; `patches` selects the upstream code. */
export function c3VcpuMachine(call: C3Call, patches: C3Patches) {
  return createMachine({
    id: `c3.${call}`,
    types: {} as { context: CpuContext; events: Message; input: { self: string } },
    context: ({ input }) => ({ self: input.self, buf: null, ret: null }),
    initial: 'idle',
    states: {
      idle: { on: { start: call } },
      [call]: STATES[call](patches),
      done: { id: 'done', type: 'final' },
    },
  });
}

/** The C3 system: vCPUs `g1.v0`, `g1.v1`, ... of one guest (one per call), and its `g1.ctx`. */
export function c3System(config: C3Config, patches: C3Patches, name = 'custom'): SystemSpec {
  const calls = CALLS[config];
  if (!calls) throw new ModelError(`C3: unknown configuration '${String(config)}'; use ${Object.keys(CALLS).join(' or ')}`);
  const vcpus = calls.map((call, i) => ({ name: `${GUEST}.v${i}`, machine: c3VcpuMachine(call, patches), input: { self: `${GUEST}.v${i}` } }));
  return {
    name: `C3-${name}-${config}`,
    actors: [...vcpus, ffaCtxActor(GUEST, { mapped: config !== 'map-map' })],
    initialMessages: vcpus.map((v) => ({ to: v.name, event: { type: 'start' } })),
    invariants: [atMostOneLiveMapping, locksReleasedOnReturn],
    checkers: FFA_CTX_CHECKERS,
  };
}

const TITLE = 'a guest racing RXTX_MAP and RXTX_UNMAP on its own buffers';
const SOURCE: Record<Variant, string> = {
  buggy: 'seed 004_9632a7d86806f604.txt ~line 1775 ("race condition between in rxtx_map and unmap"); upstream a3075e2f^ ffa_rxtx.c ffa_handle_rxtx_map/rxtx_unmap/ffa_rx_acquire, ffa_partinfo.c ffa_handle_partition_info_get',
  fixed: 'upstream a3075e2f (map/unmap under rx_lock -> tx_lock), 3528248b (buffer from ffa_rx_acquire), 309e8edf (rxtx_unmap DENIED while !rx_is_free); as at c447b730',
};
const RELEASE_TITLE = "a guest's RX_RELEASE + RXTX_UNMAP while a sibling vCPU's PARTITION_INFO_GET fills its RX buffer";
const RELEASE_SOURCE: Record<Variant, string> = {
  buggy: 'upstream c447b730 ffa_partinfo.c ffa_handle_partition_info_get (copies after ffa_rx_acquire dropped rx_lock), ffa_rxtx.c ffa_rx_release (allowed whenever !rx_is_free), rxtx_unmap(d, false)',
  fixed: 'PROPOSED (not upstream): ffa_handle_partition_info_get holds rx_lock from ffa_rx_acquire until its copies are written (as C12 proposes for SEND2)',
};

/**
 * The first violation BFS reports, per configuration: for the historic BUGGY an unlocked access
 * to ctx->rx; for upstream in `partinfo-release-unmap` the write into the page after its put.
 */
function entry(variant: Variant, config: C3Config): CatalogueEntry {
  const release = config === 'partinfo-release-unmap';
  return {
    id: 'C3',
    variant,
    config: release ? `1 guest, 2 vCPUs: ${config} (${variant === 'buggy' ? 'upstream' : 'proposed fix'})` : `1 guest, 2 vCPUs: ${config}`,
    key: `C3/${variant}/${config}`,
    title: release ? RELEASE_TITLE : TITLE,
    source: release ? RELEASE_SOURCE[variant] : SOURCE[variant],
    build: () => c3System(config, c3Code(config, variant), variant),
    expected: variant === 'fixed' ? { verdict: 'verified' } : { verdict: 'violation', kind: release ? 'use-after-free' : 'data-race' },
    // Collect every distinct violation: the unlocked access comes first, the races it opens later.
    explore: { maxViolations: 10 },
  };
}

/** C3's catalogue entries: every configuration, buggy and fixed. */
export const c3Entries: CatalogueEntry[] = [
  entry('buggy', 'map-map'),
  entry('fixed', 'map-map'),
  entry('buggy', 'partinfo-unmap'),
  entry('fixed', 'partinfo-unmap'),
  entry('buggy', 'partinfo-release-unmap'),
  entry('fixed', 'partinfo-release-unmap'),
];

/**
 * The larger configuration, explored with PCT: 4 vCPUs of the guest in PARTITION_INFO_GET,
 * RXTX_UNMAP, RXTX_MAP and PARTITION_INFO_GET (BFS: 7,270 states for FIXED). BUGGY: an unlocked
 * access to the ctx's buffers; FIXED: PCT finds nothing, which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  const config = 'partinfo-unmap-map-partinfo';
  return {
    ...entry(variant, config),
    config: `1 guest, 4 vCPUs: ${config} (PCT)`,
    key: `C3/${variant}/4v-pct`,
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'data-race' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT, maxViolations: 10 },
  };
}

/** C3's larger configuration, buggy and fixed, explored with PCT. */
export const c3PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
