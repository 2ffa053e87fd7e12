/**
 * Outcome sets for the primitives' specs: explore a system to the end and collect its final
 * states (no actor can move), each as the labels of the named actors, like a litmus tool prints
 * the set of possible results. Also collects the violations by kind and actor.
 */
import { Exploration } from '../../runtime/explorer.js';
import { stateName } from '../../runtime/StepTable.js';
import { labelOf, type SystemSpec } from '../../runtime/system.js';
import type { CheckerFactory } from '../../runtime/checkers/Checker.js';

export interface OutcomeSet {
  verdict: string;
  complete: boolean;
  /** Sorted, distinct: `actor=label actor=label ...` of every final state. */
  finals: string[];
  /** `kind: message`, in the order found. */
  violations: string[];
}

export function outcomeSet(system: SystemSpec, show: string[], options: { checkers?: CheckerFactory[]; maxViolations?: number } = {}): OutcomeSet {
  const ex = new Exploration(system, { maxViolations: options.maxViolations ?? 50, ...(options.checkers ? { checkers: options.checkers } : {}) });
  while (!ex.done) ex.advance(Number.MAX_SAFE_INTEGER);
  const result = ex.result();
  const { kernel, store } = ex;
  const finals = new Set<string>();
  const v = kernel.newState();
  for (let id = 0; id < store.size; id++) {
    store.read(id, v);
    if (kernel.enabledActors(v).length) continue;
    const parts = show.map((name) => {
      const a = kernel.system.actorIndex.get(name) as number;
      const snap = kernel.snapshot(v, a);
      return `${name}=${labelOf(system.actors[a], snap.context) ?? stateName(snap)}`;
    });
    finals.add(parts.join(' '));
  }
  return { verdict: result.verdict, complete: result.complete, finals: [...finals].sort(), violations: result.violations.map((v) => `${v.kind}: ${v.message}`) };
}
