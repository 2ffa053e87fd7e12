/**
 * The pure semantics of the weak memory models of protocols/weakMemory.ts: plain data in, plain
 * data out, no xstate. protocols/weakMemory.ts states the rules; this module implements them and
 * keeps the state canonical (equal futures give equal data, so the engine's interning merges
 * them) and bounded.
 *
 * State ({@link Core}):
 * - `w`: the coherence-ordered list of writes that some CPU may still read, each `[loc, value]`,
 *   oldest first. One list for all locations: the order in which writes reached memory, which
 *   is one order for every observer (Armv8 is other-multicopy-atomic; x86 is TSO). Positions in
 *   `w` are the timestamps of Promising-ARM (Pulte et al., PLDI 2019), renumbered after garbage
 *   collection so that equal states compare equal.
 * - per CPU: `q`, the program-ordered entries not yet performed (buffered stores and relaxed
 *   RMWs, pending loads, `smp_wmb` markers, lock-release markers); `seen`, for each location the
 *   write this CPU's next load of it returns (`arm` only: a load may return a value older than the
 *   latest, never older than what the CPU already observed); `r` and `wo`, the newest write it
 *   read and the newest of its own writes (the views `smp_rmb`/`smp_mb` raise `seen` to);
 *   `regs`, registers filled by loads (with the timestamp an address dependency orders after);
 *   `done`, when it has finished.
 * - `ch`: for each synchronisation channel (a lock class), the timestamp of its last release.
 * - `armed`: lanes whose tick is in flight (see protocols/weakMemory.ts).
 *
 * Every function here mutates the `Core` it is given; the actor glue clones first.
 */
import { ModelError } from '../runtime/errors.js';
import type { Scalar } from './memory.js';

export type MemoryModel = 'sc' | 'tso' | 'arm';
export const MEMORY_MODELS: readonly MemoryModel[] = ['sc', 'tso', 'arm'];

/** Read-modify-write operations (linux/atomic.h, Xen asm/atomic.h and xchg/cmpxchg). */
export type RmwOp = 'add' | 'xchg' | 'cmpxchg' | 'or' | 'and' | 'andnot';
/** Ordering of an RMW: fully ordered (`mb`, the kernel's default for value-returning RMWs), or the `_relaxed`/`_acquire`/`_release` variants. */
export type RmwOrder = 'mb' | 'relaxed' | 'acquire' | 'release';
export type FenceKind = 'mb' | 'rmb' | 'wmb';

/** A buffered store (`rel`: smp_store_release). */
export interface StoreEntry {
  k: 's';
  x: number;
  v: Scalar;
  rel?: true;
}
/** A buffered relaxed RMW whose value is computed when it reaches memory (atomic_inc). */
export interface RmwEntry {
  k: 'm';
  x: number;
  op: RmwOp;
  arg: Scalar;
  expect?: Scalar;
}
/** A load the CPU does not wait for; performed at the CPU's next ordering point (`acq`: smp_load_acquire). */
export interface LoadEntry {
  k: 'l';
  x: number;
  reg: string;
  acq?: true;
}
/** `smp_wmb()`: stores after it do not reach memory before stores before it. */
export interface WmbEntry {
  k: 'w';
}
/** A lock release (channel `ch`) waiting for the stores before it. */
export interface ReleaseEntry {
  k: 'u';
  ch: string;
}
export type Entry = StoreEntry | RmwEntry | LoadEntry | WmbEntry | ReleaseEntry;

export interface CpuCore {
  q: Entry[];
  seen: number[];
  r: number;
  wo: number;
  /** `[name, value, timestamp]`, sorted by name; timestamp -1 when forwarded or unknown. */
  regs: Array<[string, Scalar, number]>;
  done: boolean;
  /** Locations this CPU will not load again (declared by the CPU): no view is kept for them. */
  gone: number[];
  /** The CPU declared it issues no more smp_rmb/smp_mb/fully ordered RMW/dependent load: `r`, `wo` and register timestamps are dropped. */
  flat: boolean;
}

