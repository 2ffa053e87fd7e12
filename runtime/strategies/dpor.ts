/**
 * Partial-order reduction for actors: stateful DFS over persistent sets with sleep sets.
 *
 * We follow the static persistent-set + sleep-set approach of Godefroid's thesis (P. Godefroid,
 * "Partial-Order Methods for the Verification of Concurrent Systems", LNCS 1032, 1996:
 * persistent sets ch. 4 via stubborn-set style closure as in A. Valmari, "Stubborn sets for
 * reduced state space generation", 1990; sleep sets with state caching ch. 5), with the DFS
 * stack cycle proviso of SPIN (Holzmann & Peled, "An improvement in formal verification",
 * 1994) so that no transition is ignored around a cycle.
 *
 * The actor model makes the theory simple. Each actor has at most one enabled step (its first
 * non-deferred message), and no step of one actor can disable or change the step of another:
 * appending to a mailbox never changes which message comes first. Two enabled steps are
 * *dependent* iff they are the same actor's, or they send to a common receiver (the order of
 * the two messages in its FIFO mailbox differs), or one sends to the other's actor (the
 * receiver's mailbox length, and so a mailbox overflow, depends on which runs first).
 *
 * Persistent set at state s. Start from an enabled actor x; "protect" its receivers and x
 * itself, meaning that no step outside the set may send to them. Any other actor c that may
 * ever send to a protected actor must be kept from stepping: if c is enabled its step joins
 * the set (all of c's later steps come after it); if c is disabled it can only move after a
 * message arrives, so c itself becomes protected. Repeat to a fixpoint. Which actors c "may
 * ever send to" comes from a sound over-approximation computed once before the search: a
 * Cartesian abstraction that pairs every local state each actor can reach with every message
 * that can reach its mailbox, ignoring failing steps (they end a path in every search; see
 * {@link CommunicationBounds}); from each local state we keep the receivers of every step
 * reachable from it.
 *
 * The set is widened to every enabled step (full expansion) when: some enabled step fails (an
 * assertion, unhandled message, overflow: failures end a path, so they may not be commuted
 * past), the set holds a step visible to an invariant (a step of, or a send to, an actor the
 * invariant `reads`), the system has checkers (they judge transitions, not states), or a
 * successor is on the DFS stack (the cycle proviso).
 *
 * Sleep sets prune transitions whose exploration is known redundant. With a visited set this is
 * unsound unless each stored state keeps the sleep set it was explored with; a revisit with a
 * sleep set that is not a superset explores the state again with the intersection (Godefroid,
 * thesis sec. 5.4); and a step whose subtree reached a state still on the stack (an unfinished
 * exploration, Tarjan's low-link) never goes to sleep in its siblings. Failing and visible steps
 * never go to sleep either: they end a path, so the commuted order may not exist. Sleep sets
 * are off when the system has checkers.
 *
 * What is preserved (and checked against full search by the property specs): every reachable
 * deadlock and terminal state (no actor enabled), every step violation (assertion,
 * unhandled-message, actor-error, mailbox-overflow: by kind and message), and every invariant
 * violation of invariants that declare the actors they read (others make every step visible,
 * so nothing is reduced). Violations get the schedule of the first DFS path that found them:
 * not the shortest; shrink it, or use BFS, for a short one. Not preserved: the number of states
 * and transitions (that is the point), and a checker's evidence across executions (with
 * checkers, only sleep-set-free full expansion is done).
 *
 * Limits: up to 32 actors (sets are bit masks).
 *
 * Within the search loop (Search.ts): DPOR is a policy. The loop judges every step and owns every
 * bound; the pre-pass that computes {@link CommunicationBounds} runs in slices of the loop's
 * units, so the time limit, the memory bound and cancellation stop it too.
 */
import { ModelError } from '../errors.js';
import { Kernel, STEP_FAILS } from '../Kernel.js';
import { Disposition, type Outcome } from '../StepTable.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import type { ExploreOptions, ExploreResult } from '../result.js';
import { KNOWN, Search, knownNode, type SearchPolicy } from '../Search.js';

/** Pairs (actor, local state, message) the abstraction may evaluate before giving up. */
const ABSTRACTION_BUDGET = 50_000;
/** Pairs the pre-pass evaluates per unit of the search loop's work. */
const PAIRS_PER_UNIT = 64;
const ALL = 0xffffffff;

