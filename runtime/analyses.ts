/**
 * The analyses of the whole state graph that a run may ask for besides its search (`--checkers
 * race,liveness`, checkers/select.ts): data races (race.ts) and liveness (liveness.ts). Each
 * builds the state graph again with its own bound; their violations join the search's, and a
 * graph they could not finish makes a verified verdict incomplete, with a note saying which.
 */
import { checkLiveness, type LiveSystem } from './checkers/liveness.js';
import { findDataRaces } from './checkers/race.js';
import type { AnalysisName } from './checkers/select.js';
import type { ExploreResult } from './result.js';
import { SEARCH_DEFAULTS } from './result.js';
import type { LoadedSystem } from './system.js';
import { violationKey, type Violation } from './violations.js';

export interface AnalysisOptions {
  /** Bound on each analysis's state graph; default the search's default (5,000,000). */
  maxStates?: number;
  /** As the search's: all violations up to this many; without it, the first of each kind. */
  maxViolations?: number;
}

/** `result` with the violations of `analyses` added (none after an interrupted search). */
export function withAnalyses(system: LoadedSystem, analyses: readonly AnalysisName[], result: ExploreResult, options: AnalysisOptions = {}): ExploreResult {
  if (analyses.length === 0 || result.interrupted) return result;
  const maxStates = options.maxStates ?? SEARCH_DEFAULTS.maxStates;
  const found: Violation[] = [];
  const notes: string[] = [];
  let incomplete = false;
  for (const a of analyses) {
    if (a === 'race') {
      const r = findDataRaces(system, { maxStates });
      found.push(...r.violations);
      if (r.verdict === 'incomplete') {
        incomplete = true;
        notes.push(`the data-race analysis stopped at ${maxStates.toLocaleString('en-US')} states`);
      }
    } else {
      const spec = system.spec as LiveSystem;
      if (!spec.liveness?.length) {
        notes.push("liveness: the system declares no 'liveness' properties, so there was nothing to check");
        continue;
      }
      const r = checkLiveness(spec, { maxStates });
      found.push(...r.violations);
      if (r.verdict === 'incomplete') {
        incomplete = true;
        notes.push(`the liveness analysis stopped at ${maxStates.toLocaleString('en-US')} states`);
      }
    }
  }
  const violations = [...result.violations];
  const seen = new Set(violations.map(violationKey));
  for (const v of found) {
    if (options.maxViolations !== undefined ? violations.length >= options.maxViolations : violations.some((w) => w.kind === v.kind)) continue;
    if (seen.has(violationKey(v))) continue;
    seen.add(violationKey(v));
    violations.push(v);
  }
  const verdict = violations.length > 0 ? 'violation' : incomplete && result.verdict === 'verified' ? 'incomplete' : result.verdict;
  const note = [result.note, ...notes].filter(Boolean).join('; ');
  return { ...result, verdict, complete: result.complete && !incomplete, violations, ...(note ? { note } : {}) };
}
