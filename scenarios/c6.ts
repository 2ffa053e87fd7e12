/**
 * C6 — clearing `secure_pending` before vs after the NOTIFICATION_GET SMC (SCENARIOS.md card C6;
 * seed 003, S3 v4 changelog "Clear secure_pending in ffa_handle_notification_get() if both SP
 * and SPM bitmaps are retrieved").
 *
 * The race: the guest's NOTIFICATION_GET retrieves the SP's bits with the SMC; an SP then sets a
 * new bit, the SPMC raises the SRI, Xen's tasklet (`notif_sri_action`) gets the VM's id from
 * INFO_GET, sets `secure_pending` and injects the NPI. If the GET handler clears `secure_pending`
 * only after its SMC (the hypothetical order), it wipes that fresh flag: the guest takes the NPI,
 * its INFO_GET finds the flag clear and answers NO_DATA, so the guest never calls GET, and the
 * SPMC, which reports a pending notification only once, raises nothing more: the notification
 * is lost. Clearing first (the committed order, upstream today) leaves at worst a flag with no
 * bits behind it: a spurious NPI, which the property allows.
 *
 * Actors: `cpu0` (protocols/cpu.ts: idle loop, SRI handler `notif_irq_handler`, tasklet body
 * `notif_sri_action`: actors/sriTasklet.ts), `notif_sri_tasklet` (protocols/tasklet.ts), `gic`
 * (protocols/irq.ts), `spmc` (actors/spmcNotifications.ts), `sp` (two NOTIFICATION_SETs of
 * different bits to VM 2), `g1.vcpu0` (actors/notifGuest.ts: the guest's NPI handler and Xen's
 * INFO_GET/GET handlers on its pCPU), `g1.ctx` (actors/notifCtx.ts: `ctx->notif`). The domain
 * lives throughout (its lookup is C5's and C11's subject), so the tasklet makes none.
 *
 * BUGGY and FIXED are built by one function; they differ only in where the GET handler's
 * `secure_pending = false` store sits (actors/notifGuest.ts `clearAfterSmc`).
 *
 * Property (no lost wakeup), from the card, made precise: for the guest's VM, whenever the
 * SPMC holds pending bits that it has all reported already (so it raises no new SRI for them),
 * Xen's tasklet is not running, and the guest is not inside its INFO_GET/GET sequence, then
 * `secure_pending` is set or an NPI is pending for the guest. Spurious NPIs are allowed.
 */
