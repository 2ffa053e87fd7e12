/**
 * C11 — a domain ID reused between NOTIFICATION_INFO_GET and the RCU lookup (SCENARIOS.md card
 * C11; the comment in `notif_vm_pend_intr`, seed 003 S3 v6 and upstream c447b730).
 *
 * The race: `notif_sri_action` gets VM id 2 from INFO_GET because domain 1 (D1) has a pending
 * notification. Before `notif_vm_pend_intr` looks the id up, D1 is killed and destroyed and a
 * new domain D2 is created with the same domid; `rcu_lock_domain_by_id(1)` finds D2, and the
 * tasklet sets D2's `secure_pending` and injects an NPI into D2. Upstream's comment claims the
 * worst case is a spurious NPI. The property: D2 may get spurious NPIs, never D1's bits.
 *
 * Verdict, from the explorer: the property holds (verified, both variants), and more: the race
 * itself cannot happen in upstream. Two things rule it out, both in the model:
 *
 * 1. A report made before D1's teardown: the id is not free until a grace period has passed
 *    that the tasklet holds off. (Xen leaves idle CPUs out of grace periods, `rcu_start_batch`'s
 *    idle mask; a CPU running a tasklet is not idle, so a grace period that begins while the
 *    tasklet runs waits for it, and one that began while cpu0 slept cannot free a domain the
 *    tasklet then finds: D1 is off the domain list before its grace period starts. Modelled with
 *    `idleMask`; the verdicts do not change.) The domid returns to the allocator in `_domain_destroy`
 *    (`domid_free`), run from `complete_domain_destroy`, the RCU callback queued when D1's last
 *    reference goes, after its teardown; cpu0 passes no quiescent state while
 *    `notif_sri_action` runs (quiescent states are reported from `__do_softirq`; a tasklet is
 *    not interrupted by softirq processing), so `domid_free`, and any D2 with that id, comes
 *    after the tasklet's lookup.
 * 2. A report made after D1's teardown means D1's bitmap survived it (BITMAP_DESTROY refused),
 *    and then no D2 can exist. More generally, the guest reads bits only through
 *    FFA_NOTIFICATION_GET, which the SPMC answers from VM id 2's bitmap as it is then. D2 gets
 *    FF-A only if its `ffa_notif_domain_init` creates that bitmap, which the SPMC refuses
 *    (DENIED) while D1's exists; D1's goes only through D1's teardown (`ffa_notif_domain_destroy`),
 *    which the SPMC refuses while notifications are pending, as Hafnium does (Xen ignores the
 *    error). So D1's bits are retrieved before D2 exists, or D2 is never created.
 *
 * c11.spec.ts shows the lookup never finding D2 for a report made for D1 (1 and 2 SETs), D2 still
 * being created and notified in other runs (the probe is not vacuous), and an SPMC that accepted
 * BITMAP_CREATE over a bitmap with pending bits handing D1's bits to D2 (the property bites, and
 * point 2 is what it rests on). The comment in `notif_vm_pend_intr` is safe but pessimistic: the
 * "reused domain ID" branch is unreachable while the domid outlives the grace period.
 *
 * A side finding (not the card's property; config `bitmap-left`, docs/findings/): when D1 dies with
 * a notification pending, Hafnium refuses BITMAP_DESTROY (DENIED while notifications are pending)
 * and `ffa_notif_domain_destroy` ignores the error, so the bitmap stays in the SPMC; every later
 * domain with domid 1 then fails `ffa_domain_init` (-ENOMEM from the DENIED create), and nothing
 * ever retrieves those bits ({@link c11DomidReusable}). A PROPOSED fix, verified: when the destroy
 * is refused, Xen retrieves the VM's pending SP and SPM notifications with FFA_NOTIFICATION_GET
 * on its behalf (it already issues that call for guests) and destroys again.
 *
 * Variants: the card has no historic buggy code for this race. BUGGY is the seed's S3 v6
 * `ffa_notif_domain_destroy` (BITMAP_DESTROY only `if ( ctx->notif.enabled )`), FIXED is
 * upstream since e6794b68 ("Remove per VM notif_enabled": BITMAP_DESTROY whenever notifications
 * are enabled, "even if bitmap create failed"). They differ only in the teardown of a domain
 * whose init failed at the bitmap create (D2 here): upstream sends one more BITMAP_DESTROY,
 * which the SPMC refuses. Both are verified: the expected verdict of either is `verified`.
 *
 * The use-after-free checker is not part of the system (C5 is the card about the ctx's lifetime;
 * here it would cost most of the search time): c11.spec.ts runs it once over every interleaving.
 *
 * Configuration: 2 SETs, the fewest for which a D1-era report could still be pending while D1's bits
 * are retrieved (with one, that report is the one that woke D1's guest).
 *
 * Actors: `sp` (NOTIFICATION_SETs to VM id 2, SRI on cpu0), `spmc`, `gic`, `cpu0` (SRI handler,
 * tasklet body with `d->arch.tee` loaded from the domain found: actors/sriTasklet.ts `archTee`),
 * `notif_sri_tasklet`, `cpu1` (the toolstack: `domain_pause` + `domain_kill(1)` with
 * `ffa_domain_teardown`'s BITMAP_DESTROY; after `complete_domain_destroy`, `domain_create(1)`:
 * `ffa_domain_init` allocates ctx:d2 and creates the bitmap before the domain is listed; on
 * failure the half-built domain is torn down), `domains`, `rcu`, `g1.vcpu0`/`d1.ctx` (D1's guest
 * and ctx), `g2.vcpu0`/`d2.ctx` (D2's).
 */
