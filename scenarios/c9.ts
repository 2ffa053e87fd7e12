/**
 * C9 — lock order of the SPMC RX/TX buffers (SCENARIOS.md card C9; seed 004, "rework SPMC RX/TX
 * buffer management", as committed upstream in 9e9504ef and unchanged at HEAD c447b730).
 *
 * The orders upstream takes (xen/arch/arm/tee/ffa_rxtx.c, ffa_shm.c):
 *
 * - `ffa_rxtx_spmc_init` and `ffa_rxtx_spmc_destroy`: `ffa_spmc_rx_lock` then `ffa_spmc_tx_lock`
 *   (seed 004 lines 375-376 and 415-416);
 * - `ffa_partinfo_init` (ffa_partinfo.c): `ffa_rxtx_spmc_rx_acquire` alone;
 * - `ffa_handle_rxtx_map`: `ctx->rx_lock` -> `ctx->tx_lock` -> `ffa_spmc_tx_lock`
 *   (`ffa_rxtx_spmc_tx_acquire`, when the firmware supports FFA_RX_ACQUIRE);
 * - `ffa_handle_mem_share` (ffa_shm.c): `ffa_tx_acquire` (a trylock of `ctx->tx_lock`) ->
 *   `ffa_spmc_tx_lock` (`share_shm`), then `ctx->lock` (the shm list).
 *
 * So no path takes the SPMC tx lock before the rx lock, and the SPMC tx lock is innermost
 * relative to the ctx locks: the class graph is acyclic. FIXED is that code, VERIFIED: no
 * lock-order report and no deadlock in any interleaving. BUGGY is a SEEDED variant, not
 * upstream: `ffa_rxtx_spmc_destroy` takes the two SPMC locks in the reverse order (tx, then rx).
 * lockdep (runtime/checkers/lockdep.ts) reports the inversion, although no run deadlocks here:
 * destroy runs on the boot CPU after init released both locks, and no other path takes
 * `ffa_spmc_rx_lock` while the guest holds `ffa_spmc_tx_lock`.
 *
 * Actors: `cpu0` runs `ffa_probe_fw`'s failure path (`ffa_rxtx_spmc_init`, `ffa_partinfo_init`
 * failing, then `ffa_rxtx_spmc_destroy` at `err_rxtx_destroy`); `g1.vcpu0` runs RXTX_MAP then
 * MEM_SHARE. In Xen guests do not run during a failed probe; they are side by side here so one
 * exploration sees every path's order (lockdep accumulates the class graph over all executions,
 * so overlap does not change its verdict). SMCs, allocations and buffer contents are not modelled:
 * only the lock steps, which is all this card is about.
 */
import { createMachine } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { send, type Message } from '../runtime/model.js';
import type { ActorSpec, SystemSpec } from '../runtime/system.js';
import type { CheckerFactory } from '../runtime/checkers/Checker.js';
import { lockdep } from '../runtime/checkers/lockdep.js';
import { SPIN_GRANTED, SPIN_TRYLOCK_RESULT, lockResources, spin, spinlockMachine } from '../protocols/spinlock.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';
import { waitForAcyclic } from './c13.js';

export const FFA_SPMC_RX_LOCK = 'ffa_spmc_rx_lock';
export const FFA_SPMC_TX_LOCK = 'ffa_spmc_tx_lock';
export const SPMC_BUFS = 'spmc_bufs';
export const G1_CTX = 'g1.ctx';

/** One lock step of a path: `lock` and `trylock` wait for the answer; `unlock` does not. */
export interface LockStep {
  op: 'lock' | 'trylock' | 'unlock';
  /** The actor guarding the lock. */
  guard: string;
  lock: string;
}

