/**
 * The report: what one invocation found, as data. Every output format (text, JSON, Mermaid,
 * JUnit, the HTML viewer) is rendered from it, and the JSON form is its serialization, with a
 * versioned schema documented in `cli/SCHEMA.md`. Bump {@link SCHEMA_VERSION} on any change
 * that a reader of version 1 would misread (removing or retyping a field); adding a field is
 * not such a change.
 *
 * Counterexamples carry their whole trace, step by step: every actor's state (its `label` when
 * it has one, e.g. lock ownership), what was sent, every mailbox's contents and every resource
 * (lock) with its holder and waiters. The viewer needs nothing else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Kernel } from '../../runtime/Kernel.js';
import { runPath } from '../../runtime/replay.js';
import { loadSystem, resourcesOf, type LoadedSystem, type ResourceView, type SystemSpec } from '../../runtime/system.js';
import { describeMessage } from '../../runtime/trace.js';
import type { ExploreResult, ExploreStats } from '../../runtime/explorer.js';
import type { CheckerFactory } from '../../runtime/checkers/Checker.js';
import type { Message } from '../../runtime/model.js';
import type { DeadlockDetails, Violation, ViolationKind } from '../../runtime/violations.js';
import type { CatalogueEntry, Expectation } from '../../scenarios/types.js';

export const SCHEMA_VERSION = 1;

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'interleave'; version: string };
  /** The command that made the report, e.g. `explore C1/buggy/2g --strategy bfs`. */
  command: string;
  runs: RunReport[];
  summary: { runs: number; violations: number; asExpected: number; notAsExpected: number; exitCode: number };
}

export interface RunReport {
  /** What was run: a catalogue key (`C1/buggy/2g`) or a model file as given. */
  key: string;
  origin: 'catalogue' | 'file';
  /** Catalogue fields; null for a model file. */
  scenario: string | null;
  variant: 'buggy' | 'fixed' | null;
  config: string | null;
  title: string | null;
  /** Where the modelled code comes from (seed file, upstream commit). */
  source: string | null;
  expected: Expectation | null;
  /** The system's name. */
  system: string;
  strategy: string;
  seed: number | null;
  /** What the verdict means for a strategy that is not exhaustive (sampling, bounded), in a sentence. */
  note: string | null;
  /** Sampling strategies: schedules executed, and the 1-based run that found the first violation. */
  samples: ExploreResult['runs'] | null;
  /** Preemption bounding: the bound searched, where the first violation was found, verified up to. */
  preemptions: ExploreResult['preemptions'] | null;
  verdict: ExploreResult['verdict'];
  /** Whether the verdict matches `expected` (null without an expectation). */
  asExpected: boolean | null;
  complete: boolean;
  bound: ExploreResult['bound'] | null;
  /** Stopped by Ctrl-C; the stats are those of the last progress report. */
  interrupted: boolean;
  timeMs: number;
  stats: ExploreStats;
  /**
   * The checkers that judged the run, by name: transition checkers as they report
   * (`lockdep`, `use-after-free`, a model's own), then whole-graph analyses (`race`,
   * `liveness`); `--checkers` chooses them (runtime/checkers/select.ts).
   */
  checkers: string[];
  violations: ViolationReport[];
}

export interface ViolationReport {
  kind: ViolationKind;
  /** The sentence. */
  message: string;
  actor: string | null;
  token: string;
  /** Steps in the counterexample. */
  length: number;
  /** Steps in the schedule the strategy found, when it was shrunk to `length`; else null. */
  shrunkFrom: number | null;
  /** The command that replays it. */
  replay: string;
  acrossExecutions: boolean;
  /** How many other explored executions the finding rests on; its token replays them first (lockdep). */
  evidenceExecutions: number;
  deadlock: DeadlockDetails | null;
  /** A multi-line report (lockdep's chain and CPU0/CPU1 table), if the checker gave one. */
  report: string | null;
  trace: TraceReport;
}

export interface TraceReport {
  actors: Array<{ name: string; daemon: boolean }>;
  /** Step 0 is the initial state; step i is the state after the i-th step. */
  steps: StepReport[];
  /** What is wrong at the end of the trace. */
  findings: Array<{ kind: ViolationKind; message: string }>;
}

