/**
 * Shrinking a violating schedule: the same violation (same kind, same message) with fewer
 * steps, then fewer preemptions, then fewer actors involved.
 *
 * The algorithm is greedy delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating
 * Failure-Inducing Input", TSE 2002) over the sequence of actor steps, with moves that group an
 * actor's steps together to remove preemptions, in the spirit of the schedule shrinking of
 * fast-check's scheduler and of QuickCheck's shrinkers:
 *
 * 1. drop every step of one actor;
 * 2. drop chunks of steps, halving the chunk size down to single steps (ddmin's complement test);
 * 3. move a step to just after its actor's previous step, or to just before its next one.
 *
 * A candidate is judged by executing it leniently: a step whose actor is not enabled any more
 * (its message was never sent, because a removed step would have sent it) is skipped rather
 * than failing, and execution stops as soon as the target violation occurs, so the schedule
 * kept is what actually ran. A candidate is kept only when that reproduces the target, with no
 * other step failure before it, and when (steps, preemptions, actors) is lexicographically
 * smaller than the best so far. That order is well founded and never grows the step count, so
 * the result is never longer than the input, and the loop ends (also bounded by `maxAttempts`).
 *
 * The returned schedule is replayed strictly by {@link runPath} to build its token and to
 * check it reproduces the violation: the token replays with `replay` exactly.
 */
import { ModelError, internalAssert } from './errors.js';
import { violationOf } from './ViolationRecorder.js';
import { Kernel, STEP_DISABLED, STEP_FAILS, type Finding } from './Kernel.js';
import { runPath } from './replay.js';
import { decodeSchedule } from './schedule.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from './system.js';
import type { CheckerFactory } from './checkers/Checker.js';
import { violationKey, type Violation } from './violations.js';

export interface ShrinkOptions {
  /** The violation to keep. Default: the first one the schedule runs into. */
  target?: Pick<Violation, 'kind' | 'message'>;
  /** Checkers in addition to the system's own (as given to the strategy that found the violation). */
  checkers?: CheckerFactory[];
  /** Give up improving after this many candidate executions. Default 20,000. */
  maxAttempts?: number;
  /** Asked before each candidate: true keeps the best schedule found so far (a deadline, an interrupt). */
  shouldStop?: () => boolean;
}

/** How big a schedule is, in the order shrinking minimises. */
export interface ScheduleSize {
  steps: number;
  /** Switches away from the actor that stepped last while it was still enabled. */
  preemptions: number;
  /** Distinct actors that step. */
  actors: number;
}

export interface ShrinkResult {
  /** The shrunk schedule (actor indices), never longer than the input. */
  path: number[];
  /** Its replay token. */
  token: string;
  /** The violation, as the strategies report it, with the shrunk path and token. */
  violation: Violation;
  before: ScheduleSize;
  after: ScheduleSize;
  /** Candidate schedules executed. */
  attempts: number;
}

interface Candidate {
  path: number[];
  size: ScheduleSize;
  /** The violation it ran into. */
  finding: Finding;
}

/**
 * Shrinks a violating schedule, given as actor indices or as a replay token.
 *
 * @example
 * ```ts
 * const [v] = randomWalks(spec, { seed: 3 }).violations;
 * const small = shrink(spec, v!.token, { target: v });
 * console.log(`${small.before.steps} -> ${small.after.steps} steps; replay ${small.token}`);
 * ```
 */
