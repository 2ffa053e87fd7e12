/**
 * Loading a system: named actors, each an xstate v5 machine, plus the messages their mailboxes
 * hold at the start. Loading checks everything that can be checked before exploring and names
 * the actor, state and path at fault (DESIGN.md decisions 2 and 3):
 *
 * - actor names are unique and non-empty; the mailbox bound is a positive integer;
 * - no machine uses what the runtime owns: delayed transitions (`after`), `invoke`, spawning
 *   children, `sendTo` or delayed `raise` (time and actor creation belong to the runtime);
 * - initial messages go to known actors and are plain data; initial contexts are plain data;
 * - the user's callbacks (`label`, `resources`, invariants, checkers) are wrapped so that a throw
 *   or a wrong return type is a ModelError naming the callback (callbacks.ts).
 */
import type { AnyStateMachine, AnyMachineSnapshot } from 'xstate';
import { ModelError } from './errors.js';
import type { CheckerFactory } from './checkers/Checker.js';
import { ANALYSES, CHECKER_NAMES, TRANSITION_CHECKERS, type AnalysisName, type CheckerName } from './checkers/select.js';
import type { Message } from './model.js';
import { assertPlainData } from './plainData.js';
import { describeValue, guardSpec } from './callbacks.js';
import { checkEventlessCycles } from './eventless.js';

/** A resource an actor guards (a lock), as deadlock reports show it. */
export interface ResourceView {
  /** The resource, e.g. the lock class `ffa_spmc_rx_lock`. */
  name: string;
  /** Actors holding it. */
  heldBy: string[];
  /** Actors waiting for it, in the order they will get it. */
  waiting: string[];
  /** How `heldBy` hold it, for a reader-writer lock: `read` (shared) or `write`; absent: exclusively. */
  mode?: 'read' | 'write';
}

/** One actor of a system. */
export interface ActorSpec {
  /** Unique name; also the address other actors send to. */
  name: string;
  /** An xstate v5 machine (`createMachine`, `setup().createMachine`), driven only through the pure `transition()`. */
  machine: AnyStateMachine;
  /** Input for the machine's initial context. */
  input?: unknown;
  /**
   * A server (a lock, firmware) that may wait for messages forever: it being idle when nothing
   * else can move is not a deadlock. Other actors must reach a final state.
   */
  daemon?: boolean;
  /**
   * How traces show this actor, from its context, instead of its state name; for actors whose
   * interesting state is data (a lock owner: `fork0=phil1 [phil2]`). Called with this actor's
   * context: type the parameter as the machine's context (`(ctx: LockContext) => string`).
   */
  label?: (context: never) => string;
  /** What this actor guards, from its context: who holds it, who waits (for deadlock reports). */
  resources?: (context: never) => ResourceView[];
  /**
   * What others wait to end at this actor that is not a lock, from its context (deadlock reports
   * only; checkers never see it): a timer's running callback (`heldBy`: the CPUs running it,
   * `waiting`: the callers of del_timer_sync / kill_timer), a work item being flushed.
   */
  waits?: (context: never) => ResourceView[];
}

/**
 * Actor `actor`'s `resources` in a state where its context is `context`; none without the
 * callback. The callback's author typed its parameter as this actor's context.
 */
export function resourcesOf(actor: ActorSpec | undefined, context: unknown): ResourceView[] {
  return actor?.resources ? actor.resources(context as never) : [];
}

/** Actor `actor`'s `waits` in a state where its context is `context`; none without the callback. */
export function waitsOf(actor: ActorSpec | undefined, context: unknown): ResourceView[] {
  return actor?.waits ? actor.waits(context as never) : [];
}

/** Actor `actor`'s trace label for `context`, or undefined without a `label` callback. */
export function labelOf(actor: ActorSpec | undefined, context: unknown): string | undefined {
  return actor?.label ? actor.label(context as never) : undefined;
}

