/**
 * lockdep's reports say what kernel/locking/lockdep.c prints, where runtime/checkers/lockdep.ts
 * claims to follow it (issue 11):
 *
 * - print_usage_bug_scenario prints `<Interrupt>` for every state, softirq included: there is no
 *   `<SoftIRQ>` line in the kernel, and none here;
 * - print_irq_lock_scenario prints `local_irq_disable();` and `<Interrupt>` for SOFTIRQ reports
 *   too, under the headers print_bad_irq_dependency and print_irq_inversion_bug print with the
 *   state's name (`SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected`);
 * - print_circular_lock_scenario's "Chain exists of:" names three classes: the lock being taken,
 *   the one just before the held lock on the chain, and the held lock, whatever the chain's
 *   length (the whole chain is the dependency list above it);
 * - the same scenario says `rlock(` for an end that is taken for reading.
 */
import { describe, expect, it } from 'vitest';
import { explore, type ExploreResult } from '../../runtime/index.js';
import softirqLock from '../../examples/softirqLock.js';
import { selftestCases, selftestSystem, type SelftestCase } from './lockingSelftest.js';

const reports = (r: ExploreResult): string[] => r.violations.map((v) => v.report ?? '');

/** The lines of `report` from the scenario header to `*** DEADLOCK ***`. */
function scenario(report: string): string[] {
  const lines = report.split('\n');
  const start = lines.findIndex((l) => / Possible (interrupt )?unsafe locking scenario:/.test(l));
  const end = lines.findIndex((l, i) => i > start && l.includes('*** DEADLOCK ***'));
  expect(start, report).toBeGreaterThanOrEqual(0);
  return lines.slice(start, end + 1);
}

const oneCpu = (name: string, ops: string[], forceReadLockRecursive = true): SelftestCase => ({ name, kernel: name, ops, expected: 'FAILURE', forceReadLockRecursive });

describe("lockdep's reports in the kernel's words", () => {
  it('prints <Interrupt>, never <SoftIRQ>, in the scenario of an inconsistent softirq usage (print_usage_bug_scenario)', () => {
    const [report] = reports(explore(softirqLock, { maxViolations: 10 }));
    expect(report).toContain('inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.');
    expect(scenario(report as string)).toEqual([' Possible unsafe locking scenario:', '', '       CPU0', '       ----', '  lock(stats.lock);', '  <Interrupt>', '    lock(stats.lock);', '', ' *** DEADLOCK ***']);
    expect(report).not.toContain('<SoftIRQ>');
  });

  it("prints local_irq_disable() and <Interrupt> in the softirq safe/unsafe and inversion scenarios, under the state's name (print_irq_lock_scenario)", () => {
    const soft = selftestCases().filter((c) => c.name.startsWith('soft-') && c.name.endsWith('/ spin') && c.expected === 'FAILURE');
    const all = soft.flatMap((c) => reports(explore(selftestSystem(c), { maxViolations: 10 })));
    const irqScenarios = all.filter((r) => r.includes(' Possible interrupt unsafe locking scenario:'));
    expect(irqScenarios.length).toBeGreaterThan(0);
    for (const r of irqScenarios) {
      const s = scenario(r);
      expect(s, r).toContain('                               local_irq_disable();');
      expect(s, r).toContain('  <Interrupt>');
    }
    expect(all.some((r) => r.includes('WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected'))).toBe(true);
    expect(all.some((r) => /but this lock (took another, SOFTIRQ-unsafe|was taken by another, SOFTIRQ-safe) lock in the past:/.test(r))).toBe(true);
    expect(all.join('\n')).not.toContain('<SoftIRQ>');
  });

  it('names the new lock, the class before the held lock, and the held lock after "Chain exists of:" on a four-lock cycle (print_circular_lock_scenario)', () => {
    // A -> B, B -> C, C -> D, then A while holding D.
    const ops = ['L A', 'L B', 'U B', 'U A', 'L B', 'L C', 'U C', 'U B', 'L C', 'L D', 'U D', 'U C', 'L D', 'L A'];
    const result = explore(selftestSystem(oneCpu('four-lock cycle', ops)), { maxViolations: 10 });
    const cycle = result.violations.find((v) => v.kind === 'lock-order');
    expect(cycle?.message).toContain('lock_A -> lock_B -> lock_C -> lock_D -> lock_A');
    const lines = (cycle?.report ?? '').split('\n');
    expect(lines.slice(lines.indexOf('Chain exists of:'), lines.indexOf('Chain exists of:') + 2)).toEqual(['Chain exists of:', '  lock_A --> lock_C --> lock_D']);
    // The whole chain is still listed, #3 to #0.
    expect(lines.filter((l) => l.startsWith('-> #'))).toEqual(['-> #3 (lock_D):', '-> #2 (lock_C):', '-> #1 (lock_B):', '-> #0 (lock_A):']);
    expect(scenario(cycle?.report ?? '').slice(4)).toEqual(['  lock(lock_D);', '                               lock(lock_C);', '                               lock(lock_D);', '  lock(lock_A);', '', ' *** DEADLOCK ***']);
  });

  it('says rlock() for a read-held end of a cycle (print_circular_lock_scenario)', () => {
    // Y -> X with X a (non-recursive) reader, then Y while X is read-held: a strong cycle.
    const ops = ['L Y1', 'RL X1', 'RU X1', 'U Y1', 'RL X1', 'L Y1'];
    const result = explore(selftestSystem(oneCpu('read-held cycle', ops, false)), { maxViolations: 10 });
    const cycle = result.violations.find((v) => v.kind === 'lock-order');
    expect(scenario(cycle?.report ?? '').slice(4)).toEqual(['  rlock(rwlock_X);', '                               lock(lock_Y);', '                               lock(rwlock_X);', '  lock(lock_Y);', '', ' *** DEADLOCK ***']);
  });
});
