/**
 * Partial-order reduction for actors: a stateful depth-first search over stubborn sets with
 * sleep sets, as a policy of the one search loop (Search.ts), so every bound, progress report
 * and cancellation applies to every part of it; nothing runs before or beside the loop.
 *
 * What we follow, and where it lives:
 *
 * - The dependency relation of actor steps over FIFO mailboxes (which pairs commute, argued
 *   rule by rule) and the stubborn sets built on it: por/relation.ts. The relation is the one
 *   of actor programs in TransDPOR (S. Tasharofi, R. K. Karmani, S. Lauterburg, A. Legay,
 *   D. Marinov, G. Agha, "TransDPOR: A Novel Dynamic Partial-Order Reduction Technique for
 *   Testing Actor Programs", FMOODS/FORTE 2012: only steps of one receiver are dependent),
 *   refined for FIFO mailboxes (two sends into one mailbox are dependent, so the relation is not
 *   transitive and we do not use TransDPOR's shortcut), and for bounded mailboxes with SPIN's
 *   condition for exclusive channels (G. J. Holzmann, D. Peled, "An improvement in formal
 *   verification", FORTE 1994).
 * - Which set to explore at a state: the smallest stubborn set over every seed (A. Valmari,
 *   "Stubborn sets for reduced state space generation", 1990), a persistent set in the sense of
 *   P. Godefroid, "Partial-Order Methods for the Verification of Concurrent Systems", LNCS
 *   1032, 1996, ch. 4. Source sets and wakeup trees (P. Abdulla, S. Aronis, B. Jonsson,
 *   K. Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014) explore the fewest
 *   traces of a stateless search; with a visited set, what counts is the states stored, and a
 *   persistent set chosen per state with the exact relation is what SPIN's reduction does (the
 *   bench compares the two: bench/dpor.ts). The relation is used by both halves below, the
 *   sets and the sleep sets.
 * - Sleep sets with a visited set (Godefroid, thesis ch. 5; Yang, Chen, Gopalakrishnan,
 *   Kirby, "Efficient Stateful Dynamic Partial Order Reduction", SPIN 2008, on why a visited
 *   state must keep the sleep set it was explored with): each stored state keeps its sleep set;
 *   a revisit whose sleep set is not a superset explores it again with the intersection; a step
 *   whose subtree reached a state still on the stack (an unfinished exploration, Tarjan's
 *   low-link) never goes to sleep in its siblings. Failing and visible steps never sleep.
 * - The cycle proviso of SPIN (Holzmann & Peled 1994): a reduced set one of whose steps closes
 *   a cycle on the DFS stack is widened to every enabled step, so no step is ignored for ever.
 * - Visibility: a step is visible only if it changes a value some invariant has read, found by
 *   watching the checks (por/readSet.ts; the condition C2 of ample sets, Clarke, Grumberg,
 *   Peled, "Model Checking", 1999, ch. 10). An invariant that reads every actor's `leader` flag
 *   makes only the steps that change a `leader` flag visible.
 *
 * The topology (who may send to whom, how many messages one step sends) is learnt from the
 * steps the search computes, not from a pre-pass over the product of local states and messages
 * (the old pre-pass enumerated waiter queues and callback lists without end). What a reduced
 * expansion relied on is recorded (por/analysis.ts); when the search later learns a sender into
 * a mailbox some reduced expansion guarded, a step sending more than one message after it
 * relied on single sends, or a new value read by an invariant, this run's reductions may have
 * been unsound and the search starts over with the visited set emptied (violations found stay:
 * each was replayed). What is learnt only grows, so a search starts over at most a few times;
 * the result's `strategyStats.restarts` counts them. The final run met nothing that breaks its
 * assumptions, so it is sound (the argument is in relation.ts, class Topology).
 *
 * What is preserved (checked against full search by the property specs): every reachable
 * deadlock and terminal state (no actor enabled), every step violation (assertion,
 * unhandled-message, actor-error, mailbox-overflow: by kind and message), and every invariant
 * violation. Violations get the schedule of the first DFS path that found them: not the
 * shortest; they are shrunk by default. Not preserved: the number of states and transitions
 * (that is the point), and a checker's evidence across executions: with checkers (they judge
 * transitions), every enabled step is explored and sleep sets are off.
 *
 * Bookkeeping: per stored state, its sleep set, stack position and one flag; per stack frame, a
 * fixed handful of words (receivers are read from the stepper's memoized moves, never copied
 * per frame), so memory does not grow with depth times actors.
 *
 * Limits: up to 32 actors (sets are bit masks).
 */
