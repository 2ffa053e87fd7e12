/**
 * A guest's FF-A domain context, `struct ffa_ctx`, reduced to the fields whose locking the RX/TX
 * scenarios (SCENARIOS.md C3, C12, C14) are about, and the two locks that guard them.
 *
 * Follows xen/arch/arm/tee/ffa_private.h (`struct ffa_ctx`) and ffa_rxtx.c at upstream c447b730:
 * `ffa_handle_rxtx_map`, `rxtx_unmap`, `ffa_rx_acquire`, `ffa_rx_release`, `ffa_tx_acquire`,
 * `ffa_tx_release`, `ffa_rxtx_domain_init`, with the locking history of a3075e2f ("harden RX/TX
 * mapping": map/unmap under rx_lock -> tx_lock), 3528248b ("rework VM RX/TX buffer management":
 * buffer pointer and size only through acquire) and 309e8edf ("Fix RXTX_UNMAP ownership race").
 * The CPUs that run that code live in the scenarios; this actor is the data, and it judges
 * every access to it (DESIGN.md decision 5: the lock lives with the data).
 *
 * | field            | guarded by (SCENARIOS.md section 2)                                   |
 * |------------------|-----------------------------------------------------------------------|
 * | `rx`, `rx_is_free` | `ctx->rx_lock` (`ctx.rx_lock` here)                                  |
 * | `tx`             | `ctx->tx_lock` (`ctx.tx_lock`); `ffa_tx_acquire` takes it by trylock    |
 * | `page_count`     | written with both locks held, read with either                        |
 * | `is_dying`       | `d->is_dying` of the owning domain: domctl_lock, not these locks       |
 *
 * A pointer is modelled as the id of a Xen mapping of the guest's page (`__map_domain_page_global`
 * of the page `get_page_from_gfn` took a reference on): `rx`/`tx` hold the id (`null` is NULL).
 * Each mapping's page reference is a heap object, {@link rxPageObj} (`g2.rx_pg#1`), in
 * `context.heap`: `ctx.map` allocates it, `ctx.unmap` frees it (`put_page`: Xen no longer holds
 * the page), so a CPU that saved `rx` and writes through it later is judged by the use-after-free
 * checker (runtime/checkers/useAfterFree.ts). On arm64, the only architecture FF-A builds for
 * (`depends on ARM_64`), Xen maps domain pages through the directmap:
 * `unmap_domain_page_global` does nothing (xen/include/xen/domain_page.h without
 * CONFIG_ARCH_MAP_DOMAIN_PAGE), so such a write does not fault: it lands in a page Xen holds no
 * reference to, which the guest may by then have given back (and a dying domain's pages are
 * freed by `domain_relinquish_resources`). `rx_is_free` is true when Xen may fill the RX buffer;
 * false when the guest owns it, or while a Xen CPU fills it after `ffa_rx_acquire`.
 *
 * Messages (one step each; a reply where the CPU needs a value):
 *
 * | message       | C it stands for                                    | answer       |
 * |---------------|----------------------------------------------------|--------------|
 * | `ctx.read`    | loads of `fields` (comma separated)                | `ctx.value`  |
 * | `ctx.write`   | stores of the scalar fields given                  | none         |
 * | `ctx.map`     | get_page x2, map_domain_page_global x2, then `rx`, `tx`, `page_count = 1`, `rx_is_free = true`; the page object is allocated | none |
 * | `ctx.unmap`   | unmap_domain_page_global(ctx->rx/tx), put_page x2, clear the fields; the page object is freed | none |
 * | `mem.write`   | a store into the guest's RX page object `obj` (mapping `map`), bytes `[0, end)` | none |
 * | `rx.write`    | the same store through a NULL `ctx->rx` (`map` null): a data abort in Xen | none |
 * | `spin.*`      | `ctx->rx_lock`, `ctx->tx_lock` (protocols/spinlock.ts)  | see there   |
 *
 * Properties judged here: a write into the RX page goes through a non-NULL pointer and stays
 * inside the page (assertions: a data abort, or a write past the page); {@link
 * atMostOneLiveMapping}; {@link ffaCtxLockDiscipline}, a checker (it reports and lets the search
 * go on, so the races behind an unlocked access are still explored); {@link
 * locksReleasedOnReturn}. A write through a mapping whose page reference was put is for the
 * use-after-free checker, which every system with these contexts should list ({@link
 * FFA_CTX_CHECKERS}).
 */
