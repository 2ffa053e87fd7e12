/**
 * "Can this happen?": reachability queries and outcome sets (issue 12), the questions reviewers
 * ask of a concurrent protocol, answered over the reachable state graph (checkers/stateGraph.ts,
 * breadth-first, so every witness is a shortest schedule).
 *
 * - {@link reach}: for each query `{ name, when }` of `SystemSpec.reachable`, "reachable in N
 *   steps" with the shortest witness schedule and its replay token, "unreachable" when every
 *   reachable state was explored, or incomplete with the bound that cut the graph. Success is
 *   finding the state, not a violation: the answer to "can two CPUs be in the critical section
 *   at once?" on a lock-free handshake is yes, with the schedule.
 * - {@link outcomes}: the distinct final states (no actor can move), each projected to every
 *   actor's label (or state name), with a witness token each: the set of possible results, as
 *   litmus tools (herd7, litmus7) print `States 3 / 0:r0=0; 1:r0=1; ...`.
 */
import { runPath } from './replay.js';
import { ModelError } from './errors.js';
import { buildStateGraph } from './checkers/stateGraph.js';
import { SEARCH_DEFAULTS } from './result.js';
import { labelOf, loadSystem, type GlobalView, type LoadedSystem, type SystemSpec } from './system.js';
import { stateName } from './StepTable.js';

/** A state property to ask "is it reachable?" of (`SystemSpec.reachable`). */
export interface ReachQuery {
  name: string;
  /** True in the states asked about. */
  when: (view: GlobalView) => boolean;
}

export interface QueryAnswer {
  name: string;
  /** `reachable`: a witness exists; `unreachable`: every reachable state explored, none holds; `incomplete`: the bound cut the graph first. */
  answer: 'reachable' | 'unreachable' | 'incomplete';
  /** The shortest witness schedule (actor indices) and its token, when reachable. */
  path?: number[];
  token?: string;
  /** Steps of the witness. */
  steps?: number;
  /** States the graph held when the query was answered. */
  states: number;
  /** The state bound, when it cut the graph. */
  maxStates?: number;
  /** True when the search was stopped (`shouldStop`, Ctrl-C) before it was complete. */
  interrupted?: boolean;
}

export interface Outcome {
  /** Every actor's label (or state name) in the final state, in actor order: `cpu0=done cpu1=done x=1`. */
  labels: string[];
  /** True when some actor had not finished (a deadlock, or a daemon-free stop). */
  deadlock: boolean;
  /** The shortest schedule to one such final state, and its token. */
  path: number[];
  token: string;
}

export interface OutcomesResult {
  system: string;
  actorNames: string[];
  outcomes: Outcome[];
  /** False when the bound cut the graph: more outcomes may exist. */
  complete: boolean;
  states: number;
  maxStates: number;
  /** True when the search was stopped (`shouldStop`, Ctrl-C) before it was complete. */
  interrupted?: boolean;
}

export interface QueryOptions {
  /** Bound on the state graph; default 5,000,000 (the search's). */
  maxStates?: number;
  /** Asked now and then while the graph is built; true stops it (the answers are then incomplete, `interrupted`). */
  shouldStop?: () => boolean;
}

type WithQueries = SystemSpec & { reachable?: ReachQuery[] };

/** The queries of `system` named `names` (all of them without names); a ModelError names an unknown one. */
export function queriesOf(system: SystemSpec | LoadedSystem, names?: readonly string[]): ReachQuery[] {
  const spec = ('actorIndex' in system ? system.spec : system) as WithQueries;
  const all = spec.reachable ?? [];
  if (!Array.isArray(all)) throw new ModelError(`system '${spec.name}': 'reachable' must be an array of { name, when(view) }`);
  for (const [i, q] of all.entries()) {
    if (typeof q !== 'object' || q === null || typeof q.name !== 'string' || typeof q.when !== 'function') {
      throw new ModelError(`system '${spec.name}': reachable #${i} is not { name: string, when(view) => boolean }`);
    }
  }
  if (names === undefined) return all;
  return names.map((n) => {
    const q = all.find((x) => x.name === n);
    if (!q) {
      throw new ModelError(
        all.length
          ? `system '${spec.name}' has no reachability query '${n}'; its queries are ${all.map((x) => `'${x.name}'`).join(', ')}`
          : `system '${spec.name}' has no reachability queries: add reachable: [{ name: '${n}', when: (view) => ... }] to the system`,
      );
    }
    return q;
  });
}

