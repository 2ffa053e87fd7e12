/**
 * The stepper: the semantics of one global state and one step, shared by every strategy, by
 * replay and by shrinking.
 *
 * A global state is a vector of component ids, one per actor (Components.ts: an actor's local
 * state and mailbox contents, interned), followed by two words of hash:
 *
 *     [ component of actor 0 .. n-1 | hash word 1 | hash word 2 ]      (Int32Array, n + 2 long)
 *
 * Allocate one with {@link Kernel.newState}. The hash words are the XOR of the components'
 * Zobrist words; `step` keeps them up to date incrementally, {@link Kernel.rehash} recomputes
 * them (after reading a state from a store that does not keep them).
 *
 * An actor is enabled when it takes a message (delivery.ts: the first one its state does not
 * defer, P's rule), so each actor has at most one enabled step and a schedule is a sequence of
 * actor indices. The step's sends are appended to their receivers' mailboxes in the order the
 * actions ran (FIFO per sender-receiver pair).
 *
 * A step returns a value and keeps nothing: `step(v, actor, out)` writes the successor into
 * `out` and returns {@link STEP_DISABLED}, {@link STEP_OK} or {@link STEP_FAILS}; what the step
 * did (the message it took, the outcome, the sends) is its {@link Move}, memoized per component
 * and returned by `move(v, actor)`. Findings are built on demand (`stepFindings`), on the cold
 * path only; their prose is in findings.ts.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { ModelError } from './errors.js';
import type { Message } from './model.js';
import { StepTable, awaitedEvents, stateMeta, stateName } from './StepTable.js';
import { Components, type ActorComponents, type Move } from './Components.js';
import { deadlockFinding, invariantFinding, waitForCycle, overflowFinding, stepFailureFinding, type Finding } from './findings.js';
import type { Checker, CheckerView, StepFacts, TransitionEvent } from './checkers/Checker.js';
import { resourcesOf, waitsOf, type GlobalView, type LoadedSystem, type ResourceView } from './system.js';
import type { BlockedActor, DeadlockDetails } from './violations.js';

export type { Finding } from './findings.js';
export type { Move } from './Components.js';

/** What checkTransition returns when nothing is found (frozen: callers copy, never add). */
const NO_FINDINGS: Finding[] = Object.freeze([]) as unknown as Finding[];

/** `step`: the actor takes no message in this state. */
export const STEP_DISABLED = -1;
/** `step`: the successor is in `out` and nothing failed. */
export const STEP_OK = 0;
/** `step`: the successor is in `out`, and the step failed (an assertion, unhandled message, overflow...): see `stepFindings`. */
export const STEP_FAILS = 1;

export class Kernel {
  readonly table: StepTable;
  readonly components: Components;
  readonly actorCount: number;
  /** Length of a state vector: the components, then two hash words. */
  readonly stateLength: number;
  private readonly tables: readonly ActorComponents[];
  private readonly bound: number;
  /** Some mailbox starts above the bound: then every step checks every mailbox, as at the start. */
  private readonly startsOverflowing: boolean;

  constructor(readonly system: LoadedSystem) {
    this.table = new StepTable(system);
    this.actorCount = system.actorNames.length;
    if (this.actorCount > 0xfffe) throw new ModelError(`system '${system.name}' has ${this.actorCount} actors; at most ${0xfffe} are supported`);
    this.stateLength = this.actorCount + 2;
    this.components = new Components(this.table, this.actorCount);
    this.tables = this.components.tables();
    this.bound = system.mailboxBound;
    this.startsOverflowing = this.table.initialMailboxes.some((box) => box.length > this.bound);
  }

  /** A zeroed state vector of the right length. */
  newState(): Int32Array {
    return new Int32Array(this.stateLength);
  }

  /** The initial global state. */
  initial(): Int32Array {
    const v = this.newState();
    for (let a = 0; a < this.actorCount; a++) {
      v[a] = this.components.intern(a, this.table.initialLocals[a] as number, this.table.initialMailboxes[a] as number[]);
    }
    this.rehash(v);
    return v;
  }

  /** Recomputes the hash words of `v` from its components. */
  rehash(v: Int32Array): void {
    const n = this.actorCount;
    let h1 = 0;
    let h2 = 0;
    for (let a = 0; a < n; a++) {
      const t = this.tables[a] as ActorComponents;
      h1 ^= t.z1[v[a] as number] as number;
      h2 ^= t.z2[v[a] as number] as number;
    }
    v[n] = h1;
    v[n + 1] = h2;
  }

  /** Failures raised while computing the initial state (entry assertions, overflow). */
  initialFindings(): Finding[] {
    const out: Finding[] = this.table.initialFailures.map(({ actor, failure }) => stepFailureFinding(this.nameOf(actor), failure));
    this.table.initialMailboxes.forEach((box, a) => {
      if (box.length > this.bound) out.push(overflowFinding(this.nameOf(a), box.length, this.bound, 'at the start'));
    });
    return out;
  }