export interface Core {
  w: Array<[number, Scalar]>;
  cpu: CpuCore[];
  /** `[channel, timestamp]`, sorted by channel. */
  ch: Array<[string, number]>;
  armed: number[];
}

/** A lane: who may move one CPU's memory state forward by a step of its own (see weakMemory.ts). */
export interface Lane {
  /** Actor name. */
  name: string;
  cpu: number;
  /** The location (arm); -1 for the CPU's whole FIFO buffer (tso). */
  loc: number;
}

/** What does not change while exploring: the model, the locations, the CPUs and their lanes. */
export interface Layout {
  model: MemoryModel;
  /** The memory actor's name (for messages). */
  name: string;
  /** Location keys, `obj` or `obj.field`. */
  locs: string[];
  obj: string[];
  field: string[];
  cpus: string[];
  /** `reads[c][x]`: CPU c may load location x (arm keeps a view for it). */
  reads: boolean[][];
  /** `writes[c][x]`: CPU c may store to location x. */
  writes: boolean[][];
  /**
   * `deferred[c][x]`: CPU c loads x only without waiting (pending loads, rule 4), so its view of
   * x moves only while such a load is pending: outside those windows no load can observe it.
   */
  deferred: boolean[][];
  lanes: Lane[];
  /** A load returns one of the last `maxStale` writes of its location (bounded staleness). */
  maxStale: number;
  /** Entries a CPU's store buffer holds; one more forces the oldest store out. */
  maxBuffer: number;
}

/** The initial state: every location holds its initial value, every CPU sees it. */
export function initialCore(layout: Layout, init: Scalar[]): Core {
  return {
    w: layout.locs.map((_, x) => [x, init[x] ?? null] as [number, Scalar]),
    cpu: layout.cpus.map((_, c) => ({
      q: [],
      seen: layout.locs.map((_, x) => (layout.model === 'arm' && layout.reads[c]?.[x] ? x : -1)),
      r: -1,
      wo: -1,
      regs: [],
      done: false,
      gone: [],
      flat: false,
    })),
    ch: [],
    armed: [],
  };
}

// ---------------------------------------------------------------- small helpers

const isStore = (e: Entry): e is StoreEntry | RmwEntry => e.k === 's' || e.k === 'm';

function cpuOf(core: Core, c: number): CpuCore {
  return core.cpu[c] as CpuCore;
}

/** Index of the newest write of `x`. */
export function latest(core: Core, x: number): number {
  for (let i = core.w.length - 1; i >= 0; i--) if ((core.w[i] as [number, Scalar])[0] === x) return i;
  throw new Error(`[interleave internal bug] weak memory lost every write of location ${x}`);
}

/** The write of `x` current at timestamp `t` (the newest at or before it), or -1. */
function currentAt(core: Core, x: number, t: number): number {
  for (let i = Math.min(t, core.w.length - 1); i >= 0; i--) if ((core.w[i] as [number, Scalar])[0] === x) return i;
  return -1;
}

function valueAt(core: Core, i: number): Scalar {
  return (core.w[i] as [number, Scalar])[1];
}

/** Raises CPU c's views so that its later loads read nothing overwritten before timestamp t. */
function floor(layout: Layout, core: Core, c: number, t: number): void {
  if (layout.model !== 'arm' || t < 0) return;
  const cpu = cpuOf(core, c);
  for (let x = 0; x < layout.locs.length; x++) {
    if (!viewed(layout, cpu, c, x)) continue;
    const k = currentAt(core, x, t);
    if (k > (cpu.seen[x] as number)) cpu.seen[x] = k;
  }
}

/** Does CPU c keep a view of location x (arm, declared reader, not finished, not retired or with a load of it still pending)? */
function viewed(layout: Layout, cpu: CpuCore, c: number, x: number): boolean {
  if (layout.model !== 'arm' || layout.reads[c]?.[x] !== true || cpu.done) return false;
  return !cpu.gone.includes(x) || cpu.q.some((e) => e.k === 'l' && e.x === x);
}