/** A read-only view of one global state, for invariants. */
export interface GlobalView {
  /** The named actor's current snapshot. */
  actor(name: string): AnyMachineSnapshot;
  /** The named actor's pending messages, oldest first. */
  mailbox(name: string): readonly Message[];
  /** Actor names in their fixed order. */
  readonly actorNames: readonly string[];
}

/** A property of every reachable global state. */
export interface Invariant {
  name: string;
  /** Returns true when the state is fine; or a string describing what is wrong. */
  check: (view: GlobalView) => boolean | string;
  /**
   * The actors whose local state and mailbox the check looks at: documentation only. Partial-
   * order reduction (strategies/dpor.ts) does not trust it: it watches what each check reads,
   * down to the context field (strategies/por/readSet.ts), and treats a step as visible only if
   * it changes a value some check has read.
   */
  reads?: readonly string[];
}

export interface SystemSpec {
  /** Shown in reports. */
  name: string;
  actors: ActorSpec[];
  /** Messages in the mailboxes at the start, from the environment (`from: '(env)'`). */
  initialMessages?: ReadonlyArray<{ to: string; event: Message }>;
  /** Capacity of every mailbox, in messages; one more is a `mailbox-overflow` violation. Default 8. */
  mailboxBound?: number;
  invariants?: Invariant[];
  /**
   * Reachability queries, "can this happen?" (runtime/queries.ts), answered by
   * `interleave explore --reach <name>` and `expect(system).toReach(name)` with the shortest
   * witness; never judged as violations.
   */
  reachable?: Array<{ name: string; when: (view: GlobalView) => boolean }>;
  /**
   * Checkers this system is judged by: factories of transition checkers (checkers/Checker.ts),
   * or built-in checkers by name (checkers/select.ts): `lockdep`, `checklock`, `leak`, `uaf`,
   * `sleep` judge every transition; `race` and `liveness` analyse the state graph after the
   * search (the command line, the matchers and `runStrategy` callers through analyses.ts).
   * A run's `--checkers` chooses among these and the built-in ones; without it, these are used.
   */
  checkers?: Array<CheckerFactory | CheckerName>;
  /**
   * Groups of interchangeable actors, for symmetry reduction (strategies/symmetry.ts), as TLC's
   * SYMMETRY. Each group lists its members; a member is an actor name, or a tuple of actor
   * names that move together (a guest's vCPU and its domain context: `[['g1.vcpu0', 'g1.ctx'],
   * ['g2.vcpu0', 'g2.ctx']]`). Declaring a group asserts that renaming its members is an
   * automorphism of the system; other strategies ignore the field.
   */
  symmetric?: ReadonlyArray<ReadonlyArray<string | readonly string[]>>;
}

/** The sender stamped on initial messages. */
export const ENVIRONMENT = '(env)';
export const DEFAULT_MAILBOX_BOUND = 8;

/** A validated system: actors in their fixed order (the actor id is the index). */
export interface LoadedSystem {
  readonly spec: SystemSpec;
  readonly name: string;
  readonly actorNames: readonly string[];
  readonly actorIndex: ReadonlyMap<string, number>;
  readonly machines: readonly AnyStateMachine[];
  readonly daemon: readonly boolean[];
  readonly mailboxBound: number;
  readonly invariants: readonly Invariant[];
  readonly checkers: readonly CheckerFactory[];
  /** The whole-graph analyses the system lists by name in `checkers` (`race`, `liveness`). */
  readonly analyses: readonly AnalysisName[];
  /** A hash of the actor names and machine ids, recorded in schedule tokens. */
  readonly fingerprint: number;
}

