/**
 * C8's publish-order window under a memory model (issue 17): can a sibling vCPU see
 * `guest_vers` before the VM is counted, on Arm, once the order in the C code is right?
 *
 * scenarios/c8.ts models ffa_negotiate_version and ffa_handle_partition_info_get with every
 * access sequentially consistent; its `publish` configuration finds upstream's window (publish,
 * then count) and verifies the PROPOSED fix (count, then publish). On Armv8 the order in the
 * source is not the order another CPU observes. This file transcribes the accesses of that path
 * that decide the COUNT answer, as a thread program (protocols/litmus.ts) over the weak memory
 * of protocols/weakMemory.ts, with Xen's lock barriers (xen/arch/arm/include/asm/spinlock.h:
 * smp_mb() when a spinlock is taken and before it is released; the queued rwlock's
 * write_lock is a fully ordered cmpxchg and write_unlock has smp_mb() before its release).
 *
 * Each vCPU of the guest calls PARTITION_INFO_GET with the COUNT flag, after an FFA_VERSION
 * (v1.1) recorded `guest_vers_tmp` (upstream c447b730, xen/arch/arm/tee/ffa.c and
 * ffa_partinfo.c, CONFIG_FFA_VM_TO_VM):
 *
 *     ffa_handle_call:      if ( !ACCESS_ONCE(ctx->guest_vers) )   -> ffa_negotiate_version
 *     ffa_negotiate_version: spin_lock(&ctx->guest_vers_lock);
 *                           if ( ACCESS_ONCE(ctx->guest_vers) ) goto out;
 *                           [upstream] ACCESS_ONCE(ctx->guest_vers) = ctx->guest_vers_tmp;
 *                           write_lock(&ffa_ctx_list_rwlock); inc_ffa_vm_count();
 *                           list_add_tail(...); ffa_partinfo_inc_tag(); write_unlock(...);
 *                           [proposed] ACCESS_ONCE(ctx->guest_vers) = ctx->guest_vers_tmp;
 *                           spin_unlock(&ctx->guest_vers_lock);
 *     partition_info_get:   vm_count = get_ffa_vm_count();           (atomic_read)
 *                           if ( ACCESS_ONCE(ctx->guest_vers) < FFA_VERSION_1_2 ) vm_count -= 1;
 *
 * The list and the tag (read only by GET_REGS) and the two earlier `guest_vers` loads of
 * partition_info_get (they only test for v1.0) are left out; every access that can change the
 * COUNT answer is in. The property is the same assertion as C8's: the answer is SPs + other
 * VMs (here 0 + 0), not 0 - 1 = 0xFFFFFFFF.
 *
 * Code variants (all but `upstream` are PROPOSED, not upstream):
 *
 * | code              | publish                      | the gate's load in ffa_handle_call |
 * |-------------------|------------------------------|------------------------------------|
 * | upstream          | before the block, ACCESS_ONCE | ACCESS_ONCE                       |
 * | fix               | after the block, ACCESS_ONCE  | ACCESS_ONCE (C8's proposed fix)   |
 * | fix+release       | after, smp_store_release      | ACCESS_ONCE                       |
 * | fix+acquire       | after, ACCESS_ONCE            | smp_load_acquire                  |
 * | fix+release+acquire | after, smp_store_release    | smp_load_acquire                  |
 *
 * What the model finds (spec/scenarios/c8Wmm.spec.ts, docs/memory-model.md): `upstream` fails
 * under every model; `fix` and `fix+release` hold under sc and tso and fail under arm (the
 * sibling's load of ffa_vm_count is satisfied before its load of guest_vers: a control
 * dependency does not order two loads on Armv8); `fix+acquire` and `fix+release+acquire` hold
 * under arm (the writer side is already ordered by write_unlock's smp_mb()).
 */
import type { SystemSpec } from '../runtime/system.js';
import { L, litmusSystem, type Instr, type LitmusTest } from '../protocols/litmus.js';
import type { MemoryModel } from '../protocols/weakMemory.js';
import type { Scalar } from '../protocols/memory.js';
import { FFA_VERSION } from '../actors/ffa.js';
import { CTX_GUEST_VERS_LOCK } from '../actors/guestVersion.js';
import { FFA_CTX_LIST_RWLOCK } from '../actors/vmList.js';
import { COUNT_WRAPPED } from '../actors/partinfoVcpu.js';
import type { CatalogueEntry } from './types.js';

