/**
 * `interleave explore <scenario-key|model file>` and `interleave replay <target@token>`.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SystemSource } from '../../runtime/parallel/source.js';
import { loadSystem } from '../../runtime/system.js';
import { replay, runPath } from '../../runtime/replay.js';
import { Kernel } from '../../runtime/Kernel.js';
import { outcomes, queriesOf, reach, type OutcomesResult, type QueryAnswer } from '../../runtime/queries.js';
import { querySupervised, type SupervisedOptions } from '../supervised/host.js';
import type { ExploreResult } from '../../runtime/result.js';
import { formatTrace } from '../../runtime/trace.js';
import { byteSize, choice, durationMs, positiveInt, seedValue, type CommandDef, type ParsedArgs } from '../args.js';
import { EXIT, UsageError } from '../errors.js';
import { checkerNames, chooseCheckers, isRandomised, runExploration, strategyNames, type RunSettings } from '../explore.js';
import { CHECKER_NAMES, splitCheckerList } from '../../runtime/checkers/select.js';
import type { Io } from '../io.js';
import { DEFAULT_HEAP_FRACTION, memoryBound } from '../memory.js';
import { BUILT_IN_CATALOGUE, blamed, resolveTarget, type Target } from '../load.js';
import { progressSink } from '../progress.js';
import { makeReport, replayCommand as replayCommandOf, runReport, toolVersion, traceReport, type RunOrigin, type RunReport } from '../reports/report.js';
import { TRACE_COLUMN_WIDTH } from '../reports/text.js';
import { checkReportFile, reportText, writeReportAfter } from '../reports/write.js';
import { escapeControl, escapeControlDeep } from '../reports/escape.js';

export const CHECKERS_OPTION = {
  name: 'checkers',
  value: '<list>',
  help: `checkers to run, comma-separated: ${CHECKER_NAMES.join(', ')}, a checker of the model's own by name, default (the model's own: the default), all, none`,
};

const CATALOGUE_OPTION = { name: 'catalogue', value: '<file>', help: 'take scenario keys from this module (exporting `catalogue`) instead of the built-in one' };

export const exploreDef: CommandDef = {
  name: 'explore',
  summary: 'Explore every interleaving of a catalogue scenario or of your own model, and report what is wrong.',
  positionals: [{ name: '<scenario-key|model file>', required: true, help: "a catalogue key (see 'interleave list') or a .ts/.js file exporting a system" }],
  options: [
    { name: 'strategy', value: '<name>', help: `search strategy: ${strategyNames().join(', ')} (default: the entry's, else bfs: shortest counterexamples)` },
    { name: 'seed', value: '<n>', help: 'seed of randomised strategies (0 to 4294967295)' },
    { name: 'max-states', value: '<n>', help: 'stop after storing this many distinct states (default 5,000,000)' },
    { name: 'max-depth', value: '<n>', help: 'do not go deeper than this many steps (default 1,000,000)' },
    { name: 'max-violations', value: '<n>', help: "stop after this many distinct violations (default: the first of each kind; a checker's finding does not stop the search, a deadlock or assertion does)" },
    CHECKERS_OPTION,
    { name: 'reach', value: '<name,...|all>', help: "answer the model's reachability queries (its 'reachable' list) instead of searching for violations: reachable (with the shortest witness and its replay token), unreachable, or incomplete" },
    { name: 'outcomes', help: "print the distinct final states (no actor can move), each as every actor's label, with a witness token each, as litmus tools print the possible results" },
    { name: 'time-limit', value: '<duration>', help: 'stop this long after the command started (loading the model counts): seconds (30), or with a unit (500ms, 30s, 2m)' },
    { name: 'step-time-limit', value: '<duration>', help: 'a single step (guards, assigns, actions of one transition) still running after this long is a hang: the search stops with its partial result (default 10s)' },
    { name: 'max-memory', value: '<size>', help: `stop when the JavaScript heap holds this much: megabytes (512), or with a unit (512MB, 2GB) (default ${Math.round(DEFAULT_HEAP_FRACTION * 100)}% of node's heap limit)` },
    { name: 'hash-compact', help: 'store 64-bit state fingerprints only (hash compaction, as TLC): far less memory, but the search is probabilistic; the report gives the chance a state was missed (bfs, symmetry, pct, random)' },
    { name: 'workers', value: '<n>', help: 'worker threads for breadth-first search (default 1; n > 1 runs parallel-bfs: same result as bfs)' },
    { name: 'no-trace', help: "print each violation's sentence, report and replay command but not its step-by-step trace (replay prints it)" },
    { name: 'json', help: 'print the JSON report (schema: cli/SCHEMA.md) instead of text' },
    { name: 'report', value: '<file>', help: 'also write the report; format by extension: .json .txt .md (Mermaid) .xml (JUnit) .html (viewer)' },
    CATALOGUE_OPTION,
  ],
  epilogue: [
    'Ctrl-C stops the search and prints the partial result.',
    'exit codes: 0 verified, 1 violation found, 2 usage or model error, 3 incomplete (a bound tripped or Ctrl-C);',
    '  with --reach/--outcomes: 0 answered (reachable or unreachable; every outcome), 3 incomplete (the state bound cut the search)',
    'examples:',
    '  interleave explore C1/buggy/2g',
    '  interleave explore ./examples/twoCpuLock.ts --strategy dfs --report out/twoCpuLock.json',
    '  interleave explore ./examples/flagHandshake.ts --reach both-claimed',
  ].join('\n'),
};

export async function exploreCommand(args: ParsedArgs, io: Io, command: string): Promise<number> {
  const o = args.options;
  const strategyOption = choice('strategy', o.strategy, strategyNames());
  const givenSeed = seedValue(o.seed);
  const maxStates = positiveInt('max-states', o['max-states'], 'states');
  const maxDepth = positiveInt('max-depth', o['max-depth'], 'steps');
  const maxViolations = positiveInt('max-violations', o['max-violations'], 'violations');
  const timeLimitMs = durationMs('time-limit', o['time-limit']);
  const requestedMemory = byteSize('max-memory', o['max-memory']);
  if (requestedMemory !== undefined) memoryBound(requestedMemory);
  const stepTimeLimitMs = durationMs('step-time-limit', o['step-time-limit']);
  const workers = positiveInt('workers', o.workers, 'worker threads');
  const cores = availableParallelism();
  if (workers !== undefined && workers > cores) {
    throw new UsageError(`option --workers ${workers} is more than this machine's ${cores} available core${cores === 1 ? '' : 's'} (os.availableParallelism()); use at most --workers ${cores}`);
  }
  const reportFile = typeof o.report === 'string' ? o.report : undefined;
  if (reportFile) checkReportFile(reportFile);
  if (o['no-trace'] && o.json) throw new UsageError('option --no-trace does not apply to --json: the JSON report always carries each trace');
  const target = await resolveTarget(args.positionals[0] as string, typeof o.catalogue === 'string' ? o.catalogue : undefined);
  if (o.reach !== undefined || o.outcomes) {
    // --strategy bfs is what they do (new-user finding): accepted; any other strategy is not.
    if (o.strategy !== undefined && o.strategy !== 'bfs') {
      throw new UsageError(`option --strategy ${String(o.strategy)} does not apply to --reach or --outcomes: they explore every reachable state breadth-first (--strategy bfs, bounded by --max-states)`);
    }
    for (const name of ['seed', 'max-depth', 'max-violations', 'time-limit', 'max-memory', 'hash-compact', 'workers', 'checkers', 'report', 'no-trace'] as const) {
      if (o[name] !== undefined) throw new UsageError(`option --${name} does not apply to --reach or --outcomes: they explore every reachable state breadth-first (bounded by --max-states)`);
    }
    const names = typeof o.reach === 'string' ? (o.reach === 'all' ? undefined : splitCheckerList(o.reach)) : [];
    if (!o.json) io.err(`answering ${o.reach !== undefined ? `--reach ${String(o.reach)}` : ''}${o.reach !== undefined && o.outcomes ? ' and ' : ''}${o.outcomes ? '--outcomes' : ''} on ${target.key} (system '${target.system.name}')\n`);
    const supervision = io.supervise
      ? {
          source: systemSource(target, typeof o.catalogue === 'string' ? o.catalogue : undefined),
          options: {
            ...(stepTimeLimitMs === undefined ? {} : { stepTimeLimitMs }),
            onSlowStep: (step: string, limitMs: number) =>
              io.err(`still in ${escapeControl(step)} after a second; a step is stopped as a hang after ${Math.round(limitMs / 1000)} s (--step-time-limit), Ctrl-C stops now\n`),
            ...(io.signal ? { signal: io.signal } : {}),
          },
        }
      : undefined;
    return blamed(target, () => queryTarget(target, io, command, { names, outcomes: o.outcomes === true, json: o.json === true, ...(maxStates === undefined ? {} : { maxStates }) }, supervision));
  }
  const { checkers: entryCheckers = [], ...entryOptions } = target.kind === 'entry' ? (target.entry.explore ?? {}) : {};
  const chosenCheckers = chooseCheckers(target.system, entryCheckers, o.checkers);
  const judged: Target = { ...target, system: chosenCheckers.system };
  const chosen = strategyOption ?? (target.kind === 'entry' ? target.entry.strategy : undefined) ?? entryOptions.strategy ?? 'bfs';
  if (workers !== undefined && workers > 1 && chosen !== 'bfs' && chosen !== 'parallel-bfs') {
    throw new UsageError(`option --workers ${workers} runs a parallel breadth-first search; it does not combine with --strategy ${chosen} (use bfs)`);
  }
  const strategy = workers !== undefined && workers > 1 ? 'parallel-bfs' : chosen;
  const parallel = strategy === 'parallel-bfs' ? { workers: workers ?? 2, source: systemSource(target, typeof o.catalogue === 'string' ? o.catalogue : undefined) } : {};
  // A seed a strategy does not use is said so and dropped (as TLC takes -seed only with
  // -simulate): the result line and the report name no seed the search did not use. A warning
  // and not an error, so one command line can be run with every strategy.
  if (givenSeed !== undefined && !isRandomised(strategy)) io.err(`note: --seed has no effect with --strategy ${strategy}; it seeds randomised strategies (pct, random), so it is ignored here\n`);
  const seed = isRandomised(strategy) ? givenSeed : undefined;
  if (!o.json) io.err(`exploring ${target.key} (system '${target.system.name}') with ${strategy}; Ctrl-C stops and prints the partial result\n`);

  const shown = { trace: o['no-trace'] !== true, checkers: o.checkers !== undefined, distinctKinds: maxViolations === undefined && entryOptions.maxViolations === undefined };
  return blamed(target, () => exploreTarget(judged, io, command, reportFile, o.json === true, checkerNames(chosenCheckers.selection), shown, {
    ...entryOptions,
    analyses: chosenCheckers.selection.analyses,
    ...(chosenCheckers.list ? { checkerNames: chosenCheckers.list } : {}),
    strategy,
    ...(seed === undefined ? {} : { seed }),
    ...(maxStates === undefined ? {} : { maxStates }),
    ...(maxDepth === undefined ? {} : { maxDepth }),
    ...(maxViolations === undefined ? {} : { maxViolations }),
    // The limit bounds the whole command (the CLI's clock is performance.now(), as io.startedAt).
    ...(timeLimitMs === undefined ? {} : { timeLimitMs, timeOrigin: io.startedAt ?? 0 }),
    ...(requestedMemory === undefined ? {} : { maxMemoryBytes: requestedMemory }),
    ...(stepTimeLimitMs === undefined ? {} : { stepTimeLimitMs }),
    slowStep: (step: string, limitMs: number) =>
      io.err(`still in ${escapeControl(step)} after a second; a step is stopped as a hang after ${Math.round(limitMs / 1000)} s (--step-time-limit), Ctrl-C stops now\n`),
    ...(io.supervise ? { supervise: systemSource(target, typeof o.catalogue === 'string' ? o.catalogue : undefined) } : {}),
    ...(o['hash-compact'] ? { hashCompact: true } : {}),
    ...parallel,
    progress: progressSink((t) => (io.status ?? io.err)(t), io.isTTY, () => performance.now()),
    ...(io.signal ? { signal: io.signal } : {}),
  }));
}

async function exploreTarget(
  target: Target,
  io: Io,
  command: string,
  reportFile: string | undefined,
  json: boolean,
  checkers: string[],
  shown: { trace: boolean; checkers: boolean; distinctKinds: boolean },
  settings: RunSettings,
): Promise<number> {
  const { result, timeMs, interrupted } = await runExploration(target.system, settings);
  const { strategy, seed } = settings;
  const run = runReport({ origin: originOf(target), system: target.system, strategy, ...(seed === undefined ? {} : { seed }), result, timeMs, interrupted, checkerNames: checkers });
  const code = run.verdict === 'verified' ? EXIT.ok : run.verdict === 'violation' ? EXIT.violation : EXIT.incomplete;
  const report = makeReport(command, [run], code);
  if (json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(`${reportText(report, { trace: shown.trace })}
${summaryLines(run, shown).map((l) => `${l}
`).join('')}`);
  return reportFile ? writeReportAfter(reportFile, report, code, io.err, 'explore') : code;
}

/**
 * What the text report adds after the violations: which checkers judged the run (when
 * `--checkers` chose them), and, when the search collected the first violation of each kind,
 * that it did and how to see more.
 */
