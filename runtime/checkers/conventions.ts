/**
 * The conventions checkers observe. Checkers are domain-agnostic (DESIGN.md decision 7): they
 * know nothing of Xen, only these message types, this context shape and the actors' `resources`.
 * protocols/ builds its messages and CPU contexts from these names, so a model written with
 * protocols/ is checked without further annotation; a hand-written model follows the same
 * conventions to be checked.
 *
 * Locks. A lock is an instance (the actor guarding it + its class name, as the guarding actor's
 * `resources` lists it) of a class (the name). Acquisition messages carry the class in `lock`:
 *
 * | message                         | meaning                                             |
 * |---------------------------------|-----------------------------------------------------|
 * | `spin.acquire {lock, subclass?}`| spin_lock (`subclass` > 0: spin_lock_nested)         |
 * | `spin.trylock {lock}`           | spin_trylock: never waits, adds no dependency        |
 * | `rw.read_lock` / `rw.write_lock`| read_lock / write_lock of a rwlock                  |
 * | `spin.release`, `rw.read_unlock`, `rw.write_unlock` | unlock                          |
 * | `mutex.lock`, `rwsem.down_read`, `rwsem.down_write` (and their trylocks, unlocks) | sleeping locks |
 *
 * The lock vocabulary (these names, the answers `spin.granted`/`rw.granted`/`spin.trylock.result`,
 * and the `spin`/`rw` builders) is declared here, once: protocols/spinlock.ts and rwlock.ts
 * implement it and re-export it. Every other protocol family owns its names in its own module.
 *
 * Who holds a lock is read from the guarding actor's `resources` (`heldBy`), minus any unlock
 * from the holder still in the guard's mailbox (Xen's unlock is immediate; the message is only
 * how the model delivers it). Held sets are therefore a function of the global state.
 *
 * Execution context. An actor that is a CPU keeps `context.exec` ({@link ExecContext}): whether
 * its IRQs are enabled and the stack of bodies it is running (an IRQ handler, a tasklet, a
 * softirq, a hypercall). A body's end is the transition that pops its frame: that is the
 * "return" the lock-leak checker judges. An actor without `exec` runs with IRQs enabled, in
 * task context, and its one body ends when the actor reaches a final state.
 *
 * Memory. Objects live with a home actor, whose context has `heap: Record<obj, HeapEntry>`.
 * An access is a message `mem.read {obj, field?}` or `mem.write {obj, field?}`, made by its
 * sender at the step that sends it and applied by the home when it takes it; the home answers a
 * read with `mem.value {obj, field, value}`. `mem.free {obj}` frees; any other message with an
 * `obj` field is "a message for" that object.
 */
import { URGENT, shownField, type Message } from '../model.js';
import type { CheckerView } from './Checker.js';

// The lock protocols' vocabulary. It is owned here, not in protocols/, because checkers must
// recognise lock messages and runtime/ imports nothing from protocols/; protocols/spinlock.ts and
// protocols/rwlock.ts implement it and re-export these names and builders.

/** spin_lock: `spin.acquire {lock, subclass?}`, answered by `spin.granted {lock}` (xen/common/spinlock.c). */
export const SPIN_ACQUIRE = 'spin.acquire';
export const SPIN_GRANTED = 'spin.granted';
/** spin_trylock: `spin.trylock {lock}`, answered by `spin.trylock.result {lock, ok}`. */
export const SPIN_TRYLOCK = 'spin.trylock';
export const SPIN_TRYLOCK_RESULT = 'spin.trylock.result';
export const SPIN_RELEASE = 'spin.release';
/** spin_is_locked: `spin.is_locked {lock}`, answered by `spin.is_locked.result {lock, locked}`. */
export const SPIN_IS_LOCKED = 'spin.is_locked';
export const SPIN_IS_LOCKED_RESULT = 'spin.is_locked.result';
/** spin_lock_init on a lock that exists: `spin.init {lock}` makes it free again. */
export const SPIN_INIT = 'spin.init';

