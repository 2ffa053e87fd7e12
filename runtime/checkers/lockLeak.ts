/**
 * Lock leak: a lock still held when the body that took it returns (DESIGN.md decision 7;
 * SCENARIOS.md C2: "callers that get NULL return without release: the lock leaks").
 *
 * A body is an IRQ handler, a tasklet or timer callback, or a hypercall: a frame on the CPU's
 * `exec.frames` (conventions.ts). Its end is the transition that pops the frame. At that
 * transition, any lock the CPU holds (from the guards' `resources`, minus unlocks already on
 * their way) that it did not hold when the frame was pushed (`frame.held`) leaked. An actor
 * without `exec` has one body, its life: a lock it still holds when it reaches a final state
 * leaked; so does a lock a CPU still holds when its program ends (it then idles: `exec.ended`).
 *
 * Both judgements read only the two states of the transition, so a leak found on one path
 * replays on its own.
 */
import type { Finding } from '../Kernel.js';
import type { Checker, CheckerFactory, CheckerView, TransitionEvent } from './Checker.js';
import { execOf, heldBy, stepName } from './conventions.js';

/** The actor's life is over: a final state, or a CPU whose program has ended (protocols/cpu.ts). */
const finished = (view: CheckerView, x: string): boolean => view.actor(x).status === 'done' || execOf(view, x)?.ended === true;

export class LockLeak implements Checker {
  readonly name = 'lock-leak';

  onTransition(e: TransitionEvent): Finding[] {
    const x = e.actor;
    const before = execOf(e.before, x);
    const after = execOf(e.after, x);
    const out: Finding[] = [];
    const at = stepName(x, e.message);
    const reported = new Set<string>();
    if (before && after && after.frames.length < before.frames.length) {
      for (const frame of before.frames.slice(after.frames.length).reverse()) {
        for (const h of heldBy(e.after, x)) {
          if (frame.held.includes(h.instance) || reported.has(h.instance)) continue;
          reported.add(h.instance);
          out.push({
            kind: 'lock-leak',
            message: `lock leak: ${x} returned from ${frame.kind} '${frame.name}' still holding ${h.cls} (guarded by ${h.guard}), taken in that ${frame.kind}`,
            actor: x,
            report: [`lock leak in ${frame.kind} '${frame.name}' on ${x}`, `  still held: ${h.cls} at ${h.guard}`, `  held when the ${frame.kind} began: ${frame.held.length ? frame.held.join(', ') : '(none)'}`, `  the ${frame.kind} returned at: ${at}`].join('\n'),
          });
        }
      }
    }
    if (!finished(e.before, x) && finished(e.after, x)) {
      for (const h of heldBy(e.after, x)) {
        if (reported.has(h.instance)) continue; // already reported as the leak of the body that just returned
        out.push({
          kind: 'lock-leak',
          message: `lock leak: ${x} finished still holding ${h.cls} (guarded by ${h.guard})`,
          actor: x,
          report: [`lock leak: ${x} reached its final state`, `  still held: ${h.cls} at ${h.guard}`, `  at: ${at}`].join('\n'),
        });
      }
    }
    return out;
  }
}

/** The lock-leak checker. */
export const lockLeak: CheckerFactory = () => new LockLeak();