function summaryLines(run: RunReport, shown: { checkers: boolean; distinctKinds: boolean }): string[] {
  const lines: string[] = [];
  const kinds = [...new Set(run.violations.map((v) => v.kind))];
  if (shown.distinctKinds && kinds.length > 1) {
    lines.push('', `found ${kinds.length} kinds of violation (${kinds.join(', ')}), the first of each: a checker's finding does not stop the search; --max-violations <n> collects up to n, of any kind`);
  }
  return lines;
}

/**
 * `explore --reach` / `--outcomes`: the model's reachability queries answered, and its outcome
 * set, over the reachable state graph (runtime/queries.ts). Exit 0 when every answer is final
 * (reachable or unreachable, every outcome found), 3 when the state bound cut the graph.
 */
async function queryTarget(
  target: Target,
  io: Io,
  command: string,
  q: { names: string[] | undefined; outcomes: boolean; json: boolean; maxStates?: number },
  supervision: { source: SystemSource; options: SupervisedOptions } | undefined,
): Promise<number> {
  const loaded = loadSystem(target.system);
  const bound = q.maxStates === undefined ? {} : { maxStates: q.maxStates };
  let answers: QueryAnswer[];
  let outs: OutcomesResult | undefined;
  let stopped: ExploreResult | undefined;
  if (supervision) {
    // In a worker thread watched by this one, as explore's search (cli/supervised/host.ts).
    const got = await querySupervised(supervision.source, { ...(q.names === undefined ? {} : { names: q.names }), outcomes: q.outcomes, ...bound }, supervision.options);
    answers = got.answers;
    outs = got.outcomes;
    stopped = got.stopped;
  } else {
    const asked = q.names === undefined || q.names.length > 0 ? queriesOf(loaded, q.names) : [];
    answers = asked.length ? reach(loaded, asked, bound) : [];
    outs = q.outcomes ? outcomes(loaded, bound) : undefined;
  }
  if (stopped) return queriesStopped(target, io, command, q.json, stopped);
  const incomplete = answers.some((a) => a.answer === 'incomplete') || (outs !== undefined && !outs.complete);
  const code = incomplete ? EXIT.incomplete : EXIT.ok;
  const origin = originOf(target);
  if (q.json) {
    const data = {
      schemaVersion: 1,
      kind: 'queries',
      tool: { name: 'interleave', version: toolVersion() },
      command,
      key: target.key,
      system: loaded.name,
      queries: answers.map((a) => ({ ...a, ...(a.token ? { replay: replayCommandOf(origin, a.token), trace: traceReport(loaded, a.path ?? []) } : {}) })),
      outcomes: outs ? { ...outs, outcomes: outs.outcomes.map((x) => ({ ...x, replay: replayCommandOf(origin, x.token) })) } : null,
      exitCode: code,
    };
    io.out(`${JSON.stringify(data, null, 2)}\n`);
    return code;
  }
  const out: string[] = [];
  const n = (x: number): string => x.toLocaleString('en-US');
  for (const a of answers) {
    if (out.length) out.push('');
    if (a.answer === 'reachable') {
      out.push(`reach '${a.name}': reachable in ${a.steps} step${a.steps === 1 ? '' : 's'} (a shortest witness; ${n(a.states)} states explored)`);
      out.push(formatTrace(escapeControlDeep(runPath(new Kernel(loaded), a.path ?? []).trace), { maxColumnWidth: TRACE_COLUMN_WIDTH }));
      out.push(`replay: ${replayCommandOf(origin, a.token as string)}`);
    } else if (a.answer === 'unreachable') {
      out.push(`reach '${a.name}': unreachable: every reachable state explored (${n(a.states)} states), none satisfies it`);
    } else if (a.interrupted) {
      out.push(`reach '${a.name}': incomplete: not reached in the first ${n(a.states)} states before Ctrl-C; nothing is proven`);
    } else {
      out.push(`reach '${a.name}': incomplete: not reached in the first ${n(a.states)} states (bound maxStates = ${n(a.maxStates as number)}); nothing is proven: raise --max-states`);
    }
  }
  if (outs) {
    if (out.length) out.push('');
    const states = `${n(outs.states)} states`;
    out.push(`outcomes of ${target.key}: ${outs.outcomes.length} distinct final state${outs.outcomes.length === 1 ? '' : 's'} (${outs.complete ? `every reachable state explored, ${states}` : outs.interrupted ? `incomplete: Ctrl-C stopped the search after ${states}; more may exist` : `incomplete: the bound maxStates = ${n(outs.maxStates)} cut the search; more may exist`})`);
    for (const x of outs.outcomes) out.push(`  ${x.labels.join('; ')};${x.deadlock ? '  (deadlock)' : ''}  ${x.token}`);
    if (outs.outcomes.length) out.push(`replay one: ${replayCommandOf(originOf(target), '<token>')}`);
  }
  io.out(`${out.join('\n')}\n`);
  return code;
}

