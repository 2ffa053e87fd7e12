/**
 * The delivery rule: which message an actor takes next. One function, used by the stepper for
 * every strategy, replay and shrinking alike, so a change of rule is a change in one place.
 *
 * The rule is P's (Desai et al., "P: Safe Asynchronous Event-Driven Programming", PLDI 2013):
 * an actor takes the first message in its FIFO mailbox that its current state does not defer;
 * deferred messages stay where they are, in order. Each actor therefore has at most one enabled
 * step, and a schedule is a sequence of actor indices (DESIGN.md decision 3).
 *
 * The answer depends only on the actor, its local state and its mailbox's contents, which is
 * what lets the component table (Components.ts) memoize it once per component. A future rule
 * (an interrupt taken ahead of FIFO order when the receiver's state accepts it) must keep that
 * property: decide from (actor, local state, mailbox) alone.
 */
import { Disposition, type StepTable } from './StepTable.js';

/**
 * The position in `mailbox[start .. start + length)` of the message `actor`, in local state
 * `local`, takes next; -1 when it takes none (the mailbox is empty, or every message in it is
 * deferred). Asks the step table (and through it xstate, once per new triple) how the state
 * disposes of each message it looks at.
 */
export function selectMessage(table: StepTable, actor: number, local: number, mailbox: Int32Array, start: number, length: number): number {
  for (let i = 0; i < length; i++) {
    if (table.outcome(actor, local, mailbox[start + i] as number).disposition !== Disposition.Deferred) return i;
  }
  return -1;
}
