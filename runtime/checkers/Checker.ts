/**
 * Checkers judge steps as the explorer computes them (DESIGN.md decision 7). A checker sees
 * every transition of the state graph exactly once per exploration (including transitions into
 * states already visited), with the global state before and after, the message taken and the
 * messages sent. It can keep its own memory across executions: lockdep accumulates its lock
 * dependency graph over every explored execution, and reports a cycle even when no explored
 * run deadlocks.
 *
 * Checkers are domain-agnostic: they observe protocol messages by their conventional types
 * (`spin.acquire`, `spin.granted`, ...) and the actors' `resources` views, and import nothing
 * from protocols/.
 *
 * A system lists checker factories, so each exploration and each replay gets fresh instances.
 */
import type { Finding } from '../Kernel.js';
import type { Message } from '../model.js';
import type { GlobalView, ResourceView } from '../system.js';

/** A global state as checkers see it: a {@link GlobalView} plus the actors' `resources`. */
export interface CheckerView extends GlobalView {
  /** What the named actor guards (from its `resources`), or [] if it declares none. */
  resources(name: string): ResourceView[];
}

export interface TransitionEvent {
  /** The actor that took a message. */
  actor: string;
  /** The message it took (stamped with `from`). */
  message: Message;
  /** What it sent, in order. */
  sends: ReadonlyArray<{ to: string; message: Message }>;
  /** The global state before the step (valid only during the call: the buffers behind it are reused). */
  before: CheckerView;
  /** The global state after the step. */
  after: CheckerView;
  /** Steps from the initial state to `before`. */
  depth: number;
}

export interface Checker {
  /** Shown in reports, e.g. `lockdep`. */
  readonly name: string;
  /** Judges one transition; returns what is wrong (empty or undefined if nothing). */
  onTransition?(event: TransitionEvent): Finding[] | undefined;
}

/** Makes a fresh checker for one exploration or replay. */
export type CheckerFactory = () => Checker;
