/**
 * Shared memory with a memory model chosen per system: `sc` (sequential consistency), `tso`
 * (x86-TSO: per-CPU FIFO store buffers, Owens, Sarkar and Sewell, TPHOLs 2009) or `arm` (an
 * operational approximation of Armv8's other-multicopy-atomic model, after Pulte, Flur, Deacon,
 * French, Sarkar and Sewell, "Simplifying ARM concurrency", POPL 2018, and the view-based
 * Promising-ARM of Pulte et al., PLDI 2019). The kernel's ordering operations decide what
 * another CPU can observe; the Linux kernel memory model's litmus tests (spec/protocols/litmus)
 * are the reference answers. Pure semantics: protocols/weakMemoryCore.ts.
 *
 * One memory actor holds the locations (objects and fields, as protocols/memory.ts's homes do,
 * so `mem.read`/`mem.write` clients and the use-after-free and race checkers work unchanged).
 * CPUs (the actors named in `cpus`) send it requests, in program order (a mailbox is FIFO per
 * sender), named as the kernel names the operations ({@link wmm}):
 *
 * | kernel (Linux; Xen)                                  | message                                   | answer |
 * |------------------------------------------------------|-------------------------------------------|--------|
 * | `READ_ONCE`, `atomic_read`; `ACCESS_ONCE`, `read_atomic` | `mem.read {obj, field}`                 | `mem.value {obj, field, value}` |
 * | `smp_load_acquire`                                   | `mem.read {obj, field, order: 'acquire'}` | `mem.value` |
 * | `WRITE_ONCE`, `atomic_set`; `ACCESS_ONCE() =`, `write_atomic` | `mem.write {obj, field, value}`  | none |
 * | `smp_store_release`, `rcu_assign_pointer`            | `mem.write {..., order: 'release'}`       | none |
 * | `smp_mb`, `smp_rmb`, `smp_wmb`                       | `mem.fence {kind}`                        | none |
 * | `atomic_inc`, `atomic_add` (void: relaxed)           | `mem.rmw {op: 'add', order: 'relaxed', ret: false}` | none |
 * | `atomic_add_return`, `xchg`, `cmpxchg` and their `_relaxed`/`_acquire`/`_release` | `mem.rmw {op, arg, expect?, order, ret: true}` | `mem.value` (old value) |
 * | Xen `test_and_clear_bool` (= `xchg(&b, false)`)      | `mem.test_and_clear {obj, field}`         | `mem.value` (old value) |
 * | lock granted (`spin_lock`, `read_lock`, ...)         | `mem.acquire {chan, full?}`               | none |
 * | before unlocking                                     | `mem.release {chan, full?}`               | none |
 * | the CPU has finished (litmus threads)                | `mem.done`                                | none |
 * | the CPU needs a register a pending load fills        | `mem.need {reg}`                          | `mem.value` |
 *
 * A load with `reg` records its value in that register (shown in the memory's label, which is
 * what a litmus outcome reads); with `reply: false` the CPU does not wait for it. `dep: r`
 * marks an address dependency on the load into register `r` (rcu_dereference). Any request may
 * carry `ack: true` (answered `mem.ack` when it has no value to answer: the CPU then issues
 * one request at a time, which keeps the state space small), `retire: [locations]` (the CPU
 * will not load them again, so `arm` stops keeping its views of them) and `retireViews: true`
 * (it will issue no more smp_rmb, smp_mb, fully ordered RMW or dependent load, so the views
 * those would read are dropped).
 *
 * Locks are their own actors (protocols/spinlock.ts, rwlock.ts); their implied barriers are the
 * two channel messages: the CPU sends `mem.acquire {chan: lockClass}` when the grant arrives
 * and `mem.release {chan}` just before it sends the unlock. Linux's locks are acquire/release;
 * Xen's are full barriers (xen/arch/arm/include/asm/spinlock.h: arch_lock_acquire_barrier() and
 * arch_lock_release_barrier() are smp_mb(); the queued rwlock's cmpxchg/atomic_add_return are
 * fully ordered): `full: true`. {@link wmm.lockAcquired}/{@link wmm.unlocking} build them.
 *
 * ## The rules
 *
 * `sc`: every access takes effect when the memory takes the request; fences do nothing.
 *
 * `tso`: a store enters its CPU's FIFO store buffer and reaches memory later, oldest first; a
 * load returns the CPU's own newest buffered store to that location, else memory. `smp_mb`,
 * every RMW (x86's locked instructions) and Xen's full-barrier locks drain the buffer; smp_rmb,
 * smp_wmb, acquire and release order nothing more (x86 keeps those orders anyway). Allowed: SB
 * and R (a store overtaken by a later load). Forbidden: MP, LB, WRC, IRIW, ISA2, S, 2+2W.

 * `arm`, on one flat memory (a single order of writes, seen by every CPU: other-multicopy
 * atomicity):
 * 1. Stores to different locations reach memory in any order; to the same location in program
 *    order. `smp_wmb` orders stores before it before stores after it; `smp_store_release`
 *    reaches memory after every earlier store, and after every earlier load is performed.
 * 2. A load returns the CPU's own newest buffered store to that location (forwarding), else a
 *    write of the location that is not older than the CPU's view of it. Views only move
 *    forward: each CPU's view of each location advances, one write at a time, by a step of its
 *    own, so a load may be satisfied "early" (return a value already overwritten), as Armv8
 *    allows when nothing orders it after earlier accesses. A CPU that stores to or reads a
 *    write of a location never reads an older one afterwards (coherence).
 * 3. `smp_rmb` orders earlier loads before later ones: later loads read nothing overwritten
 *    before the newest write an earlier load read. `smp_load_acquire` orders everything after
 *    it: later loads read nothing overwritten before the write it read. An address dependency
 *    (`dep`) does the same for the dependent load. `smp_mb` drains the CPU's stores and then
 *    acts as `smp_rmb` over its loads and stores. As in Armv8 (RCsc), an acquire waits for the
 *    CPU's earlier releases to reach memory.
 * 4. A load sent with `reply: false` is pending: it is performed at the CPU's next ordering
 *    point (a fence, an acquire, a release, an RMW, a lock operation, a later access to the same
 *    location, `mem.need` for its register, or `mem.done`). Until then later stores may reach
 *    memory first (load buffering, LB). A pending acquire is performed before anything the CPU
 *    sends after it. Litmus threads send every load this way and ask for a value they use with
 *    `mem.need`: a CPU that declares a location in `deferredLoads` gets a view of it that moves
 *    only while a load of it is pending, which is all such a load can observe.
 * 5. A value-returning RMW reads the newest write and writes right after it (atomicity);
 *    fully ordered ones act as `smp_mb` before and after, `_acquire`/`_release` as an acquire
 *    load / a release. A void relaxed RMW (`atomic_inc`) is buffered like a store; its value is
 *    computed when it reaches memory.
 * 6. A lock release waits in the buffer behind the stores before it; the next acquire of the
 *    same channel completes it (those stores reach memory) and raises the acquirer's views to it.
 *
 * Litmus shapes (Linux's tools/memory-model names; the spec measures every one): `arm` allows
 * MP, SB, LB, WRC, IRIW, ISA2, R, S and 2+2W without ordering, and SB with forwarding; it
 * forbids them with the fences, release/acquire chains, locks and dependencies the kernel's
 * tests use, and every coherence violation (CoRR, CoRW, CoWR, CoWW).
 *
 * Stronger than Armv8 and LKMM: Armv8 is other-multicopy-atomic, so where LKMM allows a cycle
 * with two or more non-reads-from links that Armv8 forbids (the Z6.0 tests), this model gives
 * Armv8's answer; release-then-acquire on one CPU is ordered (Armv8's RCsc; LKMM orders it only
 * for unlock-then-lock); a pending load is performed no later than the CPU's next ordering point
 * (Armv8 could delay it further past an acquire); a value-returning RMW's write reaches memory
 * when it is performed; a failed cmpxchg is ordered as a successful one; `acquire` of a channel
 * completes every pending release of it (exact for locks, whose releases are totally ordered);
 * stores a CPU sends after a release marker cannot overtake stores of an earlier release that an
 * acquire forces out. No speculation beyond what views give: control dependencies order a load
 * before the stores after the branch (the CPU waits for the value), as Armv8 does.
 * Weaker than neither, within the bounds: a load returns one of the last `maxStale` (default 4)
 * writes of its location; a buffer holds `maxBuffer` (default 4) stores, and one more pushes the
 * oldest to memory. Not modelled: mixed-size accesses, exclusives' failure, instruction fetch,
 * `spin_is_locked` (the lock is an actor, not a word in memory: see the litmus spec), `smp_mb__after_atomic`-style
 * fences without an access, and LKMM's plain (non-marked) accesses and data races.
 *
 * ## Lanes, and why the state stays small
 * The engine's only choice is which actor steps next, so each independent piece of memory
 * progress is an actor of its own, a *lane*: under `tso` one per CPU (its buffer drains), under
 * `arm` one per (CPU, location) (that CPU's oldest ready store of the location reaches memory;
 * or, with none buffered, the CPU's view of it moves one write forward). The memory sends a lane
 * a tick when the lane can act; the lane's step sends it back; the memory then acts. Lanes exist
 * only for the locations a CPU declares it reads or writes (`access`), so a CPU that never
 * loads a location never multiplies states by lagging behind it. The memory state is canonical:
 * writes no CPU can read are dropped and timestamps renumbered (weakMemoryCore.ts).
 */
