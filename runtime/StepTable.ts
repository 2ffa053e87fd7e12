/**
 * Interning and memoized steps (DESIGN.md decision 1).
 *
 * xstate's `transition()` costs tens of microseconds; an exhaustive search takes millions of
 * steps. So every actor's local snapshot is interned (canonical key of state value, context,
 * status and history -> a small integer, per actor), every message is interned (canonical key
 * -> integer, global), and each (actor, localId, messageId) -> outcome is computed once by
 * xstate and then looked up. The key names the actor: two vCPUs in the same local state send
 * to different peers.
 *
 * An outcome also says how the state disposes of the message: handled, ignored (consumed,
 * nothing changes), deferred (stays in the mailbox) or unhandled (a violation, as in P).
 */
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { ActionError, InternalBug, ModelError, internalAssert } from './errors.js';
import { ASSERT_ACTION, SEND_ACTION, type AssertParams, type Message, type SendParams } from './model.js';
import { assertPlainData, canonicalKey } from './plainData.js';
import { ENVIRONMENT, runtimeOwnedActionReason, type LoadedSystem } from './system.js';

export enum Disposition {
  Handled = 0,
  Ignored = 1,
  Deferred = 2,
  Unhandled = 3,
  ActorError = 4,
}

/** A property failure that a single step produced. */
export interface StepFailure {
  kind: 'assertion' | 'unhandled-message' | 'actor-error';
  message: string;
}

/** What one actor does with one message in one local state. Computed once, then shared. */
export interface Outcome {
  readonly disposition: Disposition;
  /** The actor's next local state id. */
  readonly next: number;
  /** Flat pairs: receiver actor index, message id. */
  readonly sends: Int32Array;
  readonly failures: readonly StepFailure[];
}

const EMPTY_SENDS = new Int32Array(0);
const NO_FAILURES: readonly StepFailure[] = [];
/** Message ids stay below this, so (localId, messageId) packs into one safe integer key. */
const MESSAGE_ID_LIMIT = 1 << 21;

/** Counters that show xstate is called per new (actor, state, message), not per global step. */
export interface StepTableStats {
  xstateCalls: number;
  memoHits: number;
  localStates: number;
  messages: number;
}

export class StepTable {
  private readonly localKeys: Array<Map<string, number>>;
  private readonly localSnapshots: AnyMachineSnapshot[][];
  private readonly messageKeys = new Map<string, number>();
  private readonly messageValues: Message[] = [];
  private readonly memo: Array<Map<number, Outcome>>;
  readonly stats: StepTableStats = { xstateCalls: 0, memoHits: 0, localStates: 0, messages: 0 };
  /** Local state id of each actor at the start. */
  readonly initialLocals: Int32Array;
  /** Message ids in each mailbox at the start. */
  readonly initialMailboxes: number[][];
  /** Failures raised by the initial entry actions (e.g. an assertion in an entry). */
  readonly initialFailures: Array<{ actor: number; failure: StepFailure }> = [];

  constructor(readonly system: LoadedSystem) {
    const n = system.actorNames.length;
    this.localKeys = Array.from({ length: n }, () => new Map());
    this.localSnapshots = Array.from({ length: n }, () => []);
    this.memo = Array.from({ length: n }, () => new Map());
    this.initialLocals = new Int32Array(n);
    this.initialMailboxes = Array.from({ length: n }, () => []);
    for (const m of system.spec.initialMessages ?? []) {
      const to = system.actorIndex.get(m.to);
      internalAssert(to !== undefined, `initial message to '${m.to}' passed loading`);
      this.initialMailboxes[to]?.push(this.internMessage({ ...m.event, from: ENVIRONMENT }));
    }
    for (let a = 0; a < n; a++) {
      const spec = system.spec.actors[a];
      internalAssert(spec, `actor ${a} exists`);
      let snapshot: AnyMachineSnapshot;
      let actions: unknown[];
      try {
        [snapshot, actions] = initialTransition(system.machines[a] as AnyStateMachine, spec.input) as [AnyMachineSnapshot, unknown[]];
      } catch (err) {
        throw new ModelError(`actor '${spec.name}': the initial state could not be computed: ${errorText(err)}`);
      }
      this.stats.xstateCalls++;
      const where = `actor '${spec.name}', initial state '${stateName(snapshot)}'`;
      const sends: number[] = [];
      const failures: StepFailure[] = [];
      this.interpretActions(a, actions, where, sends, failures);
      for (const f of failures) this.initialFailures.push({ actor: a, failure: f });
      this.initialLocals[a] = this.internLocal(a, snapshot, where);
      for (let i = 0; i < sends.length; i += 2) this.initialMailboxes[sends[i] as number]?.push(sends[i + 1] as number);
    }
  }

