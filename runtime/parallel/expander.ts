/**
 * One participant of the shared-memory parallel search: the calling thread (coordinator.ts,
 * in slices) or a worker thread (worker.ts, until the end). coordinator.ts has the algorithm,
 * shared.ts the memory. A participant:
 *
 * - takes a state index from its own FIFO queue, else from the pool, else is idle;
 * - reads the state's vector from the arena (rebuilding components other threads allocated,
 *   Components.ensure);
 * - on the first expansion (claimed by setting the EXPANDED flag) every enabled actor's step
 *   is a transition: counted, shown to this participant's checkers, judged (a failing step, a
 *   new state that breaks an invariant, a deadlock end the search with Violation);
 * - puts every successor in the visited set at depth + 1. A new one is queued here; a known one
 *   whose depth this lowers is queued again if it was expanded already, to pass the lower depth
 *   on (a re-propagation: the same steps, not counted again). When the search ends every state
 *   has its shortest depth (label-correcting shortest paths), so the depth bound keeps the
 *   states bfs keeps, and `maxDepthReached` is bfs's;
 * - every {@link LOOK_EVERY} expansions: publishes its count, looks at the stop word and the
 *   state bound, and if some participant is idle moves half of its queue to the pool.
 *
 * Nothing here reads a clock or waits on a promise; the only waits are `Atomics.wait` on shared
 * words with short timeouts, whose outcome does not change what is computed.
 */
import { Kernel, STEP_DISABLED, STEP_FAILS } from '../Kernel.js';
import type { ActorComponents } from '../Components.js';
import type { Checker, CheckerFactory } from '../checkers/Checker.js';
import { COUNTERS, CUT, Ctl, EXPANDED, FULL, Outcome, SharedComponentIds, SharedVisited, WorkPool, storedStates, type SharedLayout } from './shared.js';

/** Expansions between looks at the stop word, the state bound and idle participants. */
export const LOOK_EVERY = 16;
/** Most states moved to or from the pool at once. */
const SHARE_MAX = 4096;
/** How long an idle participant waits for work before looking again, in milliseconds. */
const IDLE_WAIT_MS = 1;

/** Ends the search for everyone with `outcome` (the first one to say wins). */
export function endSearch(control: Int32Array, outcome: Outcome): void {
  Atomics.compareExchange(control, Ctl.Done, Outcome.Running, outcome);
  Atomics.notify(control, Ctl.Done);
  Atomics.add(control, Ctl.PoolSignal, 1);
  Atomics.notify(control, Ctl.PoolSignal);
}

/** A growable FIFO of int32 (negative entries: re-propagations of ~index). */
class Queue {
  private items = new Int32Array(1024);
  private head = 0;
  private tail = 0;
  get length(): number {
    return this.tail - this.head;
  }
  push(x: number): void {
    if (this.tail - this.head === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      const len = this.length;
      for (let i = 0; i < len; i++) bigger[i] = this.items[(this.head + i) & (this.items.length - 1)] as number;
      this.tail = len;
      this.head = 0;
      this.items = bigger;
    }
    this.items[this.tail++ & (this.items.length - 1)] = x;
  }
  shift(): number {
    return this.items[this.head++ & (this.items.length - 1)] as number;
  }
  pop(): number {
    return this.items[--this.tail & (this.items.length - 1)] as number;
  }
}

export interface ExpanderSettings {
  /** This participant's index (0: the calling thread) and how many there are. */
  index: number;
  participants: number;
  maxDepth: number;
  maxStates: number;
  /** Take the newest state of the own queue first (depth-first), not the oldest (for specs: depths are then often corrected). */
  depthFirst?: boolean;
}

/** What {@link Expander.work} did. */
export const enum Work {
  /** Ran its budget; there may be more. */
  Busy,
  /** Found nothing to do in this call (waited briefly). */
  Idle,
  /** The search is over. */
  Over,
}

export class Expander {
  private readonly visited: SharedVisited;
  private readonly pool: WorkPool;
  private readonly control: Int32Array;
  private readonly queue = new Queue();
  private readonly n: number;
  private readonly v: Int32Array;
  private readonly out: Int32Array;
  private readonly checkers: Checker[];
  private readonly hasInvariants: boolean;
  private readonly tables: readonly ActorComponents[];
  private readonly storedWord: number;
  private readonly take = (x: number): void => this.queue.push(x);
  private transitions = 0;
  private repropagations = 0;
  private count = 0;
  private idle = false;

  constructor(
    private readonly k: Kernel,
    checkers: readonly CheckerFactory[],
    private readonly layout: SharedLayout,
    private readonly s: ExpanderSettings,
  ) {
    k.components.shareIds(new SharedComponentIds(layout));
    this.visited = new SharedVisited(layout);
    this.pool = new WorkPool(layout);
    this.control = new Int32Array(layout.control);
    this.n = k.actorCount;
    this.v = k.newState();
    this.out = k.newState();
    this.checkers = checkers.map((make) => make());
    this.hasInvariants = k.system.invariants.length !== 0;
    this.tables = k.components.tables();
    this.storedWord = Ctl.Stored + 16 * s.index;
  }

  /** Stores the start state and queues it (participant 0, once, before anything else). */
  seed(): void {
    const id = this.visited.add(this.k.initial(), 0);
    this.visited.publish(this.storedWord);
    if (id >= 0) this.queue.push(id);
  }

  /** Joins the search and runs until it is over (a worker thread); false if it was over before it could join. */
  run(): boolean {
    if (!this.pool.join()) return false;
    while (this.work(Number.MAX_SAFE_INTEGER) !== Work.Over) {
      // idle: look again
    }
    return true;
  }

