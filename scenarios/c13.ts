/**
 * C13 — cross-domain lock-order cycle between FFA_MSG_SEND2 and FFA_RXTX_MAP (SCENARIOS.md card
 * C13; an unconfirmed upstream suspect, settled here by the explorer).
 *
 * The code, upstream HEAD c447b730 (xen/arch/arm/tee/):
 *
 * - `ffa_handle_msg_send2` (ffa_msg.c) takes the SENDER's `tx_lock` with `ffa_tx_acquire`, a
 *   `spin_trylock` that answers BUSY, and keeps it to the end; for a VM destination,
 *   `ffa_msg_send2_vm` then calls `ffa_rx_acquire(dst_ctx)` (ffa_rxtx.c), which takes the
 *   DESTINATION's `rx_lock` with a blocking `spin_lock`. Order: own tx -> other rx.
 * - `ffa_handle_rxtx_map` (ffa_rxtx.c) takes its own `rx_lock` then `tx_lock`, both blocking,
 *   before it even looks whether buffers are mapped (`rxtx_unmap` does the same). Order: rx -> tx.
 *
 * The race: A.v0 SEND2 to B holds A.tx and spins on B.rx; B.v1 RXTX_MAP holds B.rx and spins on
 * B.tx; B.v0 SEND2 to A holds B.tx and spins on A.rx; A.v1 RXTX_MAP holds A.rx and spins on A.tx:
 * four CPUs spin forever. Nothing privileged is needed: RXTX_MAP on an already mapped ctx takes
 * both locks before answering DENIED, so two cooperating (or one malicious pair of) guests can
 * hang four physical CPUs. The lock classes form the cycle rx -> tx -> (other ctx's) rx, and a
 * class-based lock-order checker sees it in runs that never deadlock (two vCPUs are enough).
 *
 * Verdict (what the model shows, not assumed): BUGGY (upstream HEAD) deadlocks; the shortest
 * schedule is pinned in spec/scenarios/c13.spec.ts. So the suspect is CONFIRMED in the model.
 *
 * FIXED is a PROPOSED fix, not upstream: in `ffa_msg_send2_vm` take the destination's `rx_lock`
 * with `spin_trylock` and answer FFA_RET_BUSY when it is contended (the card's fix idea). SEND2
 * already answers BUSY when the destination's buffer is full, so senders already retry; the
 * SEND2 path then never spins while holding a lock, which removes every tx -> rx wait edge.
 * It is the smallest change: one state of the sender's program differs (`rxLock`).
 *
 * Modelling notes. The VM-to-VM-only configuration is modelled (`ffa_fw_supports_fid(FFA_RX_ACQUIRE)`
 * false: no SPMC calls in either path). The destination lookup (`ffa_endpoint_domain_lookup`)
 * always succeeds (both domains live and negotiated), and `ffa_tx_acquire`'s page_count checks
 * always pass (nothing unmaps here), so neither is a step. The message copy is not modelled.
 * actors/ffaCtx.ts (the shared domain context) had not landed when this was written, so the
 * domain context is the per-scenario actor below; it owns `ctx.rx_lock` and `ctx.tx_lock` (the
 * lock lives with the data, DESIGN.md decision 5), with `page_count` and `rx_is_free`.
 */
import { assign, createMachine, enqueueActions } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { assertThat, reply, send, type Message } from '../runtime/model.js';
import type { ActorSpec, Invariant, SystemSpec } from '../runtime/system.js';
import type { CheckerFactory } from '../runtime/checkers/Checker.js';
import { lockdep } from '../runtime/checkers/lockdep.js';
import {
  SPIN_GRANTED,
  SPIN_TRYLOCK_RESULT,
  freeLocks,
  lockResources,
  spin,
  spinlockHandlers,
  type LockOwnerContext,
  type TicketLock,
} from '../protocols/spinlock.js';
import { FFA_RET } from '../actors/ffa.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/** Lock classes of a domain context (ffa_private.h `struct ffa_ctx`). */
export const CTX_RX_LOCK = 'ctx.rx_lock';
export const CTX_TX_LOCK = 'ctx.tx_lock';