/** read_lock / write_lock: answered by `rw.granted {lock, mode}` (xen/common/rwlock.c). */
export const RW_READ_LOCK = 'rw.read_lock';
export const RW_WRITE_LOCK = 'rw.write_lock';
export const RW_READ_UNLOCK = 'rw.read_unlock';
export const RW_WRITE_UNLOCK = 'rw.write_unlock';
export const RW_GRANTED = 'rw.granted';
/** rwlock_init: `rw.init {lock}`. */
export const RW_INIT = 'rw.init';

// Sleeping locks: lockdep treats them as classes like spinlocks; they may sleep (SLEEPING_CALLS).
/** mutex_lock: `mutex.lock {lock}`, answered by `mutex.granted {lock}` (kernel/locking/mutex.c). */
export const MUTEX_LOCK = 'mutex.lock';
export const MUTEX_GRANTED = 'mutex.granted';
/** mutex_trylock: `mutex.trylock {lock}`, answered by `mutex.trylock.result {lock, ok}`. */
export const MUTEX_TRYLOCK = 'mutex.trylock';
export const MUTEX_TRYLOCK_RESULT = 'mutex.trylock.result';
export const MUTEX_UNLOCK = 'mutex.unlock';
/** down_read / down_write: answered by `rwsem.granted {lock, mode}` (kernel/locking/rwsem.c). */
export const RWSEM_DOWN_READ = 'rwsem.down_read';
export const RWSEM_DOWN_WRITE = 'rwsem.down_write';
/** down_read_trylock / down_write_trylock: answered by `rwsem.trylock.result {lock, mode, ok}`. */
export const RWSEM_DOWN_READ_TRYLOCK = 'rwsem.down_read_trylock';
export const RWSEM_DOWN_WRITE_TRYLOCK = 'rwsem.down_write_trylock';
export const RWSEM_TRYLOCK_RESULT = 'rwsem.trylock.result';
export const RWSEM_UP_READ = 'rwsem.up_read';
export const RWSEM_UP_WRITE = 'rwsem.up_write';
/** downgrade_write: the writer keeps the lock as a reader. */
export const RWSEM_DOWNGRADE = 'rwsem.downgrade';
export const RWSEM_GRANTED = 'rwsem.granted';

export const LOCK_ACQUIRE = [SPIN_ACQUIRE, RW_READ_LOCK, RW_WRITE_LOCK, MUTEX_LOCK, RWSEM_DOWN_READ, RWSEM_DOWN_WRITE] as const;
export const LOCK_TRY = [SPIN_TRYLOCK, MUTEX_TRYLOCK, RWSEM_DOWN_READ_TRYLOCK, RWSEM_DOWN_WRITE_TRYLOCK] as const;
export const LOCK_RELEASE = [SPIN_RELEASE, RW_READ_UNLOCK, RW_WRITE_UNLOCK, MUTEX_UNLOCK, RWSEM_UP_READ, RWSEM_UP_WRITE] as const;
/** Answers that give the asker a lock (a trylock's only when `ok`). */
export const LOCK_GRANT = [SPIN_GRANTED, RW_GRANTED, SPIN_TRYLOCK_RESULT, MUTEX_GRANTED, MUTEX_TRYLOCK_RESULT, RWSEM_GRANTED, RWSEM_TRYLOCK_RESULT] as const;

/** Spinlock messages as a client builds them. */
export const spin = {
  acquire: (lock: string): Message => ({ type: SPIN_ACQUIRE, lock }),
  trylock: (lock: string): Message => ({ type: SPIN_TRYLOCK, lock }),
  release: (lock: string): Message => ({ type: SPIN_RELEASE, lock }),
  isLocked: (lock: string): Message => ({ type: SPIN_IS_LOCKED, lock }),
  init: (lock: string): Message => ({ type: SPIN_INIT, lock }),
  /** spin_lock_nested(lock, subclass): lockdep's annotation; `subclass` 0 is a plain acquire. */
  acquireNested: (lock: string, subclass: number): Message => (subclass > 0 ? { type: SPIN_ACQUIRE, lock, subclass } : { type: SPIN_ACQUIRE, lock }),
};

