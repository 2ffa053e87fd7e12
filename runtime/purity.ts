/**
 * Keeping a step pure (issue 13 items 1 and 4). A step of an actor must depend on its local
 * state and the message only: the engine computes each (actor, state, message) once and reuses
 * the outcome, so a guard that reads `Math.random()` would be sampled once and believed forever.
 *
 * {@link underTraps} runs one evaluation of user code (guards, assigns, action parameters) with
 * the usual sources of nondeterminism replaced by traps: `Math.random`, `Date.now`, `Date()` and
 * `new Date()` without arguments, `performance.now`, `crypto.randomUUID` and
 * `crypto.getRandomValues`. A trapped call throws, and the call is remembered even if the user's
 * code catches the throw; the caller turns it into a model error naming the actor, state and
 * message. The originals are put back before `underTraps` returns. Sources no trap covers (module
 * state, a counter in a closure) are caught by evaluating each new step twice (StepTable).
 *
 * {@link stepWatch} is how a supervisor (cli/supervised/) learns which step is running, so
 * that when one never returns it can say which: the step table calls `begin` with a description
 * before user code runs and `end` after. Without a supervisor both are no-ops.
 */

/** Set by a supervisor (a worker thread's harness); the step table reports each user-code evaluation. */
export const stepWatch: { begin: (what: string) => void; end: () => void } = {
  begin: () => {},
  end: () => {},
};

/** Thrown by a trap; user code that catches it is still found out (see {@link underTraps}). */
export class TrappedCall extends Error {
  constructor(readonly call: string) {
    super(`${call} was called during a step`);
  }
}

interface Trap {
  owner: object;
  key: string;
  call: string;
}

function traps(): Trap[] {
  const list: Trap[] = [
    { owner: Math, key: 'random', call: 'Math.random()' },
    { owner: Date, key: 'now', call: 'Date.now()' },
  ];
  const g = globalThis as { performance?: object; crypto?: object };
  if (g.performance) list.push({ owner: g.performance, key: 'now', call: 'performance.now()' });
  if (g.crypto) {
    list.push({ owner: g.crypto, key: 'randomUUID', call: 'crypto.randomUUID()' });
    list.push({ owner: g.crypto, key: 'getRandomValues', call: 'crypto.getRandomValues()' });
  }
  return list;
}

const TRAPS = traps();

/**
 * Runs `f` with the traps set. Returns what it returned and the first trapped call, if any
 * (then `f`'s result or throw is not to be trusted: the caller reports the call).
 */
export function underTraps<T>(f: () => T): { value?: T; error?: unknown; trapped?: string } {
  let trapped: string | undefined;
  const saved = TRAPS.map((t) => Object.getOwnPropertyDescriptor(t.owner, t.key));
  const RealDate = Date;
  const hit = (call: string): never => {
    trapped ??= call;
    throw new TrappedCall(call);
  };
  for (const t of TRAPS) {
    Object.defineProperty(t.owner, t.key, { value: () => hit(t.call), configurable: true, writable: true });
  }
  (globalThis as { Date: DateConstructor }).Date = new Proxy(RealDate, {
    construct(target, args: unknown[], newTarget) {
      if (args.length === 0) hit('new Date()');
      return Reflect.construct(target, args, newTarget) as object;
    },
    apply() {
      return hit('Date()');
    },
  });
  try {
    return { value: f(), ...(trapped ? { trapped } : {}) };
  } catch (error) {
    return { error, ...(trapped ? { trapped } : {}) };
  } finally {
    (globalThis as { Date: DateConstructor }).Date = RealDate;
    TRAPS.forEach((t, i) => {
      const d = saved[i];
      if (d) Object.defineProperty(t.owner, t.key, d);
      else delete (t.owner as Record<string, unknown>)[t.key];
    });
  }
}