  /** What `actor` does in state `v`, or undefined if it is not enabled there. */
  move(v: Int32Array, actor: number): Move | undefined {
    return this.components.move(actor, v[actor] as number) ?? undefined;
  }

  isEnabled(v: Int32Array, actor: number): boolean {
    return this.components.move(actor, v[actor] as number) !== null;
  }

  /** Indices of the enabled actors, ascending. */
  enabledActors(v: Int32Array): number[] {
    const out: number[] = [];
    for (let a = 0; a < this.actorCount; a++) if (this.isEnabled(v, a)) out.push(a);
    return out;
  }

  /**
   * Computes the state after `actor`'s step from `v` into `out` (a vector from
   * {@link newState}; not `v` itself) with its hash, and says how it went: {@link STEP_DISABLED}
   * (`out` untouched), {@link STEP_OK}, or {@link STEP_FAILS} (see {@link stepFindings}).
   * Allocates nothing once the components involved are known.
   */
  step(v: Int32Array, actor: number, out: Int32Array): number {
    const t = this.tables[actor] as ActorComponents;
    const c = v[actor] as number;
    let move = t.moves[c];
    if (move === undefined) move = this.components.move(actor, c);
    else this.components.hits++;
    if (move === null) return STEP_DISABLED;
    const n = this.actorCount;
    for (let i = 0; i < n; i++) out[i] = v[i] as number;
    const own = move.own;
    out[actor] = own;
    let h1 = (v[n] as number) ^ (t.z1[c] as number) ^ (t.z1[own] as number);
    let h2 = (v[n + 1] as number) ^ (t.z2[c] as number) ^ (t.z2[own] as number);
    const others = move.others;
    for (let i = 0; i < others.length; i += 2) {
      const r = others[i] as number;
      const before = out[r] as number;
      const after = this.components.append(r, before, others[i + 1] as number);
      const rt = this.tables[r] as ActorComponents;
      out[r] = after;
      h1 ^= (rt.z1[before] as number) ^ (rt.z1[after] as number);
      h2 ^= (rt.z2[before] as number) ^ (rt.z2[after] as number);
    }
    out[n] = h1;
    out[n + 1] = h2;
    if (move.failing) return STEP_FAILS;
    const receivers = move.receivers;
    for (let i = 0; i < receivers.length; i++) {
      const r = receivers[i] as number;
      if (((this.tables[r] as ActorComponents).boxLength[out[r] as number] as number) > this.bound) return STEP_FAILS;
    }
    if (this.startsOverflowing && this.overflowing(out).length) return STEP_FAILS;
    return STEP_OK;
  }

  /** Actors whose mailbox in `v` holds more messages than the bound, ascending. */
  private overflowing(v: Int32Array): number[] {
    const out: number[] = [];
    for (let a = 0; a < this.actorCount; a++) if (this.components.mailboxLength(a, v[a] as number) > this.bound) out.push(a);
    return out;
  }

  /**
   * The failures of `actor`'s step from `v` to `out` (as computed by {@link step}): its
   * outcome's, then every mailbox above the bound.
   */
  stepFindings(v: Int32Array, actor: number, out: Int32Array): Finding[] {
    const move = this.move(v, actor);
    if (!move) return [];
    const name = this.nameOf(actor);
    const found = move.outcome.failures.map((f) => stepFailureFinding(name, f));
    for (const r of this.overflowing(out)) found.push(overflowFinding(this.nameOf(r), this.bound + 1, this.bound, `when '${name}' sent to it`));
    return found;
  }

  /**
   * Runs `checkers` on `actor`'s step from `v` to `out` (as computed by {@link step}). The
   * checkers read both vectors during the call only, so callers may reuse them afterwards.
   */
  checkTransition(checkers: readonly Checker[], v: Int32Array, actor: number, out: Int32Array, depth: number, path?: () => number[]): Finding[] {
    if (checkers.length === 0) return NO_FINDINGS;
    const move = (this.tables[actor] as ActorComponents).moves[v[actor] as number] ?? this.move(v, actor);
    if (!move) return NO_FINDINGS;
    const mask = move.interestOf === checkers ? move.interest : this.interest(checkers, move, actor, v, out);
    if (mask === 0) return NO_FINDINGS;
    // The views read `v` and `out` directly: a checker may use them only during the call. So the
    // event and its two views are one object each, re-pointed per call: nothing is allocated
    // for a step a checker looks at (a search shows lockdep millions of them).
    const event = (this.transitionEvent ??= { actor: '', message: { type: '' }, sends: [], before: new StateView(this, v), after: new StateView(this, out), depth: 0 });
    event.actor = this.nameOf(actor);
    event.message = this.table.message(move.message);
    event.sends = this.sendsOf(move);
    (event.before as StateView).at(v);
    (event.after as StateView).at(out);
    event.depth = depth;
    event.path = path;
    let found: Finding[] | undefined;
    for (let i = 0; i < checkers.length; i++) {
      if (i < 31 && (mask & (1 << i)) === 0) continue;
      const judged = (checkers[i] as Checker).onTransition?.(event);
      if (judged?.length) (found ??= []).push(...judged);
    }
    return found ?? NO_FINDINGS;
  }