/** Mutex messages as a client builds them (protocols/mutex.ts implements them). */
export const mutex = {
  lock: (lock: string): Message => ({ type: MUTEX_LOCK, lock }),
  trylock: (lock: string): Message => ({ type: MUTEX_TRYLOCK, lock }),
  unlock: (lock: string): Message => ({ type: MUTEX_UNLOCK, lock }),
};

/** Reader-writer semaphore messages as a client builds them (protocols/rwsem.ts implements them). */
export const rwsem = {
  downRead: (lock: string): Message => ({ type: RWSEM_DOWN_READ, lock }),
  downWrite: (lock: string): Message => ({ type: RWSEM_DOWN_WRITE, lock }),
  downReadTrylock: (lock: string): Message => ({ type: RWSEM_DOWN_READ_TRYLOCK, lock }),
  downWriteTrylock: (lock: string): Message => ({ type: RWSEM_DOWN_WRITE_TRYLOCK, lock }),
  upRead: (lock: string): Message => ({ type: RWSEM_UP_READ, lock }),
  upWrite: (lock: string): Message => ({ type: RWSEM_UP_WRITE, lock }),
  downgrade: (lock: string): Message => ({ type: RWSEM_DOWNGRADE, lock }),
};

// Calls that may sleep (`might_sleep()` in the kernel): the sleep-in-atomic checker reports one
// made from an IRQ handler or softirq body, with IRQs disabled, with a spinlock held or inside an
// RCU read-side section. Declared here because a checker must recognise them; the protocols
// (completion.ts, workqueue.ts) implement them and re-export the names. A hand-written model
// marks its own sleeping call (msleep, kmalloc(GFP_KERNEL)) with `mightSleep: true`.
/** wait_for_completion: `completion.wait`, answered by `completion.woken` (kernel/sched/completion.c). */
export const COMPLETION_WAIT = 'completion.wait';
/** flush_work / cancel_work_sync: `work.flush {work}` / `work.cancel_sync {work}` (kernel/workqueue.c). */
export const WORK_FLUSH = 'work.flush';
export const WORK_CANCEL_SYNC = 'work.cancel_sync';
/** flush_workqueue / destroy_workqueue: `wq.flush` / `wq.destroy`. */
export const WQ_FLUSH = 'wq.flush';
export const WQ_DESTROY = 'wq.destroy';
/** del_timer_sync / kill_timer: `timer.del_sync` / `timer.kill` to the timer actor (protocols/timer.ts implements them). */
export const TIMER_DEL_SYNC = 'timer.del_sync';
export const TIMER_KILL = 'timer.kill';
export const SLEEPING_CALLS = [MUTEX_LOCK, RWSEM_DOWN_READ, RWSEM_DOWN_WRITE, COMPLETION_WAIT, WORK_FLUSH, WORK_CANCEL_SYNC, WQ_FLUSH, WQ_DESTROY] as const;
const SLEEPING: ReadonlySet<string> = new Set(SLEEPING_CALLS);
/** The message is a call that may sleep: a type in {@link SLEEPING_CALLS}, or `mightSleep: true`. */
export const mightSleep = (m: Message): boolean => SLEEPING.has(m.type) || m.mightSleep === true;

/**
 * A lock guard's `resources` entry for a sleeping lock (a mutex, a rw semaphore): holding it is
 * not an atomic context. Entries without `sleeps` are spinning locks.
 */
export interface LockView {
  name: string;
  heldBy: string[];
  waiting: string[];
  /** A sleeping lock (mutex, rwsem): sleeping while holding it is allowed. */
  sleeps?: boolean;
}

/** Rwlock messages as a client builds them (`inIrq`: a reader in IRQ context, see protocols/rwlock.ts). */
export const rw = {
  readLock: (lock: string, inIrq = false): Message => ({ type: RW_READ_LOCK, lock, ...(inIrq ? { inIrq } : {}) }),
  writeLock: (lock: string): Message => ({ type: RW_WRITE_LOCK, lock }),
  readUnlock: (lock: string): Message => ({ type: RW_READ_UNLOCK, lock }),
  writeUnlock: (lock: string): Message => ({ type: RW_WRITE_UNLOCK, lock }),
  init: (lock: string): Message => ({ type: RW_INIT, lock }),
};

