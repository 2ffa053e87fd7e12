/**
 * Liveness under weak fairness: "always eventually" properties with a lasso counterexample
 * (DESIGN.md decision 7; SCENARIOS.md C7: "every SRI raised on a ready CPU is followed by a
 * tasklet run").
 *
 * A property is `trigger ~> eventually` (G(trigger -> F eventually)); without `trigger` it is
 * "always eventually" (G F eventually). It is violated by an infinite run that from some state
 * where `trigger` holds never again reaches a state where `eventually` holds. Runs that end (no
 * actor can move) count as stuttering in their last state forever.
 *
 * Only weakly fair runs count: an actor that is enabled continuously from some point on takes
 * a step infinitely often. (Otherwise every model "violates" liveness by never scheduling the
 * actor that would make progress.) Actors in this engine have one enabled step at a time, so
 * "the actor is enabled" is the fairness unit.
 *
 * Algorithm (the classical one for weak fairness, cf. Lichtenstein-Pnueli / SPIN's -f): build
 * the reachable state graph (stateGraph.ts); keep the states where `eventually` is false; find
 * their strongly connected components (Tarjan, iterative). A component holds a fair cycle iff
 * every actor enabled in all of its states has a step inside it: then a closed walk through the
 * component that takes such a step for each of those actors, and visits a state where each other
 * actor is disabled, is weakly fair. Dead ends where `eventually` is false also count. A
 * violation is a triggered state, reachable from the start, from which such a component or
 * dead end is reachable without `eventually` holding: the lasso is the shortest path to that
 * state (BFS), the path on into the component, and the fair closed walk.
 *
 * This is its own analysis, not a transition checker: cycles are a property of the graph.
 *
 * @example
 * ```ts
 * const result = checkLiveness({ ...system, liveness: [{ name: 'sri handled', trigger: raised, eventually: handled }] });
 * if (result.verdict === 'violation') console.log(result.violations[0].report);
 * ```
 */
import { Kernel } from '../Kernel.js';
import { runPath } from '../replay.js';
import { formatTrace } from '../trace.js';
import type { GlobalView, LoadedSystem, SystemSpec } from '../system.js';
import type { Violation } from '../violations.js';
import { buildStateGraph, pathWithin, type StateGraph } from './stateGraph.js';

export interface LivenessProperty {
  name: string;
  /** When this holds, `eventually` must hold now or later. Default: always (G F eventually). */
  trigger?: (view: GlobalView) => boolean;
  eventually: (view: GlobalView) => boolean;
}

/** A system that declares its liveness properties. */
export type LiveSystem = SystemSpec & { liveness?: LivenessProperty[] };

export interface LassoViolation extends Violation {
  kind: 'liveness';
  property: string;
  /** Actor indices from the start to the first state of the cycle. */
  prefix: number[];
  /** Actor indices of the cycle, repeated forever; empty when the run stops (stutters). */
  cycle: number[];
}

export interface LivenessResult {
  system: string;
  verdict: 'verified' | 'violation' | 'incomplete';
  states: number;
  violations: LassoViolation[];
}

export interface LivenessOptions {
  /** Properties to check, instead of the system's `liveness`. */
  properties?: LivenessProperty[];
  /** Bound on stored states; default 200,000. Past it, nothing is proven. */
  maxStates?: number;
}

/** Checks the system's liveness properties; see the header for the semantics. */
export function checkLiveness(system: LiveSystem, options: LivenessOptions = {}): LivenessResult {
  const properties = options.properties ?? system.liveness ?? [];
  const graph = buildStateGraph(system, { maxStates: options.maxStates ?? 200_000 });
  const violations: LassoViolation[] = [];
  for (const p of properties) {
    const v = checkOne(graph, p);
    if (v) violations.push(v);
  }
  const verdict = violations.length ? 'violation' : graph.complete ? 'verified' : 'incomplete';
  return { system: graph.system.name, verdict, states: graph.store.size, violations };
}

