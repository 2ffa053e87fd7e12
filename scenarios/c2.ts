/**
 * C2 — an SPMC buffer acquire that does not hold the lock for the whole use (SCENARIOS.md card
 * C2, argued in seed 004's review), and the "variant in X": an acquire that returns NULL with
 * the lock still held, whose callers return without a release.
 *
 * Part 1, the race. Two guests call FFA_PARTITION_INFO_GET; each runs `ffa_get_sp_partinfo`
 * (xen/arch/arm/tee/ffa_partinfo.c as 9e9504ef committed it): acquire the SPMC RX buffer, the
 * PARTITION_INFO_GET SMC (the SPMC fills the buffer and Xen owns it until FFA_RX_RELEASE), read
 * the entries, release (`ASSERT(spin_is_locked)`, FFA_RX_RELEASE, `spin_unlock`).
 * BUGGY ("variant A"): `ffa_rxtx_spmc_rx_acquire` does `spin_lock; b = ffa_spmc_rx;
 * spin_unlock; return b`, the version Bertrand rejects in seed 004 ~line 1996 ("I must not
 * unlock at the end of spmc_rx/tx_acquire so that only one at a time is taking the rxtx
 * buffers"); the v1 patch itself (seed 004 ~line 322) already kept the lock on success.
 * FIXED: the acquire returns with the lock held and the release drops it (9e9504ef, and HEAD).
 * The vCPU machine is built by one function; the flag changes only the acquire step.
 *
 * Part 2, the NULL case, settled on upstream HEAD (c447b730, ffa_rxtx.c
 * `ffa_rxtx_spmc_rx_acquire`/`ffa_rxtx_spmc_tx_acquire` l.418-454: `spin_lock; if (buf) return
 * buf; return NULL;` with the lock held). Callers that get NULL return at once without a
 * release: `ffa_partinfo_init` (boot) and `share_shm` (MEM_SHARE; RXTX_MAP's `goto
 * err_unmap_rx` is the same shape). The model runs the boot CPU through `ffa_probe` from
 * `ffa_rxtx_spmc_init` on (allocations, the RXTX_MAP SMC, `ffa_partinfo_init`, and
 * `ffa_rxtx_spmc_destroy` on failure), then starts two guests whose vCPUs call MEM_SHARE only if
 * the probe succeeded (a failed probe leaves no FF-A mediator). Every outcome of the two
 * allocations, the RXTX_MAP SMC and the PARTITION_INFO_GET SMC is a configuration
 * ({@link C2BootOutcomes}); c2.spec.ts explores all sixteen. Verdict: verified in every one —
 * no acquire ever sees NULL, so the leak is unreachable as upstream stands: `ffa_rxtx_spmc_init`
 * returns true only with both buffers allocated and mapped, `ffa_partinfo_init` runs only then,
 * and `ffa_rxtx_spmc_destroy` (the only place that clears the pointers) runs only when the probe
 * fails, after which no guest reaches the mediator. It stays a latent trap: with
 * `whatIfDestroyAfterProbe` (not upstream: the buffers freed while guests run) the explorer shows
 * the lock leaked on MEM_SHARE's NULL path and the next acquire waiting forever.
 *
 * Properties: every SPMC buffer read by a CPU holding its lock (assertion in the buffer actor);
 * exactly one release per acquire (the spinlock protocol's assertions and {@link
 * locksReleasedOnReturn}); Xen owns the SPMC RX buffer only between a successful fill and its
 * RX_RELEASE, and reads it only then (invariant); no acquire returns NULL (invariant, part 2).
 */
