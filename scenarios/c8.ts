/**
 * C8 — per-VM FFA_VERSION negotiation (SCENARIOS.md card C8; seed 002 "Rework version
 * negotiation to prevent concurrency issues"; upstream commit ad2d3a7d), and the card's
 * publish-order residual, an unconfirmed upstream suspect settled here by the explorer.
 *
 * The race (config `version`): before ad2d3a7d, `handle_version` overwrites `guest_vers` on
 * every FFA_VERSION, and `ffa_handle_partition_info_get` reads `guest_vers` several times
 * without a lock. vCPU1's PARTITION_INFO_GET reads v1.1 and writes 24-byte entries; vCPU0's
 * FFA_VERSION(1.0) lands; vCPU1's exit path reads 1.0 and reports entry size 0: a torn answer.
 * ad2d3a7d records FFA_VERSION in `guest_vers_tmp` under `guest_vers_lock` and publishes
 * `guest_vers` once, on the first other call (`ffa_negotiate_version`); it never changes after.
 *
 * The residual (config `publish`), in upstream HEAD c447b730: `ffa_negotiate_version` does
 * `ACCESS_ONCE(ctx->guest_vers) = ctx->guest_vers_tmp` BEFORE the write-locked block
 * `{ inc_ffa_vm_count(); list_add_tail(); ffa_partinfo_inc_tag(); }`. A sibling vCPU entering
 * `ffa_handle_call` in that window reads `guest_vers != 0`, skips the gate, and its
 * PARTITION_INFO_GET(COUNT) in `ffa_handle_partition_info_get` reads `get_ffa_vm_count()` = 0
 * (its own VM not counted yet) and, being below v1.2, does `vm_count -= 1` on a uint32_t:
 * it tells the guest there are 0xFFFFFFFF partitions (as modelled: the first VM published, no
 * SPs; otherwise the count is one too low, SPs + N - 1, found by an independent review).
 * Verdict (from the model, not assumed): CONFIRMED; the explorer finds that schedule (pinned in
 * spec/scenarios/c8.spec.ts). The FIXED variant of the `publish` configuration is a PROPOSED fix,
 * not upstream: publish `guest_vers` after the membership block, still under `guest_vers_lock`
 * (a sibling that sees the version then sees its VM counted; a sibling that does not see it
 * takes `guest_vers_lock` and waits). The model is sequentially consistent: on Arm the store of
 * `guest_vers` needs release ordering after the block (the `write_unlock` gives it) and the
 * unlocked readers an acquire (`smp_rmb()` or a load-acquire), which the model does not show.
 *
 * The same window, for a v1.2 guest (config `get-regs`, found by an audit, 2026-11): the sibling's
 * FFA_PARTITION_INFO_GET_REGS (`ffa_handle_partition_info_get_regs`) passes the version check,
 * reads `get_ffa_vm_count()` = 0 (this VM not yet counted), so `total_count` = SPs + 0, but
 * `ffa_get_vm_partinfo` adds the caller's own entry for a v1.2 caller at start index 0 whether or
 * not it is on the list: with one SP the answer is SUCCESS with two entries, `last_index` 1 and
 * `total_count - 1` = 0, the same tag at both reads (the membership block has not run). That is
 * the torn answer 500ee5fe's single write-locked section and tag re-check set out to prevent
 * (C4); the re-check cannot catch it because nothing changed the tag yet. (With no SPs the same
 * window gives INVALID_PARAMETERS, total 0, instead of the caller's own entry.) The PROPOSED
 * order fixes both. Both windows need CONFIG_FFA_VM_TO_VM: without it `get_ffa_vm_count()` is
 * the constant 1 and the membership block is compiled out.
 *
 * So the configurations compare different code:
 *
 * | key             | buggy                                    | fixed                                 |
 * |-----------------|------------------------------------------|---------------------------------------|
 * | C8/x/version    | ad2d3a7d reverted on HEAD (handle_version) | upstream HEAD                       |
 * | C8/x/torn       | as `version`, without the store-once check | as `version`                        |
 * | C8/x/publish    | upstream HEAD                            | HEAD + publish after the block (PROPOSED) |
 * | C8/x/get-regs   | upstream HEAD                            | HEAD + publish after the block (PROPOSED) |
 *
 * Both use the membership block in its HEAD form (500ee5fe, card C4). Properties: `guest_vers`
 * goes 0 -> v once (an assertion on every store, actors/guestVersion.ts); the reported entry
 * size is the size the entries were written with, and a COUNT answer is SPs + other VMs (here
 * none) (assertions in actors/partinfoVcpu.ts); the ctx is on the list iff `guest_vers` is
 * published and the domain not torn down, whenever no vCPU is inside the negotiation (invariant).
 */