/** A supervised query task that was stopped (a step that did not return, Ctrl-C): what stopped it; exit 3. */
function queriesStopped(target: Target, io: Io, command: string, json: boolean, stopped: ExploreResult): number {
  const why = stopped.bound?.hint ?? stopped.note ?? 'stopped';
  if (json) {
    const data = { schemaVersion: 1, kind: 'queries', tool: { name: 'interleave', version: toolVersion() }, command, key: target.key, system: stopped.system, queries: [], outcomes: null, stopped: { covered: stopped.covered, ...(stopped.bound ? { bound: stopped.bound } : {}), ...(stopped.note ? { note: stopped.note } : {}) }, exitCode: EXIT.incomplete };
    io.out(`${JSON.stringify(data, null, 2)}\n`);
  } else io.out(`no answer: ${escapeControl(why)}\n`);
  return EXIT.incomplete;
}

/** Where parallel-bfs's worker threads build the target's system from. */
export function systemSource(target: Target, catalogueFile: string | undefined): SystemSource {
  if (target.kind === 'file') return { module: resolve(target.file) };
  const catalogue = catalogueFile ? resolve(catalogueFile) : fileURLToPath(BUILT_IN_CATALOGUE);
  return { module: catalogue, export: 'catalogue', key: target.key };
}

