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
  /** The actors that declare `resources`, in actor order (absent: ask every actor). */
  readonly guards?: readonly string[];
  /**
   * An id of the named actor's local state and mailbox together: equal ids mean equal local
   * state and mailbox, in this exploration. For caching what depends on nothing else.
   */
  component?(name: string): number;
}

export interface TransitionEvent {
  // The engine hands every call the same event object, its fields set for that step: keep what
  // you need of its fields, never the event or its views.
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
  /**
   * The execution this step belongs to: actor indices from the initial state through this step
   * (the last one is `actor`'s). Computed on demand, so call it only on the cold path (a checker
   * keeps it for the facts a finding may rest on, to put in `Finding.evidence`). Absent when the
   * caller does not know the path.
   */
  path?: () => number[];
}

/**
 * What one step does, whatever the rest of the global state: the same for every state in which
 * the actor has the same local state and mailbox (the engine computes a step once per such pair).
 */
export interface StepFacts {
  actor: string;
  /** The message it takes. */
  message: Message;
  /** What it sends, in order. */
  sends: ReadonlyArray<{ to: string; message: Message }>;
  /** The actor's own context before and after the step. */
  before: unknown;
  after: unknown;
}

export interface Checker {
  /** Shown in reports, e.g. `lockdep`. */
  readonly name: string;
  /**
   * True when its findings depend on the transitions it saw before (lockdep's dependency graph),
   * not on each transition alone. The parallel search gives each worker its own checkers, so
   * such a checker would see only a worker's share: a clean parallel pass is then confirmed by
   * one thread (runtime/parallel/coordinator.ts).
   */
  readonly accumulates?: boolean;
  /**
   * Judges one transition; returns what is wrong (empty or undefined if nothing). A finding's
   * `kind` is a non-empty string: 'assertion', 'invariant' or a kind of the checker's own; the
   * kinds only the engine establishes ('deadlock', 'unhandled-message', 'mailbox-overflow',
   * 'actor-error') are refused, as is `evidence` that is not an array of paths of actor indices
   * (a model error naming the checker; runtime/callbacks.ts).
   */
  onTransition?(event: TransitionEvent): Finding[] | undefined;
  /**
   * Whether `onTransition` can find anything, or learn anything, from a step with these facts, in
   * any global state. The engine asks once per distinct step and skips building the transition
   * event when no checker wants it (lockdep looks only at steps that take locks or turn IRQs on).
   * A checker without it sees every transition.
   */
  relevant?(step: StepFacts): boolean;
}

/** Makes a fresh checker for one exploration or replay. */
export type CheckerFactory = () => Checker;