import { assign, createMachine, enqueueActions } from 'xstate';
import { assertThat, send, type Message } from '../runtime/model.js';
import type { ActorSpec, GlobalView, Invariant } from '../runtime/system.js';
import type { Checker, CheckerFactory } from '../runtime/checkers/Checker.js';
import type { HeapEntry } from '../runtime/checkers/conventions.js';
import { useAfterFree } from '../runtime/checkers/useAfterFree.js';
import { MEM_WRITE, freed } from '../protocols/memory.js';
import { SPIN_RELEASE, freeLocks, lockResources, spinlockHandlers, type TicketLock } from '../protocols/spinlock.js';

/** Lock classes (shared by every guest's context, as lockdep classes are). */
export const RX_LOCK = 'ctx.rx_lock';
export const TX_LOCK = 'ctx.tx_lock';

/** FFA_PAGE_SIZE; every RX/TX buffer is one page (FFA_MAX_RXTX_PAGE_COUNT == 1). */
export const FFA_PAGE_SIZE = 4096;

export const CTX_READ = 'ctx.read';
export const CTX_VALUE = 'ctx.value';
export const CTX_WRITE = 'ctx.write';
export const CTX_MAP = 'ctx.map';
export const CTX_UNMAP = 'ctx.unmap';
export const RX_WRITE = 'rx.write';

/** Fields a CPU may read or write. */
export type CtxField = 'rx' | 'tx' | 'page_count' | 'rx_is_free' | 'is_dying';

export interface FfaCtxContext {
  locks: Record<string, TicketLock>;
  /** The guest, e.g. `g2`: the prefix of its actor names. */
  guest: string;
  /** ctx->rx: the mapping id of the RX page, or null. */
  rx: number | null;
  /** ctx->tx: the mapping id of the TX page, or null. */
  tx: number | null;
  page_count: number;
  rx_is_free: boolean;
  /** d->is_dying != DOMDYING_alive. */
  is_dying: boolean;
  /** Xen's page references, one object per mapping ({@link rxPageObj}); live while mapped. */
  heap: Record<string, HeapEntry>;
  /** The id the next `ctx.map` gives (deterministic: from the execution, not module state). */
  next_map: number;
}

/** Input of the ctx machine. */
export interface FfaCtxInput {
  guest: string;
  /** Start with the guest's RX/TX mapped (mapping 1, `rx_is_free`), as after a successful RXTX_MAP. */
  mapped: boolean;
}

/** Messages a CPU sends to a ctx. */
export const ctxMsg = {
  read: (...fields: CtxField[]): Message => ({ type: CTX_READ, fields: fields.join(',') }),
  write: (values: Partial<Record<CtxField, number | boolean | null>>): Message => ({ type: CTX_WRITE, ...values }),
  map: (): Message => ({ type: CTX_MAP }),
  unmap: (): Message => ({ type: CTX_UNMAP }),
  /** A store of bytes `[0, end)` into `guest`'s RX page through mapping `map` (NULL: `map` null). */
  rxWrite: (guest: string, map: number | null, end: number): Message =>
    map === null ? { type: RX_WRITE, map, end } : { type: MEM_WRITE, obj: rxPageObj(guest, map), field: 'data', map, end },
};

