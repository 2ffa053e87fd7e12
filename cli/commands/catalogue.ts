/**
 * `interleave list` and `interleave run` (the main job, also `npm start`): run the catalogue and
 * print a table (one row per entry) and a summary, last, so they are what stays on screen; with
 * `--traces`, every violation's report and trace first. Exit 0 only if every verdict matches its
 * expectation.
 */
import type { CatalogueEntry, Expectation } from '../../scenarios/types.js';
import { findingsText } from '../../scenarios/findings.js';
import type { CommandDef, ParsedArgs } from '../args.js';
import { EXIT } from '../errors.js';
import { checkerNames, chooseCheckers, runExploration } from '../explore.js';
import { CHECKERS_OPTION } from './explore.js';
import type { Io } from '../io.js';
import { blamed, buildEntry, loadCatalogue, selectEntries } from '../load.js';
import { makeReport, runReport, type Report, type RunReport } from '../reports/report.js';
import { count, table } from '../reports/table.js';
import { violationText } from '../reports/text.js';
import { checkReportFile, writeReportAfter } from '../reports/write.js';

const CATALOGUE_OPTION = { name: 'catalogue', value: '<file>', help: 'use this module (exporting `catalogue`) instead of the built-in scenarios/index.ts' };

export const listDef: CommandDef = {
  name: 'list',
  summary: 'List the catalogue: every scenario key with its variant, configuration and expected verdict.',
  positionals: [],
  options: [{ name: 'json', help: 'print the entries as JSON' }, CATALOGUE_OPTION],
};

/** An expectation in a table cell: `verified`, the violation kind, or `none found` (a sampling entry). */
export function expectationText(e: Expectation): string {
  return e.verdict === 'violation' ? e.kind : e.verdict === 'verified' ? 'verified' : 'none found';
}