  /** Expands up to `budget` states; see {@link Work}. */
  work(budget: number): Work {
    const control = this.control;
    for (let done = 0; done < budget; ) {
      if (Atomics.load(control, Ctl.Done) !== Outcome.Running) return this.over();
      if (Atomics.load(control, Ctl.GrowRequest) !== 0 && !this.growthBarrier()) return this.over();
      if (this.queue.length === 0) {
        const signal = Atomics.load(control, Ctl.PoolSignal);
        const got = this.pool.acquire(this.take, SHARE_MAX, this.idle);
        this.idle = got === 0;
        if (got < 0) return this.over();
        if (got === 0) {
          // Idle: wait a little for work, then let the caller look at its stop conditions.
          Atomics.wait(control, Ctl.PoolSignal, signal, IDLE_WAIT_MS);
          return Work.Idle;
        }
      }
      const stop = Math.min(budget - done, LOOK_EVERY);
      for (let i = 0; i < stop && this.queue.length > 0; i++, done++) this.expand(this.s.depthFirst ? this.queue.pop() : this.queue.shift());
      this.visited.publish(this.storedWord);
      const stored = storedStates(control, this.s.participants);
      if (stored >= this.s.maxStates) endSearch(control, Outcome.MaxStates);
      else if (this.visited.crowded(stored)) this.pool.requestGrowth();
      if (this.queue.length > 1 && Atomics.load(control, Ctl.Idle) > 0) {
        this.pool.put(() => this.queue.shift(), Math.min(SHARE_MAX, this.queue.length >> 1));
      }
    }
    return Work.Busy;
  }

  /**
   * The growth barrier: waits until every participant has arrived; the last one grows the table.
   * False if the search ended meanwhile.
   */
  private growthBarrier(): boolean {
    const control = this.control;
    // Read the epoch before arriving: the last arrival may finish the growth at once.
    const epoch = Atomics.load(control, Ctl.GrowEpoch);
    const arrived = Atomics.add(control, Ctl.GrowArrived, 1) + 1;
    if (arrived === Atomics.load(control, Ctl.Joined)) {
      this.visited.grow();
      Atomics.store(control, Ctl.GrowArrived, 0);
      Atomics.store(control, Ctl.GrowRequest, 0);
      Atomics.add(control, Ctl.GrowEpoch, 1);
      Atomics.notify(control, Ctl.GrowEpoch);
      return true;
    }
    while (Atomics.load(control, Ctl.GrowEpoch) === epoch) {
      if (Atomics.load(control, Ctl.Done) !== Outcome.Running) return false;
      Atomics.wait(control, Ctl.GrowEpoch, epoch, 1);
    }
    this.visited.refresh();
    return true;
  }

  private over(): Work {
    this.visited.publish(this.storedWord);
    return Work.Over;
  }

  private expand(item: number): void {
    const repropagate = item < 0;
    const index = repropagate ? ~item : item;
    const visited = this.visited;
    const k = this.k;
    const n = this.n;
    const v = this.v;
    const out = this.out;
    const first = !repropagate && (Atomics.or(visited.flags, index, EXPANDED) & EXPANDED) === 0;
    if (!repropagate && !first) return;
    if (repropagate) this.repropagations++;
    visited.read(index, v);
    const tables = this.tables;
    for (let a = 0; a < n; a++) {
      const id = v[a] as number;
      const known = (tables[a] as ActorComponents).known;
      if (id >= known.length || known[id] !== 1) k.components.ensure(a, id);
    }
    k.rehash(v);
    const depth = Atomics.load(visited.depths, index);
    const maxDepth = this.s.maxDepth;
    let enabled = false;
    let ok = false;
    for (let a = 0; a < n; a++) {
      const status = k.step(v, a, out);
      if (status === STEP_DISABLED) continue;
      enabled = true;
      if (first) {
        this.transitions++;
        if (this.checkers.length !== 0 && k.checkTransition(this.checkers, v, a, out, depth).length !== 0) return endSearch(this.control, Outcome.Violation);
      }
      if (status === STEP_FAILS) {
        if (first) return endSearch(this.control, Outcome.Violation);
        continue;
      }
      ok = true;
      if (depth >= maxDepth) continue;
      const got = visited.add(out, depth + 1);
      if (got === FULL) return endSearch(this.control, Outcome.MaxStates);
      if (got >= 0) {
        if (this.hasInvariants && k.invariantFindings(out).length !== 0) return endSearch(this.control, Outcome.Violation);
        this.queue.push(got);
      } else {
        const known = -got - 1;
        // Lower its depth first, then look whether it was expanded (its expander sets the flag
        // before reading the depth, so one of the two sees the lower depth).
        if (visited.lower(known, depth + 1) && (Atomics.load(visited.flags, known) & EXPANDED) !== 0) this.queue.push(~known);
      }
    }
    if (first && !enabled && k.deadlockFinding(v)) return endSearch(this.control, Outcome.Violation);
    if (ok && depth >= maxDepth && (Atomics.or(visited.flags, index, CUT) & CUT) === 0) Atomics.add(this.control, Ctl.Cut, 1);
  }

  /** States in this participant's queue and in the pool. */
  waiting(): number {
    return this.queue.length + Math.max(0, this.pool.count());
  }

  /** Writes this participant's counters (COUNTERS order) for the coordinator. */
  report(): void {
    const c = new Float64Array(this.layout.counters, 8 * COUNTERS.length * this.s.index, COUNTERS.length);
    const t = this.k.table.stats;
    c[0] = this.transitions;
    c[1] = t.xstateCalls;
    c[2] = t.memoHits + this.k.components.hits;
    c[3] = t.localStates;
    c[4] = t.messages;
    c[5] = this.repropagations;
  }
}
