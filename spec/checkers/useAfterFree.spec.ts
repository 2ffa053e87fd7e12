import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../runtime/index.js';
import { useAfterFree } from '../../runtime/checkers/index.js';
import { domainFree } from './models.js';

describe('use-after-free', () => {
  it('should find the write to a domain freed without a grace period, naming the freeing and the using step', () => {
    const spec = { ...domainFree('xfree'), checkers: [useAfterFree] };
    const result = explore(spec);
    expect(result.violations.map((v) => v.message)).toEqual([
      'use-after-free: cpu0 writes domain:1.pending after it was freed; freed by step [domtab <- mem.free(obj=domain:1) from cpu1], used by step [cpu0 <- domain.lookup.result(id=1,rc=0) from domtab]',
    ]);
    expect(result.violations[0]?.report).toBe(
      [
        '==================================================================',
        'BUG: use-after-free on domain:1.pending',
        'Write by cpu0 at: cpu0 <- domain.lookup.result(id=1,rc=0) from domtab',
        '',
        'Freed by: domtab <- mem.free(obj=domain:1) from cpu1',
        'The object lives in: domtab',
        '==================================================================',
      ].join('\n'),
    );
    const steps = replay(spec, result.violations[0]!.token).trace.steps.map((s) => `${s.actor} <- ${s.message.type}`);
    expect(steps).toContain('domtab <- mem.free');
    expect(steps.at(-1)).toBe('cpu0 <- domain.lookup.result');
  });

  it('should verify the call_rcu version: the struct is freed only after the reader left its read-side section', () => {
    const result = explore({ ...domainFree('call_rcu'), checkers: [useAfterFree] });
    expect(result.verdict).toBe('verified');
    expect(result.complete).toBe(true);
  });
});
