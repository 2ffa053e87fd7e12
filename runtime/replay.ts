/**
 * Replay: run a schedule step by step, recording the trace, and check at every step that the
 * enabled set is the one the token recorded. A model that changed since the token was made is
 * caught at the first step where it behaves differently, and that step is named.
 *
 * The explorer uses the same function to turn a found path into a trace and a token, so what
 * a report prints is exactly what replay reproduces.
 */
import { Kernel, STEP_DISABLED, type Finding, type Move } from './Kernel.js';
import { ModelError } from './errors.js';
import type { Message } from './model.js';
import { TokenError, decodeSchedule, encodeSchedule, executionDigest, stepDigest, type Execution, type Schedule } from './schedule.js';
import { stateName } from './StepTable.js';
import { labelOf, loadSystem, type LoadedSystem, type SystemSpec } from './system.js';
import type { Checker, CheckerFactory } from './checkers/Checker.js';

export interface TraceStep {
  /** 1-based step number. */
  index: number;
  actor: string;
  /** The message the actor took from its mailbox. */
  message: Message;
  disposition: 'handled' | 'ignored' | 'unhandled' | 'error';
  /** Every actor's state after the step, in actor order. */
  states: string[];
  sends: Array<{ to: string; message: Message }>;
  findings: Finding[];
}

export interface Trace {
  system: string;
  actorNames: readonly string[];
  initialStates: string[];
  steps: TraceStep[];
  /** What is wrong in the end: the last step's failures, invariants, deadlock. */
  findings: Finding[];
}

export interface Divergence {
  /** 1-based step at which the model no longer matches the token. */
  step: number;
  /** 0 for the main execution, else the 1-based index of the evidence execution. */
  execution: number;
  message: string;
}

export interface ReplayResult {
  /** The main execution's trace. */
  trace: Trace;
  schedule: Schedule;
  token: string;
  /** Set when the model no longer matches the token at some step. Replay stops there. */
  divergence?: Divergence;
  /** The traces of the evidence executions, replayed before the main one (usually none). */
  evidence: Trace[];
}

const DISPOSITION_NAMES = ['handled', 'ignored', 'deferred', 'unhandled', 'error'] as const;

/**
 * Runs `path` (actor indices) from the initial state and builds its token. With `recorded`,
 * checks each step's enabled set and, in a version 2 token, each step's digest of actor and
 * message type against it, and stops at the first difference.
 *
 * `evidence`: paths from the initial state that run first, through the same checker instances,
 * because a finding at the end of `path` rests on what checkers accumulated over them (a lockdep
 * cycle whose edges come from several executions). The token then carries them (schedule.ts).
 */
export function runPath(
  kernel: Kernel,
  path: readonly number[],
  recorded?: Schedule,
  extraCheckers: readonly CheckerFactory[] = [],
  evidence: ReadonlyArray<readonly number[]> = recorded?.evidence?.map((e) => e.steps) ?? [],
): ReplayResult {
  const sys = kernel.system;
  const checkers = [...sys.checkers, ...extraCheckers].map((make) => make());
  const evidenceRuns: Run[] = [];
  for (let x = 0; x < evidence.length; x++) {
    const run = runOne(kernel, checkers, evidence[x] as readonly number[], recorded?.evidence?.[x], x + 1);
    evidenceRuns.push(run);
    if (run.divergence) {
      const schedule = scheduleOf(sys, run.execution, evidenceRuns.slice(0, -1).map((r) => r.execution));
      return { trace: run.trace, schedule, token: encodeSchedule(schedule), divergence: run.divergence, evidence: evidenceRuns.map((r) => r.trace) };
    }
  }
  const main = runOne(kernel, checkers, path, recorded, 0);
  const schedule = scheduleOf(sys, main.execution, evidenceRuns.map((r) => r.execution));
  return { trace: main.trace, schedule, token: encodeSchedule(schedule), ...(main.divergence ? { divergence: main.divergence } : {}), evidence: evidenceRuns.map((r) => r.trace) };
}

interface Run {
  trace: Trace;
  execution: Execution;
  divergence?: Divergence;
}

function scheduleOf(sys: Kernel['system'], main: Execution, evidence: Execution[]): Schedule {
  return { version: 2, actorCount: sys.actorNames.length, fingerprint: sys.fingerprint, ...main, evidence };
}