/**
 * For each actor and each local state it can reach, the set (bit mask) of actors it may send
 * to in any later step: a sound over-approximation from a Cartesian abstraction. When the
 * abstraction exceeds its budget, or evaluating a step throws, every actor may send to every
 * actor (no reduction, still sound).
 *
 * Computed incrementally: {@link advance} evaluates a few pairs at a time, so the search loop
 * can stop it for a bound or an interrupt (then it is not precise: every actor may send to every
 * actor).
 */
export class CommunicationBounds {
  private readonly mayFrom: Array<Map<number, number>>;
  /** False when the abstraction gave up (or has not finished); then {@link may} is always ALL. */
  precise = false;
  /** Pairs evaluated. */
  pairs = 0;
  /** True once the abstraction is finished (or gave up). */
  done = false;
  private readonly n: number;
  private readonly locals: Array<Set<number>>;
  private readonly messages: Array<Set<number>>;
  /** Edges of each actor's local graph and the receivers of each local state's own steps. */
  private readonly edges: Array<Map<number, Set<number>>>;
  private readonly direct: Array<Map<number, number>>;
  private readonly work: Array<[number, number, number]> = [];

  constructor(
    private readonly kernel: Kernel,
    private readonly budget = ABSTRACTION_BUDGET,
  ) {
    const n = (this.n = kernel.actorCount);
    this.locals = Array.from({ length: n }, () => new Set());
    this.messages = Array.from({ length: n }, () => new Set());
    this.edges = Array.from({ length: n }, () => new Map());
    this.direct = Array.from({ length: n }, () => new Map());
    this.mayFrom = Array.from({ length: n }, () => new Map());
    const table = kernel.table;
    for (let a = 0; a < n; a++) {
      this.addLocal(a, table.initialLocals[a] as number);
      for (const m of table.initialMailboxes[a] as number[]) this.addMessage(a, m);
    }
  }

  /** Computes it all at once (within its pair budget). */
  static compute(kernel: Kernel, budget = ABSTRACTION_BUDGET): CommunicationBounds {
    const b = new CommunicationBounds(kernel, budget);
    while (!b.done) b.advance(Number.MAX_SAFE_INTEGER);
    return b;
  }

  private addLocal(a: number, l: number): void {
    const ls = this.locals[a] as Set<number>;
    if (ls.has(l)) return;
    ls.add(l);
    for (const m of this.messages[a] as Set<number>) this.work.push([a, l, m]);
  }

  private addMessage(a: number, m: number): void {
    const ms = this.messages[a] as Set<number>;
    if (ms.has(m)) return;
    ms.add(m);
    for (const l of this.locals[a] as Set<number>) this.work.push([a, l, m]);
  }

  /** Evaluates up to `pairs` more pairs; finishes (sets `done`) when the work list is empty or the budget is spent. */
  advance(pairs: number): void {
    for (let i = 0; i < pairs && !this.done; i++) {
      const item = this.work.pop();
      if (!item) return this.finish(true);
      if (++this.pairs > this.budget) return this.finish(false);
      if (!this.evaluate(item[0], item[1], item[2])) return this.finish(false);
    }
  }

  /** One pair; false when evaluating it threw (then the abstraction gives up). */
  private evaluate(a: number, l: number, m: number): boolean {
    let o: Outcome;
    try {
      o = this.kernel.table.outcome(a, l, m);
    } catch {
      // A pairing that never happens in a real run may make a model throw; give up precision.
      return false;
    }
    if (o.disposition === Disposition.Deferred) return true;
    // A failing step ends its path in every search: its sends count (they can overflow a
    // mailbox in that very step), but its messages are never received and its next state
    // never steps.
    const ends = o.failures.length > 0;
    const direct = this.direct[a] as Map<number, number>;
    let mask = direct.get(l) ?? 0;
    for (let i = 0; i < o.sends.length; i += 2) {
      const r = o.sends[i] as number;
      mask |= 1 << r;
      if (!ends) this.addMessage(r, o.sends[i + 1] as number);
    }
    direct.set(l, mask);
    if (ends) return true;
    const es = this.edges[a] as Map<number, Set<number>>;
    if (!es.has(l)) es.set(l, new Set());
    (es.get(l) as Set<number>).add(o.next);
    this.addLocal(a, o.next);
    return true;
  }

