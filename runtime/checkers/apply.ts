/**
 * One checker list applied to a system, the same way in every thread that builds it for a run.
 */
import { loadSystem, type SystemSpec } from '../system.js';
import type { CheckerFactory } from './Checker.js';
import { selectCheckers, type CheckerSelection } from './select.js';

/**
 * `system` as a run judges it: its checkers (and `extra`, a catalogue entry's) replaced by those
 * `list` chooses ({@link selectCheckers}; without a list, the system's own and `extra`), with
 * the analyses to run after the search. Every thread that builds the system for one run (the
 * command line, a supervised search's worker, parallel-bfs's workers) applies the same list, so
 * they judge by the same checkers. `where` prefixes errors (`option --checkers`).
 */
export function applyCheckers(system: SystemSpec, extra: readonly CheckerFactory[], list: readonly string[] | undefined, where: string): { system: SystemSpec; selection: CheckerSelection } {
  const loaded = loadSystem(system);
  const selection = selectCheckers([...loaded.checkers, ...extra], loaded.analyses, list, where);
  return { system: { ...system, checkers: selection.factories }, selection };
}
