/**
 * How the command line fails. Exit codes are part of the interface (CI scripts branch on them):
 *
 * | code | meaning                                                                            |
 * |------|------------------------------------------------------------------------------------|
 * | 0    | verified; for a catalogue run, every verdict as expected; replay showed no violation |
 * | 1    | a violation was found (or a catalogue verdict differs from its expectation)         |
 * | 2    | usage error or model error: a bad option, a bad model file, a malformed token       |
 * | 3    | incomplete: a bound tripped or Ctrl-C stopped the search before anything was found  |
 * | 70   | an internal bug in interleave (printed with its stack; please report it)            |
 * | 130  | quit by Ctrl-C at once (a second Ctrl-C, or a strategy that runs in one piece)      |
 *
 * A user mistake is one line naming the option or file at fault, never a stack trace.
 */
import { InternalBug, ModelError } from '../runtime/errors.js';

export const EXIT = { ok: 0, violation: 1, usage: 2, incomplete: 3, internal: 70 } as const;

/** A bad command line: unknown option, missing or malformed value, unknown command. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Something the user gave cannot be loaded: a model file, a catalogue, a report. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** True for errors that are the user's to fix (exit 2, one line, no stack). */
export function isUserError(err: unknown): err is Error {
  return err instanceof UsageError || err instanceof InputError || err instanceof ModelError;
}

/** The one line printed for a user error, or the stack for anything else; and the exit code. */
export function describeFailure(err: unknown, command?: string): { text: string; code: number } {
  const who = command ? `interleave ${command}` : 'interleave';
  if (err instanceof UsageError) return { text: `${who}: ${err.message}\nrun '${who} --help' for usage`, code: EXIT.usage };
  if (isUserError(err)) return { text: `${who}: ${err.message}`, code: EXIT.usage };
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const what = err instanceof InternalBug ? '' : '[interleave internal bug] unexpected error; please report it with the command that caused it\n';
  return { text: `${what}${stack}`, code: EXIT.internal };
}