export type C8Code = 'upstream' | 'fix' | 'fix+release' | 'fix+acquire' | 'fix+release+acquire';
export const C8_CODES: readonly C8Code[] = ['upstream', 'fix', 'fix+release', 'fix+acquire', 'fix+release+acquire'];

/** The COUNT answer for a guest below v1.2 with no SPs: `vm_count - 1` as a uint32_t. */
export function countAnswer(regs: Readonly<Record<string, Scalar>>): number {
  const count = Number(regs.count ?? 0);
  return Number(regs.vers3 ?? 0) < FFA_VERSION.V1_2 ? (count - 1) >>> 0 : count;
}

/** One vCPU's PARTITION_INFO_GET(COUNT), as the header transcribes it. */
export function c8Program(code: C8Code): Instr[] {
  const release = code === 'fix+release' || code === 'fix+release+acquire';
  const acquire = code === 'fix+acquire' || code === 'fix+release+acquire';
  const publish = release ? L.smp_store_release('guest_vers', { reg: 'tmp' }) : L.WRITE_ONCE('guest_vers', { reg: 'tmp' });
  const block = [L.write_lock(FFA_CTX_LIST_RWLOCK), L.atomic_inc('ffa_vm_count'), L.write_unlock(FFA_CTX_LIST_RWLOCK)];
  return [
    acquire ? L.smp_load_acquire('guest_vers', 'vers') : L.READ_ONCE('guest_vers', 'vers'),
    L.ifEq('vers', 0, [
      L.spin_lock(CTX_GUEST_VERS_LOCK),
      L.READ_ONCE('guest_vers', 'vers2'),
      L.ifEq('vers2', 0, [L.READ_ONCE('guest_vers_tmp', 'tmp'), ...(code === 'upstream' ? [publish, ...block] : [...block, publish])]),
      L.spin_unlock(CTX_GUEST_VERS_LOCK),
    ]),
    L.atomic_read('ffa_vm_count', 'count'),
    L.READ_ONCE('guest_vers', 'vers3'),
    L.assert(['count', 'vers3'], (r) => countAnswer(r) === 0, COUNT_WRAPPED),
  ];
}

/** The two vCPUs' programs as a thread-program test (its `exists` asks for the wrapped count on vCPU1). */
export function c8WmmTest(code: C8Code): LitmusTest {
  return {
    name: `C8-publish-${code}`,
    source: code === 'upstream' ? 'upstream c447b730 ffa.c ffa_negotiate_version, ffa_partinfo.c ffa_handle_partition_info_get' : `PROPOSED (not upstream): ${code}`,
    expected: code === 'upstream' ? 'Sometimes' : 'Never',
    kernel: 'xen',
    threadNames: ['g1.vcpu0', 'g1.vcpu1'],
    init: { guest_vers: 0, guest_vers_tmp: FFA_VERSION.V1_1, ffa_vm_count: 0 },
    threads: [c8Program(code), c8Program(code)],
    exists: { '1:count': 0 },
  };
}

/** The C8 publish-order system for `code` under `model`. */
export function c8WmmSystem(code: C8Code, model: MemoryModel): SystemSpec {
  return { ...litmusSystem(c8WmmTest(code), model), name: `C8-publish-${code}-${model}` };
}

const TITLE = 'guest_vers published and the VM counted: can a sibling on Arm see the version before the count?';

function entry(code: C8Code): CatalogueEntry {
  const holds = code === 'fix+acquire' || code === 'fix+release+acquire';
  return {
    id: 'C8',
    variant: code === 'upstream' ? 'buggy' : 'fixed',
    config: `1 guest, 2 vCPUs, arm memory (${code})`,
    key: `C8/${code === 'upstream' ? 'buggy' : 'fixed'}/publish-arm${code === 'upstream' || code === 'fix' ? '' : `-${code.replace('fix+', '').replace('+', '-')}`}`,
    title: TITLE,
    source: c8WmmTest(code).source,
    build: () => c8WmmSystem(code, 'arm'),
    expected: holds ? { verdict: 'verified' } : { verdict: 'violation', kind: 'assertion' },
  };
}

/** C8 under the `arm` memory model: upstream, the card's proposed fix, and the fix with an acquire on the reader. */
export const c8WmmEntries: CatalogueEntry[] = (['upstream', 'fix', 'fix+acquire'] as const).map(entry);
