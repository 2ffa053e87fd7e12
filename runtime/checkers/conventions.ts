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
import type { Message } from '../model.js';
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

/** read_lock / write_lock: answered by `rw.granted {lock, mode}` (xen/common/rwlock.c). */
export const RW_READ_LOCK = 'rw.read_lock';
export const RW_WRITE_LOCK = 'rw.write_lock';
export const RW_READ_UNLOCK = 'rw.read_unlock';
export const RW_WRITE_UNLOCK = 'rw.write_unlock';
export const RW_GRANTED = 'rw.granted';

export const LOCK_ACQUIRE = [SPIN_ACQUIRE, RW_READ_LOCK, RW_WRITE_LOCK] as const;
export const LOCK_TRY = [SPIN_TRYLOCK] as const;
export const LOCK_RELEASE = [SPIN_RELEASE, RW_READ_UNLOCK, RW_WRITE_UNLOCK] as const;
/** Answers that give the asker a lock (a trylock's only when `ok`). */
export const LOCK_GRANT = [SPIN_GRANTED, RW_GRANTED, SPIN_TRYLOCK_RESULT] as const;

/** Spinlock messages as a client builds them. */
export const spin = {
  acquire: (lock: string): Message => ({ type: SPIN_ACQUIRE, lock }),
  trylock: (lock: string): Message => ({ type: SPIN_TRYLOCK, lock }),
  release: (lock: string): Message => ({ type: SPIN_RELEASE, lock }),
  isLocked: (lock: string): Message => ({ type: SPIN_IS_LOCKED, lock }),
  /** spin_lock_nested(lock, subclass): lockdep's annotation; `subclass` 0 is a plain acquire. */
  acquireNested: (lock: string, subclass: number): Message => (subclass > 0 ? { type: SPIN_ACQUIRE, lock, subclass } : { type: SPIN_ACQUIRE, lock }),
};

/** Rwlock messages as a client builds them (`inIrq`: a reader in IRQ context, see protocols/rwlock.ts). */
export const rw = {
  readLock: (lock: string, inIrq = false): Message => ({ type: RW_READ_LOCK, lock, ...(inIrq ? { inIrq } : {}) }),
  writeLock: (lock: string): Message => ({ type: RW_WRITE_LOCK, lock }),
  readUnlock: (lock: string): Message => ({ type: RW_READ_UNLOCK, lock }),
  writeUnlock: (lock: string): Message => ({ type: RW_WRITE_UNLOCK, lock }),
};

// Memory accesses: the race and use-after-free checkers observe them; protocols/memory.ts
// implements them and owns the rest of the memory vocabulary (the builders). `mem.value` is
// here because the use-after-free checker must tell the home's answer from a use.
export const MEM_READ = 'mem.read';
export const MEM_WRITE = 'mem.write';
export const MEM_FREE = 'mem.free';
export const MEM_ALLOC = 'mem.alloc';
/** The home's answer to a `mem.read`: not a use of the object (the reader used it, at the read). */
export const MEM_VALUE = 'mem.value';

/** One body a CPU is running. */
export interface ExecFrame {
  kind: 'irq' | 'softirq' | 'tasklet' | 'hypercall' | 'timer';
  /** e.g. `irq 8`, `notif_sri_tasklet`, `PARTITION_INFO_GET`. */
  name: string;
  /** Lock instances (`guard:class`) the CPU held when the body began. */
  held: string[];
  /** Whether IRQs were enabled when the body began (restored when it returns). */
  irqsEnabled: boolean;
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

/** One lock instance someone holds. */
export interface HeldLock {
  /** The actor guarding it. */
  guard: string;
  /** Its class, as named in `resources` and in lock messages. */
  cls: string;
  /** `guard:class`. */
  instance: string;
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
      out.push({ guard, cls: r.name, instance: `${guard}:${r.name}` });
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

/** `type(k=v,...)` of a message, as traces show it (without `from`). */
export function describe(m: Message): string {
  const fields = Object.entries(m)
    .filter(([k, v]) => k !== 'type' && k !== 'from' && (v === null || typeof v !== 'object'))
    .map(([k, v]) => `${k}=${String(v)}`);
  return fields.length ? `${m.type}(${fields.join(',')})` : m.type;
}

/** A step as reports name it: `cpu0 <- spin.granted(lock=A) from lockA`. */
export function stepName(actor: string, m: Message): string {
  return `${actor} <- ${describe(m)} from ${m.from ?? '?'}`;
}
