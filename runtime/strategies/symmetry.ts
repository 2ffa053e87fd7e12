/**
 * Symmetry reduction, as TLC's SYMMETRY (and Ip & Dill, "Better verification through symmetry",
 * 1996): when a model declares groups of interchangeable actors (`SystemSpec.symmetric`),
 * every global state is stored as one canonical representative of its orbit under the
 * permutations of each group, and BFS explores representatives only.
 *
 * Permuting actors moves their slots (local state and mailbox) and renames them inside data.
 * **What is renamed**: every string, anywhere in a context or a message (including `from`,
 * payload fields and object keys), that is exactly the name of an actor in a symmetric group.
 * The restriction that follows: a model whose behaviour depends on an actor name in any other
 * way (a name spliced into a longer string, a member index in a number, a comparison of names
 * by order) is not symmetric, and declaring it so gives wrong verdicts. Machines with history
 * states are rejected (their history refers to state nodes of one machine).
 *
 * A member of a group may be a tuple of actors that move together: `[['g1.vcpu0', 'g1.ctx'],
 * ['g2.vcpu0', 'g2.ctx']]` swaps both pairs at once, so a vCPU that sends to its own guest's
 * context (a name written in its machine) stays consistent.
 *
 * The canonical representative is the lexicographically smallest packed vector over all
 * permutations (all of them are enumerated: groups are small; at most 40,320 in total).
 * Renamed local states and messages are interned once and cached per permutation.
 *
 * Reported schedules are concrete: each stored state remembers the permutation that made it
 * canonical, and a path of canonical steps is mapped back to actual actors step by step, then
 * replayed from scratch like any other violation; the violation's message names the actors of
 * that concrete schedule. Verdicts equal full search's up to renaming the group's members: one
 * violation per orbit (e.g. one of "g1 asserts" / "g2 asserts").
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { ModelError } from '../errors.js';
import { Kernel, type Finding } from '../Kernel.js';
import { runPath } from '../replay.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import type { ExploreOptions, ExploreResult } from '../result.js';
import type { Message } from '../model.js';
import { Search, type SearchPolicy } from '../Search.js';
import { bfsPolicy } from './bfs.js';

const MAX_PERMUTATIONS = 40_320;

/** The permutations of a system's declared symmetric groups, and canonicalisation under them. */
export class Symmetry {
  /** Each permutation maps actor index -> actor index; the identity is first. */
  readonly perms: Int32Array[];
  private readonly inverse: Int32Array[];
  private readonly renames: Array<Map<string, string>>;
  private readonly localCache: Array<Array<Map<number, number>>>;
  private readonly messageCache: Array<Map<number, number>>;
  /** Per permutation and actor: component id -> the renamed component of the actor it maps to. */
  private readonly componentCache: Array<Array<Map<number, number>>>;
  private scratch: Int32Array;
  private best: Int32Array;

  constructor(readonly kernel: Kernel) {
    const sys = kernel.system;
    const n = kernel.actorCount;
    const groups = (sys.spec.symmetric ?? []).map((group, g) => resolveGroup(sys, group, g));
    const used = new Set<number>();
    for (const group of groups) for (const tuple of group) for (const a of tuple) {
      if (used.has(a)) throw new ModelError(`system '${sys.name}': actor '${sys.actorNames[a]}' is in two symmetric groups (or twice in one)`);
      used.add(a);
    }
    let perms: Int32Array[] = [Int32Array.from({ length: n }, (_, i) => i)];
    for (const group of groups) {
      const next: Int32Array[] = [];
      for (const order of permutations(group.length)) {
        for (const base of perms) {
          const p = Int32Array.from(base);
          // Tuple i moves to the slots of tuple order[i].
          group.forEach((tuple, i) => tuple.forEach((a, k) => (p[a] = (group[order[i] as number] as number[])[k] as number)));
          next.push(p);
        }
        if (next.length > MAX_PERMUTATIONS) throw new ModelError(`system '${sys.name}': the symmetric groups allow more than ${MAX_PERMUTATIONS} permutations; declare smaller groups`);
      }
      perms = next;
    }
    this.perms = perms;
    this.inverse = perms.map((p) => {
      const inv = new Int32Array(n);
      p.forEach((to, from) => (inv[to] = from));
      return inv;
    });
    this.renames = perms.map((p) => {
      const m = new Map<string, string>();
      p.forEach((to, from) => {
        if (to !== from) m.set(sys.actorNames[from] as string, sys.actorNames[to] as string);
      });
      return m;
    });
    this.localCache = perms.map(() => Array.from({ length: n }, () => new Map<number, number>()));
    this.messageCache = perms.map(() => new Map<number, number>());
    this.componentCache = perms.map(() => Array.from({ length: n }, () => new Map<number, number>()));
    this.scratch = kernel.newState();
    this.best = kernel.newState();
  }