  /** The snapshot behind a local state id. */
  snapshot(actor: number, localId: number): AnyMachineSnapshot {
    const s = this.localSnapshots[actor]?.[localId];
    if (!s) throw new InternalBug(`no local state ${localId} for actor ${actor}`);
    return s;
  }

  /** The message behind a message id. */
  message(messageId: number): Message {
    const m = this.messageValues[messageId];
    if (!m) throw new InternalBug(`no message ${messageId}`);
    return m;
  }

  /** What `actor` in local state `localId` does with message `messageId` (memoized). */
  outcome(actor: number, localId: number, messageId: number): Outcome {
    const table = this.memo[actor] as Map<number, Outcome>;
    const key = localId * MESSAGE_ID_LIMIT + messageId;
    const hit = table.get(key);
    if (hit) {
      this.stats.memoHits++;
      return hit;
    }
    const computed = this.compute(actor, localId, messageId);
    table.set(key, computed);
    return computed;
  }

  private compute(actor: number, localId: number, messageId: number): Outcome {
    const snapshot = this.snapshot(actor, localId);
    const event = this.message(messageId);
    const name = this.system.actorNames[actor] as string;
    const where = `actor '${name}', state '${stateName(snapshot)}', message '${event.type}'`;
    const machine = this.system.machines[actor] as AnyStateMachine;

    if (snapshot.status !== 'active') {
      // A final state may drop replies to its last step (`meta: ignoring('mem.value')`).
      if (snapshot.status === 'done' && stateMeta(snapshot).ignore.has(event.type)) return { disposition: Disposition.Ignored, next: localId, sends: EMPTY_SENDS, failures: NO_FAILURES };
      return this.fail(localId, Disposition.Unhandled, {
        kind: 'unhandled-message',
        message: `unhandled message '${event.type}' from ${event.from ?? ENVIRONMENT} in state '${stateName(snapshot)}' of actor '${name}': the actor has finished (status ${snapshot.status})`,
      });
    }
    let handled: boolean;
    try {
      handled = machine.getTransitionData(snapshot as never, event as never).length > 0;
    } catch (err) {
      return this.fail(localId, Disposition.ActorError, { kind: 'actor-error', message: `${where}: a guard threw: ${errorText(err)}` });
    }
    if (!handled) {
      const meta = stateMeta(snapshot);
      if (meta.ignore.has(event.type)) return { disposition: Disposition.Ignored, next: localId, sends: EMPTY_SENDS, failures: NO_FAILURES };
      if (meta.defer.has(event.type)) return { disposition: Disposition.Deferred, next: localId, sends: EMPTY_SENDS, failures: NO_FAILURES };
      return this.fail(localId, Disposition.Unhandled, {
        kind: 'unhandled-message',
        message: `unhandled message '${event.type}' from ${event.from ?? ENVIRONMENT} in state '${stateName(snapshot)}' of actor '${name}'`,
      });
    }
    let next: AnyMachineSnapshot;
    let actions: unknown[];
    this.stats.xstateCalls++;
    try {
      [next, actions] = transition(machine, snapshot as never, event as never) as [AnyMachineSnapshot, unknown[]];
    } catch (err) {
      if (err instanceof ActionError) throw new ModelError(`${where}: ${err.message}`);
      return this.fail(localId, Disposition.ActorError, { kind: 'actor-error', message: `${where}: the transition threw: ${errorText(err)}` });
    }
    if (next.status === 'error') {
      if (next.error instanceof ActionError) throw new ModelError(`${where}: ${next.error.message}`);
      return this.fail(localId, Disposition.ActorError, { kind: 'actor-error', message: `${where}: the actor entered xstate's error status: ${errorText(next.error)}` });
    }
    if (Object.keys(next.children ?? {}).length > 0) {
      throw new ModelError(`${where}: the step created child actors; actor creation belongs to the runtime`);
    }
    const sends: number[] = [];
    const failures: StepFailure[] = [];
    this.interpretActions(actor, actions, where, sends, failures);
    return {
      disposition: Disposition.Handled,
      next: this.internLocal(actor, next, `actor '${name}', state '${stateName(next)}'`),
      sends: sends.length ? Int32Array.from(sends) : EMPTY_SENDS,
      failures: failures.length ? failures : NO_FAILURES,
    };
  }

  private fail(localId: number, disposition: Disposition, failure: StepFailure): Outcome {
    return { disposition, next: localId, sends: EMPTY_SENDS, failures: [failure] };
  }

