/**
 * The semantics of one global state and one step, shared by every strategy and by replay.
 *
 * A global state is a packed Int32 vector:
 *
 *     [ local state id of actor 0..n-1 | mailbox length of actor 0..n-1 | messages, mailbox by mailbox ]
 *
 * An actor is enabled when its mailbox holds a message its current state does not defer; its
 * step takes the first such message (P's deferral rule), so each actor has at most one enabled
 * step and a schedule is just a sequence of actor indices. The step's sends are appended to
 * their receivers' mailboxes in the order the actions ran (FIFO per sender-receiver pair).
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { Message } from './model.js';
import { Disposition, StepTable, awaitedEvents, stateName, type Outcome, type StepFailure } from './StepTable.js';
import type { Checker, CheckerView, TransitionEvent } from './checkers/Checker.js';
import type { GlobalView, LoadedSystem, ResourceView } from './system.js';
import type { BlockedActor, DeadlockDetails, ViolationKind } from './violations.js';

/** A failure found at a step or in a state, before it gets its schedule. */
export interface Finding {
  kind: ViolationKind;
  message: string;
  actor?: string;
  deadlock?: DeadlockDetails;
  /** A multi-line report that goes with the sentence (a lockdep chain and scenario table). */
  report?: string;
  /**
   * True when the finding rests on what a checker accumulated over several executions (a
   * lockdep cycle whose edges come from different runs): replaying the one schedule attached
   * shows where it was completed, not the whole evidence.
   */
  acrossExecutions?: boolean;
  /**
   * The paths (actor indices from the initial state) of the other executions the finding rests
   * on, in the order a checker must see them; the replay token carries them (schedule.ts), so
   * replay reproduces the finding.
   */
  evidence?: number[][];
}

export class Kernel {
  readonly table: StepTable;
  readonly actorCount: number;
  /** The outcome of the last `successor` call. */
  lastOutcome: Outcome | undefined;
  /** The message id the last `successor` call consumed. */
  lastMessage = -1;
  /** Receivers whose mailbox overflowed in the last `successor` call. */
  lastOverflow: number[] = [];
  /** The state computed by the last `successor` call (valid up to its returned length). */
  out = new Int32Array(256);
  private readonly offsets: Int32Array;
  private readonly preparedOffsets: Int32Array;
  /** The outcome `findEnabled` found last: saves `successor` a second memo lookup. */
  private foundOutcome: Outcome | undefined;
  private readonly newLengths: Int32Array;

  constructor(readonly system: LoadedSystem) {
    this.table = new StepTable(system);
    this.actorCount = system.actorNames.length;
    this.offsets = new Int32Array(this.actorCount + 1);
    this.preparedOffsets = new Int32Array(this.actorCount + 1);
    this.newLengths = new Int32Array(this.actorCount);
  }

  /** The initial global state. */
  initial(): Int32Array {
    const n = this.actorCount;
    const boxes = this.table.initialMailboxes;
    const total = boxes.reduce((s, b) => s + b.length, 0);
    const v = new Int32Array(2 * n + total);
    v.set(this.table.initialLocals, 0);
    let at = 2 * n;
    for (let a = 0; a < n; a++) {
      const box = boxes[a] as number[];
      v[n + a] = box.length;
      v.set(box, at);
      at += box.length;
    }
    return v;
  }

  /** Failures raised while computing the initial state (entry assertions, overflow). */
  initialFindings(): Finding[] {
    const out: Finding[] = this.table.initialFailures.map(({ actor, failure }) => this.findingOf(actor, failure));
    this.table.initialMailboxes.forEach((box, a) => {
      if (box.length > this.system.mailboxBound) out.push(this.overflowFinding(a, box.length, 'at the start'));
    });
    return out;
  }

  private computeOffsets(v: Int32Array, offsets: Int32Array = this.offsets): void {
    const n = this.actorCount;
    offsets[0] = 2 * n;
    for (let a = 0; a < n; a++) offsets[a + 1] = (offsets[a] as number) + (v[n + a] as number);
  }

  /**
   * Computes the mailbox offsets of state `v` once, for a run of `successor(v, actor, true)`
   * calls over its actors (a search expanding one state). Other calls keep their own offsets,
   * so checks between those calls do not disturb them.
   */
  prepare(v: Int32Array): void {
    this.computeOffsets(v, this.preparedOffsets);
  }

  /** Position within `actor`'s mailbox of the message its step would take, or -1. */
  enabledMessage(v: Int32Array, actor: number): number {
    this.computeOffsets(v);
    return this.findEnabled(v, actor);
  }

  /** Finds the message `actor`'s step takes; leaves its outcome in `foundOutcome` for `successor`. */
  private findEnabled(v: Int32Array, actor: number, offsets: Int32Array = this.offsets): number {
    const local = v[actor] as number;
    const start = offsets[actor] as number;
    const len = v[this.actorCount + actor] as number;
    for (let i = 0; i < len; i++) {
      const o = this.table.outcome(actor, local, v[start + i] as number);
      if (o.disposition !== Disposition.Deferred) {
        this.foundOutcome = o;
        return i;
      }
    }
    return -1;
  }