/** The heap object standing for Xen's reference on `guest`'s RX page taken for mapping `map`: `g2.rx_pg#1`. */
export function rxPageObj(guest: string, map: number): string {
  return `${guest}.rx_pg#${map}`;
}

/** The mapping ids of `c`'s RX page that Xen still holds (allocated, not yet put). */
export function liveMappings(c: FfaCtxContext): number[] {
  return Object.entries(c.heap)
    .filter(([, h]) => h.live)
    .map(([o]) => Number(o.slice(o.lastIndexOf('#') + 1)));
}

/** The actor name of guest `g`'s ctx: `g2.ctx`. */
export function ctxName(guest: string): string {
  return `${guest}.ctx`;
}

type Args = { context: FfaCtxContext; event: Message };

const FIELDS: readonly CtxField[] = ['rx', 'tx', 'page_count', 'rx_is_free', 'is_dying'];

function fieldsOf(event: Message): CtxField[] {
  if (event.type === CTX_READ) return String(event.fields).split(',') as CtxField[];
  return FIELDS.filter((f) => f in event);
}

const replyValue = enqueueActions(({ context, event, enqueue }) => {
  const value: Message = { type: CTX_VALUE };
  for (const f of fieldsOf(event)) (value as Record<string, unknown>)[f] = context[f];
  enqueue(send(String((event as Message).from), value));
});

const storeFields = assign(({ context, event }: Args) => {
  const next: Partial<FfaCtxContext> = {};
  for (const f of fieldsOf(event)) (next as Record<string, unknown>)[f] = event[f];
  return { ...context, ...next };
});

const mapPages = assign(({ context }: Args) => ({
  rx: context.next_map,
  tx: context.next_map,
  page_count: 1,
  rx_is_free: true,
  heap: { ...context.heap, [rxPageObj(context.guest, context.next_map)]: { live: true } },
  next_map: context.next_map + 1,
}));

// put_page(ctx->rx_pg): the page object is freed, remembering the step (reports name it).
const unmapPages = assign(({ context, event }: Args) => ({
  rx: null,
  tx: null,
  page_count: 0,
  rx_is_free: false,
  heap: context.rx === null ? context.heap : freed(context.heap, rxPageObj(context.guest, context.rx), ctxName(context.guest), event),
}));

/** The NULL-pointer and bounds assertions of a store into the RX page (use after put is the checker's). */
const judgeRxWrite = enqueueActions(({ context, event, enqueue }) => {
  const e = event as Message & { from: string; map: number | null; end: number };
  if (e.map === null) {
    enqueue(assertThat(() => false, `${e.from} writes ${context.guest}'s RX buffer through a NULL ctx->rx (unmapped before it was read): a data abort in Xen`));
  }
  if (e.end > FFA_PAGE_SIZE) {
    enqueue(assertThat(() => false, `${e.from} writes ${context.guest}'s RX buffer up to byte ${e.end}, past its ${FFA_PAGE_SIZE}-byte page`));
  }
});

// Typed loosely, as spinlockHandlers() is: enqueueActions' generics cannot name this context.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const dataHandlers: Record<string, any> = {
  ...spinlockHandlers(),
  [CTX_READ]: { actions: replyValue },
  [CTX_WRITE]: { actions: storeFields },
  [CTX_MAP]: { actions: mapPages },
  [CTX_UNMAP]: { actions: unmapPages },
  [RX_WRITE]: { actions: judgeRxWrite },
  [MEM_WRITE]: { actions: judgeRxWrite },
};

/** The ffa_ctx machine: a daemon owning `ctx.rx_lock` and `ctx.tx_lock` and the fields above. */
export function ffaCtxMachine() {
  return createMachine({
    id: 'ffa_ctx',
    types: {} as { context: FfaCtxContext; input: FfaCtxInput; events: Message },
    context: ({ input }) => ({
      locks: freeLocks(RX_LOCK, TX_LOCK),
      guest: input.guest,
      rx: input.mapped ? 1 : null,
      tx: input.mapped ? 1 : null,
      page_count: input.mapped ? 1 : 0,
      rx_is_free: input.mapped,
      is_dying: false,
      heap: input.mapped ? { [rxPageObj(input.guest, 1)]: { live: true } } : {},
      next_map: input.mapped ? 2 : 1,
    }),
    on: dataHandlers,
  });
}

