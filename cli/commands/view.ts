/** `interleave view <report.json> [-o out.html]`: the standalone HTML trace viewer. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { CommandDef, ParsedArgs } from '../args.js';
import { EXIT, InputError, UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { validateReport } from '../reports/schema.js';
import { writeText } from '../reports/write.js';
import { viewerHtml } from '../viewer/html.js';

export const viewDef: CommandDef = {
  name: 'view',
  summary: 'Write a standalone HTML page (no server, no network) that steps through the counterexamples of a JSON report.',
  positionals: [{ name: '<report.json>', required: true, help: 'a report written by explore/run with --report <file>.json or --json' }],
  options: [{ name: 'output', short: 'o', value: '<file.html>', help: 'where to write the page (default: the report path with .html)' }],
  epilogue: 'Open the page in any browser; step with the buttons or the Left/Right, Home and End keys; v switches between the trace table and the message sequence chart.',
};

export function viewCommand(args: ParsedArgs, io: Io): number {
  const file = args.positionals[0] as string;
  const output = typeof args.options.output === 'string' ? args.options.output : file.replace(/(\.json)?$/i, '.html');
  if (!/\.html?$/i.test(output)) throw new UsageError(`option --output must name an .html file, got '${output}'`);
  if (!existsSync(file)) throw new InputError(`report ${file} does not exist`);
  if (!statSync(file).isFile()) throw new InputError(`report ${file} is a directory, not a file: name a JSON report written with --report <file>.json or --json`);
  let data: unknown;
  try {
    // A byte order mark (Windows editors save one) is not part of the JSON.
    data = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/u, ''));
  } catch (err) {
    throw new InputError(`report ${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Every field the page shows is checked against cli/SCHEMA.md first: a damaged or hand-edited
  // report is refused with the path of its first bad field, never rendered half.
  const { report, problem } = validateReport(data);
  if (problem !== undefined) throw new InputError(`report ${file} cannot be viewed: ${problem}`);
  writeText(output, viewerHtml(report));
  const cases = report.runs.reduce((n, r) => n + r.violations.length, 0);
  io.out(`wrote ${output}: ${cases} counterexample${cases === 1 ? '' : 's'} from ${report.runs.length} run${report.runs.length === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