// Memory accesses: the race and use-after-free checkers observe them; protocols/memory.ts
// implements them and owns the rest of the memory vocabulary (the builders). `mem.value` is
// here because the use-after-free checker must tell the home's answer from a use. An access
// with `marked: true` is a marked access as KCSAN defines it (READ_ONCE/WRITE_ONCE, atomics, the
// reads and writes of a seqlock section): two marked accesses never race.
export const MEM_READ = 'mem.read';
export const MEM_WRITE = 'mem.write';
export const MEM_FREE = 'mem.free';
export const MEM_ALLOC = 'mem.alloc';
/** The home's answer to a `mem.read`: not a use of the object (the reader used it, at the read). */
export const MEM_VALUE = 'mem.value';

// Lockdep maps (include/linux/lockdep.h `struct lockdep_map`): a pseudo-lock that stands for
// "a callback or work function is running". The body holds it while it runs (Linux
// kernel/time/timer.c call_timer_fn and kernel/workqueue.c process_one_work take it with
// lock_map_acquire around the function), and a call that waits for the body to end takes and
// drops it at once (del_timer_sync/timer_delete_sync, flush_work, cancel_work_sync,
// flush_workqueue: lock_map_acquire + lock_map_release). So "CPU holds L, waits for the
// callback; the callback takes L" is the dependency cycle L -> map -> L, which lockdep reports
// from runs that never deadlock. Class names as the kernel's init macros stringify them
// (timer_setup, INIT_WORK, alloc_workqueue).

/** The lockdep map of timer `t` (the timer actor's name): `(&t)`. */
export const timerMap = (t: string): string => `(&${t})`;
/** The lockdep map of work item `w`: `(work_completion)(&w)`. */
export const workMap = (w: string): string => `(work_completion)(&${w})`;
/** The lockdep map of workqueue `wq` (the workqueue actor's name): `(wq_completion)wq`. */
export const wqMap = (wq: string): string => `(wq_completion)${wq}`;

/**
 * The lockdep maps a call takes and drops at once (it waits for a body that holds them), sent as
 * `m` to actor `to`; `irqsOff`: the kernel takes it with IRQs disabled (del_timer_sync's
 * local_irq_save), so it marks no IRQ-enabled usage. Empty for any other message.
 *
 * | message | kernel | map |
 * |---|---|---|
 * | `timer.del_sync` | del_timer_sync / timer_delete_sync | the timer's, IRQs off |
 * | `timer.kill` | Xen's kill_timer (Xen has no lockdep; it waits as del_timer_sync does) | the timer's, IRQs off |
 * | `work.flush`, `work.cancel_sync` | flush_work, cancel_work_sync (start_flush_work: touch_work_lockdep_map) | the work item's |
 * | `wq.flush`, `wq.destroy` | flush_workqueue, destroy_workqueue (touch_wq_lockdep_map) | the workqueue's |
 */
export function mapsTouched(to: string, m: Message): { maps: string[]; irqsOff: boolean } | undefined {
  switch (m.type) {
    case TIMER_DEL_SYNC:
    case TIMER_KILL:
      return { maps: [timerMap(to)], irqsOff: true };
    case WORK_FLUSH:
    case WORK_CANCEL_SYNC:
      return typeof m.work === 'string' ? { maps: [workMap(m.work)], irqsOff: false } : undefined;
    case WQ_FLUSH:
    case WQ_DESTROY:
      return { maps: [wqMap(to)], irqsOff: false };
    default:
      return undefined;
  }
}

