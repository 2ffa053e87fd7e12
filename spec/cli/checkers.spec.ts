/**
 * Choosing checkers per run (issue 12 fault 3) and findings that do not end the search (fault 4):
 * `--checkers` on explore, replay and run, `checkers` names in a system and in the matchers,
 * the race and liveness analyses from the command line, and the default of collecting the first
 * violation of each kind.
 */
import { describe, expect, it } from 'vitest';
import '../../cli/matchers.js';
import { explore, loadSystem } from '../../runtime/index.js';
import { lockdep } from '../../runtime/checkers/index.js';
import { CHECKER_NAMES, selectCheckers } from '../../runtime/checkers/select.js';
import { irqLock } from '../../examples/irqLock.js';
import { abba, sharedBuffer, sriNotification } from '../checkers/models.js';
import { inProcess } from './support.js';

const BUFFER = 'spec/cli/fixtures/unlockedBuffer.ts';

describe('--checkers (issue 12 fault 3)', () => {
  it("should find the README's unlocked buffer race from the command line, which explore alone verifies", async () => {
    const plain = await inProcess('explore', BUFFER);
    expect(plain.code).toBe(0);
    const raced = await inProcess('explore', BUFFER, '--checkers', 'race');
    expect(raced.code).toBe(1);
    expect(raced.out).toContain("data-race: data race on buf.len: 'cpu0' writes it (step 1) and 'cpu1' writes it (step 2), and neither happens before the other");
    expect(raced.out).toContain('; checkers: deadlock, assertions, race)');
    // The verdict names what judged it, so "verified" is not read as more (new-user finding).
    expect(plain.out).toMatch(/verified: every reachable state explored, no violation \(.*; checkers: deadlock, assertions\)$/mu);
    const json = JSON.parse((await inProcess('explore', BUFFER, '--checkers', 'race,uaf', '--json')).out) as { runs: Array<{ checkers: string[]; violations: Array<{ kind: string }> }> };
    expect(json.runs[0]?.checkers).toEqual(['use-after-free', 'race']);
    expect(json.runs[0]?.violations.map((v) => v.kind)).toEqual(['data-race']);
  });

  it('should reject an unknown name, an empty one and none with others, naming the option and the names (exit 2)', async () => {
    for (const [list, says] of [
      ['rase', "option --checkers: unknown checker 'rase'; checkers are lockdep, checklock, leak, uaf, sleep, race, liveness, default, all, none"],
      ['race,', 'option --checkers: an empty checker name'],
      ['none,race', "option --checkers: 'none' cannot be combined with other checkers (got none,race)"],
    ] as const) {
      const r = await inProcess('explore', BUFFER, '--checkers', list);
      expect(r.code).toBe(2);
      expect(r.err).toContain(says);
      expect(r.err).not.toMatch(/\n\s+at /u);
    }
  });

  it('should turn a model\'s own checkers off with none, and choose among them and the built-in ones', async () => {
    const own = await inProcess('explore', 'examples/irqLock.ts', '--checkers', 'lockdep');
    expect(own.out).toMatch(/violation: irq-safety/u);
    const none = await inProcess('explore', 'examples/irqLock.ts', '--checkers', 'none');
    expect(none.out).toMatch(/violation: deadlock \(/u);
    expect(none.out).toContain('; checkers: deadlock, assertions)');
    expect(own.out).toContain('; checkers: deadlock, assertions, lockdep)');
  });

  it('should say so when liveness is asked of a system without liveness properties', async () => {
    const r = await inProcess('explore', BUFFER, '--checkers', 'liveness');
    expect(r.code).toBe(0);
    expect(r.out).toContain("note: liveness: the system declares no 'liveness' properties, so there was nothing to check");
  });

  it('should judge a replay by the checkers given', async () => {
    const found = JSON.parse((await inProcess('explore', 'examples/irqLock.ts', '--checkers', 'lockdep', '--json')).out) as { runs: Array<{ violations: Array<{ kind: string; token: string }> }> };
    const token = found.runs[0]?.violations.find((v) => v.kind === 'irq-safety')?.token as string;
    expect((await inProcess('replay', `examples/irqLock.ts@${token}`, '--checkers', 'lockdep')).code).toBe(1);
    expect((await inProcess('replay', `examples/irqLock.ts@${token}`, '--checkers', 'none')).code).toBe(0);
  });

  it('should take checker names in a system and in the matchers', () => {
    expect({ ...sharedBuffer('unlocked'), checkers: ['race'] }).toFindViolation({ kind: 'data-race', message: 'buf.len' });
    expect(sharedBuffer('unlocked')).toFindViolation({ kind: 'data-race' }, { checkers: ['race'] });
    expect(sharedBuffer('unlocked')).toBeVerified();
    expect(sharedBuffer('locked')).toBeVerified({ checkers: ['all'] });
    expect(sriNotification('boot-cpu-only')).toFindViolation({ kind: 'liveness' }, { checkers: ['liveness'] });
    expect(() => loadSystem({ ...sharedBuffer('unlocked'), checkers: ['rase' as 'race'] })).toThrow("system 'shared-buffer-unlocked': checker #0 'rase' is not a checker name; names are lockdep, checklock, leak, uaf, sleep, race, liveness");
  });

  it('should select by name: the default is the system\'s own, all adds every built-in one, a model\'s own checker by its name', () => {
    const mine = () => ({ name: 'mine' });
    expect(selectCheckers([mine], [], undefined, 'x').names).toEqual(['mine']);
    expect(selectCheckers([mine], ['race'], ['default'], 'x')).toMatchObject({ names: ['mine'], analyses: ['race'] });
    expect(selectCheckers([mine], [], ['all'], 'x')).toMatchObject({ names: ['mine', 'lockdep', 'checklock', 'lock-leak', 'use-after-free', 'sleep-in-atomic'], analyses: ['race', 'liveness'] });
    expect(selectCheckers([mine], [], ['mine', 'uaf'], 'x').names).toEqual(['mine', 'use-after-free']);
    expect(() => selectCheckers([mine], [], ['yours'], 'x')).toThrow(`x: unknown checker 'yours'; checkers are ${[...CHECKER_NAMES, 'mine', 'default', 'all', 'none'].join(', ')}`);
  });
});

describe('findings that do not end the search (issue 12 fault 4)', () => {
  const withLockdep = { ...irqLock('plain'), checkers: [lockdep] };

  it('should collect the first violation of each kind by default: the IRQ-safety report and the deadlock it leads to', () => {
    const result = explore(withLockdep);
    expect(result.violations.map((v) => v.kind)).toEqual(['irq-safety', 'lock-recursion', 'deadlock']);
    expect(result.covered).toEqual({ kind: 'stopped', by: 'maxViolations' });
  });

  it('should stop after maxViolations when it is given', () => {
    expect(explore(withLockdep, { maxViolations: 1 }).violations.map((v) => v.kind)).toEqual(['irq-safety']);
    expect(explore(withLockdep, { maxViolations: 2 }).violations.map((v) => v.kind)).toEqual(['irq-safety', 'lock-recursion']);
  });

  it('should say in the summary what else was found and how to see more', async () => {
    const r = await inProcess('explore', 'examples/irqLock.ts', '--checkers', 'lockdep');
    expect(r.out).toContain("found 3 kinds of violation (irq-safety, lock-recursion, deadlock), the first of each: a checker's finding does not stop the search; --max-violations <n> collects up to n, of any kind");
    const one = await inProcess('explore', 'examples/irqLock.ts', '--checkers', 'lockdep', '--max-violations', '1');
    expect(one.out).toMatch(/violation: irq-safety \(/u);
    expect(one.out).not.toContain('kinds of violation');
  });

  it('should run to the end when only checkers find something, and prove there is no deadlock', () => {
    // Two CPUs take a and b in opposite orders, serialised by a third lock: lockdep reports the
    // inversion, and no run deadlocks (the search says so by exploring every state).
    const result = explore({ ...abba('serialised'), checkers: [lockdep] });
    expect(result.violations.map((v) => v.kind)).toEqual(['lock-order']);
    expect(result.covered).toEqual({ kind: 'exhaustive' });
    const first = explore({ ...abba('serialised'), checkers: [lockdep] }, { maxViolations: 1 });
    expect(first.covered).toEqual({ kind: 'stopped', by: 'maxViolations' });
    expect(first.stats.states).toBeLessThan(result.stats.states);
  });
});
