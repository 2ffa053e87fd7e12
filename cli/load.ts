/**
 * Loading what the user names on the command line: the scenario catalogue (the built-in one, or
 * a module given with `--catalogue`), a catalogue entry by key or id, and user model files
 * (`explore ./my-model.ts`). Every failure is an {@link InputError} naming the file and what is
 * wrong with it; the command line prints it in one line and exits 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ModelError } from '../runtime/errors.js';
import { describeValue } from '../runtime/callbacks.js';
import { loadSystem, type SystemSpec } from '../runtime/system.js';
import { TokenError } from '../runtime/schedule.js';
import type { CatalogueEntry } from '../scenarios/types.js';
import { InputError, UsageError } from './errors.js';

/**
 * The built-in catalogue module, relative to this file: `scenarios/index.ts` in a source
 * checkout (run through tsx), `dist/scenarios/index.js` in the published package.
 */
export const BUILT_IN_CATALOGUE = new URL(`../scenarios/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** What `explore` and `replay` run: a catalogue entry or a model file. */
export type Target =
  | { kind: 'entry'; key: string; entry: CatalogueEntry; system: SystemSpec; /** The `--catalogue` file it came from (absent: the built-in one). */ catalogue?: string }
  | { kind: 'file'; key: string; file: string; system: SystemSpec };

/** File names that mean "a model file", not a catalogue key. */
const MODEL_FILE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

/** Loads the catalogue: `file` if given (a module exporting `catalogue`), else the built-in one. */
export async function loadCatalogue(file?: string): Promise<CatalogueEntry[]> {
  const url = file ? pathToFileURL(resolve(file)) : BUILT_IN_CATALOGUE;
  const shown = file ?? 'scenarios/index.ts';
  if (file) checkFile(file, 'catalogue');
  const mod = await importModule(url, shown, 'catalogue');
  const catalogue = mod.catalogue;
  if (!Array.isArray(catalogue)) throw new InputError(`catalogue ${shown} has no 'catalogue' export that is an array of entries`);
  const seen = new Map<string, number>();
  catalogue.forEach((e: Partial<CatalogueEntry>, i) => {
    if (!e || typeof e.key !== 'string' || typeof e.id !== 'string' || typeof e.build !== 'function' || !e.expected) {
      throw new InputError(`catalogue ${shown}: entry #${i} is not a catalogue entry (it needs id, key, build() and expected)`);
    }
    const problem = keyProblem(e.key) ?? expectationProblem(e.expected);
    if (problem) throw new InputError(`catalogue ${shown}: entry #${i} (key ${JSON.stringify(clipText(e.key))}): ${problem}`);
    const first = seen.get(e.key);
    if (first !== undefined) {
      throw new InputError(`catalogue ${shown}: entries #${first} and #${i} have the same key '${e.key}'; keys must be unique (--scenario, explore and replay would only ever reach the first)`);
    }
    seen.set(e.key, i);
  });
  return catalogue as CatalogueEntry[];
}

/** Why `key` cannot name a catalogue entry on the command line, or undefined if it can. */
function keyProblem(key: string): string | undefined {
  const rules = "a key names an entry on the command line: it is not empty, has no '@' (replay's target@token), no spaces or control characters, and does not look like a model file (start with '.' or '/', or end in .ts or .js)";
  if (key === '' || /[@\s\p{Cc}]/u.test(key)) return `the key cannot be used: ${rules}`;
  if (MODEL_FILE.test(key) || key.startsWith('.') || key.startsWith('/')) return `the key would be taken for a model file: ${rules}`;
  return undefined;
}

/** What is wrong with an entry's `expected`, or undefined. */
function expectationProblem(expected: unknown): string | undefined {
  const e = expected as { verdict?: unknown; kind?: unknown };
  if (typeof expected !== 'object' || expected === null) return `expected is ${describeValue(expected)}, not { verdict, kind? }`;
  if (e.verdict !== 'violation' && e.verdict !== 'verified' && e.verdict !== 'incomplete') return `expected.verdict is ${describeValue(e.verdict)}; it must be 'violation', 'verified' or 'incomplete'`;
  if (e.verdict === 'violation' && (typeof e.kind !== 'string' || e.kind === '')) return `expected.kind is ${describeValue(e.kind)}; a violation's expected kind must be a non-empty string ('deadlock', 'assertion', 'lock-order', ...)`;
  return undefined;
}

