/**
 * `--report <file>`: the format follows the file's extension, checked before any search runs.
 *
 * | extension     | format                                             |
 * |---------------|----------------------------------------------------|
 * | .json         | the JSON report (schema: cli/SCHEMA.md)            |
 * | .txt          | the text report, as the command prints it          |
 * | .md, .mmd     | Mermaid sequence diagrams of the counterexamples    |
 * | .xml          | JUnit XML, one testcase per run                    |
 * | .html         | the standalone trace viewer                        |
 */
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { EXIT, InputError, UsageError } from '../errors.js';
import { viewerHtml } from '../viewer/html.js';
import { escapeControl } from './escape.js';
import { junitXml } from './junit.js';
import { mermaidMarkdown } from './mermaid.js';
import type { Report } from './report.js';
import { boundHint, verdictLine, violationText } from './text.js';

const FORMATS: Record<string, (r: Report) => string> = {
  '.json': (r) => escapeControl(`${JSON.stringify(r, null, 2)}\n`),
  '.txt': (r) => escapeControl(`${reportText(r)}\n`),
  '.md': (r) => mermaidMarkdown(r.runs),
  '.mmd': (r) => mermaidMarkdown(r.runs),
  '.xml': junitXml,
  '.html': viewerHtml,
};

/**
 * Throws a usage error unless `file`'s extension names a report format, and an input error when
 * it cannot be written (a directory, or a folder that cannot be made or written): checked before
 * any search runs, so a long search is not lost to a bad path.
 */
export function checkReportFile(file: string, option = '--report'): void {
  if (!(extname(file).toLowerCase() in FORMATS)) {
    throw new UsageError(
      `option ${option}: cannot tell the format of '${file}' from its extension; use .json, .txt, .md (Mermaid), .xml (JUnit) or .html (viewer)`,
    );
  }
  if (existsSync(file) && statSync(file).isDirectory()) throw new InputError(`option ${option}: ${file} is a directory; name a file`);
  try {
    makeDirs(dirname(file));
    if (!statSync(dirname(file)).isDirectory()) throw new Error(`${dirname(file)} is not a directory`);
    accessSync(dirname(file), constants.W_OK);
  } catch (err) {
    throw new InputError(`option ${option}: cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes `report` to `file` in the format its extension names. */
/**
 * Writes the report after a search whose result was already printed, and returns the exit code.
 * A write that fails (a full disk) is said on stderr; the verdict's own failing code stays (1 a
 * violation, 3 incomplete: the result above stands, and a violation must not pass for a usage
 * error), and only a clean 0 becomes 2, as the report asked for was not made.
 */
export function writeReportAfter(file: string, report: Report, code: number, err: (text: string) => void, command: string): number {
  try {
    writeReport(file, report);
  } catch (e) {
    if (!(e instanceof InputError || e instanceof UsageError)) throw e;
    err(`interleave ${command}: ${e.message}; the result above stands, the report was not written\n`);
    return code === EXIT.ok ? EXIT.usage : code;
  }
  err(`wrote ${file}\n`);
  return code;
}

export function writeReport(file: string, report: Report): void {
  checkReportFile(file);
  const render = FORMATS[extname(file).toLowerCase()] as (r: Report) => string;
  writeText(file, render(report));
}

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, { recursive: true })` never returns
 * for a path under /proc (it retries ENOENT forever, Node 20), and a bad --report path must not
 * hang the tool.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

export function writeText(file: string, text: string): void {
  try {
    makeDirs(dirname(file));
    writeFileSync(file, text);
  } catch (err) {
    throw new InputError(`cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The text report: each run's verdict line, then each violation's report (with its trace unless `trace: false`). */
export function reportText(report: Report, { trace = true }: { trace?: boolean } = {}): string {
  const out: string[] = [];
  for (const run of report.runs) {
    out.push(verdictLine(run));
    const hint = boundHint(run);
    if (hint) out.push(hint);
    for (const v of run.violations) out.push('', violationText(v, run.system, { trace }));
  }
  return out.join('\n');
}
