/**
 * C5 — the notification path vs domain teardown (SCENARIOS.md card C5; seed 003, S3 changelog
 * v4 -> v5).
 *
 * The race (BUGGY, S3 v4): the SRI handler itself runs FFA_NOTIFICATION_INFO_GET and, for the
 * reported VM, `rcu_lock_live_remote_domain_by_id`: it finds domain D alive, inside an RCU
 * read-side section. Meanwhile `domain_kill(D)` on cpu1 sets `is_dying`, calls
 * `ffa_domain_teardown`, and `ffa_domain_teardown_continue` frees the context at once
 * (`xfree(ctx)`). The handler then stores `ctx->notif.secure_pending = true` into freed memory.
 * The RCU read lock protects `struct domain` (freed only by `complete_domain_destroy`, an RCU
 * callback), not a ctx freed outside RCU.
 *
 * FIXED (S3 v5/v6, upstream c447b730): the context is freed by `ffa_free_domain_ctx`
 * (`XFREE(d->arch.tee)`), the mediator's `free_domain_ctx` hook, which
 * `complete_domain_destroy` -> `arch_domain_destroy` -> `tee_free_domain_ctx` calls after a
 * grace period; the IRQ handler only schedules `notif_sri_tasklet`; the tasklet's
 * `notif_vm_pend_intr` looks the domain up with `rcu_lock_domain_by_id` (no dying check). These
 * three are exactly what v4 -> v5 changed, and the only differences between the variants
 * (cpu0's SRI handler and tasklet body, cpu1's teardown, the domain table's destroy hook).
 *
 * Actors: `sp` (one NOTIFICATION_SET to VM 2 = domid 1, SRI on cpu0), `spmc`, `gic`, `cpu0`
 * (idle; the SRI handler; in FIXED the tasklet body: actors/sriTasklet.ts), `cpu1` (the
 * toolstack's `domain_kill(1)` and `ffa_domain_teardown`), `notif_sri_tasklet`, `domains`
 * (protocols/domain.ts: domain_kill, teardown, put_domain, domain_destroy, call_rcu(
 * complete_domain_destroy)), `rcu` (protocols/rcu.ts: grace periods, quiescent states only from
 * softirq points), `d1.ctx` (actors/notifCtx.ts: the ctx, a heap object).
 *
 * Not modelled (they do not change who can interleave where): `domain_pause`, the VM list and
 * RX/TX teardown and `ffa_notif_domain_destroy`'s BITMAP_DESTROY (whose error Xen ignores),
 * the load of `d->arch.tee` (it is read with the lookup's answer), the NPI injection (no guest
 * here: C6 has one).
 *
 * RCU's idle mask (protocols/rcu.ts, on by default, `idleMask`): cpu0 and the idle CPUs sleep in
 * `do_idle` and are left out of grace periods; cpu0 leaves the mask to run the tasklet
 * (`idle_loop` -> `do_tasklet`), but its IRQ handler runs inside it. Measured (c5.spec.ts): the
 * verdicts do not change (BUGGY: the same 12-step ctx-freed-under-a-reader schedule; FIXED
 * verified); the mask adds a second way v4 fails: `struct domain` itself freed while the v4
 * handler, which found it, is still in its read-side section ({@link c5DomainFreedAfterReaders},
 * 16 steps, unreachable without the mask). So v5's move of the lookup into a tasklet is also
 * what makes its RCU read-side section count.
 *
 * Properties: no access to the ctx after it is freed (runtime/checkers/useAfterFree.ts); the
 * ctx is freed only after every RCU reader that found the domain has left its read-side
 * section ({@link c5FreeAfterReaders}). A reader "that found the domain" is a CPU inside a
 * read-side section with the lookup's successful answer on its way to it.
 */
