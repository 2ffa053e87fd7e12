/**
 * What every strategy must agree on with full search, as comparable sets of strings: the
 * violations (kind + message), and the reachable deadlock and terminal states, each described
 * by value (local states and mailboxes as canonical keys), since interned ids differ between
 * explorations.
 */
import { expect } from 'vitest';
import { Kernel } from '../../runtime/Kernel.js';
import { canonicalKey } from '../../runtime/plainData.js';
import type { StateStore } from '../../runtime/StateStore.js';
import type { ExploreResult } from '../../runtime/explorer.js';

export interface Outcomes {
  violations: string[];
  deadlocks: string[];
  terminals: string[];
}

/** The state `v` by value: every actor's state value, context and status, and its mailbox. */
export function describeState(kernel: Kernel, v: Int32Array): string {
  const parts: unknown[] = [];
  for (let a = 0; a < kernel.actorCount; a++) {
    const snap = kernel.snapshot(v, a);
    const box = kernel.mailbox(v, a).map((m) => kernel.table.message(m));
    parts.push([snap.value, snap.context ?? null, snap.status, box]);
  }
  return canonicalKey(parts);
}

/** Terminal (nothing enabled, no invariant broken) and deadlocked states of a finished search. */
export function endStates(kernel: Kernel, store: StateStore): Pick<Outcomes, 'deadlocks' | 'terminals'> {
  const deadlocks: string[] = [];
  const terminals: string[] = [];
  const v = kernel.newState();
  for (let id = 0; id < store.size; id++) {
    store.read(id, v);
    if (kernel.enabledActors(v).length) continue;
    if (kernel.invariantFindings(v).length) continue;
    const d = describeState(kernel, v);
    terminals.push(d);
    if (kernel.deadlockFinding(v)) deadlocks.push(d);
  }
  return { deadlocks: deadlocks.sort(), terminals: terminals.sort() };
}

export function violationKeys(result: ExploreResult): string[] {
  return result.violations.map((v) => `${v.kind}: ${v.message}`).sort();
}

/**
 * A reduced search (DPOR) against full search on one system: the same violations, deadlocks and
 * terminal states (and verdict, where both carry one), storing no more states; `complete` is
 * checked on whichever side carries it.
 */
export function expectSameAnswers(
  full: Outcomes & { states: number; complete?: boolean; verdict?: string },
  reduced: Outcomes & { states: number; complete?: boolean; verdict?: string },
): void {
  if (full.complete !== undefined) expect(full.complete).toBe(true);
  if (reduced.complete !== undefined) expect(reduced.complete).toBe(true);
  if (full.verdict !== undefined) expect(reduced.verdict).toBe(full.verdict);
  expect(reduced.violations).toEqual(full.violations);
  expect(reduced.deadlocks).toEqual(full.deadlocks);
  expect(reduced.terminals).toEqual(full.terminals);
  expect(reduced.states).toBeLessThanOrEqual(full.states);
}