  private finish(precise: boolean): void {
    this.done = true;
    this.precise = precise;
    this.work.length = 0;
    if (!precise) return;
    for (let a = 0; a < this.n; a++) {
      const may = this.mayFrom[a] as Map<number, number>;
      const direct = this.direct[a] as Map<number, number>;
      for (const l of this.locals[a] as Set<number>) may.set(l, direct.get(l) ?? 0);
      // Propagate backwards along local edges to a fixpoint (local graphs are small).
      for (let changed = true; changed; ) {
        changed = false;
        for (const [l, succ] of this.edges[a] as Map<number, Set<number>>) {
          let m = may.get(l) as number;
          const before = m;
          for (const t of succ) m |= may.get(t) as number;
          if (m !== before) {
            may.set(l, m);
            changed = true;
          }
        }
      }
    }
  }

  /** Actors that `actor`, now in local state `local`, may send to in this or any later step. */
  may(actor: number, local: number): number {
    if (!this.precise) return ALL;
    // A local state the abstraction never met would mean it is unsound; stay safe.
    return this.mayFrom[actor]?.get(local) ?? ALL;
  }
}

interface Frame {
  id: number;
  /** Sleep set of this visit. */
  sleep: number;
  /** Enabled actors. */
  enabled: number;
  /** Actors still to explore. */
  todo: number;
  /** Actors explored so far in this visit. */
  done: number;
  /** Whether the visit already expands every enabled actor. */
  full: boolean;
  /** Per actor: the receivers of its enabled step (mask), or 0. */
  receivers: Int32Array;
  /** Enabled actors whose step fails here. */
  failing: number;
  /** Position on the DFS stack. */
  index: number;
  /** Lowest stack position its subtree reached (Tarjan's low-link); `index` or more is clean. */
  low: number;
  /** The actor being explored. */
  current: number;
  /** Explored actors whose subtree reached an unfinished state: they may not go to sleep. */
  unsafe: number;
}

/**
 * Explores `system` with persistent sets and sleep sets (stateful DFS); same violations,
 * deadlocks and terminal states as full search, fewer states.
 *
 * @example
 * ```ts
 * const r = exploreDpor(diningPhilosophers({ n: 5, ordered: true }));
 * console.log(r.verdict, r.stats.states, r.strategyStats);
 * ```
 */
export function exploreDpor(input: SystemSpec | LoadedSystem, options: ExploreOptions = {}): ExploreResult {
  return new DporSearch(input, options).run();
}

/** One DPOR search; {@link exploreDpor} runs it. Its store and kernel stay readable afterwards. */
export class DporSearch extends Search {
  constructor(input: SystemSpec | LoadedSystem, options: ExploreOptions = {}) {
    super(input, dporPolicy(), options);
  }
}

/** The DPOR policy for the search loop. */
export function dporPolicy(): SearchPolicy {
  let dpor: Dpor | undefined;
  return {
    name: 'dpor',
    shrinkByDefault: true,
    hints: { maxStates: 'the reduced state space is larger than the bound: raise maxStates or shrink the configuration' },
    start(search) {
      if (search.kernel.actorCount > 32) {
        throw new ModelError(`dpor handles up to 32 actors; '${search.system.name}' has ${search.kernel.actorCount}: use bfs, or symmetry reduction`);
      }
      dpor = new Dpor(search);
    },
    next: () => (dpor as Dpor).next(),
    frontier: () => dpor?.depth() ?? 0,
    bytes: () => dpor?.bytes() ?? 0,
    conclude: (_search, base) => ({ ...base, strategyStats: (dpor as Dpor).strategyStats() }),
  };
}

/** The state of one DPOR search: its DFS stack, per-state sleep sets, and counters. */
class Dpor {
  private readonly kernel: Kernel;
  private readonly bounds: CommunicationBounds;
  private readonly n: number;
  /** Actors whose steps invariants see. */
  private readonly visible: number;
  private readonly useSleep: boolean;
  private sleepOf = new Int32Array(1 << 12);
  /** Per state: 1 + its DFS stack position while on the stack, else 0. */
  private onStack = new Int32Array(1 << 12);
  /** Per state: 1 once finished with a subtree that reached nothing unfinished. */
  private clean = new Uint8Array(1 << 12);
  private stack: Frame[] = [];
  private readonly cur: Int32Array;
  private readonly scratch: Int32Array;
  private reduced = 0;
  private expandedFully = 0;
  private sleepPruned = 0;
  private revisits = 0;

