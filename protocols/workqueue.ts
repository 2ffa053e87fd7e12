/**
 * Workqueues: linux kernel/workqueue.c (`queue_work`, `cancel_work`, `cancel_work_sync`,
 * `flush_work`, `flush_workqueue`, `drain_workqueue`, `destroy_workqueue`; `__queue_work`,
 * `process_one_work`, `start_flush_work`, `__cancel_work`).
 *
 * A workqueue actor keeps its work items and hands them to worker actors (kworker threads,
 * built by {@link workerMachine}: a CPU-like actor in process context, where a work function may
 * sleep). Linux's guarantees, kept here:
 * - `queue_work` queues a work item that is not already pending and returns true; on a pending
 *   one it does nothing and returns false (WORK_STRUCT_PENDING). A running item may be queued
 *   again: it runs again after the current run (never two runs of one item at once: the
 *   non-reentrancy `process_one_work` keeps by running a colliding item on the same worker);
 * - an item stops being pending when a worker starts it (the pending bit is cleared before the
 *   function is called), so it may be queued again while it runs;
 * - `flush_work` waits until the last queued instance of the item has finished (the pending one
 *   if pending, else the running one; returns whether it waited); `flush_workqueue` does that for
 *   every item pending or running when it is called;
 * - `cancel_work` takes a pending item off the queue and does not wait; `cancel_work_sync` also
 *   waits for a running instance to finish, and queueing the item meanwhile does nothing (the
 *   canceller holds the pending bit): when it returns the item is neither pending nor running;
 * - `destroy_workqueue` drains it (waits until no item is pending or running; only the
 *   workqueue's own work items may queue more meanwhile: queueing from elsewhere is Linux's
 *   `WARN_ON_ONCE(!is_chained_work(wq))` and is dropped, an assertion here) and frees it: a later
 *   `queue_work` is a use of a freed workqueue, an assertion here.
 *
 * flush_work, cancel_work_sync, flush_workqueue and destroy_workqueue may sleep (their names are
 * in runtime/checkers/conventions.ts `SLEEPING_CALLS`). Every call is answered, addressed to the
 * context that asked (runtime/model.ts `answerTo`).
 *
 * | client sends              | workqueue answers                                       |
 * |---------------------------|---------------------------------------------------------|
 * | `work.queue {work}`       | `work.queued {work, ok}`                                |
 * | `work.cancel {work}`      | `work.cancelled {work, op, pending}` at once            |
 * | `work.cancel_sync {work}` | `work.cancelled {work, op, pending}` once not running   |
 * | `work.flush {work}`       | `work.flushed {work, waited}`                           |
 * | `wq.flush`                | `wq.flushed`                                            |
 * | `wq.destroy`              | `wq.destroyed`                                          |
 *
 * Between the workqueue and its workers: `work.run {work}` (start it) and `work.done {work}`
 * (it returned).
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, answerTo, assertThat, send, type Message } from '../runtime/model.js';
import { WORK_CANCEL_SYNC, WORK_FLUSH, WQ_DESTROY, WQ_FLUSH, workMap, wqMap } from '../runtime/checkers/conventions.js';
import { cpuMachine, enterBody, leaveBody, type BodyConfig } from './cpu.js';
import { ModelError } from '../runtime/errors.js';

// The calls that may sleep are declared in runtime/checkers/conventions.ts.
export { WORK_CANCEL_SYNC, WORK_FLUSH, WQ_DESTROY, WQ_FLUSH } from '../runtime/checkers/conventions.js';
export const WORK_QUEUE = 'work.queue';
export const WORK_QUEUED = 'work.queued';
export const WORK_CANCEL = 'work.cancel';
export const WORK_CANCELLED = 'work.cancelled';
export const WORK_FLUSHED = 'work.flushed';
export const WQ_FLUSHED = 'wq.flushed';
export const WQ_DESTROYED = 'wq.destroyed';
/** The workqueue to a worker: run this item. */
export const WORK_RUN = 'work.run';
/** A worker to the workqueue: the item's function returned. */
export const WORK_DONE = 'work.done';