import { createMachine, enqueueActions } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { answerTo, assertThat, send, type Message } from '../runtime/model.js';
import type { ActorSpec, GlobalView } from '../runtime/system.js';
import type { HeapEntry } from '../runtime/checkers/conventions.js';
import { MEM_ALLOC, MEM_FREE, MEM_READ, MEM_WRITE } from '../runtime/checkers/conventions.js';
import { MEM_VALUE, freed, type Scalar } from './memory.js';
import {
  MEMORY_MODELS,
  acquire,
  canonicalize,
  fence,
  finish,
  initialCore,
  laneAction,
  laneStep,
  latestValues,
  load,
  need,
  forceAcquires,
  release,
  retire,
  rmw,
  settled,
  store,
  type Core,
  type FenceKind,
  type Lane,
  type Layout,
  type MemoryModel,
  type RmwOp,
  type RmwOrder,
} from './weakMemoryCore.js';

export { MEMORY_MODELS, type MemoryModel, type RmwOp, type RmwOrder, type FenceKind } from './weakMemoryCore.js';

export const MEM_FENCE = 'mem.fence';
export const MEM_RMW = 'mem.rmw';
export const MEM_TEST_AND_CLEAR = 'mem.test_and_clear';
export const MEM_ACQUIRE = 'mem.acquire';
export const MEM_RELEASE = 'mem.release';
export const MEM_DONE = 'mem.done';
/** The CPU needs the value of a register its pending load fills: answered `mem.value`. */
export const MEM_NEED = 'mem.need';
/** The answer to a request sent with `ack: true` that has no value to answer. */
export const MEM_ACK = 'mem.ack';
/** Memory to lane: you can act. */
export const MEM_TICK = 'mem.tick';
/** Lane to memory: act now. */
export const MEM_STEP = 'mem.step';

