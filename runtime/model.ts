/**
 * The modelling vocabulary: what a machine may do besides `assign`.
 *
 * Machines are driven only through xstate's pure `transition()`, which returns the actions a
 * step asked for instead of running them. The runtime interprets three of them:
 *
 * - {@link send}: put a message in another actor's mailbox (DESIGN.md decision 3). The runtime
 *   stamps the event with `from`, the sender's name, so a receiver can {@link reply}.
 * - {@link assertThat}: a property of this step; a false one is an `assertion` violation.
 * - `xstate.log`: allowed and ignored.
 *
 * A state declares which messages wait in the mailbox (`defer`) or are dropped (`ignore`) with
 * its `meta`; any other message the state does not handle is an `unhandled-message` violation:
 *
 * @example
 * ```ts
 * waiting: {
 *   meta: deferring('start'),            // a second start waits until we are idle again
 *   on: { granted: { target: 'critical', actions: send('spmc', { type: 'smc' }) } },
 * }
 * ```
 */

import { currentFrame } from './checkers/conventions.js';
import { ActionError, ModelError } from './errors.js';

/** A message as it travels: an xstate event, stamped with its sender by the runtime. */
export interface Message {
  readonly type: string;
  readonly from?: string;
  readonly [field: string]: unknown;
}

/** The arguments xstate passes to a dynamic action parameter. */
export interface ActionArgs<TContext = unknown, TEvent = Message> {
  context: TContext;
  event: TEvent;
}

type Dynamic<T, TContext, TEvent> = T | ((args: ActionArgs<TContext, TEvent>) => T);

export const SEND_ACTION = 'interleave.send';

/**
 * Reply addressing. An actor may run several contexts that each wait for their own answers: a
 * CPU's program and the IRQ handler that interrupted it (protocols/cpu.ts). A message sent from
 * a context other than the task's carries {@link FRAME}, the name of that context (see
 * runtime/checkers/conventions.ts `currentFrame`); an answer to it carries {@link TO_FRAME} with
 * the same name ({@link reply} and {@link answerTo} add it), and only that context takes it.
 * Messages sent from task context, and by actors without contexts, carry neither field.
 * The keys are the runtime's own (`interleave.`, as {@link URGENT}), so a model's message with a
 * field of its own named `frame` or `toFrame` (a network frame, say) is plain data: it neither
 * keeps the runtime from stamping the sender's context nor addresses an answer to a context.
 * Traces show them as `frame=` and `toFrame=` (runtime/trace.ts).
 */
export const FRAME = 'interleave.frame';
export const TO_FRAME = 'interleave.toFrame';

const SHOWN_AS: Readonly<Record<string, string>> = { [FRAME]: 'frame', [TO_FRAME]: 'toFrame' };

/** How traces and reports name a message field: the runtime's reply-addressing keys by their short names. */
export function shownField(key: string): string {
  return SHOWN_AS[key] ?? key;
}

/**
 * Urgent delivery (runtime/delivery.ts). A message with `'interleave.urgent': true` (an
 * interrupt: protocols/irq.ts `irq.raise`) is taken ahead of the mailbox's FIFO order, as soon
 * as the receiver's current state handles it; while the state defers it (a CPU with IRQs
 * masked), it waits like any message. Traces leave the field out (it says how, not what, is
 * delivered). The key is the runtime's own (`interleave.` like the runtime's action types), so
 * a model's message with a field of its own named `urgent` (a priority flag of the protocol
 * modelled) is plain data and keeps FIFO order.
 */
export const URGENT = 'interleave.urgent';

/** `answer`, addressed to the context that sent `request` (adds {@link TO_FRAME} if the request had a {@link FRAME}). */
export function answerTo(request: { readonly [field: string]: unknown }, answer: Message): Message {
  const frame = request[FRAME];
  return typeof frame === 'string' && answer[TO_FRAME] === undefined ? { ...answer, [TO_FRAME]: frame } : answer;
}

/** `event` stamped with the sending context's frame, when the sender runs one (see {@link FRAME}). */
function fromContext(event: Message, context: unknown): Message {
  if (event[FRAME] !== undefined) return event;
  const frame = currentFrame(context);
  return frame === undefined ? event : { ...event, [FRAME]: frame };
}
export const ASSERT_ACTION = 'interleave.assert';

/** What a resolved `interleave.send` action carries. */
export interface SendParams {
  to: string;
  event: Message;
}

/** What a resolved `interleave.assert` action carries. */
export interface AssertParams {
  ok: boolean;
  message: string;
}