/** Data operations on the context, done by a vCPU holding the named locks; answered with {@link CTX_RET}. */
export const CTX_RX_ACQUIRE = 'ctx.rx_acquire';
export const CTX_RXTX_MAP = 'ctx.rxtx_map';
export const CTX_RET = 'ctx.ret';

/** The C13 domain context: its two locks and the fields they guard. */
export interface C13CtxContext extends LockOwnerContext {
  /** Pages mapped in each of rx/tx; 0 = no buffers. */
  pageCount: number;
  /** True: Xen may fill the guest's RX buffer. */
  rxIsFree: boolean;
}

type CtxArgs = { context: C13CtxContext; event: Message & { from: string } };

const holds = (context: C13CtxContext, lock: string, who: string): boolean => context.locks[lock]?.owner === who;

// ffa_rx_acquire() past its spin_lock: DENIED without buffers, BUSY while the guest owns RX.
const rxAcquireResult = ({ context }: CtxArgs): number => (!context.pageCount ? FFA_RET.DENIED : !context.rxIsFree ? FFA_RET.BUSY : FFA_RET.OK);
// ffa_handle_rxtx_map() past its two spin_locks: "Already mapped" -> DENIED.
const rxtxMapResult = ({ context }: CtxArgs): number => (context.pageCount ? FFA_RET.DENIED : FFA_RET.OK);

/** The domain context's machine: a daemon owning `ctx.rx_lock` and `ctx.tx_lock`. */
export function c13CtxMachine(id: string, initial: { pageCount: number; rxIsFree: boolean }) {
  return createMachine({
    id,
    types: {} as { context: C13CtxContext },
    context: { locks: freeLocks(CTX_RX_LOCK, CTX_TX_LOCK), ...initial },
    on: {
      ...spinlockHandlers(),
      [CTX_RX_ACQUIRE]: {
        actions: [
          assertThat(({ context, event }: CtxArgs) => holds(context, CTX_RX_LOCK, event.from), 'ffa_rx_acquire touched rx_is_free without holding rx_lock'),
          enqueueActions(({ context, event, enqueue }) => {
            const ret = rxAcquireResult({ context, event } as CtxArgs);
            if (ret === FFA_RET.OK) enqueue.assign({ rxIsFree: false });
            enqueue(reply({ type: CTX_RET, ret }));
          }),
        ],
      },
      [CTX_RXTX_MAP]: {
        actions: [
          assertThat(
            ({ context, event }: CtxArgs) => holds(context, CTX_RX_LOCK, event.from) && holds(context, CTX_TX_LOCK, event.from),
            'ffa_handle_rxtx_map touched rx/tx without holding rx_lock and tx_lock',
          ),
          enqueueActions(({ context, event, enqueue }) => {
            const ret = rxtxMapResult({ context, event } as CtxArgs);
            if (ret === FFA_RET.OK) enqueue.assign({ pageCount: 1, rxIsFree: true });
            enqueue(reply({ type: CTX_RET, ret }));
          }),
        ],
      },
    },
  });
}

/** Trace label of a context: `rx=A.v1 [B.v0] tx=free`, plus `rx-owned` while the guest owns RX. */
export function c13CtxLabel(context: C13CtxContext): string {
  const one = (l: TicketLock | undefined): string => (!l || l.owner === null ? 'free' : `${l.owner}${l.queue.length ? ` [${l.queue.join(' ')}]` : ''}`);
  return `rx=${one(context.locks[CTX_RX_LOCK])} tx=${one(context.locks[CTX_TX_LOCK])}${context.rxIsFree ? '' : ' rx-owned'}`;
}

/** A C13 vCPU's context: its own domain's context actor, the SEND2 destination's, and the result. */
export interface C13VcpuContext {
  own: string;
  dst: string;
  /** What the call returned to the guest; null until it returns. */
  ret: number | null;
}

type VcpuArgs = { context: C13VcpuContext; event: Message };