/** CPU c will not load the locations `xs` again (and, with `flat`, issue no view-reading operation): drop those views. */
export function retire(core: Core, c: number, xs: number[], flat: boolean): void {
  const cpu = cpuOf(core, c);
  cpu.gone = [...new Set([...cpu.gone, ...xs])].sort((a, b) => a - b);
  if (flat) cpu.flat = true;
}

function notFlat(layout: Layout, core: Core, c: number, what: string): void {
  if (cpuOf(core, c).flat) throw new ModelError(`weak memory '${layout.name}': CPU '${layout.cpus[c]}' issues ${what} after declaring it would not (retireViews)`);
}

function setReg(cpu: CpuCore, reg: string, value: Scalar, ts: number): void {
  const regs = cpu.regs.filter((r) => r[0] !== reg);
  regs.push([reg, value, ts]);
  regs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  cpu.regs = regs;
}

/** The timestamp a load into `reg` read (an address dependency on it orders after that). */
export function regTimestamp(core: Core, c: number, reg: string): number {
  return cpuOf(core, c).regs.find((r) => r[0] === reg)?.[2] ?? -1;
}

function rmwValue(op: RmwOp, old: Scalar, arg: Scalar, expect: Scalar | undefined): { write: boolean; value: Scalar } {
  const num = (v: Scalar, what: string): number => {
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw new ModelError(`weak memory: ${op} needs a number, but ${what} is ${JSON.stringify(v)}`);
  };
  switch (op) {
    case 'xchg':
      return { write: true, value: arg };
    case 'cmpxchg':
      return old === expect ? { write: true, value: arg } : { write: false, value: old };
    case 'add':
      return { write: true, value: num(old, 'the location') + num(arg, 'the operand') };
    case 'or':
      return { write: true, value: num(old, 'the location') | num(arg, 'the operand') };
    case 'and':
      return { write: true, value: num(old, 'the location') & num(arg, 'the operand') };
    case 'andnot':
      return { write: true, value: num(old, 'the location') & ~num(arg, 'the operand') };
  }
}

/** Appends a write of `x` by CPU c: it reaches memory now. */
function append(layout: Layout, core: Core, c: number, x: number, v: Scalar): number {
  core.w.push([x, v]);
  const t = core.w.length - 1;
  const cpu = cpuOf(core, c);
  if (viewed(layout, cpu, c, x)) cpu.seen[x] = t;
  cpu.wo = t;
  return t;
}

// ---------------------------------------------------------------- loads

/** The value CPU c's load of `x` returns now, and the write it comes from (-1: forwarded). */
function loadNow(layout: Layout, core: Core, c: number, x: number): { value: Scalar; ts: number } {
  const cpu = cpuOf(core, c);
  for (let i = cpu.q.length - 1; i >= 0; i--) {
    const e = cpu.q[i] as Entry;
    if (e.k === 's' && e.x === x) return { value: e.v, ts: -1 };
    if (e.k === 'm' && e.x === x) {
      // Forwarding from an RMW whose value memory computes: it reaches memory first.
      drain(layout, core, c, i + 1);
      return loadNow(layout, core, c, x);
    }
  }
  if (layout.model === 'arm' && !viewed(layout, cpu, c, x)) {
    throw new ModelError(`weak memory '${layout.name}': CPU '${layout.cpus[c]}' loads ${layout.locs[x]} but declared it would not (access or retire)`);
  }
  const ts = layout.model === 'arm' ? (cpu.seen[x] as number) : latest(core, x);
  if (ts > cpu.r) cpu.r = ts;
  return { value: valueAt(core, ts), ts };
}

/**
 * Performs pending load `e` of CPU c: it reads the CPU's view now. An acquire first performs the
 * loads before it and waits for the CPU's earlier releases (RCsc), and afterwards raises the
 * CPU's views to the write it read.
 */