export function shrink(system: SystemSpec | LoadedSystem, schedule: readonly number[] | string, options: ShrinkOptions = {}): ShrinkResult {
  const loaded = 'actorIndex' in system ? system : loadSystem(system);
  const input = typeof schedule === 'string' ? stepsOfToken(loaded, schedule) : [...schedule];
  const maxAttempts = options.maxAttempts ?? 20_000;
  if (!Number.isInteger(maxAttempts) || maxAttempts <= 0) throw new ModelError(`option maxAttempts must be a positive integer, got ${String(maxAttempts)}`);
  const kernel = new Kernel(loaded);
  const checkers = options.checkers ?? [];

  const targetFinding = options.target ?? execute(kernel, input, undefined, checkers)?.finding;
  if (!targetFinding) throw new ModelError(`the schedule to shrink (${input.length} steps) runs into no violation on '${loaded.name}'`);
  const target = violationKey(targetFinding);
  let attempts = 0;
  const run = (candidate: readonly number[]): Candidate | undefined => {
    attempts++;
    return execute(kernel, candidate, target, checkers);
  };

  const first = run(input);
  if (!first) throw new ModelError(`the schedule to shrink does not produce "${targetFinding.message}" on '${loaded.name}'`);
  const before = first.path.length === input.length ? first.size : sizeOf(kernel, input);
  let best = first;
  /** Tries `candidate`; keeps it if it reproduces and is smaller. */
  const attempt = (candidate: number[]): boolean => {
    if (attempts >= maxAttempts || options.shouldStop?.()) return false;
    const r = run(candidate);
    if (!r || !smaller(r.size, best.size)) return false;
    best = r;
    return true;
  };

  for (let improved = true; improved && attempts < maxAttempts && !options.shouldStop?.(); ) {
    improved = dropActors(() => best.path, attempt);
    improved = dropChunks(() => best.path, attempt) || improved;
    improved = moveSteps(() => best.path, attempt) || improved;
  }

  const replayed = runPath(new Kernel(loaded), best.path, undefined, checkers);
  const found = replayed.trace.findings.find((f) => violationKey(f) === target);
  internalAssert(found && !replayed.divergence, `the shrunk schedule ${replayed.token} replays to "${targetFinding.message}"`);
  internalAssert(best.path.length <= input.length, 'shrinking never lengthens a schedule');
  return { path: best.path, token: replayed.token, violation: violationOf(found, best.path, replayed.token), before, after: best.size, attempts };
}

/**
 * A reported violation with its schedule shrunk, as the search loop reports it: kept as found
 * when its evidence spans several executions, when shrinking cannot make it shorter, or when
 * shrinking fails (shrinking is a convenience: the found schedule stands); else the shrunk one,
 * with `shrunkFromSteps`.
 */
export function shrinkViolation(system: LoadedSystem, v: Violation, checkers: readonly CheckerFactory[], maxAttempts: number, shouldStop?: () => boolean): Violation {
  if (v.acrossExecutions || v.path.length <= 1) return v;
  try {
    const s = shrink(system, v.path, { target: v, checkers: [...checkers], maxAttempts, ...(shouldStop ? { shouldStop } : {}) });
    if (s.path.length >= v.path.length) return v;
    return { ...s.violation, shrunkFromSteps: v.path.length };
  } catch (err) {
    if (err instanceof ModelError) return v;
    throw err;
  }
}

/** Step 1: drop every step of one actor, for each actor in turn. */
function dropActors(current: () => number[], attempt: (c: number[]) => boolean): boolean {
  let improved = false;
  for (const a of [...new Set(current())].sort((x, y) => x - y)) {
    if (attempt(current().filter((b) => b !== a))) improved = true;
  }
  return improved;
}

/** Step 2: drop chunks of steps, from half the schedule down to single steps. */
function dropChunks(current: () => number[], attempt: (c: number[]) => boolean): boolean {
  let improved = false;
  for (let size = Math.max(1, current().length >> 1); ; size = Math.max(1, size >> 1)) {
    for (let i = 0; i < current().length; ) {
      const p = current();
      if (attempt([...p.slice(0, i), ...p.slice(i + size)])) improved = true;
      else i += size;
    }
    if (size === 1) return improved;
  }
}