function checkOne(g: StateGraph, p: LivenessProperty): LassoViolation | undefined {
  const n = g.store.size;
  const k = g.kernel;
  const vec = k.newState();
  const bad = new Uint8Array(n); // `eventually` false
  const trig = new Uint8Array(n);
  for (let s = 0; s < n; s++) {
    g.store.read(s, vec);
    const view = k.view(vec);
    bad[s] = p.eventually(view) ? 0 : 1;
    trig[s] = !p.trigger || p.trigger(view) ? 1 : 0;
  }
  const comp = tarjan(g, (s) => bad[s] === 1);
  // Targets: states of fair components, and dead ends, where `eventually` is false.
  const fair = new Map<number, Witness[]>();
  const target = new Uint8Array(n);
  for (const [id, states] of comp.components) {
    const w = fairWitnesses(g, states, comp.of, id);
    if (w) {
      fair.set(id, w);
      for (const s of states) target[s] = 1;
    }
  }
  for (let s = 0; s < n; s++) if (bad[s] && (g.actors[s] as number[]).length === 0) target[s] = 1;
  // States that reach a target through `eventually`-false states: backward search.
  const pred: number[][] = Array.from({ length: n }, () => []);
  for (let s = 0; s < n; s++) for (const t of g.targets[s] as number[]) if (bad[s] && bad[t]) (pred[t] as number[]).push(s);
  const reaches = new Uint8Array(n);
  const queue: number[] = [];
  const mark = (s: number): void => {
    if (reaches[s]) return;
    reaches[s] = 1;
    queue.push(s);
  };
  for (let s = 0; s < n; s++) if (target[s]) mark(s);
  for (let i = 0; i < queue.length; i++) for (const q of pred[queue[i] as number] as number[]) mark(q);
  let start = -1;
  for (let s = 0; s < n; s++) {
    if (bad[s] && trig[s] && reaches[s] && (start < 0 || g.store.depth(s) < g.store.depth(start))) start = s;
  }
  if (start < 0) return undefined;
  const prefix = g.store.pathTo(start);
  const into = pathWithin(g, start, (s) => target[s] === 1, (s) => bad[s] === 1);
  if (!into) throw new Error('[interleave internal bug] liveness: a state that reaches a target has no path to it');
  prefix.push(...into.path);
  const entry = into.end;
  const cycle = (g.actors[entry] as number[]).length === 0 ? [] : fairCycle(g, entry, comp.of, fair.get(comp.of[entry] as number) as Witness[]);
  return lasso(g.system, p, prefix, cycle, g.store.depth(start));
}

/** A step by `actor` from `from` inside the component, or (edge -1) a state where `actor` is disabled. */
interface Witness {
  actor: number;
  from: number;
  edge: number;
}

/** The witnesses that make a closed walk through the component weakly fair, or undefined if none is. */
function fairWitnesses(g: StateGraph, states: number[], of: Int32Array, id: number): Witness[] | undefined {
  const actorCount = g.kernel.actorCount;
  const out: Witness[] = [];
  if (states.length === 1) {
    const s = states[0] as number;
    if (!(g.targets[s] as number[]).includes(s)) return undefined; // a single state without a self-loop is no cycle
  }
  for (let a = 0; a < actorCount; a++) {
    let step: Witness | undefined;
    let disabled: Witness | undefined;
    let enabledSomewhere = false;
    for (const s of states) {
      const as = g.actors[s] as number[];
      const i = as.indexOf(a);
      if (i < 0) {
        disabled ??= { actor: a, from: s, edge: -1 };
        continue;
      }
      enabledSomewhere = true;
      if (!step && of[(g.targets[s] as number[])[i] as number] === id) step = { actor: a, from: s, edge: i };
    }
    if (!enabledSomewhere) continue;
    const w = step ?? disabled;
    if (!w) return undefined; // enabled everywhere in the component, never steps inside it: unfair
    out.push(w);
  }
  return out;
}

