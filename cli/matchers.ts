/**
 * vitest matchers for models, so a spec reads like the claim it makes:
 *
 * @example
 * ```ts
 * import '../../cli/matchers.js';
 *
 * expect(twoCpus('fixed', ['d.lock', 'vgic.lock'])).toBeVerified();
 * expect(twoCpus('abba', ['vgic.lock', 'd.lock'])).toFindViolation({ kind: 'deadlock' });
 * expect(system).toFindViolation({ kind: 'assertion', message: /spin_is_locked/ }, { strategy: 'dfs' });
 * ```
 *
 * A failure message carries what a person needs to act on it: the violation's sentence, its
 * trace (one line per step, a column per actor) and its replay token with the command that
 * replays it; or, for a search that stopped early, which bound tripped.
 *
 * Importing this module registers the matchers with vitest's `expect` (and types them).
 */
import { expect } from 'vitest';
import { Kernel } from '../runtime/Kernel.js';
import type { ExploreOptions, ExploreResult } from '../runtime/explorer.js';
import { runPath } from '../runtime/replay.js';
import { withAnalyses } from '../runtime/analyses.js';
import type { CheckerFactory } from '../runtime/checkers/Checker.js';
import { selectCheckers } from '../runtime/checkers/select.js';
import { runStrategy } from '../runtime/strategies/index.js';
import { queriesOf, reach, type ReachQuery } from '../runtime/queries.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../runtime/system.js';
import { formatTrace } from '../runtime/trace.js';
import { escapeControl, escapeControlDeep } from './reports/escape.js';
import type { Violation, ViolationKind } from '../runtime/violations.js';
import { TRACE_COLUMN_WIDTH } from './reports/text.js';

/** Search options for a matcher: the engine's options and a strategy name from the registry. */
export interface MatcherOptions extends Omit<ExploreOptions, 'strategy' | 'onProgress' | 'onViolation' | 'checkers'> {
  strategy?: string;
  seed?: number;
  /**
   * Checker factories to run besides the system's own; or checker names, as `--checkers` takes
   * them (`['lockdep', 'race']`, `['all']`, `['none']`: runtime/checkers/select.ts), which
   * replace the system's own and may name the whole-graph analyses `race` and `liveness`.
   */
  checkers?: CheckerFactory[] | string[];
}

export interface ViolationPattern {
  kind: ViolationKind;
  /** The sentence contains this text, or matches this pattern. */
  message?: string | RegExp;
  /** The actor at fault. */
  actor?: string;
}

interface InterleaveMatchers<R = unknown> {
  /** The whole reachable state space is explored and nothing is wrong. */
  toBeVerified(options?: MatcherOptions): R;
  /** The search finds a violation of this kind (and message, and actor, if given). */
  toFindViolation(pattern: ViolationPattern, options?: MatcherOptions): R;
  /**
   * A state where the query holds is reachable: the query by name from the system's
   * `reachable`, or given here. `.not.toReach` passes only when every reachable state was
   * explored; a search the state bound cut fails either way.
   */
  toReach(query: string | ReachQuery, options?: { maxStates?: number }): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends InterleaveMatchers<T> {}
}

function search(received: unknown, options: MatcherOptions, extra: Partial<ExploreOptions> = {}): { loaded: LoadedSystem; result: ExploreResult } {
  if (typeof received !== 'object' || received === null || !Array.isArray((received as SystemSpec).actors)) {
    throw new TypeError(`expected a system ({ name, actors, ... }), got ${received === null ? 'null' : typeof received}`);
  }
  let loaded = 'actorIndex' in (received as object) ? (received as LoadedSystem) : loadSystem(received as SystemSpec);
  const { strategy = 'bfs', checkers = [], ...rest } = options;
  const maxViolations = rest.maxViolations ?? extra.maxViolations;
  const bounds = { ...(rest.maxStates === undefined ? {} : { maxStates: rest.maxStates }), ...(maxViolations === undefined ? {} : { maxViolations }) };
  if (checkers.some((c) => typeof c === 'string')) {
    const selection = selectCheckers(loaded.checkers, loaded.analyses, checkers as string[], 'matcher option checkers');
    loaded = loadSystem({ ...loaded.spec, checkers: selection.factories });
    const result = runStrategy(strategy, loaded, { ...extra, ...rest });
    return { loaded, result: withAnalyses(loaded, selection.analyses, result, bounds) };
  }
  const result = runStrategy(strategy, loaded, { ...extra, ...rest, checkers: checkers as CheckerFactory[] });
  return { loaded, result: withAnalyses(loaded, loaded.analyses, result, bounds) };
}

