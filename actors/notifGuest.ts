/**
 * A guest vCPU receiving FF-A notifications: its NPI handler, and the Xen handlers that run on
 * its physical CPU when it traps.
 *
 * The guest (as Linux's arm_ffa driver does): on the Notification Pending Interrupt, call
 * FFA_NOTIFICATION_INFO_GET; if it reports this VM, call FFA_NOTIFICATION_GET with the SP and
 * SPM flags; then wait for the next NPI. Xen's side follows xen/arch/arm/tee/ffa_notif.c at
 * upstream c447b730 (seed 003, S3 v6):
 *
 * - `ffa_handle_notification_info_get`: `test_and_clear_bool(ctx->notif.secure_pending)`;
 *   SUCCESS with this VM's id if it was set, NO_DATA otherwise;
 * - `ffa_handle_notification_get`: with both FFA_NOTIF_FLAG_BITMAP_SP and _SPM, `ACCESS_ONCE(
 *   ctx->notif.secure_pending) = false`, then the NOTIFICATION_GET SMC; the bits are returned.
 *
 * `clearAfterSmc` is C6's one switch: false is the committed order (S3 v4 changelog "Clear
 * secure_pending in ffa_handle_notification_get() if both SP and SPM bitmaps are retrieved",
 * clear then SMC, as upstream has it); true is the hypothetical order the card asks about
 * (SMC, then clear). Only the place of the `secure_pending = false` store differs.
 *
 * Granularity: INFO_GET's answer and the GET call are one step (the guest calls GET right
 * away); the store and the SMC of the committed order are one step too (the store is made when
 * sent, the SMC takes effect later, when the SPMC takes it, so the order is kept).
 * NPIs that arrive while the vCPU is in Xen or in its handler wait (the vGIC keeps them
 * pending) and are taken afterwards. `vcpu.pause` (domain_pause, C11) is taken only when the
 * vCPU is out of Xen, as `vcpu_sleep_sync` waits for; a paused vCPU never runs again.
 */
import { assign, createMachine } from 'xstate';
import { reply, send, type Message } from '../runtime/model.js';
import { mem, MEM_VALUE } from '../protocols/memory.js';
import { wmm } from '../protocols/weakMemory.js';
import { SMC_RESULT } from '../protocols/smc.js';
import { SECURE_PENDING, testAndClear } from './notifCtx.js';
import { NOTIF_FLAG_BITMAP_SP, NOTIF_FLAG_BITMAP_SPM, SPMC_NOTIF_ACTOR, notifSmc } from './spmcNotifications.js';
import { VGIC_NPI } from './sriTasklet.js';

export interface NotifGuestOptions {
  /** FF-A VM id (domid + 1). */
  vm: number;
  /** The ctx home actor and object (actors/notifCtx.ts). */
  home: string;
  obj: string;
  /** C6's switch: store `secure_pending = false` after the SMC instead of before it. */
  clearAfterSmc: boolean;
  /**
   * Only with a weak-memory home (protocols/weakMemory.ts): the SPMC orders the caller's earlier
   * stores before it acts on the SMC (Hafnium serialises normal-world notification state under
   * `nwd_vms_lock`, whose release on the calling PE orders them), modelled as `smp_mb()` before
   * the NOTIFICATION_GET SMC. Xen's own path (arm_smccc_1_2_smc) has no barrier. Default false.
   */
  smcOrders?: boolean;
}

export interface NotifGuestContext {
  vm: number;
  /** Notification bits this guest has received, OR-ed. */
  received: number;
  /** NPIs taken. */
  npis: number;
  /** Generations of the SPMC bitmaps that GETs returned bits from (actors/spmcNotifications.ts). */
  fromGens: number[];
  /** NPIs after which INFO_GET or GET found nothing for this guest. */
  spurious: number;
}

/** `domain_pause` of the guest's domain: the vCPU stops once it is out of Xen (idle). */
export const VCPU_PAUSE = 'vcpu.pause';
export const VCPU_PAUSED = 'vcpu.paused';

type Args = { context: NotifGuestContext; event: Message };

/** The guest vCPU's machine (a daemon: it waits for NPIs forever). */
export function notifGuestMachine({ vm, home, obj, clearAfterSmc, smcOrders = false }: NotifGuestOptions) {
  const clear = send(home, mem.write(obj, SECURE_PENDING, false));
  const spmcOrders = smcOrders ? [send(home, wmm.smp_mb())] : [];
  const getSmc = send(SPMC_NOTIF_ACTOR, notifSmc.get(vm, NOTIF_FLAG_BITMAP_SP | NOTIF_FLAG_BITMAP_SPM));
  const gotBits = assign(({ context, event }: Args) => {
    const bits = Number(event.w2 ?? 0);
    if (bits === 0) return { spurious: context.spurious + 1 };
    return { received: context.received | bits, fromGens: [...new Set([...context.fromGens, Number(event.gen)])].sort((a, b) => a - b) };
  });
  return createMachine({
    id: `notif_guest_vm${vm}`,
    types: {} as { context: NotifGuestContext },
    context: { vm, received: 0, npis: 0, fromGens: [], spurious: 0 },
    initial: 'idle',
    states: {
      idle: {
        on: {
          [VGIC_NPI]: { target: 'infoGet', actions: [assign({ npis: ({ context }: Args) => context.npis + 1 }), send(home, testAndClear(obj))] },
          [VCPU_PAUSE]: { target: 'paused', actions: reply({ type: VCPU_PAUSED }) },
        },
      },
      infoGet: {
        meta: { defer: [VGIC_NPI, VCPU_PAUSE] },
        on: {
          [MEM_VALUE]: [
            { guard: ({ event }: Args) => event.value !== true, target: 'idle', actions: assign({ spurious: ({ context }: Args) => context.spurious + 1 }) },
            { target: 'get', actions: clearAfterSmc ? [...spmcOrders, getSmc] : [clear, ...spmcOrders, getSmc] },
          ],
        },
      },
      get: {
        meta: { defer: [VGIC_NPI, VCPU_PAUSE] },
        on: { [SMC_RESULT]: { target: 'idle', actions: clearAfterSmc ? [gotBits, clear] : [gotBits] } },
      },
      // Paused for domain_kill: never runs again; an NPI injected now is never taken.
      paused: { meta: { ignore: [VGIC_NPI] } },
    },
  });
}