/** One body a CPU is running. */
export interface ExecFrame {
  kind: 'irq' | 'softirq' | 'tasklet' | 'hypercall' | 'timer' | 'work';
  /** e.g. `irq 8`, `notif_sri_tasklet`, `PARTITION_INFO_GET`. */
  name: string;
  /** Lock instances (`guard:class`) the CPU held when the body began. */
  held: string[];
  /** Whether IRQs were enabled when the body began (restored when it returns). */
  irqsEnabled: boolean;
  /** Lockdep maps the body holds while it runs, oldest first (a timer callback: its timer's; a work function: its workqueue's and its own). */
  maps?: string[];
}

/** `context.exec` of a CPU actor. */
export interface ExecContext {
  irqsEnabled: boolean;
  /** Innermost body last. */
  frames: ExecFrame[];
  /** Lock instances (`guard:class`) this CPU holds, in acquisition order (its own bookkeeping). */
  held: string[];
  /** spin_lock_irqsave's saved flags, per lock instance. */
  saved: Record<string, boolean>;
  /** IRQ numbers with a handler registered on this CPU. */
  registered: number[];
  /** RCU read-side nesting depth. */
  rcu: number;
  /** The softirq point a softirq body returns to. */
  resume: string | null;
  /** local_bh_disable nesting depth; absent or 0: softirqs enabled (outside softirq context). */
  bh?: number;
  /** spin_lock_nested subclasses of lock instances this CPU asked for or holds (lockdep's held_lock.subclass). */
  nested?: Record<string, number>;
  /** The CPU's program has ended: the CPU idles (protocols/cpu.ts), taking IRQs and softirq work. */
  ended?: true;
}

/**
 * Frames that are execution contexts of their own: code that interrupts or preempts the task
 * (the CPU's program and the hypercalls it makes) and waits for its own answers.
 */
export const CONTEXT_FRAME_KINDS: ReadonlySet<string> = new Set<ExecFrame['kind']>(['irq', 'softirq', 'tasklet', 'timer']);

/**
 * The execution context an actor is running, as a reply address (see runtime/model.ts `send`):
 * the name of the innermost context frame of its `context.exec` (`irq 8`, a tasklet's name), or
 * undefined in task context and for an actor without `exec`. Frame names are unique on a stack:
 * a handler never nests inside itself (its IRQ is masked while it runs), nor a tasklet.
 */
export function currentFrame(context: unknown): string | undefined {
  const exec = context && typeof context === 'object' ? (context as { exec?: Partial<ExecContext> }).exec : undefined;
  const frames = exec && typeof exec === 'object' && Array.isArray(exec.frames) ? exec.frames : undefined;
  if (!frames) return undefined;
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i] as ExecFrame;
    if (CONTEXT_FRAME_KINDS.has(f.kind)) return f.name;
  }
  return undefined;
}

export interface HeapEntry {
  live: boolean;
  /** Set when freed: the step that freed it, as `actor <- message from sender`. */
  freedBy?: string;
}

const ALL_ACQUIRE: ReadonlySet<string> = new Set(LOCK_ACQUIRE);
const ALL_TRY: ReadonlySet<string> = new Set(LOCK_TRY);
const ALL_RELEASE: ReadonlySet<string> = new Set(LOCK_RELEASE);

export const isAcquire = (m: Message): boolean => ALL_ACQUIRE.has(m.type) && typeof m.lock === 'string';
export const isTrylock = (m: Message): boolean => ALL_TRY.has(m.type) && typeof m.lock === 'string';
export const isRelease = (m: Message): boolean => ALL_RELEASE.has(m.type) && typeof m.lock === 'string';

/** The actor's `context.exec`, if it is a CPU. */
export function execOf(view: CheckerView, actor: string): ExecContext | undefined {
  const ctx = view.actor(actor).context as { exec?: ExecContext } | undefined;
  return ctx && typeof ctx === 'object' && ctx.exec && typeof ctx.exec === 'object' ? ctx.exec : undefined;
}

/** True when `actor` runs with IRQs enabled (an actor without `exec` always does). */
export function irqsEnabled(view: CheckerView, actor: string): boolean {
  return execOf(view, actor)?.irqsEnabled ?? true;
}

