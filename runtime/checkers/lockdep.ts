/**
 * lockdep: Linux's lock validator (kernel/locking/lockdep.c), over explored transitions.
 *
 * Like lockdep, it reasons about lock *classes*, not instances, and accumulates what it learns
 * over every execution it sees: the explorer shows it every transition of the state graph once,
 * so its dependency graph is the union over all explored executions. It therefore predicts a
 * deadlock from two runs that each went fine (cpu0 took A then B in one, cpu1 B then A in
 * another), which exploration alone reports only if some explored run actually deadlocks.
 *
 * It detects, as lockdep does:
 * - **circular dependencies** of any length: taking N while holding H when the graph already
 *   has N -> ... -> H ("possible circular locking dependency detected");
 * - **recursion**: taking a class already held, unless annotated as nested (`subclass` > 0 on
 *   the acquire: spin_lock_nested) ("possible recursive locking detected");
 * - **inconsistent IRQ usage**: a class taken in IRQ context and also taken (or held) with IRQs
 *   enabled ("inconsistent lock state");
 * - **IRQ-safe -> IRQ-unsafe** dependencies: a chain from a class taken in IRQ context to a class
 *   taken with IRQs enabled ("HARDIRQ-safe -> HARDIRQ-unsafe lock order detected").
 *
 * As in lockdep, a dependency links two locks taken in the same context: locks held by the
 * code an IRQ interrupted are not "before" the handler's (recursion on them is still reported).
 *
 * Every report comes with the dependency chain, the step that created each dependency, and a
 * CPU0/CPU1 "possible unsafe locking scenario" table in the finding's `report`.
 *
 * Held-lock sets are a function of the global state: they are read from the lock guards'
 * `resources` (see conventions.ts), never from this checker's memory of a path, so a stateful
 * search that reaches a state by one path only still sees every dependency from it. A finding
 * that rests on edges or usages from several executions is marked `acrossExecutions`; recursion
 * is judged within one step and replays on its own.
 */
import type { Finding } from '../Kernel.js';
import type { Message } from '../model.js';
import type { Checker, CheckerFactory, TransitionEvent } from './Checker.js';
import { execOf, heldBy, inIrq, irqsEnabled, isAcquire, isRelease, isTrylock, stepName, type HeldLock } from './conventions.js';

/** Where lockdep first saw something: the actor and its step. */
interface Where {
  actor: string;
  step: string;
}

interface Edge extends Where {
  /** The held class, and what was taken while holding it. */
  from: string;
  to: string;
}

interface Usage {
  /** Taken in IRQ context (lockdep's IN-HARDIRQ). */
  inIrq?: Where;
  /** Taken or held with IRQs enabled (lockdep's HARDIRQ-ON). */
  irqOn?: Where & { how: string };
}

const RULE = (n: number): string => '='.repeat(n);
const DASH = (n: number): string => '-'.repeat(n);

/** The class name an acquire message takes: `lock`, or `lock/subclass` for a nested acquire. */
function classOf(m: Message): string {
  const sub = typeof m.subclass === 'number' && m.subclass > 0 ? m.subclass : 0;
  return sub ? `${String(m.lock)}/${sub}` : String(m.lock);
}

export class Lockdep implements Checker {
  readonly name = 'lockdep';
  private readonly edges = new Map<string, Map<string, Edge>>();
  private readonly usage = new Map<string, Usage>();
  private readonly reported = new Set<string>();

  onTransition(e: TransitionEvent): Finding[] {
    const out: Finding[] = [];
    const x = e.actor;
    const hasLockSends = e.sends.some((s) => isAcquire(s.message) || isTrylock(s.message));
    const before = execOf(e.before, x);
    const after = execOf(e.after, x);
    const irqsTurnedOn = !!before && !!after && !before.irqsEnabled && after.irqsEnabled && !inIrq(e.after, x);
    if (!hasLockSends && !irqsTurnedOn) return out;
    const where: Where = { actor: x, step: stepName(x, e.message) };
    let changed = false;

    if (irqsTurnedOn) {
      for (const h of heldBy(e.after, x)) changed = this.markIrqOn(h.cls, where, 'held when IRQs were enabled') || changed;
    }
    const inIrqCtx = inIrq(e.after, x);
    const enabled = irqsEnabled(e.after, x);
    let held: HeldLock[] | undefined;
    const releasedHere = new Set<string>();
    for (const { to, message: m } of e.sends) {
      if (isRelease(m)) releasedHere.add(`${to}:${String(m.lock)}`);
      if (!isAcquire(m) && !isTrylock(m)) continue;
      const cls = classOf(m);
      if (inIrqCtx) changed = this.markInIrq(cls, where) || changed;
      else if (enabled) changed = this.markIrqOn(cls, where, 'taken with IRQs enabled') || changed;
      if (isTrylock(m)) continue; // a trylock never waits: it adds no dependency
      held ??= heldBy(e.before, x);
      const holding = held.filter((h) => !releasedHere.has(h.instance));
      const same = holding.find((h) => h.cls === cls || h.instance === `${to}:${String(m.lock)}`);
      if (same) {
        const f = this.recursion(x, cls, to, same, where);
        if (f) out.push(f);
        continue;
      }
      // As lockdep, dependencies only link locks of one context: the locks an IRQ interrupted
      // were not taken "before" the handler's in any order a CPU can repeat.
      // In IRQ context the handler's own locks are those the CPU recorded taking since the
      // handler began (exec.held minus the frame's entry set); the rest (including a lock whose
      // grant the interrupted code has not yet taken) belong to the interrupted code.
      const ex = inIrqCtx ? execOf(e.after, x) : undefined;
      const irqFrame = ex?.frames.filter((f) => f.kind === 'irq').at(-1);
      for (const h of holding) {
        if (ex && irqFrame && (irqFrame.held.includes(h.instance) || !ex.held.includes(h.instance))) continue;
        const { added, finding } = this.addEdge(h.cls, cls, where, to);
        if (finding) out.push(finding);
        changed = added || changed;
      }
    }
    if (changed) out.push(...this.irqFindings());
    return out;
  }