  /** The event {@link checkTransition} hands checkers, re-pointed per call. */
  private transitionEvent: TransitionEvent | undefined;

  /** Which of `checkers` want `actor`'s move (Checker.relevant), asked once per move (cached on the move). */
  private interest(checkers: readonly Checker[], move: Move, actor: number, v: Int32Array, out: Int32Array): number {
    if (move.interestOf === checkers) return move.interest;
    let mask = 0;
    let facts: StepFacts | undefined;
    for (let i = 0; i < checkers.length; i++) {
      const c = checkers[i] as Checker;
      if (i >= 31 || !c.relevant) {
        mask |= i < 31 ? 1 << i : 0x80000000;
        continue;
      }
      facts ??= {
        actor: this.nameOf(actor),
        message: this.table.message(move.message),
        sends: this.sendsOf(move),
        before: this.snapshot(v, actor).context,
        after: this.snapshot(out, actor).context,
      };
      if (c.relevant(facts)) mask |= 1 << i;
    }
    move.interestOf = checkers;
    move.interest = mask;
    return mask;
  }

  /** A move's sends by name and message, in the order they were made (the same array for the same move: do not modify it). */
  sendsOf(move: Move): Array<{ to: string; message: Message }> {
    const known = move.named;
    if (known) return known;
    const s = move.outcome.sends;
    const out: Array<{ to: string; message: Message }> = [];
    for (let j = 0; j < s.length; j += 2) out.push({ to: this.nameOf(s[j] as number), message: this.table.message(s[j + 1] as number) });
    move.named = out;
    return out;
  }

  /** Actor `a`'s local state id in `v`. */
  local(v: Int32Array, a: number): number {
    return this.components.local(a, v[a] as number);
  }

  /** Actor `a`'s snapshot in `v`. */
  snapshot(v: Int32Array, a: number): AnyMachineSnapshot {
    return this.table.snapshot(a, this.local(v, a));
  }

  /** The message ids in actor `a`'s mailbox in `v`, oldest first. */
  mailbox(v: Int32Array, a: number): number[] {
    return this.components.mailbox(a, v[a] as number);
  }

  /**
   * `v` in the portable packed layout `[local ids | mailbox lengths | messages, mailbox by
   * mailbox]`, independent of component ids (the parallel search ships states this way).
   */
  pack(v: Int32Array): Int32Array {
    const n = this.actorCount;
    const boxes = Array.from({ length: n }, (_, a) => this.mailbox(v, a));
    const out = new Int32Array(2 * n + boxes.reduce((s, b) => s + b.length, 0));
    let at = 2 * n;
    for (let a = 0; a < n; a++) {
      out[a] = this.local(v, a);
      out[n + a] = (boxes[a] as number[]).length;
      for (const m of boxes[a] as number[]) out[at++] = m;
    }
    return out;
  }

  /** The state vector (with its hash) of a packed state; the inverse of {@link pack}. */
  unpack(packed: ArrayLike<number>, out: Int32Array = this.newState()): Int32Array {
    const n = this.actorCount;
    let at = 2 * n;
    for (let a = 0; a < n; a++) {
      const len = packed[n + a] as number;
      const box = Array.from({ length: len }, (_, i) => packed[at + i] as number);
      at += len;
      out[a] = this.components.intern(a, packed[a] as number, box);
    }
    this.rehash(out);
    return out;
  }

  /** A read-only view of state `v` for invariants and reports. */
  view(v: Int32Array): GlobalView {
    const index = this.system.actorIndex;
    const idx = (name: string): number => {
      const a = index.get(name);
      if (a === undefined) throw new Error(`no actor named '${name}'; actors are ${this.system.actorNames.join(', ')}`);
      return a;
    };
    return {
      actorNames: this.system.actorNames,
      actor: (name) => this.snapshot(v, idx(name)),
      mailbox: (name) => this.mailbox(v, idx(name)).map((m) => this.table.message(m)),
    };
  }

  /**
   * {@link view} plus each actor's `resources` (who holds and waits for its locks), for checkers.
   * One small object per view (checkers get two per transition they look at): no closures.
   */
  checkerView(v: Int32Array): CheckerView {
    return new StateView(this, v);
  }

