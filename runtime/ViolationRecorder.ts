/**
 * Turning findings into reported violations, the same way for every strategy: one violation per
 * kind and message, each with its schedule replayed once from scratch on a fresh engine (a model
 * that does not reproduce its own finding is not deterministic, and is told so: STYLE.md
 * practice 11) and its replay token.
 */
import { ModelError } from './errors.js';
import { Kernel, type Finding } from './Kernel.js';
import { runPath } from './replay.js';
import type { LoadedSystem } from './system.js';
import type { CheckerFactory } from './checkers/Checker.js';
import { CHECKER_KINDS, violationKey, type Violation } from './violations.js';

export class ViolationRecorder {
  readonly violations: Violation[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly system: LoadedSystem,
    readonly maxViolations: number,
    private readonly extraCheckers: readonly CheckerFactory[] = [],
    private readonly onViolation?: (v: Violation) => void,
    /**
     * The default when no `maxViolations` was asked for (issue 12 fault 4): record the first
     * violation of each kind, and stop at the first one that ends a run (a deadlock, an
     * assertion, ...), not at a checker's finding (CHECKER_KINDS), so a lock-order report does
     * not hide the deadlock it leads to.
     */
    readonly distinctKinds = false,
  ) {}

  /** True once `maxViolations` distinct violations have been recorded (distinct kinds: once one ends a run). */
  get full(): boolean {
    if (this.distinctKinds) return this.violations.some((v) => !CHECKER_KINDS.has(v.kind));
    return this.violations.length >= this.maxViolations;
  }

  has(f: Pick<Finding, 'kind' | 'message'>): boolean {
    return this.seen.has(violationKey(f));
  }

  /** Records `f` found at the end of `path` (actor indices), unless already recorded. */
  record(f: Finding, path: readonly number[]): void {
    const key = violationKey(f);
    if (this.seen.has(key) || this.full) return;
    if (this.distinctKinds && this.violations.some((v) => v.kind === f.kind)) return;
    this.seen.add(key);
    const violation = toViolation(this.system, f, [...path], this.extraCheckers);
    this.violations.push(violation);
    this.onViolation?.(violation);
  }
}

/** Replays `path` once to get its token and to check the model reproduces `f`. */
export function toViolation(system: LoadedSystem, f: Finding, path: number[], extraCheckers: readonly CheckerFactory[] = []): Violation {
  const key = violationKey(f);
  const replayed = runPath(new Kernel(system), path, undefined, extraCheckers, f.evidence ?? []);
  const withoutEvidence = f.acrossExecutions === true && !f.evidence?.length;
  const reproduced = withoutEvidence || replayed.trace.findings.some((g) => violationKey(g) === key);
  if (!reproduced && replayed.divergence && replayed.divergence.execution > 0) {
    throw new ModelError(
      `a checker's finding '${f.kind}' ("${f.message}") rests on evidence execution ${replayed.divergence.execution} of ${f.evidence?.length ?? 0}, which cannot be replayed: ${replayed.divergence.message}. ` +
        "A finding's evidence must be paths the checker was shown (TransitionEvent.path), in the order it saw them",
    );
  }
  if (!reproduced) {
    // Steps run under traps for Math.random and clocks (purity.ts) and are evaluated twice and
    // again after the search (StepTable), so what is left is state outside the contexts and
    // messages that something else changes between the search and this replay.
    throw new ModelError(
      `the model is not deterministic: the search found "${f.message}" at the end of the schedule ${replayed.token}, but a replay of that schedule on a new engine did not show it. ` +
        'Something the steps, invariants or checkers read is not in the actors\' contexts and messages and changed in between: a module-level variable, a global or a closure ' +
        'that an assign, guard, action parameter, invariant or checker writes, or a call of Math.random or a clock in an invariant or checker.',
    );
  }
  return violationOf(f, path, replayed.token);
}

/** The violation of finding `f` at the end of `path`, whose replay token is `token`. */
export function violationOf(f: Finding, path: readonly number[], token: string): Violation {
  const v: Violation = { kind: f.kind, message: f.message, path: [...path], token };
  if (f.actor !== undefined) v.actor = f.actor;
  if (f.deadlock) v.deadlock = f.deadlock;
  if (f.report !== undefined) v.report = f.report;
  if (f.acrossExecutions) v.acrossExecutions = true;
  if (f.evidence?.length) v.evidence = f.evidence.map((p) => [...p]);
  return v;
}