// Module-level actions and guards shared by both variants (see c13.spec.ts).
const vcpuContext = ({ input }: { input: C13VcpuContext }): C13VcpuContext => ({ ...input, ret: null });
const trylockOwnTx = send(({ context }: VcpuArgs) => context.own, spin.trylock(CTX_TX_LOCK));
const releaseOwnTx = send(({ context }: VcpuArgs) => context.own, spin.release(CTX_TX_LOCK));
const lockDstRx = send(({ context }: VcpuArgs) => context.dst, spin.acquire(CTX_RX_LOCK));
const trylockDstRx = send(({ context }: VcpuArgs) => context.dst, spin.trylock(CTX_RX_LOCK));
const releaseDstRx = send(({ context }: VcpuArgs) => context.dst, spin.release(CTX_RX_LOCK));
const rxAcquireOnDst = send(({ context }: VcpuArgs) => context.dst, { type: CTX_RX_ACQUIRE });
const lockOwnRx = send(({ context }: VcpuArgs) => context.own, spin.acquire(CTX_RX_LOCK));
const lockOwnTx = send(({ context }: VcpuArgs) => context.own, spin.acquire(CTX_TX_LOCK));
const releaseOwnRx = send(({ context }: VcpuArgs) => context.own, spin.release(CTX_RX_LOCK));
const rxtxMapOnOwn = send(({ context }: VcpuArgs) => context.own, { type: CTX_RXTX_MAP });
const trylockOk = ({ event }: VcpuArgs): boolean => event.ok === true;
const returnBusy = assign({ ret: (_: VcpuArgs) => FFA_RET.BUSY as number });
const returnRet = assign({ ret: ({ event }: VcpuArgs) => event.ret as number });

/** What the variants change: how `ffa_msg_send2_vm` takes the destination's rx_lock. */
export interface C13Options {
  /** Proposed fix: `spin_trylock(&dst_ctx->rx_lock)`, BUSY when contended. Upstream: `spin_lock`. */
  trylockDstRx: boolean;
}

/**
 * The sender's program, `ffa_handle_msg_send2` -> `ffa_msg_send2_vm` (ffa_msg.c, c447b730):
 *
 *     txTrylock   ffa_tx_acquire(src_ctx): spin_trylock(&src_ctx->tx_lock), else BUSY
 *     rxLock      ffa_rx_acquire(dst_ctx): spin_lock(&dst_ctx->rx_lock)      [upstream]
 *                                          spin_trylock, else BUSY           [proposed fix]
 *     rxAcquire   page_count / rx_is_free checks, rx_is_free = false; spin_unlock(rx_lock);
 *                 (copy into the destination's RX); ffa_tx_release(src_ctx)
 */
export function c13Send2Machine({ trylockDstRx: fixed }: C13Options) {
  const rxLock = fixed
    ? {
        entry: trylockDstRx,
        on: {
          [SPIN_TRYLOCK_RESULT]: [
            { guard: trylockOk, target: 'rxAcquire' },
            { target: 'done', actions: [releaseOwnTx, returnBusy] },
          ],
        },
      }
    : { entry: lockDstRx, on: { [SPIN_GRANTED]: { target: 'rxAcquire' } } };
  return createMachine({
    id: fixed ? 'send2+trylock-dst-rx' : 'send2',
    types: {} as { context: C13VcpuContext; input: C13VcpuContext; events: Message },
    context: vcpuContext,
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'txTrylock' } } },
      txTrylock: {
        entry: trylockOwnTx,
        on: {
          [SPIN_TRYLOCK_RESULT]: [
            { guard: trylockOk, target: 'rxLock' },
            { target: 'done', actions: returnBusy },
          ],
        },
      },
      rxLock,
      rxAcquire: { entry: rxAcquireOnDst, on: { [CTX_RET]: { target: 'done', actions: [releaseDstRx, releaseOwnTx, returnRet] } } },
      done: { type: 'final' },
    },
  });
}

/**
 * The mapper's program, `ffa_handle_rxtx_map` (ffa_rxtx.c, c447b730), identical in both variants:
 *
 *     rxLock  spin_lock(&ctx->rx_lock)
 *     txLock  spin_lock(&ctx->tx_lock)
 *     map     "Already mapped" -> DENIED, else map; spin_unlock tx, spin_unlock rx
 */