/** Runs one execution of a (possibly multi-execution) replay; `execution` 0 is the main one. */
function runOne(kernel: Kernel, checkers: Checker[], path: readonly number[], recorded: Execution | undefined, execution: number): Run {
  const sys = kernel.system;
  const names = sys.actorNames;
  let v = kernel.initial();
  const statesOf = (vec: Int32Array): string[] =>
    names.map((_, a) => {
      const snap = kernel.snapshot(vec, a);
      return labelOf(sys.spec.actors[a], snap.context) ?? stateName(snap);
    });
  const trace: Trace = { system: sys.name, actorNames: names, initialStates: statesOf(v), steps: [], findings: [] };
  const done: Execution = { steps: [], enabled: [], digests: [] };
  const taken: Array<{ actor: string; messageType: string }> = [];
  const where = (i: number): string => `step ${i + 1}${execution ? ` of evidence execution ${execution}` : ''}`;
  let divergence: Divergence | undefined;
  let lastFindings: Finding[] = kernel.initialFindings();

  for (let i = 0; i < path.length; i++) {
    const actor = path[i] as number;
    const enabled = kernel.enabledActors(v);
    const expected = recorded?.enabled[i];
    if (expected && !sameSet(expected, enabled)) {
      divergence = {
        step: i + 1,
        execution,
        message: `replay diverged at ${where(i)}: the token recorded enabled actors [${expected.map((a) => names[a] ?? `#${a}`).join(', ')}] but the model now enables [${enabled.map((a) => names[a]).join(', ')}]`,
      };
      break;
    }
    if (!enabled.includes(actor)) {
      divergence = { step: i + 1, execution, message: `replay diverged at ${where(i)}: actor '${names[actor] ?? `#${actor}`}' is not enabled` };
      break;
    }
    const next = kernel.newState();
    kernel.step(v, actor, next);
    const move = kernel.move(v, actor) as Move;
    const message = kernel.table.message(move.message);
    const name = names[actor] as string;
    const digest = stepDigest(name, message.type);
    done.steps.push(actor);
    done.enabled.push(enabled);
    done.digests.push(digest);
    taken.push({ actor: name, messageType: message.type });
    lastFindings = kernel.stepFindings(v, actor, next);
    lastFindings.push(...kernel.checkTransition(checkers, v, actor, next, i, () => path.slice(0, i + 1)));
    trace.steps.push({
      index: i + 1,
      actor: name,
      message,
      disposition: DISPOSITION_NAMES[move.outcome.disposition] as TraceStep['disposition'],
      states: statesOf(next),
      sends: kernel.sendsOf(move),
      findings: lastFindings,
    });
    v = next;
    const recordedDigest = recorded?.digests[i];
    if (recordedDigest !== undefined && recordedDigest !== digest) {
      divergence = {
        step: i + 1,
        execution,
        message: `replay diverged at ${where(i)}: '${name}' took '${message.type}', but the token recorded another message for this step (the model changed since the token was made)`,
      };
      break;
    }
  }
  done.digest = executionDigest(taken);
  if (!divergence && recorded?.digest !== undefined && path.length === 0 && recorded.digest !== done.digest) {
    divergence = {
      step: 0,
      execution,
      message: `replay cannot check ${execution ? `evidence execution ${execution}` : 'the token'}: it has no steps, but its digest is that of some steps; a token interleave makes for an execution of no steps has the digest of none (the token was edited)`,
    };
  }
  if (!divergence && recorded?.digest !== undefined && recorded.digests.length === path.length && recorded.digest !== done.digest) {
    divergence = {
      step: path.length,
      execution,
      message: `replay diverged by step ${path.length}${execution ? ` of evidence execution ${execution}` : ''}: the actors and message types taken differ from the token's at some step (the model changed since the token was made; each step's 8-bit digest matched by chance)`,
    };
  }
  if (!divergence) {
    const findings = [...lastFindings, ...kernel.invariantFindings(v)];
    if (kernel.enabledActors(v).length === 0) {
      const d = kernel.deadlockFinding(v);
      if (d) findings.push(d);
    }
    trace.findings = findings;
  }
  return { trace, execution: done, ...(divergence ? { divergence } : {}) };
}

/**
 * Replays a token on a system and returns the trace. `checkers` are run besides the system's
 * own (as an exploration given extra checkers ran them). A token that carries evidence
 * executions replays them first, through the same checker instances, then the main one.
 * Throws a ModelError (a TokenError) when the token is malformed or corrupt, or was made for a system
 * with another number of actors. A version 1 (`il1_`) token replays with its enabled sets
 * checked but no digests (`schedule.version` says which).
 *
 * @example
 * ```ts
 * const { trace, divergence } = replay(c1Buggy(2), 'il2_AgQ...');
 * console.log(formatTrace(trace));
 * ```
 */
export function replay(
  system: SystemSpec | LoadedSystem,
  token: string,
  options: { checkers?: readonly CheckerFactory[] } = {},
): ReplayResult & { fingerprintMatches: boolean; recorded: Schedule } {
  const loaded = 'actorIndex' in system ? system : loadSystem(system);
  const schedule = decodeSchedule(token);
  if (schedule.actorCount !== loaded.actorNames.length) {
    throw new TokenError(
      `replay token was recorded on a system of ${schedule.actorCount} actors; '${loaded.name}' has ${loaded.actorNames.length} (${loaded.actorNames.join(', ')})`,
    );
  }
  const result = runPath(new Kernel(loaded), schedule.steps, schedule, options.checkers);
  return { ...result, fingerprintMatches: schedule.fingerprint === loaded.fingerprint, recorded: schedule };
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Checks that `path` (a counterexample's actor indices) means the same when only its own
 * steps run as when every enabled step of each state along it is evaluated too, as a search
 * and {@link runPath} evaluate them; throws a ModelError naming the first step whose outcome
 * differs (issue 13; hostile tester F2). A step that reads a module-level variable another
 * actor's assign writes gives a false counterexample this way: the search evaluated the
 * writer's step while listing the enabled steps of a state, so the reader saw a write that never
 * happened on the path. Run it first thing in a freshly loaded copy of the model (the caller's
 * thread after a supervised search, whose module state no step has touched yet): there the lone
 * run sees the module as the path leaves it. For a model whose steps read only their context
 * and message the two runs agree step by step, so it never throws for one.
 */
export function checkPathAlone(system: LoadedSystem, path: readonly number[]): void {
  const alone = new Kernel(system);
  const names = system.actorNames;
  const lone: string[] = [];
  let v = alone.initial();
  for (let i = 0; i < path.length; i++) {
    const actor = path[i] as number;
    const next = alone.newState();
    if (alone.step(v, actor, next) === STEP_DISABLED) {
      lone.push('not enabled');
      break;
    }
    lone.push(stepText(alone, v, actor, next));
    v = next;
  }
  const aloneEnd = alone.invariantFindings(v).map((f) => f.message);
  const full = new Kernel(system);
  let w = full.initial();
  for (let i = 0; i < path.length; i++) {
    const actor = path[i] as number;
    full.enabledActors(w);
    const next = full.newState();
    const text = full.step(w, actor, next) === STEP_DISABLED ? 'not enabled' : stepText(full, w, actor, next);
    if (text !== lone[i]) {
      const snap = full.snapshot(w, actor);
      const move = full.move(w, actor);
      const on = move ? ` on message '${full.table.message(move.message).type}'` : '';
      throw new ModelError(
        `not deterministic: actor '${names[actor] as string}' in state '${stateName(snap)}'${on} (step ${i + 1} of a counterexample) gives a different result depending on which other steps were evaluated before it: ` +
          `run alone in a freshly loaded model, ${lone[i] ?? 'not reached'}; after the other enabled steps were evaluated, as the search does, ${text}. ` +
          'Another step writes something this step reads outside its context and message: a module-level variable, a global or a closure changed by an assign, guard or action parameter. Keep shared data in contexts and messages',
      );
    }
    if (text === 'not enabled') return;
    w = next;
  }
  const fullEnd = full.invariantFindings(w).map((f) => f.message);
  if (fullEnd.join('\n') !== aloneEnd.join('\n')) {
    throw new ModelError(
      `not deterministic: the invariants at the end of a ${path.length}-step counterexample give a different result depending on which other steps were evaluated: run alone in a freshly loaded model, ${aloneEnd.length ? aloneEnd.join('; ') : 'none fails'}; after the other enabled steps were evaluated too, ${fullEnd.length ? fullEnd.join('; ') : 'none fails'}. ` +
        'A step or an invariant reads something outside the states it is shown: a module-level variable, a global or a closure. Keep shared data in contexts and messages',
    );
  }
}

/** One step of {@link checkPathAlone} in words: the actor's next state, its sends and failures. */
function stepText(kernel: Kernel, v: Int32Array, actor: number, next: Int32Array): string {
  const move = kernel.move(v, actor) as Move;
  const snap = kernel.snapshot(next, actor);
  const context = snap.context && Object.keys(snap.context as object).length ? ` with context ${clipped(JSON.stringify(snap.context))}` : '';
  const sends = kernel.sendsOf(move).map((s) => `'${s.message.type}' to ${s.to}`);
  const failures = move.outcome.failures.map((f) => `${f.kind} ${clipped(JSON.stringify(f.message))}`);
  return [`it goes to state '${stateName(snap)}'${context}`, ...(sends.length ? [`sends ${sends.join(', ')}`] : []), ...failures].join(', ');
}

function clipped(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
