/**
 * C15 — a failed domain creation skips FF-A teardown (SCENARIOS.md card C15; found by an audit,
 * 2026-11, checked here against upstream c447b730).
 *
 * What upstream does (xen/common/domain.c `domain_create`, xen/arch/arm/domain.c
 * `arch_domain_create` / `arch_domain_destroy`, xen/arch/arm/tee/tee.c, ffa.c): `arch_domain_create`
 * calls `tee_domain_init` -> `ffa_domain_init`, which allocates the ctx (`d->arch.tee`), then
 * `ffa_partinfo_domain_init` allocates `ctx->vm_destroy_bitmap` and sends FFA_MSG_SEND_VM_CREATED
 * to every SP subscribed to it (stopping at the first that fails: -EIO), records in the bitmap
 * which SPs must later get VM_DESTROYED (`vm_destroy_bitmap_init`, whose comment names exactly
 * this case: "never was notified of the VM creation due to an error during ffa_domain_init()"),
 * and `ffa_notif_domain_init` asks the SPMC for the VM's notification bitmap
 * (FFA_NOTIFICATION_BITMAP_CREATE). `ffa_domain_init`'s own comment says "ffa_domain_teardown()
 * will be called if ffa_domain_init() returns an error". It is not, in effect:
 *
 * - if `tee_domain_init` (or a later step of `arch_domain_create`) fails, `arch_domain_create`'s
 *   error path calls `arch_domain_destroy`; if a later step of `domain_create` fails
 *   (`grant_table_init`, `evtchn_init`, `sched_init_domain`, ... e.g. a toolstack asking for
 *   fewer grant frames than INITIAL_NR_GRANT_FRAMES, or an unknown cpupool), `domain_create`'s
 *   error path calls `arch_domain_destroy` (INIT_arch) and only then `domain_teardown`;
 * - `arch_domain_destroy` calls `tee_free_domain_ctx` (added by 452551c723, "xen/arm: add and
 *   call tee_free_domain_ctx()", June 2024), which for FF-A is `ffa_free_domain_ctx` (b490f470f5,
 *   "xen/arm: ffa: support notification", the next commit of the same series): `XFREE(d->arch.tee)`;
 * - `domain_teardown` -> `arch_domain_teardown` -> `tee_domain_teardown` -> `ffa_domain_teardown`
 *   then finds `d->arch.tee == NULL` and returns 0.
 *
 * So nothing of `ffa_domain_init`'s work is undone: the SPs that accepted VM_CREATED never get
 * VM_DESTROYED, `vm_destroy_bitmap` (xzalloc'd) leaks (`ffa_free_domain_ctx` frees only the
 * ctx), and if `ffa_notif_domain_init` had succeeded, the SPMC keeps the VM's notification
 * bitmap. The SPMC refuses a second BITMAP_CREATE for that VM id (Hafnium answers DENIED, as the
 * model's SPMC does), so every later creation of a domain with that domid and FF-A fails in
 * `ffa_notif_domain_init` (-ENOMEM), and each such failure again skips teardown (VM_CREATED sent
 * again, another destroy bitmap leaked). The domid comes back only if the toolstack asks for it
 * (an explicit domid) or after `domid_alloc`'s rotor wraps around 32,752 ids. Before b490f470f5
 * nothing freed the ctx in `arch_domain_destroy`, so the teardown that followed did its work.
 *
 * Configurations (one toolstack CPU; the bug is an error path, not a race: the explorer checks
 * the one interleaving there is, and the card's properties at rest):
 *
 * | key           | what fails                                                            |
 * |---------------|-----------------------------------------------------------------------|
 * | `init-fails`  | the second SP refuses VM_CREATED: `ffa_partinfo_domain_init` -EIO (the first SP was told) |
 * | `late-fails`  | `ffa_domain_init` succeeds; a later step of `domain_create` fails       |
 * | `recreate`    | as `late-fails`, then the toolstack creates domid 1 again, validly      |
 *
 * BUGGY is upstream c447b730. FIXED is a PROPOSED fix, not upstream: `ffa_domain_teardown` marks
 * the ctx torn down, and `ffa_free_domain_ctx`, finding a ctx never torn down (the creation
 * failed), first does what teardown would for a domain that never ran: VM_DESTROYED to every SP
 * in `vm_destroy_bitmap` (through `ffa_direct_req_send_vm`'s retry loop; an SP still answering
 * RETRY after eleven tries is logged and given up on, as there is no ctx left to retry from),
 * FFA_NOTIFICATION_BITMAP_DESTROY (an error ignored, as `ffa_notif_domain_destroy` does), and
 * frees `vm_destroy_bitmap`. (A domain that never ran has no RX/TX mapping, no shared memory and
 * is not on the VM list: `guest_vers` is 0.)
 *
 * Properties, at rest (the toolstack done, no message in flight): nothing of a failed creation
 * outlives it: no SP still holds the VM (every VM_CREATED followed by a VM_DESTROYED), no SPMC
 * notification bitmap for it, no memory `ffa_domain_init` allocated ({@link c15NothingLeft});
 * and a creation with a valid configuration gets its domain ({@link c15ValidCreationSucceeds}).
 */