  private interpretActions(actor: number, actions: unknown[], where: string, sends: number[], failures: StepFailure[]): void {
    const sender = this.system.actorNames[actor] as string;
    for (const raw of actions) {
      const action = raw as { type: string; params?: unknown };
      if (action.type === SEND_ACTION) {
        const { to, event } = action.params as SendParams;
        const receiver = this.system.actorIndex.get(to);
        if (receiver === undefined) {
          throw new ModelError(`${where}: sends '${String(event?.type)}' to unknown actor '${to}'; actors are ${this.system.actorNames.join(', ')}`);
        }
        assertPlainData(event, `${where}: message to '${to}'`, 'message');
        if (typeof event.type !== 'string') throw new ModelError(`${where}: a message to '${to}' has no string 'type'`);
        sends.push(receiver, this.internMessage({ ...event, from: sender }));
      } else if (action.type === ASSERT_ACTION) {
        const { ok, message } = action.params as AssertParams;
        if (!ok) failures.push({ kind: 'assertion', message });
      } else if (action.type === 'xstate.log') {
        // Logging has no effect on the model.
      } else {
        const reason = runtimeOwnedActionReason(action.type);
        throw new ModelError(
          reason
            ? `${where}: ${reason}`
            : `${where}: action '${action.type}' is not one the runtime interprets; actions run nowhere during exploration, so use assign, send(), reply() or assertThat()`,
        );
      }
    }
  }

  private internLocal(actor: number, snapshot: AnyMachineSnapshot, where: string): number {
    assertPlainData(snapshot.context, where, 'context');
    const key = canonicalKey([snapshot.value, snapshot.context ?? null, snapshot.status, historyKey(snapshot)]);
    const table = this.localKeys[actor] as Map<string, number>;
    const found = table.get(key);
    if (found !== undefined) return found;
    const list = this.localSnapshots[actor] as AnyMachineSnapshot[];
    const id = list.length;
    list.push(snapshot);
    table.set(key, id);
    this.stats.localStates++;
    return id;
  }

  /**
   * Interns a snapshot built outside a step (symmetry reduction renames actors in a snapshot
   * and interns the result for another actor) and returns its local state id.
   */
  internSnapshot(actor: number, snapshot: AnyMachineSnapshot): number {
    const name = this.system.actorNames[actor] as string;
    return this.internLocal(actor, snapshot, `actor '${name}', state '${stateName(snapshot)}'`);
  }

  /** Interns a message (already stamped with its sender). */
  internMessage(message: Message): number {
    const key = canonicalKey(message);
    const found = this.messageKeys.get(key);
    if (found !== undefined) return found;
    const id = this.messageValues.length;
    if (id >= MESSAGE_ID_LIMIT) throw new ModelError(`more than ${MESSAGE_ID_LIMIT} distinct messages; is a counter in a message unbounded?`);
    this.messageValues.push(message);
    this.messageKeys.set(key, id);
    this.stats.messages++;
    return id;
  }
}

/** A state value as a short string: `a`, `a.b`, `{a.b, c.d}` for parallel states. */
export function stateName(snapshot: AnyMachineSnapshot): string {
  const flatten = (value: unknown): string[] => {
    if (typeof value === 'string') return [value];
    if (value === null || typeof value !== 'object') return [String(value)];
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      for (const child of flatten(v)) parts.push(`${k}.${child}`);
    }
    return parts.length ? parts : ['(root)'];
  };
  const parts = flatten(snapshot.value);
  return parts.length === 1 ? (parts[0] as string) : `{${parts.join(', ')}}`;
}

interface StateMeta {
  defer: Set<string>;
  ignore: Set<string>;
}

const metaCache = new WeakMap<AnyMachineSnapshot, StateMeta>();

/** The union of `defer` and `ignore` lists over the active state nodes' meta. */
function stateMeta(snapshot: AnyMachineSnapshot): StateMeta {
  const cached = metaCache.get(snapshot);
  if (cached) return cached;
  const meta: StateMeta = { defer: new Set(), ignore: new Set() };
  for (const m of Object.values(snapshot.getMeta() as Record<string, { defer?: unknown; ignore?: unknown } | undefined>)) {
    if (!m) continue;
    if (Array.isArray(m.defer)) for (const t of m.defer) meta.defer.add(String(t));
    if (Array.isArray(m.ignore)) for (const t of m.ignore) meta.ignore.add(String(t));
  }
  metaCache.set(snapshot, meta);
  return meta;
}

/** Events the active state nodes have transitions for: what a blocked actor waits for. */
export function awaitedEvents(snapshot: AnyMachineSnapshot): string[] {
  const nodes = (snapshot as unknown as { _nodes?: Array<{ ownEvents?: string[] }> })._nodes ?? [];
  const events = new Set<string>();
  for (const node of nodes) for (const e of node.ownEvents ?? []) if (!e.startsWith('xstate.')) events.add(e);
  return [...events].sort();
}

function historyKey(snapshot: AnyMachineSnapshot): unknown {
  const h = (snapshot as unknown as { historyValue?: Record<string, Array<{ id: string }>> }).historyValue;
  if (!h) return null;
  const keys = Object.keys(h).sort();
  return keys.length ? keys.map((k) => [k, (h[k] ?? []).map((n) => n.id)]) : null;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