import { ModelError } from '../runtime/errors.js';
import type { ActorSpec, GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { lockResources } from '../protocols/spinlock.js';
import { rwlockResources } from '../protocols/rwlock.js';
import { FFA, FFA_VERSION } from '../actors/ffa.js';
import { guestVersionLabel, guestVersionMachine, type GuestVersionContext } from '../actors/guestVersion.js';
import { VM_LIST_ACTOR, vmListLabel, vmListMachine, type VmListContext } from '../actors/vmList.js';
import { PARTINFO_COUNT_FLAG, partinfoVcpuMachine, type FfaCall, type PartinfoOptions } from '../actors/partinfoVcpu.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/**
 * `version`: the card's race, all properties. `torn`: the same programs without the "guest_vers
 * goes 0 -> v once" check, which in the old code ends every schedule at the second FFA_VERSION,
 * before the torn PARTITION_INFO_GET answer it causes can be seen. `publish`: the residual.
 */
export type C8Config = 'version' | 'torn' | 'publish' | 'get-regs';

/** The code each (config, variant) runs; see the header's table. */
export function c8Code(config: C8Config, variant: Variant): PartinfoOptions {
  if (config !== 'publish' && config !== 'get-regs') return { perVmNegotiation: variant === 'fixed', coherentMembership: true, publishAfterList: false };
  return { perVmNegotiation: true, coherentMembership: true, publishAfterList: variant === 'fixed' };
}

const CTX = 'g1.ctx';
const VCPUS = ['g1.vcpu0', 'g1.vcpu1'] as const;
/** The guest's vCPUs in a view: `g1.vcpu0`, `g1.vcpu1`, ... */
const vcpusOf = (view: GlobalView): string[] => view.actorNames.filter((n) => n.startsWith('g1.vcpu'));

const PROGRAMS: Record<C8Config, [FfaCall[], FfaCall[]]> = {
  // vCPU0 negotiates v1.1 then asks for v1.0; vCPU1 asks for the partition list (RX buffer).
  version: [
    [
      { fid: FFA.VERSION, arg: FFA_VERSION.V1_1 },
      { fid: FFA.VERSION, arg: FFA_VERSION.V1_0 },
    ],
    [{ fid: FFA.PARTITION_INFO_GET, arg: 0 }],
  ],
  torn: [
    [
      { fid: FFA.VERSION, arg: FFA_VERSION.V1_1 },
      { fid: FFA.VERSION, arg: FFA_VERSION.V1_0 },
    ],
    [{ fid: FFA.PARTITION_INFO_GET, arg: 0 }],
  ],
  // vCPU0 negotiates v1.1 and asks for the count; vCPU1 asks for the count too.
  publish: [
    [
      { fid: FFA.VERSION, arg: FFA_VERSION.V1_1 },
      { fid: FFA.PARTITION_INFO_GET, arg: PARTINFO_COUNT_FLAG },
    ],
    [{ fid: FFA.PARTITION_INFO_GET, arg: PARTINFO_COUNT_FLAG }],
  ],
  // A v1.2 guest (one SP cached): vCPU0 negotiates v1.2 and reads the list by registers; so does vCPU1.
  'get-regs': [
    [
      { fid: FFA.VERSION, arg: FFA_VERSION.V1_2 },
      { fid: FFA.PARTITION_INFO_GET_REGS, arg: 0 },
    ],
    [{ fid: FFA.PARTITION_INFO_GET_REGS, arg: 0 }],
  ],
};

/** Secure partitions in `sp_list` per configuration: `get-regs` needs one for its answer to be a SUCCESS. */
const SP_COUNT: Record<C8Config, number> = { version: 0, torn: 0, publish: 0, 'get-regs': 1 };

/** "The ctx is on the list iff published and not torn down", outside the negotiation. */
export const c8Membership: Invariant = {
  name: 'the ctx is on the VM list iff guest_vers is published and the domain not torn down',
  check: (view) => {
    if (vcpusOf(view).some((v) => view.actor(v).matches('gate') || view.actor(v).matches('handleVersion'))) return true;
    const ctx = view.actor(CTX).context as GuestVersionContext;
    const onList = (view.actor(VM_LIST_ACTOR).context as VmListContext).list.includes(CTX);
    const should = ctx.guestVers !== 0 && !ctx.tornDown;
    return onList === should || `${CTX} is ${onList ? '' : 'not '}on ffa_ctx_head with guest_vers=${ctx.guestVers.toString(16)}`;
  },
};

export interface C8Options {
  config: C8Config;
  variant: Variant;
  /** vCPUs of the guest, at least 2 (default): the third and later run vCPU1's program. */
  vcpus?: number;
  /** Secure partitions cached in `sp_list` (default: 1 for `get-regs`, else 0). */
  sps?: number;
}

/** The C8 system: one guest with two vCPUs, its ctx, and the VM list (empty at the start). */
export function c8System({ config, variant, vcpus: count = 2, sps }: C8Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C8: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (!(config in PROGRAMS)) throw new ModelError(`C8: unknown configuration '${String(config)}'; use version, torn, publish or get-regs`);
  const machine = partinfoVcpuMachine(c8Code(config, variant));
  if (!Number.isInteger(count) || count < 2) throw new ModelError(`C8: vcpus must be an integer of at least 2, got ${String(count)}`);
  if (sps !== undefined && (!Number.isInteger(sps) || sps < 0 || sps > 5)) throw new ModelError(`C8: sps must be an integer from 0 to 5, got ${String(sps)}`);
  const names = [...VCPUS, ...Array.from({ length: count - 2 }, (_, i) => `g1.vcpu${i + 2}`)];
  const vcpus: ActorSpec[] = names.map((name, i) => ({
    name,
    machine,
    input: { self: name, ctx: CTX, program: PROGRAMS[config][Math.min(i, 1)], spCount: sps ?? SP_COUNT[config], otherVms: 0 },
  }));
  return {
    name: `C8-${variant}-${config}${count > 2 ? `-${count}v` : ''}${sps !== undefined ? `-${sps}sp` : ''}`,
    actors: [
      ...vcpus,
      { name: CTX, machine: guestVersionMachine(), input: { checkOnce: config !== 'torn' }, daemon: true, resources: lockResources, label: guestVersionLabel },
      { name: VM_LIST_ACTOR, machine: vmListMachine(), input: { list: [] }, daemon: true, resources: rwlockResources, label: vmListLabel },
    ],
    initialMessages: vcpus.map((v) => ({ to: v.name, event: { type: 'start' } })),
    invariants: [c8Membership],
  };
}

const TITLE = {
  version: 'per-VM FFA_VERSION negotiation: a later FFA_VERSION rewrites guest_vers',
  torn: 'per-VM FFA_VERSION negotiation: guest_vers rewritten during PARTITION_INFO_GET (torn entry size)',
  publish: 'guest_vers published before the VM is counted: a sibling PARTITION_INFO_GET(COUNT) sees 0 - 1',
  'get-regs': 'guest_vers published before the VM is counted: a sibling PARTITION_INFO_GET_REGS answers last_index beyond total_count',
} as const;
const SOURCE = {
  torn: {
    buggy: 'upstream ad2d3a7d^ ffa.c handle_version, ffa_partinfo.c ffa_handle_partition_info_get (guest_vers read at entry and exit); seed 002_a316b9fb460d0742.txt',
    fixed: 'upstream ad2d3a7d ffa_negotiate_version / ffa_handle_call, as at HEAD c447b730',
  },
  version: {
    buggy: 'upstream ad2d3a7d^ ffa.c handle_version, ffa_partinfo.c ffa_handle_partition_info_get; seed 002_a316b9fb460d0742.txt (v1.2 series, "Rework version negotiation")',
    fixed: 'upstream ad2d3a7d ffa_negotiate_version / ffa_handle_call, as at HEAD c447b730',
  },
  publish: {
    buggy: 'upstream HEAD c447b730 ffa.c ffa_negotiate_version (publish, then write-locked block), ffa_partinfo.c ffa_handle_partition_info_get',
    fixed: 'PROPOSED (not upstream): HEAD c447b730 with guest_vers published after the write-locked block in ffa_negotiate_version',
  },
  'get-regs': {
    buggy: 'upstream HEAD c447b730 ffa.c ffa_negotiate_version (publish, then write-locked block), ffa_partinfo.c ffa_handle_partition_info_get_regs / ffa_get_vm_partinfo (own entry for v1.2 callers); 500ee5fe',
    fixed: 'PROPOSED (not upstream): HEAD c447b730 with guest_vers published after the write-locked block in ffa_negotiate_version',
  },
} as const;

function entry(config: C8Config, variant: Variant): CatalogueEntry {
  const violation = variant === 'buggy';
  return {
    id: 'C8',
    variant,
    config: config === 'get-regs' ? '1 guest (v1.2), 2 vCPUs, 1 SP (get-regs)' : `1 guest, 2 vCPUs (${config})`,
    key: `C8/${variant}/${config}`,
    title: TITLE[config],
    source: SOURCE[config][variant],
    build: () => c8System({ config, variant }),
    expected: violation ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'verified' },
  };
}

/** C8's catalogue entries. */
export const c8Entries: CatalogueEntry[] = (['version', 'torn', 'publish', 'get-regs'] as const).flatMap((c) => [entry(c, 'buggy'), entry(c, 'fixed')]);

/**
 * The larger configuration, explored with PCT: `publish` with 4 vCPUs, three of them asking for
 * the count (BFS: 564,753 states for FIXED). BUGGY (upstream HEAD): a sibling's COUNT is short
 * by this VM; FIXED (the proposed order): PCT finds nothing, which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry('publish', variant),
    config: '1 guest, 4 vCPUs (publish) (PCT)',
    key: `C8/${variant}/publish-4v-pct`,
    build: () => c8System({ config: 'publish', variant, vcpus: 4 }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C8's larger configuration, buggy and fixed, explored with PCT. */
export const c8PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