/** Validates `spec`; throws {@link ModelError} naming what is wrong. */
export function loadSystem(spec: SystemSpec): LoadedSystem {
  if (typeof spec !== 'object' || spec === null) throw new ModelError(`a system must be an object { name, actors: [...] }, got ${describeValue(spec)}`);
  const where = `system '${String(spec.name)}'`;
  if (typeof spec.name !== 'string') throw new ModelError(`${where}: 'name' must be a string, got ${describeValue(spec.name)}`);
  if (!Array.isArray(spec.actors) || spec.actors.length === 0) {
    throw new ModelError(`${where}: has no actors; give at least one in 'actors' (an array of { name, machine }), got ${describeValue(spec.actors)}`);
  }
  for (const key of ['initialMessages', 'invariants', 'checkers'] as const) {
    if (spec[key] !== undefined && !Array.isArray(spec[key])) throw new ModelError(`${where}: '${key}' must be an array, got ${describeValue(spec[key])}`);
  }
  spec.actors.forEach((actor, i) => {
    if (typeof actor !== 'object' || actor === null) throw new ModelError(`${where}: actor #${i} is ${describeValue(actor)}, not { name, machine }`);
  });
  (spec.initialMessages ?? []).forEach((m, i) => {
    if (typeof m !== 'object' || m === null || typeof m.event !== 'object' || m.event === null) {
      throw new ModelError(`${where}: initial message #${i} is ${describeValue(m)}, not { to, event: { type, ... } }`);
    }
  });
  const bound = spec.mailboxBound ?? DEFAULT_MAILBOX_BOUND;
  if (!Number.isInteger(bound) || bound <= 0) {
    throw new ModelError(`${where}: mailboxBound must be a positive integer, got ${String(bound)}`);
  }
  const actorIndex = new Map<string, number>();
  spec.actors.forEach((actor, i) => {
    if (typeof actor.name !== 'string' || actor.name === '') {
      throw new ModelError(`${where}: actor #${i} has no name`);
    }
    if (actor.name === ENVIRONMENT) {
      throw new ModelError(`${where}: actor #${i} is named '${ENVIRONMENT}', the name traces give the environment (the sender of initial messages); choose another name`);
    }
    if (actorIndex.has(actor.name)) {
      throw new ModelError(`${where}: duplicate actor name '${actor.name}' (actors #${actorIndex.get(actor.name)} and #${i})`);
    }
    actorIndex.set(actor.name, i);
    checkMachineFeatures(actor);
    checkEventlessCycles(actor.name, (actor.machine as { root: unknown }).root);
  });
  for (const [i, m] of (spec.initialMessages ?? []).entries()) {
    if (!actorIndex.has(m.to)) {
      throw new ModelError(
        `${where}: initial message #${i} (${describeType(m.event)}) is addressed to unknown actor '${m.to}'; actors are ${[...actorIndex.keys()].join(', ')}`,
      );
    }
    assertPlainData(m.event, `${where}: initial message #${i} to '${m.to}'`, 'message');
    if (typeof m.event.type !== 'string') {
      throw new ModelError(`${where}: initial message #${i} to '${m.to}' has no string 'type'`);
    }
  }
  const factories: CheckerFactory[] = [];
  const analyses: AnalysisName[] = [];
  for (const [i, c] of (spec.checkers ?? []).entries()) {
    if (typeof c === 'string' && c in TRANSITION_CHECKERS) factories.push(TRANSITION_CHECKERS[c as keyof typeof TRANSITION_CHECKERS]);
    else if (typeof c === 'string' && (ANALYSES as readonly string[]).includes(c)) analyses.push(c as AnalysisName);
    else if (typeof c === 'string') throw new ModelError(`${where}: checker #${i} '${c}' is not a checker name; names are ${CHECKER_NAMES.join(', ')}`);
    else if (typeof c !== 'function') throw new ModelError(`${where}: checker #${i} is not a factory function (() => Checker) or a checker name (${CHECKER_NAMES.join(', ')})`);
    else factories.push(c);
  }
  for (const inv of spec.invariants ?? []) {
    if (typeof inv.check !== 'function') throw new ModelError(`${where}: invariant '${inv.name}' has no check function`);
  }
  const names = spec.actors.map((a) => a.name);
  const guarded = guardSpec(spec.checkers ? { ...spec, checkers: factories } : spec);
  return {
    spec: guarded,
    name: spec.name,
    actorNames: names,
    actorIndex,
    machines: spec.actors.map((a) => a.machine as AnyStateMachine),
    daemon: spec.actors.map((a) => a.daemon === true),
    mailboxBound: bound,
    invariants: guarded.invariants ?? [],
    checkers: (guarded.checkers ?? []) as CheckerFactory[],
    analyses,
    fingerprint: fnv1a(names.map((n, i) => `${n}=${(spec.actors[i]?.machine as AnyStateMachine).id}`).join('\u0000')),
  };
}