/** True when `actor` is running an IRQ handler. */
export function inIrq(view: CheckerView, actor: string): boolean {
  return execOf(view, actor)?.frames.some((f) => f.kind === 'irq') ?? false;
}

/** Frame kinds that are softirq context (Linux's in_softirq(): softirq work, tasklets, timers). */
const SOFTIRQ_KINDS: ReadonlySet<string> = new Set<ExecFrame['kind']>(['softirq', 'tasklet', 'timer']);

/**
 * The interrupt state a CPU runs in, as lockdep tracks it per task (kernel/locking/lockdep.c:
 * `hardirq_context`, `softirq_context`, `hardirqs_enabled`, `softirqs_enabled`). Softirqs count
 * as enabled only with hardirqs enabled, outside hardirq and softirq context, and without
 * local_bh_disable. An actor without `exec` runs in task context with both enabled.
 */
export interface IrqState {
  /** Nesting of IRQ handlers (0: not in hardirq context). */
  hardirq: number;
  /** Nesting of softirq bodies (0: not in softirq context). */
  softirq: number;
  hardirqsOn: boolean;
  softirqsOn: boolean;
}

export function irqState(exec: ExecContext | undefined): IrqState {
  if (!exec) return { hardirq: 0, softirq: 0, hardirqsOn: true, softirqsOn: true };
  let hardirq = 0;
  let softirq = 0;
  for (const f of exec.frames) {
    if (f.kind === 'irq') hardirq++;
    else if (SOFTIRQ_KINDS.has(f.kind)) softirq++;
  }
  const hardirqsOn = exec.irqsEnabled;
  return { hardirq, softirq, hardirqsOn, softirqsOn: hardirqsOn && hardirq === 0 && softirq === 0 && !((exec.bh ?? 0) > 0) };
}

/** One lock instance someone holds. */
export interface HeldLock {
  /** The actor guarding it. */
  guard: string;
  /** Its class, as named in `resources` and in lock messages. */
  cls: string;
  /** `guard:class`. */
  instance: string;
  /** Held for reading (a reader of a rwlock); absent: exclusively. */
  read?: boolean;
}

/**
 * Locks `actor` holds in state `view`, from every actor's `resources`, minus those whose unlock
 * from `actor` is already in the guard's mailbox. Sorted by instance for determinism.
 */
export function heldBy(view: CheckerView, actor: string): HeldLock[] {
  const out: HeldLock[] = [];
  for (const guard of view.actorNames) {
    const res = view.resources(guard);
    if (res.length === 0) continue;
    let pending: Message[] | undefined;
    for (const r of res) {
      if (!r.heldBy.includes(actor)) continue;
      pending ??= view.mailbox(guard).filter((m) => m.from === actor && isRelease(m));
      if (pending.some((m) => m.lock === r.name)) continue;
      out.push({ guard, cls: r.name, instance: `${guard}:${r.name}`, ...(r.mode === 'read' ? { read: true } : {}) });
    }
  }
  return out.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
}

/** Where an object lives: the actor whose `context.heap` has it, and its entry. */
export function heapEntry(view: CheckerView, obj: string): { home: string; entry: HeapEntry } | undefined {
  for (const name of view.actorNames) {
    const heap = (view.actor(name).context as { heap?: Record<string, HeapEntry> } | undefined)?.heap;
    const entry = heap && typeof heap === 'object' ? heap[obj] : undefined;
    if (entry) return { home: name, entry };
  }
  return undefined;
}

/** `type(k=v,...)` of a message, as traces show it (without `from` and `urgent`). */
export function describe(m: Message): string {
  const fields = Object.entries(m)
    .filter(([k, v]) => k !== 'type' && k !== 'from' && k !== URGENT && (v === null || typeof v !== 'object'))
    .map(([k, v]) => `${shownField(k)}=${String(v)}`);
  return fields.length ? `${m.type}(${fields.join(',')})` : m.type;
}

/** A step as reports name it: `cpu0 <- spin.granted(lock=A) from lockA`. */
export function stepName(actor: string, m: Message): string {
  return `${actor} <- ${describe(m)} from ${m.from ?? '?'}`;
}