function performLoad(layout: Layout, core: Core, c: number, e: LoadEntry): void {
  if (e.acq) {
    for (const d of cpuOf(core, c).q.slice(0, cpuOf(core, c).q.indexOf(e))) if (d.k === 'l') performLoad(layout, core, c, d);
    if (layout.model === 'arm') drainReleases(layout, core, c);
  }
  const { value, ts } = loadNow(layout, core, c, e.x); // while pending, the view is kept
  const now = cpuOf(core, c);
  now.q = now.q.filter((q) => q !== e);
  setReg(now, e.reg, value, ts);
  if (e.acq) floor(layout, core, c, ts);
}

/** Performs CPU c's pending loads that `which` selects (default all), oldest first. */
function forceLoads(layout: Layout, core: Core, c: number, x?: number, which: (e: LoadEntry) => boolean = () => true): void {
  const pending = cpuOf(core, c).q.filter((e): e is LoadEntry => e.k === 'l' && (x === undefined || e.x === x) && which(e));
  for (const e of pending) if (cpuOf(core, c).q.includes(e)) performLoad(layout, core, c, e);
}

/** A pending acquire orders everything after it: any later request of the CPU performs it first. */
export function forceAcquires(layout: Layout, core: Core, c: number): void {
  forceLoads(layout, core, c, undefined, (e) => e.acq === true);
}

/** The CPU needs the value of `reg` now: its pending load into `reg` is performed. Returns the register's value. */
export function need(layout: Layout, core: Core, c: number, reg: string): Scalar {
  forceLoads(layout, core, c, undefined, (e) => e.reg === reg);
  const found = cpuOf(core, c).regs.find((r) => r[0] === reg);
  if (!found) throw new ModelError(`weak memory '${layout.name}': CPU '${layout.cpus[c]}' needs register '${reg}', which no load of it has filled`);
  return found[1];
}

// ---------------------------------------------------------------- stores reaching memory

/** Drops `smp_wmb` markers with no store before them and completes lock releases with none. */
function settle(core: Core, c: number): void {
  const cpu = cpuOf(core, c);
  const out: Entry[] = [];
  let storeBefore = false;
  for (const e of cpu.q) {
    if (e.k === 'w') {
      if (!storeBefore || out[out.length - 1]?.k === 'w') continue;
    } else if (e.k === 'u') {
      if (!storeBefore) {
        setChannel(core, e.ch, core.w.length - 1);
        continue;
      }
    } else if (isStore(e)) storeBefore = true;
    out.push(e);
  }
  cpu.q = out;
}

function setChannel(core: Core, ch: string, t: number): void {
  const rest = core.ch.filter((e) => e[0] !== ch);
  rest.push([ch, t]);
  rest.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  core.ch = rest;
}

function channel(core: Core, ch: string): number {
  return core.ch.find((e) => e[0] === ch)?.[1] ?? -1;
}

/** Entry `e` of CPU c reaches memory (a store is written; a relaxed RMW computes and writes). */
function propagate(layout: Layout, core: Core, c: number, e: StoreEntry | RmwEntry): void {
  const cpu = cpuOf(core, c);
  cpu.q = cpu.q.filter((q) => q !== e);
  if (e.k === 's') append(layout, core, c, e.x, e.v);
  else {
    const { write, value } = rmwValue(e.op, valueAt(core, latest(core, e.x)), e.arg, e.expect);
    if (write) append(layout, core, c, e.x, value);
  }
  settle(core, c);
}

/** Every store among CPU c's first `upto` entries reaches memory, in program order. */
function drain(layout: Layout, core: Core, c: number, upto = Number.POSITIVE_INFINITY): void {
  const stores = cpuOf(core, c).q.slice(0, upto).filter(isStore);
  for (const e of stores) propagate(layout, core, c, e);
  settle(core, c);
}

/** Drains CPU c through its last release (store-release or lock release): Armv8's RCsc acquire. */
function drainReleases(layout: Layout, core: Core, c: number): void {
  const q = cpuOf(core, c).q;
  let last = -1;
  q.forEach((e, i) => {
    if ((e.k === 's' && e.rel) || e.k === 'u') last = i;
  });
  if (last >= 0) drain(layout, core, c, last + 1);
}