import { ModelError } from '../errors.js';
import type { Kernel } from '../Kernel.js';
import type { LoadedSystem, SystemSpec } from '../system.js';
import type { ExploreOptions, ExploreResult } from '../result.js';
import { KNOWN, Search, knownNode, type SearchPolicy } from '../Search.js';
import { PorAnalysis } from './por/analysis.js';
import { ReadSet } from './por/readSet.js';
import { MAX_ACTORS, lowestActor, popcount } from './por/relation.js';
import { URGENT } from '../model.js';

/**
 * Whether a message (by the step table's id) is urgent (runtime/model.ts `URGENT`, taken ahead
 * of FIFO order: runtime/delivery.ts), memoized per id: 1 urgent, 2 not, 0 not looked at.
 */
function urgentClass(kernel: Kernel): (message: number) => boolean {
  let known = new Uint8Array(64);
  return (m) => {
    if (m >= known.length) {
      const grown = new Uint8Array(Math.max(known.length * 2, m + 1));
      grown.set(known);
      known = grown;
    }
    let k = known[m] as number;
    if (k === 0) {
      k = kernel.table.message(m)[URGENT] === true ? 1 : 2;
      known[m] = k;
    }
    return k === 1;
  };
}

interface Frame {
  id: number;
  /** Sleep set of this visit. */
  sleep: number;
  /** Enabled actors. */
  enabled: number;
  /** Enabled actors whose step fails or is visible here: never asleep. */
  excluded: number;
  /** Rule 3 of relation.ts applied coarsely at this state. */
  coarse: boolean;
  /** Actors still to explore. */
  todo: number;
  /** Actors explored so far in this visit. */
  done: number;
  /** Whether the visit already expands every enabled actor. */
  full: boolean;
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
 * Explores `system` with stubborn sets and sleep sets (stateful DFS); same violations,
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
  let reads: ReadSet | undefined;
  return {
    name: 'dpor',
    shrinkByDefault: true,
    hints: { maxStates: 'the reduced state space is larger than the bound: raise maxStates or shrink the configuration' },
    prepare(system) {
      if (system.actorNames.length > MAX_ACTORS) {
        throw new ModelError(`dpor handles up to ${MAX_ACTORS} actors; '${system.name}' has ${system.actorNames.length}: use bfs, or symmetry reduction`);
      }
      if (system.invariants.length === 0) return system;
      const watched = new ReadSet(system.actorNames, system.actorIndex);
      reads = watched;
      return { ...system, invariants: system.invariants.map((inv) => watched.watch(inv)) };
    },
    start(search) {
      dpor = new Dpor(search, reads ?? NO_READS);
    },
    next: () => (dpor as Dpor).next(),
    frontier: () => dpor?.depth() ?? 0,
    bytes: () => dpor?.bytes() ?? 0,
    conclude: (_search, base) => ({ ...base, strategyStats: (dpor as Dpor).strategyStats() }),
  };
}

/**
 * The read set of a system without invariants: nothing is ever read, so it is never written
 * (only `watch` records reads) and one instance serves every search.
 */
const NO_READS = new ReadSet([], new Map());

/** Per-state arrays' first size (they double as needed). */
const INITIAL_STATES = 256;

/** The state of one DPOR search: its DFS stack, per-state sleep sets, and counters. */
class Dpor {
  private readonly kernel: Kernel;
  private readonly analysis: PorAnalysis;
  /** Reduce at all: not with checkers (they judge transitions, so every order matters). */
  private readonly reduce: boolean;
  // Per-state arrays start small and double as states are stored: most reduced searches store
  // few states, and zeroing 36 KB for each search showed in the profile of the small bench rows.
  private sleepOf = new Int32Array(INITIAL_STATES);
  /** Per state: 1 + its DFS stack position while on the stack, else 0. */
  private onStack = new Int32Array(INITIAL_STATES);
  /** Per state: 1 once finished with a subtree that reached nothing unfinished. */
  private clean = new Uint8Array(INITIAL_STATES);
  private stack: Frame[] = [];
  /** Frames popped, reused (a frame is a fixed handful of words). */
  private spare: Frame[] = [];
  private readonly cur: Int32Array;
  /** The state id `cur` holds (-1: none); ids change meaning when the store restarts. */
  private curId = -1;
  private readonly scratch: Int32Array;
  private sleepPruned = 0;
  private revisits = 0;
  private restarts = 0;
  private readonly startBroken: boolean;

