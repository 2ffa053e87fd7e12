/**
 * Litmus tests as models: a few CPUs running straight-line code over shared variables, under a
 * memory model of protocols/weakMemory.ts, and the set of final outcomes (registers and final
 * values) the search reaches. This is how herd7 and the Linux kernel memory model
 * (tools/memory-model/litmus-tests in torvalds/linux) state ordering questions; the kernel's
 * tests, written with this module, are the reference answers for the `arm` model
 * (examples/litmus/lkmm.ts, spec/protocols/litmus.spec.ts).
 *
 * A thread is a list of {@link Instr}, named as the kernel's litmus tests name them. Each
 * thread is an actor `P<i>` that sends its requests to the memory actor `mem` in program order,
 * one at a time (the memory acknowledges each). A thread waits for a load's value only when a later instruction uses it (an
 * `if` on it, an address dependency through it, or a store of it): that is a dependency, and
 * Armv8 respects exactly those; other loads are performed later (weakMemory.ts rule 4), which
 * is what lets load buffering (LB) happen. `spin_lock`/`spin_unlock` use a ticket lock actor
 * (protocols/spinlock.ts) named after the lock, with Linux's acquire/release barriers.
 *
 * The outcome of a final state is every location's final value and every register, keyed as
 * herd7 prints them: `x`, `1:r0`.
 */
import { createMachine, enqueueActions } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { assertThat, send, type Message } from '../runtime/model.js';
import type { SystemSpec } from '../runtime/system.js';
import { MEM_VALUE, type Scalar } from './memory.js';
import { SPIN_GRANTED, lockLabel, spin, spinlockMachine } from './spinlock.js';
import { RW_GRANTED, rw, rwlockLabel, rwlockMachine } from './rwlock.js';
import { MEM_ACK, weakMemory, wmm, type LockFlavour, type MemoryModel, type WeakMemory, type WeakMemoryContext } from './weakMemory.js';

/** A value to store: a constant, or a register (a data dependency). */
export type Operand = Scalar | { reg: string };

/** One instruction of a litmus thread. */
export type Instr =
  | { op: 'WRITE_ONCE' | 'smp_store_release'; loc: string; value: Operand }
  | { op: 'READ_ONCE' | 'smp_load_acquire'; loc: string; reg: string }
  /** `r = READ_ONCE(*p)` with `p` a register holding a location: an address dependency (rcu_dereference then a dereference). */
  | { op: 'READ_ONCE'; at: string; reg: string }
  /** `atomic_inc(loc)`: a void RMW, unordered (weakMemory.ts rule 5). */
  | { op: 'atomic_inc'; loc: string }
  | { op: 'smp_mb' | 'smp_rmb' | 'smp_wmb' | 'smp_mb__after_spinlock' }
  | { op: 'spin_lock' | 'spin_unlock' | 'read_lock' | 'read_unlock' | 'write_lock' | 'write_unlock'; lock: string }
  /** `if (reg)`, or `if (reg == eq)` with `eq`: the thread waits for `reg` (a control dependency). */
  | { op: 'if'; reg: string; eq?: Scalar; then: Instr[]; else?: Instr[] }
  /** `ASSERT(check(regs))`: an assertion violation with `message` when false. */
  | { op: 'assert'; check: (regs: Readonly<Record<string, Scalar>>) => boolean; uses: string[]; message: string };