export async function listCommand(args: ParsedArgs, io: Io): Promise<number> {
  const catalogue = await loadCatalogue(typeof args.options.catalogue === 'string' ? args.options.catalogue : undefined);
  if (args.options.json) {
    const entries = catalogue.map((e) => ({ key: e.key, scenario: e.id, variant: e.variant, config: e.config, title: e.title, source: e.source, expected: e.expected }));
    io.out(`${JSON.stringify({ schemaVersion: 1, entries }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out(`${table(['key', 'scenario', 'variant', 'config', 'expected', 'title'], catalogue.map((e) => [e.key, e.id, e.variant, e.config, expectationText(e.expected), e.title]))}\n`);
  return EXIT.ok;
}

export const runDef: CommandDef = {
  name: 'run',
  summary: 'Run the scenario catalogue (this is `npm start`): a table of verdicts against expectations and a summary (--traces: each violation too).',
  positionals: [],
  options: [
    { name: 'scenario', value: '<id|key>', help: 'run only the entries of this scenario id (C1) or this one key (C1/buggy/2g)' },
    { name: 'traces', help: "print each violation's report and trace (before the table)" },
    { ...CHECKERS_OPTION, help: "checkers to run on every entry, as explore takes them (default: each entry's own)" },
    { name: 'json', help: 'print the JSON report (schema: cli/SCHEMA.md) instead of text' },
    { name: 'report', value: '<file>', help: 'also write the report; format by extension: .json .txt .md (Mermaid) .xml (JUnit) .html (viewer)' },
    CATALOGUE_OPTION,
  ],
  epilogue: 'Ctrl-C stops the entry running, prints the rows done and exits 3.\nexit codes: 0 every verdict as expected, 1 some verdict not as expected, 2 usage or model error, 3 interrupted (Ctrl-C)',
};

export async function runCommand(args: ParsedArgs, io: Io, command: string): Promise<number> {
  const o = args.options;
  const reportFile = typeof o.report === 'string' ? o.report : undefined;
  if (reportFile) checkReportFile(reportFile);
  const catalogue = await loadCatalogue(typeof o.catalogue === 'string' ? o.catalogue : undefined);
  const entries = typeof o.scenario === 'string' ? selectEntries(catalogue, o.scenario) : catalogue;
  if (!o.json) io.err(`running ${entries.length} catalogue entr${entries.length === 1 ? 'y' : 'ies'}; Ctrl-C stops and prints the rows done\n`);
  const runs: RunReport[] = [];
  for (const entry of entries) {
    runs.push(await runEntry(entry, io, o.checkers, typeof o.catalogue === 'string' ? o.catalogue : undefined));
    if (io.signal?.aborted) break; // Ctrl-C: keep the rows done, run no more
  }
  const interrupted = io.signal?.aborted === true;
  const code = interrupted ? EXIT.incomplete : runs.every((r) => r.asExpected) ? EXIT.ok : EXIT.violation;
  const report = makeReport(command, runs, code);
  if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else {
    // The built-in catalogue ends with one line per upstream finding (scenarios/findings.ts); not after Ctrl-C.
    const closing = typeof o.catalogue === 'string' || interrupted ? [] : findingsText(report.runs);
    io.out(`${catalogueText(report, { traces: o.traces === true })}${closing.length ? `\n\n${closing.join('\n')}` : ''}${interrupted ? `\n${interruptedLine(runs.length, entries.length)}` : ''}\n`);
  }
  return reportFile ? writeReportAfter(reportFile, report, code, io.err, 'run') : code;
}

function interruptedLine(ran: number, total: number): string {
  return `interrupted (Ctrl-C): ran ${ran} of ${total} entries; the last one run was stopped${ran < total ? `, ${total - ran} did not run` : ''}`;
}

async function runEntry(entry: CatalogueEntry, io: Io, checkers: string | true | undefined, catalogueFile: string | undefined): Promise<RunReport> {
  return blamed({ kind: 'entry', key: entry.key }, async () => {
    const { checkers: entryCheckers = [], ...options } = entry.explore ?? {};
    const { system, selection } = chooseCheckers(buildEntry(entry), entryCheckers, checkers);
    const strategy = entry.strategy ?? entry.explore?.strategy ?? 'bfs';
    const { result, timeMs, interrupted } = await runExploration(system, { ...options, strategy, analyses: selection.analyses, ...(io.signal ? { signal: io.signal } : {}) });
    return runReport({ origin: { kind: 'entry', key: entry.key, entry, ...(catalogueFile === undefined ? {} : { catalogue: catalogueFile }) }, system, strategy, result, timeMs, interrupted, checkerNames: checkerNames(selection) });
  });
}

/** A run a sampling strategy finished without a violation: incomplete, but not for a bound or Ctrl-C. */
function sampledNothing(r: RunReport): boolean {
  return r.verdict === 'incomplete' && !r.interrupted && !r.bound && r.samples !== null;
}

/**
 * The catalogue run as text: with `traces`, every violation's report first; then the table, the
 * sampling entries that found nothing, where the reports are (without `traces`), and the summary
 * line, so a terminal ends on the table and the summary.
 */
export function catalogueText(report: Report, options: { traces?: boolean } = {}): string {
  const rows = report.runs.map((r) => {
    const first = r.violations[0];
    return [
      r.scenario ?? r.key,
      r.variant ?? '-',
      r.config ?? '-',
      r.expected ? expectationText(r.expected) : '-',
      r.verdict === 'violation' ? [...new Set(r.violations.map((v) => v.kind))].join(', ') : r.interrupted ? 'interrupted' : sampledNothing(r) ? 'none found' : r.verdict,
      r.asExpected ? 'yes' : 'NO',
      count(r.stats.states),
      count(r.stats.transitions),
      r.timeMs.toFixed(1),
      first ? String(first.length) : '-',
      first ? first.token : '-',
    ];
  });
  const out: string[] = [];
  const details: string[] = [];
  for (const r of report.runs) {
    for (const v of r.violations) details.push(`== ${r.key} (${r.title ?? r.system}) ==`, violationText(v, r.system), '');
    if (r.bound) details.push(`== ${r.key} ==`, `bound ${r.bound.name} (${count(r.bound.limit)}) tripped: ${r.bound.hint}`, '');
  }
  if (options.traces) out.push(...details);
  out.push(
    table(['scenario', 'variant', 'config', 'expected', 'verdict', 'as expected', 'states', 'transitions', 'time (ms)', 'cex length', 'replay token'], rows, {
      right: [6, 7, 8, 9],
    }),
  );
  const sampled = report.runs.filter(sampledNothing);
  if (sampled.length) {
    out.push('', 'none found: a sampling search found no violation; that proves nothing (the exhaustive entries verify the smaller configurations):');
    for (const r of sampled) out.push(`  ${r.key}: ${r.strategy}, seed ${r.seed ?? '-'}, ${count(r.samples?.executed ?? 0)} runs`);
  }
  const violations = report.runs.reduce((n, r) => n + r.violations.length, 0);
  if (!options.traces && details.length) {
    out.push(
      '',
      `${violations === 1 ? '1 violation' : `${violations} violations`} found: for each one's report, trace and replay command, add --traces, or write them with --report <file> (.txt text, .html viewer, .json)`,
    );
  }
  const { asExpected, runs } = report.summary;
  out.push('', `${asExpected} of ${runs} entries as expected${asExpected === runs ? '' : `; not as expected: ${report.runs.filter((r) => !r.asExpected).map((r) => r.key).join(', ')}`}`);
  return out.join('\n');
}