  constructor(
    private readonly search: Search,
    reads: ReadSet,
  ) {
    this.kernel = search.kernel;
    this.cur = this.kernel.newState();
    this.scratch = this.kernel.newState();
    this.analysis = new PorAnalysis(this.kernel, reads, urgentClass(this.kernel));
    this.reduce = search.checkers.length === 0;
    // A state that breaks an invariant is not expanded. Every other state the search expands
    // keeps its invariants, and so do its successors by invisible steps; the start state may
    // break one, and then the steps a reduced set postpones would be postponed into states that
    // are never expanded: it is expanded fully.
    this.startBroken = this.kernel.invariantFindings(this.read(0)).length > 0;
    this.push(0, 0);
  }

  /** One unit: start over if what was learnt asks for it, else one DFS step. */
  next(): boolean {
    if (this.analysis.restart !== undefined) {
      this.startOver();
      return true;
    }
    if (this.stack.length === 0) return false;
    this.step();
    return true;
  }

  /** Empties the visited set and the stack and starts again from the start state. */
  private startOver(): void {
    this.restarts++;
    this.search.restartStore();
    this.curId = -1;
    this.onStack.fill(0);
    this.clean.fill(0);
    this.sleepOf.fill(0);
    while (this.stack.length) this.spare.push(this.stack.pop() as Frame);
    this.analysis.beginRun();
    this.push(0, 0);
  }

  private push(id: number, sleep: number): void {
    if (id >= this.onStack.length) {
      const size = Math.max(this.onStack.length * 2, id + 1);
      const onStack = new Int32Array(size);
      onStack.set(this.onStack);
      this.onStack = onStack;
      const clean = new Uint8Array(size);
      clean.set(this.clean);
      this.clean = clean;
      const sleepOf = new Int32Array(size);
      sleepOf.set(this.sleepOf);
      this.sleepOf = sleepOf;
    }
    const index = this.stack.length;
    this.onStack[id] = index + 1;
    this.sleepOf[id] = sleep;
    const f = this.spare.pop() ?? ({} as Frame);
    f.id = id;
    f.sleep = sleep;
    f.enabled = 0;
    f.excluded = 0;
    f.coarse = true;
    f.todo = 0;
    f.done = 0;
    f.full = false;
    f.index = index;
    f.low = index;
    f.current = -1;
    f.unsafe = 0;
    this.analyse(f);
    this.stack.push(f);
  }

  /** Reads the frame's state and computes its enabled steps and the set to explore. */
  private analyse(f: Frame): void {
    const v = this.read(f.id);
    const a = this.analysis;
    a.analyse(v);
    const facts = a.facts;
    f.enabled = facts.enabled;
    f.excluded = facts.failing | facts.visible;
    f.coarse = facts.coarseOverflow;
    if (f.enabled === 0) return;
    let set = this.reduce && !(f.id === 0 && this.startBroken) ? a.choose() : f.enabled;
    f.full = set === f.enabled || this.sleepingStepClosesCycle(f, set);
    if (f.full) set = f.enabled;
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
    for (; asleep; asleep &= asleep - 1) {
      this.kernel.step(state, lowestActor(asleep), this.scratch);
      const id = this.search.store.find(this.scratch);
      if (id >= 0 && this.onStack[id]) return true;
    }
    return false;
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
    const x = lowestActor(f.todo);
    f.todo &= ~(1 << x);
    const v = this.read(f.id);
    const candidates = (f.sleep | (f.done & ~f.unsafe)) & f.enabled;
    const childSleep = this.reduce && candidates ? this.analysis.independentAt(v, x, candidates, f.excluded, f.coarse) : 0;
    f.done |= 1 << x;
    f.current = x;
    // The loop judges the step: checkers, failures, maxDepth, the visited set, invariants, maxStates.
    const r = this.search.transition(f.id, v, this.stack.length - 1, x);
    // The invariants may have read something new on the new state: then start over (next()).
    this.analysis.noteReads();
    if (this.analysis.restart !== undefined) return;
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
    this.spare.push(f);
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
    // A frame is read when pushed and again for each of its steps: keep the last one read.
    if (id !== this.curId) {
      this.search.read(id, this.cur);
      this.curId = id;
    }
    return this.cur;
  }

  /** States on the DFS stack. */
  depth(): number {
    return this.stack.length;
  }

  bytes(): number {
    return this.sleepOf.byteLength + this.onStack.byteLength + this.clean.byteLength + (this.stack.length + this.spare.length) * 96;
  }

  strategyStats(): Record<string, number> {
    return {
      reducedExpansions: this.analysis.reduced,
      fullExpansions: this.analysis.full,
      sleepPruned: this.sleepPruned,
      revisits: this.revisits,
      restarts: this.restarts,
    };
  }
}
