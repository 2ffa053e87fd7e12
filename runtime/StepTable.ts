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
import { assertPlainData, canonicalKey, deepFreeze, isFrozenWrite } from './plainData.js';
import { stepWatch, underTraps } from './purity.js';
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
  /** The interning key of each local state and message, by id: to see that a step left them as they were. */
  private readonly localKeyList: string[][];
  private readonly messageKeyList: string[] = [];
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
    this.localKeyList = Array.from({ length: n }, () => []);
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
      const machine = system.machines[a] as AnyStateMachine;
      limitMicrosteps(machine);
      const step = `actor '${spec.name}' entering its initial state`;
      stepWatch.begin(step);
      let first: Evaluation;
      try {
        first = evaluateInitial(machine, spec.input, step);
        same(first, evaluateInitial(machine, spec.input, step), step);
      } finally {
        stepWatch.end();
      }
      if (first.kind !== 'ok') throw new ModelError(`actor '${spec.name}': the initial state could not be computed: xstate threw${thrownText(first.error)}`);
      const snapshot = first.next as AnyMachineSnapshot;
      // xstate catches what user code throws while an actor starts (a context factory, the
      // entry actions of its initial states, their eventless transitions) into status 'error';
      // such an actor could never take a step, so the error is the model's, named here, never a
      // state the search would take (a daemon's would pass as verified).
      if (snapshot.status === 'error') throw new ModelError(`actor '${spec.name}': entering its initial state threw${thrownText(snapshot.error)} (in its context or input, or an entry action or eventless transition of its initial states)`);
      const actions = first.actions as unknown[];
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

  /**
   * Evaluates every memoized step once more, after the whole search, and throws a model error
   * naming the first whose outcome is no longer the one the search used (issue 13; hostile
   * tester F2). Each new step is evaluated twice in a row when it is first met, which catches a
   * step that changes its own answer; but a step that writes module state another step reads
   * (an assign setting a module-level variable that a guard of another actor reads) gives the
   * same answer twice in a row, and which answer the memo keeps depends on the order the search
   * met the steps: the verdict then depends on the order of the actor list. Evaluated again after
   * every other step ran, the reader's outcome differs from the one kept, whichever came first.
   * Costs one more evaluation of each distinct (actor, state, message); `stats` does not count it.
   * The memo is walked in the order it was filled, so the error names the same step every time.
   */
  recheck(): void {
    const saved = { ...this.stats };
    this.rechecking = true;
    try {
      this.memo.forEach((table, actor) => {
        for (const [key, kept] of table) {
          const localId = Math.floor(key / MESSAGE_ID_LIMIT);
          const messageId = key - localId * MESSAGE_ID_LIMIT;
          let again: Outcome;
          try {
            again = this.compute(actor, localId, messageId);
          } catch (err) {
            if (!(err instanceof ModelError)) throw err;
            throw new ModelError(`${err.message} (found when the step was evaluated again after the search; the search had used: ${this.describe(actor, kept)})`);
          }
          if (!sameOutcome(kept, again)) {
            const snapshot = this.snapshot(actor, localId);
            const step = `actor '${this.system.actorNames[actor] as string}' in state '${stateName(snapshot)}' on message '${this.message(messageId).type}'`;
            throw new ModelError(
              `not deterministic: ${step}: evaluated again after the search, the step gives a different result (the search used: ${this.describe(actor, kept)}; now: ${this.describe(actor, again)}). ` +
                'Another step changed something this step reads outside its context and message: a module-level variable, a global or a closure written by an assign, guard or action parameter. Keep shared data in contexts and messages',
            );
          }
        }
      });
    } finally {
      this.rechecking = false;
      Object.assign(this.stats, saved);
    }
  }

  /** True while {@link recheck} runs: each step is evaluated once, not twice. */
  private rechecking = false;

  /** An outcome in a few words, for a message. */
  private describe(actor: number, o: Outcome): string {
    const parts: string[] = [];
    if (o.disposition === Disposition.Handled) {
      const next = this.snapshot(actor, o.next);
      parts.push(`state '${stateName(next)}'${next.context && Object.keys(next.context as object).length ? ` with context ${clip(canonicalKey(next.context))}` : ''}`);
    } else parts.push(['handled', 'ignored', 'deferred', 'not handled', 'an error'][o.disposition] as string);
    if (o.sends.length) parts.push(`sends ${Array.from({ length: o.sends.length / 2 }, (_, i) => `'${this.message(o.sends[2 * i + 1] as number).type}' to ${this.system.actorNames[o.sends[2 * i] as number] as string}`).join(', ')}`);
    for (const f of o.failures) parts.push(`${f.kind} ${clip(JSON.stringify(f.message))}`);
    return parts.join(', ');
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
    const step = `actor '${name}' in state '${stateName(snapshot)}' on message '${event.type}'`;
    stepWatch.begin(step);
    let first: Evaluation;
    try {
      // Each new step is evaluated twice and the two compared (issue 13 item 4): a step reads
      // only its state and message, so any difference is nondeterminism, caught here every time
      // rather than by chance when a violation's replay differs. In between, the state and the
      // message must be as they were interned: an assign that changes the old context in place
      // would otherwise look like nondeterminism (and corrupt every state sharing it).
      // Guards first, twice, then the transition, twice: a guard that reads a counter differs
      // between two calls in a row, so it cannot line up with itself.
      const firstGuards = evaluateGuards(machine, snapshot, event, step);
      this.checkUnchanged(actor, localId, messageId, step);
      if (!this.rechecking) same(firstGuards, evaluateGuards(machine, snapshot, event, step), step);
      first = firstGuards;
      if (firstGuards.kind === 'ok') {
        first = evaluate(machine, snapshot, event, step);
        this.checkUnchanged(actor, localId, messageId, step);
        if (!this.rechecking) same(first, evaluate(machine, snapshot, event, step), step);
      }
    } finally {
      stepWatch.end();
    }
    if ((first.kind === 'guard-threw' || first.kind === 'threw') && isFrozenWrite(first.error)) throw inPlace(step, first.error);
    this.stats.xstateCalls += first.kind === 'unhandled' || first.kind === 'guard-threw' ? 0 : 1;
    if (first.kind === 'guard-threw') {
      return this.fail(localId, Disposition.ActorError, { kind: 'actor-error', message: `${where}: a guard threw${guardThrown(first.error)}` });
    }
    if (first.kind === 'unhandled') {
      const meta = stateMeta(snapshot);
      if (meta.ignore.has(event.type)) return { disposition: Disposition.Ignored, next: localId, sends: EMPTY_SENDS, failures: NO_FAILURES };
      if (meta.defer.has(event.type)) return { disposition: Disposition.Deferred, next: localId, sends: EMPTY_SENDS, failures: NO_FAILURES };
      return this.fail(localId, Disposition.Unhandled, {
        kind: 'unhandled-message',
        message: `unhandled message '${event.type}' from ${event.from ?? ENVIRONMENT} in state '${stateName(snapshot)}' of actor '${name}'`,
      });
    }
    if (first.kind === 'threw') {
      if (first.error instanceof ActionError) throw new ModelError(`${where}: ${first.error.message}`);
      return this.fail(localId, Disposition.ActorError, { kind: 'actor-error', message: `${where}: the transition threw: ${errorText(first.error)}` });
    }
    const next = first.next as AnyMachineSnapshot;
    if (next.status === 'error') {
      if (next.error instanceof ActionError) throw new ModelError(`${where}: ${next.error.message}`);
      return this.fail(localId, Disposition.ActorError, { kind: 'actor-error', message: `${where}: the actor entered xstate's error status: ${errorText(next.error)}` });
    }
    if (Object.keys(next.children ?? {}).length > 0) {
      throw new ModelError(`${where}: the step created child actors; actor creation belongs to the runtime`);
    }
    const sends: number[] = [];
    const failures: StepFailure[] = [];
    this.interpretActions(actor, first.actions as unknown[], where, sends, failures);
    return {
      disposition: Disposition.Handled,
      next: this.internLocal(actor, next, `actor '${name}', state '${stateName(next)}'`, first.key),
      sends: sends.length ? Int32Array.from(sends) : EMPTY_SENDS,
      failures: failures.length ? failures : NO_FAILURES,
    };
  }

  /** Throws a model error if evaluating a step changed the interned state or message in place. */
  private checkUnchanged(actor: number, localId: number, messageId: number, step: string): void {
    const snapshot = this.snapshot(actor, localId);
    let now: string | undefined;
    try {
      now = localKey(snapshot);
    } catch {
      now = undefined; // it held plain data when interned: a cycle or a bigint was written into it
    }
    if (now !== this.localKeyList[actor]?.[localId]) throw inPlace(step);
    let message: string | undefined;
    try {
      message = canonicalKey(this.message(messageId));
    } catch {
      message = undefined;
    }
    if (message !== this.messageKeyList[messageId]) {
      throw new ModelError(`${step}: the step changes the message in place (an assign or guard modified the event object); messages are shared by every state that holds them: copy instead`);
    }
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

  private internLocal(actor: number, snapshot: AnyMachineSnapshot, where: string, knownKey?: string): number {
    assertPlainData(snapshot.context, where, 'context');
    const key = knownKey ?? localKey(snapshot);
    const table = this.localKeys[actor] as Map<string, number>;
    const found = table.get(key);
    if (found !== undefined) return found;
    const list = this.localSnapshots[actor] as AnyMachineSnapshot[];
    const id = list.length;
    list.push(snapshot);
    (this.localKeyList[actor] as string[]).push(key);
    table.set(key, id);
    this.stats.localStates++;
    // Kept states are read-only: an assign or guard of a later step, an invariant, label() or
    // resources() that writes one throws, and is named (inPlace below, callbacks.ts).
    deepFreeze(snapshot.context);
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
    this.messageKeyList.push(key);
    this.messageKeys.set(key, id);
    this.stats.messages++;
    return id;
  }
}