/** Step 3: move a step next to its actor's previous or next step (fewer preemptions). */
function moveSteps(current: () => number[], attempt: (c: number[]) => boolean): boolean {
  let improved = false;
  for (let j = 1; j < current().length; j++) {
    const p = current();
    const a = p[j] as number;
    const prev = p.lastIndexOf(a, j - 1);
    if (prev >= 0 && prev < j - 1 && attempt(moved(p, j, prev + 1))) improved = true;
  }
  for (let i = current().length - 2; i >= 0; i--) {
    const p = current();
    if (i >= p.length - 1) continue;
    const next = p.indexOf(p[i] as number, i + 1);
    if (next > i + 1 && attempt(moved(p, i, next - 1))) improved = true;
  }
  return improved;
}

/** `p` with the element at `from` moved to index `to`. */
function moved(p: readonly number[], from: number, to: number): number[] {
  const out = [...p];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x as number);
  return out;
}

/**
 * Runs `candidate` leniently (skipping steps of actors not enabled) until the `target` violation
 * (any violation, if undefined) occurs; returns what ran, or undefined if the target never
 * occurs or another step fails first.
 */
function execute(kernel: Kernel, candidate: readonly number[], target: string | undefined, checkerFactories: readonly CheckerFactory[]): Candidate | undefined {
  const checkers = [...kernel.system.checkers, ...checkerFactories].map((make) => make());
  let finding: Finding | undefined;
  const hits = (fs: readonly Finding[]): boolean => {
    finding = fs.find((f) => target === undefined || violationKey(f) === target);
    return finding !== undefined;
  };
  const path: number[] = [];
  let preemptions = 0;
  let v = kernel.initial();
  const done = (): Candidate => ({ path, size: { steps: path.length, preemptions, actors: new Set(path).size }, finding: finding as Finding });
  if (hits(kernel.initialFindings()) || hits(kernel.invariantFindings(v))) return done();
  let enabled = kernel.enabledActors(v);
  for (const a of candidate) {
    if (enabled.length === 0) break;
    if (!enabled.includes(a)) continue;
    const last = path[path.length - 1];
    if (last !== undefined && last !== a && enabled.includes(last)) preemptions++;
    const next = kernel.newState();
    const status = kernel.step(v, a, next);
    path.push(a);
    const stepFailures = status === STEP_FAILS ? kernel.stepFindings(v, a, next) : [];
    if (hits([...kernel.checkTransition(checkers, v, a, next, path.length - 1, () => [...path]), ...stepFailures])) return done();
    if (stepFailures.length) return undefined;
    v = next;
    const broken = kernel.invariantFindings(v);
    if (hits(broken)) return done();
    if (broken.length) {
      // The explorer also reports a deadlock in a state that breaks an invariant.
      const d = kernel.enabledActors(v).length === 0 ? kernel.deadlockFinding(v) : undefined;
      return d && hits([d]) ? done() : undefined;
    }
    enabled = kernel.enabledActors(v);
  }
  if (enabled.length === 0) {
    const d = kernel.deadlockFinding(v);
    if (d && hits([d])) return done();
  }
  return undefined;
}

/** The size of a schedule, replayed strictly (for an input that ran past its violation). */
function sizeOf(kernel: Kernel, path: readonly number[]): ScheduleSize {
  let preemptions = 0;
  let v = kernel.initial();
  for (let i = 0; i < path.length; i++) {
    const a = path[i] as number;
    const enabled = kernel.enabledActors(v);
    const last = path[i - 1];
    if (last !== undefined && last !== a && enabled.includes(last)) preemptions++;
    const next = kernel.newState();
    if (kernel.step(v, a, next) === STEP_DISABLED) break;
    v = next;
  }
  return { steps: path.length, preemptions, actors: new Set(path).size };
}

function smaller(a: ScheduleSize, b: ScheduleSize): boolean {
  if (a.steps !== b.steps) return a.steps < b.steps;
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  return a.actors < b.actors;
}

function stepsOfToken(system: LoadedSystem, token: string): number[] {
  const s = decodeSchedule(token);
  if (s.actorCount !== system.actorNames.length) {
    throw new ModelError(`replay token was recorded on a system of ${s.actorCount} actors; '${system.name}' has ${system.actorNames.length} (${system.actorNames.join(', ')})`);
  }
  return s.steps;
}