export const work = {
  queue: (name: string): Message => ({ type: WORK_QUEUE, work: name }),
  cancel: (name: string): Message => ({ type: WORK_CANCEL, work: name }),
  cancelSync: (name: string): Message => ({ type: WORK_CANCEL_SYNC, work: name }),
  flush: (name: string): Message => ({ type: WORK_FLUSH, work: name }),
  flushWorkqueue: (): Message => ({ type: WQ_FLUSH }),
  destroyWorkqueue: (): Message => ({ type: WQ_DESTROY }),
};

export interface WorkItem {
  pending: boolean;
  /** The worker running it, or null. */
  running: string | null;
  /** cancel_work_sync is waiting for it (queueing it does nothing meanwhile). */
  canceling: boolean;
}

interface Asker {
  to: string;
  frame?: string;
}

/** A flush (or destroy) waiting: for each item, the instance it waits for. */
interface Flusher extends Asker {
  kind: 'work' | 'wq' | 'destroy';
  work?: string;
  /** `queued`: the pending instance (it must start, then finish); `running`: the running one. */
  targets: Record<string, 'queued' | 'running'>;
}

export interface WorkqueueContext {
  works: Record<string, WorkItem>;
  /** Pending items, in queueing order. */
  queue: string[];
  /** Workers with nothing to do. */
  idle: string[];
  flushers: Flusher[];
  cancelers: Array<Asker & { work: string; pending: boolean }>;
  draining: boolean;
  destroyed: boolean;
}

export interface WorkqueueOptions {
  /** The workqueue's actor name. */
  name: string;
  /** Its worker actors (built with {@link workerMachine}); several workers run items concurrently. */
  workers: string[];
  /** Its work items, by name. */
  works: string[];
}