/** May buffered entry `i` of CPU c reach memory now? (see the rules in weakMemory.ts) */
function ready(layout: Layout, core: Core, c: number, i: number): boolean {
  const q = cpuOf(core, c).q;
  const e = q[i] as StoreEntry | RmwEntry;
  for (let j = 0; j < i; j++) {
    const d = q[j] as Entry;
    if (layout.model === 'tso' && isStore(d)) return false;
    if (isStore(d) && (d.x === e.x || (e.k === 's' && e.rel))) return false;
    if (d.k === 'w') return false; // settle() keeps a marker only with a store before it
  }
  return true;
}

// ---------------------------------------------------------------- lanes

export type LaneAction = { kind: 'propagate'; index: number } | { kind: 'advance' } | null;

/** What a step of `lane` would do now, if anything. */
export function laneAction(layout: Layout, core: Core, lane: Lane): LaneAction {
  const cpu = cpuOf(core, lane.cpu);
  if (lane.loc < 0) {
    const i = cpu.q.findIndex(isStore);
    return i >= 0 ? { kind: 'propagate', index: i } : null;
  }
  const i = cpu.q.findIndex((e) => isStore(e) && e.x === lane.loc);
  if (i >= 0) return ready(layout, core, lane.cpu, i) ? { kind: 'propagate', index: i } : null;
  if (!viewed(layout, cpu, lane.cpu, lane.loc) || (cpu.seen[lane.loc] as number) >= latest(core, lane.loc)) return null;
  if (layout.deferred[lane.cpu]?.[lane.loc] && !cpu.q.some((e) => e.k === 'l' && e.x === lane.loc)) return null;
  return { kind: 'advance' };
  return null;
}

/** Takes `lane`'s step: its CPU's oldest ready store of the location reaches memory, or its view of the location moves to the next write. */
export function laneStep(layout: Layout, core: Core, lane: Lane): void {
  const action = laneAction(layout, core, lane);
  if (!action) return;
  const cpu = cpuOf(core, lane.cpu);
  if (action.kind === 'propagate') {
    propagate(layout, core, lane.cpu, cpu.q[action.index] as StoreEntry | RmwEntry);
    return;
  }
  const from = cpu.seen[lane.loc] as number;
  for (let i = from + 1; i < core.w.length; i++) {
    if ((core.w[i] as [number, Scalar])[0] === lane.loc) {
      cpu.seen[lane.loc] = i;
      return;
    }
  }
}

// ---------------------------------------------------------------- operations

export interface LoadOp {
  x: number;
  acquire: boolean;
  /** Register the value goes to (kept for the outcome and for dependencies). */
  reg?: string;
  /** The CPU waits for the value; false: the load may be performed later (arm). */
  wait: boolean;
  /** Register holding the address: an address dependency orders this load after that one. */
  dep?: string;
}

/** A load by CPU c. Returns the value when it was performed now, else undefined (pending). */
export function load(layout: Layout, core: Core, c: number, op: LoadOp): { value: Scalar } | undefined {
  if (op.dep !== undefined) {
    notFlat(layout, core, c, 'a dependent load');
    forceLoads(layout, core, c);
    floor(layout, core, c, regTimestamp(core, c, op.dep));
  }
  forceLoads(layout, core, c, op.x);
  const cpu = cpuOf(core, c);
  if (layout.model === 'arm' && op.wait && layout.deferred[c]?.[op.x]) {
    throw new ModelError(`weak memory '${layout.name}': CPU '${layout.cpus[c]}' waits for a load of ${layout.locs[op.x]}, which it declared it loads only without waiting (deferredLoads)`);
  }
  const reg = op.reg ?? '';
  const entry: LoadEntry = op.acquire ? { k: 'l', x: op.x, reg, acq: true } : { k: 'l', x: op.x, reg };
  cpu.q.push(entry);
  const buffered = cpu.q.some((e) => isStore(e) && e.x === op.x);
  if (layout.model === 'arm' && !op.wait && !buffered && op.reg !== undefined) return undefined;
  performLoad(layout, core, c, entry);
  const now = cpuOf(core, c);
  const value = (now.regs.find((r) => r[0] === reg) as [string, Scalar, number])[1];
  if (op.reg === undefined) now.regs = now.regs.filter((r) => r[0] !== '');
  return { value };
}

