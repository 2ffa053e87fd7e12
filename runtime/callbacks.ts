/**
 * The user's callbacks run under guard. A system hands the engine functions besides its
 * machines: each actor's `label` and `resources`, each invariant's `check`, each checker. When one
 * of them throws or returns the wrong type, that is a mistake in the model, not a property
 * violation and not a bug in interleave: it becomes a {@link ModelError} naming the callback and
 * the actor (or invariant, or checker), so the command line prints one line and exits 2 (issue 13
 * item 6). Machines' own guards and actions are not guarded here: a throw inside a transition is
 * the `actor-error` violation, with its trace (StepTable.ts), except in the callbacks of the
 * runtime's own actions (a send()'s target or message, an assertThat()'s predicate), which are
 * a model error naming the action (model.ts `ActionError`, issue 12 fault 7).
 *
 * `guardSpec` returns a copy of the spec whose callbacks are wrapped; `loadSystem` applies it, so
 * every caller of `system.spec.actors[a].label`, `.resources`, `system.invariants` and
 * `system.checkers` gets the guarded function. Wrapping twice is a no-op.
 */
import { InternalBug, ModelError } from './errors.js';
import { FROZEN_STATE_HINT, isFrozenWrite } from './plainData.js';
import type { Checker, CheckerFactory, TransitionEvent } from './checkers/Checker.js';
import type { Finding } from './Kernel.js';
import type { ActorSpec, GlobalView, Invariant, ResourceView, SystemSpec } from './system.js';

const GUARDED = new WeakSet<object>();

/** A copy of `spec` whose actors' `label`/`resources`, invariants' `check` and checkers are guarded. */
export function guardSpec(spec: SystemSpec): SystemSpec {
  const where = `system '${spec.name}'`;
  const actors = spec.actors.map((a) => guardActor(a));
  const invariants = spec.invariants?.map((inv) => guardInvariant(inv, where));
  const actorCount = Array.isArray(spec.actors) ? spec.actors.length : 0;
  const checkers = spec.checkers?.map((make, i) => (typeof make === 'function' ? guardCheckerFactory(make, i, actorCount) : make));
  return { ...spec, actors, ...(invariants ? { invariants } : {}), ...(checkers ? { checkers } : {}) };
}

function guardActor(actor: ActorSpec): ActorSpec {
  const at = `actor '${actor.name}'`;
  for (const key of ['label', 'resources', 'waits'] as const) {
    const fn: unknown = actor[key];
    if (fn !== undefined && typeof fn !== 'function') {
      throw new ModelError(`${at}: '${key}' must be a function of the actor's context, got ${describeValue(fn)}`);
    }
  }
  const { label, resources, waits } = actor;
  const out: ActorSpec = { ...actor };
  if (label && !GUARDED.has(label)) {
    out.label = mark((context: unknown): string => {
      const text = call(() => label(context as never), `${at}: label()`);
      if (typeof text !== 'string') throw new ModelError(`${at}: label() returned ${describeValue(text)}; it must return a string`);
      return text;
    });
  }
  // resources() and waits() return the same shape and are checked the same way.
  const views = (name: 'resources' | 'waits', fn: (context: never) => unknown) =>
    mark((context: unknown): ResourceView[] => {
      const list = call(() => fn(context as never), `${at}: ${name}()`);
      const problem = resourcesProblem(list);
      if (problem) throw new ModelError(`${at}: ${name}() returned ${problem}; it must return an array of { name: string, heldBy: string[], waiting: string[] }`);
      return list as ResourceView[];
    });
  if (resources && !GUARDED.has(resources)) out.resources = views('resources', resources);
  if (waits && !GUARDED.has(waits)) out.waits = views('waits', waits);
  return out;
}

function guardInvariant(inv: Invariant, where: string): Invariant {
  if (typeof inv !== 'object' || inv === null) throw new ModelError(`${where}: an invariant is ${describeValue(inv)}, not { name, check }`);
  const at = `invariant '${String(inv.name)}'`;
  if (typeof inv.check !== 'function') throw new ModelError(`${where}: ${at} has no check function`);
  if (GUARDED.has(inv.check)) return inv;
  const check = inv.check;
  return {
    ...inv,
    check: mark((view: GlobalView): boolean | string => {
      const result = call(() => check(view), `${at}: check()`, () => ` (in the state ${describeState(view)})`);
      if (typeof result !== 'boolean' && typeof result !== 'string') {
        throw new ModelError(`${at}: check() returned ${describeValue(result)} (in the state ${describeState(view)}); it must return true, false or a string saying what is wrong`);
      }
      return result;
    }),
  };
}