export function c13RxtxMapMachine() {
  return createMachine({
    id: 'rxtx_map',
    types: {} as { context: C13VcpuContext; input: C13VcpuContext; events: Message },
    context: vcpuContext,
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'rxLock' } } },
      rxLock: { entry: lockOwnRx, on: { [SPIN_GRANTED]: { target: 'txLock' } } },
      txLock: { entry: lockOwnTx, on: { [SPIN_GRANTED]: { target: 'map' } } },
      map: { entry: rxtxMapOnOwn, on: { [CTX_RET]: { target: 'done', actions: [releaseOwnTx, releaseOwnRx, returnRet] } } },
      done: { type: 'final' },
    },
  });
}

/**
 * The wait-for graph over ticket locks: CPU -> the CPU owning the lock it spins on. A cycle
 * means those CPUs spin forever. `owners` are the actors whose context holds `locks`.
 */
export function waitForAcyclic(owners: readonly string[]): Invariant {
  return {
    name: 'the wait-for graph stays acyclic',
    check: (view) => {
      const waitsFor = new Map<string, { lock: string; owner: string; holder: string }>();
      for (const owner of owners) {
        const { locks } = view.actor(owner).context as LockOwnerContext;
        for (const [lock, l] of Object.entries(locks)) for (const w of l.queue) if (l.owner !== null) waitsFor.set(w, { lock, owner, holder: l.owner });
      }
      for (const start of [...waitsFor.keys()].sort()) {
        const path: string[] = [];
        let at: string | undefined = start;
        while (at !== undefined && !path.includes(at)) {
          path.push(at);
          at = waitsFor.get(at)?.holder;
        }
        if (at === undefined) continue;
        const cycle = path.slice(path.indexOf(at));
        return `${cycle.map((c) => `${c} waits for ${waitsFor.get(c)?.owner}'s ${waitsFor.get(c)?.lock} held by ${waitsFor.get(c)?.holder}`).join('; ')}`;
      }
      return true;
    },
  };
}

/** Configuration of a C13 system. */
export interface C13SystemOptions {
  variant: Variant;
  /**
   * `4cpu`: the card's four vCPUs (A.v0 SEND2 to B, A.v1 RXTX_MAP, B.v0 SEND2 to A, B.v1
   * RXTX_MAP). `2cpu`: only A.v0 SEND2 to B and B.v1 RXTX_MAP: no deadlock is possible, but the
   * class cycle is there. `6cpu` (for PCT): three guests A, B, C in a ring, each with a vCPU
   * in SEND2 to the next (A to B, B to C, C to A) and one in RXTX_MAP.
   */
  cpus: '4cpu' | '2cpu' | '6cpu';
  /**
   * Also check the card's state property, the wait-for graph stays acyclic, as an invariant. Off
   * in the catalogue: there the deadlock itself is reported (its report names the same cycle),
   * and an invariant would stop the search one step before the deadlock is seen.
   */
  waitForInvariant?: boolean;
  /** Checkers; default lockdep (runtime/checkers/lockdep.ts). */
  checkers?: CheckerFactory[];
}

export const C13_CTX = { A: 'A.ctx', B: 'B.ctx' } as const;
/** The third guest's context, in the `6cpu` configuration only. */
export const C13_CTX_C = 'C.ctx';

