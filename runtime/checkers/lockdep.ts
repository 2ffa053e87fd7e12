/**
 * lockdep: Linux's lock validator (kernel/locking/lockdep.c, as of v6), over explored transitions.
 *
 * Like lockdep it reasons about lock *classes*, not instances, and accumulates what it learns
 * over every execution it sees: the explorer shows it every transition of the state graph once,
 * so its dependency graph is the union over all explored executions. It therefore predicts a
 * deadlock from runs that each went fine (cpu0 took A then B in one, cpu1 B then A in another),
 * which exploration alone reports only if some explored run actually deadlocks.
 *
 * What it follows, function by function of lockdep.c:
 * - **Usage** (`mark_usage`, `mark_lock_irq`, `mark_held_locks`): each class collects the bits
 *   IN-HARDIRQ, IN-SOFTIRQ (taken in that context; not by a trylock), HARDIRQ-ON, SOFTIRQ-ON
 *   (taken, or held when IRQs / softirqs were turned on), each as -W or -R (a read_lock). A
 *   softirq-unsafe class is hardirq-unsafe too: softirqs count as enabled only with hardirqs on
 *   (conventions.ts `irqState`). Setting a bit that conflicts with the class's own usage is
 *   "inconsistent {A} -> {B} usage" (`print_usage_bug`); one that conflicts with a class
 *   reachable forwards or backwards is "possible irq lock inversion dependency detected"
 *   (`check_usage_forwards`/`_backwards`, `print_irq_inversion_bug`).
 * - **Dependencies** (`validate_chain`, `check_prevs_add`, `check_prev_add`): taking N while
 *   holding P in the same context adds P -> N, only from the most recent held lock(s) (older ones
 *   reach N through it). Each lock chain (context, held locks, new lock) is validated once, as
 *   lockdep's chain hash does, so a search that takes the same chain a million times pays once.
 *   Locks held by the code an IRQ or softirq interrupted are not "before" the handler's.
 * - **Cycles** of any length (`check_noncircular`), with read locks as lockdep has them since
 *   v5.10: a dependency records whether P was held for reading (S) or not (E) and whether N is a
 *   recursive reader (R) or not (N); a cycle deadlocks only if it is *strong* (no -(*R)-> followed
 *   by -(S*)->). One report per cycle, with the whole chain (the dependencies in reverse order,
 *   and the message's `A -> B -> C -> A`), "Chain exists of:" with the three classes the kernel
 *   names (the new lock, the one before the held lock on the chain, the held lock) and the
 *   CPU0/CPU1 scenario for its two ends, `rlock()` for a read-held end (`print_circular_bug`,
 *   `print_circular_lock_scenario`).
 * - **Recursion** (`check_deadlock`): taking a class already held, unless a recursive read of a
 *   read-held class, or annotated as nested (`subclass` > 0: spin_lock_nested).
 * - **IRQ-safe -> IRQ-unsafe** (`check_irq_usage`, `print_bad_irq_dependency`): a new dependency
 *   connecting a class used in hardirq (softirq) context to one taken with hardirqs (softirqs)
 *   enabled, read variants as lockdep's `usage_accumulate`/`usage_match` mask them.
 *
 * Read locks: a read_lock is recursive (R) when it cannot wait behind a waiting writer: Xen's
 * queued rwlock lets a reader in an IRQ handler in first (the request carries `inIrq`; Linux's
 * `read_lock_is_recursive()` is the same rule with in_interrupt()). `forceReadLockRecursive`
 * makes every reader recursive, as lib/locking-selftest.c does with force_read_lock_recursive.
 *
 * The kernel prints `<Interrupt>` in the scenario of a softirq report too (the interrupt that
 * runs the softirq on its way out), and `local_irq_disable();` in the irq-safety scenarios of
 * both states: print_usage_bug_scenario and print_irq_lock_scenario have no softirq wording, and
 * no report of the kernel prints `<SoftIRQ>`. These reports print the same
 * (spec/checkers/lockdepWording.spec.ts).
 *
 * Held locks are a function of the global state: they are read from the lock guards'
 * `resources` (conventions.ts `heldBy`), never from this checker's memory of a path, so a
 * stateful search that reaches a state by one path only still sees every dependency from it.
 * For a CPU, `exec.held` gives their order and which context took them, `exec.nested` their
 * subclass. An actor without `exec` is one task context; the order of its held locks is taken
 * from the dependencies already recorded between them.
 *
 * Replay: each dependency and usage remembers the execution (path) that first showed it; a
 * finding carries the other executions it rests on in `evidence`, so its token replays them
 * first and the finding reproduces (runtime/schedule.ts, runtime/replay.ts).
 */
import type { Finding } from '../findings.js';
import type { Message } from '../model.js';
import type { Checker, CheckerFactory, CheckerView, StepFacts, TransitionEvent } from './Checker.js';
import { CONTEXT_FRAME_KINDS, RW_READ_LOCK, irqState, isAcquire, isRelease, isTrylock, mapsTouched, stepName, type ExecContext, type ExecFrame, type HeldLock, type IrqState } from './conventions.js';

export interface LockdepOptions {
  /**
   * Every read_lock is a recursive reader (it never waits behind a waiting writer), as lockdep
   * assumes with force_read_lock_recursive and a reader-preferring rwlock gives. Default: only a
   * reader that skips waiting writers (`inIrq` on the request) is recursive.
   */
  forceReadLockRecursive?: boolean;
}

// Usage bits, numbered as kernel/locking/lockdep_internals.h does: state * 4 + dir + read.
const HARDIRQ = 0;
const SOFTIRQ = 1;
const USED_IN = 0;
const ENABLED = 2;
const bit = (state: number, dir: number, read: boolean): number => state * 4 + dir + (read ? 1 : 0);
const USAGE_STR = ['IN-HARDIRQ-W', 'IN-HARDIRQ-R', 'HARDIRQ-ON-W', 'HARDIRQ-ON-R', 'IN-SOFTIRQ-W', 'IN-SOFTIRQ-R', 'SOFTIRQ-ON-W', 'SOFTIRQ-ON-R'];
/** LOCKF_IRQ: the write (non-READ) usage bits. */
const WRITE_BITS = 0b01010101;
const USED_IN_ALL = 0b00110011;
const ENABLED_ALL = 0b11001100;
/** exclusive_bit(): the opposite direction, write variant. */
const exclusiveBit = (b: number): number => (b & 4) | (b & 2 ? 0 : 2);
const READ_BITS = 0b10101010;
/**
 * exclusive_mask() / original_mask(): flips USED_IN <-> ENABLED, and adds both the read and the
 * write variant of each bit (a read usage conflicts with a write one and with a read one).
 */