/** A closed walk from `entry` through every witness and back, inside the component. */
function fairCycle(g: StateGraph, entry: number, of: Int32Array, witnesses: Witness[]): number[] {
  const id = of[entry] as number;
  const inside = (s: number): boolean => of[s] === id;
  const walk: number[] = [];
  let at = entry;
  for (const w of witnesses) {
    const to = pathWithin(g, at, (s) => s === w.from, inside);
    if (!to) throw new Error('[interleave internal bug] liveness: component not strongly connected');
    walk.push(...to.path);
    at = w.from;
    if (w.edge >= 0) {
      walk.push(w.actor);
      at = (g.targets[at] as number[])[w.edge] as number;
    }
  }
  const back = pathWithin(g, at, (s) => s === entry, inside, walk.length === 0);
  if (!back) throw new Error('[interleave internal bug] liveness: no way back into the cycle');
  walk.push(...back.path);
  return walk;
}

/** Iterative Tarjan over the states where `keep` holds, edges between kept states only. */
function tarjan(g: StateGraph, keep: (s: number) => boolean): { of: Int32Array; components: Map<number, number[]> } {
  const n = g.store.size;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const of = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const components = new Map<number, number[]>();
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (!keep(root) || index[root] !== -1) continue;
    const work: Array<[number, number]> = [[root, 0]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const frame = work[work.length - 1] as [number, number];
      const [s, i] = frame;
      const ts = g.targets[s] as number[];
      if (i < ts.length) {
        frame[1] = i + 1;
        const t = ts[i] as number;
        if (!keep(t)) continue;
        if (index[t] === -1) {
          index[t] = low[t] = next++;
          stack.push(t);
          onStack[t] = 1;
          work.push([t, 0]);
        } else if (onStack[t]) low[s] = Math.min(low[s] as number, index[t] as number);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[s] as number);
      if (low[s] === index[s]) {
        const members: number[] = [];
        let m: number;
        do {
          m = stack.pop() as number;
          onStack[m] = 0;
          of[m] = s;
          members.push(m);
        } while (m !== s);
        components.set(s, members.sort((a, b) => a - b));
      }
    }
  }
  return { of, components };
}

function lasso(system: LoadedSystem | SystemSpec, p: LivenessProperty, prefix: number[], cycle: number[], triggeredAt: number): LassoViolation {
  const loaded = system as LoadedSystem;
  const run = runPath(new Kernel(loaded), [...prefix, ...cycle]);
  const names = loaded.actorNames;
  const who = [...new Set(cycle.map((a) => names[a] as string))].join(', ');
  const ends = cycle.length
    ? `then repeats a ${cycle.length}-step cycle forever (steps ${prefix.length + 1}-${prefix.length + cycle.length}: ${who}), a weakly fair run`
    : `then stops: no actor can move`;
  const message = `liveness: '${p.name}' is violated under weak fairness: ${p.trigger ? `triggered after step ${triggeredAt}, it never holds again` : 'it never holds'}; the run takes ${prefix.length} steps, ${ends}`;
  const trace = formatTrace(run.trace).split('\n');
  // Mark where the cycle starts: the header is the legend and column line, then row 0.
  const report = [
    `lasso: prefix of ${prefix.length} steps (1-${prefix.length})${cycle.length ? `, cycle of ${cycle.length} steps (${prefix.length + 1}-${prefix.length + cycle.length}) back to the state after step ${prefix.length}` : ', then the run stops (stutters forever)'}`,
    ...trace.slice(0, 3 + prefix.length),
    ...(cycle.length ? ['  -- cycle: the next steps repeat forever --', ...trace.slice(3 + prefix.length)] : trace.slice(3 + prefix.length)),
  ].join('\n');
  return { kind: 'liveness', message, path: [...prefix, ...cycle], token: run.token, report, property: p.name, prefix, cycle };
}