export function originOf(target: Target): RunOrigin {
  return target.kind === 'entry' ? { kind: 'entry', key: target.key, entry: target.entry, ...(target.catalogue === undefined ? {} : { catalogue: target.catalogue }) } : { kind: 'file', key: target.key, file: target.file };
}

export const replayDef: CommandDef = {
  name: 'replay',
  summary: 'Replay a schedule token on a catalogue scenario or a model file, printing the trace step by step.',
  positionals: [
    { name: '<target@token>', required: true, help: 'e.g. C1/buggy/2g@il2_Ag... or ./my-model.ts@il2_Ag... (as reports print it)' },
    { name: '<token>', required: false, help: 'the token, if not joined to the target with @' },
  ],
  options: [{ name: 'json', help: 'print the replayed trace as JSON (the trace part of the report schema)' }, { ...CHECKERS_OPTION, help: 'checkers to judge the replay by, as explore takes them (give the same list the token was found with)' }, CATALOGUE_OPTION],
  epilogue: [
    'Replay checks at every step that the model enables the same actors and takes the same message types as when',
    'the token was made, and names the first step where it does not (the model changed). A token damaged in copying',
    'fails its checksum and is reported as corrupt (exit 2).',
    'exit codes: 0 replayed, no violation at the end; 1 a violation shows (or the replay diverged); 2 usage or model error',
  ].join('\n'),
};

