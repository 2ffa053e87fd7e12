import { describe, expect, it } from 'vitest';
import { explore, type GlobalView } from '../../runtime/index.js';
import { taskletTwice } from './models.js';

const log = (v: GlobalView) => v.actor('log').context as { inside: number; runs: number };

describe('tasklet scheduled while running', () => {
  it('should never run on two CPUs at once, and should run again when scheduled while running', () => {
    const spec = taskletTwice();
    const safe = explore({ ...spec, invariants: [{ name: 'never on two CPUs at once', check: (v) => log(v).inside <= 1 }] });
    expect(safe.verdict).toBe('verified');
    // Every run that ends has served every schedule: the tasklet is idle and ran at least once.
    const served = explore({
      ...spec,
      invariants: [
        {
          name: 'quiescent => served',
          check: (v) => {
            const t = v.actor('t').context as { scheduledOn: string | null; queuedOn: string | null; running: string | null };
            const quiet = v.actorNames.every((n) => v.mailbox(n).length === 0);
            return !quiet || (t.scheduledOn === null && t.queuedOn === null && t.running === null && log(v).runs >= 1);
          },
        },
      ],
    });
    expect(served.verdict).toBe('verified');
    // Scheduled while running: it runs a second time (reachable), after the first run ended.
    const twice = explore({ ...spec, invariants: [{ name: 'runs only once', check: (v) => log(v).runs < 2 }] });
    expect(twice.violations.map((v) => v.message)).toEqual(["invariant 'runs only once' violated"]);
  });
});