/** Which kernel's lock barriers: Linux's acquire/release, or Xen's smp_mb() on both sides. */
export type LockFlavour = 'linux' | 'xen';

/**
 * Request builders, named as the kernel names the operations. `obj`/`field` address a
 * location (`field` '' for a plain variable, as litmus tests use).
 */
export const wmm = {
  READ_ONCE: (obj: string, field = ''): Message => ({ type: MEM_READ, obj, field }),
  WRITE_ONCE: (obj: string, field: string, value: Scalar): Message => ({ type: MEM_WRITE, obj, field, value }),
  smp_load_acquire: (obj: string, field = ''): Message => ({ type: MEM_READ, obj, field, order: 'acquire' }),
  smp_store_release: (obj: string, field: string, value: Scalar): Message => ({ type: MEM_WRITE, obj, field, value, order: 'release' }),
  smp_mb: (): Message => ({ type: MEM_FENCE, kind: 'mb' }),
  smp_rmb: (): Message => ({ type: MEM_FENCE, kind: 'rmb' }),
  smp_wmb: (): Message => ({ type: MEM_FENCE, kind: 'wmb' }),
  atomic_read: (obj: string, field = ''): Message => ({ type: MEM_READ, obj, field }),
  atomic_set: (obj: string, field: string, value: number): Message => ({ type: MEM_WRITE, obj, field, value }),
  /** `atomic_inc`/`atomic_add`/`atomic_dec` (negative delta): void, so relaxed (Linux atomic_t.txt; Xen the same). */
  atomic_add: (obj: string, field: string, delta: number): Message => ({ type: MEM_RMW, obj, field, op: 'add', arg: delta, order: 'relaxed', ret: false }),
  /** `atomic_add_return` and its `_relaxed`/`_acquire`/`_release` variants (default fully ordered). */
  atomic_add_return: (obj: string, field: string, delta: number, order: RmwOrder = 'mb'): Message => ({ type: MEM_RMW, obj, field, op: 'add', arg: delta, order, ret: true }),
  /** `xchg` and its variants (default fully ordered); answers the old value. */
  xchg: (obj: string, field: string, value: Scalar, order: RmwOrder = 'mb'): Message => ({ type: MEM_RMW, obj, field, op: 'xchg', arg: value, order, ret: true }),
  /** `cmpxchg` and its variants (default fully ordered); answers the old value. */
  cmpxchg: (obj: string, field: string, expect: Scalar, value: Scalar, order: RmwOrder = 'mb'): Message => ({ type: MEM_RMW, obj, field, op: 'cmpxchg', arg: value, expect, order, ret: true }),
  /** Xen's `test_and_clear_bool(b)`: `xchg(&b, false)`, fully ordered; answers the old value. */
  test_and_clear_bool: (obj: string, field: string): Message => ({ type: MEM_TEST_AND_CLEAR, obj, field }),
  /** The barrier implied by taking lock class `cls` (send when the grant arrives). */
  lockAcquired: (cls: string, flavour: LockFlavour): Message => ({ type: MEM_ACQUIRE, chan: cls, full: flavour === 'xen' }),
  /** The barrier implied by releasing lock class `cls` (send just before the unlock message). */
  unlocking: (cls: string, flavour: LockFlavour): Message => ({ type: MEM_RELEASE, chan: cls, full: flavour === 'xen' }),
  done: (): Message => ({ type: MEM_DONE }),
  /** The value of register `reg`, filled by a load sent with `reply: false` (performed now if still pending). */
  need: (reg: string): Message => ({ type: MEM_NEED, reg }),
};

