/**
 * The Linux kernel's locking self-tests (lib/locking-selftest.c) as a peer's test suite with known
 * answers: every in-scope case of the kernel's table, run under lockdep, must end as the kernel's
 * table expects (FAILURE: a report; SUCCESS: none). The cases the port leaves out are listed with
 * the reason (spec/checkers/lockingSelftest.ts `outOfScope`).
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { outOfScope, selftestCases, selftestSystem } from './lockingSelftest.js';

const cases = selftestCases();

describe('lib/locking-selftest.c, ported', () => {
  it.each(cases)('$name ($kernel): $expected', (c) => {
    const result = explore(selftestSystem(c), { maxViolations: 10 });
    const outcome = result.violations.length ? 'FAILURE' : 'SUCCESS';
    expect({ outcome, found: result.violations.map((v) => v.message) }).toMatchObject({ outcome: c.expected });
  });

  it('should cover the kernel table as the issue lists it, and say what it leaves out', () => {
    const names = cases.map((c) => c.kernel);
    for (const fn of ['AA_spin', 'ABBA_wlock', 'ABBCCA_rlock', 'ABCABC_spin', 'ABBCCDDA_spin', 'ABCDBDDA_wlock', 'ABCDBCDA_spin', 'double_unlock_spin', 'bad_unlock_order_spin', 'init_held_rlock']) {
      expect(names).toContain(fn);
    }
    expect(names.filter((n) => n.startsWith('irqsafe3_soft_'))).toHaveLength(18);
    expect(names.filter((n) => n.startsWith('irq_inversion_'))).toHaveLength(36);
    expect(names.filter((n) => n.startsWith('irq_read_recursion'))).toHaveLength(72);
    expect(cases.length).toBe(276);
    expect(outOfScope().map((o) => o.reason).every((r) => r.length > 20)).toBe(true);
  });
});