const step = (op: LockStep['op'], guard: string, lock: string): LockStep => ({ op, guard, lock });
const rxtxMap: LockStep[] = [
  step('lock', G1_CTX, 'ctx.rx_lock'),
  step('lock', G1_CTX, 'ctx.tx_lock'),
  step('lock', SPMC_BUFS, FFA_SPMC_TX_LOCK),
  step('unlock', SPMC_BUFS, FFA_SPMC_TX_LOCK),
  step('unlock', G1_CTX, 'ctx.tx_lock'),
  step('unlock', G1_CTX, 'ctx.rx_lock'),
];
const memShare: LockStep[] = [
  step('trylock', G1_CTX, 'ctx.tx_lock'),
  step('lock', SPMC_BUFS, FFA_SPMC_TX_LOCK),
  step('unlock', SPMC_BUFS, FFA_SPMC_TX_LOCK),
  step('lock', G1_CTX, 'ctx.lock'),
  step('unlock', G1_CTX, 'ctx.lock'),
  step('unlock', G1_CTX, 'ctx.tx_lock'),
];
const spmcInit: LockStep[] = [
  step('lock', SPMC_BUFS, FFA_SPMC_RX_LOCK),
  step('lock', SPMC_BUFS, FFA_SPMC_TX_LOCK),
  step('unlock', SPMC_BUFS, FFA_SPMC_TX_LOCK),
  step('unlock', SPMC_BUFS, FFA_SPMC_RX_LOCK),
];
const partinfoInit: LockStep[] = [step('lock', SPMC_BUFS, FFA_SPMC_RX_LOCK), step('unlock', SPMC_BUFS, FFA_SPMC_RX_LOCK)];

/** `ffa_rxtx_spmc_destroy`: upstream rx then tx; the seeded variant tx then rx. */
export function spmcDestroy(reversed: boolean): LockStep[] {
  const [first, second] = reversed ? [FFA_SPMC_TX_LOCK, FFA_SPMC_RX_LOCK] : [FFA_SPMC_RX_LOCK, FFA_SPMC_TX_LOCK];
  return [step('lock', SPMC_BUFS, first), step('lock', SPMC_BUFS, second), step('unlock', SPMC_BUFS, FFA_SPMC_TX_LOCK), step('unlock', SPMC_BUFS, FFA_SPMC_RX_LOCK)];
}

/** The boot CPU's path and the guest's path, per variant. */
export function c9Paths(variant: Variant): { cpu0: LockStep[]; guest: LockStep[] } {
  return { cpu0: [...spmcInit, ...partinfoInit, ...spmcDestroy(variant === 'buggy')], guest: [...rxtxMap, ...memShare] };
}

const message = (s: LockStep): Message => (s.op === 'lock' ? spin.acquire(s.lock) : s.op === 'trylock' ? spin.trylock(s.lock) : spin.release(s.lock));
const trylockOk = ({ event }: { event: Message }): boolean => event.ok === true;
/** `s3 spin ffa_spmc_tx_lock`: the n-th wait and what it waits for. */
const stateName = (n: number, s: LockStep): string => `s${n} ${s.op === 'trylock' ? 'try' : 'spin'} ${s.lock.replace('ffa_', '').replace('.', '_')}`;

/** Trace label of a lock guard: `spmc_rx=cpu0 spmc_tx=free`. */
export function shortLockLabel(context: { locks: Record<string, { owner: string | null; queue: string[] }> }): string {
  return Object.entries(context.locks)
    .map(([name, l]) => `${name.replace('ffa_', '').replace('_lock', '').replace('ctx.', '')}=${l.owner ?? '-'}${l.queue.length ? `[${l.queue.join(' ')}]` : ''}`)
    .join(' ');
}

/**
 * A CPU running `path`: each state waits for one lock or trylock answer; unlocks go out with the
 * next wait (they never wait). A failed trylock (`ffa_tx_acquire` answering BUSY) ends the call.
 */
export function lockPathMachine(id: string, path: readonly LockStep[]) {
  const first = path.find((p) => p.op !== 'unlock');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const states: Record<string, any> = { idle: { on: { start: first ? stateName(0, first) : 's0' } } };
  let pending: LockStep[] = [];
  let n = 0;
  for (const s of path) {
    pending.push(s);
    if (s.op === 'unlock') continue;
    const sends = pending.map((p) => send(p.guard, message(p)));
    const next = path.slice(path.indexOf(s) + 1).find((p) => p.op !== 'unlock');
    const nextName = next ? stateName(n + 1, next) : `s${n + 1}`;
    states[stateName(n, s)] =
      s.op === 'lock'
        ? { entry: sends, on: { [SPIN_GRANTED]: nextName } }
        : { entry: sends, on: { [SPIN_TRYLOCK_RESULT]: [{ guard: trylockOk, target: nextName }, { target: 'done' }] } };
    pending = [];
    n++;
  }
  states[`s${n}`] = { entry: pending.map((p) => send(p.guard, message(p))), always: 'done' };
  states.done = { type: 'final' };
  return createMachine({ id, initial: 'idle', states });
}