export interface WeakMemoryOptions {
  /** The memory actor's name (lanes are named `<name>~<cpu>~<location>`). */
  name: string;
  model: MemoryModel;
  /** The actors that access this memory, each one CPU (program order = its send order). */
  cpus: string[];
  /** Objects, their fields and initial values; field '' for a plain variable. */
  objects: Record<string, Record<string, Scalar>>;
  /**
   * Per CPU, the locations (`obj` or `obj.field`) it loads and stores; a CPU left out may access
   * every location. Under `arm` a lane exists only for declared pairs, so declaring keeps the
   * state space small; an access outside the declaration is a model error. `deferredLoads`:
   * locations the CPU loads only with `reply: false` (litmus threads): its view of them then
   * moves only while such a load is pending, which is all a pending load can observe.
   */
  access?: Record<string, { reads?: string[]; writes?: string[]; deferredLoads?: string[] }>;
  /** A load returns one of the last `maxStale` writes of its location. Default 4. */
  maxStale?: number;
  /** Stores a CPU's buffer holds before the oldest is pushed to memory. Default 4. */
  maxBuffer?: number;
}

export interface WeakMemoryContext {
  /** Liveness, as protocols/memory.ts homes keep it (the use-after-free checker reads it). */
  heap: Record<string, HeapEntry>;
  /** The newest value of every field (memory as far as stores have reached it). */
  data: Record<string, Record<string, Scalar>>;
  core: Core;
}

export interface WeakMemory {
  /** The memory actor and its lanes, to put in a system's `actors`. */
  actors: ActorSpec[];
  /** Lane actor names. */
  lanes: string[];
  layout: Layout;
  /** Mailbox slots the memory may need: CPUs' requests in flight plus one step per lane. */
  mailboxNeed: number;
}

/** `obj` or `obj.field`. */
export function locationKey(obj: string, field: string): string {
  return field === '' ? obj : `${obj}.${field}`;
}

