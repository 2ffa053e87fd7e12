/**
 * Choosing checkers by name, per run (issue 12 fault 3): `--checkers lockdep,race` on the command
 * line, `checkers: ['lockdep', 'race']` in a system, `{ checkers: [...] }` in the matchers.
 *
 * The names:
 *
 * - transition checkers, judging every step during the search: `lockdep` (lockdep.ts),
 *   `checklock` (checklock.ts, Xen's CHECKLOCK), `leak` (lockLeak.ts), `uaf` (useAfterFree.ts),
 *   `sleep` (sleepInAtomic.ts);
 * - analyses of the whole state graph, run after the search: `race` (race.ts, findDataRaces),
 *   `liveness` (liveness.ts, checkLiveness over the system's `liveness` properties);
 * - a system's own checker, by the name it reports under (`ffa_ctx lock discipline`);
 * - `default`: what the system lists (its own `checkers`), `all`: every built-in one and the
 *   system's own, `none`: nothing (alone).
 *
 * Without a list, a run uses the system's own: nothing is judged that the model did not ask for.
 */
import { ModelError } from '../errors.js';
import type { CheckerFactory } from './Checker.js';
import { checkLock } from './checklock.js';
import { lockdep } from './lockdep.js';
import { lockLeak } from './lockLeak.js';
import { sleepInAtomic } from './sleepInAtomic.js';
import { useAfterFree } from './useAfterFree.js';

/** The built-in transition checkers, by the name `--checkers` takes. */
export const TRANSITION_CHECKERS = { lockdep, checklock: checkLock, leak: lockLeak, uaf: useAfterFree, sleep: sleepInAtomic } as const satisfies Record<string, CheckerFactory>;

/** The analyses of the whole state graph, run after the search. */
export const ANALYSES = ['race', 'liveness'] as const;
export type AnalysisName = (typeof ANALYSES)[number];

/** Every built-in checker name. */
export const CHECKER_NAMES = [...(Object.keys(TRANSITION_CHECKERS) as Array<keyof typeof TRANSITION_CHECKERS>), ...ANALYSES] as const;
export type CheckerName = keyof typeof TRANSITION_CHECKERS | AnalysisName;

/** The words a checker list may hold besides names. */
export const CHECKER_KEYWORDS = ['default', 'all', 'none'] as const;

/** What a run judges: transition checkers (factories, with their names) and analyses. */
export interface CheckerSelection {
  factories: CheckerFactory[];
  /** The transition checkers' names as they report (`lockdep`, `use-after-free`, a system's own). */
  names: string[];
  analyses: AnalysisName[];
}

/** `lockdep,race` as a list of names; spaces around commas allowed. */
export function splitCheckerList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim());
}

/**
 * The checkers a run uses: `list` (names, {@link CHECKER_KEYWORDS}, or the system's own checkers'
 * names), or without it the system's own (`own`: its factories; `ownAnalyses`: names it listed).
 * `where` prefixes errors: `option --checkers`, `system 'x': checkers`.
 */
export function selectCheckers(own: readonly CheckerFactory[], ownAnalyses: readonly AnalysisName[], list: readonly string[] | undefined, where: string): CheckerSelection {
  const ownNamed = own.map((make) => ({ make, name: make().name }));
  const def = (): CheckerSelection => ({ factories: ownNamed.map((o) => o.make), names: ownNamed.map((o) => o.name), analyses: [...ownAnalyses] });
  if (list === undefined) return def();
  const known = [...CHECKER_NAMES, ...ownNamed.map((o) => o.name).filter((n) => !(CHECKER_NAMES as readonly string[]).includes(n)), ...CHECKER_KEYWORDS];
  if (list.length === 0 || list.some((n) => n === '')) throw new ModelError(`${where}: an empty checker name; give a comma-separated list of ${known.join(', ')}`);
  for (const n of list) {
    if (!known.includes(n)) throw new ModelError(`${where}: unknown checker '${n}'; checkers are ${known.join(', ')}`);
  }
  if (list.includes('none')) {
    if (list.length > 1) throw new ModelError(`${where}: 'none' cannot be combined with other checkers (got ${list.join(',')})`);
    return { factories: [], names: [], analyses: [] };
  }
  const out: CheckerSelection = { factories: [], names: [], analyses: [] };
  const addTransition = (make: CheckerFactory, name: string): void => {
    if (out.names.includes(name)) return;
    out.factories.push(make);
    out.names.push(name);
  };
  const addAnalysis = (a: AnalysisName): void => {
    if (!out.analyses.includes(a)) out.analyses.push(a);
  };
  const builtinName = (key: keyof typeof TRANSITION_CHECKERS): string => TRANSITION_CHECKERS[key]().name;
  for (const n of list) {
    if (n === 'default' || n === 'all') {
      const d = def();
      d.factories.forEach((make, i) => addTransition(make, d.names[i] as string));
      d.analyses.forEach(addAnalysis);
      if (n === 'all') {
        for (const key of Object.keys(TRANSITION_CHECKERS) as Array<keyof typeof TRANSITION_CHECKERS>) addTransition(TRANSITION_CHECKERS[key], builtinName(key));
        ANALYSES.forEach(addAnalysis);
      }
    } else if (n in TRANSITION_CHECKERS) {
      const key = n as keyof typeof TRANSITION_CHECKERS;
      const mine = ownNamed.find((o) => o.name === builtinName(key));
      addTransition(mine?.make ?? TRANSITION_CHECKERS[key], builtinName(key));
    } else if ((ANALYSES as readonly string[]).includes(n)) {
      addAnalysis(n as AnalysisName);
    } else {
      const mine = ownNamed.find((o) => o.name === n);
      if (mine) addTransition(mine.make, mine.name);
    }
  }
  return out;
}