export interface MessageReport {
  type: string;
  from: string | null;
  /** `type(field=value,...)`, as traces print it. */
  text: string;
  /** The message itself (plain data). */
  fields: Record<string, unknown>;
}

export interface StepReport {
  index: number;
  /** The actor that took a message (null at step 0). */
  actor: string | null;
  message: MessageReport | null;
  disposition: 'handled' | 'ignored' | 'unhandled' | 'error' | null;
  /** Every actor's state after the step, in actor order (its label if it has one). */
  states: string[];
  sends: Array<{ to: string; message: MessageReport }>;
  /** Every actor's mailbox after the step, oldest first, in actor order. */
  mailboxes: MessageReport[][];
  /** Every resource (lock) that an actor's `resources` reports, after the step. */
  resources: Array<ResourceView & { guardedBy: string }>;
  findings: Array<{ kind: ViolationKind; message: string }>;
}

/** What a run was made from. */
/** Where a run's system came from; an entry's `catalogue` is the `--catalogue` file (absent: the built-in catalogue). */
export type RunOrigin = { kind: 'entry'; key: string; entry: CatalogueEntry; catalogue?: string } | { kind: 'file'; key: string; file: string };

export interface RunInput {
  origin: RunOrigin;
  system: SystemSpec;
  strategy: string;
  seed?: number;
  result: ExploreResult;
  timeMs: number;
  interrupted?: boolean;
  /** Checkers the exploration used besides the system's own (a catalogue entry's `explore.checkers`). */
  checkers?: readonly CheckerFactory[];
  /** The names of every checker that judged the run (see {@link RunReport.checkers}); default: the system's and `checkers`. */
  checkerNames?: readonly string[];
}

let cachedVersion: string | undefined;
export function toolVersion(): string {
  if (cachedVersion === undefined) {
    try {
      // cli/reports/ in a source checkout, dist/cli/reports/ in the package: the nearest package.json up.
      let dir = new URL('./', import.meta.url);
      while (!existsSync(new URL('package.json', dir)) && dir.pathname !== '/') dir = new URL('../', dir);
      cachedVersion = (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string }).version;
    } catch {
      cachedVersion = '0.0.0';
    }
  }
  return cachedVersion;
}

/** `kind: message`, without repeating the kind when the sentence already starts with it. */
export function kindAndMessage(kind: string, message: string): string {
  return message.startsWith(`${kind}:`) ? message : `${kind}: ${message}`;
}

/** An expectation in words, for reports: `verified`, `deadlock violation`, `no violation found (non-exhaustive search)`. */
export function expectationSentence(e: Expectation): string {
  if (e.verdict === 'verified') return 'verified';
  if (e.verdict === 'incomplete') return 'no violation found (non-exhaustive search)';
  return `${e.kind} violation`;
}

/**
 * True when `result` is what `expected` says. `incomplete` (a sampling strategy's entry) matches
 * a search that ended without verifying and found no violation.
 */
export function matchesExpectation(expected: Expectation, result: ExploreResult): boolean {
  if (expected.verdict === 'verified') return result.verdict === 'verified';
  if (expected.verdict === 'incomplete') return result.verdict === 'incomplete' && result.violations.length === 0;
  return result.violations.some((v) => v.kind === expected.kind);
}

/** The command that replays `token` on what `origin` names. */
export function replayCommand(origin: RunOrigin, token: string): string {
  return `npx interleave replay ${origin.key}@${token}${origin.kind === 'entry' && origin.catalogue !== undefined ? ` --catalogue ${shellWord(origin.catalogue)}` : ''}`;
}