type WEvent = Message & { from: string; work?: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Enqueue = any;

const askerOf = (e: WEvent): Asker => ({ to: e.from, ...(typeof e[FRAME] === 'string' ? { frame: e[FRAME] as string } : {}) });
const answer = (a: Asker, m: Message) => send(a.to, answerTo(a.frame === undefined ? {} : { [FRAME]: a.frame }, m));

/** What a flush issued now waits for, item by item. */
function targetsOf(c: WorkqueueContext, names: string[]): Record<string, 'queued' | 'running'> {
  const out: Record<string, 'queued' | 'running'> = {};
  for (const n of names) {
    const w = c.works[n];
    if (w?.pending) out[n] = 'queued';
    else if (w?.running) out[n] = 'running';
  }
  return out;
}

const settled = (c: WorkqueueContext): boolean => Object.values(c.works).every((w) => !w.pending && w.running === null);

/**
 * Starts what can start, then answers the flushes, cancels and destroy that are satisfied.
 * `c` is the context after the step's own change; returns the final context.
 */
function progress(c: WorkqueueContext, enqueue: Enqueue): WorkqueueContext {
  let { queue, idle } = c;
  const works = { ...c.works };
  let flushers = c.flushers;
  for (const name of c.queue) {
    const w = works[name] as WorkItem;
    if (idle.length === 0) break;
    if (w.running !== null) continue; // non-reentrant: after the current run
    const [worker, ...rest] = idle as [string, ...string[]];
    idle = rest;
    queue = queue.filter((q) => q !== name);
    works[name] = { ...w, pending: false, running: worker };
    enqueue(send(worker, { type: WORK_RUN, work: name }));
    flushers = flushers.map((f) => (f.targets[name] === 'queued' ? { ...f, targets: { ...f.targets, [name]: 'running' } } : f));
  }
  let next: WorkqueueContext = { ...c, works, queue, idle, flushers };
  const remaining: Flusher[] = [];
  for (const f of next.flushers) {
    const done = f.kind === 'destroy' ? settled(next) : Object.keys(f.targets).length === 0;
    if (!done) remaining.push(f);
    else if (f.kind === 'work') enqueue(answer(f, { type: WORK_FLUSHED, work: f.work as string, waited: true }));
    else if (f.kind === 'wq') enqueue(answer(f, { type: WQ_FLUSHED }));
    else {
      enqueue(answer(f, { type: WQ_DESTROYED }));
      next = { ...next, draining: false, destroyed: true };
    }
  }
  return { ...next, flushers: remaining };
}

/** A workqueue (`alloc_workqueue`) with its work items and workers. The actor's name must be `options.name`. */
export function workqueueMachine(options: WorkqueueOptions) {
  const { workers } = options;
  const item = (c: WorkqueueContext, name: string, wq: string): WorkItem => {
    const w = c.works[name];
    if (!w) throw new ModelError(`workqueue '${wq}': no work item '${name}'; its items are ${Object.keys(c.works).join(', ')}`);
    return w;
  };
  const ev = (e: unknown): WEvent => e as WEvent;
  const put = (enqueue: Enqueue, c: WorkqueueContext) => enqueue.assign(c);
  return createMachine({
    id: options.name,
    types: {} as { context: WorkqueueContext },
    context: {
      works: Object.fromEntries(options.works.map((w) => [w, { pending: false, running: null, canceling: false }])),
      queue: [],
      idle: [...workers],
      flushers: [],
      cancelers: [],
      draining: false,
      destroyed: false,
    },
    on: {
      [WORK_QUEUE]: {
        actions: [
          assertThat<WorkqueueContext, WEvent>(({ context }) => !context.destroyed, 'queue_work on a workqueue that destroy_workqueue freed (use after free)'),
          assertThat<WorkqueueContext, WEvent>(
            ({ context, event }) => !context.draining || workers.includes(event.from),
            'queue_work on a draining workqueue from outside its own work items (WARN_ON_ONCE(!is_chained_work(wq))): the work is dropped',
          ),
          enqueueActions(({ context, event, enqueue }) => {
            const e = ev(event);
            const name = String(e.work);
            const w = item(context, name, options.name);
            const refused = context.destroyed || (context.draining && !workers.includes(e.from)) || w.pending || w.canceling;
            if (!refused) put(enqueue, progress({ ...context, works: { ...context.works, [name]: { ...w, pending: true } }, queue: [...context.queue, name] }, enqueue));
            enqueue(answer(askerOf(e), { type: WORK_QUEUED, work: name, ok: !refused }));
          }),
        ],
      },
      [WORK_CANCEL]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = ev(event);
          const name = String(e.work);
          const w = item(context, name, options.name);
          put(enqueue, progress(withoutPending(context, name, w), enqueue));
          enqueue(answer(askerOf(e), { type: WORK_CANCELLED, work: name, op: 'cancel', pending: w.pending }));
        }),
      },
      [WORK_CANCEL_SYNC]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = ev(event);
          const name = String(e.work);
          const w = item(context, name, options.name);
          const c = withoutPending(context, name, w);
          if (w.running === null) {
            put(enqueue, progress(c, enqueue));
            enqueue(answer(askerOf(e), { type: WORK_CANCELLED, work: name, op: 'cancel_sync', pending: w.pending }));
          } else {
            const works = { ...c.works, [name]: { ...(c.works[name] as WorkItem), canceling: true } };
            put(enqueue, progress({ ...c, works, cancelers: [...c.cancelers, { ...askerOf(e), work: name, pending: w.pending }] }, enqueue));
          }
        }),
      },
      [WORK_FLUSH]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = ev(event);
          const name = String(e.work);
          item(context, name, options.name);
          const targets = targetsOf(context, [name]);
          if (Object.keys(targets).length === 0) enqueue(answer(askerOf(e), { type: WORK_FLUSHED, work: name, waited: false }));
          else put(enqueue, { ...context, flushers: [...context.flushers, { ...askerOf(e), kind: 'work', work: name, targets }] });
        }),
      },
      [WQ_FLUSH]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const targets = targetsOf(context, Object.keys(context.works));
          if (Object.keys(targets).length === 0) enqueue(answer(askerOf(ev(event)), { type: WQ_FLUSHED }));
          else put(enqueue, { ...context, flushers: [...context.flushers, { ...askerOf(ev(event)), kind: 'wq', targets }] });
        }),
      },
      [WQ_DESTROY]: {
        actions: [
          assertThat<WorkqueueContext, WEvent>(({ context }) => !context.destroyed && !context.draining, 'destroy_workqueue of a workqueue already destroyed'),
          enqueueActions(({ context, event, enqueue }) => {
            put(enqueue, progress({ ...context, draining: true, flushers: [...context.flushers, { ...askerOf(ev(event)), kind: 'destroy', targets: {} }] }, enqueue));
          }),
        ],
      },
      [WORK_DONE]: {
        actions: [
          assertThat<WorkqueueContext, WEvent>(({ context, event }) => context.works[String(event.work)]?.running === event.from, 'work.done from a worker that is not running that item'),
          enqueueActions(({ context, event, enqueue }) => {
            const e = ev(event);
            const name = String(e.work);
            const w = item(context, name, options.name);
            const cancelled = context.cancelers.filter((k) => k.work === name);
            for (const k of cancelled) enqueue(answer(k, { type: WORK_CANCELLED, work: name, op: 'cancel_sync', pending: k.pending }));
            const works = { ...context.works, [name]: { ...w, running: null, canceling: false } };
            const flushers = context.flushers.map((f) => {
              if (f.targets[name] !== 'running') return f;
              const { [name]: _done, ...targets } = f.targets;
              return { ...f, targets };
            });
            put(enqueue, progress({ ...context, works, flushers, idle: [...context.idle, e.from], cancelers: context.cancelers.filter((k) => k.work !== name) }, enqueue));
          }),
        ],
      },
    },
  });
}

