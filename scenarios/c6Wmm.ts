/**
 * C6 under a memory model (issue 17): is clearing `secure_pending` with a plain ACCESS_ONCE
 * store, and no lock, still right on Arm?
 *
 * Upstream (c447b730, xen/arch/arm/tee/ffa_notif.c): ffa_handle_notification_get does
 * `ACCESS_ONCE(ctx->notif.secure_pending) = false` and then the NOTIFICATION_GET SMC
 * (arm_smccc_1_2_smc: no barrier); notif_vm_pend_intr does `ACCESS_ONCE(...) = true` and then
 * vgic_inject_irq, whose `spin_lock_irqsave(&v->arch.vgic.lock)` is a full barrier in Xen;
 * ffa_handle_notification_info_get does `test_and_clear_bool` (xchg: fully ordered). C6's system
 * (scenarios/c6.ts) runs with the ctx as a weak memory (protocols/weakMemory.ts) holding that
 * one flag, written by cpu0's tasklet and by the guest's vCPU.
 *
 * The only store nothing in Xen orders is GET's clear against the SMC. Whether the clear can
 * become visible after a notification that the SMC's own handling let through depends on the
 * SPMC: Hafnium handles NOTIFICATION_GET for a normal-world VM under `nwd_vms_lock` (TF-Hafnium
 * src/arch/aarch64/plat/ffa/spmc.c), whose release on the calling PE orders the caller's
 * earlier stores before anything that later takes that lock (the SP's NOTIFICATION_SET, and so
 * the SRI and the tasklet). So:
 *
 * | key                              | SPMC orders the caller's stores | verdict (arm) |
 * |----------------------------------|---------------------------------|---------------|
 * | C6/buggy/1g-arm                  | yes                             | lost notification (as under SC) |
 * | C6/fixed/1g-arm                  | yes (Hafnium)                   | verified      |
 * | C6/fixed/1g-arm-smc-unordered    | no (hypothetical SPMC)          | lost notification: the clear is still in the vCPU's store buffer when cpu0's `true` reaches memory, and lands after it |
 *
 * The last row is the trace no sequentially consistent model can give: upstream's order is
 * right on Arm only because the SPMC's lock orders the clear; an SPMC that serves GET without
 * one would need Xen to put an smp_mb() (or a store-release) before the SMC.
 */
import { c6System } from './c6.js';
import type { CatalogueEntry, Variant } from './types.js';

const TITLE = 'secure_pending cleared with ACCESS_ONCE before the NOTIFICATION_GET SMC, on Arm (weak memory)';

function entry(variant: Variant, smcOrders: boolean): CatalogueEntry {
  return {
    id: 'C6',
    variant,
    config: `1 guest, 2 sets, arm memory${smcOrders ? '' : ', SMC orders nothing (hypothetical SPMC)'}`,
    key: `C6/${variant}/1g-arm${smcOrders ? '' : '-smc-unordered'}`,
    title: TITLE,
    source:
      variant === 'buggy'
        ? 'seed 003 (S3 v4 changelog): the hypothetical clear-after order, on the arm memory model'
        : `upstream c447b730 ffa_notif.c (clear, then SMC) on the arm memory model; ${smcOrders ? 'the SPMC orders the caller\'s stores (Hafnium nwd_vms_lock)' : 'HYPOTHETICAL SPMC that orders nothing'}`,
    build: () => c6System({ variant, memory: { model: 'arm', smcOrders } }),
    expected: variant === 'fixed' && smcOrders ? { verdict: 'verified' } : { verdict: 'violation', kind: 'invariant' },
  };
}

/** C6 under the `arm` memory model. */
export const c6WmmEntries: CatalogueEntry[] = [entry('buggy', true), entry('fixed', true), entry('fixed', false)];