function clipText(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Entries selected by `selector`: an exact key (`C1/buggy/2g`), or a scenario id (`C1`,
 * case-insensitive) selecting all its variants and configurations.
 */
export function selectEntries(catalogue: readonly CatalogueEntry[], selector: string, option = '--scenario'): CatalogueEntry[] {
  const byKey = catalogue.filter((e) => e.key === selector);
  if (byKey.length) return byKey;
  const byId = catalogue.filter((e) => e.id.toLowerCase() === selector.toLowerCase());
  if (byId.length) return byId;
  const ids = [...new Set(catalogue.map((e) => e.id))];
  throw new UsageError(`${option}: no scenario '${selector}' in the catalogue; ids are ${ids.join(', ') || '(none)'} (run 'interleave list' for the keys)`);
}

/** Resolves `explore`'s and `replay`'s argument: a model file, else a catalogue key. */
export async function resolveTarget(arg: string, catalogueFile?: string): Promise<Target> {
  if (MODEL_FILE.test(arg) || arg.startsWith('.') || arg.startsWith('/') || existsSync(arg)) {
    if (catalogueFile !== undefined) {
      throw new UsageError(`option --catalogue chooses where scenario keys come from, but '${arg}' is a model file, not a key: leave --catalogue out, or name a key of ${catalogueFile}`);
    }
    return { kind: 'file', key: arg, file: arg, system: await loadModelFile(arg) };
  }
  const catalogue = await loadCatalogue(catalogueFile);
  const entries = selectEntries(catalogue, arg, 'scenario');
  if (entries.length > 1) {
    throw new UsageError(`scenario '${arg}' names ${entries.length} catalogue entries; pick one key: ${entries.map((e) => e.key).join(', ')}`);
  }
  const entry = entries[0] as CatalogueEntry;
  return { kind: 'entry', key: entry.key, entry, system: buildEntry(entry), ...(catalogueFile === undefined ? {} : { catalogue: catalogueFile }) };
}

/** How an error names a target: `model file m.ts` or `catalogue entry C1/buggy/2g`. */
export function targetName(target: Pick<Target, 'kind' | 'key'>): string {
  return target.kind === 'file' ? `model file ${target.key}` : `catalogue entry ${target.key}`;
}

/**
 * Runs `work` (an exploration, a replay, a report) on `target`: a {@link ModelError} it raises,
 * such as a `label()` that throws, is re-raised naming the model file or catalogue entry first.
 */
export async function blamed<T>(target: Pick<Target, 'kind' | 'key'>, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const prefix = `${targetName(target)}: `;
    if (err instanceof ModelError && !(err instanceof TokenError) && !err.message.startsWith(prefix)) throw new ModelError(prefix + err.message);
    throw err;
  }
}

