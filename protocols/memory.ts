/**
 * Objects in memory, their accesses and their freeing, as messages (the convention the
 * use-after-free and data-race checkers observe: runtime/checkers/conventions.ts).
 *
 * An object lives with a home actor (a domain context, a shared buffer) that includes
 * {@link memoryHandlers} and keeps `context.heap` (liveness) and `context.data` (fields). An
 * access is made by its sender at the step that sends it:
 *
 * | client sends                        | home does                                          |
 * |-------------------------------------|----------------------------------------------------|
 * | `mem.read {obj, field}`             | answers `mem.value {obj, field, value}`            |
 * | `mem.write {obj, field, value}`     | stores it                                          |
 * | `mem.alloc {obj}`                   | makes it live again                                |
 * | `mem.free {obj}`                    | marks it freed, remembering the step (xfree)       |
 *
 * A freed object's home still answers (the memory is still there; that is what makes a
 * use-after-free silent in C): it is the use-after-free checker that reports the access. A
 * second free is an assertion (double free).
 *
 * These homes are sequentially consistent: each access takes effect in the order the home takes
 * the messages. For a memory model chosen per system (`sc`, `tso`, `arm`), with the kernel's
 * ordering operations (READ_ONCE/WRITE_ONCE, smp_store_release/smp_load_acquire, smp_*mb,
 * atomic_* with their ordering variants, lock barriers), use protocols/weakMemory.ts: the same
 * `mem.read`/`mem.write` messages, one memory actor for the locations it holds.
 */
import { createMachine, enqueueActions } from 'xstate';
import { assertThat, reply, type Message } from '../runtime/model.js';
import type { HeapEntry } from '../runtime/checkers/conventions.js';
import { MEM_ALLOC, MEM_FREE, MEM_READ, MEM_VALUE, MEM_WRITE } from '../runtime/checkers/conventions.js';

export { MEM_ALLOC, MEM_FREE, MEM_READ, MEM_VALUE, MEM_WRITE };

export type Scalar = string | number | boolean | null;

export interface MemoryContext {
  heap: Record<string, HeapEntry>;
  data: Record<string, Record<string, Scalar>>;
}

export const mem = {
  read: (obj: string, field: string): Message => ({ type: MEM_READ, obj, field }),
  write: (obj: string, field: string, value: Scalar): Message => ({ type: MEM_WRITE, obj, field, value }),
  alloc: (obj: string): Message => ({ type: MEM_ALLOC, obj }),
  free: (obj: string): Message => ({ type: MEM_FREE, obj }),
};

type MemEvent = Message & { obj: string; field?: string; value?: Scalar; from: string };

/** Marks `obj` freed by the step `home <- message`: what reports name as "freed by". */
export function freed(heap: Record<string, HeapEntry>, obj: string, home: string, m: Message): Record<string, HeapEntry> {
  const fields = Object.entries(m)
    .filter(([k, v]) => k !== 'type' && k !== 'from' && (v === null || typeof v !== 'object'))
    .map(([k, v]) => `${k}=${String(v)}`);
  return { ...heap, [obj]: { live: false, freedBy: `${home} <- ${fields.length ? `${m.type}(${fields.join(',')})` : m.type} from ${m.from ?? '?'}` } };
}

/** Handlers that make an actor (named `home`) the home of the objects in its `context.heap`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function memoryHandlers(home: string): Record<string, any> {
  return {
    [MEM_READ]: {
      actions: reply<MemoryContext, MemEvent>(({ context, event }) => ({ type: MEM_VALUE, obj: event.obj, field: event.field ?? null, value: context.data[event.obj]?.[event.field ?? ''] ?? null })),
    },
    [MEM_WRITE]: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const c = context as unknown as MemoryContext;
        const e = event as unknown as MemEvent;
        enqueue.assign({ data: { ...c.data, [e.obj]: { ...(c.data[e.obj] ?? {}), [e.field ?? '']: e.value ?? null } } } as never);
      }),
    },
    [MEM_ALLOC]: { actions: enqueueActions(({ context, event, enqueue }) => enqueue.assign({ heap: { ...(context as unknown as MemoryContext).heap, [(event as unknown as MemEvent).obj]: { live: true } } } as never)) },
    [MEM_FREE]: {
      actions: [
        assertThat<MemoryContext, MemEvent>(({ context, event }) => context.heap[event.obj]?.live === true, 'double free (or free of an object never allocated)'),
        enqueueActions(({ context, event, enqueue }) => enqueue.assign({ heap: freed((context as unknown as MemoryContext).heap, (event as unknown as MemEvent).obj, home, event as unknown as Message) } as never)),
      ],
    },
  };
}

/** The initial context for a home of `objects`, all live, with their initial fields. */
export function liveObjects(objects: Record<string, Record<string, Scalar>>): MemoryContext {
  return { heap: Object.fromEntries(Object.keys(objects).map((o) => [o, { live: true }])), data: objects };
}

/** A standalone home: a shared buffer, a context structure. The actor's name must be `id`. */
export function memoryMachine(id: string, objects: Record<string, Record<string, Scalar>>) {
  return createMachine({ id, types: {} as { context: MemoryContext }, context: liveObjects(objects), on: memoryHandlers(id) });
}

/** Trace label: each object's liveness and fields. */
export function memoryLabel(c: MemoryContext): string {
  return Object.keys(c.heap)
    .sort()
    .map((o) => `${o}${c.heap[o]?.live ? '' : '(freed)'}${Object.keys(c.data[o] ?? {}).length ? `{${Object.entries(c.data[o] ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(',')}}` : ''}`)
    .join(' ');
}