  /** Indices of the enabled actors, ascending. */
  enabledActors(v: Int32Array): number[] {
    this.computeOffsets(v);
    const out: number[] = [];
    for (let a = 0; a < this.actorCount; a++) if (this.findEnabled(v, a) >= 0) out.push(a);
    return out;
  }

  /**
   * Computes the state after `actor`'s step from `v` into {@link out} (reused between calls,
   * grown when needed) and returns its length, or -1 if the actor is not enabled. With
   * `prepared`, uses the offsets {@link prepare} computed for `v`.
   */
  successor(v: Int32Array, actor: number, prepared = false): number {
    const n = this.actorCount;
    const offsets = prepared ? this.preparedOffsets : this.offsets;
    if (!prepared) this.computeOffsets(v, offsets);
    const pos = this.findEnabled(v, actor, offsets);
    if (pos < 0) return -1;
    const mailboxStart = offsets[actor] as number;
    const msg = v[mailboxStart + pos] as number;
    const outcome = this.foundOutcome as Outcome;
    this.lastOutcome = outcome;
    this.lastMessage = msg;
    if (this.lastOverflow.length) this.lastOverflow.length = 0;

    const sends = outcome.sends;
    const lens = this.newLengths;
    for (let a = 0; a < n; a++) lens[a] = v[n + a] as number;
    lens[actor] = (lens[actor] as number) - 1;
    for (let i = 0; i < sends.length; i += 2) {
      const r = sends[i] as number;
      lens[r] = (lens[r] as number) + 1;
    }
    let total = 2 * n;
    for (let a = 0; a < n; a++) total += lens[a] as number;
    if (this.out.length < total) this.out = new Int32Array(total * 2);
    const out = this.out;
    out.set(v.subarray(0, n), 0);
    out[actor] = outcome.next;
    let at = 2 * n;
    for (let a = 0; a < n; a++) {
      out[n + a] = lens[a] as number;
      const start = offsets[a] as number;
      const end = offsets[a + 1] as number;
      if (a === actor) {
        for (let i = start; i < end; i++) if (i !== mailboxStart + pos) out[at++] = v[i] as number;
      } else {
        for (let i = start; i < end; i++) out[at++] = v[i] as number;
      }
      for (let i = 0; i < sends.length; i += 2) if (sends[i] === a) out[at++] = sends[i + 1] as number;
      if ((lens[a] as number) > this.system.mailboxBound) this.lastOverflow.push(a);
    }
    return total;
  }

  /** The step failures of the last `successor` call: its outcome's and any overflow. */
  stepFindings(actor: number): Finding[] {
    const out: Finding[] = [];
    for (const f of this.lastOutcome?.failures ?? []) out.push(this.findingOf(actor, f));
    for (const r of this.lastOverflow) out.push(this.overflowFinding(r, this.system.mailboxBound + 1, `when '${this.system.actorNames[actor]}' sent to it`));
    return out;
  }

  private findingOf(actor: number, f: StepFailure): Finding {
    const name = this.system.actorNames[actor] as string;
    const message = f.kind === 'assertion' ? `assertion failed in actor '${name}': ${f.message}` : f.message;
    return { kind: f.kind, message, actor: name };
  }

  private overflowFinding(receiver: number, length: number, when: string): Finding {
    const name = this.system.actorNames[receiver] as string;
    return {
      kind: 'mailbox-overflow',
      message: `mailbox of actor '${name}' overflowed ${when}: ${length} messages, bound ${this.system.mailboxBound} (raise mailboxBound, or find who sends without waiting)`,
      actor: name,
    };
  }

  /**
   * Runs `checkers` on the transition just computed by `successor(v, actor)` (its result is in
   * {@link out} up to `length`). Copies what it needs, so callers may reuse `out` afterwards.
   */
  checkTransition(checkers: readonly Checker[], v: Int32Array, actor: number, length: number, depth: number): Finding[] {
    if (checkers.length === 0) return [];
    const names = this.system.actorNames;
    const s = this.lastOutcome?.sends ?? new Int32Array(0);
    const sends: Array<{ to: string; message: Message }> = [];
    for (let j = 0; j < s.length; j += 2) sends.push({ to: names[s[j] as number] as string, message: this.table.message(s[j + 1] as number) });
    const event: TransitionEvent = {
      actor: names[actor] as string,
      message: this.table.message(this.lastMessage),
      sends,
      before: this.checkerView(v),
      after: this.checkerView(this.out.slice(0, length)),
      depth,
    };
    const out: Finding[] = [];
    for (const c of checkers) for (const f of c.onTransition?.(event) ?? []) out.push(f);
    return out;
  }

