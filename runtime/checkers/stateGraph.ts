/**
 * The reachable state graph, built with the engine's Kernel and StateStore, for analyses that
 * need more than one transition at a time: liveness (cycles) and data races (steps enabled
 * together). Breadth-first, so every state's stored path is a shortest one.
 */
import { Kernel, STEP_DISABLED, type Move } from '../Kernel.js';
import { StateStore } from '../StateStore.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../system.js';

export interface StateGraph {
  system: LoadedSystem;
  kernel: Kernel;
  store: StateStore;
  /** Outgoing edges of state s: `actors[s][i]` steps to `targets[s][i]`. */
  actors: number[][];
  targets: number[][];
  /** False when `maxStates` cut the search (or `shouldStop` stopped it): the graph is a prefix of the real one. */
  complete: boolean;
  /** True when `shouldStop` ended the search before the graph was complete. */
  stopped: boolean;
}

export interface GraphOptions {
  /** Stop storing new states past this many. Default 200,000. */
  maxStates?: number;
  /** Called for each step computed, with the step's move (the message taken, the outcome). */
  onStep?: (state: number, actor: number, kernel: Kernel, move: Move) => void;
  /** Asked every 1,024 states expanded; true ends the search with an incomplete graph (Ctrl-C). */
  shouldStop?: () => boolean;
}

export function buildStateGraph(system: SystemSpec | LoadedSystem, options: GraphOptions = {}): StateGraph {
  const loaded = 'actorIndex' in system ? system : loadSystem(system);
  const kernel = new Kernel(loaded);
  const store = new StateStore(kernel.actorCount);
  const maxStates = options.maxStates ?? 200_000;
  store.add(kernel.initial(), -1, -1, 0);
  const actors: number[][] = [];
  const targets: number[][] = [];
  const v = kernel.newState();
  const out = kernel.newState();
  let complete = true;
  let stopped = false;
  for (let s = 0; s < store.size; s++) {
    if ((s & 1023) === 1023 && options.shouldStop?.()) {
      complete = false;
      stopped = true;
      break;
    }
    store.read(s, v);
    kernel.rehash(v);
    const as: number[] = [];
    const ts: number[] = [];
    for (let a = 0; a < kernel.actorCount; a++) {
      if (kernel.step(v, a, out) === STEP_DISABLED) continue;
      options.onStep?.(s, a, kernel, kernel.move(v, a) as Move);
      let id = store.add(out, s, a, store.depth(s) + 1);
      if (id < 0) id = -id - 1;
      else if (store.size > maxStates) complete = false;
      as.push(a);
      ts.push(id);
    }
    actors.push(as);
    targets.push(ts);
    if (!complete) break;
  }
  while (actors.length < store.size) {
    actors.push([]);
    targets.push([]);
  }
  return { system: loaded, kernel, store, actors, targets, complete, stopped };
}

/**
 * Shortest actor path from `from` to a state satisfying `goal`, moving only through `allowed`
 * states. With `nonEmpty`, at least one step (a path from a state back to itself is a cycle).
 */
export function pathWithin(g: StateGraph, from: number, goal: (s: number) => boolean, allowed: (s: number) => boolean, nonEmpty = false): { path: number[]; end: number } | undefined {
  if (!nonEmpty && goal(from)) return { path: [], end: from };
  const prev = new Map<number, [number, number]>();
  const queue = [from];
  const seen = new Set([from]);
  const walk = (s: number, a: number): number[] => {
    const path = [a];
    let at = s;
    while (at !== from) {
      const [p, b] = prev.get(at) as [number, number];
      path.unshift(b);
      at = p;
    }
    return path;
  };
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i] as number;
    const as = g.actors[s] as number[];
    const ts = g.targets[s] as number[];
    for (let k = 0; k < as.length; k++) {
      const t = ts[k] as number;
      if (!allowed(t)) continue;
      if (goal(t)) return { path: walk(s, as[k] as number), end: t };
      if (seen.has(t)) continue;
      seen.add(t);
      prev.set(t, [s, as[k] as number]);
      queue.push(t);
    }
  }
  return undefined;
}