const flipMask = (m: number): number => {
  const e = ((m & ENABLED_ALL) >> 2) | ((m & USED_IN_ALL) << 2);
  return e | ((e & READ_BITS) >> 1) | ((e & WRITE_BITS) << 1);
};
const stateName = (b: number): string => `${b & 4 ? 'SOFTIRQ' : 'HARDIRQ'}${b & 1 ? '-READ' : ''}`;

// Dependency kinds (lockdep.c __calc_dep_bit): P is E (not a reader) or S (a reader); N is N (not
// a recursive reader) or R (a recursive reader). Bit index: (P is E) + 2 * (N is N).
const DEP_E_SIDE = 0b1010; // -(ER)-> and -(EN)->
const DEP_N_SIDE = 0b1100; // -(SN)-> and -(EN)->
/** hlock->read: 0 exclusive, 1 non-recursive reader, 2 recursive reader. */
type Read = 0 | 1 | 2;
const depKind = (prevRead: Read, nextRead: Read): number => 1 << ((prevRead === 0 ? 1 : 0) + (nextRead !== 2 ? 2 : 0));

const RULE = (n: number): string => '='.repeat(n);
const DASH = (n: number): string => '-'.repeat(n);

/** Where lockdep first saw something. */
interface Where {
  actor: string;
  step: string;
  /** The execution that showed it (for a finding's evidence), if the caller knew it. */
  path?: number[];
  /** Order of first sight. */
  seq: number;
  /** For an ENABLED bit: taken so, or held when IRQs / softirqs were turned on. */
  held?: boolean;
}

interface Dep {
  from: string;
  to: string;
  /** Bitmask of the dependency kinds seen (SR, ER, SN, EN). */
  kinds: number;
  /** The instances (`guard:lock`) of the first time it was seen. */
  fromInstance: string;
  toInstance: string;
  where: Where;
}

interface LockClass {
  name: string;
  usage: number;
  usageAt: Array<Where | undefined>;
  after: Map<string, Dep>;
  before: Map<string, Dep>;
}

/** One acquisition: a lock message sent, or a lockdep map taken (conventions.ts mapsTouched, ExecFrame.maps). */
interface Acq {
  cls: string;
  guard: string;
  instance: string;
  read: Read;
  trylock: boolean;
  /** A lockdep map taken with IRQs off (del_timer_sync's local_irq_save): no IRQ-enabled usage. */
  irqsOff?: boolean;
  /** A lockdep map a body takes when it begins: usage only (the body's context holds nothing before it). */
  begins?: boolean;
}

/** A held lock as lockdep's held_lock sees it. */
interface Held {
  cls: string;
  guard: string;
  instance: string;
  read: Read;
}

/** A lock held at a guard, with an id (one object per guard, lock and read or write). */
type Lock = HeldLock & { id: number };

/** What lockdep needs of one step that does not depend on the rest of the global state. */
interface StepInfo {
  actor: string;
  message: Message;
  exBefore: ExecContext | undefined;
  exAfter: ExecContext | undefined;
  after: IrqState;
  hardOn: boolean;
  softOn: boolean;
  /** Its lock acquisitions, each with the instances the step released before it. */
  acqs: Array<{ acq: Acq; released: string[] }>;
  step: string;
  /** Its usage bits are set (after the first time the step is seen). */
  usageMarked: boolean;
  /** The held-lock sets (ids of their Locks) this step was validated with. */
  validated: Set<number | string>;
}

const NONE: Finding[] = [];
const NO_HELD: HeldLock[] = [];
/** A guard an actor asked for a lock, with what the actor holds there, by the guard's component (null: nothing). */
interface AskedGuard {
  guard: string;
  held: Map<number, HeldLock[] | null>;
}
const NO_GUARDS: AskedGuard[] = [];
const NO_HELD_LOCKS: Held[] = [];

/** A BFS result: the classes from the root to the match, and the dependency of each hop. */
interface Path {
  nodes: string[];
  deps: Dep[];
}

export class Lockdep implements Checker {
  readonly name = 'lockdep';
  /** The dependency graph spans every transition seen. */
  readonly accumulates = true;
  private readonly classes = new Map<string, LockClass>();
  private readonly chains = new Set<string>();
  private readonly reported = new Set<string>();
  private readonly force: boolean;
  private seq = 0;
  /** `seq` at the start of the transition being judged. */
  private firstSeq = 0;
  /** The transition being judged (for evidence paths, asked lazily). */
  private current: TransitionEvent | undefined;
  private currentPath: number[] | undefined;

  constructor(options: LockdepOptions = {}) {
    this.force = options.forceReadLockRecursive === true;
  }

  relevant(step: StepFacts): boolean {
    for (const s of step.sends) if (isAcquire(s.message) || isTrylock(s.message) || mapsTouched(s.to, s.message)) return true;
    const exBefore = execIn(step.before);
    const exAfter = execIn(step.after);
    if (mapsBegun(exBefore, exAfter).length) return true;
    const before = irqState(exBefore);
    const after = irqState(exAfter);
    return (!before.hardirqsOn && after.hardirqsOn) || (!before.softirqsOn && after.softirqsOn);
  }

  /** What a step does, whatever the global state: computed once per step (the engine gives the same `sends` array for the same step). */
  private readonly steps = new WeakMap<object, StepInfo>();

  private stepInfo(e: TransitionEvent): StepInfo {
    const known = this.steps.get(e.sends);
    if (known && known.actor === e.actor && known.message === e.message) return known;
    const x = e.actor;
    const exBefore = execIn(e.before.actor(x).context);
    const exAfter = execIn(e.after.actor(x).context);
    const before = irqState(exBefore);
    const after = irqState(exAfter);
    const acqs: StepInfo['acqs'] = [];
    const released: string[] = [];
    // A body that begins holding lockdep maps takes them first (call_timer_fn, process_one_work).
    for (const f of mapsBegun(exBefore, exAfter)) for (const cls of f.maps ?? []) acqs.push({ acq: mapAcq(f.name, cls, { begins: true }), released: [] });
    for (const s of e.sends) {
      const m = s.message;
      if (isRelease(m)) released.push(`${s.to}:${String(m.lock)}`);
      else if (isAcquire(m) || isTrylock(m)) acqs.push({ acq: this.acquisition(s.to, m), released: [...released] });
      else {
        const touched = mapsTouched(s.to, m);
        if (touched) for (const cls of touched.maps) acqs.push({ acq: mapAcq(s.to, cls, touched.irqsOff ? { irqsOff: true } : {}), released: [...released] });
      }
    }
    const info: StepInfo = {
      actor: x,
      message: e.message,
      exBefore,
      exAfter,
      after,
      hardOn: !before.hardirqsOn && after.hardirqsOn,
      softOn: !before.softirqsOn && after.softirqsOn,
      acqs,
      step: stepName(x, e.message),
      usageMarked: false,
      validated: new Set(),
    };
    this.steps.set(e.sends, info);
    return info;
  }

