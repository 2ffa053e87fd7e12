/**
 * C1 — `ASSERT(!spin_is_locked)` in the SPMC RX acquire helper (SCENARIOS.md card C1).
 *
 * The race: guest G1's FFA_PARTITION_INFO_GET takes `ffa_spmc_rx_lock` in
 * `ffa_rxtx_spmc_rx_acquire` and issues its SMC; guest G2, with its own RX buffer, gets to the
 * same acquire, where `ASSERT(!spin_is_locked(&ffa_spmc_rx_lock))` fires because G1 holds the
 * lock. Contention for a spinlock is normal, so the ASSERT is invalid: the fix deletes it and
 * the acquire is a plain blocking `spin_lock`.
 *
 * Sources: BUGGY is seed 004 (`004_9632a7d86806f604.txt`, line 324, the v1 patch
 * "xen/arm: ffa: rework SPMC RX/TX buffer management"); FIXED is seed 002's changelog ("Remove
 * invalid ASSERT in patch 5", v2) as committed upstream in 9e9504ef.
 *
 * Properties: the acquire-time assertion holds in every interleaving (an ASSERT in the vCPU);
 * at most one vCPU is between the spmc rx acquire and release, and it is the lock's owner;
 * Xen owns the SPMC RX buffer (per the SPMC) only while some vCPU holds the lock; every
 * PARTITION_INFO_GET succeeds (the SPMC never answers BUSY to a serialised Xen).
 */
