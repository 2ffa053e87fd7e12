/**
 * C4 — PARTITION_INFO_GET_REGS reads the partinfo tag only at the start (SCENARIOS.md card C4;
 * seed 000, the GET_REGS review; fixed in upstream commit 500ee5fe).
 *
 * The race: guest G1 (v1.2) calls FFA_PARTITION_INFO_GET_REGS; `ffa_handle_partition_info_get_regs`
 * reads `tag_out = ffa_partinfo_get_tag()` and `vm_count = get_ffa_vm_count()`, then walks the
 * VM list in `ffa_get_vm_partinfo`. Meanwhile guest G2's first non-VERSION call runs
 * `ffa_negotiate_version`, which (seed 000 lines 60-110) does `inc_ffa_vm_count()`, then
 * `write_lock; list_add_tail; write_unlock`, then `ffa_partinfo_inc_tag()`. G1 reads the old
 * count and walks the new list: SUCCESS with total N and N+1 entries (last_index > total-1),
 * with the old tag, and nothing makes the guest retry. Upstream 500ee5fe moves the count, the
 * list and the tag into one write-locked section (in `ffa_negotiate_version` and
 * `ffa_domain_teardown`) and reads the tag again at the end (`tag_end`): a change answers RETRY.
 *
 * Residual (card C4): the tag exposed is 16 bits of an `atomic_t`, so 65536 list changes between
 * the two reads look like none (ABA); and the counter's overflow is undefined in C (seed 000).
 * 65536 changes cannot be explored; the `aba` configuration declares a 1-bit tag instead
 * (`tagBits: 1`, so 2 changes here stand for 65536 there) and shows upstream's fix then
 * answers SUCCESS with a list that never existed under that tag. The same configuration with
 * the real 16-bit tag is verified.
 *
 * Properties: SUCCESS with tag t => its entries and total equal the VM list at some instant of
 * the call where the tag was t (a ghost history kept by actors/vmList.ts, checked when the call
 * answers); last_index <= total-1 (an assertion in the caller). Both variants are
 * actors/partinfoVcpu.ts with `coherentMembership` off (seed 000) or on (500ee5fe); both have
 * ad2d3a7d's negotiation. The SP list is empty (a VM-to-VM-only configuration), so every entry
 * is a VM and the window's 5 entries are never filled.
 */
import { ModelError } from '../runtime/errors.js';
import type { ActorSpec, SystemSpec } from '../runtime/system.js';
import { lockResources } from '../protocols/spinlock.js';
import { rwlockResources } from '../protocols/rwlock.js';
import { FFA, FFA_VERSION } from '../actors/ffa.js';
import { guestVersionLabel, guestVersionMachine } from '../actors/guestVersion.js';
import { VM_LIST_ACTOR, vmListLabel, vmListMachine } from '../actors/vmList.js';
import { partinfoVcpuMachine, teardownMachine } from '../actors/partinfoVcpu.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

/**
 * `join`: G2 joins the list during G1's GET_REGS. `churn`: G2 joins and G3 (already on the
 * list) is torn down. `aba`: `churn` with a declared 1-bit tag. `crowd` (for PCT): `churn`
 * with a second joiner, G4, and G1 asking for the window twice.
 */
export type C4Config = 'join' | 'churn' | 'aba' | 'crowd';

export interface C4Options {
  variant: Variant;
  config: C4Config;
}

const V12 = FFA_VERSION.V1_2;