export interface C9Options {
  variant: Variant;
  checkers?: CheckerFactory[];
  /** vCPUs of g1, each running RXTX_MAP then MEM_SHARE: `g1.vcpu0`, ... Default 1. */
  vcpus?: number;
}

/** The C9 system. */
export function c9System({ variant, checkers = [lockdep], vcpus = 1 }: C9Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C9: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (!Number.isInteger(vcpus) || vcpus < 1) throw new ModelError(`C9: vcpus must be a positive integer, got ${String(vcpus)}`);
  const paths = c9Paths(variant);
  const guest = lockPathMachine('rxtx_map+mem_share', paths.guest);
  const cpus: ActorSpec[] = [
    { name: 'cpu0', machine: lockPathMachine(variant === 'buggy' ? 'ffa_probe_fw+destroy-reversed' : 'ffa_probe_fw', paths.cpu0) },
    ...Array.from({ length: vcpus }, (_, i): ActorSpec => ({ name: `g1.vcpu${i}`, machine: guest })),
  ];
  return {
    name: `C9-${variant}${vcpus > 1 ? `-${vcpus}v` : ''}`,
    actors: [
      ...cpus,
      { name: SPMC_BUFS, machine: spinlockMachine(SPMC_BUFS, FFA_SPMC_RX_LOCK, FFA_SPMC_TX_LOCK), daemon: true, resources: lockResources, label: shortLockLabel },
      { name: G1_CTX, machine: spinlockMachine(G1_CTX, 'ctx.rx_lock', 'ctx.tx_lock', 'ctx.lock'), daemon: true, resources: lockResources, label: shortLockLabel },
    ],
    initialMessages: cpus.map((c) => ({ to: c.name, event: { type: 'start' } })),
    invariants: [waitForAcyclic([SPMC_BUFS, G1_CTX])],
    checkers,
  };
}

const SOURCE = {
  buggy: 'SEEDED (not upstream): ffa_rxtx_spmc_destroy with ffa_spmc_tx_lock taken before ffa_spmc_rx_lock; the rest as fixed',
  fixed: 'seed 004_9632a7d86806f604.txt lines 371-450 (ffa_rxtx_spmc_destroy, ffa_rxtx_spmc_init); upstream 9e9504ef / HEAD c447b730 ffa_rxtx.c, ffa_shm.c share_shm, ffa_partinfo.c ffa_partinfo_init',
} as const;

function entry(variant: Variant): CatalogueEntry {
  return {
    id: 'C9',
    variant,
    config: 'boot CPU + 1 vCPU',
    key: `C9/${variant}`,
    title: 'lock order of the SPMC RX/TX buffers against the ctx locks',
    source: SOURCE[variant],
    build: () => c9System({ variant }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'lock-order' } : { verdict: 'verified' },
    // The seeded inversion: go on to the end, to show that no run deadlocks.
    explore: { maxViolations: 10 },
  };
}

/** C9's catalogue entries. */
export const c9Entries: CatalogueEntry[] = [entry('buggy'), entry('fixed')];

/**
 * The larger configuration, explored with PCT: the boot CPU and 3 vCPUs of g1 (BFS: 48,850
 * states for FIXED). BUGGY: lockdep's class cycle; FIXED: PCT finds nothing, which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant),
    config: 'boot CPU + 3 vCPUs (PCT)',
    key: `C9/${variant}/3v-pct`,
    build: () => c9System({ variant, vcpus: 3 }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'lock-order' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C9's larger configuration, buggy and fixed, explored with PCT. */
export const c9PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