import { ModelError } from '../runtime/errors.js';
import type { GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { lockLabel, lockResources, type TicketLock } from '../protocols/spinlock.js';
import { FFA, FFA_RET, retName } from '../actors/ffa.js';
import { SPMC_ACTOR, spmcFirmwareLabel, spmcFirmwareMachine, type SpmcFirmwareContext } from '../actors/spmcFirmware.js';
import { FFA_SPMC_RX_LOCK, SPMC_RX_ACTOR, spmcRxBufferMachine } from '../actors/spmcRxBuffer.js';
import { HOLDS_SPMC_RX_LOCK, vcpuActor, type VcpuContext } from '../actors/vcpu.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/** Configuration of a C1 system. */
export interface C1Options {
  variant: Variant;
  /** Guests, one vCPU each, all calling FFA_PARTITION_INFO_GET. At least 1. */
  guests: number;
  /** FFA_PARTITION_INFO_GET calls each vCPU makes, one after the other. Default 1. */
  calls?: number;
}

/** The vCPU actor name of guest `g` (1-based): `g1.vcpu0`. */
export function c1VcpuName(g: number): string {
  return `g${g}.vcpu0`;
}

function vcpuNames(view: GlobalView): string[] {
  return view.actorNames.filter((n) => n !== SPMC_RX_ACTOR && n !== SPMC_ACTOR);
}

function spmcRxLock(view: GlobalView): TicketLock {
  const lock = (view.actor(SPMC_RX_ACTOR).context as { locks: Record<string, TicketLock> }).locks[FFA_SPMC_RX_LOCK];
  if (!lock) throw new Error(`${SPMC_RX_ACTOR} owns no ${FFA_SPMC_RX_LOCK}`);
  return lock;
}

function insideCriticalSection(view: GlobalView): string[] {
  return vcpuNames(view).filter((n) => view.actor(n).hasTag(HOLDS_SPMC_RX_LOCK));
}

/** The card's state properties; the acquire-time ASSERT itself is an action of the vCPU. */
export const c1Invariants: Invariant[] = [
  {
    name: 'spmc rx mutual exclusion',
    check: (view) => {
      const inside = insideCriticalSection(view);
      if (inside.length > 1) return `${inside.join(' and ')} are ${inside.length === 2 ? 'both' : 'all'} between ffa_rxtx_spmc_rx_acquire and ffa_rxtx_spmc_rx_release`;
      const owner = spmcRxLock(view).owner;
      const stray = inside.find((n) => n !== owner);
      return stray === undefined || `${stray} uses the SPMC RX buffer but ${FFA_SPMC_RX_LOCK} is held by ${owner ?? 'nobody'}`;
    },
  },
  {
    name: 'Xen owns SPMC RX only under ffa_spmc_rx_lock',
    check: (view) => {
      if (!(view.actor(SPMC_ACTOR).context as SpmcFirmwareContext).xenOwnsRx) return true;
      const owner = spmcRxLock(view).owner;
      const ok = owner !== null && insideCriticalSection(view).includes(owner);
      return ok || `the SPMC says Xen owns its RX buffer, but no vCPU holds ${FFA_SPMC_RX_LOCK} inside acquire/release (owner: ${owner ?? 'nobody'})`;
    },
  },
  {
    name: 'every PARTITION_INFO_GET succeeds',
    check: (view) => {
      for (const n of vcpuNames(view)) {
        const failed = (view.actor(n).context as VcpuContext).results.find((r) => r !== FFA_RET.OK);
        if (failed !== undefined) return `${n}'s PARTITION_INFO_GET returned ${retName(failed)}`;
      }
      return true;
    },
  },
];

/**
 * The C1 system: one vCPU per guest, the SPMC RX buffer (owning `ffa_spmc_rx_lock`) and the
 * SPMC firmware.
 *
 * @example
 * ```ts
 * const result = explore(c1System({ variant: 'buggy', guests: 2 }));
 * // result.violations[0].message: "assertion failed in actor 'g2.vcpu0': ASSERT(!spin_is_locked(...)) ..."
 * ```
 */
export function c1System({ variant, guests, calls = 1 }: C1Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C1: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (!Number.isInteger(guests) || guests < 1) throw new ModelError(`C1: guests must be a positive integer, got ${String(guests)}`);
  if (!Number.isInteger(calls) || calls < 1) throw new ModelError(`C1: calls must be a positive integer, got ${String(calls)}`);
  const program = Array.from({ length: calls }, () => FFA.PARTITION_INFO_GET);
  const vcpus = Array.from({ length: guests }, (_, i) => vcpuActor(c1VcpuName(i + 1), { assertUnlockedOnAcquire: variant === 'buggy' }, program));
  return {
    name: `C1-${variant}-${guests}g${calls > 1 ? `x${calls}` : ''}`,
    actors: [
      ...vcpus,
      { name: SPMC_RX_ACTOR, machine: spmcRxBufferMachine(), daemon: true, resources: lockResources, label: lockLabel },
      { name: SPMC_ACTOR, machine: spmcFirmwareMachine(), daemon: true, label: spmcFirmwareLabel },
    ],
    initialMessages: vcpus.map((v) => ({ to: v.name, event: { type: 'start' } })),
    invariants: c1Invariants,
  };
}

const TITLE = 'ASSERT(!spin_is_locked) in the SPMC RX acquire helper vs concurrent guests in PARTITION_INFO_GET';
const SOURCE = {
  buggy: 'seed 004_9632a7d86806f604.txt line 324 (ffa_rxtx_spmc_rx_acquire, rework v1)',
  fixed: 'seed 002_a316b9fb460d0742.txt changelog "Remove invalid ASSERT"; upstream 9e9504ef ffa_rxtx.c',
} as const;

function entry(variant: Variant, guests: number): CatalogueEntry {
  return {
    id: 'C1',
    variant,
    config: `${guests} guests`,
    key: `C1/${variant}/${guests}g`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c1System({ variant, guests }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'verified' },
  };
}

/** C1's catalogue entries: buggy and fixed, with 2 and 3 guests. */
export const c1Entries: CatalogueEntry[] = [entry('buggy', 2), entry('fixed', 2), entry('buggy', 3), entry('fixed', 3)];

/**
 * The larger configuration, explored with PCT: 5 guests calling PARTITION_INFO_GET twice each
 * (BFS: 372,112 states for FIXED). BUGGY: the ASSERT fires; FIXED: PCT finds nothing, which
 * proves nothing (the 2- and 3-guest entries are the verified ones).
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant, 5),
    config: '5 guests x 2 calls (PCT)',
    key: `C1/${variant}/5gx2-pct`,
    build: () => c1System({ variant, guests: 5, calls: 2 }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C1's larger configuration, buggy and fixed, explored with PCT. */
export const c1PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
