/**
 * C7 — the SRI handler not registered on a secondary CPU (SCENARIOS.md card C7; seed 003, S3
 * v4 -> v6 changelogs and the comment in `ffa_notif_init_interrupt`).
 *
 * The race: the SPMC pends the Schedule Receiver Interrupt (an SGI) on the CPU its SP runs on.
 * Xen's SGIs and PPIs have per-CPU descriptors (xen/arch/arm/irq.c `irq_to_desc` of a local IRQ),
 * so `request_irq` in `ffa_notif_init` registers `notif_irq_handler` on the boot CPU only. An SRI
 * that lands on a CPU without the handler is dropped by `do_IRQ` ("Unknown IRQ") after its EOI;
 * the SPMC does not notice, `notif_sri_tasklet` is never scheduled, and the notification waits
 * for an SRI that never comes.
 *
 * BUGGY: the handler only on the boot CPU (S3 before v4: `request_irq` from `ffa_notif_init`
 * only). FIXED: as upstream (S3 v6, c447b730): the mediator's `init_secondary` hook
 * (`ffa_init_secondary` -> `ffa_notif_init_interrupt`) calls `request_irq` on every secondary
 * CPU, from `init_tee_secondary` in `start_secondary`. They differ only in whether cpu1 registers.
 *
 * Actors: `cpu0`, `cpu1` (protocols/cpu.ts: idle loop, `notif_irq_handler`, the tasklet body
 * `notif_sri_action` of actors/sriTasklet.ts), `gic`, `notif_sri_tasklet`, `spmc`, one SP per
 * CPU (`sp0` on cpu0, `sp1` on cpu1, one NOTIFICATION_SET each to VM 2), the VM's `g1.ctx`.
 * No guest vCPU: the property ends at the tasklet, not at the guest.
 *
 * Property (liveness): every SRI raised on a ready CPU is followed by a tasklet run that starts
 * after it. "Followed by a tasklet run" is read at the SPMC: every run of `notif_sri_action`
 * starts with INFO_GET, so an SRI is served once an INFO_GET reaches the SPMC after it (the
 * SPMC's ghost `sriUnserved`). Two checks, in the specs: checkLiveness (runtime/checkers/
 * liveness.ts, weak fairness, lasso counterexample) on `sri served` below, and, for the
 * catalogue's exhaustive search, the state invariant {@link c7ServedAtRest}: in a state where no
 * actor can ever move again (every mailbox empty: every actor here only reacts to messages), no
 * SRI is unserved. The invariant judges terminal states only; it equals the liveness property
 * here because this model has no cycles (every run ends), which the spec checks by running both.
 *
 * Residuals in upstream, settled by the model (configurations of FIXED):
 * - `boot`: cpu1 is still booting. `start_secondary` marks it online and calls
 *   `local_irq_enable()` before `init_tee_secondary()`; an SRI pended meanwhile is taken as soon
 *   as IRQs are on, before `request_irq`, and dropped. The model finds it: a violation of FIXED.
 * - `ppi`: FFA_FEATURES reports the SRI as a PPI (id 16-31). `ffa_notif_init_interrupt`
 *   registers only `if (notif_sri_irq < NR_GIC_SGI)`, so secondaries get no handler: the same
 *   loss as BUGGY. (In the GIC a PPI is also enabled per CPU, by `request_irq`; on a CPU that
 *   never enabled it the PPI stays pending instead of being dropped: either way no tasklet runs.)
 */
