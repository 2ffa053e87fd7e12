/**
 * Xen's handling of the Schedule Receiver Interrupt (SRI), as bodies for protocols/cpu.ts:
 * the IRQ handler and the work it leads to.
 *
 * Follows xen/arch/arm/tee/ffa_notif.c at upstream c447b730 (the same as seed 003, S3 v6, on
 * these paths):
 *
 * - `notif_irq_handler`: `tasklet_schedule(&notif_sri_tasklet)` and nothing else
 *   ({@link notifIrqHandlerBody}); `tasklet_schedule` queues the tasklet on the CPU that took the
 *   IRQ (xen/common/tasklet.c).
 * - `notif_sri_action` ({@link notifSriActionBody}): FFA_NOTIFICATION_INFO_GET_64 in a loop while
 *   the "more" flag is set; for each VM id, `notif_vm_pend_intr`: `ffa_rcu_lock_domain_by_vm_id`
 *   (`rcu_lock_domain_by_id(vm_id - 1)`), `ACCESS_ONCE(ctx->notif.secure_pending) = true`,
 *   `vgic_inject_irq(d, v, GUEST_FFA_NOTIF_PEND_INTR_ID)` on the first online vCPU,
 *   `rcu_unlock_domain(d)`.
 *
 * The same body is S3 v4's handler when run as the IRQ handler itself with the lookup
 * `rcu_lock_live_remote_domain_by_id` (v4 changelog: "Replace the get_domain_by_id() call ...
 * in notif_irq_handler() with a call to rcu_lock_live_remote_domain_by_id()"): the scenario
 * chooses where it runs and which lookup it makes (C5).
 *
 * Granularity: the lookup is a round trip to the domain table inside an RCU read-side section
 * (`exec.rcu`, so the CPU reports no quiescent state until it leaves); the store to
 * `secure_pending`, the NPI injection and `rcu_unlock_domain` are one step, taken when the
 * lookup's answer arrives: the window that matters (C5, C11) is between the lookup and the
 * store. With `lookup: 'none'` the domain is taken to outlive the run (C6, C7) and every
 * reported VM is pended in the step that takes INFO_GET's answer.
 *
 * The body keeps its locals in the CPU's context: {@link sriLocals}.
 */
import { assign, enqueueActions } from 'xstate';
import { send, type Message } from '../runtime/model.js';
import { rcuReadLock, rcuReadUnlock, type BodyConfig } from '../protocols/cpu.js';
import { DOMAIN_LOOKUP_RESULT, domain, type LookupMode } from '../protocols/domain.js';
import { MEM_VALUE, mem } from '../protocols/memory.js';
import { wmm } from '../protocols/weakMemory.js';
import { SMC_RESULT } from '../protocols/smc.js';
import { tasklet } from '../protocols/tasklet.js';
import { NPI_SGI } from './ffa.js';
import { SECURE_PENDING } from './notifCtx.js';
import { SPMC_NOTIF_ACTOR, decodeInfoGet, notifSmc, smcOk } from './spmcNotifications.js';

/** The tasklet actor's name: Xen's `notif_sri_tasklet`. */
export const SRI_TASKLET = 'notif_sri_tasklet';

/** The NPI a guest vCPU takes: `vgic_inject_irq(d, v, GUEST_FFA_NOTIF_PEND_INTR_ID)`. */
export const VGIC_NPI = 'vgic.npi';

/** Where a VM's notification goes. */
export interface SriVm {
  /** The home actor of its ctx (actors/notifCtx.ts). */
  home: string;
  /** The ctx object. */
  obj: string;
  /** The vCPU actor the NPI is injected into; none if the model has no guest. */
  vcpu?: string;
  /**
   * The home is a weak memory (protocols/weakMemory.ts): send it the `smp_mb()` that
   * vgic_inject_irq's `spin_lock_irqsave(&v->arch.vgic.lock)` implies (Xen's spinlocks are full
   * barriers, xen/arch/arm/include/asm/spinlock.h), between the store and the NPI.
   */
  weakHome?: boolean;
}

export interface SriActionOptions {
  /** `none`: no lookup (the domain outlives the run); else the lookup helper's mode (protocols/domain.ts). */
  lookup: 'none' | LookupMode;
  /** The domain table actor (needed with a lookup). */
  domains?: string;
  /** By FF-A VM id (domid + 1). */
  vms: Record<number, SriVm>;
  /**
   * Load `d->arch.tee` from the domain table after the lookup (protocols/domain.ts data field
   * `arch.tee` of `domain:<domid>`) and pend the ctx it names, found in `ctxs`, instead of the
   * fixed `vms` entry: needed when a domain id can be reused (C11).
   */
  archTee?: boolean;
  /** By ctx object: its home, the vCPU for the NPI, and the VM id the guest sees. */
  ctxs?: Record<string, { home: string; vcpu?: string; vm: number }>;
  /** The object of the domain table holding `arch.tee` for a domid; default `domain:<domid>`. */
  slot?: (domid: number) => string;
}

/** The body's locals, in the CPU's context. */
export interface SriLocals {
  /** VM ids of the current INFO_GET still to pend. */
  sriIds: number[];
  /** INFO_GET's "more" flag. */
  sriMore: boolean;
}