  constructor(private readonly search: Search) {
    this.kernel = search.kernel;
    this.n = this.kernel.actorCount;
    this.cur = this.kernel.newState();
    this.scratch = this.kernel.newState();
    this.bounds = new CommunicationBounds(this.kernel);
    const checkers = search.checkers.length > 0;
    this.useSleep = !checkers;
    let visible = 0;
    for (const inv of search.system.invariants) {
      if (!inv.reads) visible = ALL;
      else for (const name of inv.reads) visible |= 1 << (search.system.actorIndex.get(name) ?? 0);
    }
    this.visible = checkers ? ALL : visible;
  }

  /** One unit: a slice of the pre-pass, then one DFS step. */
  next(): boolean {
    if (!this.bounds.done) {
      this.bounds.advance(PAIRS_PER_UNIT);
      if (this.bounds.done) this.push(0, 0);
      return true;
    }
    if (this.stack.length === 0) return false;
    this.step();
    return true;
  }

  private push(id: number, sleep: number): void {
    if (id >= this.onStack.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(Math.max(a.length * 2, id + 1));
        b.set(a);
        return b;
      };
      this.onStack = grow(this.onStack, (k) => new Int32Array(k));
      this.clean = grow(this.clean, (k) => new Uint8Array(k));
      this.sleepOf = grow(this.sleepOf, (k) => new Int32Array(k));
    }
    const index = this.stack.length;
    this.onStack[id] = index + 1;
    this.sleepOf[id] = sleep;
    const frame: Frame = { id, sleep, enabled: 0, todo: 0, done: 0, full: false, receivers: new Int32Array(this.n), failing: 0, index, low: index, current: -1, unsafe: 0 };
    this.analyse(frame);
    this.stack.push(frame);
  }

  /** Reads the frame's state and computes its enabled steps and persistent set. */
  private analyse(f: Frame): void {
    const v = this.read(f.id);
    const k = this.kernel;
    for (let a = 0; a < this.n; a++) {
      const move = k.move(v, a);
      if (!move) continue;
      f.enabled |= 1 << a;
      f.receivers[a] = move.receiverMask;
      // As the kernel judges it: the outcome's failures, or any mailbox above the bound after
      // the step (one may start above it when the initial messages already overflow).
      if (k.step(v, a, this.scratch) === STEP_FAILS) f.failing |= 1 << a;
    }
    if (f.enabled === 0) return;
    let set = f.failing ? f.enabled : this.persistentSet(v, f);
    f.full = set === f.enabled || this.sleepingStepClosesCycle(f, set);
    if (f.full) set = f.enabled;
    if (f.full) this.expandedFully++;
    else this.reduced++;
    f.todo = set & ~f.sleep;
    this.sleepPruned += popcount(set & f.sleep);
  }

  /**
   * The cycle proviso for steps of the reduced set that the sleep set keeps us from taking:
   * they are never computed by `step`, so check here whether one leads back onto the stack
   * (otherwise a cycle of asleep reduced steps ignores every other actor for ever).
   */
  private sleepingStepClosesCycle(f: Frame, set: number): boolean {
    let asleep = set & f.sleep;
    if (!asleep) return false;
    const state = this.read(f.id);
    while (asleep) {
      const x = 31 - Math.clz32(asleep & -asleep);
      asleep &= ~(1 << x);
      this.kernel.step(state, x, this.scratch);
      const id = this.search.store.find(this.scratch);
      if (id >= 0 && this.onStack[id]) return true;
    }
    return false;
  }

  /** The smallest invisible persistent set over the seeds, or every enabled actor. */
  private persistentSet(v: Int32Array, f: Frame): number {
    let best = f.enabled;
    let bestSize = popcount(best);
    for (let x = 0; x < this.n && bestSize > 1; x++) {
      if (!(f.enabled & (1 << x))) continue;
      const t = this.closure(v, f, x);
      if (t === f.enabled || !this.invisible(f, t)) continue;
      const size = popcount(t);
      if (size < bestSize) {
        best = t;
        bestSize = size;
      }
    }
    return best;
  }

  private closure(v: Int32Array, f: Frame, seed: number): number {
    let set = 1 << seed;
    let guarded = (f.receivers[seed] as number) | (1 << seed);
    for (let changed = true; changed; ) {
      changed = false;
      for (let c = 0; c < this.n; c++) {
        const bit = 1 << c;
        if (set & bit) continue;
        if ((this.bounds.may(c, this.kernel.local(v, c)) & guarded) === 0) continue;
        if (f.enabled & bit) {
          set |= bit;
          guarded |= (f.receivers[c] as number) | bit;
          changed = true;
        } else if (!(guarded & bit)) {
          guarded |= bit;
          changed = true;
        }
      }
    }
    return set;
  }

  private invisible(f: Frame, set: number): boolean {
    if (this.visible === 0) return true;
    for (let x = 0; x < this.n; x++) if (set & (1 << x) && this.isVisible(f, x)) return false;
    return true;
  }

  /** A step of, or a send to, an actor an invariant reads. */
  private isVisible(f: Frame, x: number): boolean {
    return (this.visible & (1 << x)) !== 0 || ((f.receivers[x] as number) & this.visible) !== 0;
  }

  /** Steps enabled at the frame's state that are independent of `x` there. */
  private independentOf(f: Frame, x: number): number {
    // Failing steps and steps visible to an invariant end a path (a violation is not
    // expanded), so the commuted order that a sleep set relies on may not exist for them.
    if (!this.useSleep || f.failing & (1 << x) || this.isVisible(f, x)) return 0;
    const rx = f.receivers[x] as number;
    let out = 0;
    for (let y = 0; y < this.n; y++) {
      const bit = 1 << y;
      if (y === x || !(f.enabled & bit) || f.failing & bit || this.isVisible(f, y)) continue;
      const ry = f.receivers[y] as number;
      if (rx & ry || rx & bit || ry & (1 << x)) continue;
      out |= bit;
    }
    return out;
  }

  private step(): void {
    const f = this.stack[this.stack.length - 1] as Frame;
    if (f.enabled === 0) {
      this.search.checkDeadlock(f.id, this.read(f.id));
      this.pop();
      return;
    }
    if (f.todo === 0) {
      this.pop();
      return;
    }
    const x = 31 - Math.clz32(f.todo & -f.todo);
    f.todo &= ~(1 << x);
    const childSleep = (f.sleep | (f.done & ~f.unsafe)) & this.independentOf(f, x);
    f.done |= 1 << x;
    f.current = x;
    // The loop judges the step: checkers, failures, maxDepth, the visited set, invariants, maxStates.
    const r = this.search.transition(f.id, this.read(f.id), this.stack.length - 1, x);
    if (r >= 0) {
      this.push(r, childSleep);
      return;
    }
    if (r > KNOWN) return;
    const old = knownNode(r);
    if (this.onStack[old]) {
      // Sleep sets assume an explored step's subtree is finished; this one reaches a state
      // still being explored, so the step may not go to sleep in its siblings (a sleep set
      // around a cycle otherwise ignores steps, as the stack proviso alone cannot see).
      f.low = Math.min(f.low, (this.onStack[old] as number) - 1);
      f.unsafe |= 1 << x;
      // Cycle proviso: a step of a reduced set closes a cycle, so expand this state fully.
      if (!f.full) {
        f.full = true;
        f.todo |= f.enabled & ~f.done & ~f.sleep;
      }
      return;
    }
    if (!this.clean[old]) {
      f.low = 0;
      f.unsafe |= 1 << x;
    }
    const stored = this.sleepOf[old] as number;
    if ((stored & ~childSleep) !== 0) {
      // Visited with a sleep set that is not a subset of this one: explore it again with the
      // intersection, so no step is slept on both visits without reason.
      this.revisits++;
      this.push(old, stored & childSleep);
    }
  }

  private pop(): void {
    const f = this.stack.pop() as Frame;
    this.onStack[f.id] = 0;
    if (f.low >= f.index) this.clean[f.id] = 1;
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      parent.low = Math.min(parent.low, f.low);
      if (f.low <= parent.index) parent.unsafe |= 1 << parent.current;
    }
  }

  /** Reads state `id` (with its hash) into the shared buffer and returns it. */
  private read(id: number): Int32Array {
    this.search.store.read(id, this.cur);
    this.kernel.rehash(this.cur);
    return this.cur;
  }

  /** States on the DFS stack. */
  depth(): number {
    return this.stack.length;
  }

  bytes(): number {
    return this.sleepOf.byteLength + this.onStack.byteLength + this.clean.byteLength + this.stack.length * (64 + 4 * this.n);
  }

  strategyStats(): Record<string, number> {
    return {
      reducedExpansions: this.reduced,
      fullExpansions: this.expandedFully,
      sleepPruned: this.sleepPruned,
      revisits: this.revisits,
      abstractionPairs: this.bounds.pairs,
      abstractionPrecise: this.bounds.precise ? 1 : 0,
    };
  }
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