/** The context with `name` no longer pending (cancelled): flushes waiting for that instance end. */
function withoutPending(c: WorkqueueContext, name: string, w: WorkItem): WorkqueueContext {
  if (!w.pending) return c;
  const flushers = c.flushers.map((f) => {
    if (f.targets[name] !== 'queued') return f;
    const { [name]: _gone, ...targets } = f.targets;
    return { ...f, targets };
  });
  return { ...c, works: { ...c.works, [name]: { ...w, pending: false } }, queue: c.queue.filter((q) => q !== name), flushers };
}

export interface WorkerOptions {
  /** The worker's actor name. */
  id: string;
  /** The workqueue it serves. */
  wq: string;
  /** The work functions it may run, by work item name. */
  works: Record<string, BodyConfig>;
}

/**
 * A kworker: waits for `work.run`, runs the item's function as a `work` body (process context:
 * it may sleep, take mutexes; a lock still held when it returns is a leak), then tells the
 * workqueue `work.done`. Add it to the system as a daemon.
 */
export function workerMachine(options: WorkerOptions) {
  const bodies = Object.entries(options.works);
  const states: Record<string, unknown> = {
    idle: {
      on: {
        [WORK_RUN]: bodies.map(([name, b]) => ({
          guard: ({ event }: { event: Message }) => event.work === name,
          target: `work:${name}`,
          // process_one_work holds the workqueue's and the item's lockdep maps around the function.
          actions: [enterBody('work', name, [wqMap(options.wq), workMap(name)]), ...(b.start === undefined ? [] : Array.isArray(b.start) ? b.start : [b.start])],
        })),
      },
    },
  };
  for (const [name, b] of bodies) {
    states[`work:${name}`] = { initial: b.initial, states: b.states, onDone: { target: 'idle', actions: [leaveBody(), send(options.wq, { type: WORK_DONE, work: name })] } };
  }
  return cpuMachine({ id: options.id, program: { initial: 'idle', states } });
}

/**
 * For deadlock reports (ActorSpec `waits`): each running work item that a flush or
 * cancel_work_sync waits for, held by the worker running it, so a deadlock's wait-for cycle can go
 * through the work function (cpu1 flushes w while holding M; w, on kw0, waits for M).
 */
export function workqueueWaits(c: WorkqueueContext): Array<{ name: string; heldBy: string[]; waiting: string[] }> {
  const out: Array<{ name: string; heldBy: string[]; waiting: string[] }> = [];
  for (const [n, w] of Object.entries(c.works)) {
    if (w.running === null) continue;
    const waiting = [...c.flushers.filter((f) => f.targets[n] === 'running').map((f) => f.to), ...c.cancelers.filter((k) => k.work === n).map((k) => k.to)];
    if (waiting.length) out.push({ name: `work ${n}`, heldBy: [w.running], waiting: [...new Set(waiting)] });
  }
  return out;
}

/** Trace label: pending and running items, e.g. `q[w1] w2@kw0`, `draining`, `destroyed`. */
export function workqueueLabel(c: WorkqueueContext): string {
  const running = Object.entries(c.works)
    .filter(([, w]) => w.running !== null)
    .map(([n, w]) => `${n}@${w.running}`);
  const parts = [...(c.queue.length ? [`q[${c.queue.join(' ')}]`] : []), ...running];
  if (c.draining) parts.push('draining');
  if (c.destroyed) parts.push('destroyed');
  return parts.join(' ') || 'idle';
}
