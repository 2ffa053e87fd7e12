/**
 * A sorting pipeline (a systolic priority queue; Kahn-style process network): a benchmark for
 * partial-order reduction, with an equivalent Promela model in bench/promelaDpor.ts.
 *
 * Stage 0 starts with n values in its mailbox (a fixed permutation of 1..n, `sortValues(n)`).
 * Stage i receives exactly n - i values: it keeps the smallest it has seen and passes every
 * larger one to stage i + 1. With its last value a stage asserts that it keeps the (i+1)-th
 * smallest and finishes, so stage i ends holding i + 1. Each stage takes one step per message
 * and sends at most one message per step: the n values in flight never grow, and a mailbox
 * bound of n cannot overflow.
 *
 * `orderedInvariant` adds a global invariant that reads every stage: a stage never holds a
 * value smaller than one held by an earlier stage that has finished.
 */
import { assign, createMachine } from 'xstate';
import { assertThat, send } from '../../runtime/model.js';
import type { Invariant, SystemSpec } from '../../runtime/system.js';

export interface SortOptions {
  /** Number of values and stages, at least 2. */
  n: number;
  /** Add the invariant over every stage's held value. */
  orderedInvariant?: boolean;
}

interface StageContext {
  /** The value kept so far (0: none yet). */
  cur: number;
  /** Values still to receive. */
  left: number;
}

/** The smallest multiplier k >= 2 with gcd(k, n) = 1. */
function multiplier(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let k = 2;
  while (gcd(k, n) !== 1) k++;
  return k;
}

/** The input: a fixed permutation of 1..n, `(n - 1 - j) * k mod n + 1` for j = 0..n-1. */
export function sortValues(n: number): number[] {
  const k = multiplier(n);
  return Array.from({ length: n }, (_, j) => (((n - 1 - j) * k) % n) + 1);
}

function stage(i: number, n: number) {
  const next = `stage${i + 1}`;
  type Args = { context: StageContext; event: object };
  const v = (e: object): number => (e as { v?: unknown }).v as number;
  // Pass the larger of (kept, new) on; keep the smaller.
  const passOn = i + 1 < n ? [send(next, ({ context, event }: Args) => ({ type: 'val', v: Math.max(context.cur, v(event)) }))] : [];
  const finish = assertThat(({ context, event }: Args) => (context.cur === 0 ? v(event) : Math.min(context.cur, v(event))) === i + 1, `stage${i} does not end with ${i + 1}`);
  return createMachine({
    id: `stage${i}`,
    types: {} as { context: StageContext },
    context: { cur: 0, left: n - i },
    initial: 'run',
    states: {
      run: {
        on: {
          val: [
            { guard: ({ context }) => context.cur === 0 && context.left === 1, target: 'done', actions: [finish, assign({ cur: ({ event }) => v(event), left: 0 })] },
            { guard: ({ context }) => context.cur === 0, actions: assign({ cur: ({ event }) => v(event), left: ({ context }) => context.left - 1 }) },
            {
              guard: ({ context }) => context.left === 1,
              target: 'done',
              actions: [finish, ...passOn, assign({ cur: ({ context, event }) => Math.min(context.cur, v(event)), left: 0 })],
            },
            { actions: [...passOn, assign({ cur: ({ context, event }) => Math.min(context.cur, v(event)), left: ({ context }) => context.left - 1 })] },
          ],
        },
      },
      done: { type: 'final' },
    },
  });
}

/** The pipeline as a system: stages `stage0..stage<n-1>`, the input in stage 0's mailbox. */
export function sortPipeline({ n, orderedInvariant = false }: SortOptions): SystemSpec {
  if (!Number.isInteger(n) || n < 2) throw new Error(`sortPipeline: n must be an integer >= 2, got ${String(n)}`);
  const names = Array.from({ length: n }, (_, i) => `stage${i}`);
  const invariants: Invariant[] = orderedInvariant
    ? [
        {
          name: 'finished stages hold increasing values',
          check: (view) => {
            let last = 0;
            for (const name of names) {
              const snap = view.actor(name);
              const cur = (snap.context as StageContext).cur;
              if (cur !== 0 && cur < last) return `${name} holds ${cur} after a finished stage holding ${last}`;
              if (snap.status === 'done') last = cur;
            }
            return true;
          },
        },
      ]
    : [];
  return {
    name: `sort-pipeline-${n}${orderedInvariant ? '-inv' : ''}`,
    actors: names.map((name, i) => ({ name, machine: stage(i, n) })),
    initialMessages: sortValues(n).map((v) => ({ to: 'stage0', event: { type: 'val', v } })),
    mailboxBound: n,
    invariants,
  };
}
