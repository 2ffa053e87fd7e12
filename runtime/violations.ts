/**
 * Violations are data (DESIGN.md decision 7): what went wrong, in a sentence, plus the
 * shortest known schedule that leads there, its replay token, and structured details that
 * reports render (the who-waits-for-what table of a deadlock).
 */
import type { ResourceView } from './system.js';

export type ViolationKind =
  | 'assertion'
  | 'invariant'
  | 'deadlock'
  | 'unhandled-message'
  | 'mailbox-overflow'
  | 'actor-error'
  // Reported by checkers (runtime/checkers/):
  | 'lock-order'
  | 'irq-safety'
  | 'lock-recursion'
  | 'lock-leak'
  | 'use-after-free'
  | 'sleep-in-atomic'
  | 'data-race'
  | 'liveness';

/**
 * Kinds that checkers report (runtime/checkers/): findings about a run that goes on, not the end
 * of one. By default a search records the first of each kind and does not stop for them.
 */
export const CHECKER_KINDS: ReadonlySet<ViolationKind> = new Set<ViolationKind>(['lock-order', 'irq-safety', 'lock-recursion', 'lock-leak', 'use-after-free', 'sleep-in-atomic', 'data-race', 'liveness']);

/** One actor that cannot move in a deadlocked state. */
export interface BlockedActor {
  actor: string;
  state: string;
  /** Message types its state has transitions for. */
  awaits: string[];
  /** Message types waiting in its mailbox that its state defers. */
  deferred: string[];
  /**
   * The resource it waits for, if a daemon's `resources` (a lock) or `waits` (`running`: a
   * callback or work item it waits to end, `heldBy` running it) names it as a waiter.
   */
  waitsFor?: { resource: string; guardedBy: string; heldBy: string[]; running?: true };
}

export interface DeadlockDetails {
  blocked: BlockedActor[];
  /** Every resource the daemons report, with the actor guarding it. */
  resources: Array<ResourceView & { guardedBy: string }>;
  /** A cycle in the wait-for graph, as actor names, first repeated at the end; if any. */
  cycle?: string[];
}

export interface Violation {
  kind: ViolationKind;
  /** One sentence, naming the actor, state and message at fault. */
  message: string;
  /** The actor whose step failed (not set for invariant and deadlock). */
  actor?: string;
  /** Actor indices stepped from the initial state; the violation happens at the end. */
  path: number[];
  /** The replay token of `path` (see schedule.ts). */
  token: string;
  deadlock?: DeadlockDetails;
  /** A multi-line report that goes with the sentence (a lockdep chain and scenario table). */
  report?: string;
  /** The checker's evidence spans several executions; the schedule shows where it completed. */
  acrossExecutions?: boolean;
  /** The other executions the finding rests on (paths from the initial state); `token` carries them. */
  evidence?: number[][];
  /** Set when the schedule was shrunk (runtime/shrink.ts): the length of the schedule found. */
  shrunkFromSteps?: number;
}

/** How a violation is told apart from another when several are collected. */
export function violationKey(v: Pick<Violation, 'kind' | 'message'>): string {
  return `${v.kind}\u0000${v.message}`;
}