  private markInIrq(cls: string, where: Where): boolean {
    const u = this.usageOf(cls);
    if (u.inIrq) return false;
    u.inIrq = where;
    return true;
  }

  private markIrqOn(cls: string, where: Where, how: string): boolean {
    const u = this.usageOf(cls);
    if (u.irqOn) return false;
    u.irqOn = { ...where, how };
    return true;
  }

  private usageOf(cls: string): Usage {
    let u = this.usage.get(cls);
    if (!u) this.usage.set(cls, (u = {}));
    return u;
  }

  /** Adds H -> N; returns a circular-dependency finding if N already reaches H. */
  private addEdge(from: string, to: string, where: Where, guard: string): { added: boolean; finding?: Finding } {
    let out = this.edges.get(from);
    if (!out) this.edges.set(from, (out = new Map()));
    if (out.has(to)) return { added: false };
    const path = this.path(to, from);
    out.set(to, { ...where, from, to });
    if (!path) return { added: true };
    const key = `cycle ${[...path, to].join(' ')}`;
    if (this.reported.has(key)) return { added: true };
    this.reported.add(key);
    return { added: true, finding: this.circular(path, where, guard) };
  }

  /** A shortest path of classes from `a` to `b` over the dependency graph, or undefined. */
  private path(a: string, b: string): string[] | undefined {
    const prev = new Map<string, string>([[a, a]]);
    const queue = [a];
    for (let i = 0; i < queue.length; i++) {
      const at = queue[i] as string;
      if (at === b) {
        const p = [b];
        while (p[0] !== a) p.unshift(prev.get(p[0] as string) as string);
        return p;
      }
      for (const next of [...(this.edges.get(at)?.keys() ?? [])].sort()) {
        if (!prev.has(next)) {
          prev.set(next, at);
          queue.push(next);
        }
      }
    }
    return undefined;
  }

  private edge(from: string, to: string): Edge {
    return this.edges.get(from)?.get(to) as Edge;
  }

  /** `chain` runs from the new lock N to the held lock H; the new edge is H -> N. */
  private circular(chain: string[], where: Where, guard: string): Finding {
    const n = chain[0] as string;
    const h = chain[chain.length - 1] as string;
    const parent = chain[chain.length - 2] as string;
    const lines = [
      RULE(54),
      'WARNING: possible circular locking dependency detected',
      DASH(54),
      `${where.actor} is trying to acquire lock:`,
      ` (${n}) at ${guard}, at: ${where.step}`,
      '',
      `but ${where.actor} is already holding lock:`,
      ` (${h})`,
      '',
      'which lock already depends on the new lock.',
      '',
      'the existing dependency chain (in reverse order) is:',
      '',
    ];
    // Entries #k..#1 are the existing edges along the chain, #0 the new one, as lockdep prints.
    const hops = chain.length - 1;
    for (let i = hops; i >= 1; i--) {
      const e = this.edge(chain[hops - i] as string, chain[hops - i + 1] as string);
      lines.push(`-> #${i} (${e.to}):`, `       taken while holding (${e.from}) by ${e.actor}, at: ${e.step}`);
    }
    lines.push(`-> #0 (${n}):`, `       taken while holding (${h}) by ${where.actor}, at: ${where.step}`, '', 'other info that might help us debug this:', '');
    if (parent !== n) lines.push('Chain exists of:', `  ${n} --> ${parent} --> ${h}`, '');
    lines.push(
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0                    CPU1',
      '       ----                    ----',
      `  lock(${h});`,
      `                               lock(${parent});`,
      `                               lock(${h});`,
      `  lock(${n});`,
      '',
      ' *** DEADLOCK ***',
    );
    return {
      kind: 'lock-order',
      message: `lockdep: possible circular locking dependency: ${[...chain, n].join(' -> ')} (${where.actor} takes ${n} while holding ${h})`,
      actor: where.actor,
      report: lines.join('\n'),
      acrossExecutions: true,
    };
  }