/** Runs a runtime action's callback; a throw becomes an {@link ActionError} naming `action`. */
function guarded<T>(action: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    // A ModelError is a protocol saying its input is wrong (no lock class 'C' here): its message
    // alone, not the action that happened to ask (the step table adds actor, state and message).
    if (err instanceof ModelError) throw new ActionError(action, err, true);
    throw new ActionError(action, err);
  }
}

function resolve<T, TContext, TEvent>(value: Dynamic<T, TContext, TEvent>, args: ActionArgs<TContext, TEvent>): T {
  return typeof value === 'function' ? (value as (a: ActionArgs<TContext, TEvent>) => T)(args) : value;
}

/**
 * An action the runtime interprets, in xstate's parameterized-object form (`{ type, params }`
 * with `params` computed from the step's context and event): xstate resolves `params` and hands
 * the action back from `transition()`, and the runtime, not xstate, carries it out. Typed so
 * that it fits any machine's `actions` whose context and event it is written against.
 */
export interface RuntimeAction<TType extends string, TContext, TEvent, TParams> {
  readonly type: TType;
  readonly params: (args: ActionArgs<TContext, TEvent>) => TParams;
}

/**
 * An action that sends `event` to the actor named `to`. Either may be computed from the
 * step's context and event. A function that throws is a model error naming this action
 * (`send('kick')`'s target), the actor, its state and the message ({@link ActionError}).
 *
 * @example
 * ```ts
 * on: { start: { target: 'waiting', actions: send('rx_buf', { type: 'spin.acquire', lock: 'rx' }) } }
 * ```
 */
export function send<TContext = unknown, TEvent = Message>(
  to: Dynamic<string, TContext, TEvent>,
  event: Dynamic<Message, TContext, TEvent>,
): RuntimeAction<typeof SEND_ACTION, TContext, TEvent, SendParams> {
  return {
    type: SEND_ACTION,
    params: (args: ActionArgs<TContext, TEvent>): SendParams => {
      const name = `send(${typeof event === 'function' ? (typeof to === 'string' ? `to '${to}'` : '') : `'${String(event.type)}'`})`;
      const target = guarded(`${name}'s target`, () => resolve(to, args));
      return { to: target, event: fromContext(guarded(`${name}'s message`, () => resolve(event, args)), args.context) };
    },
  };
}

/**
 * An action that sends `event` back to the sender of the message being handled, addressed to
 * the context that asked (see {@link answerTo}).
 */
export function reply<TContext = unknown, TEvent extends { from?: string } = Message>(event: Dynamic<Message, TContext, TEvent>): RuntimeAction<typeof SEND_ACTION, TContext, TEvent, SendParams> {
  return send<TContext, TEvent>(
    ({ event: e }) => {
      if (typeof e.from !== 'string') return '(no sender)';
      return e.from;
    },
    (args) => answerTo(args.event as unknown as Message, resolve(event, args)),
  );
}

/**
 * An action asserting `predicate` at this step, evaluated on the context as updated by the
 * `assign`s before it in the same transition. A false predicate is an `assertion` violation
 * carrying `message`, like Xen's `ASSERT()` firing.
 */
export function assertThat<TContext = unknown, TEvent = Message>(
  predicate: (args: ActionArgs<TContext, TEvent>) => boolean,
  message: string,
): RuntimeAction<typeof ASSERT_ACTION, TContext, TEvent, AssertParams> {
  return {
    type: ASSERT_ACTION,
    params: (args: ActionArgs<TContext, TEvent>): AssertParams => ({ ok: guarded(`assertThat('${message}')'s predicate`, () => predicate(args)), message }),
  };
}

/**
 * The runtime's actions, declared for xstate's `setup()`, so that a machine built with
 * `setup({ actions: { ...runtimeActions } })` accepts {@link send}, {@link reply} and
 * {@link assertThat} in its typed `actions`. The implementations do nothing: xstate's pure
 * `transition()` hands the actions back with their parameters, and the runtime carries them out.
 *
 * @example
 * ```ts
 * const cpu = setup({ types: {} as { context: { n: number } }, actions: { ...runtimeActions } }).createMachine({
 *   context: { n: 0 },
 *   on: { go: { actions: send('lock', { type: 'spin.acquire' }) } },
 * });
 * ```
 */
export const runtimeActions = {
  [SEND_ACTION]: (_args: unknown, _params: SendParams): void => {},
  [ASSERT_ACTION]: (_args: unknown, _params: AssertParams): void => {},
};

/** State `meta` saying which message types wait in the mailbox while in this state. */
export function deferring(...types: string[]): { defer: string[] } {
  return { defer: types };
}

/** State `meta` saying which message types are consumed and dropped while in this state. */
export function ignoring(...types: string[]): { ignore: string[] } {
  return { ignore: types };
}