  onTransition(e: TransitionEvent): Finding[] {
    const info = this.stepInfo(e);
    if (!info.hardOn && !info.softOn && info.acqs.length === 0) return NONE;
    // The hot path: a step seen before, taking locks with a held set it was validated with.
    if (info.usageMarked && !info.hardOn && !info.softOn && info.validated.has(this.signature(e, e.actor))) return NONE;
    const x = e.actor;
    const { exBefore, exAfter, after, step } = info;
    this.current = e;
    this.currentPath = undefined;
    this.firstSeq = this.seq;
    const out: Finding[] = [];

    // mark_held_locks: turning hardirqs (softirqs) on makes every held lock HARDIRQ-ON (SOFTIRQ-ON).
    if (info.hardOn || info.softOn) {
      for (const h of [...heldMaps(exAfter, false), ...this.held(this.heldBy(e.after, x), exAfter)]) {
        if (info.hardOn) this.markLock(out, h.cls, h, bit(HARDIRQ, ENABLED, h.read !== 0), x, step, after, true);
        if (after.softirqsOn) this.markLock(out, h.cls, h, bit(SOFTIRQ, ENABLED, h.read !== 0), x, step, after, true);
      }
    }

    let heldNow: Held[] | undefined;
    let locks: HeldLock[] | undefined;
    let signature: number | string | undefined;
    for (const { acq, released } of info.acqs) {
      // mark_usage: before validate_chain, as __lock_acquire does. Usage bits only grow, so a step
      // that has been seen once has nothing more to mark.
      if (!info.usageMarked) {
        if (!acq.trylock) {
          if (after.hardirq > 0) this.markLock(out, acq.cls, acq, bit(HARDIRQ, USED_IN, acq.read !== 0), x, step, after);
          if (after.softirq > 0) this.markLock(out, acq.cls, acq, bit(SOFTIRQ, USED_IN, acq.read !== 0), x, step, after);
        }
        if (after.hardirqsOn && !acq.irqsOff) this.markLock(out, acq.cls, acq, bit(HARDIRQ, ENABLED, acq.read !== 0), x, step, after);
        if (after.softirqsOn && !acq.irqsOff) this.markLock(out, acq.cls, acq, bit(SOFTIRQ, ENABLED, acq.read !== 0), x, step, after);
      }
      if (acq.trylock || acq.begins) continue; // a trylock never waits: no dependency, no recursion (validate_chain)
      if (signature === undefined) {
        // The same step with the same held locks (the same Lock objects) was validated already.
        signature = this.signature(e, x);
        if (info.validated.has(signature)) break;
        info.validated.add(signature);
        locks = this.heldBy(e.before, x);
      }
      heldNow ??= this.held(locks as HeldLock[], exAfter ?? exBefore);
      const allLocks = released.length ? heldNow.filter((h) => !released.includes(h.instance)) : heldNow;
      // The lockdep maps of the bodies running (a callback's timer map): held before any lock the body took.
      const mapsAll = heldMaps(exAfter ?? exBefore, false);
      const all = mapsAll.length ? [...mapsAll, ...allLocks] : allLocks;
      const mine = mapsAll.length ? [...heldMaps(exAfter ?? exBefore, true), ...this.sameContext(allLocks, exBefore, exAfter)] : this.sameContext(allLocks, exBefore, exAfter);
      let key = `${after.hardirq}.${after.softirq}|`;
      for (const h of mine) key += `${h.cls}:${h.read},`;
      key += '|';
      if (mine.length !== all.length) key += all.filter((h) => !mine.includes(h)).map((h) => `${h.cls}:${h.read}`).sort().join(',');
      key += `|${acq.cls}:${acq.read}`;
      if (this.chains.has(key)) continue;
      this.chains.add(key);
      // check_deadlock: the class already held (in any context of this CPU).
      const same = all.find((h) => h.cls === acq.cls || h.instance === acq.instance);
      if (same) {
        if (acq.read === 2 && same.read !== 0 && same.cls === acq.cls) continue; // read-after-read recursion
        this.recursion(out, x, acq, same, step);
        continue;
      }
      for (const prev of this.prevs(mine)) this.addDependency(out, x, prev, acq, step, after);
    }
    if (!info.usageMarked) {
      for (const { acq } of info.acqs) {
        if (!acq.instance.startsWith(MAP_INSTANCE)) this.asked(x, acq.guard);
      }
      info.usageMarked = true;
    }
    this.current = undefined;
    return out;
  }

  // ---- held locks and acquisitions

  /** One Lock per (guard, lock, held for reading), with a small id for step signatures. */
  private readonly locks = new Map<string, Lock>();
  private lockOf(guard: string, name: string, read: boolean): Lock {
    const key = `${guard}:${name}:${read ? 'r' : 'w'}`;
    let l = this.locks.get(key);
    if (!l) this.locks.set(key, (l = { guard, cls: name, instance: `${guard}:${name}`, id: this.locks.size, ...(read ? { read: true } : {}) }));
    return l;
  }

  /** Per guard, per component (local state and mailbox): who holds which of its locks, net of unlocks still in its mailbox. */
  private readonly holdersOf = new Map<string, Map<number, Map<string, HeldLock[]>>>();

  /** Who holds what at `guard` in `view`: its `resources`, minus unlocks on their way (Xen's unlock is immediate). */
  private holdersAt(view: CheckerView, guard: string): Map<string, HeldLock[]> {
    const comp = view.component?.(guard);
    let byComp: Map<number, Map<string, HeldLock[]>> | undefined;
    if (comp !== undefined) {
      byComp = this.holdersOf.get(guard);
      if (!byComp) this.holdersOf.set(guard, (byComp = new Map()));
      const known = byComp.get(comp);
      if (known) return known;
    }
    const holders = new Map<string, HeldLock[]>();
    const resources = view.resources(guard);
    if (resources.length) {
      const box = view.mailbox(guard);
      for (const r of resources) {
        const h = this.lockOf(guard, r.name, r.mode === 'read');
        for (const who of r.heldBy) {
          if (box.some((m) => m.from === who && m.lock === r.name && isRelease(m))) continue;
          holders.set(who, [...(holders.get(who) ?? []), h]);
        }
      }
    }
    if (byComp && comp !== undefined) byComp.set(comp, holders);
    return holders;
  }