function layoutOf(o: WeakMemoryOptions): Layout {
  if (!MEMORY_MODELS.includes(o.model)) throw new ModelError(`weak memory '${o.name}': unknown model '${String(o.model)}'; use ${MEMORY_MODELS.join(', ')}`);
  if (!o.cpus.length) throw new ModelError(`weak memory '${o.name}': needs at least one CPU in 'cpus'`);
  if (new Set(o.cpus).size !== o.cpus.length) throw new ModelError(`weak memory '${o.name}': a CPU is listed twice in 'cpus' (${o.cpus.join(', ')})`);
  const obj: string[] = [];
  const field: string[] = [];
  for (const [name, fields] of Object.entries(o.objects)) {
    for (const f of Object.keys(fields)) {
      obj.push(name);
      field.push(f);
    }
  }
  const locs = obj.map((n, i) => locationKey(n, field[i] as string));
  // Two declarations one key would name (object 'a' field 'b' and object 'a.b' with field '')
  // would be one location: a write to either would be read through the other.
  const firstAt = new Map<string, number>();
  locs.forEach((l, i) => {
    const j = firstAt.get(l);
    if (j === undefined) firstAt.set(l, i);
    else throw new ModelError(`weak memory '${o.name}': object '${obj[j] as string}' field '${field[j] as string}' and object '${obj[i] as string}' field '${field[i] as string}' are both location '${l}'; rename one`);
  });
  if (!locs.length) throw new ModelError(`weak memory '${o.name}': has no locations; give objects with at least one field`);
  const maxStale = o.maxStale ?? 4;
  const maxBuffer = o.maxBuffer ?? 4;
  if (!Number.isInteger(maxStale) || maxStale < 1) throw new ModelError(`weak memory '${o.name}': maxStale must be an integer >= 1, got ${String(maxStale)}`);
  if (!Number.isInteger(maxBuffer) || maxBuffer < 1) throw new ModelError(`weak memory '${o.name}': maxBuffer must be an integer >= 1, got ${String(maxBuffer)}`);
  const declared = (cpu: string, which: 'reads' | 'writes' | 'deferredLoads'): boolean[] => {
    const list = o.access?.[cpu]?.[which];
    if (!o.access?.[cpu]) return locs.map(() => which !== 'deferredLoads');
    for (const l of list ?? []) if (!locs.includes(l)) throw new ModelError(`weak memory '${o.name}': access of '${cpu}' names unknown location '${l}'; locations are ${locs.join(', ')}`);
    return locs.map((l) => (list ?? []).includes(l));
  };
  for (const cpu of Object.keys(o.access ?? {})) if (!o.cpus.includes(cpu)) throw new ModelError(`weak memory '${o.name}': access names '${cpu}', which is not one of its cpus (${o.cpus.join(', ')})`);
  const reads = o.cpus.map((c) => declared(c, 'reads'));
  const writes = o.cpus.map((c) => declared(c, 'writes'));
  const deferred = o.cpus.map((c) => declared(c, 'deferredLoads'));
  const lanes: Lane[] = [];
  o.cpus.forEach((cpu, c) => {
    if (o.model === 'tso' && writes[c]?.some(Boolean)) lanes.push({ name: `${o.name}~${cpu}`, cpu: c, loc: -1 });
    // A view of a location no CPU writes never lags: no lane for it.
    const written = (x: number): boolean => writes.some((w) => w[x]);
    if (o.model === 'arm') locs.forEach((l, x) => (writes[c]?.[x] || (reads[c]?.[x] && written(x)) ? lanes.push({ name: `${o.name}~${cpu}~${l}`, cpu: c, loc: x }) : undefined));
  });
  return { model: o.model, name: o.name, locs, obj, field, cpus: [...o.cpus], reads, writes, deferred, lanes, maxStale, maxBuffer };
}

function dataOf(layout: Layout, core: Core, before: Record<string, Record<string, Scalar>>): Record<string, Record<string, Scalar>> {
  const values = latestValues(layout, core);
  const out: Record<string, Record<string, Scalar>> = {};
  for (const o of Object.keys(before)) out[o] = {};
  layout.locs.forEach((_, x) => {
    (out[layout.obj[x] as string] as Record<string, Scalar>)[layout.field[x] as string] = values[x] as Scalar;
  });
  return out;
}

type MemEvent = Message & {
  from: string;
  obj?: string;
  field?: string;
  value?: Scalar;
  order?: string;
  reg?: string;
  reply?: boolean;
  dep?: string;
  kind?: string;
  op?: string;
  arg?: Scalar;
  expect?: Scalar;
  ret?: boolean;
  chan?: string;
  full?: boolean;
  ack?: boolean;
  retire?: string[];
  retireViews?: boolean;
};

