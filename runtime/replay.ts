/**
 * Replay: run a schedule step by step, recording the trace, and check at every step that the
 * enabled set is the one the token recorded. A model that changed since the token was made is
 * caught at the first step where it behaves differently, and that step is named.
 *
 * The explorer uses the same function to turn a found path into a trace and a token, so what
 * a report prints is exactly what replay reproduces.
 */
import { ModelError } from './errors.js';
import { Kernel, type Finding } from './Kernel.js';
import type { Message } from './model.js';
import { decodeSchedule, encodeSchedule, type Schedule } from './schedule.js';
import { Disposition, stateName } from './StepTable.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from './system.js';
import type { CheckerFactory } from './checkers/Checker.js';

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
  message: string;
}

export interface ReplayResult {
  trace: Trace;
  schedule: Schedule;
  token: string;
  /** Set when the enabled set at some step differs from the recorded one. Replay stops there. */
  divergence?: Divergence;
}

const DISPOSITION_NAMES = ['handled', 'ignored', 'deferred', 'unhandled', 'error'] as const;

/**
 * Runs `path` (actor indices) from the initial state. With `recorded`, checks each step's
 * enabled set against it and stops at the first difference.
 */
export function runPath(kernel: Kernel, path: readonly number[], recorded?: Schedule, extraCheckers: readonly CheckerFactory[] = []): ReplayResult {
  const sys = kernel.system;
  const checkers = [...sys.checkers, ...extraCheckers].map((make) => make());
  const names = sys.actorNames;
  let v = kernel.initial();
  const statesOf = (vec: Int32Array): string[] =>
    names.map((_, a) => {
      const snap = kernel.table.snapshot(a, vec[a] as number);
      const label = sys.spec.actors[a]?.label;
      return label ? label(snap.context) : stateName(snap);
    });
  const trace: Trace = { system: sys.name, actorNames: names, initialStates: statesOf(v), steps: [], findings: [] };
  const schedule: Schedule = { actorCount: names.length, fingerprint: sys.fingerprint, steps: [], enabled: [] };
  let divergence: Divergence | undefined;
  let lastFindings: Finding[] = kernel.initialFindings();

  for (let i = 0; i < path.length; i++) {
    const actor = path[i] as number;
    const enabled = kernel.enabledActors(v);
    const expected = recorded?.enabled[i];
    if (expected && !sameSet(expected, enabled)) {
      divergence = {
        step: i + 1,
        message: `replay diverged at step ${i + 1}: the token recorded enabled actors [${expected.map((a) => names[a] ?? `#${a}`).join(', ')}] but the model now enables [${enabled.map((a) => names[a]).join(', ')}]`,
      };
      break;
    }
    if (!enabled.includes(actor)) {
      divergence = { step: i + 1, message: `replay diverged at step ${i + 1}: actor '${names[actor] ?? `#${actor}`}' is not enabled` };
      break;
    }
    schedule.steps.push(actor);
    schedule.enabled.push(enabled);
    const len = kernel.successor(v, actor);
    const outcome = kernel.lastOutcome;
    const message = kernel.table.message(kernel.lastMessage);
    lastFindings = kernel.stepFindings(actor);
    lastFindings.push(...kernel.checkTransition(checkers, v, actor, len, i));
    const next = kernel.out.slice(0, len);
    const sends: TraceStep['sends'] = [];
    const s = outcome?.sends ?? new Int32Array(0);
    for (let j = 0; j < s.length; j += 2) sends.push({ to: names[s[j] as number] as string, message: kernel.table.message(s[j + 1] as number) });
    trace.steps.push({
      index: i + 1,
      actor: names[actor] as string,
      message,
      disposition: DISPOSITION_NAMES[outcome?.disposition ?? Disposition.Handled] as TraceStep['disposition'],
      states: statesOf(next),
      sends,
      findings: lastFindings,
    });
    v = next;
  }
  if (!divergence) {
    const findings = [...lastFindings, ...kernel.invariantFindings(v)];
    if (kernel.enabledActors(v).length === 0) {
      const d = kernel.deadlockFinding(v);
      if (d) findings.push(d);
    }
    trace.findings = findings;
  }
  return { trace, schedule, token: encodeSchedule(schedule), ...(divergence ? { divergence } : {}) };
}

/**
 * Replays a token on a system and returns the trace. `checkers` are run besides the system's
 * own (as an exploration given extra checkers ran them). Throws {@link ModelError} when the token
 * is malformed or was made for a system with another number of actors.
 *
 * @example
 * ```ts
 * const { trace, divergence } = replay(c1Buggy(2), 'il1_AQUA...');
 * console.log(formatTrace(trace));
 * ```
 */
export function replay(
  system: SystemSpec | LoadedSystem,
  token: string,
  options: { checkers?: readonly CheckerFactory[] } = {},
): ReplayResult & { fingerprintMatches: boolean } {
  const loaded = 'actorIndex' in system ? system : loadSystem(system);
  const schedule = decodeSchedule(token);
  if (schedule.actorCount !== loaded.actorNames.length) {
    throw new ModelError(
      `replay token was recorded on a system of ${schedule.actorCount} actors; '${loaded.name}' has ${loaded.actorNames.length} (${loaded.actorNames.join(', ')})`,
    );
  }
  const result = runPath(new Kernel(loaded), schedule.steps, schedule, options.checkers);
  return { ...result, fingerprintMatches: schedule.fingerprint === loaded.fingerprint };
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