export async function replayCommand(args: ParsedArgs, io: Io): Promise<number> {
  const [first, second] = args.positionals as [string, string | undefined];
  let targetArg = first;
  let token = second;
  if (token !== undefined && /@il\d+_/.test(first)) {
    throw new UsageError(`unexpected argument '${token}': the token is already joined to the target in '${first}'; give <target>@<token>, or <target> <token>`);
  }
  if (token === undefined) {
    const at = first.lastIndexOf('@');
    if (at < 0) throw new UsageError(`missing token: write <target>@<token> (e.g. C1/buggy/2g@il2_...) or give the token as a second argument`);
    targetArg = first.slice(0, at);
    token = first.slice(at + 1);
  }
  if (targetArg === '') throw new UsageError(`missing target before '@${token}': name a catalogue key or a model file`);
  if (token === '') throw new UsageError(`missing token after '${targetArg}@'`);
  const target = await resolveTarget(targetArg, typeof args.options.catalogue === 'string' ? args.options.catalogue : undefined);
  return blamed(target, () => replayTarget(target, token, args, io));
}

function replayTarget(target: Target, token: string, args: ParsedArgs, io: Io): number {
  const chosen = chooseCheckers(target.system, target.kind === 'entry' ? (target.entry.explore?.checkers ?? []) : [], args.options.checkers);
  const loaded = loadSystem(chosen.system);
  const replayed = replay(loaded, token);
  const { trace, divergence } = replayed;
  const violated = trace.findings.length > 0;
  const code = divergence || violated ? EXIT.violation : EXIT.ok;
  if (args.options.json) {
    const data = {
      schemaVersion: 1,
      kind: 'replay',
      key: target.key,
      system: loaded.name,
      token,
      tokenVersion: replayed.recorded.version ?? 2,
      fingerprintMatches: replayed.fingerprintMatches,
      evidenceExecutions: replayed.evidence.length,
      divergence: divergence ?? null,
      trace: traceReport(loaded, replayed.schedule.steps),
      findings: trace.findings.map((f) => ({ kind: f.kind, message: f.message })),
    };
    io.out(`${JSON.stringify(data, null, 2)}\n`);
    return code;
  }
  if (!replayed.fingerprintMatches) io.err(`note: the token was made on a system with other actor names or machine ids than '${loaded.name}' has now\n`);
  if (replayed.recorded.version === 1) {
    io.err("note: this is a version 1 token (il1_): it has no step digests and no checksum, so only a change in the enabled actors shows as a divergence; run explore again for an il2_ token\n");
  }
  // The token as given, unless it is very long (a forged one of 116,000 characters): its start then.
  const shownToken = token.length > 400 ? `${token.slice(0, 60)}... (${token.length.toLocaleString('en-US')} characters)` : token;
  io.out(`replaying ${shownToken} (${replayed.recorded.steps.length} steps) on ${target.key} (system '${loaded.name}')\n`);
  if (replayed.evidence.length) {
    const executions = `${replayed.evidence.length.toLocaleString('en-US')} evidence execution${replayed.evidence.length === 1 ? '' : 's'}`;
    io.out(
      loaded.checkers.length
        ? `replayed ${executions} first: the finding rests on what the checkers saw in them\n`
        : `replayed ${executions} first, though no checker runs on this system to read them: they change nothing here (was the token made with --checkers? give the same list)\n`,
    );
  }
  io.out(`${formatTrace(escapeControlDeep(trace), { maxColumnWidth: TRACE_COLUMN_WIDTH })}\n`);
  // A checker's report (lockdep's chain and CPU0/CPU1 table) goes with its finding.
  if (!divergence) for (const f of trace.findings) if (f.report) io.out(`\n${escapeControl(f.report)}\n`);
  if (divergence) io.out(`${divergence.message}\n`);
  else if (!violated) io.out('the replay ends without a violation\n');
  return code;
}
