/**
 * C10 — the teardown retry timer vs the domain being freed (SCENARIOS.md card C10; an
 * unconfirmed upstream suspect). Modelled as upstream stands (mirror HEAD c447b730): ffa.c
 * `ffa_domain_teardown`, `ffa_domain_teardown_continue`, `ffa_teardown_timer_callback`;
 * ffa_partinfo.c `ffa_partinfo_domain_destroy`; ffa_shm.c `ffa_shm_domain_destroy`,
 * `inc_ctx_shm_count`, `dec_ctx_shm_count`; common/domain.c `domain_kill`, `put_domain`,
 * `domain_destroy`, `complete_domain_destroy`; arm/domain.c `arch_domain_destroy` ->
 * `tee_free_domain_ctx` -> `ffa_free_domain_ctx`. The actors are in actors/teardownTimer.ts.
 *
 * Verdict, from the explorer (c10.spec.ts pins the traces): REAL, in both configurations.
 *
 * The trigger, in every configuration: an SP subscribed to VM_DESTROYED (partition property
 * FFA_PART_PROP_NOTIF_DESTROYED) answers Xen's FFA_MSG_SEND_VM_DESTROYED with status RETRY or
 * INTERRUPTED eleven times in a row. `ffa_direct_req_send_vm` asks again at once after each such
 * answer, up to eleven requests, and returns RETRY only after the eleventh; an FFA_ERROR answer is
 * "invalid" and never retried (actors/directReq.ts models the loop request by request). So one
 * teardown attempt that leaves work for the timer needs an SP that stays blocked for eleven back
 * to back SMC round trips, with no delay or yield between them (not timed here): an SP that answers RETRY while it still holds
 * state for the VM does that every time; an SP that only answers RETRY on a transient collision
 * almost never does. The configurations `retry-10` and `ffa-error` show the loop absorbing ten
 * RETRYs and an FFA_ERROR not being retried: upstream is safe in both.
 *
 * - `vm-destroyed`: the guest shared no memory (`shm_count == 0`, so `inc_ctx_shm_count` never
 *   took a domain reference) and the SP answers FFA_MSG_SEND_VM_DESTROYED with RETRY eleven times.
 *   `ffa_domain_teardown_continue(ctx, true)` puts the ctx on `ffa_teardown_head` and sets the
 *   timer; `domain_kill` then drops the creation reference (`put_domain`): the count reaches 0,
 *   `domain_destroy` calls `call_rcu(complete_domain_destroy)`, and after the grace period
 *   `ffa_free_domain_ctx` frees the ctx that is still queued (and the `struct domain` that
 *   `ctx->teardown_d` points to). When `ffa_teardown_timer_callback` runs (1 s later: grace
 *   periods end within milliseconds, so this is the likely order, not a corner case),
 *   `list_first_entry_or_null` and `list_del` read and write `ctx->teardown_list` in freed
 *   memory, and `ffa_domain_teardown_continue` then follows `ctx->teardown_d`.
 * - `last-shm`: the guest shared one page (a domain reference held for it); at teardown the
 *   reclaim is DENIED and VM_DESTROYED gets eleven RETRYs, so the ctx is queued, still holding
 *   that reference. In the timer's first retry the reclaim succeeds: `dec_ctx_shm_count` drops
 *   the reference (`put_domain`, the last one now), but VM_DESTROYED gets eleven RETRYs again
 *   (22 in all), so the ctx is queued again with nothing keeping it: the same free, the same use on the next expiry.
 *   (Within that first callback the ctx stays valid after the `put_domain`: the callback runs in
 *   TIMER_SOFTIRQ and the grace period cannot end before it returns; the model checks this too.)
 *
 * FIXED is a PROPOSED fix, not upstream, the one the card suggests: hold a domain reference
 * while the ctx is queued. `ffa_domain_teardown_continue` takes `get_domain(ctx->teardown_d)`
 * before `list_add_tail` (it holds a reference then: domain_kill's, or the one the popped entry
 * was queued with), and `ffa_teardown_timer_callback` drops it with `put_domain` after
 * `ffa_domain_teardown_continue` returns. The domain, and so the ctx, cannot be destroyed while
 * queued; the last put happens when no retry is left. Verified in both configurations.
 *
 * Actors: `cpu1` (the toolstack: first, in the `last-shm` configuration, the guest's earlier
 * FFA_MEM_SHARE's `inc_ctx_shm_count` reference; then `domain_kill(1)` -> `ffa_domain_teardown`
 * -> continue with `first_time`), `cpu0` (idle; TIMER_SOFTIRQ runs the callback), the timer
 * `ffa_teardown_timer` (protocols/timer.ts: expiry may come at any point after `set_timer`),
 * `ffa_teardown_head`, `spmc` (VM_DESTROYED, MEM_RECLAIM), `domains`, `rcu`, `d1.ctx`.
 * Not modelled: the VM list, RX/TX and notification teardown (before the continue, no effect on
 * the queue), `d->arch.tee` loads in partinfo/shm destroy (a use of the freed domain after the
 * ctx's), `ffa_ctx->teardown_expire` (time is not modelled).
 *
 * Properties: no use of a freed object (runtime/checkers/useAfterFree.ts) and the card's "a
 * queued ctx and its domain are never freed" ({@link c10QueuedAlive}); and, so that a fix cannot
 * pass by leaking, every run ends with the domain destroyed and the ctx freed
 * ({@link c10DestroyedAtRest}).
 */