  /**
   * The guards each actor has asked for a lock, each with what the actor holds there by guard
   * component. When the engine gives each step's execution (`TransitionEvent.path`), the state is
   * reached by steps this checker has seen, and every lock an actor holds was granted on a
   * request it saw: only those guards need reading. Without it (symmetry reduction renames
   * actors between states), every guard is read.
   */
  private readonly askedBy = new Map<string, AskedGuard[]>();

  private asked(x: string, guard: string): void {
    let list = this.askedBy.get(x);
    if (!list) this.askedBy.set(x, (list = []));
    if (!list.some((g) => g.guard === guard)) list.push({ guard, held: new Map() });
  }

  /** The guards to read for `x`'s held locks, each with its per-component cache for `x`. */
  private guardsFor(view: CheckerView, x: string): readonly AskedGuard[] {
    if (this.current?.path) return this.askedBy.get(x) ?? NO_GUARDS;
    const all = view.guards ?? view.actorNames;
    let list = this.everyGuard.get(x);
    if (!list || list.length !== all.length) this.everyGuard.set(x, (list = all.map((guard) => ({ guard, held: new Map() }))));
    return list;
  }

  private readonly everyGuard = new Map<string, AskedGuard[]>();

  /** What `x` holds at guard `g` in `view` (cached by the guard's component). */
  private heldAt(view: CheckerView, g: AskedGuard, x: string): HeldLock[] | undefined {
    const comp = view.component?.(g.guard);
    if (comp !== undefined) {
      const known = g.held.get(comp);
      if (known !== undefined) return known ?? undefined;
    }
    const mine = this.holdersAt(view, g.guard).get(x);
    if (comp !== undefined) g.held.set(comp, mine ?? null);
    return mine;
  }

  /** The ids of the Locks `x` holds before the step, as one number (none: -1; one: its id) or a string. */
  private signature(e: TransitionEvent, x: string): number | string {
    const saved = this.current;
    this.current = e;
    let sig: number | string = -1;
    let n = 0;
    for (const g of this.guardsFor(e.before, x)) {
      const mine = this.heldAt(e.before, g, x);
      if (!mine) continue;
      for (const h of mine) {
        const id = (h as Lock).id;
        sig = n === 0 ? id : `${sig},${id}`;
        n++;
      }
    }
    this.current = saved;
    return sig;
  }