/** The C13 system: two mapped, negotiated guests A and B, and their vCPUs. */
export function c13System({ variant, cpus, waitForInvariant = false, checkers = [lockdep] }: C13SystemOptions): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C13: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (cpus !== '4cpu' && cpus !== '2cpu' && cpus !== '6cpu') throw new ModelError(`C13: unknown configuration '${String(cpus)}'; use 4cpu, 2cpu or 6cpu`);
  const send2 = c13Send2Machine({ trylockDstRx: variant === 'fixed' });
  const map = c13RxtxMapMachine();
  const sender = (name: string, own: string, dst: string): ActorSpec => ({ name, machine: send2, input: { own, dst, ret: null } });
  const mapper = (name: string, own: string): ActorSpec => ({ name, machine: map, input: { own, dst: own, ret: null } });
  const C = C13_CTX_C;
  const vcpus: ActorSpec[] =
    cpus === '4cpu'
      ? [sender('A.v0', C13_CTX.A, C13_CTX.B), mapper('A.v1', C13_CTX.A), sender('B.v0', C13_CTX.B, C13_CTX.A), mapper('B.v1', C13_CTX.B)]
      : cpus === '6cpu'
        ? [
            ...[sender('A.v0', C13_CTX.A, C13_CTX.B), mapper('A.v1', C13_CTX.A)],
            ...[sender('B.v0', C13_CTX.B, C), mapper('B.v1', C13_CTX.B)],
            ...[sender('C.v0', C, C13_CTX.A), mapper('C.v1', C)],
          ]
        : [sender('A.v0', C13_CTX.A, C13_CTX.B), mapper('B.v1', C13_CTX.B)];
  const ctxNames = cpus === '6cpu' ? [C13_CTX.A, C13_CTX.B, C] : [C13_CTX.A, C13_CTX.B];
  const ctx = (name: string): ActorSpec => ({
    name,
    machine: c13CtxMachine(name, { pageCount: 1, rxIsFree: true }),
    daemon: true,
    resources: lockResources,
    label: c13CtxLabel,
  });
  return {
    name: `C13-${variant}-${cpus}`,
    actors: [...vcpus, ...ctxNames.map(ctx)],
    initialMessages: vcpus.map((v) => ({ to: v.name, event: { type: 'start' } })),
    invariants: waitForInvariant ? [waitForAcyclic(ctxNames)] : [],
    checkers,
  };
}

const TITLE = 'cross-domain lock order: SEND2 (own tx -> other rx) vs RXTX_MAP (rx -> tx)';
const SOURCE = {
  buggy: 'upstream HEAD c447b730: ffa_msg.c ffa_handle_msg_send2 / ffa_msg_send2_vm, ffa_rxtx.c ffa_tx_acquire, ffa_rx_acquire, ffa_handle_rxtx_map',
  fixed: 'PROPOSED (not upstream): HEAD c447b730 with spin_trylock of the destination rx_lock in ffa_msg_send2_vm (BUSY when contended)',
} as const;

function entry(variant: Variant, cpus: C13SystemOptions['cpus']): CatalogueEntry {
  const expected: CatalogueEntry['expected'] =
    variant === 'fixed' ? { verdict: 'verified' } : cpus === '4cpu' ? { verdict: 'violation', kind: 'deadlock' } : { verdict: 'violation', kind: 'lock-order' };
  return {
    id: 'C13',
    variant,
    config: cpus === '4cpu' ? '2 guests x 2 vCPUs' : '2 guests, 1 vCPU each',
    key: `C13/${variant}/${cpus}`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c13System({ variant, cpus }),
    expected,
    // lockdep reports the class cycle first; go on to the deadlock (4cpu) or to the end (2cpu).
    explore: { maxViolations: 2 },
  };
}

/** C13's catalogue entries: the card's four CPUs, and two CPUs (a class cycle, no deadlock possible). */
export const c13Entries: CatalogueEntry[] = [entry('buggy', '4cpu'), entry('fixed', '4cpu'), entry('buggy', '2cpu'), entry('fixed', '2cpu')];

/**
 * The larger configuration, explored with PCT: three guests in a SEND2 ring, each with a vCPU in
 * RXTX_MAP (BFS: 1,292,683 states for FIXED, 52 s). BUGGY: lockdep's class cycle, then the
 * deadlock; FIXED: PCT finds nothing, which proves nothing (the 4cpu entry is the verified one).
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant, '6cpu'),
    config: '3 guests x 2 vCPUs, SEND2 ring (PCT)',
    key: `C13/${variant}/6cpu-pct`,
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'deadlock' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT, maxViolations: 2 },
  };
}

/** C13's larger configuration, buggy and fixed, explored with PCT. */
export const c13PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