/** The interning key of a local snapshot: state value, context, status and history. */
function localKey(snapshot: AnyMachineSnapshot): string {
  return canonicalKey([snapshot.value, snapshot.context ?? null, snapshot.status, historyKey(snapshot)]);
}

/**
 * Microsteps one xstate step may take (eventless transitions and raised events) before it is
 * called a cycle. xstate would take them forever; its `maxIterations` option makes it throw.
 */
export const MAX_MICROSTEPS = 10_000;

function limitMicrosteps(machine: AnyStateMachine): void {
  const options = (machine as unknown as { options?: { maxIterations?: number } }).options;
  if (options && !((options.maxIterations ?? Infinity) <= MAX_MICROSTEPS)) options.maxIterations = MAX_MICROSTEPS;
}

/** One evaluation of user code for a step, and a signature to compare two evaluations by. */
interface Evaluation {
  kind: 'ok' | 'unhandled' | 'guard-threw' | 'threw';
  next?: AnyMachineSnapshot;
  actions?: unknown[];
  error?: unknown;
  /** Equal for equal outcomes. */
  signature: string;
  /** The interning key of `next`. */
  key?: string;
  /** The outcome in a few words, for a message (computed only for one). */
  summary: () => string;
}

/** Which transitions the guards enable for `event` (kind 'ok' when there is one). */
function evaluateGuards(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: Message, step: string): Evaluation {
  const guards = underTraps(() => machine.getTransitionData(snapshot as never, event as never));
  checkTrapsAndLoops(guards, step);
  if (guards.error !== undefined) return failed('guard-threw', guards.error);
  const chosen = guards.value ?? [];
  if (chosen.length === 0) return { kind: 'unhandled', signature: 'unhandled', summary: () => 'the message is not handled' };
  const ids = chosen.map((t) => objectId(t));
  return { kind: 'ok', signature: `transitions ${ids.join(',')}`, summary: () => `transition${ids.length === 1 ? '' : 's'} to ${chosen.map((t) => (t.target ?? []).map((n) => `'${n.path.join('.')}'`).join(', ') || '(no target)').join('; ')}` };
}