  /** conventions.ts `heldBy`, with each guard read once per guard state. */
  private heldBy(view: CheckerView, x: string): HeldLock[] {
    let out: HeldLock[] | undefined;
    for (const g of this.guardsFor(view, x)) {
      const mine = this.heldAt(view, g, x);
      if (mine) for (const h of mine) (out ??= []).push(h);
    }
    if (!out) return NO_HELD;
    return out.length > 1 ? out.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0)) : out;
  }

  /** Every lock `x` holds in `view` (all contexts), as held_locks. */
  private held(locks: readonly HeldLock[], exec: ExecContext | undefined): Held[] {
    if (locks.length === 0) return NO_HELD_LOCKS;
    return locks.map((h: HeldLock) => {
      const sub = exec?.nested?.[h.instance] ?? 0;
      const read: Read = h.read ? (exec ? this.heldRead(h, exec) : this.force ? 2 : 1) : 0;
      // One object per (guard-state lock, subclass, read): step signatures compare them by identity.
      let forms = this.heldForms.get(h);
      if (!forms) this.heldForms.set(h, (forms = new Map()));
      const key = sub * 4 + read;
      let held = forms.get(key);
      if (!held) forms.set(key, (held = { cls: sub > 0 ? `${h.cls}/${sub}` : h.cls, guard: h.guard, instance: h.instance, read }));
      return held;
    });
  }

  private readonly heldForms = new WeakMap<HeldLock, Map<number, Held>>();

  /** A held read lock is recursive if forced, or if taken in a hardirq handler still running. */
  private heldRead(h: HeldLock, exec: ExecContext | undefined): Read {
    if (this.force) return 2;
    if (!exec) return 1;
    const irq = exec.frames.findIndex((f) => f.kind === 'irq');
    return irq >= 0 && !(exec.frames[irq] as { held: string[] }).held.includes(h.instance) ? 2 : 1;
  }

  private acquisition(guard: string, m: Message): Acq {
    const sub = typeof m.subclass === 'number' && m.subclass > 0 ? m.subclass : 0;
    const lock = String(m.lock);
    const read: Read = m.type === RW_READ_LOCK ? (this.force || m.inIrq === true ? 2 : 1) : 0;
    return { cls: sub ? `${lock}/${sub}` : lock, guard, instance: `${guard}:${lock}`, read, trylock: isTrylock(m) };
  }

  /**
   * The held locks of the running context, oldest first: for a CPU in an IRQ handler or softirq
   * body, those it took since the body began (exec.held minus the frame's entry set); a lock the
   * guard granted but whose grant the CPU has not taken belongs to the code that asked.
   */
  private sameContext(all: Held[], exBefore: ExecContext | undefined, exAfter: ExecContext | undefined): Held[] {
    // After the step: the grant this step took is recorded, and the context is the one that asks.
    const ex = exAfter ?? exBefore;
    if (!ex) return all;
    const frame = [...ex.frames].reverse().find((f) => CONTEXT_FRAME_KINDS.has(f.kind));
    const order = ex.held;
    const inContext = (h: Held): boolean => (frame ? order.includes(h.instance) && !frame.held.includes(h.instance) : true);
    const mine = all.filter(inContext);
    const rank = (h: Held): number => {
      const i = order.indexOf(h.instance);
      return i < 0 ? order.length : i;
    };
    return mine.sort((a, b) => rank(a) - rank(b));
  }

  /** check_prevs_add: the most recent held lock(s) of the context: those no other held lock was taken after. */
  private prevs(mine: Held[]): Held[] {
    if (mine.length <= 1) return mine;
    const latest = mine.filter((h) => !mine.some((o) => o !== h && this.classes.get(h.cls)?.after.has(o.cls)));
    return latest.length ? latest : mine;
  }

  // ---- usage

  private classOf(name: string): LockClass {
    let c = this.classes.get(name);
    if (!c) this.classes.set(name, (c = { name, usage: 0, usageAt: [], after: new Map(), before: new Map() }));
    return c;
  }

  private where(actor: string, step: string, held?: boolean): Where {
    const e = this.current;
    if (e?.path) this.currentPath ??= e.path();
    return { actor, step, seq: this.seq++, ...(this.currentPath ? { path: this.currentPath } : {}), ...(held ? { held } : {}) };
  }

  /** mark_lock + mark_lock_irq: sets usage bit `b` of class `cls` and checks what it conflicts with. */
  private markLock(out: Finding[], cls: string, lock: { instance: string; guard: string; read: Read }, b: number, x: string, step: string, state: IrqState, held = false): void {
    const c = this.classOf(cls);
    if (c.usage & (1 << b)) return;
    c.usage |= 1 << b;
    c.usageAt[b] = this.where(x, step, held);
    const excl = exclusiveBit(b);
    const read = (b & 1) === 1;
    // valid_state: the class's own usage.
    if (c.usage & (1 << excl)) return this.usageBug(out, c, lock, excl, b, x, step, state);
    if (!read && c.usage & (1 << (excl | 1))) return this.usageBug(out, c, lock, excl | 1, b, x, step, state);
    // check_usage_forwards / _backwards: the classes this one reaches, or is reached from.
    const mask = (1 << excl) | (1 << (excl | 1));
    if (b & 2) {
      const found = this.bfs(cls, lock.read !== 0, false, (n, onlyXr) => ((onlyXr ? n.usage & WRITE_BITS : n.usage) & mask) !== 0);
      if (found) this.inversion(out, c, lock, b, found, false, x, step);
    } else {
      const found = this.bfs(cls, lock.read === 2, true, (n, onlyXr) => ((onlyXr ? n.usage & WRITE_BITS : n.usage) & mask) !== 0);
      if (found) this.inversion(out, c, lock, b, found, true, x, step);
    }
  }

  // ---- dependencies

  /** check_prev_add: prev -> next, after checking it closes no cycle and joins no safe to unsafe class. */
  private addDependency(out: Finding[], x: string, prev: Held, next: Acq, step: string, state: IrqState): void {
    const p = this.classOf(prev.cls);
    const existing = p.after.get(next.cls);
    const kind = depKind(prev.read, next.read);
    if (existing && existing.kinds & kind) return;
    // check_noncircular: can next reach prev by a strong path that this dependency would close?
    const cycle = this.bfs(next.cls, next.read === 2, true, (n, onlyXr) => n.name === prev.cls && (prev.read === 0 || !onlyXr));
    if (cycle) this.circular(out, x, prev, next, cycle, step);
    else this.irqUsage(out, x, prev, next, step, state);
    if (existing) existing.kinds |= kind;
    else {
      const dep: Dep = { from: prev.cls, to: next.cls, kinds: kind, fromInstance: prev.instance, toInstance: next.instance, where: this.where(x, step) };
      p.after.set(next.cls, dep);
      this.classOf(next.cls).before.set(prev.cls, dep);
    }
  }

  /**
   * Breadth-first search over strong paths from `root`, forwards (`locks_after`) or backwards
   * (`locks_before`), as lockdep.c `__bfs` does: a node reached by -(*R)-> continues only by
   * -(E*)-> (forwards); backwards, a node left by -(S*)-> is reached only by -(*N)->. `onlyXr` of
   * the root says how the search starts. Neighbours are visited in name order, so the path found
   * is the same whenever the graph contains it (replay). Returns the path to the first match.
   */
  private bfs(root: string, rootOnlyXr: boolean, forwards: boolean, match: (c: LockClass, onlyXr: boolean) => boolean): Path | undefined {
    const start = this.classes.get(root);
    if (!start) return undefined;
    type Node = { c: LockClass; onlyXr: boolean; parent?: Node; dep?: Dep };
    const best = new Map<string, boolean>();
    const queue: Node[] = [{ c: start, onlyXr: rootOnlyXr }];
    best.set(root, rootOnlyXr);
    for (let i = 0; i < queue.length; i++) {
      const n = queue[i] as Node;
      if (match(n.c, n.onlyXr)) {
        const nodes: string[] = [];
        const deps: Dep[] = [];
        for (let at: Node | undefined = n; at; at = at.parent) {
          nodes.unshift(at.c.name);
          if (at.dep) deps.unshift(at.dep);
        }
        return { nodes, deps };
      }
      const edges = forwards ? n.c.after : n.c.before;
      for (const name of [...edges.keys()].sort()) {
        const dep = edges.get(name) as Dep;
        const allowed = forwards ? (n.onlyXr ? dep.kinds & DEP_E_SIDE : dep.kinds) : n.onlyXr ? dep.kinds & DEP_N_SIDE : dep.kinds;
        if (!allowed) continue;
        const onlyXr = forwards ? (allowed & DEP_N_SIDE) === 0 : (allowed & DEP_E_SIDE) === 0;
        const seen = best.get(name);
        if (seen === false || seen === onlyXr) continue;
        best.set(name, onlyXr);
        const c = this.classes.get(name) as LockClass;
        queue.push({ c, onlyXr, parent: n, dep });
      }
    }
    return undefined;
  }

  /** check_irq_usage: does prev -> next connect a class used in IRQ (softirq) context to one taken with IRQs (softirqs) on? */
  private irqUsage(out: Finding[], x: string, prev: Held, next: Acq, step: string, state: IrqState): void {
    // Step 1: USED_IN usage of everything that reaches prev (backwards).
    let usage = 0;
    this.bfs(prev.cls, prev.read !== 0, false, (n, onlyXr) => {
      usage |= onlyXr ? n.usage & WRITE_BITS : n.usage;
      return false;
    });
    usage &= USED_IN_ALL;
    if (!usage) return;
    // Step 2: a class next reaches with the exclusive ENABLED usage.
    const forwardMask = flipMask(usage);
    const fwd = this.bfs(next.cls, next.read === 2, true, (n, onlyXr) => ((onlyXr ? n.usage & WRITE_BITS : n.usage) & forwardMask) !== 0);
    if (!fwd) return;
    const unsafe = this.classes.get(fwd.nodes.at(-1) as string) as LockClass;
    // Step 3: the safe class behind prev that conflicts with it.
    const backwardMask = flipMask(unsafe.usage & ENABLED_ALL);
    const back = this.bfs(prev.cls, prev.read !== 0, false, (n, onlyXr) => ((onlyXr ? n.usage & WRITE_BITS : n.usage) & backwardMask) !== 0);
    if (!back) return;
    const safe = this.classes.get(back.nodes.at(-1) as string) as LockClass;
    let bb = -1;
    let fb = -1;
    for (let b = 0; b < 8 && bb < 0; b++) {
      if (!(safe.usage & (1 << b) & USED_IN_ALL)) continue;
      const ex = exclusiveBit(b);
      if (unsafe.usage & (1 << ex)) [bb, fb] = [b, ex];
      else if (unsafe.usage & (1 << (ex | 1))) [bb, fb] = [b, ex | 1];
    }
    if (bb < 0) return;
    const key = `unsafe ${stateName(bb)} ${safe.name} ${unsafe.name}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    out.push(this.badIrqDependency(x, prev, next, step, state, back, fwd, safe, unsafe, bb, fb));
  }

  // ---- reports

  /**
   * The executions that the facts `wheres` come from, in the order first seen, leaving out this
   * one and its prefixes (replaying this execution shows those facts again).
   */
  private evidence(wheres: Array<Where | undefined>): number[][] {
    const mine = this.currentPath ?? [];
    const seen = new Map<string, { seq: number; path: number[] }>();
    for (const w of wheres) {
      if (!w?.path) continue;
      if (w.path.length <= mine.length && w.path.every((a, i) => a === mine[i])) continue;
      const k = w.path.join(',');
      const had = seen.get(k);
      if (!had || had.seq > w.seq) seen.set(k, { seq: w.seq, path: w.path });
    }
    return [...seen.values()].sort((a, b) => a.seq - b.seq).map((v) => [...v.path]);
  }

  /**
   * `f` with the executions it rests on: `evidence` when the paths are known (the finding then
   * replays from its token), else `acrossExecutions` if some fact came from an earlier step.
   */
  private finding(f: Omit<Finding, 'evidence' | 'acrossExecutions'>, wheres: Array<Where | undefined>): Finding {
    if (this.current?.path) this.currentPath ??= this.current.path();
    if (this.currentPath) {
      const evidence = this.evidence(wheres);
      return evidence.length ? { ...f, acrossExecutions: true, evidence } : f;
    }
    return wheres.some((w) => w && w.seq < this.firstSeq) ? { ...f, acrossExecutions: true } : f;
  }

  private circular(out: Finding[], x: string, prev: Held, next: Acq, cycle: Path, step: string): void {
    // cycle.nodes: next ... prev; the new dependency prev -> next closes it.
    const key = `cycle ${[...new Set(cycle.nodes)].sort().join(' ')}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const chain = cycle.nodes;
    const n = next.cls;
    const h = prev.cls;
    const parent = chain.length >= 2 ? (chain[chain.length - 2] as string) : n;
    const parentDep = cycle.deps.at(-1);
    // Name instances when two instances of one class take part: the class cycle alone may not deadlock.
    const instancesOf = new Map<string, Set<string>>();
    const note = (cls: string, inst: string): void => {
      if (!instancesOf.has(cls)) instancesOf.set(cls, new Set());
      (instancesOf.get(cls) as Set<string>).add(inst);
    };
    note(n, next.instance);
    note(h, prev.instance);
    for (const d of cycle.deps) {
      note(d.from, d.fromInstance);
      note(d.to, d.toInstance);
    }
    const byInstance = [...instancesOf.values()].some((s) => s.size > 1);
    const show = (cls: string, inst: string): string => (byInstance ? `${cls} at ${inst.slice(0, inst.lastIndexOf(':'))}` : cls);
    const lines = [
      RULE(54),
      'WARNING: possible circular locking dependency detected',
      DASH(54),
      `${x} is trying to acquire lock:`,
      ` (${n}) at ${next.guard}, at: ${step}`,
      '',
      'but task is already holding lock:',
      ` (${h}) at ${prev.guard}`,
      '',
      'which lock already depends on the new lock.',
      '',
      'the existing dependency chain (in reverse order) is:',
      '',
    ];
    // #k..#1: the existing dependencies along the chain, from the held lock back to the new one.
    for (let i = cycle.deps.length - 1; i >= 0; i--) {
      const d = cycle.deps[i] as Dep;
      lines.push(`-> #${i + 1} (${d.to}):`, `       taken while holding (${d.from}) by ${d.where.actor}, at: ${d.where.step}`);
    }
    lines.push(`-> #0 (${n}):`, `       taken while holding (${h}) by ${x}, at: ${step}`, '', 'other info that might help us debug this:', '');
    // print_circular_lock_scenario: the new lock, the class just before the held one on the
    // chain (lockdep's "parent"), the held lock; the whole chain is the list above. CPU0's two
    // lines say rlock() for a lock taken for reading.
    if (parent !== n) lines.push('Chain exists of:', `  ${n} --> ${parent} --> ${h}`, '');
    lines.push(
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0                    CPU1',
      '       ----                    ----',
      `  ${prev.read ? 'rlock' : 'lock'}(${show(h, prev.instance)});`,
      `                               lock(${show(parent, parentDep?.fromInstance ?? next.instance)});`,
      `                               lock(${show(h, parentDep?.toInstance ?? prev.instance)});`,
      `  ${next.read ? 'rlock' : 'lock'}(${show(n, next.instance)});`,
      '',
      ' *** DEADLOCK ***',
    );
    if (byInstance) {
      lines.push(
        '',
        ' The chain goes through two instances of one lock class: the scenario above shows the',
        ' instances, and the cycle closes only through the other instances (more CPUs).',
      );
    }
    out.push(
      this.finding(
        {
          kind: 'lock-order',
          message: `lockdep: possible circular locking dependency: ${[...chain, n].join(' -> ')} (${x} takes ${n} while holding ${h})`,
          actor: x,
          report: lines.join('\n'),
        },
        cycle.deps.map((d) => d.where),
      ),
    );
  }

  private recursion(out: Finding[], x: string, acq: Acq, same: Held, step: string): void {
    const sameInstance = same.instance === acq.instance;
    const message = `lockdep: possible recursive locking: ${x} takes ${acq.cls} at ${acq.guard} while holding ${same.cls} at ${same.guard}`;
    if (this.reported.has(message)) return;
    this.reported.add(message);
    const lines = [
      RULE(44),
      'WARNING: possible recursive locking detected',
      DASH(44),
      `${x} is trying to acquire lock:`,
      ` (${acq.cls}) at ${acq.guard}, at: ${step}`,
      '',
      'but task is already holding lock:',
      ` (${same.cls}) at ${same.guard}`,
      '',
      'other info that might help us debug this:',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0',
      '       ----',
      `  lock(${same.cls});`,
      `  lock(${acq.cls});`,
      '',
      ' *** DEADLOCK ***',
      '',
      sameInstance ? ' The same lock instance: a self-deadlock (Xen: "CHECKLOCK FAILURE: lock taken recursively")' : ' May be due to missing lock nesting notation',
    ];
    out.push({ kind: 'lock-recursion', message, actor: x, report: lines.join('\n') });
  }

  /** print_usage_bug: class `c` already has usage `prevBit`, now gets `newBit`. */
  private usageBug(out: Finding[], c: LockClass, lock: { instance: string; guard: string }, prevBit: number, newBit: number, x: string, step: string, state: IrqState): void {
    const key = `inconsistent ${c.name} ${newBit & 4}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const was = c.usageAt[prevBit] as Where;
    const now = c.usageAt[newBit] as Where;
    const soft = (newBit & 4) !== 0;
    const lines = [
      RULE(32),
      'WARNING: inconsistent lock state',
      DASH(32),
      `inconsistent {${USAGE_STR[prevBit]}} -> {${USAGE_STR[newBit]}} usage.`,
      `${x} ${flags(state)} takes:`,
      ` (${c.name}) at ${lock.guard}, at: ${step}`,
      `{${USAGE_STR[prevBit]}} state was registered at:`,
      `  ${was.step}`,
      '',
      'other info that might help us debug this:',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0',
      '       ----',
      `  lock(${c.name});`,
      '  <Interrupt>',
      `    lock(${c.name});`,
      '',
      ' *** DEADLOCK ***',
    ];
    const inCtx = newBit & 2 ? was : now;
    const onCtx = newBit & 2 ? now : was;
    const inBit = newBit & 2 ? prevBit : newBit;
    const onBit = newBit & 2 ? newBit : prevBit;
    out.push(
      this.finding(
        {
          kind: 'irq-safety',
          message:
            `lockdep: inconsistent lock state: ${c.name} is ${describe(inBit, inCtx)} (${inCtx.actor}) and ${describe(onBit, onCtx)} (${onCtx.actor}): ` +
            (soft ? 'use spin_lock_bh outside softirq context' : 'use spin_lock_irqsave outside IRQ context'),
          actor: x,
          report: lines.join('\n'),
        },
        [was, now],
      ),
    );
  }

  /** print_irq_inversion_bug: `c` just got usage `newBit`; `path` leads to a class with the opposite usage. */
  private inversion(out: Finding[], c: LockClass, lock: { guard: string }, newBit: number, path: Path, forwards: boolean, x: string, step: string): void {
    const other = this.classes.get(path.nodes.at(-1) as string) as LockClass;
    const excl = exclusiveBit(newBit);
    const otherBit = other.usage & (1 << excl) ? excl : excl | 1;
    const irqclass = stateName(otherBit);
    const key = `inversion ${irqclass} ${forwards ? c.name : other.name} ${forwards ? other.name : c.name}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    // The chain from the safe class to the unsafe one, and lockdep's "middle" class.
    const chain = forwards ? path.nodes : [...path.nodes].reverse();
    const safe = chain[0] as string;
    const unsafe = chain.at(-1) as string;
    let middle = forwards ? (path.nodes[1] ?? safe) : (path.nodes[1] ?? other.name);
    if (middle === safe) middle = unsafe;
    const lines = [
      RULE(56),
      'WARNING: possible irq lock inversion dependency detected',
      DASH(56),
      `${x} just changed the state of lock:`,
      ` (${c.name}) at ${lock.guard}, at: ${step}`,
      forwards ? `but this lock took another, ${irqclass}-unsafe lock in the past:` : `but this lock was taken by another, ${irqclass}-safe lock in the past:`,
      ` (${other.name})`,
      '',
      '',
      'and interrupts could create inverse lock ordering between them.',
      '',
      '',
      'other info that might help us debug this:',
      ...scenarioLines(safe, middle, unsafe),
      '',
      'the shortest dependencies between 2nd lock and 1st lock:',
      ...path.deps.map((d) => ` (${d.from}) -> (${d.to}): by ${d.where.actor}, at: ${d.where.step}`),
      ` ${other.name} became ${USAGE_STR[otherBit]} at: ${(other.usageAt[otherBit] as Where).step}`,
    ];
    out.push(
      this.finding(
        {
          kind: 'irq-safety',
          message: forwards
            ? `lockdep: possible irq lock inversion: ${c.name} became ${irqclass}-safe (${x}) after it took ${irqclass}-unsafe ${other.name}: ${chain.join(' -> ')}`
            : `lockdep: possible irq lock inversion: ${c.name} became ${irqclass}-unsafe (${x}) after ${irqclass}-safe ${other.name} took it: ${chain.join(' -> ')}`,
          actor: x,
          report: lines.join('\n'),
        },
        [c.usageAt[newBit], other.usageAt[otherBit], ...path.deps.map((d) => d.where)],
      ),
    );
  }

  /** print_bad_irq_dependency: prev -> next would join `safe` (behind prev) to `unsafe` (after next). */
  private badIrqDependency(x: string, prev: Held, next: Acq, step: string, state: IrqState, back: Path, fwd: Path, safe: LockClass, unsafe: LockClass, bb: number, fb: number): Finding {
    const irqclass = stateName(bb);
    const soft = (bb & 4) !== 0;
    const chain = [...[...back.nodes].reverse(), ...fwd.nodes];
    let middle = prev.cls;
    if (middle === safe.name) middle = next.cls;
    const backDeps = [...back.deps].reverse();
    const lines = [
      RULE(53),
      `WARNING: ${irqclass}-safe -> ${irqclass}-unsafe lock order detected`,
      DASH(53),
      `${x} ${flags(state)} is trying to acquire:`,
      ` (${next.cls}) at ${next.guard}, at: ${step}`,
      '',
      'and this task is already holding:',
      ` (${prev.cls}) at ${prev.guard}`,
      'which would create a new lock dependency:',
      ` (${prev.cls}) -> (${next.cls})`,
      '',
      `but this new dependency connects a ${irqclass}-irq-safe lock:`,
      ` (${safe.name})`,
      '',
      `... which became ${irqclass}-irq-safe at:`,
      `  ${(safe.usageAt[bb] as Where).step}`,
      '',
      `to a ${irqclass}-irq-unsafe lock:`,
      ` (${unsafe.name})`,
      '',
      `... which became ${irqclass}-irq-unsafe at:`,
      '...',
      `  ${(unsafe.usageAt[fb] as Where).step}`,
      '',
      'other info that might help us debug this:',
      '',
      ...scenarioLines(safe.name, middle, unsafe.name),
      '',
      `the dependencies between ${irqclass}-irq-safe lock and the holding lock:`,
      ...(backDeps.length ? backDeps.map((d) => ` (${d.from}) -> (${d.to}): by ${d.where.actor}, at: ${d.where.step}`) : [` (${prev.cls}) is the ${irqclass}-irq-safe lock`]),
      '',
      `the dependencies between the lock to be acquired and ${irqclass}-irq-unsafe lock:`,
      ...(fwd.deps.length ? fwd.deps.map((d) => ` (${d.from}) -> (${d.to}): by ${d.where.actor}, at: ${d.where.step}`) : [` (${next.cls}) is the ${irqclass}-irq-unsafe lock`]),
    ];
    const ctxWord = soft ? 'softirq context' : 'IRQ context';
    const onWord = soft ? 'softirqs enabled' : 'IRQs enabled';
    return this.finding(
      {
        kind: 'irq-safety',
        message: `lockdep: ${irqclass}-safe -> ${irqclass}-unsafe lock order: ${chain.join(' -> ')} (${safe.name} is taken in ${ctxWord}, ${unsafe.name} with ${onWord})`,
        report: lines.join('\n'),
      },
      [safe.usageAt[bb], unsafe.usageAt[fb], ...back.deps.map((d) => d.where), ...fwd.deps.map((d) => d.where)],
    );
  }
}

