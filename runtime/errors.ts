/**
 * Two kinds of failure, kept apart on purpose (DESIGN.md decision 10):
 *
 * - {@link ModelError}: the user's model or input is wrong (a context that is not plain data,
 *   a message for an unknown actor, a machine using delays). It names the actor, state, file or
 *   option at fault. The command line prints its message and exits 2.
 * - {@link InternalBug}: the engine broke one of its own invariants. It is never reported as
 *   the model's fault, and its message starts with `[interleave internal bug]`.
 *
 * Violations of the model's properties are neither: they are data (see `violations.ts`).
 */

/** A mistake in the user's model or arguments. `where` names what is at fault. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(message: string) {
    super(message);
  }
}

/**
 * A runtime action's own callback threw while xstate resolved the action: the function that
 * computes a {@link send}'s target or message, or an {@link assertThat}'s predicate (issue 12
 * fault 7). A model error, not an `actor-error` violation: the model asked the runtime to do
 * something it cannot even name. `action` says which action (`send('kick')`'s target); the
 * step table adds the actor, state and message (runtime/StepTable.ts).
 */
export class ActionError extends ModelError {
  constructor(
    readonly action: string,
    readonly thrown: unknown,
    /** The thrown error is a model error of its own: its message is the whole story. */
    plain = false,
  ) {
    super(plain && thrown instanceof Error ? thrown.message : `${action} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
  }
}

/** The engine's own invariant does not hold: a bug in interleave, not in the model. */
export class InternalBug extends Error {
  override readonly name = 'InternalBug';
  constructor(message: string) {
    super(`[interleave internal bug] ${message}`);
  }
}

/** Guards an engine invariant. Never use it for a property of the user's model. */
export function internalAssert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalBug(message);
}
