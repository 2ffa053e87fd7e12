/**
 * Atomic counters with a declared width, as Xen's `atomic_t` (xen/arch/arm/include/asm/atomic.h:
 * `atomic_inc`, `atomic_add_return`, `atomic_cmpxchg`) and as the 16-bit partinfo tag of FF-A
 * (SCENARIOS.md C4): the counter is an `int`, only its low 16 bits are exposed to guests, so
 * 65536 changes between two reads are invisible (ABA).
 *
 * Each operation is one message to the actor that owns the counter, so it is atomic by
 * construction; the answer is a message. Values wrap modulo 2^width. With `overflow: 'assert'`
 * a signed counter that leaves its range is an assertion violation (signed overflow is
 * undefined behaviour in C, which S0 points out for `atomic_t`).
 *
 * | client sends                          | owner answers                        |
 * |---------------------------------------|--------------------------------------|
 * | `atomic.read {name}`                  | `atomic.value {name, value}`         |
 * | `atomic.add {name, delta}`            | `atomic.value {name, value, old}` (add_return) |
 * | `atomic.cmpxchg {name, expect, value}`| `atomic.value {name, value, old}`; stored only if old === expect |
 *
 * {@link wrap} and {@link low} are the pure arithmetic, for use inside any actor.
 */
import { createMachine, enqueueActions } from 'xstate';
import { assertThat, reply, type Message } from '../runtime/model.js';
import { ModelError } from '../runtime/errors.js';

export const ATOMIC_READ = 'atomic.read';
export const ATOMIC_ADD = 'atomic.add';
export const ATOMIC_CMPXCHG = 'atomic.cmpxchg';
export const ATOMIC_VALUE = 'atomic.value';

export interface CounterSpec {
  /** Width in bits, 1..32. */
  width: number;
  /** Two's-complement signed (an `atomic_t`) or unsigned. Default unsigned. */
  signed?: boolean;
  /** `wrap` (default) or `assert`: leaving the range is an assertion violation. */
  overflow?: 'wrap' | 'assert';
}

export interface Counter extends CounterSpec {
  value: number;
}

export interface AtomicOwnerContext {
  counters: Record<string, Counter>;
}

/** `value` reduced to `width` bits, signed or not. */
export function wrap(value: number, width: number, signed = false): number {
  const mod = 2 ** width;
  let v = ((value % mod) + mod) % mod;
  if (signed && v >= mod / 2) v -= mod;
  return v;
}

/** The low `bits` bits of `value`, unsigned (e.g. the 16-bit tag a guest sees). */
export function low(value: number, bits: number): number {
  return wrap(value, bits, false);
}

/** True when `value` fits the counter's range without wrapping. */
export function inRange(value: number, spec: CounterSpec): boolean {
  const lo = spec.signed ? -(2 ** (spec.width - 1)) : 0;
  const hi = spec.signed ? 2 ** (spec.width - 1) - 1 : 2 ** spec.width - 1;
  return value >= lo && value <= hi;
}

export const atomic = {
  read: (name: string): Message => ({ type: ATOMIC_READ, name }),
  add: (name: string, delta: number): Message => ({ type: ATOMIC_ADD, name, delta }),
  inc: (name: string): Message => ({ type: ATOMIC_ADD, name, delta: 1 }),
  cmpxchg: (name: string, expect: number, value: number): Message => ({ type: ATOMIC_CMPXCHG, name, expect, value }),
};

type AtomicEvent = Message & { name: string; delta?: number; expect?: number; value?: number };

function counterOf(c: AtomicOwnerContext, name: string): Counter {
  const k = c.counters[name];
  if (!k) throw new ModelError(`no counter '${name}' here; this actor owns ${Object.keys(c.counters).join(', ')}`);
  return k;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function atomicHandlers(): Record<string, any> {
  const op = (kind: 'add' | 'cmpxchg') => [
    assertThat<AtomicOwnerContext, AtomicEvent>(({ context, event }) => {
      const k = counterOf(context, event.name);
      if (k.overflow !== 'assert') return true;
      const raw = kind === 'add' ? k.value + (event.delta ?? 0) : (event.value ?? 0);
      return inRange(raw, k);
    }, 'atomic counter overflow: the result leaves the declared range (undefined behaviour for a signed atomic_t)'),
    enqueueActions(({ context, event, enqueue }) => {
      const c = context as unknown as AtomicOwnerContext;
      const e = event as unknown as AtomicEvent;
      const k = counterOf(c, e.name);
      const old = k.value;
      const next = kind === 'add' ? wrap(old + (e.delta ?? 0), k.width, k.signed) : old === e.expect ? wrap(e.value ?? 0, k.width, k.signed) : old;
      enqueue.assign({ counters: { ...c.counters, [e.name]: { ...k, value: next } } } as never);
      enqueue(reply({ type: ATOMIC_VALUE, name: e.name, value: next, old }));
    }),
  ];
  return {
    [ATOMIC_READ]: { actions: reply<AtomicOwnerContext, AtomicEvent>(({ context, event }) => ({ type: ATOMIC_VALUE, name: event.name, value: counterOf(context, event.name).value })) },
    [ATOMIC_ADD]: { actions: op('add') },
    [ATOMIC_CMPXCHG]: { actions: op('cmpxchg') },
  };
}

/** Counters with their specs, starting at `initial` (default 0). */
export function counters(specs: Record<string, CounterSpec & { initial?: number }>): Record<string, Counter> {
  return Object.fromEntries(Object.entries(specs).map(([n, s]) => [n, { width: s.width, signed: s.signed ?? false, overflow: s.overflow ?? 'wrap', value: wrap(s.initial ?? 0, s.width, s.signed) }]));
}

/** A standalone actor owning counters. */
export function atomicMachine(id: string, specs: Record<string, CounterSpec & { initial?: number }>) {
  return createMachine({ id, types: {} as { context: AtomicOwnerContext }, context: { counters: counters(specs) }, on: atomicHandlers() });
}