/** Held-lock instances of lockdep maps start with this (one instance per map class). */
const MAP_INSTANCE = 'map:';

function mapAcq(guard: string, cls: string, flags: { irqsOff?: boolean; begins?: boolean }): Acq {
  return { cls, guard, instance: `${MAP_INSTANCE}${cls}`, read: 0, trylock: false, ...flags };
}

/** The frames of `after` that `before` did not have and that hold lockdep maps: bodies this step began. */
function mapsBegun(before: ExecContext | undefined, after: ExecContext | undefined): ExecFrame[] {
  if (!after) return [];
  const old = before?.frames ?? [];
  const out: ExecFrame[] = [];
  after.frames.forEach((f, i) => {
    const o = old[i];
    if (f.maps?.length && (!o || o.kind !== f.kind || o.name !== f.name)) out.push(f);
  });
  return out;
}

const heldMapForms = new Map<string, Held>();
/**
 * The lockdep maps held by the bodies `exec` is running, oldest first; `contextOnly`: only those
 * of the running context (from its innermost context frame on; all frames if none).
 */
function heldMaps(exec: ExecContext | undefined, contextOnly: boolean): Held[] {
  if (!exec) return NO_HELD_LOCKS;
  let from = 0;
  if (contextOnly) {
    for (let i = exec.frames.length - 1; i >= 0; i--) {
      if (CONTEXT_FRAME_KINDS.has((exec.frames[i] as ExecFrame).kind)) {
        from = i;
        break;
      }
    }
  }
  let out: Held[] | undefined;
  for (let i = from; i < exec.frames.length; i++) {
    const f = exec.frames[i] as ExecFrame;
    for (const cls of f.maps ?? []) {
      const key = `${f.name}\0${cls}`;
      let h = heldMapForms.get(key);
      if (!h) heldMapForms.set(key, (h = { cls, guard: f.name, instance: `${MAP_INSTANCE}${cls}`, read: 0 }));
      (out ??= []).push(h);
    }
  }
  return out ?? NO_HELD_LOCKS;
}