/** Builds an entry's system, turning a builder's mistake into a one-line error. */
export function buildEntry(entry: CatalogueEntry): SystemSpec {
  let built: unknown;
  try {
    built = entry.build();
  } catch (err) {
    throw new InputError(`catalogue entry ${entry.key}: build() threw: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof (built as { then?: unknown } | null)?.then === 'function') throw new InputError(`catalogue entry ${entry.key}: build() returned a promise; it must return the system synchronously`);
  const problem = systemProblem(built);
  if (problem) throw new InputError(`catalogue entry ${entry.key}: build() did not return a system ({ name, actors: [...] }, a SystemSpec): ${problem}`);
  return built as SystemSpec;
}

/**
 * Loads a model file exporting a system: the default export or an export named `system`,
 * either a {@link SystemSpec} or a function of no arguments returning one. The system is
 * validated with `loadSystem`, so a model mistake is reported now, naming the file.
 */
export async function loadModelFile(file: string): Promise<SystemSpec> {
  checkFile(file, 'model file');
  const mod = await importModule(pathToFileURL(resolve(file)), file, 'model file');
  const name = mod.default !== undefined ? 'default' : mod.system !== undefined ? 'system' : undefined;
  if (!name) {
    const exports = Object.keys(mod);
    throw new InputError(
      `model file ${file} exports no system: export it as the default export or as 'system' (it exports ${exports.length ? exports.join(', ') : 'nothing'})`,
    );
  }
  let value = mod[name];
  const isPromise = (v: unknown): boolean => typeof (v as { then?: unknown } | null)?.then === 'function';
  if (isPromise(value)) {
    throw new InputError(`model file ${file}: export '${name}' is a promise; export the system itself, or a function that returns it synchronously`);
  }
  if (typeof value === 'function') {
    try {
      value = (value as () => unknown)();
    } catch (err) {
      throw new InputError(`model file ${file}: export '${name}' threw when called: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (isPromise(value)) {
      throw new InputError(
        `model file ${file}: export '${name}' is an async function (it returned a promise); export the system itself, or a function that returns it synchronously`,
      );
    }
  }
  const problem = systemProblem(value);
  if (problem) throw new InputError(`model file ${file}: export '${name}' is not a system ({ name, actors: [...] }, a SystemSpec): ${problem}`);
  const system = value as SystemSpec;
  try {
    loadSystem(system);
  } catch (err) {
    if (err instanceof ModelError) throw new ModelError(`model file ${file}: ${err.message}`);
    throw err;
  }
  return system;
}

/**
 * Where the first syntax error in a JavaScript file is (`file:line:column`) and what it is, from
 * `node --check` (which prints the line, a caret under the column, and the error); undefined if
 * it cannot tell.
 */
export function syntaxError(file: string, shown = file): { at: string; message: string } | undefined {
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  const lines = (r.stderr ?? '').split('\n');
  const i = lines.findIndex((l) => /^(?:file:\/\/)?\/.*:\d+$/.test(l));
  if (i < 0) return undefined;
  const line = /:(\d+)$/.exec(lines[i] as string)?.[1];
  const caret = lines[i + 2]?.indexOf('^') ?? -1;
  const message = lines.find((l) => /^SyntaxError: /.test(l))?.replace(/^SyntaxError: /, '') ?? 'syntax error';
  return { at: `${shown}:${line}${caret >= 0 ? `:${caret + 1}` : ''}`, message };
}

function checkFile(file: string, what: string): void {
  if (!existsSync(file)) throw new InputError(`${what} ${file} does not exist`);
  if (!statSync(file).isFile()) throw new InputError(`${what} ${file} is not a file`);
}

async function importModule(url: URL, shown: string, what: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (what === 'catalogue' && code === 'ERR_MODULE_NOT_FOUND' && !existsSync(url)) {
      throw new InputError(`the catalogue ${shown} does not exist`);
    }
    // A .ts/.js file with no package.json saying "type": "module" above it is loaded as
    // CommonJS; node then refuses its ES imports as "require(esm) in a cycle" (hostile tester 2).
    if (code === 'ERR_REQUIRE_CYCLE_MODULE' || code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') {
      throw new InputError(
        `${what} ${shown} failed to load: node loaded it as CommonJS, because no package.json with "type": "module" is in its folder or above, and it uses ES modules (import/export). ` +
          'Add a package.json containing {"type": "module"} to its folder (or a parent), or rename it to .mts',
      );
    }
    const text = err instanceof Error ? err.message : String(err);
    // tsx's module lexer fails on a .js/.mjs file with "Parse error <absolute path>:1:0".
    const lexer = /^Parse error /.test(text);
    const compile = err instanceof SyntaxError || (err as { name?: string }).name === 'TransformError' || lexer;
    // esbuild's first line is "Transform failed with 1 error:"; the next names file:line:col.
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    let message = compile && /^Transform failed/.test(lines[0] ?? '') ? lines.slice(1, 3).join('; ') : (lines[0] ?? text);
    // Node's own parser (a .js/.mjs file) says what, not where: ask `node --check` where.
    if (compile && (lexer || !/:\d+:\d+/.test(message))) {
      const found = syntaxError(fileURLToPath(url), shown);
      if (found) message = `${found.at}: ${lexer ? found.message : message}`;
    }
    throw new InputError(`${what} ${shown} ${compile ? 'does not compile' : 'failed to load'}: ${message}`);
  }
}

/** What keeps `value` from being a SystemSpec, in a phrase; undefined if it looks like one. */
function systemProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `it is ${describeValue(value)}`;
  const v = value as Partial<Record<keyof SystemSpec, unknown>>;
  if (v.name === undefined && v.actors === undefined) return `it is ${describeValue(value)}, with neither 'name' nor 'actors'`;
  if (typeof v.name !== 'string') return `its 'name' is ${describeValue(v.name)}; it must be a string`;
  if (!Array.isArray(v.actors)) {
    const has = v.actors === undefined ? ` (its keys are ${Object.keys(value).join(', ')})` : '';
    return `its 'actors' is ${describeValue(v.actors)}${has}; it must be an array of { name, machine }`;
  }
  return undefined;
}