/** Initial values of {@link SriLocals}, to spread into the CPU's `context`. */
export function sriLocals(): SriLocals {
  return { sriIds: [], sriMore: false };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = { context: any; event: Message };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Enqueue = (action: any) => void;

/** `notif_irq_handler`: schedule the tasklet on this CPU. */
export function notifIrqHandlerBody(cpu: string, taskletName: string = SRI_TASKLET): BodyConfig {
  return {
    initial: 'schedule',
    states: {
      schedule: { always: { target: 'done', actions: send(taskletName, tasklet.schedule(cpu)) } },
      done: { type: 'final' },
    },
  };
}

/** `notif_sri_action` with `notif_vm_pend_intr`, run as a tasklet body or (S3 v4) as the IRQ handler. */
export function notifSriActionBody(options: SriActionOptions): BodyConfig {
  const { lookup, vms } = options;
  const vm = (id: number): SriVm => {
    const found = vms[id];
    if (!found) throw new Error(`notif_sri_action: INFO_GET reported VM id ${id}, which the model does not know`);
    return found;
  };
  // ACCESS_ONCE(ctx->notif.secure_pending) = true; vgic_inject_irq(NPI).
  const pend = (id: number) => {
    const v = vm(id);
    const vgicLock = v.weakHome && v.vcpu ? [send(v.home, wmm.smp_mb())] : [];
    return [send(v.home, mem.write(v.obj, SECURE_PENDING, true)), ...vgicLock, ...(v.vcpu ? [send(v.vcpu, { type: VGIC_NPI, irq: NPI_SGI, vm: id })] : [])];
  };
  const reported = ({ event }: Args) => decodeInfoGet(Number(event.w2), Number(event.w3));
  const infoGet = send(SPMC_NOTIF_ACTOR, notifSmc.infoGet());
  const failed = ({ event }: Args) => !smcOk(event);
  const states: Record<string, unknown> = {
    start: { always: { target: 'infoGet', actions: infoGet } },
    done: { type: 'final' },
  };
  if (lookup === 'none') {
    // Every reported VM pended in the step that takes INFO_GET's answer; again while "more".
    const pendAll = enqueueActions(({ event, enqueue }: Args & { enqueue: Enqueue }) => {
      for (const id of reported({ event } as Args).ids) for (const a of pend(id)) enqueue(a);
    });
    states.infoGet = {
      on: {
        [SMC_RESULT]: [
          { guard: failed, target: 'done' },
          { guard: (a: Args) => reported(a).more, target: 'infoGet', reenter: true, actions: [pendAll, infoGet] },
          { target: 'done', actions: pendAll },
        ],
      },
    };
    return { initial: 'start', states };
  }
  if (!options.domains) throw new Error('notif_sri_action: a lookup needs the domain table actor');
  const table = options.domains;
  // ffa_rcu_lock_domain_by_vm_id(vm_id) = rcu_read_lock + lookup of domid vm_id - 1.
  const lookupNext = [rcuReadLock(), send(table, ({ context }: Args) => domain.lookup(Number(context.sriIds[0]) - 1, lookup))];
  // On the answer: if found, store + inject; then rcu_unlock_domain and drop the id.
  const pendIfFound = enqueueActions(({ context, event, enqueue }: Args & { enqueue: Enqueue }) => {
    if (event.rc === 0) for (const a of pend(Number(context.sriIds[0]))) enqueue(a);
  });
  const finishOne = [pendIfFound, ...rcuReadUnlock(), assign({ sriIds: ({ context }: Args) => (context.sriIds as number[]).slice(1) })];
  states.infoGet = {
    on: {
      [SMC_RESULT]: [
        { guard: failed, target: 'done' },
        { target: 'lookup', actions: [assign((a: Args) => ({ sriIds: reported(a).ids, sriMore: reported(a).more })), ...lookupNext] },
      ],
    },
  };
  // Guards see the context before this step's assigns: sriIds[0] is the id just looked up.
  const next = (finish: unknown[]) => [
    { guard: ({ context }: Args) => (context.sriIds as number[]).length > 1, target: 'lookup', reenter: true, actions: [...finish, ...lookupNext] },
    { guard: ({ context }: Args) => context.sriMore === true, target: 'infoGet', actions: [...finish, infoGet] },
    { target: 'done', actions: finish },
  ];
  if (!options.archTee) {
    states.lookup = { on: { [DOMAIN_LOOKUP_RESULT]: next(finishOne) } };
    return { initial: 'start', states };
  }
  // With archTee: `ctx = d->arch.tee` is a load from the domain found (the ctx of whichever
  // domain now has that id); `if ( !ctx ) goto out_unlock`.
  const ctxs = options.ctxs ?? {};
  const slot = options.slot ?? ((domid: number) => `domain:${domid}`);
  const pendCtx = enqueueActions(({ event, enqueue }: Args & { enqueue: Enqueue }) => {
    const c = typeof event.value === 'string' ? ctxs[event.value] : undefined;
    if (!c) return;
    enqueue(send(c.home, mem.write(String(event.value), SECURE_PENDING, true)));
    if (c.vcpu) enqueue(send(c.vcpu, { type: VGIC_NPI, irq: NPI_SGI, vm: c.vm }));
  });
  const dropId = [...rcuReadUnlock(), assign({ sriIds: ({ context }: Args) => (context.sriIds as number[]).slice(1) })];
  states.lookup = {
    on: {
      [DOMAIN_LOOKUP_RESULT]: [
        { guard: ({ event }: Args) => event.rc === 0, target: 'archTee', actions: send(table, ({ context }: Args) => mem.read(slot(Number(context.sriIds[0]) - 1), 'arch.tee')) },
        ...next(dropId),
      ],
    },
  };
  states.archTee = { on: { [MEM_VALUE]: next([pendCtx, ...dropId]) } };
  return { initial: 'start', states };
}