/** Answers `queries` (default: all of the system's `reachable`) over the reachable state graph. */
export function reach(system: SystemSpec | LoadedSystem, queries: readonly ReachQuery[] = queriesOf(system), options: QueryOptions = {}): QueryAnswer[] {
  const maxStates = options.maxStates ?? SEARCH_DEFAULTS.maxStates;
  const g = buildStateGraph(system, { maxStates, ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}) });
  const v = g.kernel.newState();
  const found: Array<number | undefined> = queries.map(() => undefined);
  for (let s = 0; s < g.store.size && found.some((f) => f === undefined); s++) {
    g.store.read(s, v);
    g.kernel.rehash(v);
    const view = g.kernel.view(v);
    queries.forEach((q, i) => {
      if (found[i] !== undefined) return;
      let holds: unknown;
      try {
        holds = q.when(view);
      } catch (err) {
        throw new ModelError(`reachability query '${q.name}': when() threw: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (typeof holds !== 'boolean') throw new ModelError(`reachability query '${q.name}': when() must return a boolean, got ${typeof holds}`);
      if (holds) found[i] = s;
    });
  }
  return queries.map((q, i) => {
    const s = found[i];
    if (s !== undefined) {
      const path = g.store.pathTo(s);
      return { name: q.name, answer: 'reachable', path, token: runPath(g.kernel, path).token, steps: path.length, states: g.store.size };
    }
    if (g.complete) return { name: q.name, answer: 'unreachable', states: g.store.size };
    return g.stopped ? { name: q.name, answer: 'incomplete', states: g.store.size, interrupted: true } : { name: q.name, answer: 'incomplete', states: g.store.size, maxStates };
  });
}

/** The distinct final states of `system`, each as every actor's label, with a witness each. */
export function outcomes(system: SystemSpec | LoadedSystem, options: QueryOptions = {}): OutcomesResult {
  const loaded = 'actorIndex' in system ? system : loadSystem(system);
  const maxStates = options.maxStates ?? SEARCH_DEFAULTS.maxStates;
  const g = buildStateGraph(loaded, { maxStates, ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}) });
  const v = g.kernel.newState();
  const byKey = new Map<string, Outcome>();
  for (let s = 0; s < g.store.size; s++) {
    if ((g.actors[s] as number[]).length !== 0) continue;
    if (!g.complete && s >= g.store.size - 1) continue;
    g.store.read(s, v);
    g.kernel.rehash(v);
    const view = g.kernel.view(v);
    const labels = loaded.actorNames.map((name) => {
      const snap = view.actor(name);
      return `${name}=${labelOf(loaded.spec.actors[loaded.actorIndex.get(name) as number], snap.context) ?? stateName(snap)}`;
    });
    const key = labels.join('\u0000');
    if (byKey.has(key)) continue;
    const deadlock = g.kernel.deadlockFinding(v) !== undefined;
    const path = g.store.pathTo(s);
    byKey.set(key, { labels, deadlock, path, token: runPath(g.kernel, path).token });
  }
  const list = [...byKey.values()].sort((a, b) => (a.labels.join(' ') < b.labels.join(' ') ? -1 : a.labels.join(' ') > b.labels.join(' ') ? 1 : 0));
  return { system: loaded.name, actorNames: [...loaded.actorNames], outcomes: list, complete: g.complete, states: g.store.size, maxStates, ...(g.stopped ? { interrupted: true } : {}) };
}