/** Builders, so tests read like the C they transcribe. */
export const L = {
  WRITE_ONCE: (loc: string, value: Operand): Instr => ({ op: 'WRITE_ONCE', loc, value }),
  smp_store_release: (loc: string, value: Operand): Instr => ({ op: 'smp_store_release', loc, value }),
  /** `rcu_assign_pointer(*loc, value)`: a store-release in LKMM. */
  rcu_assign_pointer: (loc: string, value: Operand): Instr => ({ op: 'smp_store_release', loc, value }),
  READ_ONCE: (loc: string, reg: string): Instr => ({ op: 'READ_ONCE', loc, reg }),
  /** `rcu_dereference(*loc)`: a READ_ONCE whose value later loads depend on through their address. */
  rcu_dereference: (loc: string, reg: string): Instr => ({ op: 'READ_ONCE', loc, reg }),
  /** `reg = READ_ONCE(*at)`, `at` a register holding a location. */
  READ_ONCE_AT: (at: string, reg: string): Instr => ({ op: 'READ_ONCE', at, reg }),
  smp_load_acquire: (loc: string, reg: string): Instr => ({ op: 'smp_load_acquire', loc, reg }),
  smp_mb: (): Instr => ({ op: 'smp_mb' }),
  smp_rmb: (): Instr => ({ op: 'smp_rmb' }),
  smp_wmb: (): Instr => ({ op: 'smp_wmb' }),
  smp_mb__after_spinlock: (): Instr => ({ op: 'smp_mb__after_spinlock' }),
  atomic_read: (loc: string, reg: string): Instr => ({ op: 'READ_ONCE', loc, reg }),
  atomic_inc: (loc: string): Instr => ({ op: 'atomic_inc', loc }),
  spin_lock: (lock: string): Instr => ({ op: 'spin_lock', lock }),
  spin_unlock: (lock: string): Instr => ({ op: 'spin_unlock', lock }),
  read_lock: (lock: string): Instr => ({ op: 'read_lock', lock }),
  read_unlock: (lock: string): Instr => ({ op: 'read_unlock', lock }),
  write_lock: (lock: string): Instr => ({ op: 'write_lock', lock }),
  write_unlock: (lock: string): Instr => ({ op: 'write_unlock', lock }),
  if: (reg: string, then: Instr[], otherwise?: Instr[]): Instr => ({ op: 'if', reg, then, ...(otherwise ? { else: otherwise } : {}) }),
  ifEq: (reg: string, eq: Scalar, then: Instr[], otherwise?: Instr[]): Instr => ({ op: 'if', reg, eq, then, ...(otherwise ? { else: otherwise } : {}) }),
  assert: (uses: string[], check: (regs: Readonly<Record<string, Scalar>>) => boolean, message: string): Instr => ({ op: 'assert', uses, check, message }),
};

export type Verdict = 'Never' | 'Sometimes';

/** A litmus test: its threads, initial values and the outcome its `exists` clause asks about. */
export interface LitmusTest {
  /** The kernel's file name without `.litmus`, e.g. `MP+poonceonces`. */
  name: string;
  /** Where it comes from: path and commit in torvalds/linux. */
  source: string;
  /** The file's annotation: LKMM's answer to "can `exists` happen?". */
  expected: Verdict;
  /** Initial values; a location not listed starts at 0. A value may name a location (a pointer). */
  init?: Record<string, Scalar>;
  threads: Instr[][];
  /** The outcome asked about: locations and registers (`1:r0`) with their values. */
  exists: Record<string, Scalar>;
  /** Armv8's answer where it differs from LKMM's, and why. */
  arm?: { expected: Verdict; why: string };
  /** Whose lock barriers: Linux's acquire/release (default) or Xen's smp_mb() on both sides. */
  kernel?: LockFlavour;
  /** Actor names of the threads; default `P0`, `P1`, ... */
  threadNames?: string[];
}

/** A final state: `x` -> final value, `1:r0` -> register value. */
export type Outcome = Record<string, Scalar>;

/** The memory actor's name in a litmus system. */
export const LITMUS_MEMORY = 'mem';
const threadName = (test: LitmusTest, i: number): string => test.threadNames?.[i] ?? `P${i}`;

// ---------------------------------------------------------------- compiling a thread

type Code = Exclude<Instr, { op: 'if' }> | { op: 'jz'; reg: string; eq?: Scalar; to: number } | { op: 'jmp'; to: number };
type Action = Exclude<Code, { op: 'jz' } | { op: 'jmp' } | { op: 'assert' }>;

function compile(instrs: Instr[], out: Code[] = []): Code[] {
  for (const i of instrs) {
    if (i.op !== 'if') {
      out.push(i);
      continue;
    }
    const test: Code = i.eq === undefined ? { op: 'jz', reg: i.reg, to: -1 } : { op: 'jz', reg: i.reg, eq: i.eq, to: -1 };
    out.push(test);
    compile(i.then, out);
    if (i.else) {
      const skip: Code = { op: 'jmp', to: -1 };
      out.push(skip);
      test.to = out.length;
      compile(i.else, out);
      skip.to = out.length;
    } else test.to = out.length;
  }
  return out;
}