function guardCheckerFactory(make: CheckerFactory, index: number, actorCount: number): CheckerFactory {
  if (typeof make !== 'function' || GUARDED.has(make)) return make;
  return mark((): Checker => {
    const checker = call(() => make(), `checker #${index}: its factory`);
    if (typeof checker !== 'object' || checker === null) throw new ModelError(`checker #${index}: its factory returned ${describeValue(checker)}, not a checker ({ name, onTransition })`);
    // Its fields are read once, here, under guard (a getter that throws is the model's error).
    const declared = call(() => checker.name, `checker #${index}: reading its name`);
    const name = typeof declared === 'string' ? declared : `#${index}`;
    const onTransition = call(() => checker.onTransition, `checker '${name}': reading onTransition`);
    const relevant = call(() => checker.relevant, `checker '${name}': reading relevant`);
    if (relevant !== undefined) {
      if (typeof relevant !== 'function') throw new ModelError(`checker '${name}': relevant is ${describeValue(relevant)}, not a function`);
      checker.relevant = (facts) => call(() => relevant.call(checker, facts), `checker '${name}': relevant()`);
    }
    if (onTransition === undefined) return checker;
    if (typeof onTransition !== 'function') throw new ModelError(`checker '${name}': onTransition is ${describeValue(onTransition)}, not a function`);
    // A fresh instance per call of the factory: wrapping its method in place keeps its other fields.
    // Called on every transition a checker looks at: nothing is allocated unless something is wrong.
    const at = (event: TransitionEvent): string => `checker '${name}': onTransition() on '${event.actor}' taking '${event.message.type}'`;
    checker.onTransition = (event: TransitionEvent): Finding[] | undefined => {
      let found: Finding[] | undefined;
      try {
        found = onTransition.call(checker, event);
      } catch (err) {
        throw callbackError(err, at(event));
      }
      if (found === undefined || (Array.isArray(found) && found.length === 0)) return found;
      if (!Array.isArray(found) || !found.every((f) => typeof f === 'object' && f !== null && typeof f.kind === 'string' && (f.kind as string) !== '' && typeof f.message === 'string')) {
        throw new ModelError(`${at(event)} returned ${describeValue(found)}; it must return undefined or an array of findings ({ kind, message }, kind a non-empty string)`);
      }
      for (const f of found) {
        const problem = findingProblem(f, actorCount);
        if (problem) throw new ModelError(`${at(event)} returned finding '${f.kind}' ${problem}`);
      }
      return found;
    };
    return checker;
  });
}

/**
 * Kinds that state a fact only the engine establishes, which a checker's finding may not take: a
 * checker's 'deadlock' would be printed as the engine's (with no blocked actors), its
 * 'mailbox-overflow' as a bound the engine checked. A checker may report 'assertion' or
 * 'invariant' (a property it asserts, ending the run as those do) or a kind of its own.
 */
export const ENGINE_KINDS: ReadonlySet<string> = new Set(['deadlock', 'unhandled-message', 'mailbox-overflow', 'actor-error']);

/** What is wrong with a checker's finding (its kind and message are strings already), or undefined. */
function findingProblem(f: Finding, actorCount: number): string | undefined {
  if (ENGINE_KINDS.has(f.kind)) return `of a kind only the engine reports (${[...ENGINE_KINDS].join(', ')}: facts about the state it establishes); a checker reports 'assertion', 'invariant' or a kind of its own`;
  const evidence: unknown = f.evidence;
  if (evidence === undefined) return undefined;
  const paths = 'paths (arrays of actor indices, as TransitionEvent.path gives them)';
  if (!Array.isArray(evidence)) return `with evidence ${describeValue(evidence)}, not an array of ${paths}`;
  for (const [i, path] of evidence.entries()) {
    if (!Array.isArray(path)) return `with evidence[${i}] ${describeValue(path)}, not an array of actor indices`;
    const bad = path.findIndex((a: unknown) => !Number.isInteger(a) || (a as number) < 0 || (a as number) >= actorCount);
    if (bad >= 0) return `with evidence[${i}][${bad}] ${describeValue(path[bad])}, not an actor index (0 to ${actorCount - 1}): evidence holds ${paths}`;
  }
  return undefined;
}

/** Runs a user callback; a throw becomes a ModelError naming it (an engine bug stays one). */
function call<T>(run: () => T, what: string, context: () => string = () => ''): T {
  try {
    return run();
  } catch (err) {
    throw callbackError(err, what, context);
  }
}

/** What a throw from a user callback becomes: a ModelError naming it (an engine bug stays one). */
function callbackError(err: unknown, what: string, context: () => string = () => ''): Error {
  if (err instanceof ModelError || err instanceof InternalBug) return err;
  const hint = isFrozenWrite(err) ? `: it may read the state it is shown, never change it (${FROZEN_STATE_HINT})` : '';
  return new ModelError(`${what} threw${context()}: ${err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err)}${hint}`);
}

function mark<F extends object>(fn: F): F {
  GUARDED.add(fn);
  return fn;
}

function resourcesProblem(list: unknown): string | undefined {
  if (!Array.isArray(list)) return describeValue(list);
  for (const [i, r] of list.entries()) {
    const ok =
      typeof r === 'object' &&
      r !== null &&
      typeof (r as ResourceView).name === 'string' &&
      Array.isArray((r as ResourceView).heldBy) &&
      (r as ResourceView).heldBy.every((x) => typeof x === 'string') &&
      Array.isArray((r as ResourceView).waiting) &&
      (r as ResourceView).waiting.every((x) => typeof x === 'string');
    if (!ok) return `an array whose item #${i} is ${describeValue(r)}`;
  }
  return undefined;
}

/** Each actor's state, `name=state`, for a callback's error message; best effort. */
function describeState(view: GlobalView): string {
  try {
    return view.actorNames
      .map((n) => {
        const v = view.actor(n).value;
        return `${n}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
      })
      .join(', ');
  } catch {
    return '(unknown)';
  }
}

/** A value in a sentence: `undefined`, `a number (3)`, `an object with keys a, b`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    if (typeof (value as { then?: unknown }).then === 'function') return 'a promise';
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const cls = proto && proto !== Object.prototype ? proto.constructor?.name : undefined;
    const keys = Object.keys(value);
    return `${cls ? `an instance of ${cls}` : 'an object'}${keys.length ? ` with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}` : ' with no keys'}`;
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `a ${typeof value} (${String(value)})`;
}
