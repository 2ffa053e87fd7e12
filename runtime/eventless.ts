/**
 * Eventless (`always`) transitions that never stop. xstate takes an enabled eventless transition
 * as soon as it enters a state, again and again inside one `transition()` call, so a cycle of
 * them (or one without a target: it re-runs its actions forever) makes that call never return.
 * Loading finds the cycles that are certain from the machine's definition and names them as a
 * model error; a cycle that depends on guards can only show when it runs, and is the per-step
 * watchdog's to catch (issue 13 item 1).
 *
 * Certain means: from an atomic state whose first eventless transition has no guard (xstate
 * chooses it before any of its ancestors' transitions), follow the target to the atomic state it
 * enters (initial children of compound states) until a state repeats; a parallel or history
 * target ends the walk, so nothing is reported that might not loop. xstate itself stops when a
 * microstep changes nothing, so a transition back to the same state loops only if it assigns.
 */
import { ModelError } from './errors.js';

/** The parts of an xstate v5 StateNode this check reads. */
interface Node {
  id: string;
  path: string[];
  type: string;
  states: Record<string, Node>;
  initial?: { target?: Node[] };
  always?: Transition[];
}

interface Transition {
  guard?: unknown;
  target?: Node[];
  actions?: unknown[];
}

function assigns(t: Transition): boolean {
  return (t.actions ?? []).some((a) => (a as { type?: unknown } | null)?.type === 'xstate.assign');
}

/** Throws {@link ModelError} naming the first certain cycle of eventless transitions in `root`. */
export function checkEventlessCycles(actor: string, root: unknown): void {
  const leaves: Node[] = [];
  const collect = (n: Node): void => {
    if (n.type === 'atomic') leaves.push(n);
    for (const c of Object.values(n.states ?? {})) collect(c);
  };
  collect(root as Node);
  const name = (n: Node): string => (n.path.length ? n.path.join('.') : '(root)');
  for (const start of leaves) {
    const seen: Node[] = [];
    let at: Node | undefined = start;
    while (at) {
      const first: Transition | undefined = at.always?.[0];
      if (!first || first.guard !== undefined) break;
      const next: Node | undefined = first.target?.length ? enteredLeaf(first.target) : at;
      if (next === at) {
        // xstate stops when a microstep changes nothing; an assign changes the context every time.
        if (!assigns(first)) break;
        throw new ModelError(
          `actor '${actor}', state '${name(at)}': its eventless ('always') transition has no guard, stays in the state and assigns the context, so xstate would take it forever in one step; give it a guard`,
        );
      }
      seen.push(at);
      const loop = next ? seen.indexOf(next) : -1;
      if (next && loop >= 0) {
        const cycle = [...seen.slice(loop), next].map(name).join(' -> ');
        throw new ModelError(`actor '${actor}': eventless ('always') transitions without guards form a cycle, ${cycle}; xstate would loop forever in one step`);
      }
      at = next;
    }
  }
}

/** The atomic state entered by a transition to `targets`, or undefined when that is not certain. */
function enteredLeaf(targets: Node[]): Node | undefined {
  if (targets.length !== 1) return undefined;
  let n = targets[0] as Node;
  while (n.type === 'compound') {
    const t = n.initial?.target;
    if (!t || t.length !== 1) return undefined;
    n = t[0] as Node;
  }
  return n.type === 'atomic' ? n : undefined;
}
