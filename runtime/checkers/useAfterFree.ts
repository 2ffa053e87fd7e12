/**
 * Use-after-free: an access to, or a message about, an object after it was freed
 * (DESIGN.md decision 6; SCENARIOS.md C5 and C10), reported as KASAN reports it: the access,
 * the step that made it and the step that freed the object.
 *
 * Objects live in their home actor's `context.heap` (conventions.ts); a freed entry records
 * the step that freed it (`freedBy`). A use is any message with an `obj` field that an actor
 * sends: `mem.read`/`mem.write` (the access is made by the sender, at that step) or any other
 * message naming the object (passing the pointer on). When the object is already freed in the
 * state before that step, the step is a use-after-free; the finding names the step that freed
 * it and the step that used it. A second `mem.free` of a freed object is a double free.
 *
 * Blame goes to the step that used the object: the home answering a read (`mem.value`) is not a
 * use (it is the memory, not a user of it), so reading a freed object is one finding, against
 * the reader. One report per object and use site (the using actor, its state and the message
 * type it took): the same use reached by other paths, or with other values in its messages, or
 * freed by another step, is the same bug and is not reported again.
 *
 * Freedom is read from the state (the home's heap), not remembered by the checker, so in a
 * stateful search a use is flagged exactly on the paths where the free happened first.
 */
import type { Finding } from '../Kernel.js';
import { stateName } from '../StepTable.js';
import type { Checker, CheckerFactory, TransitionEvent } from './Checker.js';
import { MEM_ALLOC, MEM_FREE, MEM_READ, MEM_VALUE, MEM_WRITE, describe, heapEntry, stepName } from './conventions.js';

export class UseAfterFree implements Checker {
  readonly name = 'use-after-free';
  /** Object + use site of every finding made, so each is reported once. */
  private readonly reported = new Set<string>();

  onTransition(e: TransitionEvent): Finding[] {
    const out: Finding[] = [];
    for (const { to, message: m } of e.sends) {
      if (typeof m.obj !== 'string' || m.type === MEM_ALLOC) continue;
      const found = heapEntry(e.before, m.obj);
      if (!found || found.entry.live) continue;
      if (m.type === MEM_VALUE && found.home === e.actor) continue; // the memory answering, not a use
      const site = `${m.obj}\u0000${e.actor}\u0000${stateName(e.before.actor(e.actor))}\u0000${e.message.type}\u0000${e.message.from ?? ''}`;
      if (this.reported.has(site)) continue;
      this.reported.add(site);
      const what = m.type === MEM_WRITE ? 'write' : m.type === MEM_READ ? 'read' : m.type === MEM_FREE ? 'double free' : `message ${describe(m)} to ${to}`;
      const field = typeof m.field === 'string' ? `.${m.field}` : '';
      const used = stepName(e.actor, e.message);
      const freedBy = found.entry.freedBy ?? '(unknown step)';
      out.push({
        kind: 'use-after-free',
        message: `use-after-free: ${e.actor} ${m.type === MEM_FREE ? 'frees' : what === 'read' || what === 'write' ? `${what}s` : 'sends a'} ${m.type === MEM_FREE || what === 'read' || what === 'write' ? `${m.obj}${field}` : `${describe(m)} to ${to} about ${m.obj}`} after it was freed; freed by step [${freedBy}], used by step [${used}]`,
        actor: e.actor,
        report: [
          '='.repeat(66),
          `BUG: use-after-free on ${m.obj}${field}`,
          `${what === 'read' ? 'Read' : what === 'write' ? 'Write' : what === 'double free' ? 'Double free' : 'Message'} by ${e.actor} at: ${used}`,
          '',
          `Freed by: ${freedBy}`,
          `The object lives in: ${found.home}`,
          '='.repeat(66),
        ].join('\n'),
      });
    }
    return out;
  }
}

/** The use-after-free checker. */
export const useAfterFree: CheckerFactory = () => new UseAfterFree();