import { ModelError } from '../runtime/errors.js';
import type { GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { IRQ_REGISTER, cpuMachine, irqEnable, softirqPoint } from '../protocols/cpu.js';
import { irqControllerLabel, irqControllerMachine } from '../protocols/irq.js';
import { taskletLabel, taskletMachine } from '../protocols/tasklet.js';
import { send } from '../runtime/model.js';
import { SRI_SGI } from '../actors/ffa.js';
import { notifCtxLabel, notifCtxMachine } from '../actors/notifCtx.js';
import { SPMC_NOTIF_ACTOR, spLabel, spMachine, spmcNotifLabel, spmcNotifMachine, type SpmcNotifContext } from '../actors/spmcNotifications.js';
import { SRI_TASKLET, notifIrqHandlerBody, notifSriActionBody, sriLocals } from '../actors/sriTasklet.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

export const C7_VM = 2;
const GIC = 'gic';
const CTX = 'g1.ctx';
const CTX_OBJ = 'ctx:g1';
const CPUS = ['cpu0', 'cpu1'] as const;
/** NR_GIC_SGI: interrupt ids below it are SGIs. */
export const NR_GIC_SGI = 16;
/** A PPI id for the `ppi` configuration (any of 16-31 behaves alike here). */
export const C7_PPI = 20;

/** cpu1's state when the run starts. */
export type C7Boot = 'done' | 'racing';

export interface C7Options {
  variant: Variant;
  /** `done`: cpu1 has booted (init_tee_secondary ran); `racing`: it is in start_secondary. Default `done`. */
  boot?: C7Boot;
  /** The SRI's interrupt id; default SGI 9. */
  sriIrq?: number;
  /** CPUs, 2 to 4, each with an SP that makes one NOTIFICATION_SET (a bit of its own) with its SRI on it; cpu0 boots, the others are secondaries. Default 2. */
  cpus?: number;
}

/** True when an SRI was pended since the last INFO_GET. */
export function sriUnserved(view: GlobalView): boolean {
  return (view.actor(SPMC_NOTIF_ACTOR).context as SpmcNotifContext).sriUnserved.length > 0;
}

/** The terminal-state form of the property: see the header. */
export const c7ServedAtRest: Invariant = {
  name: 'every SRI served (at rest)',
  check: (view) => {
    if (view.actorNames.some((n) => view.mailbox(n).length > 0)) return true;
    const left = (view.actor(SPMC_NOTIF_ACTOR).context as SpmcNotifContext).sriUnserved;
    return left.length === 0 || `the run is over, but the SRI pended on ${left.join(', ')} was never followed by a run of notif_sri_action (no INFO_GET after it): the notification stalls`;
  },
};

/** The liveness property for checkLiveness (runtime/checkers/liveness.ts). */
export const c7SriServed = { name: 'sri served', trigger: sriUnserved, eventually: (view: GlobalView) => !sriUnserved(view) };

/**
 * The mediator's interrupt setup on `cpu`: the boot CPU always registers (`ffa_notif_init`);
 * a secondary registers from `ffa_init_secondary` -> `ffa_notif_init_interrupt` when the
 * variant has that hook and the SRI is an SGI.
 */
export function c7Registers(variant: Variant, cpu: string, sriIrq: number): boolean {
  if (cpu === 'cpu0') return true;
  return variant === 'fixed' && sriIrq < NR_GIC_SGI;
}

function cpu(name: string, variant: Variant, boot: C7Boot, sriIrq: number) {
  const registers = c7Registers(variant, name, sriIrq);
  const racing = name === 'cpu1' && boot === 'racing';
  // start_secondary: cpumask_set_cpu(online); local_irq_enable(); init_tee_secondary() ->
  // request_irq, which takes effect when this CPU takes its own irq.register (queued behind
  // any SGI already pended on it).
  const program = racing
    ? {
        initial: 'booting',
        states: {
          booting: { on: { start: { target: 'idle', actions: [irqEnable(), ...(registers ? [send(name, { type: IRQ_REGISTER, irq: sriIrq })] : [])] } } },
          idle: { meta: softirqPoint() },
        },
      }
    : { initial: 'idle', states: { idle: { meta: softirqPoint() } } };
  return cpuMachine({
    id: name,
    irqController: GIC,
    context: { ...sriLocals() },
    program,
    irqHandlers: { [sriIrq]: notifIrqHandlerBody(name) },
    registered: registers && !racing ? [sriIrq] : [],
    irqsEnabled: !racing,
    tasklets: { [SRI_TASKLET]: notifSriActionBody({ lookup: 'none', vms: { [C7_VM]: { home: CTX, obj: CTX_OBJ } } }) },
  });
}

/**
 * The C7 system.
 *
 * @example
 * ```ts
 * const result = explore(c7System({ variant: 'buggy' }));
 * // result.violations[0].message: "invariant 'every SRI served (at rest)' violated: ..."
 * ```
 */
export function c7System({ variant, boot = 'done', sriIrq = SRI_SGI, cpus = CPUS.length }: C7Options): SystemSpec & { liveness: (typeof c7SriServed)[] } {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C7: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (boot !== 'done' && boot !== 'racing') throw new ModelError(`C7: boot must be 'done' or 'racing', got ${String(boot)}`);
  if (!Number.isInteger(sriIrq) || sriIrq < 0 || sriIrq > 31) throw new ModelError(`C7: the SRI must be an SGI or a PPI (0-31), got ${String(sriIrq)}`);
  if (!Number.isInteger(cpus) || cpus < 2 || cpus > 4) throw new ModelError(`C7: cpus must be an integer from 2 to 4, got ${String(cpus)}`);
  const allCpus = cpus === CPUS.length ? [...CPUS] : Array.from({ length: cpus }, (_, i) => `cpu${i}`);
  const sps = allCpus.map((c, i) => ({ name: `sp${i}`, machine: spMachine(`sp${i}`, { vm: C7_VM, bits: [1 << i], cpu: c }), label: spLabel }));
  return {
    name: `C7-${variant}${boot === 'racing' ? '-boot' : ''}${sriIrq === SRI_SGI ? '' : `-irq${sriIrq}`}${cpus === CPUS.length ? '' : `-${cpus}cpu`}`,
    actors: [
      ...sps,
      { name: SPMC_NOTIF_ACTOR, machine: spmcNotifMachine({ bitmaps: [C7_VM], gic: GIC, sriIrq }), daemon: true, label: spmcNotifLabel },
      { name: GIC, machine: irqControllerMachine(GIC, allCpus), daemon: true, label: irqControllerLabel },
      ...allCpus.map((c) => ({ name: c, machine: cpu(c, variant, boot, sriIrq), daemon: true })),
      { name: SRI_TASKLET, machine: taskletMachine(SRI_TASKLET), daemon: true, label: taskletLabel },
      { name: CTX, machine: notifCtxMachine({ name: CTX, obj: CTX_OBJ, domid: C7_VM - 1, freeOnDestroyed: false }), daemon: true, label: notifCtxLabel(CTX_OBJ) },
    ],
    initialMessages: [...sps.map((s) => ({ to: s.name, event: { type: 'start' } })), ...(boot === 'racing' ? [{ to: 'cpu1', event: { type: 'start' } }] : [])],
    invariants: [c7ServedAtRest],
    liveness: [c7SriServed],
  };
}

const TITLE = 'SRI handler registered on the boot CPU only vs an SRI pended on a secondary CPU (notifications stall)';
const SOURCE = {
  buggy: 'seed 003_23e78fcb4ca80663.txt: S3 before v4, request_irq in ffa_notif_init only (the v4-v6 changelogs add secondary registration)',
  fixed: 'seed 003 S3 v6 ffa_init_secondary -> ffa_notif_init_interrupt; upstream c447b730 ffa.c/ffa_notif.c, smpboot.c start_secondary',
} as const;

function entry(variant: Variant, config: string, key: string, options: Omit<C7Options, 'variant'>, expected: CatalogueEntry['expected'], note = ''): CatalogueEntry {
  return {
    id: 'C7',
    variant,
    config,
    key: `C7/${variant}/${key}`,
    title: TITLE + note,
    source: SOURCE[variant],
    build: () => c7System({ variant, ...options }),
    expected,
  };
}

const STALL = { verdict: 'violation', kind: 'invariant' } as const;

/** C7's catalogue entries: the card's pair on booted CPUs, and upstream's two residuals. */
export const c7Entries: CatalogueEntry[] = [
  entry('buggy', '2 CPUs, booted', '2cpu', {}, STALL),
  entry('fixed', '2 CPUs, booted', '2cpu', {}, { verdict: 'verified' }),
  entry('fixed', '2 CPUs, cpu1 booting', 'boot', { boot: 'racing' }, STALL, ' (residual: SGI before init_tee_secondary)'),
  entry('fixed', '2 CPUs, SRI is a PPI', 'ppi', { sriIrq: C7_PPI }, STALL, ' (residual: PPI not registered on secondaries)'),
];

/**
 * The larger configuration, explored with PCT: four booted CPUs, an SP on each making one
 * NOTIFICATION_SET with its SRI on that CPU. PCT finds BUGGY's SRI dropped on a secondary; for
 * FIXED (every secondary registered) it finds nothing, which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant, '4 CPUs, booted (PCT)', '4cpu-pct', { cpus: 4 }, variant === 'buggy' ? STALL : { verdict: 'incomplete' }),
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C7's larger configuration, buggy and fixed, explored with PCT. */
export const c7PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
