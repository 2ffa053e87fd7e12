/**
 * Per-state analysis for the reducing search: which steps are enabled, failing, visible to an
 * invariant, and which reduced set to explore; the independence test for sleep sets; and when
 * what was learnt makes the search start over. The relation and the stubborn sets themselves
 * are in relation.ts; what invariants read, in readSet.ts.
 *
 * Everything here works from the stepper's memoized moves (one per actor and component), so
 * analysing a state costs a few table look-ups per actor and allocates nothing.
 */
import type { ActorComponents, Move } from '../../Components.js';
import type { Kernel } from '../../Kernel.js';
import { selectMessage } from '../../delivery.js';
import type { ReadSet } from './readSet.js';
import { Topology, lowestActor, smallestStubbornSet, type Closure, type StateFacts } from './relation.js';

/** Bits of a component summary word (PorAnalysis.summarize). */
const KNOWN = 1;
const ENABLED = 2;
const FAILS = 4;
const LIVE = 8;
const CHANGES_LOCAL = 16;
const URGENT = 32;
const SENDS_SHIFT = 8;

/** The empty table every actor starts with (never written: `summarize` grows it first). */
const EMPTY = new Int32Array(0);

/** `old`'s entries in a zeroed table of `size` entries. */
function grownTable(old: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(old);
  return b;
}

/** Why a search must start over; `undefined` while it need not. */
export type RestartReason = 'topology' | 'sends' | 'reads';

export class PorAnalysis {
  readonly topology: Topology;
  readonly facts: StateFacts;
  /** Per actor: the actors its enabled step sends an urgent message to (0 without urgent delivery). */
  private readonly urgentReceivers: Int32Array;
  private readonly n: number;
  private readonly bound: number;
  private readonly tables: readonly ActorComponents[];
  private readonly closure: Closure = { guarded: 0 };
  /** Mailboxes some reduced expansion of this run guarded: a new sender into one invalidates it. */
  private everGuarded = 0;
  /** Actors some reduced expansion of this run guarded against urgent messages. */
  private everUrgentGuarded = 0;
  /** A reduced expansion of this run relied on "every step sends at most one message". */
  private usedSingleSends = false;
  /** A reduced expansion happened in this run. */
  private reducedThisRun = false;
  private readsVersion = 0;
  /** Set when what was learnt invalidates this run's reduced expansions. */
  restart: RestartReason | undefined;
  /** Reduced and full expansions, over every run. */
  reduced = 0;
  full = 0;

  /** Some message class is urgent: look at what each step sends. */
  private readonly hasUrgent: boolean;

  constructor(
    private readonly kernel: Kernel,
    private readonly reads: ReadSet,
    /** True for messages of the urgent class (taken ahead of FIFO order); none when absent. */
    private readonly isUrgent?: (message: number) => boolean,
  ) {
    this.hasUrgent = isUrgent !== undefined;
    this.n = kernel.actorCount;
    this.bound = kernel.system.mailboxBound;
    this.tables = kernel.components.tables();
    this.topology = new Topology(this.n);
    this.facts = { enabled: 0, failing: 0, visible: 0, live: 0, receivers: new Int32Array(this.n), coarseOverflow: true };
    this.urgentReceivers = new Int32Array(this.n);
    // Per actor tables start empty and grow in `summarize` (three typed arrays per actor up front
    // were a visible share of a small search's cost).
    for (let a = 0; a < this.n; a++) {
      this.info.push(EMPTY);
      this.nextOf.push(EMPTY);
      this.receiversOf.push(EMPTY);
      this.urgentOfComponent.push(EMPTY);
    }
    this.readsVersion = reads.version;
  }

  /** Starts a new run with everything learnt so far. */
  beginRun(): void {
    this.everGuarded = 0;
    this.everUrgentGuarded = 0;
    this.usedSingleSends = false;
    this.reducedThisRun = false;
    this.restart = undefined;
    this.readsVersion = this.reads.version;
  }

  /** Call after evaluating invariants on a new state: a new read invalidates reduced expansions. */
  noteReads(): void {
    if (this.reads.version === this.readsVersion) return;
    this.readsVersion = this.reads.version;
    if (this.reducedThisRun) this.restart ??= 'reads';
  }