/** A violation as a failure message shows it: sentence, report, trace, token. */
export function describeViolation(loaded: LoadedSystem, v: Violation): string {
  const { trace } = runPath(new Kernel(loaded), v.path);
  return [
    escapeControl(v.message.startsWith(`${v.kind}:`) ? v.message : `${v.kind}: ${v.message}`),
    ...(v.report ? [escapeControl(v.report)] : []),
    formatTrace(escapeControlDeep(trace), { maxColumnWidth: TRACE_COLUMN_WIDTH }),
    `replay token: ${v.token}`,
    `replay it: replay(system, '${v.token}'), or npx interleave replay <model file>@${v.token}`,
  ].join('\n');
}

function describeResult(result: ExploreResult): string {
  const s = result.stats;
  const where = `${s.states} states, ${s.transitions} transitions, strategy ${result.strategy}`;
  if (result.verdict === 'verified') return `it was verified (${where})`;
  if (result.verdict === 'incomplete') return `the search stopped early, nothing proven (${where}): ${result.bound ? `${result.bound.name} = ${result.bound.limit} tripped: ${result.bound.hint}` : (result.note ?? 'no bound recorded')}`;
  return `it has ${result.violations.length} violation(s) (${where})`;
}

function matches(v: Violation, p: ViolationPattern): boolean {
  if (v.kind !== p.kind) return false;
  if (p.actor !== undefined && v.actor !== p.actor) return false;
  if (p.message === undefined) return true;
  return typeof p.message === 'string' ? v.message.includes(p.message) : p.message.test(v.message);
}

export const interleaveMatchers = {
  toBeVerified(received: unknown, options: MatcherOptions = {}) {
    const { loaded, result } = search(received, options);
    const pass = result.verdict === 'verified';
    return {
      pass,
      message: () =>
        escapeControl(
          pass
            ? `expected system '${loaded.name}' not to be verified, but ${describeResult(result)}`
            : [`expected system '${loaded.name}' to be verified, but ${describeResult(result)}`, ...result.violations.map((v) => describeViolation(loaded, v))].join('\n\n'),
        ),
    };
  },

  toFindViolation(received: unknown, pattern: ViolationPattern, options: MatcherOptions = {}) {
    // Collect several violations, so a different one found first does not hide the one asked for.
    const { loaded, result } = search(received, options, { maxViolations: 20 });
    const found = result.violations.find((v) => matches(v, pattern));
    const wanted = `violation of kind '${pattern.kind}'${pattern.message === undefined ? '' : ` with message ${String(pattern.message)}`}${pattern.actor === undefined ? '' : ` in actor '${pattern.actor}'`}`;
    return {
      pass: found !== undefined,
      message: () =>
        escapeControl(
          found
            ? `expected system '${loaded.name}' to have no ${wanted}, but found one:\n\n${describeViolation(loaded, found)}`
            : [`expected system '${loaded.name}' to have a ${wanted}, but ${describeResult(result)}`, ...result.violations.map((v) => describeViolation(loaded, v))].join('\n\n'),
        ),
    };
  },

  toReach: reachMatcher,
};

/** toReach's half: the answer to one query, and the failure message. */
function reachMatcher(received: unknown, query: string | ReachQuery, options: { maxStates?: number } = {}) {
  if (typeof received !== 'object' || received === null || !Array.isArray((received as SystemSpec).actors)) {
    throw new TypeError(`expected a system ({ name, actors, ... }), got ${received === null ? 'null' : typeof received}`);
  }
  const loaded = 'actorIndex' in (received as object) ? (received as LoadedSystem) : loadSystem(received as SystemSpec);
  const [q] = typeof query === 'string' ? queriesOf(loaded, [query]) : [query];
  const [a] = reach(loaded, [q as ReachQuery], options);
  if (!a || a.answer === 'incomplete') {
    throw new Error(escapeControl(`system '${loaded.name}': reachability of '${(q as ReachQuery).name}' is unknown: the state bound (${a?.maxStates ?? '?'}) cut the search after ${a?.states ?? 0} states; raise maxStates`));
  }
  const pass = a.answer === 'reachable';
  return {
    pass,
    message: () => {
      if (!pass) return escapeControl(`expected system '${loaded.name}' to reach '${a.name}', but it is unreachable: every reachable state explored (${a.states} states), none satisfies it`);
      const { trace } = runPath(new Kernel(loaded), a.path ?? []);
      return escapeControl(
        [
          `expected system '${loaded.name}' not to reach '${a.name}', but it is reachable in ${a.steps} steps:`,
          formatTrace(escapeControlDeep(trace), { maxColumnWidth: TRACE_COLUMN_WIDTH }),
          `replay token: ${a.token}`,
          `replay it: replay(system, '${a.token}'), or npx interleave replay <model file>@${a.token}`,
        ].join('\n'),
      );
    },
  };
}

expect.extend(interleaveMatchers);