import { ModelError } from '../runtime/errors.js';
import type { GlobalView, Invariant, SystemSpec } from '../runtime/system.js';
import { useAfterFree } from '../runtime/checkers/useAfterFree.js';
import { send } from '../runtime/model.js';
import { cpuMachine, softirqPoint } from '../protocols/cpu.js';
import { DOMAIN_KILLED, DOMAIN_REF, DOMAIN_TEARDOWN, domain, domainTableLabel, domainTableMachine, type DomainTableContext } from '../protocols/domain.js';
import { idleLoopBody, rcuLabel, rcuMachine } from '../protocols/rcu.js';
import { timerLabel, timerMachine } from '../protocols/timer.js';
import {
  TEARDOWN_QUEUE,
  TEARDOWN_TIMER,
  readCtx,
  teardownContinueStates,
  teardownCtxLabel,
  teardownCtxMachine,
  teardownLocals,
  teardownQueueLabel,
  teardownQueueMachine,
  teardownSpmcLabel,
  teardownSpmcMachine,
  teardownTimerBody,
  type TeardownCtxContext,
  type TeardownQueueContext,
} from '../actors/teardownTimer.js';
import { LARGER_PCT, type CatalogueEntry, type Variant } from './types.js';

export const C10_DOMID = 1;
const CPUS = ['cpu0', 'cpu1'];
const RCU = 'rcu';
const DOMAINS = 'domains';
const SPMC = 'spmc';
const CTX = 'd1.ctx';
const CTX_OBJ = 'ctx:d1';

/** What is left to do at teardown, and how the SP answers VM_DESTROYED. */
export type C10Config = 'vm-destroyed' | 'last-shm' | 'retry-10' | 'ffa-error';

/** The SP's answers to VM_DESTROYED, each one SMC of `ffa_direct_req_send_vm`'s loop (eleven per call at most). */
export interface C10Counts {
  shm: number;
  /** Direct responses with status RETRY, before the first OK. */
  retries: number;
  /** MEM_RECLAIM answers DENIED. */
  denials: number;
  /** FFA_ERROR answers to VM_DESTROYED, before any RETRY. */
  errors?: number;
}

export const C10_CONFIGS: Record<C10Config, C10Counts & { what: string }> = {
  'vm-destroyed': { shm: 0, retries: 11, denials: 0, what: 'no shared memory; the SP answers VM_DESTROYED RETRY 11 times in a row' },
  'last-shm': { shm: 1, retries: 22, denials: 1, what: 'one shared page: reclaim DENIED once; the SP answers VM_DESTROYED RETRY 22 times (two calls)' },
  'retry-10': { shm: 0, retries: 10, denials: 0, what: 'no shared memory; the SP answers VM_DESTROYED RETRY 10 times, then OK (absorbed by the retry loop)' },
  'ffa-error': { shm: 0, retries: 0, denials: 0, errors: 1, what: 'no shared memory; the SPMC answers VM_DESTROYED with FFA_ERROR(RETRY) (invalid answer: not retried)' },
};

/** The most SP answers a configuration may script: four whole calls of the retry loop. */
const MAX_ANSWERS = 44;

export interface C10Options {
  variant: Variant;
  config: C10Config;
  /**
   * A larger configuration of `config`: the guest shared `shm` pages (a reclaim each; the first
   * share took the domain reference, the last reclaim drops it) and the SP answers RETRY
   * `retries` times (eleven per teardown attempt that fails) and the reclaim is DENIED `denials`
   * times. Default: the configuration's.
   */
  counts?: C10Counts;
}