/** `word` as one shell word: as it is when it is plain, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/u.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** One run's report, with the full trace of every violation. */
export function runReport(input: RunInput): RunReport {
  const { origin, result } = input;
  const entry = origin.kind === 'entry' ? origin.entry : undefined;
  const loaded = loadSystem(input.system);
  return {
    key: origin.key,
    origin: origin.kind === 'entry' ? 'catalogue' : 'file',
    scenario: entry?.id ?? null,
    variant: entry?.variant ?? null,
    config: entry?.config ?? null,
    title: entry?.title ?? null,
    source: entry?.source ?? null,
    expected: entry?.expected ?? null,
    system: result.system,
    strategy: input.strategy,
    seed: input.seed ?? result.seed ?? null,
    note: result.note ?? null,
    samples: result.runs ?? null,
    preemptions: result.preemptions ?? null,
    verdict: result.verdict,
    asExpected: entry ? matchesExpectation(entry.expected, result) : null,
    complete: result.complete,
    bound: result.bound ?? null,
    interrupted: input.interrupted === true,
    timeMs: Math.round(input.timeMs * 10) / 10,
    stats: result.stats,
    checkers: [...(input.checkerNames ?? [...loaded.checkers, ...(input.checkers ?? [])].map((make) => make().name)), ...(input.checkerNames ? [] : loaded.analyses)],
    violations: result.violations.map((v) => violationReport(loaded, origin, v, input.checkers)),
  };
}

export function violationReport(loaded: LoadedSystem, origin: RunOrigin, v: Violation, checkers: readonly CheckerFactory[] = []): ViolationReport {
  return {
    kind: v.kind,
    message: v.message,
    actor: v.actor ?? null,
    token: v.token,
    length: v.path.length,
    shrunkFrom: v.shrunkFromSteps ?? null,
    replay: replayCommand(origin, v.token),
    acrossExecutions: v.acrossExecutions === true,
    evidenceExecutions: v.evidence?.length ?? 0,
    deadlock: v.deadlock ?? null,
    report: v.report ?? null,
    trace: traceReport(loaded, v.path, checkers, v.evidence ?? []),
  };
}

/**
 * The trace of `path` with per-step mailboxes and resources. States, sends and findings come
 * from the engine's own replay (`runPath`), so they are exactly what `replay` prints; mailboxes
 * and resources from a second pass over the same steps with a fresh {@link Kernel}.
 */
export function traceReport(loaded: LoadedSystem, path: readonly number[], checkers: readonly CheckerFactory[] = [], evidence: ReadonlyArray<readonly number[]> = []): TraceReport {
  const { trace } = runPath(new Kernel(loaded), path, undefined, checkers, evidence);
  const kernel = new Kernel(loaded);
  const names = loaded.actorNames;
  const snapshotOf = (v: Int32Array): Pick<StepReport, 'mailboxes' | 'resources'> => {
    const view = kernel.view(v);
    const resources: StepReport['resources'] = [];
    names.forEach((name, a) => {
      for (const r of resourcesOf(loaded.spec.actors[a], kernel.snapshot(v, a).context)) resources.push({ ...r, guardedBy: name });
    });
    return { mailboxes: names.map((n) => view.mailbox(n).map(messageReport)), resources };
  };
  let v = kernel.initial();
  const steps: StepReport[] = [
    { index: 0, actor: null, message: null, disposition: null, states: trace.initialStates, sends: [], ...snapshotOf(v), findings: [] },
  ];
  for (const [i, step] of trace.steps.entries()) {
    const next = kernel.newState();
    kernel.step(v, path[i] as number, next);
    v = next;
    steps.push({
      index: step.index,
      actor: step.actor,
      message: messageReport(step.message),
      disposition: step.disposition,
      states: step.states,
      sends: step.sends.map((s) => ({ to: s.to, message: messageReport(s.message) })),
      ...snapshotOf(v),
      findings: step.findings.map((f) => ({ kind: f.kind, message: f.message })),
    });
  }
  return {
    actors: names.map((name, a) => ({ name, daemon: loaded.daemon[a] === true })),
    steps,
    findings: trace.findings.map((f) => ({ kind: f.kind, message: f.message })),
  };
}

export function messageReport(m: Message): MessageReport {
  return { type: m.type, from: m.from ?? null, text: describeMessage(m), fields: { ...m } };
}

/** The whole report of an invocation. */
export function makeReport(command: string, runs: RunReport[], exitCode: number): Report {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'interleave', version: toolVersion() },
    command,
    runs,
    summary: {
      runs: runs.length,
      violations: runs.reduce((n, r) => n + r.violations.length, 0),
      asExpected: runs.filter((r) => r.asExpected === true).length,
      notAsExpected: runs.filter((r) => r.asExpected === false).length,
      exitCode,
    },
  };
}

