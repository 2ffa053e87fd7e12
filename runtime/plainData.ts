/**
 * Contexts and messages are interned by value, so they must be plain data: null, booleans,
 * finite numbers, strings, arrays and plain objects, with no cycles (DESIGN.md decision 2).
 * `canonicalKey` turns such a value into a string that is equal for equal values whatever the
 * order in which object keys were inserted: that string is the interning key.
 */
import { ModelError } from './errors.js';

/** Deeper than this, a context is reported instead of overflowing the stack while checked. */
const MAX_DEPTH = 1000;

/**
 * Throws a {@link ModelError} naming `owner` and the path of the first value that is not plain
 * data. `what` says which value is checked ("context", "message"). Plain data is exactly what
 * `canonicalKey` and the state store keep: a value they would drop or change (a symbol key, a
 * non-enumerable or accessor property, -0, an array hole or an extra array property, a class
 * instance) is refused here, because a state that lost it would look already seen and the
 * search would prune a path it never explored. A proxy or getter that throws while read is a
 * model error too, never an internal one.
 */
export function assertPlainData(value: unknown, owner: string, what: string): void {
  let problem: string | undefined;
  try {
    problem = findNonPlain(value, what, []);
  } catch (err) {
    problem = `${what} could not be read as plain data: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (problem) throw new ModelError(`${owner}: ${problem}`);
}

function findNonPlain(value: unknown, path: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      if (Object.is(value, -0)) return `${path} is -0, which is stored as 0; use 0`;
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
  if (ancestors.length >= MAX_DEPTH) return `${path.slice(0, 60)}... is nested more than ${MAX_DEPTH} levels deep`;
  const proto = Object.getPrototypeOf(obj) as unknown;
  const isArray = Array.isArray(obj);
  if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
    const ctor = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class';
    return `${path} is an instance of ${ctor}; contexts and messages must be plain data`;
  }
  ancestors.push(obj);
  const length = isArray ? (obj as unknown[]).length : 0;
  for (const key of Reflect.ownKeys(obj)) {
    if (typeof key === 'symbol') return `${path} has a symbol key ${String(key)}; plain data has string keys only`;
    if (isArray && key === 'length') continue;
    const at = isArray ? `${path}[${key}]` : `${path}.${key}`;
    if (isArray && !isIndex(key, length)) return `${path} has a property '${key}' besides its elements; plain arrays hold elements only`;
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (d === undefined) continue;
    if (d.get || d.set) return `${at} is a getter or setter; plain data holds values`;
    if (!d.enumerable) return `${at} is not enumerable, so it would be lost when the state is stored`;
    const p = findNonPlain(d.value, at, ancestors);
    if (p) return p;
  }
  if (isArray) {
    for (let i = 0; i < length; i++) if (!Object.prototype.hasOwnProperty.call(obj, i)) return `${path}[${i}] is a hole in a sparse array; fill it (null)`;
  }
  ancestors.pop();
  return undefined;
}

function isIndex(key: string, length: number): boolean {
  const n = Number(key);
  return Number.isInteger(n) && n >= 0 && n < length && String(n) === key;
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

/**
 * Freezes `value` and everything in it (plain data, checked first): a state the explorer keeps
 * is shared by every global state that holds it, so nothing may change it afterwards: neither
 * an assign or guard of a later step, nor an invariant, label() or resources() it is shown to.
 * A frozen part is taken as frozen throughout, so a new context that shares parts of an old
 * one costs only its new parts.
 */
export function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

/** Whether `err` (or its cause, as xstate wraps a guard's error) is a write to a frozen object. */
export function isFrozenWrite(err: unknown): boolean {
  const frozen = /(read only property|object is not extensible|Cannot delete property|Cannot redefine property|Cannot add property)/u;
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof TypeError && frozen.test(e.message)) return true;
    // xstate rethrows a guard's error as a new Error with the message appended.
    if (e.message.startsWith('Unable to evaluate guard') && frozen.test(e.message)) return true;
  }
  return false;
}

/** Why a kept state refused a write. */
export const FROZEN_STATE_HINT = 'the states the explorer keeps are read-only: each is shared by every global state that holds it';
