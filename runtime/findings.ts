/**
 * Findings and their prose: what went wrong at one step or in one state, before a strategy
 * attaches a schedule to it (ViolationRecorder.ts turns a finding into a reported
 * {@link Violation}). The sentences live here, next to the data they describe (violations.ts),
 * not in the stepper: the stepper (Kernel.ts) says *what* happened (which actor, which
 * failure, who waits for what) and these functions say it in words, as the reports print it.
 *
 * The text is part of the product: specs and reports pin it, and a violation is told apart from
 * another by kind and message (violations.ts `violationKey`), so any change here changes which
 * violations count as distinct. Keep it exact.
 */
import type { BlockedActor, DeadlockDetails, ViolationKind } from './violations.js';
import type { StepFailure } from './StepTable.js';

/** A failure found at a step or in a state, before it gets its schedule. */
export interface Finding {
  kind: ViolationKind;
  message: string;
  actor?: string;
  deadlock?: DeadlockDetails;
  /** A multi-line report that goes with the sentence (a lockdep chain and scenario table). */
  report?: string;
  /**
   * True when the finding rests on what a checker accumulated over several executions (a
   * lockdep cycle whose edges come from different runs): replaying the one schedule attached
   * shows where it was completed, not the whole evidence.
   */
  acrossExecutions?: boolean;
  /**
   * The paths (actor indices from the initial state) of the other executions the finding rests
   * on, in the order a checker must see them; the replay token carries them (schedule.ts), so
   * replay reproduces the finding.
   */
  evidence?: number[][];
}

/** A failure of one step of actor `name` (an assertion, an unhandled message, an actor error). */
export function stepFailureFinding(name: string, f: StepFailure): Finding {
  const message = f.kind === 'assertion' ? `assertion failed in actor '${name}': ${f.message}` : f.message;
  return { kind: f.kind, message, actor: name };
}

/** A mailbox holding `length` messages, above its `bound`; `when` says how it got there. */
export function overflowFinding(name: string, length: number, bound: number, when: string): Finding {
  return {
    kind: 'mailbox-overflow',
    message: `mailbox of actor '${name}' overflowed ${when}: ${length} messages, bound ${bound} (raise mailboxBound, or find who sends without waiting)`,
    actor: name,
  };
}

/** An invariant that does not hold; `result` is what its check returned (false or a reason). */
export function invariantFinding(name: string, result: false | string): Finding {
  return { kind: 'invariant', message: `invariant '${name}' violated${typeof result === 'string' ? `: ${result}` : ''}` };
}

/** A deadlock: the blocked actors and the resources, with the wait-for cycle if there is one. */
export function deadlockFinding(blocked: BlockedActor[], resources: DeadlockDetails['resources']): Finding {
  const cycle = waitForCycle(blocked);
  const details: DeadlockDetails = { blocked, resources, ...(cycle ? { cycle } : {}) };
  return { kind: 'deadlock', message: deadlockSentence(details), deadlock: details };
}

/** Finds a cycle in "actor waits for a resource held by actor" edges. */
export function waitForCycle(blocked: readonly BlockedActor[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const b of blocked) if (b.waitsFor) edges.set(b.actor, b.waitsFor.heldBy);
  for (const start of [...edges.keys()].sort()) {
    const path: string[] = [];
    let at: string | undefined = start;
    while (at !== undefined && !path.includes(at)) {
      path.push(at);
      at = edges.get(at)?.[0];
    }
    if (at !== undefined) return [...path.slice(path.indexOf(at)), at];
  }
  return undefined;
}

/** The deadlock sentence: who waits for what, then the wait-for cycle. */
export function deadlockSentence(d: DeadlockDetails): string {
  const parts = d.blocked.map((b) => {
    if (b.waitsFor) {
      const by = b.waitsFor.heldBy.join(', ');
      const held = b.waitsFor.running ? (by ? `running on ${by}` : 'not running') : by ? `held by ${by}` : 'not held by anyone';
      return `'${b.actor}' waits for ${b.waitsFor.resource} (${held})`;
    }
    const awaits = b.awaits.length ? `one of [${b.awaits.join(', ')}]` : 'nothing it can handle';
    const deferred = b.deferred.length ? `; it defers [${b.deferred.join(', ')}]` : '';
    return `'${b.actor}' in state '${b.state}' waits for ${awaits}${deferred}`;
  });
  const cycle = d.cycle ? ` Wait-for cycle: ${d.cycle.join(' -> ')}.` : '';
  return `deadlock: no actor can take a step, and ${parts.join('; ')}.${cycle}`;
}