function describeType(event: unknown): string {
  const t = (event as { type?: unknown } | null)?.type;
  return typeof t === 'string' ? `'${t}'` : 'without a type';
}

interface StateNodeLike {
  path: string[];
  states: Record<string, StateNodeLike>;
  after: unknown[];
  invoke: unknown[];
  entry: unknown[];
  exit: unknown[];
  transitions: Map<string, Array<{ actions: unknown[] }>>;
  always?: Array<{ actions: unknown[] }>;
}

/** Built-in xstate actions that need a live actor system, a clock or child actors. */
const RUNTIME_OWNED_ACTIONS: Record<string, string> = {
  'xstate.spawnChild': 'spawns a child actor (actor creation belongs to the runtime)',
  'xstate.sendTo': "uses sendTo or sendParent (use interleave's send(to, event) action)",
  'xstate.sendParent': "uses sendParent (use interleave's send(to, event) action)",
  'xstate.cancel': 'cancels a delayed event (time belongs to the runtime)',
  'xstate.stopChild': 'stops a child actor (actor creation belongs to the runtime)',
};

function checkMachineFeatures(actor: ActorSpec): void {
  const machine = actor.machine as unknown as { root?: StateNodeLike } | undefined;
  if (!machine || typeof machine !== 'object' || !machine.root) {
    throw new ModelError(`actor '${actor.name}': 'machine' is not an xstate v5 machine (use createMachine or setup().createMachine)`);
  }
  const visit = (node: StateNodeLike): void => {
    const state = node.path.length ? node.path.join('.') : '(root)';
    const at = `actor '${actor.name}', state '${state}'`;
    if (node.after.length > 0) {
      throw new ModelError(`${at}: uses a delayed transition ('after'); time belongs to the runtime, model it as a message`);
    }
    if (node.invoke.length > 0) {
      throw new ModelError(`${at}: uses 'invoke'; actor creation belongs to the runtime, declare the actor in the system instead`);
    }
    const actionLists: Array<[string, unknown[]]> = [
      ['its entry actions', node.entry],
      ['its exit actions', node.exit],
    ];
    for (const [event, ts] of node.transitions) for (const t of ts) actionLists.push([`the actions of its transition on '${event}'`, t.actions]);
    for (const t of node.always ?? []) actionLists.push(["the actions of its eventless ('always') transition", t.actions]);
    for (const [where, list] of actionLists) {
      for (const action of list) {
        const type = (action as { type?: unknown } | null)?.type;
        if (typeof action === 'function' && typeof type !== 'string') {
          throw new ModelError(
            `${at}: ${where} include an inline function; it would never run (the runtime drives machines with the pure transition() and runs no side effects): use assign() for context, send()/reply() for messages, assertThat() for checks`,
          );
        }
        if (typeof type === 'string' && type in RUNTIME_OWNED_ACTIONS) {
          throw new ModelError(`${at}: ${RUNTIME_OWNED_ACTIONS[type]}`);
        }
        if (type === 'xstate.raise' && (action as { delay?: unknown }).delay !== undefined) {
          throw new ModelError(`${at}: raises a delayed event; time belongs to the runtime`);
        }
      }
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
}

/** 32-bit FNV-1a hash of a string. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Names the runtime-owned action types, for the step interpreter's run-time check. */
export function runtimeOwnedActionReason(type: string): string | undefined {
  return RUNTIME_OWNED_ACTIONS[type];
}