/**
 * The memory actor and its lanes.
 *
 * @example
 * ```ts
 * const memory = weakMemory({ name: 'mem', model: 'arm', cpus: ['P0', 'P1'], objects: { x: { '': 0 }, y: { '': 0 } } });
 * const system = { name: 'mp', actors: [...threads, ...memory.actors], mailboxBound: memory.mailboxNeed + 4 };
 * // P0 sends wmm.WRITE_ONCE('x', '', 1) then wmm.WRITE_ONCE('y', '', 1); P1 reads y then x.
 * ```
 */
export function weakMemory(options: WeakMemoryOptions): WeakMemory {
  const layout = layoutOf(options);
  const name = options.name;
  const init = layout.locs.map((_, x) => (options.objects[layout.obj[x] as string] as Record<string, Scalar>)[layout.field[x] as string] ?? null);
  const core0 = initialCore(layout, init);
  const cpuIndex = new Map(layout.cpus.map((c, i) => [c, i]));
  const laneIndex = new Map(layout.lanes.map((l, i) => [l.name, i]));
  const locIndex = new Map(layout.locs.map((l, i) => [l, i]));

  const where = (e: MemEvent): string => `weak memory '${name}' (${layout.model}), request '${e.type}' from '${e.from}'`;
  const cpuOf = (e: MemEvent): number => {
    const c = cpuIndex.get(e.from);
    if (c === undefined) throw new ModelError(`${where(e)}: '${e.from}' is not one of its CPUs (${layout.cpus.join(', ')}); list it in 'cpus'`);
    return c;
  };
  const locIndexOf = (e: MemEvent, key: string): number => {
    const x = locIndex.get(key);
    if (x === undefined) throw new ModelError(`${where(e)}: retire names unknown location '${key}'; locations are ${layout.locs.join(', ')}`);
    return x;
  };
  const locOf = (e: MemEvent, c: number, kind: 'reads' | 'writes' | 'both'): number => {
    const key = locationKey(String(e.obj ?? ''), String(e.field ?? ''));
    const x = locIndex.get(key);
    if (x === undefined) throw new ModelError(`${where(e)}: no location '${key}'; locations are ${layout.locs.join(', ')}`);
    const ok = (k: 'reads' | 'writes') => layout[k][c]?.[x] === true;
    if ((kind === 'reads' && !ok('reads')) || (kind === 'writes' && !ok('writes')) || (kind === 'both' && !(ok('reads') && ok('writes')))) {
      throw new ModelError(`${where(e)}: '${e.from}' is not declared to ${kind === 'both' ? 'read and write' : kind === 'reads' ? 'read' : 'write'} '${key}' (see 'access')`);
    }
    return x;
  };

  /** Runs one request against a copy of the state; returns the new context and what to send. */
  const run = (context: WeakMemoryContext, e: MemEvent): { context: WeakMemoryContext; sends: Array<{ to: string; event: Message }> } => {
    const core = structuredClone(context.core);
    const sends: Array<{ to: string; event: Message }> = [];
    let answered = false;
    const answer = (value: Scalar): void => {
      answered = true;
      sends.push({ to: e.from, event: answerTo(e, { type: MEM_VALUE, obj: e.obj ?? null, field: e.field ?? '', value }) });
    };
    if (e.type !== MEM_STEP) forceAcquires(layout, core, cpuOf(e));
    switch (e.type) {
      case MEM_STEP: {
        const l = laneIndex.get(e.from);
        if (l === undefined) throw new ModelError(`${where(e)}: '${e.from}' is not a lane of this memory`);
        core.armed = core.armed.filter((a) => a !== l);
        laneStep(layout, core, layout.lanes[l] as Lane);
        break;
      }
      case MEM_READ: {
        const c = cpuOf(e);
        const acquireLoad = e.order === 'acquire';
        if (e.order !== undefined && e.order !== 'once' && !acquireLoad) throw new ModelError(`${where(e)}: order must be 'once' or 'acquire', got '${String(e.order)}'`);
        const wait = e.reply !== false;
        if (!wait && e.reg === undefined) throw new ModelError(`${where(e)}: a load with reply: false needs a register ('reg') to put its value in`);
        const done = load(layout, core, c, { x: locOf(e, c, 'reads'), acquire: acquireLoad, reg: e.reg, wait, dep: e.dep });
        if (wait) answer((done as { value: Scalar }).value);
        break;
      }
      case MEM_WRITE: {
        const c = cpuOf(e);
        if (e.order !== undefined && e.order !== 'once' && e.order !== 'release') throw new ModelError(`${where(e)}: order must be 'once' or 'release', got '${String(e.order)}'`);
        store(layout, core, c, locOf(e, c, 'writes'), e.value ?? null, e.order === 'release');
        break;
      }
      case MEM_FENCE: {
        if (e.kind !== 'mb' && e.kind !== 'rmb' && e.kind !== 'wmb') throw new ModelError(`${where(e)}: fence kind must be mb, rmb or wmb, got '${String(e.kind)}'`);
        fence(layout, core, cpuOf(e), e.kind as FenceKind);
        break;
      }
      case MEM_RMW:
      case MEM_TEST_AND_CLEAR: {
        const c = cpuOf(e);
        const x = locOf(e, c, 'writes');
        const spec =
          e.type === MEM_TEST_AND_CLEAR
            ? { x, op: 'xchg' as RmwOp, arg: false, order: 'mb' as RmwOrder, ret: true }
            : { x, op: e.op as RmwOp, arg: e.arg ?? null, expect: e.expect, order: (e.order ?? 'mb') as RmwOrder, ret: e.ret !== false };
        if (!['add', 'xchg', 'cmpxchg', 'or', 'and', 'andnot'].includes(spec.op)) throw new ModelError(`${where(e)}: unknown RMW op '${String(spec.op)}'`);
        if (!['mb', 'relaxed', 'acquire', 'release'].includes(spec.order)) throw new ModelError(`${where(e)}: unknown RMW order '${String(spec.order)}'`);
        const done = rmw(layout, core, c, spec);
        if (spec.ret) answer((done as { old: Scalar }).old);
        break;
      }
      case MEM_ACQUIRE:
      case MEM_RELEASE: {
        if (typeof e.chan !== 'string' || !e.chan) throw new ModelError(`${where(e)}: needs a channel name in 'chan' (the lock class)`);
        (e.type === MEM_ACQUIRE ? acquire : release)(layout, core, cpuOf(e), e.chan, e.full === true);
        break;
      }
      case MEM_DONE:
        finish(layout, core, cpuOf(e));
        break;
      case MEM_NEED: {
        if (typeof e.reg !== 'string') throw new ModelError(`${where(e)}: needs the register in 'reg'`);
        answered = true;
        sends.push({ to: e.from, event: answerTo(e, { type: MEM_VALUE, reg: e.reg, value: need(layout, core, cpuOf(e), e.reg) }) });
        break;
      }
      default:
        throw new ModelError(`${where(e)}: not a request this memory handles`);
    }
    if (e.type !== MEM_STEP) {
      if (e.retire?.length || e.retireViews) retire(core, cpuOf(e), (e.retire ?? []).map((l) => locIndexOf(e, l)), e.retireViews === true);
      if (e.ack && !answered) sends.push({ to: e.from, event: answerTo(e, { type: MEM_ACK }) });
    }
    canonicalize(layout, core);
    layout.lanes.forEach((lane, l) => {
      if (!core.armed.includes(l) && laneAction(layout, core, lane)) {
        core.armed.push(l);
        sends.push({ to: lane.name, event: { type: MEM_TICK } });
      }
    });
    core.armed.sort((a, b) => a - b);
    return { context: { heap: context.heap, data: dataOf(layout, core, context.data), core }, sends };
  };

  const handle = enqueueActions(({ context, event, enqueue }) => {
    const out = run(context as unknown as WeakMemoryContext, event as unknown as MemEvent);
    enqueue.assign(out.context as never);
    for (const s of out.sends) enqueue(send(s.to, s.event));
  });
  const requests = [MEM_READ, MEM_WRITE, MEM_FENCE, MEM_RMW, MEM_TEST_AND_CLEAR, MEM_ACQUIRE, MEM_RELEASE, MEM_DONE, MEM_NEED, MEM_STEP];
  const heap: Record<string, HeapEntry> = Object.fromEntries(Object.keys(options.objects).map((o) => [o, { live: true }]));
  const machine = createMachine({
    id: `weak_memory.${layout.model}`,
    types: {} as { context: WeakMemoryContext },
    context: { heap, data: dataOf(layout, core0, options.objects), core: core0 },
    on: {
      ...Object.fromEntries(requests.map((t) => [t, { actions: handle }])),
      [MEM_ALLOC]: {
        actions: enqueueActions(({ context, event, enqueue }) => enqueue.assign({ heap: { ...(context as WeakMemoryContext).heap, [String((event as MemEvent).obj)]: { live: true } } } as never)),
      },
      [MEM_FREE]: {
        actions: [
          assertThat<WeakMemoryContext, MemEvent>(({ context, event }) => context.heap[String(event.obj)]?.live === true, 'double free (or free of an object never allocated)'),
          enqueueActions(({ context, event, enqueue }) =>
            enqueue.assign({ heap: freed((context as WeakMemoryContext).heap, String((event as MemEvent).obj), name, event as unknown as Message) } as never),
          ),
        ],
      },
    },
  });
  const lane = createMachine({ id: 'weak_memory.lane', initial: 'idle', states: { idle: { on: { [MEM_TICK]: { actions: send(name, { type: MEM_STEP }) } } } } });
  return {
    actors: [
      { name, machine, daemon: true, label: weakMemoryLabel(layout) },
      ...layout.lanes.map((l) => ({ name: l.name, machine: lane, daemon: true, label: () => '-' })),
    ],
    lanes: layout.lanes.map((l) => l.name),
    layout,
    mailboxNeed: layout.lanes.length + 2 * layout.cpus.length + 2,
  };
}