function shortOwner(guest: string, name: string): string {
  return name.startsWith(`${guest}.`) ? name.slice(guest.length + 1) : name;
}

/**
 * Trace label: the RX mapping (`m1`, `m1+m2` when mapped twice, `-` when unmapped), `free` or
 * `own` (rx_is_free), the holders of rx_lock (`R:`) and tx_lock (`T:`) with waiters in
 * brackets (`RT:` when one CPU holds both and nobody waits), and `dying`. Holders of this guest are shown without the guest prefix.
 */
export function ffaCtxLabel(c: FfaCtxContext): string {
  const lock = (tag: string, l: TicketLock | undefined): string =>
    l && l.owner !== null ? ` ${tag}:${shortOwner(c.guest, l.owner)}${l.queue.length ? `[${l.queue.map((q) => shortOwner(c.guest, q)).join(' ')}]` : ''}` : '';
  const live = liveMappings(c);
  const map = live.length ? live.map((m) => `m${m}`).join('+') : '-';
  const own = c.page_count ? (c.rx_is_free ? ' free' : ' own') : '';
  const rx = c.locks[RX_LOCK];
  const tx = c.locks[TX_LOCK];
  // Both held by one CPU with nobody waiting (map, unmap): one entry, to keep the column narrow.
  const both = rx && tx && rx.owner !== null && rx.owner === tx.owner && !rx.queue.length && !tx.queue.length;
  const locks = both ? lock('RT', rx) : `${lock('R', rx)}${lock('T', tx)}`;
  return `${map}${own}${locks}${c.is_dying ? ' dying' : ''}`;
}

/** The ctx actor of `guest`, ready to put in a system. */
export function ffaCtxActor(guest: string, { mapped }: { mapped: boolean }): ActorSpec {
  return { name: ctxName(guest), machine: ffaCtxMachine(), input: { guest, mapped } satisfies FfaCtxInput, daemon: true, label: ffaCtxLabel, resources: lockResources };
}

function ctxOf(view: GlobalView, name: string): FfaCtxContext {
  return view.actor(name).context as FfaCtxContext;
}

function ctxNames(view: GlobalView): string[] {
  return view.actorNames.filter((n) => n.endsWith('.ctx'));
}

/** At most one live Xen mapping of a guest's RX page: a second one leaks a page reference. */
export const atMostOneLiveMapping: Invariant = {
  name: 'at most one live RX/TX mapping per guest',
  check: (view) => {
    for (const n of ctxNames(view)) {
      const c = ctxOf(view, n);
      const live = liveMappings(c);
      if (live.length > 1) {
        const kept = c.rx === null ? 'none' : `m${c.rx}`;
        return `${c.guest}'s RX/TX pages are mapped ${live.length} times (${live.map((m) => `m${m}`).join(', ')}); ctx->rx keeps ${kept}, the others leak their page references and global mappings`;
      }
    }
    return true;
  },
};

/**
 * A CPU whose hypercall has returned (its machine is final) holds and waits for no lock, in any
 * actor that owns locks, unless its `spin.release` is already on the way (in the owner's
 * mailbox). Stands in for the lock-leak checker until it lands.
 */
