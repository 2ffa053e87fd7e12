/**
 * Small random actor systems for property tests of the search strategies: every strategy must
 * agree with full search on them (same violations, same reachable deadlock and terminal states).
 *
 * A system is generated as a plain-data {@link Blueprint} (so fast-check can shrink it and print
 * it), then built into a {@link SystemSpec} by {@link buildSystem}. Each actor is a machine with
 * states `s0..s<k-1>`; for every (state, message type) its rule says whether the message is
 * handled (next state, sends, maybe a failing assertion, maybe remembering who it came from),
 * deferred, ignored, or unhandled (a violation). Some actors are daemons, some have a final
 * state, mailboxes are small, so deadlocks, assertion failures, unhandled messages and mailbox
 * overflows all occur in generated systems.
 *
 * With `symmetric`, the first `groupSize` actors form one group of interchangeable actors:
 * they share their rules and initial messages, and nobody names them in a send except by
 * replying (`sender`) or by a remembered name (`last`), so renaming them is an automorphism of
 * the system. Actor names are carried in `from` (stamped by the runtime), in the payload field
 * `who` and in the context field `last`: exactly the places a symmetry reduction has to rename.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(blueprintArb(), (bp) => {
 *   const spec = buildSystem(bp);
 *   expect(outcomes(explore(spec, { strategy: 'dpor' }))).toEqual(outcomes(explore(spec)));
 * }), { seed: 42, numRuns: 100 });
 * ```
 */
import fc from 'fast-check';
import { assign, createMachine } from 'xstate';
import { assertThat, send, type Message } from '../../runtime/model.js';
import type { GlobalView, Invariant, SystemSpec } from '../../runtime/system.js';

/** Where a send goes: a fixed actor, back to the sender, or to the remembered actor. */
export type Target = { kind: 'actor'; actor: number } | { kind: 'sender' } | { kind: 'last' };

export interface SendRule {
  to: Target;
  /** Message type index (`m0`, `m1`, ...). */
  type: number;
  /** Carry the name of whoever sent the message being handled, in the payload field `who`. */
  carry: boolean;
}

export type Rule =
  | { kind: 'handle'; next: number; sends: SendRule[]; fail: boolean; remember: boolean }
  | { kind: 'defer' }
  | { kind: 'ignore' }
  | { kind: 'unhandled' };

export interface ActorBlueprint {
  daemon: boolean;
  /** Index of the final state, if the actor has one. */
  final: number | null;
  /** rules[state][messageType] */
  rules: Rule[][];
}

export interface Blueprint {
  actors: ActorBlueprint[];
  messageTypes: number;
  /** Initial messages: receiver actor index and message type. */
  initial: Array<{ to: number; type: number }>;
  mailboxBound: number;
  /** When > 1, actors 0..groupSize-1 are one symmetric group. */
  groupSize: number;
  /** An invariant "actor `actor` is never in state `state`", if any. */
  forbidden: { actor: number; state: number } | null;
}

export interface BlueprintOptions {
  /** Generate a symmetric group of 2 or 3 actors. Default false. */
  symmetric?: boolean;
  /** Generate an invariant over one actor's local state. Default true. */
  invariants?: boolean;
  maxActors?: number;
}

// Distinct words, so a spec can rename actors inside violation messages.
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

export function actorName(i: number): string {
  return NAMES[i] ?? `x${i}`;
}

function ruleArb(states: number, types: number, targets: fc.Arbitrary<Target>): fc.Arbitrary<Rule> {
  const sendArb = fc.record({ to: targets, type: fc.nat({ max: types - 1 }), carry: fc.boolean() });
  return fc.oneof(
    { weight: 16, arbitrary: fc.record({ kind: fc.constant('handle' as const), next: fc.nat({ max: states - 1 }), sends: fc.array(sendArb, { maxLength: 2 }), fail: fc.boolean(), remember: fc.boolean() }) },
    { weight: 4, arbitrary: fc.constant({ kind: 'defer' as const }) },
    { weight: 4, arbitrary: fc.constant({ kind: 'ignore' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'unhandled' as const }) },
  );
}

function actorArb(states: number, types: number, targets: fc.Arbitrary<Target>): fc.Arbitrary<ActorBlueprint> {
  return fc.record({
    daemon: fc.boolean(),
    final: fc.option(fc.integer({ min: 1, max: states - 1 }), { nil: null, freq: 2 }),
    rules: fc.array(fc.array(ruleArb(states, types, targets), { minLength: types, maxLength: types }), { minLength: states, maxLength: states }),
  });
}

/** Rare assertion failures: about one handled rule in twelve fails. */
function rareFail(rule: Rule, bit: number): Rule {
  return rule.kind === 'handle' ? { ...rule, fail: rule.fail && bit % 6 === 0 } : rule;
}