  /** Inverse of permutation `i`. */
  inverseOf(i: number): Int32Array {
    return this.inverse[i] as Int32Array;
  }

  /**
   * The canonical form of state `v` (a kernel state vector) with its hash, and the index of the
   * permutation that maps `v` to it. The vector returned is reused by the next call.
   *
   * The representative is the lexicographically smallest vector of component ids over all
   * permutations: any fixed total order gives a canonical form (every member of an orbit has the
   * same set of images), and comparing component ids is the cheapest one.
   */
  canonical(v: Int32Array): { vector: Int32Array; perm: number } {
    const n = this.kernel.actorCount;
    for (let a = 0; a <= n + 1; a++) this.best[a] = v[a] as number;
    let bestPerm = 0;
    for (let i = 1; i < this.perms.length; i++) {
      this.apply(i, v, this.scratch);
      if (lexLess(this.scratch, this.best, n)) {
        const t = this.best;
        this.best = this.scratch;
        this.scratch = t;
        bestPerm = i;
      }
    }
    if (bestPerm !== 0) this.kernel.rehash(this.best);
    return { vector: this.best, perm: bestPerm };
  }

  /** Applies permutation `i` to state `v` into `out` (components only; not the hash). */
  apply(i: number, v: Int32Array, out: Int32Array): void {
    const n = this.kernel.actorCount;
    const inv = this.inverse[i] as Int32Array;
    // Slot b receives actor inv[b]'s component, renamed.
    for (let b = 0; b < n; b++) out[b] = this.renameComponent(i, inv[b] as number, v[inv[b] as number] as number);
  }

  /** Actor `actor`'s component `c` under permutation `i`, as a component of the actor it maps to. */
  private renameComponent(i: number, actor: number, c: number): number {
    const cache = (this.componentCache[i] as Array<Map<number, number>>)[actor] as Map<number, number>;
    const hit = cache.get(c);
    if (hit !== undefined) return hit;
    const comps = this.kernel.components;
    const local = this.renameLocal(i, actor, comps.local(actor, c));
    const box = comps.mailbox(actor, c).map((m) => this.renameMessage(i, m));
    const id = comps.intern((this.perms[i] as Int32Array)[actor] as number, local, box);
    cache.set(c, id);
    return id;
  }

  private renameLocal(i: number, actor: number, local: number): number {
    const cache = (this.localCache[i] as Array<Map<number, number>>)[actor] as Map<number, number>;
    const hit = cache.get(local);
    if (hit !== undefined) return hit;
    const target = (this.perms[i] as Int32Array)[actor] as number;
    const table = this.kernel.table;
    const snap = table.snapshot(actor, local);
    const names = this.renames[i] as Map<string, string>;
    let id: number;
    if (target === actor && names.size === 0) id = local;
    else {
      const history = (snap as unknown as { historyValue?: Record<string, unknown> }).historyValue;
      if (history && Object.keys(history).length) {
        throw new ModelError(`actor '${this.kernel.system.actorNames[actor]}' uses history states, which symmetry reduction does not support`);
      }
      const machine = this.kernel.system.machines[target] as AnyStateMachine;
      let renamed: AnyMachineSnapshot;
      try {
        renamed = machine.resolveState({ value: snap.value, context: rename(snap.context, names) as never, status: snap.status, output: snap.output } as never) as AnyMachineSnapshot;
      } catch (err) {
        throw new ModelError(
          `symmetric actors '${this.kernel.system.actorNames[actor]}' and '${this.kernel.system.actorNames[target]}' are not alike: state '${JSON.stringify(snap.value)}' of one is not a state of the other (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      id = table.internSnapshot(target, renamed);
    }
    cache.set(local, id);
    return id;
  }

  private renameMessage(i: number, message: number): number {
    const names = this.renames[i] as Map<string, string>;
    if (names.size === 0) return message;
    const cache = this.messageCache[i] as Map<number, number>;
    const hit = cache.get(message);
    if (hit !== undefined) return hit;
    const id = this.kernel.table.internMessage(rename(this.kernel.table.message(message), names) as Message);
    cache.set(message, id);
    return id;
  }
}

function resolveGroup(sys: LoadedSystem, group: ReadonlyArray<string | readonly string[]>, g: number): number[][] {
  const tuples = group.map((m) => (typeof m === 'string' ? [m] : [...m]));
  const width = tuples[0]?.length ?? 0;
  return tuples.map((t) => {
    if (t.length !== width) throw new ModelError(`system '${sys.name}': symmetric group #${g} mixes members of ${width} and ${t.length} actors`);
    return t.map((name) => {
      const a = sys.actorIndex.get(name);
      if (a === undefined) throw new ModelError(`system '${sys.name}': symmetric group #${g} names unknown actor '${name}'; actors are ${sys.actorNames.join(', ')}`);
      return a;
    });
  });
}

function permutations(k: number): number[][] {
  if (k <= 1) return [[0]].slice(0, Math.max(k, 1));
  const out: number[][] = [];
  for (const rest of permutations(k - 1)) {
    for (let pos = 0; pos <= rest.length; pos++) out.push([...rest.slice(0, pos), k - 1, ...rest.slice(pos)]);
  }
  return out.sort((a, b) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return 0;
  });
}

/** Renames every string equal to a key of `names`, in values and object keys, deeply. */
function rename(value: unknown, names: Map<string, string>): unknown {
  if (typeof value === 'string') return names.get(value) ?? value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((x) => rename(x, names));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(value as Record<string, unknown>)) out[names.get(k) ?? k] = rename(x, names);
  return out;
}

