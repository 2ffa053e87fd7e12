/**
 * Contexts and messages are interned by value, so they must be plain data: null, booleans,
 * finite numbers, strings, arrays and plain objects, with no cycles (DESIGN.md decision 2).
 * `canonicalKey` turns such a value into a string that is equal for equal values whatever the
 * order in which object keys were inserted: that string is the interning key.
 */
import { ModelError } from './errors.js';

/**
 * Throws a {@link ModelError} naming `owner` and the path of the first value that is not plain
 * data. `what` says which value is checked ("context", "message").
 */
export function assertPlainData(value: unknown, owner: string, what: string): void {
  const problem = findNonPlain(value, what, []);
  if (problem) throw new ModelError(`${owner}: ${problem}`);
}

function findNonPlain(value: unknown, path: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${String(value)}; only finite numbers are plain data`;
    case 'undefined':
      return `${path} is undefined; use null or leave the key out`;
    case 'function':
      return `${path} is a function; contexts and messages must be plain data`;
    case 'bigint':
    case 'symbol':
      return `${path} is a ${typeof value}; contexts and messages must be plain data`;
  }
  if (value === null) return undefined;
  const obj = value as object;
  if (ancestors.includes(obj)) return `${path} is a cycle back to one of its ancestors`;
  if (Array.isArray(obj)) {
    ancestors.push(obj);
    for (let i = 0; i < obj.length; i++) {
      const p = findNonPlain(obj[i], `${path}[${i}]`, ancestors);
      if (p) return p;
    }
    ancestors.pop();
    return undefined;
  }
  const proto = Object.getPrototypeOf(obj) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const ctor = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
    return `${path} is an instance of ${ctor}; contexts and messages must be plain data`;
  }
  ancestors.push(obj);
  for (const key of Object.keys(obj)) {
    const p = findNonPlain((obj as Record<string, unknown>)[key], `${path}.${key}`, ancestors);
    if (p) return p;
  }
  ancestors.pop();
  return undefined;
}

/** A string equal for equal plain values, independent of object key insertion order. */
export function canonicalKey(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) out += ',';
    out += `${JSON.stringify(k)}:${canonicalKey(obj[k])}`;
  }
  return `${out}}`;
}