  /**
   * Fills {@link facts} for state `v`: enabled, failing, visible and live actors, each enabled
   * step's receivers; learns the topology from the enabled steps.
   */
  analyse(v: Int32Array): void {
    const f = this.facts;
    const n = this.n;
    const bound = this.bound;
    const reads = this.reads;
    const tables = this.tables;
    const topo = this.topology;
    const receiversOut = f.receivers;
    const urgentOut = this.urgentReceivers;
    const watchesLocals = reads.version !== 0;
    let enabled = 0;
    let failing = 0;
    let visible = 0;
    let live = 0;
    let total = 0;
    let overflowing = false;
    for (let a = 0; a < n; a++) {
      const len = (tables[a] as ActorComponents).boxLength[v[a] as number] as number;
      total += len;
      if (len > bound) overflowing = true;
    }
    for (let a = 0; a < n; a++) {
      const bit = 1 << a;
      const c = v[a] as number;
      // What actor a does from component c, as one word (see `summarize`): computed once.
      let info = this.info[a] as Int32Array;
      let word = c < info.length ? (info[c] as number) : 0;
      if (word === 0) {
        word = this.summarize(a, c);
        info = this.info[a] as Int32Array;
      }
      if (word & LIVE) live |= bit;
      if (!(word & ENABLED)) {
        receiversOut[a] = 0;
        urgentOut[a] = 0;
        continue;
      }
      enabled |= bit;
      const receivers = (this.receiversOf[a] as Int32Array)[c] as number;
      receiversOut[a] = receivers;
      urgentOut[a] = word & URGENT ? (this.urgentOfComponent[a] as Int32Array)[c] as number : 0;
      const sends = word >>> SENDS_SHIFT;
      // After the step, total - 1 + sends messages are in flight: no mailbox can pass the bound
      // unless that does.
      if (word & FAILS || (total - 1 + sends > bound && this.overflows(v, a, this.moveOf(v, a) as Move))) failing |= bit;
      // Visible: the step changes a value an invariant has read (readSet.ts).
      if (watchesLocals && (reads.mailboxes & (bit | receivers) || (word & CHANGES_LOCAL && reads.readsLocal(a) && this.changesProjection(a, c)))) visible |= bit;
    }
    f.enabled = enabled;
    f.failing = overflowing ? enabled : failing;
    f.visible = visible;
    f.live = live;
    // Rule 3 of relation.ts can be ignored when no step sends more than one message and the
    // messages in flight fit in one mailbox. A mailbox already above its bound (the initial
    // messages overflow it) is reported by every step: then nothing may be reduced.
    f.coarseOverflow = !(topo.maxSends <= 1 && total <= bound);
  }

  /**
   * The set of actors to explore at the analysed state: the smallest stubborn set, or every
   * enabled actor. Records what the choice relied on, so that learning more later can tell
   * whether this run is still sound.
   */
  choose(): number {
    const f = this.facts;
    if (f.enabled === 0) return 0;
    const set = smallestStubbornSet(f, this.topology, this.closure);
    if (set === f.enabled) {
      this.full++;
      return set;
    }
    this.reduced++;
    this.reducedThisRun = true;
    if (!f.coarseOverflow) this.usedSingleSends = true;
    this.everGuarded |= this.closure.guarded;
    this.everUrgentGuarded |= set;
    return set;
  }

  /**
   * The actors among `candidates` whose enabled steps in state `v` are independent of `x`'s
   * step there (for sleep sets). `excluded` (failing or visible steps) and `coarse` (rule 3
   * applied coarsely) are the state's, as {@link analyse} found them.
   */
  independentAt(v: Int32Array, x: number, candidates: number, excluded: number, coarse: boolean): number {
    const bit = 1 << x;
    if (excluded & bit) return 0;
    // Every candidate is enabled at `v`, which `analyse` summarized: read the summaries.
    const info = this.info;
    if (!(((info[x] as Int32Array)[v[x] as number] as number) & ENABLED)) return 0;
    const rx = (this.receiversOf[x] as Int32Array)[v[x] as number] as number;
    const ux = (this.urgentOfComponent[x] as Int32Array)[v[x] as number] as number;
    let out = 0;
    for (let m = candidates & ~excluded & ~bit; m; m &= m - 1) {
      const y = lowestActor(m);
      const ybit = 1 << y;
      const cy = v[y] as number;
      if (!(((info[y] as Int32Array)[cy] as number) & ENABLED)) continue;
      const ry = (this.receiversOf[y] as Int32Array)[cy] as number;
      if (rx & ry) continue; // rule 1: a common receiver
      if (ux & ybit || ((this.urgentOfComponent[y] as Int32Array)[cy] as number) & bit) continue; // rule 2
      if (coarse && (rx & ybit || ry & bit)) continue; // rule 3
      out |= ybit;
    }
    return out;
  }

  /** Per actor, per component: a word of flags (0: not summarized yet); see {@link summarize}. */
  private readonly info: Int32Array[] = [];
  /** Per actor, per component: the receivers of its step. */
  private readonly receiversOf: Int32Array[] = [];
  /** Per actor, per component: the actors its step sends an urgent message to. */
  private readonly urgentOfComponent: Int32Array[] = [];
  /** Per actor, per component: the local state id its step leads to. */
  private readonly nextOf: Int32Array[] = [];