function lexLess(a: Int32Array, b: Int32Array, length: number): boolean {
  for (let i = 0; i < length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * BFS over canonical representatives. Without declared groups it is plain BFS.
 *
 * @example
 * ```ts
 * const r = exploreSymmetric({ ...c1System({ variant: 'fixed', guests: 4 }), symmetric: [['g1.vcpu0', 'g2.vcpu0', 'g3.vcpu0', 'g4.vcpu0']] });
 * ```
 */
export function exploreSymmetric(input: SystemSpec | LoadedSystem, options: ExploreOptions = {}): ExploreResult {
  return new SymmetricSearch(input, options).run();
}

/** One symmetry-reduced BFS; its store (canonical states) and kernel stay readable afterwards. */
export class SymmetricSearch extends Search {
  constructor(input: SystemSpec | LoadedSystem, options: ExploreOptions = {}) {
    super(input, symmetryPolicy(), options);
  }
}

/**
 * The symmetry policy: breadth-first, every state stored as its canonical representative
 * (the store key), and every finding recorded on a concrete schedule.
 */
export function symmetryPolicy(): SearchPolicy {
  let symmetry: Symmetry | undefined;
  let permOf = new Int32Array(1 << 12);
  let lastPerm = 0;
  const bfs = bfsPolicy();
  return {
    ...bfs,
    name: 'symmetry',
    shrinkByDefault: true,
    hints: { maxStates: 'raise maxStates or shrink the configuration', maxDepth: 'a schedule this long usually means an actor loops without bound' },
    key(search, v) {
      symmetry ??= new Symmetry(search.kernel);
      const c = symmetry.canonical(v);
      lastPerm = c.perm;
      return c.vector;
    },
    onNew(_search, id) {
      if (id >= permOf.length) {
        const b = new Int32Array(permOf.length * 2);
        b.set(permOf);
        permOf = b;
      }
      permOf[id] = lastPerm;
    },
    record(search, f, id, actor) {
      const path: Array<[number, number] | number> = symbolicPath(search, id);
      if (path.length === 1 && actor < 0) return search.recorder.record(f, []);
      if (actor >= 0) path.push(actor);
      recordConcrete(search, symmetry as Symmetry, permOf, path, actor >= 0 ? 'step' : f.kind === 'deadlock' ? 'deadlock' : 'invariant');
    },
    bytes: () => permOf.byteLength,
    conclude: (_search, base) => ({ ...base, strategyStats: { permutations: symmetry?.perms.length ?? 1 } }),
  };
}

/** The canonical path to `id` as (state id, actor) pairs: actor -1 marks the start. */
function symbolicPath(search: Search, id: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = id; s !== -1; s = search.store.parent(s)) out.push([s, search.store.actor(s)]);
  return out.reverse();
}

/**
 * Maps a canonical path to the actors of a concrete run, replays it, and records what the
 * replay finds at its end of the given sort (the concrete run names the actual actors).
 */
function recordConcrete(search: Search, symmetry: Symmetry, permOf: Int32Array, path: Array<[number, number] | number>, sort: 'step' | 'invariant' | 'deadlock'): void {
  const n = search.kernel.actorCount;
  // tau maps a canonical actor to the concrete actor at the current step.
  let tau = Int32Array.from(symmetry.inverseOf(permOf[(path[0] as [number, number])[0]] as number));
  const concrete: number[] = [];
  for (let i = 1; i < path.length; i++) {
    const step = path[i] as [number, number] | number;
    const actor = typeof step === 'number' ? step : step[1];
    concrete.push(tau[actor] as number);
    if (typeof step !== 'number') {
      const sigmaInv = symmetry.inverseOf(permOf[step[0]] as number);
      const next = new Int32Array(n);
      for (let x = 0; x < n; x++) next[x] = tau[sigmaInv[x] as number] as number;
      tau = next;
    }
  }
  const replayed = runPath(new Kernel(search.system), concrete, undefined, search.settings.checkers);
  const last = replayed.trace.steps[replayed.trace.steps.length - 1];
  let found: Finding[];
  if (sort === 'step') found = last?.findings ?? [];
  else found = replayed.trace.findings.filter((f) => f.kind === sort);
  for (const f of found) search.recorder.record(f, concrete);
}