/** Whether two outcomes of one step are the same (ids are interned, so equal ids are equal values). */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.disposition !== b.disposition || a.next !== b.next || a.sends.length !== b.sends.length || a.failures.length !== b.failures.length) return false;
  for (let i = 0; i < a.sends.length; i++) if (a.sends[i] !== b.sends[i]) return false;
  return a.failures.every((f, i) => f.kind === b.failures[i]?.kind && f.message === b.failures[i]?.message);
}

/** Throws the nondeterminism model error if two evaluations of `step` differ. */
function same(first: Evaluation, second: Evaluation, step: string): void {
  if (second.signature === first.signature) return;
  throw new ModelError(
    `not deterministic: ${step}: two evaluations of the same step gave different results (${first.summary()}; then ${second.summary()}). ` +
      'A step may read only its context and the message: look for module state, globals or a clock in its guards, assigns and action parameters',
  );
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

/** A number for an object (a transition definition), the same each time it is asked. */
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

/** The transition for a step whose guards enabled one (see {@link evaluateGuards}). */
function evaluate(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: Message, step: string): Evaluation {
  const ran = underTraps(() => transition(machine, snapshot as never, event as never) as [AnyMachineSnapshot, unknown[]]);
  checkTrapsAndLoops(ran, step);
  if (ran.error !== undefined) return failed('threw', ran.error);
  const [next, actions] = ran.value as [AnyMachineSnapshot, unknown[]];
  // xstate may catch its own error into the snapshot (status 'error'), as the initial step does.
  if (next.status === 'error') checkTrapsAndLoops({ error: next.error }, step);
  return handled(next, actions);
}

function evaluateInitial(machine: AnyStateMachine, input: unknown, step: string): Evaluation {
  const ran = underTraps(() => initialTransition(machine, input) as [AnyMachineSnapshot, unknown[]]);
  checkTrapsAndLoops(ran, step);
  if (ran.error !== undefined) return failed('threw', ran.error);
  const [next, actions] = ran.value as [AnyMachineSnapshot, unknown[]];
  // xstate may catch its own error into the snapshot (status 'error'), as the initial step does.
  if (next.status === 'error') checkTrapsAndLoops({ error: next.error }, step);
  return handled(next, actions);
}

function handled(next: AnyMachineSnapshot, actions: unknown[]): Evaluation {
  let sent: string;
  try {
    sent = canonicalKey(actions.map((a) => [(a as { type?: unknown }).type ?? null, (a as { params?: unknown }).params ?? null]));
  } catch {
    sent = '(actions not plain data)';
  }
  let key: string | undefined;
  try {
    key = localKey(next);
  } catch {
    // Not plain data (a cycle, a bigint): interning names the path (assertPlainData).
    key = undefined;
  }
  return {
    kind: 'ok',
    next,
    actions,
    key,
    signature: `ok ${key ?? '(context not plain data)'} ${sent}`,
    summary: () => `state '${stateName(next)}' with context ${key === undefined ? '(not plain data)' : clip(canonicalKey(next.context ?? null))}${actions.length ? `, actions ${clip(sent)}` : ''}`,
  };
}

function failed(kind: 'guard-threw' | 'threw', error: unknown): Evaluation {
  const text = errorText(error);
  return { kind, error, signature: `${kind} ${text}`, summary: () => `${kind === 'guard-threw' ? 'a guard threw' : 'the transition threw'}: ${clip(text)}` };
}

/** A trapped call or xstate's microstep limit is the model's fault, whatever else happened. */
function checkTrapsAndLoops(r: { error?: unknown; trapped?: string }, step: string): void {
  if (r.trapped) {
    throw new ModelError(
      `not deterministic: ${step}: a guard, assign or action parameter called ${r.trapped}; a step may read only its context and the message (put randomness in the model as a choice between messages or states)`,
    );
  }
  if (r.error instanceof Error && r.error.message.startsWith('Infinite loop detected')) {
    throw new ModelError(
      `${step}: the step did not come to rest after ${MAX_MICROSTEPS.toLocaleString('en-US')} microsteps: eventless ('always') transitions or raised events form a cycle, which xstate would follow forever; give the eventless transitions guards that become false`,
    );
  }
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
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
  /**
   * A valid end state (`meta: { end: true }`), as SPIN's `end` labels: an actor resting here with
   * an empty mailbox has finished as far as deadlock goes, though it still takes what comes (a
   * CPU idling after its program: protocols/cpu.ts).
   */
  end: boolean;
}

const metaCache = new WeakMap<AnyMachineSnapshot, StateMeta>();

/** The union of `defer` and `ignore` lists over the active state nodes' meta. */
export function stateMeta(snapshot: AnyMachineSnapshot): StateMeta {
  const cached = metaCache.get(snapshot);
  if (cached) return cached;
  const meta: StateMeta = { defer: new Set(), ignore: new Set(), end: false };
  for (const m of Object.values(snapshot.getMeta() as Record<string, { defer?: unknown; ignore?: unknown; end?: unknown } | undefined>)) {
    if (!m) continue;
    if (m.end === true) meta.end = true;
    if (Array.isArray(m.defer)) for (const t of m.defer) meta.defer.add(String(t));
    if (Array.isArray(m.ignore)) for (const t of m.ignore) meta.ignore.add(String(t));
  }
  metaCache.set(snapshot, meta);
  return meta;
}

/** Events the active state nodes have transitions for: what a blocked actor waits for. */
export function awaitedEvents(snapshot: AnyMachineSnapshot): string[] {
  const nodes = (snapshot as unknown as { _nodes?: Array<{ ownEvents?: string[]; meta?: { background?: unknown } }> })._nodes ?? [];
  const events = new Set<string>();
  // `meta.background`: bookkeeping a state node takes in any state (a CPU's irq.register), never what it waits for.
  const background = new Set<string>();
  for (const node of nodes) if (Array.isArray(node.meta?.background)) for (const e of node.meta.background) background.add(String(e));
  for (const node of nodes) for (const e of node.ownEvents ?? []) if (!e.startsWith('xstate.') && !background.has(e)) events.add(e);
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

/**
 * What a guard threw, after 'a guard threw'. xstate rethrows a guard's error as
 * `Unable to evaluate guard ... :\n<its message>`, reading `.message` of what was thrown: of
 * null or undefined that read itself fails (a TypeError from xstate's own code), and a value
 * that is not an Error gives 'undefined'. Those two are said as they are.
 */
function guardThrown(err: unknown): string {
  if (err instanceof TypeError && /^Cannot read properties of (null|undefined) \(reading 'message'\)$/u.test(err.message) && /node_modules[\\/]xstate[\\/]/u.test(err.stack?.split('\n')[1] ?? '')) {
    return ' null or undefined (not an Error, so xstate could not say which): throw an Error with a message';
  }
  if (err instanceof Error && err.message.startsWith('Unable to evaluate guard') && err.message.endsWith(':\nundefined')) {
    return ` a value that is not an Error (xstate reports only an Error's message; ${err.message.slice(0, -':\nundefined'.length)}): throw an Error with a message`;
  }
  return `: ${errorText(err)}`;
}

/** The model error of a step that changes the old context in place (`err`: the write that the freeze refused). */
function inPlace(step: string, err?: unknown): ModelError {
  return new ModelError(
    `${step}: the step changes its context in place (an assign or guard modified the old context object, e.g. with push or a property write${err === undefined ? '' : `: ${errorText(err)}`}); ` +
      'return new values from assign instead (assign({ list: ({ context }) => [...context.list, x] })): the explorer keeps every state it has seen',
  );
}

/** What user code threw, after 'threw': ': message' for an Error (its name when not plain Error), ' null', ' the number 42'. */
export function thrownText(err: unknown): string {
  if (err instanceof Error) {
    let message: string;
    try {
      message = err.message;
    } catch {
      message = '(its message could not be read)';
    }
    return `: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${message}`;
  }
  if (err === null || err === undefined) return ` ${String(err)}`;
  if (typeof err === 'string') return `: ${err}`;
  try {
    return ` ${typeof err === 'object' ? 'an object' : `the ${typeof err}`} ${typeof err === 'symbol' ? err.toString() : String(err)}`;
  } catch {
    return ` ${typeof err === 'object' ? 'an object' : `a ${typeof err}`}`;
  }
}