  /** A read-only view of state `v` for invariants and reports. */
  view(v: Int32Array): GlobalView {
    const n = this.actorCount;
    const index = this.system.actorIndex;
    const idx = (name: string): number => {
      const a = index.get(name);
      if (a === undefined) throw new Error(`no actor named '${name}'; actors are ${this.system.actorNames.join(', ')}`);
      return a;
    };
    const snapshotOf = (a: number): AnyMachineSnapshot => this.table.snapshot(a, v[a] as number);
    return {
      actorNames: this.system.actorNames,
      actor: (name) => snapshotOf(idx(name)),
      mailbox: (name) => {
        const a = idx(name);
        let off = 2 * n;
        for (let b = 0; b < a; b++) off += v[n + b] as number;
        const out: Message[] = [];
        for (let i = 0; i < (v[n + a] as number); i++) out.push(this.table.message(v[off + i] as number));
        return out;
      },
    };
  }

  /** {@link view} plus each actor's `resources` (who holds and waits for its locks), for checkers. */
  checkerView(v: Int32Array): CheckerView {
    const base = this.view(v);
    const index = this.system.actorIndex;
    return {
      ...base,
      resources: (name) => {
        const a = index.get(name);
        const describe = a === undefined ? undefined : this.system.spec.actors[a]?.resources;
        if (a === undefined || !describe) return [];
        return describe(this.table.snapshot(a, v[a] as number).context) as ResourceView[];
      },
    };
  }

  /** Invariant failures in state `v`. */
  invariantFindings(v: Int32Array): Finding[] {
    if (this.system.invariants.length === 0) return [];
    const view = this.view(v);
    const out: Finding[] = [];
    for (const inv of this.system.invariants) {
      let result: boolean | string;
      try {
        result = inv.check(view);
      } catch (err) {
        result = `the check threw: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (result !== true) {
        out.push({ kind: 'invariant', message: `invariant '${inv.name}' violated${typeof result === 'string' ? `: ${result}` : ''}` });
      }
    }
    return out;
  }

  /**
   * In a state where no actor is enabled: a deadlock if some non-daemon actor has not finished.
   * Says who waits for what, from the actors' states and the daemons' `resources`.
   */
  deadlockFinding(v: Int32Array): Finding | undefined {
    const n = this.actorCount;
    const names = this.system.actorNames;
    const resources: DeadlockDetails['resources'] = [];
    for (let a = 0; a < n; a++) {
      const describe = this.system.spec.actors[a]?.resources;
      if (!describe) continue;
      for (const r of describe(this.table.snapshot(a, v[a] as number).context) as ResourceView[]) {
        resources.push({ ...r, guardedBy: names[a] as string });
      }
    }
    const view = this.view(v);
    const blocked: BlockedActor[] = [];
    for (let a = 0; a < n; a++) {
      if (this.system.daemon[a]) continue;
      const snap = this.table.snapshot(a, v[a] as number);
      if (snap.status === 'done') continue;
      const name = names[a] as string;
      const res = resources.find((r) => r.waiting.includes(name));
      blocked.push({
        actor: name,
        state: stateName(snap),
        awaits: awaitedEvents(snap),
        deferred: view.mailbox(name).map((m) => m.type),
        ...(res ? { waitsFor: { resource: res.name, guardedBy: res.guardedBy, heldBy: res.heldBy } } : {}),
      });
    }
    if (blocked.length === 0) return undefined;
    const cycle = waitForCycle(blocked);
    const details: DeadlockDetails = { blocked, resources, ...(cycle ? { cycle } : {}) };
    return { kind: 'deadlock', message: deadlockSentence(details), deadlock: details };
  }
}

/** Finds a cycle in "actor waits for a resource held by actor" edges. */
function waitForCycle(blocked: BlockedActor[]): string[] | undefined {
  const edges = new Map<string, string[]>();
  for (const b of blocked) if (b.waitsFor) edges.set(b.actor, b.waitsFor.heldBy);
  for (const start of [...edges.keys()].sort()) {
    const path: string[] = [];
    let at: string | undefined = start;
    while (at !== undefined && !path.includes(at)) {
      path.push(at);
      at = edges.get(at)?.[0];
    }
    if (at !== undefined) return [...path.slice(path.indexOf(at)), at];
  }
  return undefined;
}

function deadlockSentence(d: DeadlockDetails): string {
  const parts = d.blocked.map((b) => {
    if (b.waitsFor) {
      const held = b.waitsFor.heldBy.length ? `held by ${b.waitsFor.heldBy.join(', ')}` : 'not held by anyone';
      return `'${b.actor}' waits for ${b.waitsFor.resource} (${held})`;
    }
    const awaits = b.awaits.length ? `one of [${b.awaits.join(', ')}]` : 'nothing it can handle';
    const deferred = b.deferred.length ? `; it defers [${b.deferred.join(', ')}]` : '';
    return `'${b.actor}' in state '${b.state}' waits for ${awaits}${deferred}`;
  });
  const cycle = d.cycle ? ` Wait-for cycle: ${d.cycle.join(' -> ')}.` : '';
  return `deadlock: no actor can take a step, and ${parts.join('; ')}.${cycle}`;
}