import { assign, createMachine, type ProvidedActor } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { send, type Message } from '../runtime/model.js';
import type { GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { mem, memoryLabel, memoryMachine, type MemoryContext } from '../protocols/memory.js';
import { SMC_RESULT } from '../protocols/smc.js';
import { FFA_MSG_SEND_VM_CREATED, FFA_MSG_SEND_VM_DESTROYED, directReqLocals, directReqSendVm, vmEventSpsLabel, vmEventSpsMachine, type VmEventSpsContext } from '../actors/directReq.js';
import { SPMC_NOTIF_ACTOR, notifSmc, smcOk, spmcNotifLabel, spmcNotifMachine, type SpmcNotifContext } from '../actors/spmcNotifications.js';
import type { CatalogueEntry, Variant } from './types.js';

export const C15_DOMID = 1;
/** FF-A VM id = domid + 1. */
export const C15_VM = C15_DOMID + 1;
/** Two SPs subscribed to VM_CREATED and VM_DESTROYED (FF-A ids have bit 15 set). */
export const C15_SPS = [0x8001, 0x8002];
const TOOLSTACK = 'dom0';
const SPS = 'sps';
const HEAP = 'xen_heap';

export type C15Config = 'init-fails' | 'late-fails' | 'recreate';

/**
 * How one XEN_DOMCTL_createdomain is meant to go: `ok` (a valid configuration, so the creation
 * should succeed), `late-fail` (a later step of domain_create fails after tee_domain_init), or
 * `refused` (an SP refuses VM_CREATED: the creation may fail, but must leave nothing behind).
 */
type Plan = 'late-fail' | 'ok' | 'refused';

const CONFIGS: Record<C15Config, { plans: Plan[]; refuseCreated: number[]; what: string }> = {
  'init-fails': { plans: ['refused'], refuseCreated: [0, 1], what: 'SP 0x8002 refuses VM_CREATED: ffa_domain_init fails (-EIO) after SP 0x8001 was told' },
  'late-fails': { plans: ['late-fail'], refuseCreated: [0, 0], what: 'ffa_domain_init succeeds, a later step of domain_create fails' },
  recreate: { plans: ['late-fail', 'ok'], refuseCreated: [0, 0], what: 'a later step of domain_create fails, then domid 1 is created again' },
};

/** The one difference between the variants. */
export interface C15Options {
  /** PROPOSED: ffa_free_domain_ctx does teardown's work for a ctx that was never torn down. */
  teardownOnFree: boolean;
}

export const C15_OPTIONS: Record<Variant, C15Options> = { buggy: { teardownOnFree: false }, fixed: { teardownOnFree: true } };

const ctxObj = (k: number): string => `ctx:d${C15_DOMID}#${k}`;
const bitmapObj = (k: number): string => `vm_destroy_bitmap:d${C15_DOMID}#${k}`;

interface ToolstackContext {
  plans: Plan[];
  /** The creation in progress (1, 2, ...). */
  k: number;
  /** The SP loop's index (`n` in ffa_partinfo_domain_init and in the proposed free). */
  n: number;
  firstUnnotified: number;
  /** Bits of ctx->vm_destroy_bitmap. */
  bitmap: number;
  /** Why the creation in progress failed (for the trace and the invariants). */
  failure: string | null;
  /** Ghost: each creation's outcome, `created` or the failure. */
  outcomes: string[];
  drTries: number;
}
type Args = { context: ToolstackContext; event: Message };

const spCount = C15_SPS.length;
const k1 = ({ context }: Args): number => context.k;
const alloc = (obj: (k: number) => string) => send(HEAP, ({ context }: Args) => mem.alloc(obj(context.k)));
const free = (obj: (k: number) => string) => send(HEAP, ({ context }: Args) => mem.free(obj(context.k)));
const fail = (why: string) => assign({ failure: (_: Args) => why });
const outcome = (what: (c: ToolstackContext) => string) => assign({ outcomes: ({ context }: Args) => [...context.outcomes, what(context)] });

/** `ffa_partinfo_domain_init`: VM_CREATED to each SP in turn, until one fails. */
const vmCreated = directReqSendVm(SPS, FFA_MSG_SEND_VM_CREATED, () => C15_VM, {
  ok: { target: 'partinfo', actions: assign({ n: ({ context }: Args) => context.n + 1 }) },
  retry: { target: 'partinfoDone', actions: assign({ firstUnnotified: ({ context }: Args) => context.n }) },
  error: { target: 'partinfoDone', actions: assign({ firstUnnotified: ({ context }: Args) => context.n }) },
}, (c: ToolstackContext) => c.n);

/** PROPOSED: VM_DESTROYED to each SP whose bit is set; RETRY after eleven tries is given up on. */
const nextSp = { target: 'fxLoop', actions: assign({ n: ({ context }: { context: ToolstackContext }) => context.n + 1 }) };
const vmDestroyed = directReqSendVm(SPS, FFA_MSG_SEND_VM_DESTROYED, () => C15_VM, { ok: nextSp, retry: nextSp, error: nextSp }, (c: ToolstackContext) => c.n);

// Module-level actions and guards, shared by both variants (the spec compares them by identity).
const allocCtx = alloc(ctxObj);
const allocBitmap = alloc(bitmapObj);
const freeCtxObj = free(ctxObj);
const freeBitmapObj = free(bitmapObj);
const resetCall = assign<ToolstackContext, Message, undefined, Message, ProvidedActor>({ n: 0, firstUnnotified: spCount, bitmap: 0, failure: null });
const moreSps = ({ context }: Args): boolean => context.n < spCount;
const someSpNotTold = ({ context }: Args): boolean => context.firstUnnotified !== spCount;
const bitmapUpToFirstUnnotified = assign({ bitmap: ({ context }: Args) => (1 << context.firstUnnotified) - 1 });
const bitmapAll = assign<ToolstackContext, Message, undefined, Message, ProvidedActor>({ bitmap: (1 << spCount) - 1 });
const bitmapCreate = send(SPMC_NOTIF_ACTOR, notifSmc.bitmapCreate(C15_VM));
const bitmapDestroy = send(SPMC_NOTIF_ACTOR, notifSmc.bitmapDestroy(C15_VM));
const failPartinfo = fail('ffa_partinfo_domain_init -EIO: arch_domain_create fails');
const failNotif = fail('ffa_notif_domain_init -ENOMEM (BITMAP_CREATE refused): arch_domain_create fails');
const failLater = fail('a later step of domain_create fails (after INIT_arch)');
const refused = ({ event }: Args): boolean => !smcOk(event);
const lateFailPlanned = ({ context }: Args): boolean => context.plans[context.k - 1] === 'late-fail';
const created = outcome(() => 'created');
const failed = outcome((c) => `failed: ${c.failure ?? '?'}`);
const moreCreations = ({ context }: Args): boolean => context.k < context.plans.length;
const nextCreation = assign({ k: (a: Args) => k1(a) + 1 });
const loopStart = assign({ n: (_: Args) => 0 });
const loopDone = ({ context }: Args): boolean => context.n >= spCount;
const bitSet = ({ context }: Args): boolean => (context.bitmap & (1 << context.n)) !== 0;
const loopNext = assign({ n: ({ context }: Args) => context.n + 1 });

/** The toolstack CPU: XEN_DOMCTL_createdomain(1) once per plan, down the paths named above. */
export function c15ToolstackMachine({ teardownOnFree }: C15Options) {
  const failPath = teardownOnFree ? 'fxStart' : 'freeCtx';
  return createMachine({
    id: 'c15.toolstack',
    types: {} as { context: ToolstackContext; events: Message; input: { plans: Plan[] } },
    context: ({ input }) => ({ plans: input.plans, k: 1, n: 0, firstUnnotified: spCount, bitmap: 0, failure: null, outcomes: [], ...directReqLocals() }),
    initial: 'idle',
    states: {
      idle: { on: { start: 'create' } },
      // domain_create -> arch_domain_create -> tee_domain_init -> ffa_domain_init: ctx = xzalloc(),
      // then ffa_partinfo_domain_init: vm_destroy_bitmap = xzalloc_array().
      create: { always: { target: 'partinfo', actions: [allocCtx, allocBitmap, resetCall] } },
      partinfo: { always: [{ guard: moreSps, target: 'vmCreated', actions: vmCreated.start }, { target: 'partinfoDone' }] },
      vmCreated: { on: vmCreated.on },
      // vm_destroy_bitmap_init(ctx, first_unnotified); -EIO if an SP was not told.
      partinfoDone: {
        always: [
          { guard: someSpNotTold, target: failPath, actions: [bitmapUpToFirstUnnotified, failPartinfo] },
          { target: 'notif', actions: [bitmapAll, bitmapCreate] },
        ],
      },
      // ffa_rxtx_domain_init (nothing to undo), ffa_notif_domain_init: BITMAP_CREATE.
      notif: {
        on: {
          [SMC_RESULT]: [
            { guard: refused, target: failPath, actions: failNotif },
            // tee_domain_init returned 0; the rest of arch_domain_create, then domain_create's later steps.
            { guard: lateFailPlanned, target: failPath, actions: failLater },
            { target: 'next', actions: created },
          ],
        },
      },
      // The error path: arch_domain_destroy -> tee_free_domain_ctx -> ffa_free_domain_ctx.
      ...(teardownOnFree
        ? {
            // PROPOSED: the ctx was never torn down: VM_DESTROYED, BITMAP_DESTROY, free the bitmap.
            fxStart: { always: { target: 'fxLoop', actions: loopStart } },
            fxLoop: {
              always: [
                { guard: loopDone, target: 'fxNotif', actions: bitmapDestroy },
                { guard: bitSet, target: 'fxDestroyed', actions: vmDestroyed.start },
                { target: 'fxLoop', reenter: true, actions: loopNext },
              ],
            },
            fxDestroyed: { on: vmDestroyed.on },
            // The SPMC's error (no bitmap: the create never ran or failed) is ignored.
            fxNotif: { on: { [SMC_RESULT]: { target: 'freeCtx', actions: freeBitmapObj } } },
          }
        : {}),
      // XFREE(d->arch.tee); then domain_teardown -> ffa_domain_teardown: d->arch.tee is NULL, return 0.
      freeCtx: { always: { target: 'next', actions: [freeCtxObj, failed] } },
      next: { always: [{ guard: moreCreations, target: 'create', actions: nextCreation }, { target: 'done' }] },
      done: { type: 'final' },
    },
  });
}

function toolstackLabel(c: ToolstackContext): string {
  return `#${c.k} ${c.outcomes.map((o) => (o === 'created' ? 'ok' : 'failed')).join(',') || '-'}`;
}

const atRest = (view: GlobalView): boolean => view.actor(TOOLSTACK).status === 'done' && view.actorNames.every((n) => view.mailbox(n).length === 0);
const toolstackOf = (view: GlobalView): ToolstackContext => view.actor(TOOLSTACK).context as ToolstackContext;

/** Nothing of a failed creation outlives it: SPs' VMs, the SPMC's bitmap, ffa_domain_init's memory. */
export const c15NothingLeft: Invariant = {
  name: 'nothing of a failed domain creation outlives it',
  check: (view) => {
    if (!atRest(view)) return true;
    const t = toolstackOf(view);
    const alive = t.outcomes.lastIndexOf('created') + 1; // the live incarnation, or 0
    const sps = view.actor(SPS).context as VmEventSpsContext;
    const held = sps.ids.filter((_, i) => (sps.known[i] ?? []).filter((v) => v === C15_VM).length > (alive ? 1 : 0));
    const spmc = view.actor(SPMC_NOTIF_ACTOR).context as SpmcNotifContext;
    const bitmapLeft = !alive && spmc.bitmaps[String(C15_VM)] !== undefined;
    const heap = (view.actor(HEAP).context as MemoryContext).heap;
    const leaked = Object.keys(heap).filter((o) => heap[o]?.live && !o.endsWith(`#${alive}`));
    if (!held.length && !bitmapLeft && !leaked.length) return true;
    const parts = [
      ...(held.length ? [`SP ${held.map((id) => id.toString(16)).join(', ')} still hold${held.length === 1 ? 's' : ''} VM ${C15_VM} (told VM_CREATED, never VM_DESTROYED)`] : []),
      ...(bitmapLeft ? [`the SPMC still holds VM ${C15_VM}'s notification bitmap`] : []),
      ...(leaked.length ? [`never freed: ${leaked.join(', ')}`] : []),
    ];
    return `after ${t.outcomes.filter((o) => o !== 'created').length} failed creation(s) of domain ${C15_DOMID}: ${parts.join('; ')}`;
  },
};

/** A creation whose configuration is valid gets its domain. */
export const c15ValidCreationSucceeds: Invariant = {
  name: 'a domain creation with a valid configuration succeeds',
  check: (view) => {
    if (!atRest(view)) return true;
    const t = toolstackOf(view);
    const bad = t.plans.map((p, i) => ({ p, i })).filter(({ p, i }) => p === 'ok' && t.outcomes[i] !== 'created');
    if (!bad.length) return true;
    return bad.map(({ i }) => `creation #${i + 1} of domain ${C15_DOMID}, valid, ${t.outcomes[i] ?? 'did not finish'}`).join('; ');
  },
};

/**
 * The C15 system: the toolstack (`dom0`), the SPs answering VM_CREATED / VM_DESTROYED (`sps`),
 * the SPMC's notification bitmaps (`spmc`), and Xen's heap for the ctx and its destroy bitmap.
 *
 * @example
 * ```ts
 * const result = explore(c15System({ config: 'late-fails', variant: 'buggy' }));
 * // result.violations[0].message: "invariant 'nothing of a failed domain creation outlives it' violated: ..."
 * ```
 */
export function c15System({ config, variant }: { config: C15Config; variant: Variant }): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C15: unknown variant '${String(variant)}'; use buggy or fixed`);
  const c = CONFIGS[config];
  if (!c) throw new ModelError(`C15: unknown configuration '${String(config)}'; use ${Object.keys(CONFIGS).join(', ')}`);
  return {
    name: `C15-${variant}-${config}`,
    actors: [
      { name: TOOLSTACK, machine: c15ToolstackMachine(C15_OPTIONS[variant]), input: { plans: c.plans }, label: toolstackLabel },
      { name: SPS, machine: vmEventSpsMachine(SPS, { ids: C15_SPS, refuseCreated: c.refuseCreated }), daemon: true, label: vmEventSpsLabel },
      // No SP sends notifications here, so no SRI is ever raised through the GIC named.
      { name: SPMC_NOTIF_ACTOR, machine: spmcNotifMachine({ bitmaps: [], gic: 'gic' }), daemon: true, label: spmcNotifLabel },
      { name: HEAP, machine: memoryMachine(HEAP, {}), daemon: true, label: memoryLabel },
    ],
    initialMessages: [{ to: TOOLSTACK, event: { type: 'start' } }],
    invariants: [c15NothingLeft, c15ValidCreationSucceeds],
  };
}

const TITLE = 'a failed domain creation skips FF-A teardown (ctx freed by arch_domain_destroy first)';
const SOURCE: Record<Variant, string> = {
  buggy:
    'upstream c447b730: common/domain.c domain_create error path (arch_domain_destroy before domain_teardown), arm/domain.c arch_domain_create/arch_domain_destroy, tee.c tee_free_domain_ctx (452551c723), ffa.c ffa_free_domain_ctx (b490f470f5) / ffa_domain_teardown, ffa_partinfo.c ffa_partinfo_domain_init, ffa_notif.c ffa_notif_domain_init',
  fixed: 'PROPOSED (not upstream): ffa_free_domain_ctx does teardown\'s work (VM_DESTROYED, BITMAP_DESTROY, free vm_destroy_bitmap) for a ctx ffa_domain_teardown never saw',
};

function entry(variant: Variant, config: C15Config): CatalogueEntry {
  return {
    id: 'C15',
    variant,
    config: CONFIGS[config].what,
    key: `C15/${variant}/${config}`,
    title: variant === 'fixed' ? `${TITLE} (proposed fix)` : TITLE,
    source: SOURCE[variant],
    build: () => c15System({ config, variant }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'verified' },
  };
}

/** C15's catalogue entries: upstream (buggy) and the proposed fix, each configuration. */
export const c15Entries: CatalogueEntry[] = (['init-fails', 'late-fails', 'recreate'] as const).flatMap((c) => [entry('buggy', c), entry('fixed', c)]);