  private recursion(x: string, cls: string, guard: string, same: HeldLock, where: Where): Finding | undefined {
    const sameInstance = same.instance === `${guard}:${cls.split('/')[0]}`;
    const lines = [
      RULE(44),
      'WARNING: possible recursive locking detected',
      DASH(44),
      `${x} is trying to acquire lock:`,
      ` (${cls}) at ${guard}, at: ${where.step}`,
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
      `  lock(${cls});`,
      '',
      ' *** DEADLOCK ***',
      '',
      sameInstance ? ' The same lock instance: a self-deadlock (Xen: "CHECKLOCK FAILURE: lock taken recursively")' : ' May be due to missing lock nesting notation',
    ];
    return {
      kind: 'lock-recursion',
      message: `lockdep: possible recursive locking: ${x} takes ${cls} at ${guard} while holding ${same.cls} at ${same.guard}`,
      actor: x,
      report: lines.join('\n'),
    };
  }

  /** Inconsistent usages and IRQ-safe -> IRQ-unsafe chains not reported yet. */
  private irqFindings(): Finding[] {
    const out: Finding[] = [];
    const classes = [...this.usage.keys()].sort();
    for (const c of classes) {
      const u = this.usage.get(c) as Usage;
      if (u.inIrq && u.irqOn && !this.reported.has(`inconsistent ${c}`)) {
        this.reported.add(`inconsistent ${c}`);
        out.push(this.inconsistent(c, u));
      }
    }
    for (const s of classes) {
      const su = this.usage.get(s) as Usage;
      if (!su.inIrq) continue;
      for (const u of classes) {
        const uu = this.usage.get(u) as Usage;
        if (u === s || !uu.irqOn) continue;
        const chain = this.path(s, u);
        if (!chain || this.reported.has(`unsafe ${s} ${u}`)) continue;
        this.reported.add(`unsafe ${s} ${u}`);
        out.push(this.safeToUnsafe(chain, su, uu));
      }
    }
    return out;
  }

  private inconsistent(c: string, u: Usage): Finding {
    const inIrq = u.inIrq as Where;
    const on = u.irqOn as Where & { how: string };
    const lines = [
      RULE(32),
      'WARNING: inconsistent lock state',
      DASH(32),
      'inconsistent {IN-HARDIRQ} -> {HARDIRQ-ON} usage.',
      `(${c}) was taken in IRQ context by ${inIrq.actor}, at: ${inIrq.step}`,
      `and ${on.how} by ${on.actor}, at: ${on.step}`,
      '',
      'other info that might help us debug this:',
      ' Possible unsafe locking scenario:',
      '',
      '       CPU0',
      '       ----',
      `  lock(${c});`,
      '  <Interrupt>',
      `    lock(${c});`,
      '',
      ' *** DEADLOCK ***',
    ];
    return {
      kind: 'irq-safety',
      message: `lockdep: inconsistent lock state: ${c} is taken in IRQ context (${inIrq.actor}) and ${on.how} (${on.actor}): use spin_lock_irqsave outside IRQ context`,
      actor: on.actor,
      report: lines.join('\n'),
      acrossExecutions: true,
    };
  }

  private safeToUnsafe(chain: string[], su: Usage, uu: Usage): Finding {
    const s = chain[0] as string;
    const u = chain[chain.length - 1] as string;
    const middle = chain[chain.length - 2] as string;
    const inIrq = su.inIrq as Where;
    const on = uu.irqOn as Where & { how: string };
    const lines = [RULE(58), 'WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected', DASH(58), 'the dependency chain:'];
    for (let i = 0; i + 1 < chain.length; i++) {
      const e = this.edge(chain[i] as string, chain[i + 1] as string);
      lines.push(` (${e.from}) -> (${e.to}): by ${e.actor}, at: ${e.step}`);
    }
    lines.push(
      '',
      'connects a HARDIRQ-safe lock:',
      ` (${s})`,
      `... which became HARDIRQ-safe (taken in IRQ context) by ${inIrq.actor}, at: ${inIrq.step}`,
      'to a HARDIRQ-unsafe lock:',
      ` (${u})`,
      `... which became HARDIRQ-unsafe (${on.how}) by ${on.actor}, at: ${on.step}`,
      '',
      'other info that might help us debug this:',
      '',
    );
    if (middle !== s) lines.push('Chain exists of:', `  ${s} --> ${middle} --> ${u}`, '');
    lines.push(
      ' Possible interrupt unsafe locking scenario:',
      '',
      '       CPU0                    CPU1',
      '       ----                    ----',
      `  lock(${u});`,
      '                               local_irq_disable();',
      `                               lock(${s});`,
      `                               lock(${middle === s ? u : middle});`,
      '  <Interrupt>',
      `    lock(${s});`,
      '',
      ' *** DEADLOCK ***',
    );
    return {
      kind: 'irq-safety',
      message: `lockdep: HARDIRQ-safe -> HARDIRQ-unsafe lock order: ${chain.join(' -> ')} (${s} is taken in IRQ context, ${u} with IRQs enabled)`,
      report: lines.join('\n'),
      acrossExecutions: true,
    };
  }
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