  /** The actors that declare `resources` (lock guards), in actor order. */
  get guards(): readonly string[] {
    this.guardNames ??= this.system.actorNames.filter((_, a) => this.system.spec.actors[a]?.resources !== undefined);
    return this.guardNames;
  }

  private guardNames: readonly string[] | undefined;

  /** Actor index of `name`, or a clear error. */
  indexOf(name: string): number {
    const a = this.system.actorIndex.get(name);
    if (a === undefined) throw new Error(`no actor named '${name}'; actors are ${this.system.actorNames.join(', ')}`);
    return a;
  }

  /** Invariant failures in state `v`. */
  invariantFindings(v: Int32Array): Finding[] {
    if (this.system.invariants.length === 0) return [];
    const view = this.view(v);
    const out: Finding[] = [];
    for (const inv of this.system.invariants) {
      // A check that throws or returns another type is a model error (runtime/callbacks.ts guards it).
      const result = inv.check(view);
      if (result !== true) out.push(invariantFinding(inv.name, result));
    }
    return out;
  }

  /**
   * In a state where no actor is enabled: a deadlock if some non-daemon actor has not finished
   * (its final state, or a valid end state, `meta: { end: true }`, with an empty mailbox: a CPU
   * idling after its program). Says who waits for what, from the actors' states and the
   * daemons' `resources` (locks) and `waits` (a running callback others wait for); a daemon
   * that waits for one of those (a CPU whose timer callback spins on a lock) is listed too, so
   * the wait-for cycle can go through it.
   */
  deadlockFinding(v: Int32Array): Finding | undefined {
    const n = this.actorCount;
    const resources: DeadlockDetails['resources'] = [];
    const waits: DeadlockDetails['resources'] = [];
    for (let a = 0; a < n; a++) {
      const spec = this.system.spec.actors[a];
      if (spec?.resources) for (const r of resourcesOf(spec, this.snapshot(v, a).context)) resources.push({ ...r, guardedBy: this.nameOf(a) });
      if (spec?.waits) for (const r of waitsOf(spec, this.snapshot(v, a).context)) waits.push({ ...r, guardedBy: this.nameOf(a) });
    }
    const blocked: BlockedActor[] = [];
    let anyBlocked = false;
    const daemons = new Set<string>();
    for (let a = 0; a < n; a++) {
      const daemon = this.system.daemon[a] === true;
      const snap = this.snapshot(v, a);
      if (snap.status === 'done') continue;
      if (!daemon && stateMeta(snap).end && this.mailbox(v, a).length === 0) continue;
      const name = this.nameOf(a);
      const lock = resources.find((r) => r.waiting.includes(name));
      const res = lock ?? waits.find((r) => r.waiting.includes(name));
      if (daemon && !res) continue;
      if (!daemon) anyBlocked = true;
      blocked.push({
        actor: name,
        state: stateName(snap),
        awaits: awaitedEvents(snap),
        deferred: this.mailbox(v, a).map((m) => this.table.message(m).type),
        ...(res ? { waitsFor: { resource: res.name, guardedBy: res.guardedBy, heldBy: res.heldBy, ...(lock ? {} : { running: true as const }) } } : {}),
      });
      if (daemon) daemons.add(name);
    }
    if (!anyBlocked) return undefined;
    // A daemon is listed only when the wait-for cycle goes through it (a CPU whose callback spins).
    const cycle = waitForCycle(blocked);
    const shown = blocked.filter((b) => !daemons.has(b.actor) || cycle?.includes(b.actor));
    return deadlockFinding(shown, resources);
  }

  private nameOf(a: number): string {
    return this.system.actorNames[a] as string;
  }
}

/** A checker's view of one global state vector (Kernel.checkerView). */
class StateView implements CheckerView {
  readonly actorNames: readonly string[];
  readonly guards: readonly string[];
  constructor(
    private readonly kernel: Kernel,
    private v: Int32Array,
  ) {
    this.actorNames = kernel.system.actorNames;
    this.guards = kernel.guards;
  }

  /** This view, reading state `v` from now on. */
  at(v: Int32Array): this {
    this.v = v;
    return this;
  }

  actor(name: string): AnyMachineSnapshot {
    return this.kernel.snapshot(this.v, this.kernel.indexOf(name));
  }

  mailbox(name: string): readonly Message[] {
    const k = this.kernel;
    return k.mailbox(this.v, k.indexOf(name)).map((m) => k.table.message(m));
  }

  component(name: string): number {
    return this.v[this.kernel.indexOf(name)] as number;
  }

  resources(name: string): ResourceView[] {
    const k = this.kernel;
    const a = k.system.actorIndex.get(name);
    return a === undefined ? [] : resourcesOf(k.system.spec.actors[a], k.snapshot(this.v, a).context);
  }
}