/** A store by CPU c (`release`: smp_store_release). */
export function store(layout: Layout, core: Core, c: number, x: number, v: Scalar, release: boolean): void {
  forceLoads(layout, core, c, release ? undefined : x);
  if (layout.model === 'sc') {
    append(layout, core, c, x, v);
    return;
  }
  makeRoom(layout, core, c);
  cpuOf(core, c).q.push(release && layout.model === 'arm' ? { k: 's', x, v, rel: true } : { k: 's', x, v });
}

/** A full buffer forces its oldest store out first (hardware stalls the same way). */
function makeRoom(layout: Layout, core: Core, c: number): void {
  const cpu = cpuOf(core, c);
  if (cpu.q.filter(isStore).length < layout.maxBuffer) return;
  const oldest = cpu.q.find(isStore) as StoreEntry | RmwEntry;
  propagate(layout, core, c, oldest);
}

/** `smp_mb()`, `smp_rmb()`, `smp_wmb()` by CPU c. */
export function fence(layout: Layout, core: Core, c: number, kind: FenceKind): void {
  if (layout.model === 'sc') return;
  const cpu = cpuOf(core, c);
  if (kind !== 'wmb') notFlat(layout, core, c, `smp_${kind}()`);
  if (kind === 'mb') {
    forceLoads(layout, core, c);
    drain(layout, core, c);
    floor(layout, core, c, Math.max(cpu.r, cpu.wo));
  } else if (kind === 'rmb') {
    forceLoads(layout, core, c);
    floor(layout, core, c, cpu.r);
  } else if (layout.model === 'arm' && cpu.q.some(isStore) && cpu.q[cpu.q.length - 1]?.k !== 'w') {
    cpu.q.push({ k: 'w' });
  }
}

export interface RmwOpSpec {
  x: number;
  op: RmwOp;
  arg: Scalar;
  expect?: Scalar;
  order: RmwOrder;
  /** Value-returning (the CPU waits for the old value). */
  ret: boolean;
}

/** An atomic read-modify-write by CPU c; returns the old value when performed now. */
export function rmw(layout: Layout, core: Core, c: number, spec: RmwOpSpec): { old: Scalar } | undefined {
  const { x, order } = spec;
  const full = order === 'mb' || order === 'release' || layout.model === 'tso';
  forceLoads(layout, core, c, full || order === 'acquire' ? undefined : x);
  if (layout.model === 'arm' && !spec.ret && order === 'relaxed') {
    makeRoom(layout, core, c);
    cpuOf(core, c).q.push(spec.expect === undefined ? { k: 'm', x, op: spec.op, arg: spec.arg } : { k: 'm', x, op: spec.op, arg: spec.arg, expect: spec.expect });
    return undefined;
  }
  const cpu = cpuOf(core, c);
  if (full) drain(layout, core, c);
  else {
    if (order === 'acquire' && layout.model === 'arm') drainReleases(layout, core, c);
    let lastOwn = -1;
    cpu.q.forEach((e, i) => {
      if (isStore(e) && e.x === x) lastOwn = i;
    });
    if (lastOwn >= 0) drain(layout, core, c, lastOwn + 1);
  }
  const before = latest(core, x);
  const old = valueAt(core, before);
  if (before > cpu.r) cpu.r = before;
  const { write, value } = rmwValue(spec.op, old, spec.arg, spec.expect);
  const t = write ? append(layout, core, c, x, value) : before;
  if (viewed(layout, cpu, c, x) && t > (cpu.seen[x] as number)) cpu.seen[x] = t;
  if (order === 'mb') {
    notFlat(layout, core, c, 'a fully ordered RMW');
    floor(layout, core, c, Math.max(cpu.r, cpu.wo));
  } else if (order === 'acquire') floor(layout, core, c, t);
  return { old };
}

