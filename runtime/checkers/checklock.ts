/**
 * Xen's CHECKLOCK rule (xen/common/spinlock.c `check_lock`, called by `_spin_lock`,
 * `_spin_trylock` and, since 2020, the rwlocks of xen/include/xen/rwlock.h): every lock is either
 * IRQ-safe, always taken with IRQs disabled, or IRQ-unsafe, always taken with IRQs enabled. Xen
 * latches which on first use, per lock (instance, not class), and BUG()s with
 * "CHECKLOCK FAILURE: prev irqsafe: %d, curr irqsafe %d" on the first acquisition the other way.
 *
 * Why Xen insists (from check_lock's comment): a lock held by CPU A with IRQs enabled while CPU B
 * spins on it with IRQs disabled deadlocks an IRQ-context rendezvous: A takes the rendezvous IRQ
 * and waits in it for B, which never takes it. Lockdep (lockdep.ts) has no such rule; a model of
 * Xen wants both.
 *
 * A trylock with IRQs disabled is exempt (`if ( try && irq_safe ) return;`): it cannot spin. The
 * report names both sites: the acquisition that latched the lock and the one that broke it. The
 * latch is the checker's memory across executions, like lockdep's usage bits, so a finding may
 * rest on another execution: it carries that one as evidence and replays from its token.
 */
import type { Finding } from '../findings.js';
import type { Checker, CheckerFactory, StepFacts, TransitionEvent } from './Checker.js';
import { execOf, irqsEnabled, isAcquire, isTrylock, stepName } from './conventions.js';

interface Site {
  actor: string;
  step: string;
  irqSafe: boolean;
  path?: number[];
}

export class CheckLock implements Checker {
  readonly name = 'checklock';
  private readonly latched = new Map<string, Site>();
  private readonly reported = new Set<string>();

  relevant(step: StepFacts): boolean {
    return step.sends.some((s) => isAcquire(s.message) || isTrylock(s.message));
  }

  onTransition(e: TransitionEvent): Finding[] {
    const out: Finding[] = [];
    const x = e.actor;
    // IRQs as they are when the lock is taken: after the step's own local_irq_save.
    const irqSafe = !irqsEnabled(e.after, x);
    let path: number[] | undefined;
    for (const { to, message: m } of e.sends) {
      if (!isAcquire(m) && !isTrylock(m)) continue;
      if (isTrylock(m) && irqSafe) continue;
      const instance = `${to}:${String(m.lock)}`;
      const seen = this.latched.get(instance);
      if (!seen) {
        if (e.path) path ??= e.path();
        this.latched.set(instance, { actor: x, step: stepName(x, e.message), irqSafe, ...(path ? { path } : {}) });
        continue;
      }
      if (seen.irqSafe === irqSafe || this.reported.has(instance)) continue;
      this.reported.add(instance);
      if (e.path) path ??= e.path();
      const prefix = (p: number[], of: number[]): boolean => p.length <= of.length && p.every((a, i) => a === of[i]);
      const evidence = seen.path && !(path && prefix(seen.path, path)) ? [[...seen.path]] : [];
      const now = stepName(x, e.message);
      const how = (safe: boolean): string => (safe ? 'with IRQs disabled (IRQ-safe)' : 'with IRQs enabled (IRQ-unsafe)');
      out.push({
        kind: 'irq-safety',
        message: `CHECKLOCK FAILURE: prev irqsafe: ${seen.irqSafe ? 1 : 0}, curr irqsafe ${irqSafe ? 1 : 0}: ${String(m.lock)} at ${to} taken ${how(seen.irqSafe)} by ${seen.actor} and ${how(irqSafe)} by ${x}`,
        actor: x,
        report: [
          `CHECKLOCK FAILURE: prev irqsafe: ${seen.irqSafe ? 1 : 0}, curr irqsafe ${irqSafe ? 1 : 0}`,
          `  lock: ${String(m.lock)} at ${to}`,
          `  first taken ${how(seen.irqSafe)} by ${seen.actor}, at: ${seen.step}`,
          `  now taken ${how(irqSafe)} by ${x}, at: ${now}${execOf(e.after, x) ? '' : ' (an actor without exec runs with IRQs enabled)'}`,
          '  Xen BUG()s here (xen/common/spinlock.c check_lock): a lock must be always IRQ-safe or always IRQ-unsafe,',
          '  else a CPU holding it with IRQs on, taking an IRQ-context rendezvous, waits for a CPU spinning on it with IRQs off.',
        ].join('\n'),
        ...(evidence.length ? { acrossExecutions: true, evidence } : e.path ? {} : { acrossExecutions: true }),
      });
    }
    return out;
  }
}

/** The CHECKLOCK checker. */
export const checkLock: CheckerFactory = () => new CheckLock();