/** The card's property: a queued ctx, and its domain, are never freed. */
export const c10QueuedAlive: Invariant = {
  name: 'a queued ctx and its domain are alive',
  reads: [TEARDOWN_QUEUE, CTX, DOMAINS],
  check: (view: GlobalView) => {
    if (!(view.actor(TEARDOWN_QUEUE).context as TeardownQueueContext).queue.includes(CTX_OBJ)) return true;
    if ((view.actor(CTX).context as TeardownCtxContext).heap[CTX_OBJ]?.live === false) return `${CTX_OBJ} is freed while still queued on ffa_teardown_head`;
    if ((view.actor(DOMAINS).context as DomainTableContext).heap[`domain:${C10_DOMID}`]?.live === false) return `domain ${C10_DOMID} (ctx->teardown_d) is freed while ${CTX_OBJ} is queued on ffa_teardown_head`;
    return true;
  },
};

/**
 * The fix must not trade the use-after-free for a leak: when the run is over (every mailbox
 * empty: every actor here only reacts to messages), the domain has been destroyed and its ctx
 * freed, with nothing left queued.
 */
export const c10DestroyedAtRest: Invariant = {
  name: 'domain destroyed and ctx freed at rest',
  check: (view: GlobalView) => {
    if (view.actorNames.some((n) => view.mailbox(n).length > 0)) return true;
    const queued = (view.actor(TEARDOWN_QUEUE).context as TeardownQueueContext).queue;
    const ctxLive = (view.actor(CTX).context as TeardownCtxContext).heap[CTX_OBJ]?.live !== false;
    const domLive = (view.actor(DOMAINS).context as DomainTableContext).heap[`domain:${C10_DOMID}`]?.live !== false;
    if (!ctxLive && !domLive && queued.length === 0) return true;
    return `the run is over with domain ${C10_DOMID} ${domLive ? 'not destroyed (a zombie)' : 'destroyed'}, ${CTX_OBJ} ${ctxLive ? 'not freed' : 'freed'}, queue [${queued.join(',')}]`;
  },
};

function killer(variant: Variant, shm: number) {
  const cont = teardownContinueStates({ firstTime: true, home: CTX, spmc: SPMC, domains: DOMAINS, holdRef: variant === 'fixed' });
  const kill = send(DOMAINS, domain.kill(C10_DOMID));
  return cpuMachine({
    id: 'cpu1',
    context: { ...teardownLocals(), tdObj: CTX_OBJ },
    program: {
      initial: 'idle',
      states: {
        // The guest's FFA_MEM_SHARE before the kill: inc_ctx_shm_count's get_knownalive_domain.
        idle: { meta: softirqPoint(), on: { start: shm > 0 ? { target: 'share', actions: send(DOMAINS, domain.get(C10_DOMID)) } : { target: 'killing', actions: kill } } },
        share: { on: { [DOMAIN_REF]: { target: 'killing', actions: kill } } },
        killing: { on: { [DOMAIN_KILLED]: { target: 'teardown' } } },
        // domain_teardown -> ffa_domain_teardown -> ffa_domain_teardown_continue(ctx, true).
        teardown: { on: { [DOMAIN_TEARDOWN]: { target: 'continue', actions: readCtx(CTX) } } },
        continue: { ...cont, onDone: { target: 'dead', actions: send(DOMAINS, domain.teardownDone(C10_DOMID)) } },
        dead: { meta: softirqPoint() },
      },
    },
  });
}

/**
 * The C10 system.
 *
 * @example
 * ```ts
 * const result = explore(c10System({ variant: 'buggy', config: 'vm-destroyed' }));
 * // result.violations[0].message: "invariant 'a queued ctx and its domain are alive' violated: ..."
 * ```
 */