import { ModelError } from '../runtime/errors.js';
import type { GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import type { ExecContext } from '../runtime/checkers/conventions.js';
import { useAfterFree } from '../runtime/checkers/useAfterFree.js';
import { send } from '../runtime/model.js';
import { cpuMachine, softirqPoint } from '../protocols/cpu.js';
import { DOMAIN_KILLED, DOMAIN_LOOKUP_RESULT, DOMAIN_TEARDOWN, domain, domainTableLabel, domainTableMachine, type DomainTableContext } from '../protocols/domain.js';
import { irqControllerLabel, irqControllerMachine } from '../protocols/irq.js';
import { mem } from '../protocols/memory.js';
import { idleLoopBody, rcuLabel, rcuMachine } from '../protocols/rcu.js';
import { taskletLabel, taskletMachine } from '../protocols/tasklet.js';
import { SRI_SGI } from '../actors/ffa.js';
import { notifCtxLabel, notifCtxMachine, type NotifCtxContext } from '../actors/notifCtx.js';
import { SPMC_NOTIF_ACTOR, spLabel, spMachine, spmcNotifLabel, spmcNotifMachine } from '../actors/spmcNotifications.js';
import { SRI_TASKLET, notifIrqHandlerBody, notifSriActionBody, sriLocals } from '../actors/sriTasklet.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/** The guest: domid 1, FF-A VM id 2. */
export const C5_DOMID = 1;
export const C5_VM = C5_DOMID + 1;
const CPUS = ['cpu0', 'cpu1'];
const GIC = 'gic';
const RCU = 'rcu';
const DOMAINS = 'domains';
const CTX = 'd1.ctx';
const CTX_OBJ = 'ctx:d1';

export interface C5Options {
  variant: Variant;
  /** NOTIFICATION_SETs the SP makes, each a new bit; 1 to 3. Default 1. */
  sets?: number;
  /** CPUs, 2 to 4: cpu0 takes the SRIs, cpu1 kills the domain, the others idle (no RCU readers). Default 2. */
  cpus?: number;
  /**
   * Model Xen's RCU idle mask (default true): cpu0 and the idlers sleep in `do_idle`, so a grace
   * period that starts meanwhile does not wait for them; cpu0 leaves the mask to run the tasklet.
   * False: every online CPU is waited for, as before the mask was modelled.
   */
  idleMask?: boolean;
}

/** The ctx is freed only after every RCU reader that found its domain has left. */
export const c5FreeAfterReaders: Invariant = {
  name: 'ctx freed only after the RCU readers that found its domain',
  reads: [CTX, ...CPUS],
  check: (view: GlobalView) => {
    if ((view.actor(CTX).context as NotifCtxContext).heap[CTX_OBJ]?.live !== false) return true;
    for (const cpu of CPUS) {
      const exec = (view.actor(cpu).context as { exec: ExecContext }).exec;
      const found = view.mailbox(cpu).some((m) => m.type === DOMAIN_LOOKUP_RESULT && m.id === C5_DOMID && m.rc === 0);
      if (exec.rcu > 0 && found) return `${CTX_OBJ} was freed while ${cpu}, which found domain ${C5_DOMID}, is still inside its RCU read-side section`;
    }
    return true;
  },
};

/**
 * `struct domain` is freed (complete_domain_destroy) only after every RCU reader that found it has
 * left. Fails only for S3 v4 with the idle mask modelled: its reader runs in IRQ context on cpu0,
 * which is asleep in `do_idle` and so in the idle mask, and a grace period that starts meanwhile
 * does not wait for it (c5.spec.ts). v5's tasklet runs outside `do_idle`, so its reader counts.
 */
export const c5DomainFreedAfterReaders: Invariant = {
  name: 'struct domain freed only after the RCU readers that found it',
  reads: [DOMAINS, ...CPUS],
  check: (view: GlobalView) => {
    if ((view.actor(DOMAINS).context as DomainTableContext).heap[`domain:${C5_DOMID}`]?.live !== false) return true;
    for (const cpu of CPUS) {
      const exec = (view.actor(cpu).context as { exec: ExecContext }).exec;
      const found = view.mailbox(cpu).some((m) => m.type === DOMAIN_LOOKUP_RESULT && m.id === C5_DOMID && m.rc === 0);
      if (exec.rcu > 0 && found) return `domain ${C5_DOMID} was freed while ${cpu}, which found it, is still inside its RCU read-side section`;
    }
    return true;
  },
};

/**
 * S3 v4's handler, or v5's handler + tasklet, on cpu0, which otherwise sleeps in the idle loop:
 * the IRQ handler runs inside the RCU idle mask (before `rcu_idle_exit`), the tasklet outside it.
 */
function cpu0(variant: Variant, idleMask: boolean) {
  const vms = { [C5_VM]: { home: CTX, obj: CTX_OBJ } };
  const work = notifSriActionBody({ lookup: variant === 'buggy' ? 'live_remote' : 'any', domains: DOMAINS, vms });
  return cpuMachine({
    id: 'cpu0',
    irqController: GIC,
    context: { ...sriLocals() },
    program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
    irqHandlers: { [SRI_SGI]: variant === 'buggy' ? work : notifIrqHandlerBody('cpu0') },
    registered: [SRI_SGI],
    tasklets: variant === 'buggy' ? {} : { [SRI_TASKLET]: idleMask ? idleLoopBody(work, RCU) : work },
  });
}

/**
 * cpu1: the toolstack's XEN_DOMCTL_destroydomain -> `domain_kill(1)`; the domain table calls
 * back `domain_teardown` -> `ffa_domain_teardown`, which ends in `ffa_domain_teardown_continue`
 * (nothing to retry here): S3 v4 frees the ctx there, v5 leaves it to `ffa_free_domain_ctx`.
 */
function cpu1(variant: Variant) {
  const teardown = variant === 'buggy' ? [send(CTX, mem.free(CTX_OBJ)), send(DOMAINS, domain.teardownDone(C5_DOMID))] : [send(DOMAINS, domain.teardownDone(C5_DOMID))];
  return cpuMachine({
    id: 'cpu1',
    irqController: GIC,
    program: {
      initial: 'idle',
      states: {
        idle: { meta: softirqPoint(), on: { start: { target: 'killing', actions: send(DOMAINS, domain.kill(C5_DOMID)) } } },
        killing: { on: { [DOMAIN_KILLED]: { target: 'teardown' } } },
        teardown: { on: { [DOMAIN_TEARDOWN]: { target: 'dead', actions: teardown } } },
        dead: { meta: softirqPoint() },
      },
    },
  });
}

/**
 * The C5 system.
 *
 * @example
 * ```ts
 * const result = explore(c5System({ variant: 'buggy' }), { maxViolations: 5 });
 * // result.violations: the ctx freed under a reader, then the use-after-free of secure_pending
 * ```
 */
export function c5System({ variant, sets = 1, cpus = 2, idleMask = true }: C5Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C5: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (!Number.isInteger(sets) || sets < 1 || sets > 3) throw new ModelError(`C5: sets must be an integer from 1 to 3, got ${String(sets)}`);
  if (!Number.isInteger(cpus) || cpus < 2 || cpus > 4) throw new ModelError(`C5: cpus must be an integer from 2 to 4, got ${String(cpus)}`);
  const allCpus = Array.from({ length: cpus }, (_, i) => `cpu${i}`);
  // The CPUs beyond cpu1 only idle: softirq points, where they pass quiescent states.
  const idlers = allCpus.slice(2).map((id) => ({ name: id, machine: cpuMachine({ id, irqController: GIC, program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } } }), daemon: true }));
  return {
    name: `C5-${variant}${sets === 1 ? '' : `-${sets}sets`}${cpus === 2 ? '' : `-${cpus}cpu`}${idleMask ? '' : '-no-idle-mask'}`,
    actors: [
      { name: 'sp', machine: spMachine('sp', { vm: C5_VM, bits: Array.from({ length: sets }, (_, i) => 1 << i), cpu: 'cpu0' }), label: spLabel },
      { name: SPMC_NOTIF_ACTOR, machine: spmcNotifMachine({ bitmaps: [C5_VM], gic: GIC }), daemon: true, label: spmcNotifLabel },
      { name: GIC, machine: irqControllerMachine(GIC, allCpus), daemon: true, label: irqControllerLabel },
      { name: 'cpu0', machine: cpu0(variant, idleMask), daemon: true },
      { name: 'cpu1', machine: cpu1(variant), daemon: true },
      ...idlers,
      { name: SRI_TASKLET, machine: taskletMachine(SRI_TASKLET), daemon: true, label: taskletLabel },
      {
        name: DOMAINS,
        // S3 v5 adds the free_domain_ctx hook that complete_domain_destroy calls.
        machine: domainTableMachine({ name: DOMAINS, rcu: RCU, initial: [C5_DOMID], teardown: ['cpu1'], destroyed: variant === 'buggy' ? [] : [CTX] }),
        daemon: true,
        label: domainTableLabel,
      },
      // cpu0 and the idlers sleep in do_idle (rcu_idle_enter); cpu1 runs the toolstack's hypercall.
      { name: RCU, machine: rcuMachine(RCU, allCpus, { idle: idleMask ? allCpus.filter((c) => c !== 'cpu1') : [] }), daemon: true, label: rcuLabel },
      { name: CTX, machine: notifCtxMachine({ name: CTX, obj: CTX_OBJ, domid: C5_DOMID, freeOnDestroyed: true }), daemon: true, label: notifCtxLabel(CTX_OBJ) },
    ],
    initialMessages: [
      { to: 'sp', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
    invariants: [c5FreeAfterReaders, c5DomainFreedAfterReaders],
    checkers: [useAfterFree],
  };
}

const TITLE = 'SRI path (lookup + secure_pending store) vs domain_kill freeing the FF-A ctx';
const SOURCE = {
  buggy: 'seed 003_23e78fcb4ca80663.txt, S3 v4: lookup in notif_irq_handler (rcu_lock_live_remote_domain_by_id), xfree(ctx) in ffa_domain_teardown_continue',
  fixed: 'seed 003 S3 v5/v6 changelog and diff: notif_sri_tasklet, rcu_lock_domain_by_id, ffa_free_domain_ctx from complete_domain_destroy; upstream c447b730',
} as const;

function entry(variant: Variant): CatalogueEntry {
  return {
    id: 'C5',
    variant,
    config: '2 CPUs, 1 guest',
    key: `C5/${variant}/2cpu`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c5System({ variant }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'verified' },
  };
}

/** C5's catalogue entries. */
export const c5Entries: CatalogueEntry[] = [entry('buggy'), entry('fixed')];

/**
 * The larger configuration, explored with PCT: three CPUs (cpu2 idles, one more CPU every grace
 * period waits for) and an SP making three NOTIFICATION_SETs, so up to three SRIs and lookups
 * race the kill. PCT finds BUGGY's ctx freed under the SRI handler's reader; for FIXED it finds
 * nothing, which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant),
    config: '3 CPUs, 1 guest, 3 sets (PCT)',
    key: `C5/${variant}/3cpu-3sets-pct`,
    build: () => c5System({ variant, sets: 3, cpus: 3 }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C5's larger configuration, buggy and fixed, explored with PCT. */
export const c5PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