/** `context.exec` of an actor's context, if it has one. */
function execIn(context: unknown): ExecContext | undefined {
  const ex = context && typeof context === 'object' ? (context as { exec?: unknown }).exec : undefined;
  return ex && typeof ex === 'object' && Array.isArray((ex as ExecContext).frames) ? (ex as ExecContext) : undefined;
}

/** `[HC1[1]:SC0[0]:HE0:SE0]`, as lockdep prints the task's interrupt state. */
function flags(s: IrqState): string {
  return `[HC${s.hardirq ? 1 : 0}[${s.hardirq}]:SC${s.softirq ? 1 : 0}[${s.softirq}]:HE${s.hardirqsOn ? 1 : 0}:SE${s.softirqsOn ? 1 : 0}]`;
}

/** What usage bit `b` means, in words. */
function describe(b: number, w: Where): string {
  const soft = (b & 4) !== 0;
  const verb = b & 1 ? 'read-locked' : 'taken';
  if (!(b & 2)) return `${verb} in ${soft ? 'softirq' : 'IRQ'} context`;
  if (w.held) return `held when ${soft ? 'softirqs' : 'IRQs'} were enabled`;
  return `${verb} with ${soft ? 'softirqs' : 'IRQs'} enabled`;
}

/** print_irq_lock_scenario. */
function scenarioLines(safe: string, middle: string, unsafe: string): string[] {
  const lines: string[] = [];
  if (middle !== unsafe) lines.push('Chain exists of:', `  ${safe} --> ${middle} --> ${unsafe}`, '');
  lines.push(
    ' Possible interrupt unsafe locking scenario:',
    '',
    '       CPU0                    CPU1',
    '       ----                    ----',
    `  lock(${unsafe});`,
    '                               local_irq_disable();',
    `                               lock(${safe});`,
    `                               lock(${middle});`,
    '  <Interrupt>',
    `    lock(${safe});`,
    '',
    ' *** DEADLOCK ***',
  );
  return lines;
}

/**
 * The lockdep checker, for a system's `checkers` or an exploration's `checkers` option.
 *
 * @example
 * ```ts
 * const result = explore({ ...system, checkers: [lockdep] }, { maxViolations: 10 });
 * for (const v of result.violations) if (v.report) console.log(v.report);
 * ```
 */
export const lockdep: CheckerFactory = () => new Lockdep();

/** lockdep with options (`forceReadLockRecursive`, as lib/locking-selftest.c runs it). */
export function lockdepWith(options: LockdepOptions): CheckerFactory {
  return () => new Lockdep(options);
}
