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

describe('use-after-free: blame and duplicates', () => {
  it('should blame the reader of a freed object once, not the memory that answers the read', () => {
    const result = explore({ ...domainFree('xfree', 'read'), checkers: [useAfterFree] }, { maxViolations: 10 });
    expect(result.violations.map((v) => [v.kind, v.actor, v.message])).toEqual([
      [
        'use-after-free',
        'cpu0',
        'use-after-free: cpu0 reads domain:1.pending after it was freed; freed by step [domtab <- mem.free(obj=domain:1) from cpu1], used by step [cpu0 <- domain.lookup.result(id=1,rc=0) from domtab]',
      ],
    ]);
  });

  it('should report one use site once, whichever step freed the object first', () => {
    // cpu1 and cpu2 can each free domain 1 first; cpu0's write is one bug, whoever freed it.
    const spec = { ...domainFree('xfree', 'write', ['cpu1', 'cpu2']), checkers: [useAfterFree] };
    const result = explore(spec, { maxViolations: 20 });
    const byCpu0 = result.violations.filter((v) => v.kind === 'use-after-free' && v.actor === 'cpu0');
    expect(byCpu0.map((v) => v.message)).toHaveLength(1);
    expect(result.violations.some((v) => v.kind === 'use-after-free' && v.actor === 'cpu2' && v.message.includes('cpu2 frees domain:1'))).toBe(true);
  });
});

describe('a CPU whose last step reads memory', () => {
  it('should drop the value that arrives after the program ended, instead of an unhandled message', () => {
    const result = explore({ ...domainFree('call_rcu', 'read'), checkers: [useAfterFree] }, { maxViolations: 10 });
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('verified');
  });
});
