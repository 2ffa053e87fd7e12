/**
 * Sleeping in atomic context: a call that may sleep (`mutex_lock`, `down_read`,
 * `wait_for_completion`, `flush_work`, ...: conventions.ts `mightSleep`) made where the kernel
 * may not sleep. Linux checks it in `might_sleep()` (kernel/sched/core.c `__might_resched`,
 * formerly `___might_sleep`) and prints "BUG: sleeping function called from invalid context".
 *
 * The context of the call is read from the caller's `context.exec` (conventions.ts) in the
 * states before and after the step that sends it (a step that takes a spinlock's grant and calls
 * mutex_lock is judged holding the spinlock; a step entering a tasklet body, in the tasklet):
 * - in an IRQ handler, or a softirq, tasklet or timer body (`in_atomic()`: preempt count);
 * - with IRQs disabled (`irqs_disabled()`);
 * - holding a spinning lock: a lock in some guard's `resources` that is not marked `sleeps`
 *   (spinlocks and rwlocks; a mutex or rw semaphore held is fine);
 * - inside an RCU read-side section (`RCU nest depth: 1, expected: 0`).
 * An actor without `exec` runs in task context with IRQs enabled; only held spinlocks count.
 *
 * One report per call site (the caller, its state, the message it took and the call's type):
 * the same bad call reached by other paths is one bug.
 */
import type { Finding } from '../Kernel.js';
import { FRAME, type Message } from '../model.js';
import { stateName } from '../StepTable.js';
import type { Checker, CheckerFactory, CheckerView, TransitionEvent } from './Checker.js';
import { describe, execOf, heldBy, mightSleep, stepName, type ExecContext, type LockView } from './conventions.js';

const ATOMIC_FRAMES: ReadonlySet<string> = new Set(['irq', 'softirq', 'tasklet', 'timer']);

/** The call as reports show it: its type and fields, without the reply address (`frame`). */
function callText(m: Message): string {
  const { [FRAME]: _frame, ...rest } = m;
  return describe(rest as Message);
}

interface Why {
  /** The innermost atomic body, e.g. `tasklet 't'`. */
  body?: string;
  irqsOff: boolean;
  spinlocks: string[];
  rcu: number;
}

function contextOf(view: CheckerView, actor: string): Why {
  const exec: ExecContext | undefined = execOf(view, actor);
  const frame = exec?.frames.filter((f) => ATOMIC_FRAMES.has(f.kind)).at(-1);
  const spinlocks = heldBy(view, actor)
    .filter((h) => !(view.resources(h.guard) as LockView[]).some((r) => r.name === h.cls && r.sleeps === true))
    .map((h) => `${h.cls} at ${h.guard}`);
  return { ...(frame ? { body: `${frame.kind} '${frame.name}'` } : {}), irqsOff: exec ? !exec.irqsEnabled : false, spinlocks, rcu: exec?.rcu ?? 0 };
}

/** The two contexts as one: atomic if either was. */
function merged(a: Why, b: Why): Why {
  return { ...(a.body ?? b.body ? { body: (a.body ?? b.body) as string } : {}), irqsOff: a.irqsOff || b.irqsOff, spinlocks: [...new Set([...a.spinlocks, ...b.spinlocks])].sort(), rcu: Math.max(a.rcu, b.rcu) };
}

export class SleepInAtomic implements Checker {
  readonly name = 'sleep-in-atomic';
  private readonly reported = new Set<string>();

  onTransition(e: TransitionEvent): Finding[] {
    const calls = e.sends.filter((s) => mightSleep(s.message));
    if (calls.length === 0) return [];
    const why = merged(contextOf(e.before, e.actor), contextOf(e.after, e.actor));
    if (!why.body && !why.irqsOff && why.spinlocks.length === 0 && why.rcu === 0) return [];
    const out: Finding[] = [];
    for (const { to, message: m } of calls) {
      const site = `${e.actor}\u0000${stateName(e.before.actor(e.actor))}\u0000${e.message.type}\u0000${m.type}\u0000${to}`;
      if (this.reported.has(site)) continue;
      this.reported.add(site);
      const reasons = [
        ...(why.body ? [`in ${why.body}`] : []),
        ...(why.irqsOff ? ['with IRQs disabled'] : []),
        ...(why.spinlocks.length ? [`holding spinlock ${why.spinlocks.join(', ')}`] : []),
        ...(why.rcu ? ['inside an RCU read-side section'] : []),
      ];
      const at = stepName(e.actor, e.message);
      const atomic = why.body !== undefined || why.spinlocks.length > 0;
      out.push({
        kind: 'sleep-in-atomic',
        message: `sleeping function called from invalid context: ${e.actor} calls ${callText(m)} (to ${to}) ${reasons.join(', ')}; at step [${at}]`,
        actor: e.actor,
        report: [
          `BUG: sleeping function called from invalid context at ${callText(m)} (to ${to})`,
          `in_atomic(): ${atomic ? 1 : 0}, irqs_disabled(): ${why.irqsOff ? 1 : 0}, non_block: 0, cpu: ${e.actor}`,
          `preempt_count: ${atomic ? 1 : 0}, expected: 0`,
          `RCU nest depth: ${why.rcu}, expected: 0`,
          ...(why.spinlocks.length ? [`${why.spinlocks.length} spinning lock${why.spinlocks.length > 1 ? 's' : ''} held by ${e.actor}:`, ...why.spinlocks.map((l, i) => ` #${i}: (${l})`)] : []),
          ...(why.body ? [`context: ${why.body}`] : []),
          `called at: ${at}`,
        ].join('\n'),
      });
    }
    return out;
  }
}

/** The sleep-in-atomic checker (Linux's might_sleep). */
export const sleepInAtomic: CheckerFactory = () => new SleepInAtomic();