  /**
   * Summarizes what actor `a` does from component `c` and learns the topology from it, once per
   * component. It reads the step table's memoized outcome of the message `a` would take (the
   * delivery rule of runtime/delivery.ts, as the stepper applies it), not the stepper's move:
   * a move also builds the actor's next component (mailbox copied and interned), which only a
   * step actually taken needs; most enabled steps of a reduced search are never taken.
   */
  private summarize(a: number, c: number): number {
    let info = this.info[a] as Int32Array;
    if (c >= info.length) {
      const size = Math.max(info.length * 2, c + 1, 16);
      this.info[a] = info = grownTable(info, size);
      this.receiversOf[a] = grownTable(this.receiversOf[a] as Int32Array, size);
      this.urgentOfComponent[a] = grownTable(this.urgentOfComponent[a] as Int32Array, size);
      this.nextOf[a] = grownTable(this.nextOf[a] as Int32Array, size);
    }
    const t = this.tables[a] as ActorComponents;
    const local = t.local[c] as number;
    let word = KNOWN;
    if (this.isLive(a, local)) word |= LIVE;
    const len = t.boxLength[c] as number;
    const start = t.boxStart[c] as number;
    const table = this.kernel.table;
    const position = len === 0 ? -1 : selectMessage(table, a, local, t.boxes, start, len);
    if (position >= 0) {
      const outcome = table.outcome(a, local, t.boxes[start + position] as number);
      const out = outcome.sends;
      let receivers = 0;
      for (let i = 0; i < out.length; i += 2) receivers |= 1 << (out[i] as number);
      const urgent = this.hasUrgent ? this.urgentOfSends(out) : 0;
      const sends = out.length >> 1;
      word |= ENABLED | (Math.min(sends, 0xffff) << SENDS_SHIFT);
      if (outcome.failures.length > 0) word |= FAILS;
      if (urgent) word |= URGENT;
      if (outcome.next !== local) word |= CHANGES_LOCAL;
      (this.receiversOf[a] as Int32Array)[c] = receivers;
      (this.urgentOfComponent[a] as Int32Array)[c] = urgent;
      (this.nextOf[a] as Int32Array)[c] = outcome.next;
      const topo = this.topology;
      const newReceivers = receivers & ~(topo.sendsTo[a] as number);
      const newUrgent = urgent & ~(topo.urgentTo[a] as number);
      if (topo.observe(a, receivers, sends, urgent)) this.learnt(newReceivers, newUrgent, sends);
    }
    info[c] = word;
    return word;
  }

  /** Whether actor `a`'s step from component `c` (summarized, enabled) changes what an invariant read of its local state. */
  private changesProjection(a: number, c: number): boolean {
    const t = this.tables[a] as ActorComponents;
    const local = t.local[c] as number;
    const next = (this.nextOf[a] as Int32Array)[c] as number;
    const table = this.kernel.table;
    const snapshot = (actor: number, id: number) => table.snapshot(actor, id);
    return this.reads.projection(a, local, snapshot) !== this.reads.projection(a, next, snapshot);
  }

  /** Per actor, per local state: 1 if it can still step (status active), 2 if not, 0 unknown. */
  private readonly liveness: Array<Uint8Array | undefined> = [];

  private isLive(a: number, local: number): boolean {
    let l = this.liveness[a];
    if (!l || local >= l.length) {
      const grown = new Uint8Array(Math.max(64, (local + 1) * 2));
      if (l) grown.set(l);
      this.liveness[a] = grown;
      l = grown;
    }
    let known = l[local] as number;
    if (known === 0) {
      known = this.kernel.table.snapshot(a, local).status === 'active' ? 1 : 2;
      l[local] = known;
    }
    return known === 1;
  }

  private moveOf(v: Int32Array, a: number): Move | null {
    const t = this.tables[a] as ActorComponents;
    const c = v[a] as number;
    const move = t.moves[c];
    return move === undefined ? this.kernel.components.move(a, c) : move;
  }

  /** The topology grew by these new receivers (of one actor) or this many sends in one step. */
  private learnt(receivers: number, urgent: number, sends: number): void {
    if (!this.reducedThisRun) return;
    // A new sender into a mailbox no reduced expansion guarded changes no closure of this run.
    if (receivers & this.everGuarded) this.restart ??= 'topology';
    if (urgent & this.everUrgentGuarded) this.restart ??= 'topology';
    if (sends > 1 && this.usedSingleSends) this.restart ??= 'sends';
  }

  /** The actors an outcome's sends (flat receiver, message pairs) send an urgent message to. */
  private urgentOfSends(s: Int32Array): number {
    let mask = 0;
    const isUrgent = this.isUrgent;
    if (!isUrgent) return 0;
    for (let i = 0; i < s.length; i += 2) if (isUrgent(s[i + 1] as number)) mask |= 1 << (s[i] as number);
    return mask;
  }

  /** Whether `move` of `actor` from `v` overflows a receiver's mailbox (the stepper's rule). */
  private overflows(v: Int32Array, actor: number, move: Move): boolean {
    const tables = this.tables;
    const own = tables[actor] as ActorComponents;
    if ((own.boxLength[move.own] as number) > this.bound) return true;
    const others = move.others;
    for (let i = 0; i < others.length; i += 2) {
      const r = others[i] as number;
      // Count this receiver's messages in the move (usually one).
      let k = 0;
      for (let j = 0; j < others.length; j += 2) if (others[j] === r) k++;
      if (((tables[r] as ActorComponents).boxLength[v[r] as number] as number) + k > this.bound) return true;
    }
    return false;
  }
}