export const locksReleasedOnReturn: Invariant = {
  name: 'a vCPU whose hypercall has returned holds no lock',
  check: (view) => {
    for (const owner of view.actorNames) {
      const locks = (view.actor(owner).context as { locks?: Record<string, TicketLock> } | undefined)?.locks;
      if (!locks) continue;
      // A release the CPU sent before returning may still be in the owner's mailbox: in flight, not leaked.
      const releasing = (cpu: string, cls: string): boolean => view.mailbox(owner).some((m) => m.type === SPIN_RELEASE && m.lock === cls && m.from === cpu);
      for (const [cls, l] of Object.entries(locks)) {
        for (const cpu of [l.owner, ...l.queue]) {
          if (cpu !== null && view.actorNames.includes(cpu) && view.actor(cpu).status === 'done' && !releasing(cpu, cls)) {
            return `${cpu} has returned from its hypercall still ${cpu === l.owner ? 'holding' : 'queued for'} ${cls} of ${owner} (lock leaked)`;
          }
        }
      }
    }
    return true;
  },
};

/** Which lock a CPU must hold to read (`write: false`) or write a field; `both` for page_count writes. */
function guardOf(field: CtxField, write: boolean): 'rx' | 'tx' | 'either' | 'both' | null {
  switch (field) {
    case 'rx':
    case 'rx_is_free':
      return 'rx';
    case 'tx':
      return 'tx';
    case 'page_count':
      return write ? 'both' : 'either';
    case 'is_dying':
      return null;
  }
}

function accessedFields(m: Message): Array<{ field: CtxField; write: boolean }> {
  switch (m.type) {
    case CTX_READ:
      return fieldsOf(m).map((field) => ({ field, write: false }));
    case CTX_WRITE:
      return fieldsOf(m).map((field) => ({ field, write: true }));
    case CTX_MAP:
    case CTX_UNMAP:
      return (['rx', 'tx', 'page_count', 'rx_is_free'] as const).map((field) => ({ field, write: true }));
    default:
      return [];
  }
}

/**
 * The checker behind "rx/tx/page_count touched only under their lock" (C3's property, the
 * design goal of 3528248b): every `ctx.*` access to a guarded field comes from the CPU holding
 * the guarding lock. A checker, not an assertion, so that the search goes on past an unlocked
 * access and still finds the race it opens (a mapped-twice page, a write after unmap). Reported
 * once per (CPU state, field) as kind `data-race`.
 */
export const ffaCtxLockDiscipline: CheckerFactory = () => {
  const checker: Checker = {
    name: 'ffa_ctx lock discipline',
    onTransition: ({ actor, message, before }) => {
      if (!actor.endsWith('.ctx')) return undefined;
      const accesses = accessedFields(message);
      if (!accesses.length) return undefined;
      const c = ctxOf(before, actor);
      const from = String(message.from);
      const holds = (cls: string): boolean => c.locks[cls]?.owner === from;
      for (const { field, write } of accesses) {
        const g = guardOf(field, write);
        const ok =
          g === null ||
          (g === 'rx' && holds(RX_LOCK)) ||
          (g === 'tx' && holds(TX_LOCK)) ||
          (g === 'either' && (holds(RX_LOCK) || holds(TX_LOCK))) ||
          (g === 'both' && holds(RX_LOCK) && holds(TX_LOCK));
        if (!ok) {
          const need = g === 'both' ? 'both ctx->rx_lock and ctx->tx_lock' : g === 'either' ? 'ctx->rx_lock or ctx->tx_lock' : `ctx->${g}_lock`;
          const what = message.type === CTX_MAP ? 'maps (writes ctx->rx/tx/page_count)' : message.type === CTX_UNMAP ? 'unmaps (clears ctx->rx/tx/page_count)' : `${write ? 'writes' : 'reads'} ctx->${field}`;
          return [{ kind: 'data-race', actor, message: `${from} ${what} of ${c.guest} without holding ${need}` }];
        }
      }
      return undefined;
    },
  };
  return checker;
};

/** The checkers every system with ffa_ctx actors runs: the lock discipline, and use after put_page. */
export const FFA_CTX_CHECKERS: CheckerFactory[] = [ffaCtxLockDiscipline, useAfterFree];
