/**
 * The JSON report's schema (cli/SCHEMA.md, version 1) as a zod schema, so every report the
 * command line reads back (`interleave view`) is checked field by field before anything renders
 * it, and a damaged or hand-edited one is refused with the path of the first bad field
 * (`runs[0].violations[0]: expected an object, got null`), exit 2, instead of a crash or a
 * broken page.
 *
 * As SCHEMA.md says, fields this version does not know are allowed (and ignored); a field it
 * documents must have the documented type. The TypeScript types stay in report.ts (the writer's
 * side); this file is the reader's, and the two are kept equal by spec/cli/reportSchema.spec.ts,
 * which validates reports the command line writes.
 */
import { z } from 'zod';
import { SCHEMA_VERSION, type Report } from './report.js';

const str = z.string();
const int = z.number().int().nonnegative();
const nullable = <T extends z.ZodType>(t: T): z.ZodNullable<T> => t.nullable();

const message = z.object({ type: str, from: nullable(str), text: str, fields: z.record(z.string(), z.unknown()) });
const finding = z.object({ kind: str, message: str });
const resource = z.object({ name: str, guardedBy: str, heldBy: z.array(str), waiting: z.array(str) });

const step = z.object({
  index: int,
  actor: nullable(str),
  message: nullable(message),
  disposition: nullable(z.enum(['handled', 'ignored', 'unhandled', 'error'])),
  states: z.array(str),
  sends: z.array(z.object({ to: str, message })),
  mailboxes: z.array(z.array(message)),
  resources: z.array(resource),
  findings: z.array(finding),
});

const trace = z.object({
  actors: z.array(z.object({ name: str, daemon: z.boolean() })),
  steps: z.array(step).min(1, 'a trace has at least its initial state (step 0)'),
  findings: z.array(finding),
});

const blocked = z.object({
  actor: str,
  state: str,
  awaits: z.array(str),
  deferred: z.array(str),
  waitsFor: z.object({ resource: str, guardedBy: str, heldBy: z.array(str) }).optional(),
});

const violation = z.object({
  kind: str,
  message: str,
  actor: nullable(str),
  token: str,
  length: int,
  shrunkFrom: nullable(int).optional(),
  replay: str,
  acrossExecutions: z.boolean().optional(),
  evidenceExecutions: int.optional(),
  deadlock: nullable(z.object({ blocked: z.array(blocked), resources: z.array(resource), cycle: z.array(str).optional() })),
  report: nullable(str).optional(),
  trace,
});

const expectation = z.union([
  z.object({ verdict: z.literal('violation'), kind: str }),
  z.object({ verdict: z.literal('verified') }),
  z.object({ verdict: z.literal('incomplete') }),
]);

const run = z.object({
  key: str,
  origin: z.enum(['catalogue', 'file']),
  scenario: nullable(str),
  variant: nullable(str),
  config: nullable(str),
  title: nullable(str),
  source: nullable(str),
  expected: nullable(expectation),
  system: str,
  strategy: str,
  seed: nullable(z.number()),
  verdict: z.enum(['verified', 'violation', 'incomplete']),
  asExpected: nullable(z.boolean()),
  complete: z.boolean(),
  bound: nullable(z.object({ name: str, limit: z.number(), hint: str })),
  interrupted: z.boolean(),
  timeMs: z.number().nonnegative(),
  stats: z.object({ states: int, transitions: int }),
  violations: z.array(violation),
});

/** A report of this schema version; unknown fields pass (SCHEMA.md: readers ignore them). */
export const reportSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('interleave'), version: str }),
  command: str,
  runs: z.array(run),
  summary: z.object({ runs: int, violations: int, asExpected: int, notAsExpected: int, exitCode: int }),
});

/** `runs[0].violations[2].trace`: a zod issue's path as JavaScript would write it. */
function pathText(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/u.test(String(p)) ? `${out ? '.' : ''}${String(p)}` : `[${JSON.stringify(String(p))}]`;
  return out || '(the whole report)';
}

/** What a JSON value is, in a few words: 'null', 'an array', 'the string "x"'. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'number' ? 'the number' : typeof value === 'boolean' ? 'the boolean' : typeof value} ${String(value)}`;
}

/** The value at `path` in `data` (undefined if there is none). */
function at(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = data;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Deepest nesting of objects and arrays a report may have (a model's context or message nested this deep is not a model). */
export const MAX_DEPTH = 1_000;

/**
 * The path of the first value nested deeper than `limit` in `data`, or undefined. Iterative:
 * the schema check and the escaping walk recurse, so a hostile report nested 100,000 deep would
 * overflow the stack in them; this refuses it first.
 */
function tooDeep(data: unknown, limit: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: data, depth: 0, path: '' }];
  while (stack.length) {
    const { value, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return path.length > 80 ? `${path.slice(0, 77)}...` : path || '(top)';
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, depth: depth + 1, path: depth < 8 ? `${path}[${i}]` : path }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, depth: depth + 1, path: depth < 8 ? (path ? `${path}.${k}` : k) : path });
  }
  return undefined;
}

/**
 * Checks `data` against the schema: the report, or why not (the first problem, with its path).
 * The version is checked first, so a report of another version is told so, not picked apart.
 */
export function validateReport(data: unknown): { report: Report; problem?: undefined } | { report?: undefined; problem: string } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: `it is ${kindOf(data)}, not a JSON object` };
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) return { problem: "it has no 'schemaVersion': it is not an interleave report (write one with --report out.json or --json)" };
  if (typeof version !== 'number') return { problem: `its schemaVersion is ${kindOf(version)}; it must be the number ${SCHEMA_VERSION}, as cli/SCHEMA.md defines it` };
  if (version !== SCHEMA_VERSION) return { problem: `its schemaVersion is ${JSON.stringify(version)}; this interleave reads version ${SCHEMA_VERSION}` };
  const deep = tooDeep(data, MAX_DEPTH);
  if (deep !== undefined) return { problem: `it nests more than ${MAX_DEPTH} levels deep (at ${deep}); interleave's reports nest a few dozen at most, so it was not written by interleave` };
  const parsed = reportSchema.safeParse(data);
  if (parsed.success) return { report: data as Report };
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const value = at(data, issue.path);
  const missing = value === undefined && issue.code === 'invalid_type';
  const said = missing ? 'is missing' : issue.code === 'invalid_type' ? `must be ${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}, got ${kindOf(value)}` : `${issue.message} (got ${kindOf(value)})`;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length === 2 ? '' : 's'})` : '';
  return { problem: `${pathText(issue.path)} ${said}, as cli/SCHEMA.md defines it${more}` };
}