/** The C4 system. */
export function c4System({ variant, config }: C4Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C4: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (config !== 'join' && config !== 'churn' && config !== 'aba' && config !== 'crowd') throw new ModelError(`C4: unknown configuration '${String(config)}'; use join, churn, aba or crowd`);
  const coherentMembership = variant === 'fixed';
  const vcpu = partinfoVcpuMachine({ perVmNegotiation: true, coherentMembership, publishAfterList: false });
  const withG3 = config !== 'join';
  const crowd = config === 'crowd';
  const getRegs = { fid: FFA.PARTITION_INFO_GET_REGS, arg: 0 };
  const ctx = (name: string, input: object): ActorSpec => ({ name, machine: guestVersionMachine(), input, daemon: true, resources: lockResources, label: guestVersionLabel });
  const actors: ActorSpec[] = [
    // G1 asks for the first window: start_index 0, tag 0.
    { name: 'g1.vcpu0', machine: vcpu, input: { self: 'g1.vcpu0', ctx: 'g1.ctx', program: crowd ? [getRegs, getRegs] : [getRegs] } },
    // G2 has called FFA_VERSION(1.2); its first other call (FFA_FEATURES; its own answer is not modelled) publishes it.
    { name: 'g2.vcpu0', machine: vcpu, input: { self: 'g2.vcpu0', ctx: 'g2.ctx', program: [{ fid: FFA.FEATURES, arg: 0 }] } },
    ...(crowd ? [{ name: 'g4.vcpu0', machine: vcpu, input: { self: 'g4.vcpu0', ctx: 'g4.ctx', program: [{ fid: FFA.FEATURES, arg: 0 }] } }] : []),
    ...(withG3 ? [{ name: 'domctl', machine: teardownMachine({ coherentMembership }), input: { self: 'domctl', ctx: 'g3.ctx' } }] : []),
    ctx('g1.ctx', { guestVers: V12 }),
    ctx('g2.ctx', { guestVers: 0, guestVersTmp: V12 }),
    ...(withG3 ? [ctx('g3.ctx', { guestVers: V12 })] : []),
    ...(crowd ? [ctx('g4.ctx', { guestVers: 0, guestVersTmp: V12 })] : []),
    {
      name: VM_LIST_ACTOR,
      machine: vmListMachine(),
      input: { list: withG3 ? ['g1.ctx', 'g3.ctx'] : ['g1.ctx'], tagBits: config === 'aba' ? 1 : 16 },
      daemon: true,
      resources: rwlockResources,
      label: vmListLabel,
    },
  ];
  const starters = actors.filter((a) => a.name.includes('vcpu') || a.name === 'domctl');
  return {
    name: `C4-${variant}-${config}`,
    actors,
    initialMessages: starters.map((a) => ({ to: a.name, event: { type: 'start' } })),
  };
}

const TITLE = {
  join: 'GET_REGS reads the partinfo tag only at the start; a VM joins meanwhile',
  churn: 'GET_REGS while one VM joins and another is torn down (16-bit tag)',
  aba: 'residual: tag ABA, a declared 1-bit tag standing for the 16-bit one (2 changes here = 65536 there)',
  crowd: 'GET_REGS twice while two VMs join and another is torn down (16-bit tag)',
} as const;
const SOURCE = {
  buggy: 'seed 000_644dcca4d7f0897a.txt lines 60-110 (ffa_negotiate_version, ffa_domain_teardown) and 342-440 (ffa_handle_partition_info_get_regs: tag read once)',
  fixed: 'upstream 500ee5fe (HEAD c447b730): ffa.c ffa_negotiate_version / ffa_domain_teardown (one write-locked section), ffa_partinfo.c ffa_handle_partition_info_get_regs (tag_end re-read, RETRY)',
} as const;

function entry(variant: Variant, config: C4Config): CatalogueEntry {
  const violation = variant === 'buggy' || config === 'aba';
  return {
    id: 'C4',
    variant,
    config: `${config === 'join' ? '2' : '3'} guests (${config})`,
    key: `C4/${variant}/${config}`,
    title: TITLE[config],
    source: SOURCE[variant],
    build: () => c4System({ variant, config }),
    expected: violation ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'verified' },
  };
}

/** C4's catalogue entries; `C4/fixed/aba` is the residual, expected to fail. */
export const c4Entries: CatalogueEntry[] = [entry('buggy', 'join'), entry('fixed', 'join'), entry('buggy', 'churn'), entry('fixed', 'churn'), entry('fixed', 'aba')];

/**
 * The larger configuration, explored with PCT: `crowd`, G1's GET_REGS twice while G2 and G4 join
 * and G3 is torn down (BFS: 1,283,388 states for FIXED). BUGGY: a SUCCESS with an incoherent
 * window; FIXED: PCT finds nothing, which proves nothing (the join and churn entries are verified).
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant, 'crowd'),
    config: '4 guests (crowd) (PCT)',
    key: `C4/${variant}/crowd-pct`,
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'assertion' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C4's larger configuration, buggy and fixed, explored with PCT. */
export const c4PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