/** Registers a later instruction reads: the thread must wait for the loads into them. */
function usedRegisters(code: Code[]): Set<string> {
  const used = new Set<string>();
  for (const c of code) {
    if (c.op === 'jz') used.add(c.reg);
    if (c.op === 'assert') for (const r of c.uses) used.add(r);
    if ('at' in c) used.add(c.at);
    if ('value' in c && typeof c.value === 'object' && c.value !== null) used.add(c.value.reg);
  }
  return used;
}

interface ThreadContext {
  pc: number;
  regs: Record<string, Scalar>;
  /** Waiting for: a request's answer, the grant of a lock, the memory's ack of an acquire/release, or the ack of a load whose value it then asks for. */
  phase: 'issued' | 'granting' | 'acquiring' | 'releasing' | 'loading';
}
type ThreadEvent = Message & { value?: Scalar };

/** The next instruction to run from `pc`, after taking the branches and checking the assertions (failed ones listed). */
function resolve(code: Code[], pc: number, regs: Record<string, Scalar>, failed: string[] = []): number {
  let at = pc;
  for (;;) {
    const c = code[at];
    if (c?.op === 'jz') at = (c.eq === undefined ? Boolean(regs[c.reg]) : regs[c.reg] === c.eq) ? at + 1 : c.to;
    else if (c?.op === 'jmp') at = c.to;
    else if (c?.op === 'assert') {
      if (!c.check(regs)) failed.push(c.message);
      at++;
    } else return at;
  }
}

/** For each pc, the locations loaded at pc that no later instruction loads (sent as `retire`). */
function retirements(code: Code[]): string[][] {
  return code.map((c, pc) => {
    if (!('loc' in c) || (c.op !== 'READ_ONCE' && c.op !== 'smp_load_acquire')) return [];
    const later = code.slice(pc + 1);
    const again = later.some((d) => ('loc' in d && d.loc === c.loc && (d.op === 'READ_ONCE' || d.op === 'smp_load_acquire')) || 'at' in d);
    return again ? [] : [c.loc];
  });
}

/** For each pc: no instruction after it reads the CPU's views (smp_rmb, smp_mb, a dependent load). */
function flatness(code: Code[], flavour: LockFlavour): boolean[] {
  const usesViews = (d: Code): boolean => d.op === 'smp_rmb' || d.op === 'smp_mb' || d.op === 'smp_mb__after_spinlock' || 'at' in d || (flavour === 'xen' && 'lock' in d);
  return code.map((_, pc) => !code.slice(pc + 1).some(usesViews));
}

/**
 * A litmus thread: issues its instructions one at a time, each request acknowledged by the
 * memory before the next is sent (program order is the memory's order of taking them, so
 * waiting loses no behaviour and keeps the state space small).
 */