import { ModelError } from '../runtime/errors.js';
import type { GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { cpuMachine, softirqPoint } from '../protocols/cpu.js';
import type { ExecContext } from '../runtime/checkers/conventions.js';
import { irqControllerLabel, irqControllerMachine } from '../protocols/irq.js';
import { taskletLabel, taskletMachine } from '../protocols/tasklet.js';
import { SRI_SGI } from '../actors/ffa.js';
import { SECURE_PENDING, effectiveField, notifCtxLabel, notifCtxMachine } from '../actors/notifCtx.js';
import { notifGuestMachine } from '../actors/notifGuest.js';
import { SPMC_NOTIF_ACTOR, spLabel, spMachine, spmcNotifLabel, spmcNotifMachine, type SpmcNotifContext } from '../actors/spmcNotifications.js';
import { SRI_TASKLET, VGIC_NPI, notifIrqHandlerBody, notifSriActionBody, sriLocals } from '../actors/sriTasklet.js';
import { settledValue, weakMemory, type MemoryModel, type WeakMemory } from '../protocols/weakMemory.js';
import type { Scalar } from '../protocols/memory.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/** The guest's FF-A VM id: domid 1 + 1. */
export const C6_VM = 2;
const CPU = 'cpu0';
const GIC = 'gic';
const VCPU = 'g1.vcpu0';
const CTX = 'g1.ctx';
const CTX_OBJ = 'ctx:g1';
const SP = 'sp';

export interface C6Options {
  variant: Variant;
  /** NOTIFICATION_SETs the SP makes, each a new bit; at least 1 (the race needs 2). Default 2. */
  sets?: number;
  /**
   * The ctx under a memory model (protocols/weakMemory.ts, scenarios/c6Wmm.ts) instead of the
   * sequentially consistent home: `smcOrders` says whether the SPMC orders the caller's earlier
   * stores before acting on the SMC (default true; see actors/notifGuest.ts).
   */
  memory?: { model: MemoryModel; smcOrders?: boolean };
}

/** The card's property, given whether `secure_pending` counts as set in a state (undefined: not settled yet). */
function noLostWakeup(flag: (view: GlobalView) => Scalar | undefined): Invariant {
  return {
    name: 'no lost wakeup',
    reads: [SPMC_NOTIF_ACTOR, CPU, VCPU, CTX],
    check: (view: GlobalView) => {
      const bm = (view.actor(SPMC_NOTIF_ACTOR).context as SpmcNotifContext).bitmaps[String(C6_VM)];
      if (!bm || bm.pending === 0 || (bm.pending & ~bm.reported) !== 0) return true;
      const exec = (view.actor(CPU).context as { exec: ExecContext }).exec;
      if (exec.frames.some((f) => f.kind === 'tasklet')) return true;
      if (!view.actor(VCPU).matches('idle')) return true;
      const pending = flag(view);
      if (pending === undefined || pending === true) return true;
      if (view.mailbox(VCPU).some((m) => m.type === VGIC_NPI)) return true;
      return `the SPMC holds reported bits 0x${bm.pending.toString(16)} for VM ${C6_VM}, but secure_pending is clear and no NPI is pending: nothing will make the guest call NOTIFICATION_GET (lost notification)`;
    },
  };
}

/** The card's property, as a state invariant; see the header. */
export const c6NoLostWakeup: Invariant = noLostWakeup((view) => effectiveField(view, CTX, CTX_OBJ, SECURE_PENDING));

/** The ctx as a weak memory: `secure_pending`, stored by cpu0 (the tasklet) and the vCPU (GET's clear, INFO_GET's test_and_clear). */
export function c6Memory(model: MemoryModel): WeakMemory {
  const loc = `${CTX_OBJ}.${SECURE_PENDING}`;
  return weakMemory({ name: CTX, model, cpus: [CPU, VCPU], objects: { [CTX_OBJ]: { [SECURE_PENDING]: false } }, access: { [CPU]: { writes: [loc] }, [VCPU]: { writes: [loc] } } });
}

/**
 * The C6 system.
 *
 * @example
 * ```ts
 * const result = explore(c6System({ variant: 'buggy' }));
 * // result.violations[0].message: "invariant 'no lost wakeup' violated: ..."
 * ```
 */
export function c6System({ variant, sets = 2, memory }: C6Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C6: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (!Number.isInteger(sets) || sets < 1 || sets > 4) throw new ModelError(`C6: sets must be an integer from 1 to 4, got ${String(sets)}`);
  const cpu0 = cpuMachine({
    id: CPU,
    irqController: GIC,
    context: { ...sriLocals() },
    program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
    irqHandlers: { [SRI_SGI]: notifIrqHandlerBody(CPU) },
    registered: [SRI_SGI],
    tasklets: { [SRI_TASKLET]: notifSriActionBody({ lookup: 'none', vms: { [C6_VM]: { home: CTX, obj: CTX_OBJ, vcpu: VCPU, ...(memory ? { weakHome: true } : {}) } } }) },
  });
  const weak = memory ? c6Memory(memory.model) : undefined;
  const smcOrders = memory?.smcOrders ?? true;
  const ctx = weak
    ? weak.actors
    : [{ name: CTX, machine: notifCtxMachine({ name: CTX, obj: CTX_OBJ, domid: C6_VM - 1, freeOnDestroyed: false }), daemon: true, label: notifCtxLabel(CTX_OBJ) }];
  const suffix = memory ? `-${memory.model}${smcOrders ? '' : '-smc-unordered'}` : '';
  return {
    name: `C6-${variant}${sets === 2 ? '' : `-${sets}sets`}${suffix}`,
    actors: [
      { name: SP, machine: spMachine(SP, { vm: C6_VM, bits: Array.from({ length: sets }, (_, i) => 1 << i), cpu: CPU }), label: spLabel },
      { name: SPMC_NOTIF_ACTOR, machine: spmcNotifMachine({ bitmaps: [C6_VM], gic: GIC }), daemon: true, label: spmcNotifLabel },
      { name: GIC, machine: irqControllerMachine(GIC, [CPU]), daemon: true, label: irqControllerLabel },
      { name: CPU, machine: cpu0, daemon: true },
      { name: SRI_TASKLET, machine: taskletMachine(SRI_TASKLET), daemon: true, label: taskletLabel },
      { name: VCPU, machine: notifGuestMachine({ vm: C6_VM, home: CTX, obj: CTX_OBJ, clearAfterSmc: variant === 'buggy', smcOrders: weak !== undefined && smcOrders }), daemon: true },
      ...ctx,
    ],
    initialMessages: [{ to: SP, event: { type: 'start' } }],
    invariants: [weak ? noLostWakeup((view) => settledValue(view, weak, CTX_OBJ, SECURE_PENDING)) : c6NoLostWakeup],
  };
}

const TITLE = 'secure_pending cleared before vs after the NOTIFICATION_GET SMC vs a new notification (lost wakeup)';
const SOURCE = {
  buggy: 'seed 003_23e78fcb4ca80663.txt (S3 v4 changelog): the hypothetical clear-after order in ffa_handle_notification_get',
  fixed: 'seed 003 S3 v4-v6 ffa_handle_notification_get (clear, then SMC); upstream b490f470 .. c447b730 ffa_notif.c',
} as const;

function entry(variant: Variant): CatalogueEntry {
  return {
    id: 'C6',
    variant,
    config: '1 guest, 2 sets',
    key: `C6/${variant}/1g`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c6System({ variant }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'verified' },
  };
}

/** C6's catalogue entries: buggy and fixed, one guest, an SP setting two notifications. */
export const c6Entries: CatalogueEntry[] = [entry('buggy'), entry('fixed')];

/**
 * The larger configuration, explored with PCT: the SP makes four NOTIFICATION_SETs. (BFS still
 * verifies FIXED here, about a quarter of a million states; the PCT entry shows what a sampling
 * search finds: BUGGY's lost notification, and for FIXED nothing, which proves nothing.)
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant),
    config: '1 guest, 4 sets (PCT)',
    key: `C6/${variant}/4sets-pct`,
    build: () => c6System({ variant, sets: 4 }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C6's larger configuration, buggy and fixed, explored with PCT. */
export const c6PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
