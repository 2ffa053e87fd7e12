/**
 * Where a system comes from, so that each worker thread can build it itself (a system holds
 * machines and functions, which cannot be sent between threads).
 *
 * - `{ module, export, args }`: the module's export, called with `args` (plain data) if it is a
 *   function: `{ module: '/abs/scenarios/c1.ts', export: 'c1System', args: [{ variant: 'buggy', guests: 2 }] }`;
 * - `{ module, export: 'catalogue', key }`: the catalogue entry with that key, built;
 * - `export` left out: the default export, else the export named `system` (as model files).
 */
import { pathToFileURL } from 'node:url';
import { ModelError } from '../errors.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../system.js';
import { applyCheckers } from '../checkers/apply.js';
import type { CheckerFactory } from '../checkers/Checker.js';

export interface SystemSource {
  /** An absolute path or a file: URL. */
  module: string;
  export?: string;
  /** Arguments (plain data) when the export is a function. */
  args?: unknown[];
  /** With a catalogue export: the entry's key. */
  key?: string;
}

export function moduleUrl(source: SystemSource): string {
  return source.module.startsWith('file:') ? source.module : pathToFileURL(source.module).href;
}

/** The system `source` names, from its already imported module. */
export function systemFrom(mod: Record<string, unknown>, source: SystemSource): SystemSpec {
  const name = source.export ?? (mod.default !== undefined ? 'default' : 'system');
  const value = mod[name];
  if (value === undefined) throw new ModelError(`parallel search: module ${source.module} has no export '${name}'`);
  if (source.key !== undefined) {
    if (!Array.isArray(value)) throw new ModelError(`parallel search: export '${name}' of ${source.module} is not a catalogue (an array of entries)`);
    const entry = (value as Array<{ key?: string; build?: () => SystemSpec }>).find((e) => e.key === source.key);
    if (!entry?.build) throw new ModelError(`parallel search: no catalogue entry '${source.key}' in ${source.module}`);
    return entry.build();
  }
  return (typeof value === 'function' ? (value as (...a: unknown[]) => SystemSpec)(...(source.args ?? [])) : value) as SystemSpec;
}

/** The checkers a catalogue entry runs with (its `explore.checkers`); none for other sources. */
export function checkersFrom(mod: Record<string, unknown>, source: SystemSource): CheckerFactory[] {
  if (source.key === undefined) return [];
  const value = mod[source.export ?? 'catalogue'];
  const entry = Array.isArray(value) ? (value as Array<{ key?: string; explore?: { checkers?: CheckerFactory[] } }>).find((e) => e.key === source.key) : undefined;
  return entry?.explore?.checkers ?? [];
}

/**
 * The system a parallel worker thread searches, from its already imported module, and the
 * checkers it judges every transition by: the system's own and, for a catalogue source, the
 * entry's, or those the run's checker list (`checkerNames`, `--checkers`) chooses among them and
 * the built-in ones, as the calling thread chose them (runtime/checkers/apply.ts).
 */
export function workerSystem(mod: Record<string, unknown>, source: SystemSource, checkerNames?: readonly string[]): { system: LoadedSystem; checkers: CheckerFactory[] } {
  const built = systemFrom(mod, source);
  const extra = checkersFrom(mod, source);
  if (checkerNames) {
    const system = loadSystem(applyCheckers(built, extra, checkerNames, 'option checkerNames').system);
    return { system, checkers: [...system.checkers] };
  }
  const system = loadSystem(built);
  return { system, checkers: [...system.checkers, ...extra] };
}
