/**
 * The command line's arguments, over node's `util.parseArgs`. Every mistake is a {@link UsageError} that names the option
 * (or argument) and what is wrong in one line; help texts are generated from the same
 * definitions, so an option cannot be parsed without being documented.
 */
import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface OptionDef {
  /** Long name without dashes: `max-states`. */
  name: string;
  /** One-letter alias without the dash: `o`. */
  short?: string;
  /** Name of the value in help (`<n>`); omitted for flags. */
  value?: string;
  help: string;
}

export interface CommandDef {
  name: string;
  /** One line for `interleave --help`. */
  summary: string;
  /** Positional arguments, in order, as help shows them: `<scenario-key|model file>`. */
  positionals: Array<{ name: string; required: boolean; help: string }>;
  options: OptionDef[];
  /** Paragraphs after the options (exit codes, examples). */
  epilogue?: string;
}

export interface ParsedArgs {
  /** Flags map to `true`, valued options to their text. `help` is set by `-h`/`--help`. */
  options: Record<string, string | true>;
  positionals: string[];
}

const HELP: OptionDef = { name: 'help', short: 'h', help: 'show this help' };

/**
 * Parses `argv` (after the command name) against `def`. Tokenising is node's own
 * `util.parseArgs` (a maintained library, not ours); this layer adds what it leaves to its
 * caller: one-line errors naming the option, an option given twice, a flag given a value, and a
 * valued option followed by another option instead of its value.
 */
export function parseArgs(def: CommandDef, argv: readonly string[]): ParsedArgs {
  const defs = [...def.options, HELP];
  const byName = new Map(defs.map((d) => [d.name, d]));
  const byShort = new Map(defs.filter((d) => d.short).map((d) => [d.short as string, d]));
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  const known = (): string => defs.map((d) => `--${d.name}`).join(', ');
  const config = Object.fromEntries(defs.map((d) => [d.name, { type: d.value ? ('string' as const) : ('boolean' as const), ...(d.short ? { short: d.short } : {}) }]));
  const { tokens } = nodeParseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    const d = token.rawName.startsWith('--') ? byName.get(token.name) : byShort.get(token.rawName.slice(1));
    if (!d) throw new UsageError(`unknown option '${token.rawName}'; the options of '${def.name}' are ${known()}`);
    const shown = `--${d.name}`;
    if (options[d.name] !== undefined && d.name !== 'help') throw new UsageError(`option ${shown} is given twice`);
    if (!d.value) {
      if (token.inlineValue) throw new UsageError(`option ${shown} takes no value, got '${token.value ?? ''}'`);
      options[d.name] = true;
      continue;
    }
    // `--max-states --json`: node takes the next option as the value; it is a missing value.
    const value = token.value !== undefined && !token.inlineValue && token.value.startsWith('--') ? undefined : token.value;
    if (value === undefined || value === '') throw new UsageError(`option ${shown} needs a value: ${shown} ${d.value}`);
    options[d.name] = value;
  }
  if (options.help) return { options, positionals };
  const max = def.positionals.length;
  if (positionals.length > max) {
    const extra = positionals[max] as string;
    throw new UsageError(max === 0 ? `'${def.name}' takes no arguments, got '${extra}'` : `unexpected argument '${extra}' (after ${def.positionals.map((p) => p.name).join(' ')})`);
  }
  const missing = def.positionals.find((p, i) => p.required && positionals[i] === undefined);
  if (missing) throw new UsageError(`missing ${missing.name}: ${missing.help}`);
  return { options, positionals };
}

/** The help text of a command, from its definition. */
export function helpText(def: CommandDef): string {
  const usage = [`usage: interleave ${def.name}`, ...def.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)), '[options]'].join(' ');
  const lines = [usage, '', def.summary];
  if (def.positionals.length) {
    lines.push('', 'arguments:');
    for (const p of def.positionals) lines.push(`  ${p.name.padEnd(28)} ${p.help}`);
  }
  lines.push('', 'options:');
  for (const d of [...def.options, HELP]) {
    const spelled = `${d.short ? `-${d.short}, ` : ''}--${d.name}${d.value ? ` ${d.value}` : ''}`;
    lines.push(`  ${spelled.padEnd(28)} ${d.help}`);
  }
  if (def.epilogue) lines.push('', def.epilogue);
  return lines.join('\n');
}

/** A positive integer option (`1000000`, `1_000_000`); `unit` names what it counts. */
export function positiveInt(name: string, raw: string | true | undefined, unit: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined || raw === true) return undefined;
  const digits = /^[0-9][0-9_]*$/.test(raw);
  const n = digits ? Number(raw.replace(/_/g, '')) : NaN;
  if (digits && n > max) throw new UsageError(`option --${name} is too large: at most ${max.toLocaleString('en-US')} (${unit}), got '${raw}'`);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`option --${name} must be a positive integer (${unit}), got '${raw}'`);
  return n;
}

/** A seed: an integer from 0 to 2^32 - 1. */
export function seedValue(raw: string | true | undefined): number | undefined {
  if (raw === undefined || raw === true) return undefined;
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new UsageError(`option --seed must be an integer from 0 to 4294967295, got '${raw}'`);
  return n;
}

/** A duration in milliseconds from `30` (seconds), `30s`, `500ms` or `2m`. */
export function durationMs(name: string, raw: string | true | undefined): number | undefined {
  if (raw === undefined || raw === true) return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)?$/.exec(raw);
  const scale = { ms: 1, s: 1000, m: 60_000 }[(m?.[2] ?? 's') as 'ms' | 's' | 'm'];
  const ms = m ? Number(m[1]) * scale : NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new UsageError(`option --${name} must be a positive duration in seconds (30), or with a unit (500ms, 30s, 2m), got '${raw}'`);
  }
  return ms;
}

/** One of `choices`, or a usage error listing them. */
export function choice(name: string, raw: string | true | undefined, choices: readonly string[]): string | undefined {
  if (raw === undefined || raw === true) return undefined;
  if (!choices.includes(raw)) throw new UsageError(`option --${name} must be one of ${choices.join(', ')}, got '${raw}'`);
  return raw;
}

const BYTE_UNITS: Record<string, number> = { b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30 };

/** A size in bytes from `512MB`, `2GB`, `300k` or a bare number of megabytes (as node's --max-old-space-size); units are powers of 2. */
export function byteSize(name: string, raw: string | true | undefined): number | undefined {
  if (raw === undefined || raw === true) return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?) ?([a-z]+)?$/i.exec(raw);
  const scale = m ? BYTE_UNITS[(m[2] ?? 'mb').toLowerCase()] : undefined;
  const bytes = m && scale ? Math.floor(Number(m[1]) * scale) : NaN;
  if (bytes >= 1 << 20 && !Number.isSafeInteger(bytes)) {
    throw new UsageError(`option --${name} is too large: at most ${Math.floor(Number.MAX_SAFE_INTEGER / 2 ** 30).toLocaleString('en-US')}GB (the largest byte count it can hold), got '${raw}'`);
  }
  if (!(bytes >= 1 << 20) || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`option --${name} must be a size of at least 1MB: megabytes (512), or with a unit (512MB, 2GB), got '${raw}'`);
  }
  return bytes;
}
