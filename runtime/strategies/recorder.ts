/**
 * Turning findings into reported violations, shared by the reducing strategies (dpor, symmetry,
 * parallel) so they report exactly as the explorer does: one violation per kind+message, each
 * with its schedule replayed once from scratch (a model that does not reproduce its own finding
 * is not deterministic, and is told so) and its replay token.
 */
import { ModelError } from '../errors.js';
import { Kernel, type Finding } from '../Kernel.js';
import { runPath } from '../replay.js';
import type { LoadedSystem } from '../system.js';
import type { CheckerFactory } from '../checkers/Checker.js';
import { violationKey, type Violation } from '../violations.js';

export class ViolationRecorder {
  readonly violations: Violation[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly system: LoadedSystem,
    private readonly maxViolations: number,
    private readonly extraCheckers: readonly CheckerFactory[] = [],
    private readonly onViolation?: (v: Violation) => void,
  ) {}

  /** True once `maxViolations` distinct violations have been recorded. */
  get full(): boolean {
    return this.violations.length >= this.maxViolations;
  }

  has(f: Pick<Finding, 'kind' | 'message'>): boolean {
    return this.seen.has(violationKey(f));
  }

  /** Records `f` found at the end of `path` (actor indices), unless already recorded. */
  record(f: Finding, path: number[]): void {
    const key = violationKey(f);
    if (this.seen.has(key) || this.full) return;
    this.seen.add(key);
    this.violations.push(toViolation(this.system, f, path, this.extraCheckers));
    this.onViolation?.(this.violations[this.violations.length - 1] as Violation);
  }
}

/** Replays `path` once to get its token and to check the model reproduces `f`. */
export function toViolation(system: LoadedSystem, f: Finding, path: number[], extraCheckers: readonly CheckerFactory[] = []): Violation {
  const key = violationKey(f);
  const replayed = runPath(new Kernel(system), path, undefined, extraCheckers);
  const reproduced = f.acrossExecutions === true || replayed.trace.findings.some((g) => violationKey(g) === key);
  if (!reproduced) {
    throw new ModelError(
      `the model is not deterministic: a fresh replay of the schedule ${replayed.token} did not reproduce "${f.message}". ` +
        'Look for Math.random, Date.now or mutable module state in guards, assigns or action parameters.',
    );
  }
  const violation: Violation = { kind: f.kind, message: f.message, path, token: replayed.token };
  if (f.actor !== undefined) violation.actor = f.actor;
  if (f.deadlock) violation.deadlock = f.deadlock;
  if (f.report !== undefined) violation.report = f.report;
  if (f.acrossExecutions) violation.acrossExecutions = true;
  return violation;
}
