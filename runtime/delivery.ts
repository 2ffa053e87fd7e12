/**
 * The delivery rule: which message an actor takes next. One function, used by the stepper for
 * every strategy, replay and shrinking alike, so a change of rule is a change in one place.
 *
 * The rule is P's (Desai et al., "P: Safe Asynchronous Event-Driven Programming", PLDI 2013):
 * an actor takes the first message in its FIFO mailbox that its current state does not defer;
 * deferred messages stay where they are, in order. Each actor therefore has at most one enabled
 * step, and a schedule is a sequence of actor indices (DESIGN.md decision 3).
 *
 * One exception, for interrupts: an *urgent* message (runtime/model.ts `URGENT`; the IRQ
 * controller's `irq.raise`) is taken ahead of that order, the oldest urgent one first, when the
 * receiver's current state handles it (a transition, not a deferral, a drop or an unhandled
 * message). So an IRQ raised to a CPU with IRQs enabled runs before whatever step of the CPU
 * was already waiting in its mailbox (a lock grant, the next step of its program), as the
 * hardware takes an interrupt at the next instruction boundary; a CPU with IRQs masked defers
 * it, and takes it first the moment it unmasks (local_irq_enable, spin_unlock_irqrestore).
 * Without this rule an IRQ could only come between two steps of the CPU when it was raised
 * before the second step was queued (issue 11 fault 2).
 *
 * The answer depends only on the actor, its local state and its mailbox's contents, which is
 * what lets the component table (Components.ts) memoize it once per component. It still picks
 * one message, so each actor keeps at most one enabled step. What changes for partial-order
 * reduction: an urgent send can change the receiver's enabled step (it overtakes the message
 * the receiver was about to take), so it is dependent with that step
 * (runtime/strategies/por/relation.ts, rule 2, argued there).
 */
import { URGENT } from './model.js';
import { Disposition, type StepTable } from './StepTable.js';

/**
 * The position in `mailbox[start .. start + length)` of the message `actor`, in local state
 * `local`, takes next; -1 when it takes none (the mailbox is empty, or every message in it is
 * deferred). Asks the step table (and through it xstate, once per new triple) how the state
 * disposes of each message it looks at.
 */
export function selectMessage(table: StepTable, actor: number, local: number, mailbox: Int32Array, start: number, length: number): number {
  for (let i = 0; i < length; i++) {
    const m = mailbox[start + i] as number;
    if (table.message(m)[URGENT] === true && table.outcome(actor, local, m).disposition === Disposition.Handled) return i;
  }
  for (let i = 0; i < length; i++) {
    if (table.outcome(actor, local, mailbox[start + i] as number).disposition !== Disposition.Deferred) return i;
  }
  return -1;
}