import { assign, createMachine } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { assertThat, reply, send, type Message } from '../runtime/model.js';
import type { ActorSpec, GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { SPIN_GRANTED, SPIN_IS_LOCKED_RESULT, freeLocks, lockLabel, lockResources, spin, spinlockHandlers, type TicketLock } from '../protocols/spinlock.js';
import { FFA, FFA_RET, retName } from '../actors/ffa.js';
import { SMC, SMC_RET, SPMC_ACTOR, smc, smcSucceeded, spmcFirmwareLabel, spmcFirmwareMachine, type SpmcFirmwareContext } from '../actors/spmcFirmware.js';
import { FFA_SPMC_RX_LOCK, RX_DATA, SPMC_RX_ACTOR, rxBuffer, spmcRxBufferMachine } from '../actors/spmcRxBuffer.js';
import { locksReleasedOnReturn } from '../actors/ffaCtx.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

// ---------------------------------------------------------------------------------------------
// Part 1: variant A (acquire drops the lock) vs the lock held from acquire to release.

/** The one difference between the part-1 variants. */
export interface C2Options {
  /** 9e9504ef: ffa_rxtx_spmc_rx_acquire returns with ffa_spmc_rx_lock held; variant A unlocks. */
  holdLockUntilRelease: boolean;
}

export const C2_OPTIONS: Record<Variant, C2Options> = {
  buggy: { holdLockUntilRelease: false },
  fixed: { holdLockUntilRelease: true },
};

/** State tag: between a successful PARTITION_INFO_GET and the return of its FFA_RX_RELEASE. */
export const OWNS_SPMC_RX = 'between fill and RX_RELEASE';
/** State tag: reading the SPMC RX buffer. */
export const READS_SPMC_RX = 'reads the SPMC RX buffer';

/** The release-time ASSERT, as it fails. */
export const RELEASE_ASSERT = 'ASSERT(spin_is_locked(&ffa_spmc_rx_lock)) in ffa_rxtx_spmc_rx_release';

interface PartInfoContext {
  reported: number | null;
  ret: number | null;
}
type PArgs = { context: PartInfoContext; event: Message };

const lockSpmcRx = send(SPMC_RX_ACTOR, spin.acquire(FFA_SPMC_RX_LOCK));
const unlockSpmcRx = send(SPMC_RX_ACTOR, spin.release(FFA_SPMC_RX_LOCK));
const askSpmcRxLocked = send(SPMC_RX_ACTOR, spin.isLocked(FFA_SPMC_RX_LOCK));
const readSpmcRx = send(SPMC_RX_ACTOR, rxBuffer.read());
const callPartInfoGet = send(SPMC_ACTOR, smc.call(FFA.PARTITION_INFO_GET));
const callRxRelease = send(SPMC_ACTOR, smc.call(FFA.RX_RELEASE));
const assertLocked = assertThat(({ event }: PArgs) => event.locked === true, RELEASE_ASSERT);
const succeeded = ({ event }: PArgs): boolean => smcSucceeded(event);
const recordReported = assign({ reported: ({ event }: PArgs) => (typeof event.w2 === 'number' ? event.w2 : null) });
const recordError = assign({ ret: ({ event }: PArgs) => (typeof event.w2 === 'number' ? event.w2 : FFA_RET.ABORTED) });
const recordOk = assign({ ret: (_: PArgs) => FFA_RET.OK });
const assertReadWhatWasReported = assertThat(
  ({ context, event }: PArgs) => event.count === context.reported,
  'the SPMC RX buffer does not hold the entries PARTITION_INFO_GET reported (torn or foreign data)',
);

/** A guest vCPU in FFA_PARTITION_INFO_GET -> `ffa_get_sp_partinfo` (9e9504ef). */
export function c2PartInfoMachine({ holdLockUntilRelease }: C2Options) {
  return createMachine({
    id: 'c2.partinfo',
    types: {} as { context: PartInfoContext; events: Message },
    context: { reported: null, ret: null },
    initial: 'idle',
    states: {
      idle: { on: { start: 'acquire' } },
      // ffa_rxtx_spmc_rx_acquire: spin_lock; [variant A: b = ffa_spmc_rx; spin_unlock;] return b
      acquire: { entry: lockSpmcRx, on: { [SPIN_GRANTED]: { target: 'partInfoSmc', actions: holdLockUntilRelease ? [] : [unlockSpmcRx] } } },
      partInfoSmc: {
        entry: callPartInfoGet,
        on: { [SMC_RET]: [{ guard: succeeded, target: 'readRx', actions: recordReported }, { target: 'release', actions: recordError }] },
      },
      readRx: {
        tags: [OWNS_SPMC_RX, READS_SPMC_RX],
        entry: readSpmcRx,
        on: { [RX_DATA]: { target: 'release', actions: [assertReadWhatWasReported, recordOk] } },
      },
      // ffa_rxtx_spmc_rx_release: ASSERT(spin_is_locked); FFA_RX_RELEASE (always, in 9e9504ef); spin_unlock
      release: {
        initial: 'assert',
        states: {
          assert: { tags: [OWNS_SPMC_RX], entry: askSpmcRxLocked, on: { [SPIN_IS_LOCKED_RESULT]: { target: 'smc', actions: assertLocked } } },
          smc: { tags: [OWNS_SPMC_RX], entry: callRxRelease, on: { [SMC_RET]: { target: '#c2done', actions: unlockSpmcRx } } },
        },
      },
      done: { id: 'c2done', type: 'final' },
    },
  });
}

function vcpus(view: GlobalView): string[] {
  return view.actorNames.filter((n) => /^g\d+\.v\d+$/.test(n));
}

/** Xen reads the SPMC RX buffer only while the SPMC says Xen owns it, and owns it only if filled. */
export const xenOwnsSpmcRxOnlyAfterFill: Invariant = {
  name: 'Xen owns SPMC RX only between a successful fill and RX_RELEASE',
  check: (view) => {
    const fw = view.actor(SPMC_ACTOR).context as SpmcFirmwareContext;
    const reader = vcpus(view).find((n) => view.actor(n).hasTag(READS_SPMC_RX) && (view.actor(n).context as PartInfoContext).reported !== null);
    if (reader && !fw.xenOwnsRx) return `${reader} reads the SPMC RX buffer after an FFA_RX_RELEASE handed it back to the SPMC (foreign or stale data)`;
    // The SMC that filled the buffer may still be on its way back to its caller (partInfoSmc).
    const filler = (n: string): boolean =>
      view.actor(n).matches('partInfoSmc') || (view.actor(n).hasTag(OWNS_SPMC_RX) && (view.actor(n).context as PartInfoContext).reported !== null);
    if (fw.xenOwnsRx && !vcpus(view).some(filler)) {
      const bad = vcpus(view).find((n) => (view.actor(n).context as PartInfoContext).ret !== null && (view.actor(n).context as PartInfoContext).ret !== FFA_RET.OK);
      return `the SPMC says Xen owns its RX buffer but no CPU is between a successful fill and its RX_RELEASE${bad ? ` (${bad} got ${retName((view.actor(bad).context as PartInfoContext).ret ?? 0)})` : ''}`;
    }
    return true;
  },
};

/** The part-1 system: `guests` guests with one vCPU each in PARTITION_INFO_GET. */
export function c2System(options: C2Options, guests = 2, name = 'custom'): SystemSpec {
  if (!Number.isInteger(guests) || guests < 1) throw new ModelError(`C2: guests must be a positive integer, got ${String(guests)}`);
  const cpus: ActorSpec[] = Array.from({ length: guests }, (_, i) => ({ name: `g${i + 1}.v0`, machine: c2PartInfoMachine(options) }));
  return {
    name: `C2-${name}-${guests}g`,
    actors: [
      ...cpus,
      { name: SPMC_RX_ACTOR, machine: spmcRxBufferMachine(), daemon: true, resources: lockResources, label: lockLabel },
      { name: SPMC_ACTOR, machine: spmcFirmwareMachine(), daemon: true, label: spmcFirmwareLabel },
    ],
    initialMessages: cpus.map((c) => ({ to: c.name, event: { type: 'start' } })),
    invariants: [xenOwnsSpmcRxOnlyAfterFill, locksReleasedOnReturn],
  };
}

// ---------------------------------------------------------------------------------------------
// Part 2: upstream HEAD's NULL path, from ffa_probe on.

/** What boot-time allocations and SMCs return. */
export interface C2BootOutcomes {
  rxAlloc: boolean;
  txAlloc: boolean;
  mapOk: boolean;
  partInfoOk: boolean;
}

export const ALL_OK: C2BootOutcomes = { rxAlloc: true, txAlloc: true, mapOk: true, partInfoOk: true };

/** Options of the part-2 system. */
export interface C2BootOptions extends C2BootOutcomes {
  /** NOT upstream: cpu0 runs ffa_rxtx_spmc_destroy after a successful probe, while guests run. */
  whatIfDestroyAfterProbe?: boolean;
}

const BUFS = 'spmc_bufs';
const FW = 'spmc';
export const FFA_SPMC_TX_LOCK = 'ffa_spmc_tx_lock';
const BUF_READ = 'buf.read';
const BUF_VALUE = 'buf.value';
const BUF_WRITE = 'buf.write';

interface BufsContext {
  locks: Record<string, TicketLock>;
  /** ffa_spmc_rx / ffa_spmc_tx are non-NULL. */
  rx: boolean;
  tx: boolean;
}

/** The two SPMC buffer pointers and their locks (ffa_rxtx.c statics). */
function spmcBuffersMachine() {
  return createMachine({
    id: 'spmc_buffers',
    types: {} as { context: BufsContext; events: Message },
    context: { locks: freeLocks(FFA_SPMC_RX_LOCK, FFA_SPMC_TX_LOCK), rx: false, tx: false },
    on: {
      ...spinlockHandlers(),
      [BUF_READ]: { actions: reply(({ context }: { context: BufsContext }) => ({ type: BUF_VALUE, rx: context.rx, tx: context.tx })) },
      [BUF_WRITE]: {
        actions: assign(({ context, event }: { context: BufsContext; event: Message }) => ({
          ...context,
          ...(typeof event.rx === 'boolean' ? { rx: event.rx } : {}),
          ...(typeof event.tx === 'boolean' ? { tx: event.tx } : {}),
        })),
      },
    },
  });
}

function bufsLabel(c: BufsContext): string {
  return `${c.rx ? 'rx' : '-'}/${c.tx ? 'tx' : '-'} ${lockLabel(c).replace(/ffa_spmc_(\w)x_lock/g, '$1x')}`;
}

/** The SPMC answering boot and MEM_SHARE SMCs with the configured outcomes. */
function bootFirmwareMachine({ mapOk, partInfoOk }: C2BootOutcomes) {
  const is = (fid: number) => ({ event }: { event: Message }) => event.fid === fid;
  return createMachine({
    id: 'spmc_boot_firmware',
    on: {
      [SMC]: [
        { guard: is(FFA.RXTX_MAP_64), actions: reply(mapOk ? smc.success(0) : smc.error(FFA_RET.INVALID_PARAMETERS)) },
        { guard: is(FFA.PARTITION_INFO_GET), actions: reply(partInfoOk ? smc.success(2) : smc.error(FFA_RET.NOT_SUPPORTED)) },
        { actions: reply(smc.success(0)) },
      ],
    },
  });
}

interface BootCpuContext {
  /** Which acquire returned NULL, if one did. */
  sawNull: string | null;
  ret: number | null;
}
type BArgs = { context: BootCpuContext; event: Message };

const lockRx = send(BUFS, spin.acquire(FFA_SPMC_RX_LOCK));
const lockTx = send(BUFS, spin.acquire(FFA_SPMC_TX_LOCK));
const unlockRx = send(BUFS, spin.release(FFA_SPMC_RX_LOCK));
const unlockTx = send(BUFS, spin.release(FFA_SPMC_TX_LOCK));
const readBufs = send(BUFS, { type: BUF_READ });
const freeBufs = send(BUFS, { type: BUF_WRITE, rx: false, tx: false });
const rxNull = ({ event }: BArgs): boolean => event.rx !== true;
const txNull = ({ event }: BArgs): boolean => event.tx !== true;
const smcOk = ({ event }: BArgs): boolean => smcSucceeded(event);
const sawNull = (which: string) => assign({ sawNull: (_: BArgs) => which });
const sawNullRx = sawNull('ffa_rxtx_spmc_rx_acquire');
const sawNullTx = sawNull('ffa_rxtx_spmc_tx_acquire');
const retOf = (code: number) => assign({ ret: (_: BArgs) => code });
const retOk = retOf(FFA_RET.OK);
const retNotSupported = retOf(FFA_RET.NOT_SUPPORTED);

/** cpu0 at boot: `ffa_probe` from `ffa_rxtx_spmc_init` on (ffa.c l.753-767, HEAD). */
function bootCpuMachine(o: C2BootOptions, guests: string[]) {
  const startGuests = (mediator: boolean) => guests.map((g) => send(g, { type: 'start', mediator }));
  return createMachine({
    id: 'c2.ffa_probe',
    types: {} as { context: BootCpuContext; events: Message },
    context: { sawNull: null, ret: null },
    initial: 'idle',
    states: {
      idle: { on: { start: 'init' } },
      // ffa_rxtx_spmc_init: lock rx, lock tx; alloc rx, alloc tx; RXTX_MAP; unlock; destroy on failure
      init: {
        initial: 'lockRx',
        states: {
          lockRx: { entry: lockRx, on: { [SPIN_GRANTED]: 'lockTx' } },
          lockTx: {
            entry: lockTx,
            on: {
              [SPIN_GRANTED]: [
                { guard: () => !(o.rxAlloc && o.txAlloc), target: '#destroy', actions: [send(BUFS, { type: BUF_WRITE, rx: o.rxAlloc, tx: false }), unlockTx, unlockRx] },
                { target: 'map', actions: send(BUFS, { type: BUF_WRITE, rx: true, tx: true }) },
              ],
            },
          },
          map: {
            entry: send(FW, smc.call(FFA.RXTX_MAP_64)),
            on: { [SMC_RET]: [{ guard: smcOk, target: '#partinfo', actions: [unlockTx, unlockRx] }, { target: '#destroy', actions: [unlockTx, unlockRx] }] },
          },
        },
      },
      // ffa_partinfo_init: spmc_rx = ffa_rxtx_spmc_rx_acquire(); if (!spmc_rx) return false;
      partinfo: {
        id: 'partinfo',
        initial: 'lock',
        states: {
          lock: { entry: lockRx, on: { [SPIN_GRANTED]: 'ptr' } },
          ptr: { entry: readBufs, on: { [BUF_VALUE]: [{ guard: rxNull, target: '#destroy', actions: sawNullRx }, { target: 'smc' }] } },
          smc: {
            entry: send(FW, smc.call(FFA.PARTITION_INFO_GET)),
            on: { [SMC_RET]: [{ guard: smcOk, target: 'release' }, { target: '#destroy', actions: unlockRx }] },
          },
          release: {
            entry: send(FW, smc.call(FFA.RX_RELEASE)),
            on: { [SMC_RET]: { target: o.whatIfDestroyAfterProbe ? '#whatIf' : '#booted', actions: [unlockRx, ...startGuests(true)] } },
          },
        },
      },
      // ffa_rxtx_spmc_destroy: lock rx, lock tx; free both; [RXTX_UNMAP]; unlock tx, unlock rx
      destroy: {
        id: 'destroy',
        initial: 'lockRx',
        states: {
          lockRx: { entry: lockRx, on: { [SPIN_GRANTED]: 'lockTx' } },
          lockTx: { entry: lockTx, on: { [SPIN_GRANTED]: { target: '#booted', actions: [freeBufs, unlockTx, unlockRx, ...startGuests(false)] } } },
        },
      },
      // Not upstream: the buffers go away while the mediator is live.
      whatIf: {
        id: 'whatIf',
        initial: 'lockRx',
        states: {
          lockRx: { entry: lockRx, on: { [SPIN_GRANTED]: 'lockTx' } },
          lockTx: { entry: lockTx, on: { [SPIN_GRANTED]: { target: '#booted', actions: [freeBufs, unlockTx, unlockRx] } } },
        },
      },
      booted: { id: 'booted', type: 'final' },
    },
  });
}

/** A guest vCPU in FFA_MEM_SHARE -> `share_shm` (ffa_shm.c l.346-427, HEAD). */
function memShareMachine() {
  return createMachine({
    id: 'c2.mem_share',
    types: {} as { context: BootCpuContext; events: Message },
    context: { sawNull: null, ret: null },
    initial: 'idle',
    states: {
      idle: { on: { start: [{ guard: ({ event }: BArgs) => event.mediator !== true, target: 'done', actions: retNotSupported }, { target: 'lock' }] } },
      // buf = ffa_rxtx_spmc_tx_acquire(); if ( !buf ) return FFA_RET_NOT_SUPPORTED;
      lock: { entry: lockTx, on: { [SPIN_GRANTED]: 'ptr' } },
      ptr: { entry: readBufs, on: { [BUF_VALUE]: [{ guard: txNull, target: 'done', actions: [sawNullTx, retNotSupported] }, { target: 'share' }] } },
      share: { entry: send(FW, smc.call(FFA.MEM_SHARE_64)), on: { [SMC_RET]: { target: 'done', actions: [unlockTx, retOk] } } },
      done: { type: 'final' },
    },
  });
}

/** No CPU got NULL from an SPMC buffer acquire (whose callers return without a release). */
export const noNullAcquire: Invariant = {
  name: 'no SPMC buffer acquire returns NULL',
  check: (view) => {
    for (const n of view.actorNames) {
      const seen = (view.actor(n).context as Partial<BootCpuContext> | undefined)?.sawNull;
      if (seen) return `${n} got NULL from ${seen}, which returned with the lock held`;
    }
    return true;
  },
};

/** The part-2 system: cpu0 boots FF-A, then g1.v0 and g2.v0 call MEM_SHARE. */
export function c2BootSystem(options: C2BootOptions = ALL_OK, name = 'head'): SystemSpec {
  const guests = ['g1.v0', 'g2.v0'];
  const outcome = (['rxAlloc', 'txAlloc', 'mapOk', 'partInfoOk'] as const).filter((k) => !options[k]).map((k) => `!${k}`);
  return {
    name: `C2-${name}-boot${outcome.length ? `-${outcome.join('')}` : ''}${options.whatIfDestroyAfterProbe ? '-whatif' : ''}`,
    actors: [
      { name: 'cpu0', machine: bootCpuMachine(options, guests) },
      ...guests.map((g) => ({ name: g, machine: memShareMachine() })),
      { name: BUFS, machine: spmcBuffersMachine(), daemon: true, resources: lockResources, label: bufsLabel },
      { name: FW, machine: bootFirmwareMachine(options), daemon: true },
    ],
    initialMessages: [{ to: 'cpu0', event: { type: 'start' } }],
    invariants: [noNullAcquire, locksReleasedOnReturn],
  };
}

// ---------------------------------------------------------------------------------------------

const TITLE = 'SPMC buffer acquire that does not hold the lock for the whole use; NULL returned with the lock held';
const SOURCE = {
  buggy: 'seed 004_9632a7d86806f604.txt ~line 1996 (Bertrand: "I must not unlock at the end of spmc_rx/tx_acquire"); callers as in 9e9504ef ffa_get_sp_partinfo',
  fixed: 'upstream 9e9504ef ffa_rxtx.c ffa_rxtx_spmc_rx_acquire/release (lock held from acquire to release), as at c447b730',
  head: 'upstream c447b730 ffa_rxtx.c ffa_rxtx_spmc_{rx,tx}_acquire l.418-454 (NULL returned with the lock held), ffa_partinfo.c ffa_partinfo_init, ffa_shm.c share_shm, ffa.c ffa_probe l.753-767',
} as const;

/** C2's catalogue entries: variant A vs upstream with two guests; upstream's NULL path from boot. */
export const c2Entries: CatalogueEntry[] = [
  ...(['buggy', 'fixed'] as const).map(
    (variant): CatalogueEntry => ({
      id: 'C2',
      variant,
      config: '2 guests',
      key: `C2/${variant}/2g`,
      title: TITLE,
      source: SOURCE[variant],
      build: () => c2System(C2_OPTIONS[variant], 2, variant),
      expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'verified' },
      explore: { maxViolations: 10 },
    }),
  ),
  ...([
    ['boot', ALL_OK],
    ['boot-partinfo-fails', { ...ALL_OK, partInfoOk: false }],
  ] as const).map(
    ([cfg, outcomes]): CatalogueEntry => ({
      id: 'C2',
      variant: 'fixed',
      config: `boot + 2 guests MEM_SHARE${outcomes.partInfoOk ? '' : ', PARTITION_INFO_GET fails at boot'} (NULL path)`,
      key: `C2/fixed/${cfg}`,
      title: TITLE,
      source: SOURCE.head,
      build: () => c2BootSystem(outcomes),
      expected: { verdict: 'verified' },
    }),
  ),
];

/**
 * The larger configuration, explored with PCT: 5 guests in PARTITION_INFO_GET (BFS: 56,552
 * states for FIXED). BUGGY: the SPMC RX buffer is read without the lock; FIXED: PCT finds
 * nothing, which proves nothing (the 2-guest entry is the verified one).
 */
export const c2PctEntries: CatalogueEntry[] = (['buggy', 'fixed'] as const).map(
  (variant): CatalogueEntry => ({
    id: 'C2',
    variant,
    config: '5 guests (PCT)',
    key: `C2/${variant}/5g-pct`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c2System(C2_OPTIONS[variant], 5, variant),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  }),
);
