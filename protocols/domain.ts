/**
 * The domain table: xen/common/domain.c (`domain_create`, `rcu_lock_domain_by_id`,
 * `rcu_lock_remote_domain_by_id`, `rcu_lock_live_remote_domain_by_id`, `get_domain`,
 * `put_domain`, `domain_kill`, `domain_destroy`, `complete_domain_destroy`).
 *
 * The table is the home of every `struct domain` (object `domain:<id>` in its `heap`, so the
 * use-after-free checker sees accesses to a freed domain). Lifetime, as in Xen:
 *
 *     create (refs 1) -> kill: is_dying, teardown listeners told `domain.teardown {id}`; when all
 *     answered `domain.teardown_done`, the creation reference is put -> refs reach 0:
 *     domain_destroy: off the list (lookups now fail), call_rcu(complete_domain_destroy) ->
 *     after a grace period: `domain.complete_destroy`: the struct is freed and `destroyed`
 *     listeners are told `domain.destroyed {id}` (e.g. FF-A frees its ctx there).
 *
 * Lookups answer `domain.lookup.result {id, rc}`; the caller is expected to be inside an RCU
 * read-side section and to leave it when done (Xen's rcu_unlock_domain):
 *
 * | `mode`         | Xen function                          | rc                                   |
 * |----------------|---------------------------------------|--------------------------------------|
 * | `any`          | rcu_lock_domain_by_id                 | 0, or -ESRCH if not on the list (no dying check) |
 * | `remote`       | rcu_lock_remote_domain_by_id          | also -EPERM if it is `current`      |
 * | `live_remote`  | rcu_lock_live_remote_domain_by_id     | also -EINVAL if it is dying          |
 *
 * References: `domain.get {id}` answers `domain.ref {id, ok}` (ok false once destroyed: Xen's
 * get_domain fails on DOMAIN_DESTROYED); `domain.put {id}` drops one.
 *
 * Fields: `struct domain`'s `is_dying` is a field of the object, as in Xen, so a CPU holding a
 * domain pointer reads it like any field: {@link domain.isDying} is `mem.read {obj: 'domain:<id>',
 * field: 'is_dying'}`, answered by `mem.value {value: true | false}` (and, after the struct is
 * freed, reported by the use-after-free checker like any other read of it).
 */
import { createMachine, enqueueActions } from 'xstate';
import { assertThat, reply, send, type Message } from '../runtime/model.js';
import type { HeapEntry } from '../runtime/checkers/conventions.js';
import { MEM_READ, freed, memoryHandlers } from './memory.js';
import { RCU_CALL } from './rcu.js';

export const DOMAIN_CREATE = 'domain.create';
export const DOMAIN_CREATED = 'domain.created';
export const DOMAIN_LOOKUP = 'domain.lookup';
export const DOMAIN_LOOKUP_RESULT = 'domain.lookup.result';
export const DOMAIN_GET = 'domain.get';
export const DOMAIN_REF = 'domain.ref';
export const DOMAIN_PUT = 'domain.put';
export const DOMAIN_KILL = 'domain.kill';
export const DOMAIN_KILLED = 'domain.killed';
export const DOMAIN_TEARDOWN = 'domain.teardown';
export const DOMAIN_TEARDOWN_DONE = 'domain.teardown_done';
export const DOMAIN_COMPLETE_DESTROY = 'domain.complete_destroy';
export const DOMAIN_DESTROYED = 'domain.destroyed';

export const ESRCH = -3;
export const EPERM = -1;
export const EINVAL = -22;

export type LookupMode = 'any' | 'remote' | 'live_remote';

export interface DomainRecord {
  dying: boolean;
  refs: number;
  /** On the domain list (findable by lookups). */
  listed: boolean;
  /** Teardown listeners yet to answer. */
  teardown: number;
}

export interface DomainTableContext {
  domains: Record<string, DomainRecord>;
  heap: Record<string, HeapEntry>;
  data: Record<string, Record<string, string | number | boolean | null>>;
}

export const domain = {
  create: (id: number): Message => ({ type: DOMAIN_CREATE, id }),
  lookup: (id: number, mode: LookupMode = 'any', current?: number): Message => ({ type: DOMAIN_LOOKUP, id, mode, ...(current !== undefined ? { current } : {}) }),
  get: (id: number): Message => ({ type: DOMAIN_GET, id }),
  put: (id: number): Message => ({ type: DOMAIN_PUT, id }),
  kill: (id: number): Message => ({ type: DOMAIN_KILL, id }),
  teardownDone: (id: number): Message => ({ type: DOMAIN_TEARDOWN_DONE, id }),
  /** Reads `d->is_dying` (answered by `mem.value {obj, field: 'is_dying', value}`). */
  isDying: (id: number): Message => ({ type: MEM_READ, obj: `domain:${id}`, field: 'is_dying' }),
};

export interface DomainTableOptions {
  /** The table's actor name (freed objects name it). */
  name: string;
  /** The RCU actor's name. */
  rcu: string;
  /** Domains existing at the start. */
  initial?: number[];
  /** Actors told `domain.teardown {id}` on kill (each answers `domain.teardown_done`). */
  teardown?: string[];
  /** Actors told `domain.destroyed {id}` by complete_domain_destroy. */
  destroyed?: string[];
}

type DEvent = Message & { id: number; mode?: LookupMode; current?: number; from: string };
type Enq = { assign: (x: Partial<DomainTableContext>) => void } & ((a: unknown) => void);