/** An arbitrary small actor system blueprint. */
export function blueprintArb(options: BlueprintOptions = {}): fc.Arbitrary<Blueprint> {
  const maxActors = options.maxActors ?? 4;
  return fc
    .record({
      actorCount: fc.integer({ min: 2, max: maxActors }),
      states: fc.integer({ min: 2, max: 3 }),
      types: fc.integer({ min: 1, max: 3 }),
      groupSize: options.symmetric ? fc.integer({ min: 2, max: 3 }) : fc.constant(1),
      mailboxBound: fc.integer({ min: 2, max: 3 }),
    })
    .chain(({ actorCount, states, types, groupSize, mailboxBound }) => {
      const n = Math.max(actorCount, groupSize + (options.symmetric ? 1 : 0));
      const free: Target[] = [{ kind: 'sender' }, { kind: 'last' }];
      // Group members and everyone else may name only actors outside the group.
      for (let i = groupSize > 1 ? groupSize : 0; i < n; i++) free.push({ kind: 'actor', actor: i });
      const targets = fc.constantFrom(...free);
      const member = actorArb(states, types, targets);
      const others = fc.array(actorArb(states, types, targets), { minLength: n - (groupSize > 1 ? groupSize : 0), maxLength: n - (groupSize > 1 ? groupSize : 0) });
      const failBits = fc.array(fc.nat({ max: 11 }), { minLength: n * states * types, maxLength: n * states * types });
      const initialOf = (count: number) => fc.array(fc.record({ to: fc.nat({ max: count - 1 }), type: fc.nat({ max: types - 1 }) }), { minLength: 1, maxLength: 4 });
      return fc
        .record({
          member,
          others,
          failBits,
          // Initial messages to non-members, and (for a group) the messages every member gets.
          initialOthers: initialOf(n),
          initialMember: fc.array(fc.nat({ max: types - 1 }), { maxLength: 2 }),
          forbidden: options.invariants === false ? fc.constant(null) : fc.option(fc.record({ actor: fc.nat({ max: n - 1 }), state: fc.integer({ min: 1, max: states - 1 }) }), { nil: null, freq: 3 }),
        })
        .map(({ member, others, failBits, initialOthers, initialMember, forbidden }): Blueprint => {
          const actors: ActorBlueprint[] = groupSize > 1 ? [...Array.from({ length: groupSize }, () => member), ...others] : others;
          const withFails = actors.map((a, i) => ({ ...a, rules: a.rules.map((row, s) => row.map((r, t) => rareFail(r, failBits[(i * states + s) * types + t] ?? 1))) }));
          // Members share their rules exactly: copy member 0's.
          if (groupSize > 1) for (let i = 1; i < groupSize; i++) withFails[i] = withFails[0] as ActorBlueprint;
          const initial = groupSize > 1 ? initialOthers.filter((m) => m.to >= groupSize) : initialOthers;
          if (groupSize > 1) for (let g = 0; g < groupSize; g++) for (const type of initialMember) initial.push({ to: g, type });
          if (groupSize > 1 && initial.length === 0) initial.push({ to: 0, type: 0 }, ...Array.from({ length: groupSize - 1 }, (_, g) => ({ to: g + 1, type: 0 })));
          const sym = groupSize > 1;
          return {
            actors: withFails,
            messageTypes: types,
            initial,
            mailboxBound,
            groupSize,
            // A symmetric system's invariant must not single out one member.
            forbidden: forbidden && sym && forbidden.actor < groupSize ? null : forbidden,
          };
        });
    });
}

interface Ctx {
  last: string | null;
}

/** Builds the system a blueprint describes. */
export function buildSystem(bp: Blueprint, name = 'random'): SystemSpec {
  const n = bp.actors.length;
  const names = Array.from({ length: n }, (_, i) => actorName(i));
  const isActor = (x: unknown): x is string => typeof x === 'string' && names.includes(x);
  const actors = bp.actors.map((actor, i) => {
    const self = names[i] as string;
    const resolve = (to: Target, ctx: Ctx, ev: Message): string => {
      // A reply to the environment, or to nobody remembered, goes to the actor itself: that
      // fallback is the same for every member of a symmetric group.
      if (to.kind === 'actor') return names[to.actor] as string;
      if (to.kind === 'sender') return isActor(ev.from) ? ev.from : self;
      return ctx.last ?? self;
    };
    const states: Record<string, object> = {};
    actor.rules.forEach((row, s) => {
      const isFinal = actor.final === s;
      if (isFinal) {
        states[`s${s}`] = { type: 'final' };
        return;
      }
      const on: Record<string, object> = {};
      const defer: string[] = [];
      const ignore: string[] = [];
      row.forEach((rule, t) => {
        const type = `m${t}`;
        if (rule.kind === 'defer') defer.push(type);
        else if (rule.kind === 'ignore') ignore.push(type);
        else if (rule.kind === 'handle') {
          const actions: unknown[] = [];
          if (rule.remember) {
            actions.push(assign<Ctx, Message, undefined, Message, never>({ last: ({ event }) => (isActor(event.who) ? event.who : isActor(event.from) ? event.from : null) }));
          }
          for (const sr of rule.sends) {
            actions.push(
              send<Ctx, Message>(
                ({ context, event }) => resolve(sr.to, context, event),
                ({ event }) => (sr.carry ? { type: `m${sr.type}`, who: isActor(event.from) ? event.from : '(env)' } : { type: `m${sr.type}` }),
              ),
            );
          }
          if (rule.fail) actions.push(assertThat(() => false, `rule ${s}/${type} fails`));
          on[type] = { target: `s${rule.next}`, reenter: rule.next === s, actions };
        }
      });
      states[`s${s}`] = { on, meta: { defer, ignore } };
    });
    return {
      name: self,
      daemon: actor.daemon || actor.final === null,
      machine: createMachine({ id: `actor${i}`, context: { last: null } as Ctx, initial: 's0', states } as never),
    };
  });
  const spec: SystemSpec = {
    name,
    actors,
    initialMessages: bp.initial.map((m) => ({ to: names[m.to] as string, event: { type: `m${m.type}` } })),
    mailboxBound: bp.mailboxBound,
  };
  if (bp.forbidden) {
    const { actor, state } = bp.forbidden;
    const who = names[actor] as string;
    // `reads` names the actors the invariant looks at, so a partial-order reduction knows which
    // steps are visible to it.
    const inv: Invariant & { reads: string[] } = { name: `${who} never in s${state}`, check: (view: GlobalView) => !view.actor(who).matches(`s${state}`), reads: [who] };
    spec.invariants = [inv];
  }
  if (bp.groupSize > 1) (spec as { symmetric?: string[][] }).symmetric = [names.slice(0, bp.groupSize)];
  return spec;
}