/** A release of channel `ch` (a lock's unlock) by CPU c; `full`: Xen's smp_mb() before it. */
export function release(layout: Layout, core: Core, c: number, ch: string, full: boolean): void {
  if (layout.model === 'sc') return;
  forceLoads(layout, core, c);
  if (full) fence(layout, core, c, 'mb');
  const cpu = cpuOf(core, c);
  if (cpu.q.some(isStore)) cpu.q.push({ k: 'u', ch });
  else setChannel(core, ch, core.w.length - 1);
}

/**
 * An acquire of channel `ch` (the lock was granted) by CPU c: every release of `ch` still
 * waiting for its stores completes now, and c's later loads see what preceded them. `full`:
 * Xen's smp_mb() after it.
 */
export function acquire(layout: Layout, core: Core, c: number, ch: string, full: boolean): void {
  if (layout.model === 'sc') return;
  core.cpu.forEach((cpu, d) => {
    let last = -1;
    cpu.q.forEach((e, i) => {
      if (e.k === 'u' && e.ch === ch) last = i;
    });
    if (last >= 0) drain(layout, core, d, last + 1);
  });
  forceLoads(layout, core, c);
  if (layout.model === 'arm') drainReleases(layout, core, c);
  floor(layout, core, c, channel(core, ch));
  if (full) fence(layout, core, c, 'mb');
}

/** CPU c has finished: its pending loads are performed and its views are dropped. */
export function finish(layout: Layout, core: Core, c: number): void {
  forceLoads(layout, core, c);
  cpuOf(core, c).done = true;
}
// ---------------------------------------------------------------- canonical form

/**
 * Garbage-collects writes no CPU can read any more, applies the staleness bound, and renumbers
 * timestamps, so that states with the same future are the same data.
 */
export function canonicalize(layout: Layout, core: Core): void {
  const n = layout.locs.length;
  const cut = new Array<number>(n).fill(0);
  for (let x = 0; x < n; x++) {
    const mine: number[] = [];
    core.w.forEach((wr, i) => {
      if (wr[0] === x) mine.push(i);
    });
    let keepFrom = mine[mine.length - 1] as number;
    if (layout.model === 'arm') {
      core.cpu.forEach((cpu, c) => {
        if (viewed(layout, cpu, c, x)) keepFrom = Math.min(keepFrom, cpu.seen[x] as number);
      });
      keepFrom = Math.max(keepFrom, mine[Math.max(0, mine.length - layout.maxStale)] as number);
    }
    cut[x] = keepFrom;
  }
  const keep = core.w.map((wr, i) => i >= (cut[wr[0]] as number));
  // kept[i]: how many kept writes are at or before i.
  const atOrBefore: number[] = [];
  let count = 0;
  for (let i = 0; i < core.w.length; i++) {
    if (keep[i]) count++;
    atOrBefore.push(count);
  }
  const remap = (t: number): number => (t < 0 ? -1 : (atOrBefore[Math.min(t, atOrBefore.length - 1)] as number) - 1);
  core.w = core.w.filter((_, i) => keep[i]);
  core.cpu.forEach((cpu, c) => {
    for (let x = 0; x < n; x++) {
      if (!viewed(layout, cpu, c, x)) cpu.seen[x] = -1;
      else cpu.seen[x] = remap(Math.max(cpu.seen[x] as number, cut[x] as number));
    }
    const drop = cpu.done || cpu.flat;
    cpu.r = drop ? -1 : remap(cpu.r);
    cpu.wo = drop ? -1 : remap(cpu.wo);
    cpu.regs = cpu.regs.map(([name, value, ts]) => [name, value, drop ? -1 : remap(ts)]);
  });
  core.ch = core.ch.map(([name, t]) => [name, remap(t)]);
}

/** The newest value of every location (what memory holds once every buffer has drained it so far). */
export function latestValues(layout: Layout, core: Core): Scalar[] {
  return layout.locs.map((_, x) => valueAt(core, latest(core, x)));
}

/** True when no CPU has a store of `x` still in its buffer. */
export function settled(core: Core, x: number): boolean {
  return core.cpu.every((cpu) => !cpu.q.some((e) => isStore(e) && e.x === x));
}
