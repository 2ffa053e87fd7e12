/**
 * Replay: run a schedule step by step, recording the trace, and check at every step that the
 * enabled set is the one the token recorded. A model that changed since the token was made is
 * caught at the first step where it behaves differently, and that step is named.
 *
 * The explorer uses the same function to turn a found path into a trace and a token, so what
 * a report prints is exactly what replay reproduces.
 */
import { Kernel, type Finding, type Move } from './Kernel.js';
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