export function domainTableMachine(options: DomainTableOptions) {
  const { name, rcu, teardown = [], destroyed = [] } = options;
  const obj = (id: number | string): string => `domain:${id}`;
  const rec = (c: DomainTableContext, id: number): DomainRecord | undefined => c.domains[String(id)];
  const put = (c: DomainTableContext, id: number, enqueue: Enq): void => {
    const d = rec(c, id) as DomainRecord;
    const refs = d.refs - 1;
    if (refs > 0) {
      enqueue.assign({ domains: { ...c.domains, [String(id)]: { ...d, refs } } });
      return;
    }
    // domain_destroy: off the list, then complete_domain_destroy after a grace period.
    enqueue.assign({ domains: { ...c.domains, [String(id)]: { ...d, refs: 0, listed: false } } });
    enqueue(send(rcu, { type: RCU_CALL, to: name, event: { type: DOMAIN_COMPLETE_DESTROY, id } }));
  };
  return createMachine({
    id: name,
    types: {} as { context: DomainTableContext },
    context: {
      domains: Object.fromEntries((options.initial ?? []).map((id) => [String(id), { dying: false, refs: 1, listed: true, teardown: 0 }])),
      heap: Object.fromEntries((options.initial ?? []).map((id) => [obj(id), { live: true }])),
      data: Object.fromEntries((options.initial ?? []).map((id) => [obj(id), { is_dying: false }])),
    },
    on: {
      ...memoryHandlers(name),
      [DOMAIN_CREATE]: {
        actions: [
          assertThat<DomainTableContext, DEvent>(({ context, event }) => rec(context, event.id) === undefined, 'domain_create of an id in use'),
          enqueueActions(({ context, event, enqueue }) => {
            const id = (event as unknown as DEvent).id;
            enqueue.assign({
              domains: { ...context.domains, [String(id)]: { dying: false, refs: 1, listed: true, teardown: 0 } },
              heap: { ...context.heap, [obj(id)]: { live: true } },
              data: { ...context.data, [obj(id)]: { is_dying: false } },
            });
            enqueue(reply({ type: DOMAIN_CREATED, id }));
          }),
        ],
      },
      [DOMAIN_LOOKUP]: {
        actions: reply<DomainTableContext, DEvent>(({ context, event }) => {
          const d = rec(context, event.id);
          const mode = event.mode ?? 'any';
          let rc = 0;
          if (!d || !d.listed) rc = ESRCH;
          else if (mode !== 'any' && event.current === event.id) rc = EPERM;
          else if (mode === 'live_remote' && d.dying) rc = EINVAL;
          return { type: DOMAIN_LOOKUP_RESULT, id: event.id, rc };
        }),
      },
      [DOMAIN_GET]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const id = (event as unknown as DEvent).id;
          const d = rec(context, id);
          const ok = !!d && d.refs > 0;
          if (ok) enqueue.assign({ domains: { ...context.domains, [String(id)]: { ...d, refs: d.refs + 1 } } });
          enqueue(reply({ type: DOMAIN_REF, id, ok }));
        }),
      },
      [DOMAIN_PUT]: {
        actions: [
          assertThat<DomainTableContext, DEvent>(({ context, event }) => (rec(context, event.id)?.refs ?? 0) > 0, 'put_domain with no reference held'),
          assertThat<DomainTableContext, DEvent>(({ context, event }) => (rec(context, event.id)?.refs ?? 0) > 1 || rec(context, event.id)?.dying === true, 'domain_destroy of a domain that is not dying (BUG_ON(!d->is_dying))'),
          enqueueActions(({ context, event, enqueue }) => {
            if ((rec(context, (event as unknown as DEvent).id)?.refs ?? 0) > 0) put(context, (event as unknown as DEvent).id, enqueue as unknown as Enq);
          }),
        ],
      },
      [DOMAIN_KILL]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const id = (event as unknown as DEvent).id;
          const d = rec(context, id);
          enqueue(reply({ type: DOMAIN_KILLED, id, rc: d ? 0 : ESRCH }));
          if (!d || d.dying) return;
          const c = { ...context, domains: { ...context.domains, [String(id)]: { ...d, dying: true, teardown: teardown.length } } };
          enqueue.assign({ domains: c.domains, data: { ...context.data, [obj(id)]: { ...(context.data[obj(id)] ?? {}), is_dying: true } } });
          for (const t of teardown) enqueue(send(t, { type: DOMAIN_TEARDOWN, id }));
          if (teardown.length === 0) put(c, id, enqueue as unknown as Enq);
        }),
      },
      [DOMAIN_TEARDOWN_DONE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const id = (event as unknown as DEvent).id;
          const d = rec(context, id) as DomainRecord;
          const c = { ...context, domains: { ...context.domains, [String(id)]: { ...d, teardown: d.teardown - 1 } } };
          enqueue.assign({ domains: c.domains });
          if (d.teardown - 1 === 0) put(c, id, enqueue as unknown as Enq);
        }),
      },
      [DOMAIN_COMPLETE_DESTROY]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const id = (event as unknown as DEvent).id;
          const { [String(id)]: _gone, ...domains } = context.domains;
          enqueue.assign({ domains, heap: freed(context.heap, obj(id), name, event as unknown as Message) });
          for (const t of destroyed) enqueue(send(t, { type: DOMAIN_DESTROYED, id }));
        }),
      },
    },
  });
}

/** Trace label: `d1(2) d2(dying,1) d3(gone)`. */
export function domainTableLabel(c: DomainTableContext): string {
  const freedIds = Object.entries(c.heap).filter(([, h]) => !h.live).map(([o]) => o.replace('domain:', ''));
  const parts = Object.entries(c.domains).map(([id, d]) => `d${id}(${d.dying ? 'dying,' : ''}${d.listed ? '' : 'unlisted,'}${freedIds.includes(id) ? 'freed,' : ''}${d.refs})`);
  for (const id of freedIds) if (!c.domains[id]) parts.push(`d${id}(freed)`);
  return parts.join(' ') || 'empty';
}