/**
 * Trace label of the memory: each CPU's buffer (`P0[y=1 wmb]`) and lagging views (`P1 sees
 * x=0`), then every location's newest value, then registers (`P1:r0=1`). A litmus outcome is the label of a
 * final state (buffers drained, views caught up): values and registers.
 */
export function weakMemoryLabel(layout: Layout): (c: WeakMemoryContext) => string {
  return (context) => {
    const core = context.core;
    const values = latestValues(layout, core);
    // What only a weak model has comes first, so a clipped trace column still shows it.
    const weak: string[] = [];
    core.cpu.forEach((cpu, c) => {
      const who = layout.cpus[c] as string;
      if (cpu.q.length) {
        const items = cpu.q.map((e) => {
          if (e.k === 's') return `${e.rel ? 'rel ' : ''}${layout.locs[e.x]}=${show(e.v)}`;
          if (e.k === 'm') return `${layout.locs[e.x]} ${e.op} ${show(e.arg)}`;
          if (e.k === 'l') return `${e.reg}=${layout.locs[e.x]}?`;
          if (e.k === 'w') return 'wmb';
          return `unlock ${e.ch}`;
        });
        weak.push(`${who}[${items.join(' ')}]`);
      }
      const stale = cpu.seen.map((s, x) => (s >= 0 && s !== lastOf(core, x) ? `${layout.locs[x]}=${show((core.w[s] as [number, Scalar])[1])}` : '')).filter(Boolean);
      if (stale.length) weak.push(`${who} sees ${stale.join(',')}`);
    });
    const plain = layout.locs.map((l, x) => `${l}=${show(values[x] as Scalar)}${context.heap[layout.obj[x] as string]?.live === false ? '(freed)' : ''}`);
    const regs = core.cpu.flatMap((cpu, c) => cpu.regs.map(([reg, value]) => `${layout.cpus[c]}:${reg}=${show(value)}`));
    return [...weak, ...plain, ...regs].join(' ');
  };
}

function lastOf(core: Core, x: number): number {
  for (let i = core.w.length - 1; i >= 0; i--) if ((core.w[i] as [number, Scalar])[0] === x) return i;
  return -1;
}

function show(v: Scalar): string {
  return typeof v === 'string' ? v : String(v);
}

/**
 * For invariants: the value of `obj.field` in `memory` once no CPU has a store to it in its
 * buffer and no write to it waits in the memory's mailbox; `undefined` while one does (the
 * value is not settled yet; a state where it is comes later, since lanes always drain).
 */
export function settledValue(view: GlobalView, memory: WeakMemory, obj: string, field: string): Scalar | undefined {
  const { layout } = memory;
  const x = layout.locs.indexOf(locationKey(obj, field));
  if (x < 0) throw new ModelError(`settledValue: memory '${layout.name}' has no location ${locationKey(obj, field)}`);
  const context = view.actor(layout.name).context as WeakMemoryContext;
  if (!settled(context.core, x)) return undefined;
  if (view.mailbox(layout.name).some((m) => (m.type === MEM_WRITE || m.type === MEM_RMW || m.type === MEM_TEST_AND_CLEAR) && m.obj === obj && (m.field ?? '') === field)) return undefined;
  return context.data[obj]?.[field] ?? null;
}