export function c10System({ variant, config, counts }: C10Options): SystemSpec {
  if (variant !== 'buggy' && variant !== 'fixed') throw new ModelError(`C10: unknown variant '${String(variant)}'; use buggy or fixed`);
  if (!C10_CONFIGS[config]) throw new ModelError(`C10: unknown configuration '${String(config)}'; use ${Object.keys(C10_CONFIGS).join(' or ')}`);
  for (const k of ['shm', 'retries', 'denials', 'errors'] as const) {
    const n = counts?.[k];
    const max = k === 'retries' ? MAX_ANSWERS : 4;
    if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > max)) throw new ModelError(`C10: ${k} must be an integer from 0 to ${max}, got ${String(n)}`);
  }
  const c = counts ?? C10_CONFIGS[config];
  const holdRef = variant === 'fixed';
  const cpu0 = cpuMachine({
    id: 'cpu0',
    context: { ...teardownLocals() },
    program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
    // cpu0 sleeps in do_idle (RCU's idle mask) except while TIMER_SOFTIRQ runs the callback.
    timers: { [TEARDOWN_TIMER]: idleLoopBody(teardownTimerBody({ home: CTX, spmc: SPMC, domains: DOMAINS, holdRef }), RCU) },
  });
  return {
    name: `C10-${variant}-${config}${counts ? `-shm${c.shm}r${c.retries}d${c.denials}${c.errors ? `e${c.errors}` : ''}` : ''}`,
    actors: [
      { name: 'cpu0', machine: cpu0, daemon: true },
      { name: 'cpu1', machine: killer(variant, c.shm), daemon: true },
      { name: TEARDOWN_TIMER, machine: timerMachine(TEARDOWN_TIMER, 'cpu0'), daemon: true, label: timerLabel },
      { name: TEARDOWN_QUEUE, machine: teardownQueueMachine(), daemon: true, label: teardownQueueLabel },
      { name: SPMC, machine: teardownSpmcMachine(SPMC, { retries: c.retries, denials: c.denials, errors: c.errors ?? 0 }), daemon: true, label: teardownSpmcLabel },
      { name: DOMAINS, machine: domainTableMachine({ name: DOMAINS, rcu: RCU, initial: [C10_DOMID], teardown: ['cpu1'], destroyed: [CTX] }), daemon: true, label: domainTableLabel },
      { name: RCU, machine: rcuMachine(RCU, CPUS, { idle: ['cpu0'] }), daemon: true, label: rcuLabel },
      { name: CTX, machine: teardownCtxMachine(CTX, CTX_OBJ, { d: C10_DOMID, bitmap: 1, shm: c.shm }), daemon: true, label: teardownCtxLabel(CTX_OBJ) },
    ],
    initialMessages: [{ to: 'cpu1', event: { type: 'start' } }],
    invariants: [c10QueuedAlive, c10DestroyedAtRest],
    checkers: [useAfterFree],
  };
}

const TITLE = 'teardown retry timer vs the domain (and ctx) being freed while queued';
const SOURCE = {
  buggy: 'upstream c447b730 ffa.c ffa_domain_teardown_continue / ffa_teardown_timer_callback, ffa_shm.c dec_ctx_shm_count (unconfirmed suspect: confirmed by the model)',
  fixed: 'PROPOSED (not upstream): get_domain() before list_add_tail in ffa_domain_teardown_continue, put_domain() after it in ffa_teardown_timer_callback',
} as const;

function entry(variant: Variant, config: C10Config): CatalogueEntry {
  return {
    id: 'C10',
    variant,
    config: C10_CONFIGS[config].what,
    key: `C10/${variant}/${config}`,
    title: variant === 'fixed' ? `${TITLE} (proposed fix)` : TITLE,
    source: SOURCE[variant],
    build: () => c10System({ variant, config }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'verified' },
  };
}

/** Upstream where the SP's answers do not trigger the bug: the retry loop absorbs them, or Xen gives up on an FFA_ERROR. */
function quietEntry(config: 'retry-10' | 'ffa-error'): CatalogueEntry {
  return { ...entry('buggy', config), expected: { verdict: 'verified' } };
}

/** C10's catalogue entries: upstream (buggy) and the proposed fix in both triggering configurations; upstream untriggered in two. */
export const c10Entries: CatalogueEntry[] = [
  entry('buggy', 'vm-destroyed'),
  entry('fixed', 'vm-destroyed'),
  entry('buggy', 'last-shm'),
  entry('fixed', 'last-shm'),
  quietEntry('retry-10'),
  quietEntry('ffa-error'),
];

/** The larger configuration's counts: `last-shm` with three shared pages (see {@link c10PctEntries}). */
export const C10_LARGER = { shm: 3, retries: 44, denials: 1 } as const;

/**
 * The larger configuration, explored with PCT: `last-shm` with three shared pages. The first
 * reclaim is DENIED, the next three succeed one per timer retry (the last drops the domain
 * reference), and the SP answers VM_DESTROYED RETRY 44 times (four whole calls of the retry
 * loop), so the ctx is queued once more after that last `put_domain`. PCT finds BUGGY's queued
 * ctx freed; for the proposed fix it finds nothing, which proves nothing.
 */
function pctEntry(variant: Variant): CatalogueEntry {
  return {
    ...entry(variant, 'last-shm'),
    config: 'three shared pages: reclaim DENIED once; the SP answers VM_DESTROYED RETRY 44 times (PCT)',
    key: `C10/${variant}/3shm-pct`,
    build: () => c10System({ variant, config: 'last-shm', counts: { ...C10_LARGER } }),
    expected: variant === 'buggy' ? { verdict: 'violation', kind: 'invariant' } : { verdict: 'incomplete' },
    strategy: 'pct',
    explore: { ...LARGER_PCT },
  };
}

/** C10's larger configuration, upstream (buggy) and the proposed fix, explored with PCT. */
export const c10PctEntries: CatalogueEntry[] = [pctEntry('buggy'), pctEntry('fixed')];