function threadMachine(test: LitmusTest, index: number, instrs: Instr[]) {
  const code = compile(instrs);
  const used = usedRegisters(code);
  const retire = retirements(code);
  const self = threadName(test, index);
  const flavour: LockFlavour = test.kernel ?? 'linux';
  const operand = (v: Operand, regs: Record<string, Scalar>): Scalar => (typeof v === 'object' && v !== null ? (regs[v.reg] ?? 0) : v);
  const flatFrom = flatness(code, flavour);
  const toMem = (m: Message, pc: number): { to: string; event: Message } => ({
    to: LITMUS_MEMORY,
    event: { ...m, ack: true, ...(retire[pc]?.length ? { retire: retire[pc] } : {}), ...(flatFrom[pc] ? { retireViews: true } : {}) },
  });

  /** The requests of the instruction at `pc`, and what the thread then waits for. */
  const issue = (pc: number, regs: Record<string, Scalar>): { sends: Array<{ to: string; event: Message }>; phase: ThreadContext['phase'] } => {
    const i = code[pc] as Action;
    const mem = (m: Message) => ({ sends: [toMem(m, pc)], phase: 'issued' as const });
    switch (i.op) {
      case 'WRITE_ONCE':
        return mem(wmm.WRITE_ONCE(i.loc, '', operand(i.value, regs)));
      case 'smp_store_release':
        return mem(wmm.smp_store_release(i.loc, '', operand(i.value, regs)));
      case 'atomic_inc':
        return mem(wmm.atomic_add(i.loc, '', 1));
      case 'READ_ONCE':
      case 'smp_load_acquire': {
        const base = 'at' in i ? { ...wmm.READ_ONCE(String(regs[i.at] ?? '')), dep: i.at } : i.op === 'smp_load_acquire' ? wmm.smp_load_acquire(i.loc) : wmm.READ_ONCE(i.loc);
        // Every load is left pending; one whose value the thread uses is then asked for (mem.need):
        // the step between is when the load may see newer writes.
        return { sends: [toMem({ ...base, reg: i.reg, reply: false }, pc)], phase: needs(i) ? 'loading' : 'issued' };
      }
      case 'smp_mb':
      case 'smp_mb__after_spinlock':
        return mem(wmm.smp_mb());
      case 'smp_rmb':
        return mem(wmm.smp_rmb());
      case 'smp_wmb':
        return mem(wmm.smp_wmb());
      case 'spin_lock':
        return { sends: [{ to: i.lock, event: spin.acquire(i.lock) }], phase: 'granting' };
      case 'read_lock':
        return { sends: [{ to: i.lock, event: rw.readLock(i.lock) }], phase: 'granting' };
      case 'write_lock':
        return { sends: [{ to: i.lock, event: rw.writeLock(i.lock) }], phase: 'granting' };
      case 'spin_unlock':
      case 'read_unlock':
      case 'write_unlock':
        return { sends: [toMem(wmm.unlocking(i.lock, flavour), pc)], phase: 'releasing' };
    }
  };
  /** A load the thread waits for: its value is used later, or it is an acquire (nothing after it may go first). */
  const needs = (i: Action): boolean => 'reg' in i && (used.has(i.reg) || i.op === 'smp_load_acquire');
  const unlockMessage = (i: Action): Message | undefined =>
    i.op === 'spin_unlock' ? spin.release(i.lock) : i.op === 'read_unlock' ? rw.readUnlock(i.lock) : i.op === 'write_unlock' ? rw.writeUnlock(i.lock) : undefined;

  /** What the thread does on `event`: its next context, its sends, failed assertions, and whether it has finished. */
  const react = (context: ThreadContext, event: ThreadEvent): { context: ThreadContext; sends: Array<{ to: string; event: Message }>; failed: string[]; done: boolean } => {
    const sends: Array<{ to: string; event: Message }> = [];
    const failed: string[] = [];
    let { pc, regs } = context;
    const current = code[pc] as Action | undefined;
    if (event.type === 'start') pc = resolve(code, 0, regs, failed);
    else if (context.phase === 'loading' && current && 'reg' in current) {
      return { context: { ...context, phase: 'issued' }, sends: [{ to: LITMUS_MEMORY, event: wmm.need(current.reg) }], failed, done: false };
    } else if ((event.type === SPIN_GRANTED || event.type === RW_GRANTED) && current && 'lock' in current) {
      return { context: { ...context, phase: 'acquiring' }, sends: [toMem(wmm.lockAcquired(current.lock, flavour), pc)], failed, done: false };
    } else {
      if (event.type === MEM_VALUE && current && 'reg' in current) regs = { ...regs, [current.reg]: event.value ?? null };
      const unlock = current && unlockMessage(current);
      if (current && unlock) sends.push({ to: (current as { lock: string }).lock, event: unlock });
      pc = resolve(code, pc + 1, regs, failed);
    }
    if (pc >= code.length) return { context: { pc, regs, phase: 'issued' }, sends: [...sends, { to: LITMUS_MEMORY, event: wmm.done() }], failed, done: true };
    const next = issue(pc, regs);
    return { context: { pc, regs, phase: next.phase }, sends: [...sends, ...next.sends], failed, done: false };
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const act = enqueueActions(({ context, event, enqueue }: any) => {
    const out = react(context as ThreadContext, event as ThreadEvent);
    enqueue.assign(out.context);
    for (const m of out.failed) enqueue(assertThat(() => false, m));
    for (const s of out.sends) enqueue(send(s.to, s.event));
  });
  const finishes = ({ context, event }: { context: ThreadContext; event: ThreadEvent }): boolean => react(context, event).done;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const on: Record<string, any> = Object.fromEntries(['start', MEM_VALUE, MEM_ACK, SPIN_GRANTED, RW_GRANTED].map((t) => [t, [{ guard: finishes, target: 'done', actions: act }, { actions: act }]]));
  return createMachine({
    id: `litmus.${test.name}.${self}`,
    types: {} as { context: ThreadContext; events: ThreadEvent },
    context: { pc: 0, regs: {}, phase: 'issued' },
    initial: 'run',
    states: { run: { on }, done: { type: 'final' } },
  });
}

// ---------------------------------------------------------------- the system

function walk(instrs: Instr[], visit: (i: Instr) => void): void {
  for (const i of instrs) {
    visit(i);
    if (i.op === 'if') walk(i.then, visit);
  }
}

/** Locations, locks and per-thread accesses of a test. */
function inventory(test: LitmusTest): { locs: string[]; locks: string[]; rwlocks: string[]; reads: string[][]; writes: string[][] } {
  const locs = new Set<string>(Object.keys(test.init ?? {}));
  const locks = new Set<string>();
  const rwlocks = new Set<string>();
  for (const k of Object.keys(test.exists)) if (!k.includes(':')) locs.add(k);
  const reads: Array<Set<string>> = [];
  const writes: Array<Set<string>> = [];
  let anyAt = false;
  test.threads.forEach((t, n) => {
    reads[n] = new Set();
    writes[n] = new Set();
    walk(t, (i) => {
      if ('lock' in i) (i.op.startsWith('spin') ? locks : rwlocks).add(i.lock);
      if ('at' in i) anyAt = true;
      if (!('loc' in i)) return;
      locs.add(i.loc);
      if (i.op === 'WRITE_ONCE' || i.op === 'smp_store_release' || i.op === 'atomic_inc') (writes[n] as Set<string>).add(i.loc);
      else (reads[n] as Set<string>).add(i.loc);
    });
  });
  for (const v of Object.values(test.init ?? {})) if (typeof v === 'string') locs.add(v);
  const all = [...locs].sort();
  test.threads.forEach((t, n) => {
    let at = false;
    walk(t, (i) => {
      if ('at' in i) at = true;
    });
    if (at && anyAt) for (const l of all) (reads[n] as Set<string>).add(l);
  });
  for (const l of locks) if (rwlocks.has(l)) throw new ModelError(`litmus test '${test.name}': '${l}' is used both as a spinlock and as a rwlock`);
  return { locs: all, locks: [...locks].sort(), rwlocks: [...rwlocks].sort(), reads: reads.map((s) => [...s].sort()), writes: writes.map((s) => [...s].sort()) };
}

/** The memory of a test's system (its layout reads outcomes back). */
export function litmusMemory(test: LitmusTest, model: MemoryModel): WeakMemory {
  const { locs, reads, writes } = inventory(test);
  const objects = Object.fromEntries(locs.map((l) => [l, { '': test.init?.[l] ?? 0 }]));
  const access = Object.fromEntries(
    test.threads.map((_, n) => {
      const r = reads[n] as string[];
      // Every load is sent pending (reply: false), so every view moves only while a load is pending.
      return [threadName(test, n), { reads: r, writes: writes[n] as string[], deferredLoads: r }];
    }),
  );
  return weakMemory({ name: LITMUS_MEMORY, model, cpus: test.threads.map((_, n) => threadName(test, n)), objects, access });
}

/**
 * A litmus test as a system under `model`.
 *
 * @example
 * ```ts
 * const system = litmusSystem(MP_poonceonces, 'arm');
 * // explore it; each final state's memory label is an outcome: "x=1 y=1 P1:r0=1 P1:r1=0"
 * ```
 */
export function litmusSystem(test: LitmusTest, model: MemoryModel): SystemSpec {
  if (!test.threads.length) throw new ModelError(`litmus test '${test.name}' has no threads`);
  const memory = litmusMemory(test, model);
  const { locks, rwlocks } = inventory(test);
  const instrCount = test.threads.reduce((n, t) => n + compile(t).length, 0);
  return {
    name: `${test.name} (${model})`,
    actors: [
      ...test.threads.map((t, n) => ({ name: threadName(test, n), machine: threadMachine(test, n, t), label: threadLabel(compile(t)) })),
      ...locks.map((l) => ({ name: l, machine: spinlockMachine(l, l), daemon: true, label: lockLabel })),
      ...rwlocks.map((l) => ({ name: l, machine: rwlockMachine(l, l), daemon: true, label: rwlockLabel })),
      ...memory.actors.map((a) => (a.name === LITMUS_MEMORY ? { ...a, label: litmusLabel(memory) } : a)),
    ],
    initialMessages: test.threads.map((_, n) => ({ to: threadName(test, n), event: { type: 'start' } })),
    mailboxBound: Math.max(8, memory.mailboxNeed + 2 * instrCount),
  };
}

/** The outcome of a final state, from the memory actor's context. */
export function litmusOutcome(memory: WeakMemory, context: WeakMemoryContext): Outcome {
  const out: Outcome = {};
  memory.layout.locs.forEach((l, x) => {
    out[l] = context.data[memory.layout.obj[x] as string]?.[memory.layout.field[x] as string] ?? null;
  });
  context.core.cpu.forEach((cpu, c) => {
    for (const [reg, value] of cpu.regs) out[`${c}:${reg}`] = value;
  });
  return out;
}

/** How an instruction reads in a trace. */
function describeInstr(i: Code): string {
  switch (i.op) {
    case 'WRITE_ONCE':
    case 'smp_store_release':
      return `${i.op}(${i.loc}, ${typeof i.value === 'object' && i.value !== null ? i.value.reg : String(i.value)})`;
    case 'READ_ONCE':
    case 'smp_load_acquire':
      return `${i.reg} = ${i.op}(${'at' in i ? `*${i.at}` : i.loc})`;
    case 'atomic_inc':
      return `atomic_inc(${i.loc})`;
    case 'spin_lock':
    case 'spin_unlock':
    case 'read_lock':
    case 'read_unlock':
    case 'write_lock':
    case 'write_unlock':
      return `${i.op}(${i.lock})`;
    case 'assert':
      return `ASSERT(${i.uses.join(', ')})`;
    case 'jz':
    case 'jmp':
      return i.op;
    default:
      return `${i.op}()`;
  }
}

/** A thread's trace label: the instruction it is in (waiting for its answer), or `done`. */
function threadLabel(code: Code[]): (c: ThreadContext) => string {
  return (c) => (c.pc >= code.length ? 'done' : describeInstr(code[c.pc] as Code));
}

/**
 * The memory's label in a litmus system: once nothing is buffered, pending or lagging, the
 * outcome as herd7 prints it (`1:r0=1; 1:r1=0; x=1; y=1;`); before, the memory's full label.
 */
function litmusLabel(memory: WeakMemory): (c: WeakMemoryContext) => string {
  const full = memory.actors.find((a) => a.name === LITMUS_MEMORY)?.label as (c: WeakMemoryContext) => string;
  return (c) => (c.core.cpu.every((cpu) => cpu.q.length === 0 && cpu.seen.every((s) => s < 0)) ? formatOutcome(litmusOutcome(memory, c)) : full(c));
}

/** An outcome as herd7 prints one: `0:r0=1; 1:r0=0; x=1;` (registers first, then locations). */
export function formatOutcome(o: Outcome): string {
  const keys = Object.keys(o).sort((a, b) => Number(!a.includes(':')) - Number(!b.includes(':')) || (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k}=${String(o[k])};`).join(' ');
}

/** Does `outcome` satisfy the test's `exists` clause? */
export function satisfies(test: LitmusTest, outcome: Outcome): boolean {
  return Object.entries(test.exists).every(([k, v]) => outcome[k] === v);
}
