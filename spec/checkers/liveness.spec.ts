import { describe, expect, it } from 'vitest';
import { replay } from '../../runtime/index.js';
import { checkLiveness } from '../../runtime/checkers/index.js';
import { sriNotification } from './models.js';

describe('liveness under weak fairness', () => {
  it('should find a lasso when the SGI lands on a CPU without a handler (dropped as Unknown IRQ)', () => {
    const spec = sriNotification('boot-cpu-only');
    const result = checkLiveness(spec);
    expect(result.verdict).toBe('violation');
    const [v] = result.violations;
    expect(v?.message).toBe(
      "liveness: 'the SRI is followed by a tasklet run (INFO_GET reaches the SPMC)' is violated under weak fairness: it never holds; the run takes 5 steps, then repeats a 2-step cycle forever (steps 6-7: cpu0, cpu1), a weakly fair run",
    );
    expect(v?.prefix).toHaveLength(5);
    expect(v?.cycle).toHaveLength(2);
    // The cycle returns to the state it started from: replaying prefix + cycle twice gives the same states.
    const once = replay(spec, v!.token).trace;
    expect(once.steps.at(-1)?.states).toEqual(once.steps[v!.prefix.length - 1]?.states);
    expect(v?.report).toContain('-- cycle: the next steps repeat forever --');
    expect(once.steps.map((s) => s.message.type)).toContain('irq.raise');
  });

  it('should verify the version with the handler on every CPU, although unfair runs (ticking forever) never serve it', () => {
    const result = checkLiveness(sriNotification('all-cpus'));
    expect(result.verdict).toBe('verified');
  });
});