import { ModelError } from '../runtime/errors.js';
import type { GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { send, type Message } from '../runtime/model.js';
import { cpuMachine, softirqPoint } from '../protocols/cpu.js';
import { DOMAIN_CREATED, DOMAIN_DESTROYED, DOMAIN_KILLED, DOMAIN_TEARDOWN, domain, domainTableLabel, domainTableMachine } from '../protocols/domain.js';
import { irqControllerLabel, irqControllerMachine } from '../protocols/irq.js';
import { mem } from '../protocols/memory.js';
import { idleLoopBody, rcuLabel, rcuMachine } from '../protocols/rcu.js';
import { SMC_RESULT } from '../protocols/smc.js';
import { taskletLabel, taskletMachine } from '../protocols/tasklet.js';
import { SRI_SGI } from '../actors/ffa.js';
import { notifCtxLabel, notifCtxMachine } from '../actors/notifCtx.js';
import { VCPU_PAUSE, VCPU_PAUSED, notifGuestMachine, type NotifGuestContext } from '../actors/notifGuest.js';
import { NOTIF_FLAG_BITMAP_SP, NOTIF_FLAG_BITMAP_SPM, SPMC_NOTIF_ACTOR, notifSmc, smcOk, spLabel, spMachine, spmcNotifLabel, spmcNotifMachine } from '../actors/spmcNotifications.js';
import { SRI_TASKLET, notifIrqHandlerBody, notifSriActionBody, sriLocals } from '../actors/sriTasklet.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

export const C11_DOMID = 1;
/** FF-A VM id of both incarnations. */
export const C11_VM = C11_DOMID + 1;
const CPUS = ['cpu0', 'cpu1'];
const GIC = 'gic';
const RCU = 'rcu';
const DOMAINS = 'domains';
/** Each incarnation: its guest vCPU, ctx home and object, and the generation its bitmap gets. */
export const C11_INCARNATIONS = [
  { vcpu: 'g1.vcpu0', home: 'd1.ctx', obj: 'ctx:d1', gen: 1 },
  { vcpu: 'g2.vcpu0', home: 'd2.ctx', obj: 'ctx:d2', gen: 2 },
] as const;

/**
 * Where `d->arch.tee` of the domain with id `domid` is kept: a field of the domain table, named
 * by the id. protocols/domain.ts names a domain's memory `domain:<id>`, which the two
 * incarnations share, so `d->arch.tee` lives in a name of its own; the lifetime of `struct
 * domain` itself is C5's subject, not this card's.
 */
export function archTeeSlot(domid: number): string {
  return `domslot:${domid}`;
}

export interface C11Options {
  variant: Variant;
  /** PROPOSED fix of the side finding: drain the bitmap when BITMAP_DESTROY is refused (default false). */
  drainOnDestroy?: boolean;
  /** Also check {@link c11DomidReusable} (the side finding's property; default false). */
  checkReuse?: boolean;
  /** NOTIFICATION_SETs the SP makes (each a new bit); default 2. */
  sets?: number;
  /**
   * Model RCU's idle mask (protocols/rcu.ts): cpu0 sleeps in `do_idle`, left out of grace periods,
   * and leaves the mask to run the tasklet. Default false: it changes no verdict here (c11.spec.ts
   * verifies both variants with it: 242,947 and 254,103 states),
   * because the only code that runs inside the mask, the SRI handler, takes no RCU read lock.
   */
  idleMask?: boolean;
}

/** The card's property: a guest gets bits only from its own incarnation's bitmap. */
export const c11OwnBitsOnly: Invariant = {
  name: "no guest gets another VM's notification bits",
  reads: C11_INCARNATIONS.map((i) => i.vcpu),
  check: (view: GlobalView) => {
    for (const inc of C11_INCARNATIONS) {
      const g = view.actor(inc.vcpu).context as NotifGuestContext;
      const foreign = g.fromGens.filter((gen) => gen !== inc.gen);
      if (foreign.length) return `${inc.vcpu} got notification bits from bitmap generation ${foreign.join(',')}, which the SPMC created for another domain with VM id ${C11_VM}`;
    }
    return true;
  },
};

/**
 * The side finding's property: once D1 is destroyed, domid 1 can be created again with FF-A
 * (the toolstack's second XEN_DOMCTL_createdomain does not fail).
 */
export const c11DomidReusable: Invariant = {
  name: 'domid 1 can get FF-A again once D1 is destroyed',
  reads: ['cpu1'],
  check: (view: GlobalView) =>
    !view.actor('cpu1').matches({ task: 'failed' }) ||
    `the re-creation of domain ${C11_DOMID} failed in ffa_notif_domain_init: the SPMC refused BITMAP_CREATE for VM id ${C11_VM}, whose bitmap survived D1's teardown (BITMAP_DESTROY refused while a notification was pending; the error ignored)`,
};

/** FFA_NOTIF_FLAG_BITMAP_SP | _SPM: the notifications the SPMC keeps for a VM. */
const DRAIN_FLAGS = NOTIF_FLAG_BITMAP_SP | NOTIF_FLAG_BITMAP_SPM;

/**
 * cpu1, the toolstack. `destroyAfterFailedCreate`: the seed's S3 v6 teardown skips
 * BITMAP_DESTROY when the create failed (`ctx->notif.enabled` false); upstream (e6794b68) calls it.
 * `drainOnDestroy` (PROPOSED, not upstream): when BITMAP_DESTROY is refused, retrieve the VM's
 * pending SP and SPM notifications with FFA_NOTIFICATION_GET on its behalf and destroy again.
 */
function toolstack(variant: Variant, drainOnDestroy: boolean) {
  const [d1, d2] = C11_INCARNATIONS;
  const destroyAfterFailedCreate = variant === 'fixed';
  const gone = { target: 'gone', actions: send(DOMAINS, domain.teardownDone(C11_DOMID)) };
  return cpuMachine({
    id: 'cpu1',
    irqController: GIC,
    program: {
      initial: 'idle',
      states: {
        // XEN_DOMCTL_destroydomain: domain_kill -> domain_pause (waits for the vCPU to leave Xen).
        idle: { meta: softirqPoint(), on: { start: { target: 'pausing', actions: send(d1.vcpu, { type: VCPU_PAUSE }) } } },
        pausing: { on: { [VCPU_PAUSED]: { target: 'killing', actions: send(DOMAINS, domain.kill(C11_DOMID)) } } },
        killing: { on: { [DOMAIN_KILLED]: { target: 'teardown' } } },
        // ffa_domain_teardown -> ffa_notif_domain_destroy: BITMAP_DESTROY; an error is ignored.
        teardown: { on: { [DOMAIN_TEARDOWN]: { target: 'bmDestroy', actions: send(SPMC_NOTIF_ACTOR, notifSmc.bitmapDestroy(C11_VM)) } } },
        bmDestroy: {
          on: {
            [SMC_RESULT]: drainOnDestroy
              ? [{ guard: ({ event }: { event: Message }) => !smcOk(event), target: 'drain', actions: send(SPMC_NOTIF_ACTOR, notifSmc.get(C11_VM, DRAIN_FLAGS)) }, gone]
              : gone,
          },
        },
        // PROPOSED: NOTIFICATION_GET for the dying VM (its bits are dropped), then BITMAP_DESTROY again.
        ...(drainOnDestroy ? { drain: { on: { [SMC_RESULT]: { target: 'bmDestroy', actions: send(SPMC_NOTIF_ACTOR, notifSmc.bitmapDestroy(C11_VM)) } } } } : {}),
        // After complete_domain_destroy the id is free: XEN_DOMCTL_createdomain(1) ->
        // ffa_domain_init: xzalloc ctx:d2, ..., ffa_notif_domain_init: BITMAP_CREATE.
        gone: { meta: softirqPoint(), on: { [DOMAIN_DESTROYED]: { target: 'bmCreate', actions: send(SPMC_NOTIF_ACTOR, notifSmc.bitmapCreate(C11_VM)) } } },
        bmCreate: {
          on: {
            [SMC_RESULT]: [
              // The domain is listed (findable) only once created: then d->arch.tee = ctx:d2.
              { guard: ({ event }: { event: Message }) => smcOk(event), target: 'creating', actions: [send(DOMAINS, domain.create(C11_DOMID)), send(DOMAINS, mem.write(archTeeSlot(C11_DOMID), 'arch.tee', d2.obj))] },
              // -ENOMEM: domain_create fails; ffa_domain_teardown of the half-built domain.
              destroyAfterFailedCreate ? { target: 'failing', actions: send(SPMC_NOTIF_ACTOR, notifSmc.bitmapDestroy(C11_VM)) } : { target: 'failed' },
            ],
          },
        },
        creating: { on: { [DOMAIN_CREATED]: { target: 'running' } } },
        failing: { on: { [SMC_RESULT]: { target: 'failed' } } },
        running: { meta: softirqPoint() },
        failed: { meta: softirqPoint() },
      },
    },
  });
}

/**
 * The C11 system.
 *
 * @example
 * ```ts
 * const result = explore(c11System({ variant: 'fixed' }));
 * // result.verdict: 'verified'
 * ```
 */
export function c11System({ variant, sets = 2, idleMask = false, drainOnDestroy = false, checkReuse = false }: C11Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C11: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (!Number.isInteger(sets) || sets < 1 || sets > 3) throw new ModelError(`C11: sets must be an integer from 1 to 3, got ${String(sets)}`);
  const ctxs = Object.fromEntries(C11_INCARNATIONS.map((i) => [i.obj, { home: i.home, vcpu: i.vcpu, vm: C11_VM }]));
  const sriAction = notifSriActionBody({ lookup: 'any', domains: DOMAINS, vms: {}, archTee: true, ctxs, slot: archTeeSlot });
  const cpu0 = cpuMachine({
    id: 'cpu0',
    irqController: GIC,
    context: { ...sriLocals() },
    program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
    irqHandlers: { [SRI_SGI]: notifIrqHandlerBody('cpu0') },
    registered: [SRI_SGI],
    // With the idle mask, cpu0 sleeps in do_idle (out of grace periods) except while it runs the tasklet.
    tasklets: { [SRI_TASKLET]: idleMask ? idleLoopBody(sriAction, RCU) : sriAction },
  });
  const [d1, d2] = C11_INCARNATIONS;
  return {
    name: `C11-${variant}${sets === 2 ? '' : `-${sets}sets`}${idleMask ? '-idle-mask' : ''}${drainOnDestroy ? '-drain' : ''}${checkReuse ? '-reuse-check' : ''}`,
    actors: [
      { name: 'sp', machine: spMachine('sp', { vm: C11_VM, bits: Array.from({ length: sets }, (_, i) => 1 << i), cpu: 'cpu0' }), label: spLabel },
      { name: SPMC_NOTIF_ACTOR, machine: spmcNotifMachine({ bitmaps: [C11_VM], gic: GIC }), daemon: true, label: spmcNotifLabel },
      { name: GIC, machine: irqControllerMachine(GIC, CPUS), daemon: true, label: irqControllerLabel },
      { name: 'cpu0', machine: cpu0, daemon: true },
      { name: 'cpu1', machine: toolstack(variant, drainOnDestroy), daemon: true },
      { name: SRI_TASKLET, machine: taskletMachine(SRI_TASKLET), daemon: true, label: taskletLabel },
      { name: DOMAINS, machine: domainTableMachine({ name: DOMAINS, rcu: RCU, initial: [C11_DOMID], teardown: ['cpu1'], destroyed: [d1.home, 'cpu1'] }), daemon: true, label: domainTableLabel },
      { name: RCU, machine: rcuMachine(RCU, CPUS, { idle: idleMask ? ['cpu0'] : [] }), daemon: true, label: rcuLabel },
      ...C11_INCARNATIONS.map((i) => ({ name: i.vcpu, machine: notifGuestMachine({ vm: C11_VM, home: i.home, obj: i.obj, clearAfterSmc: false }), daemon: true })),
      { name: d1.home, machine: notifCtxMachine({ name: d1.home, obj: d1.obj, domid: C11_DOMID, freeOnDestroyed: true }), daemon: true, label: notifCtxLabel(d1.obj) },
      // D2's ctx is allocated by its ffa_domain_init; it is only reachable once D2 is listed.
      { name: d2.home, machine: notifCtxMachine({ name: d2.home, obj: d2.obj, domid: C11_DOMID, freeOnDestroyed: false }), daemon: true, label: notifCtxLabel(d2.obj) },
    ],
    initialMessages: [
      // D1 as domain_create left it: d->arch.tee = ctx:d1.
      { to: DOMAINS, event: mem.write(archTeeSlot(C11_DOMID), 'arch.tee', d1.obj) },
      { to: 'sp', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
    invariants: checkReuse ? [c11OwnBitsOnly, c11DomidReusable] : [c11OwnBitsOnly],
  };
}

const TITLE = 'domain id reused between INFO_GET and the RCU lookup (settled: unreachable, and no bits could leak)';
const SOURCE = {
  buggy: 'seed 003_23e78fcb4ca80663.txt S3 v6: notif_vm_pend_intr comment; ffa_notif_domain_destroy guarded by ctx->notif.enabled',
  fixed: 'upstream c447b730 ffa_notif.c notif_vm_pend_intr; ffa_notif_domain_destroy unconditional since e6794b68',
} as const;

function entry(variant: Variant): CatalogueEntry {
  return {
    id: 'C11',
    variant,
    config: '2 CPUs, domid 1 reused, 2 sets',
    key: `C11/${variant}/reuse`,
    title: TITLE,
    source: SOURCE[variant],
    build: () => c11System({ variant }),
    expected: { verdict: 'verified' },
  };
}

const SIDE_TITLE = "D1 dies with a notification pending: its SPMC bitmap survives teardown and domid 1 never gets FF-A again";
const SIDE_SOURCE = {
  buggy: 'upstream c447b730 ffa_notif.c ffa_notif_domain_destroy (BITMAP_DESTROY error ignored) and ffa_notif_domain_init (BITMAP_CREATE refused: -ENOMEM); SPMC as Hafnium (destroy DENIED while notifications are pending, create DENIED while a bitmap exists)',
  fixed: 'PROPOSED (not upstream): ffa_notif_domain_destroy drains the VM\'s pending SP/SPM notifications with FFA_NOTIFICATION_GET and retries BITMAP_DESTROY',
} as const;

/** The side finding: upstream (buggy) and the proposed drain (fixed), one SET. */
function sideEntry(variant: Variant): CatalogueEntry {
  return {
    id: 'C11',
    variant,
    config: `2 CPUs, domid 1 re-created, 1 set (${variant === 'buggy' ? 'upstream' : 'proposed fix'})`,
    key: `C11/${variant}/bitmap-left`,
    title: SIDE_TITLE,
    source: SIDE_SOURCE[variant],
    // Both run upstream's teardown (e6794b68's); the fixed one drains the bitmap first.
    build: () => c11System({ variant: 'fixed', sets: 1, drainOnDestroy: variant === 'fixed', checkReuse: true }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'verified' },
  };
}

/** C11's catalogue entries: the card's race, both verified (see the header); the side finding, upstream and proposed. */
export const c11Entries: CatalogueEntry[] = [entry('buggy'), entry('fixed'), sideEntry('buggy'), sideEntry('fixed')];

/**
 * The larger configuration, explored with PCT: the SP makes three NOTIFICATION_SETs. Both
 * variants are verified in the smaller one and the race cannot happen (see the header), so
 * PCT finds nothing in either: `incomplete`, which proves nothing by itself.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant),
    config: '2 CPUs, domid 1 reused, 3 sets (PCT)',
    key: `C11/${variant}/reuse-3sets-pct`,
    build: () => c11System({ variant, sets: 3 }),
    expected: { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C11's larger configuration, both variants, explored with PCT. */
export const c11PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
