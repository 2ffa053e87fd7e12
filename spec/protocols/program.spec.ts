/**
 * Straight-line programs (protocols/program.ts): a list of kernel calls behaves as the same
 * code written as xstate states: the tutorial's ABBA deadlock and its fix, an IRQ handler body
 * taking a lock its CPU holds (spec/checkers/models.ts `irqLock`, written as states there), a
 * step between any two calls, values read and asserted, a message and its answer.
 */
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay, type SystemSpec } from '../../runtime/index.js';
import { lockdep } from '../../runtime/checkers/index.js';
import { reply } from '../../runtime/model.js';
import { memoryLabel, memoryMachine } from '../../protocols/memory.js';
import { calls, lockGuard, program, straightLineCpu, PROGRAM_NEXT, type Call } from '../../protocols/program.js';
import softirqLock from '../../examples/softirqLock.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import { irqLock as straightIrqLock } from '../../examples/irqLock.js';
import twoCpuLock from '../../examples/twoCpuLock.js';
import twoCpuLockFixed from '../../examples/twoCpuLockFixed.js';
import { irqLock } from '../checkers/models.js';
import { programEnded } from '../../protocols/cpu.js';
import { outcomeSet } from './outcomes.js';

const start = (...cpus: string[]) => cpus.map((to) => ({ to, event: { type: 'start' } }));

describe('straight-line programs', () => {
  it('should find the tutorial ABBA deadlock with its wait-for cycle, with states named after the calls', () => {
    const r = explore(twoCpuLock);
    expect(r.verdict).toBe('violation');
    const v = r.violations[0]!;
    expect(v.kind).toBe('deadlock');
    expect(v.message).toContain('Wait-for cycle: cpu0 -> cpu1 -> cpu0');
    const { trace } = replay(twoCpuLock, v.token);
    // At the deadlock each CPU is inside the spin_lock of the lock the other holds.
    expect(trace.steps.at(-1)?.states.slice(0, 2)).toEqual(['task.spin_lock(vgic.lock)', 'task.spin_lock(d.lock)']);
    expect(explore(twoCpuLockFixed).verdict).toBe('verified');
  });

  it('should number a call made twice', () => {
    const p = program('cpu0', [calls.lock('g', 'L'), calls.unlock('g', 'L'), calls.lock('g', 'L'), calls.unlock('g', 'L')]);
    expect(Object.keys(p.states)).toEqual(['idle', 'spin_lock(L)', 'spin_unlock(L)', 'spin_lock(L) #2', 'spin_unlock(L) #2', 'done']);
    const system: SystemSpec = { name: 'twice', actors: [{ name: 'cpu0', machine: straightLineCpu('cpu0', [calls.lock('g', 'L'), calls.unlock('g', 'L'), calls.lock('g', 'L'), calls.unlock('g', 'L')]) }, lockGuard('g', ['L'])], initialMessages: start('cpu0') };
    expect(explore(system).verdict).toBe('verified');
  });

  it('should let another CPU run between two calls that do not wait (each call is a step)', () => {
    // cpu0 writes buf.x = 1 then buf.x = 2; cpu1 reads buf.x and asserts it never sees the 1
    // in between. Only a step between the two writes lets it see 1.
    const system: SystemSpec = {
      name: 'between-writes',
      actors: [
        { name: 'cpu0', machine: straightLineCpu('cpu0', [calls.write('mem', 'buf', 'x', 1), calls.write('mem', 'buf', 'x', 2)]) },
        { name: 'cpu1', machine: straightLineCpu('cpu1', [calls.read('mem', 'buf', 'x', 'seen'), calls.assert((c) => c.seen !== 1, 'buf.x is never seen half-updated')]) },
        { name: 'mem', machine: memoryMachine('mem', { buf: { x: 0 } }), daemon: true, label: memoryLabel },
      ],
      initialMessages: start('cpu0', 'cpu1'),
    };
    const r = explore(system);
    expect(r.verdict).toBe('violation');
    expect(r.violations[0]?.kind).toBe('assertion');
    expect(r.violations[0]?.message).toContain('buf.x is never seen half-updated');
    // When cpu1 sees the 1, cpu0 has made its first write and not its second.
    const { trace } = replay(system, r.violations[0]!.token);
    expect(trace.steps.at(-1)?.states[0]).toBe('task.write(buf.x)');
    expect(trace.steps.some((s) => s.actor === 'cpu0' && s.message.type === PROGRAM_NEXT)).toBe(false);
  });

  it('should compute a write from a value read before it: two CPUs lose an update without a lock, not with one', () => {
    const increment = (locked: boolean) => [
      ...(locked ? [calls.lock('g', 'L')] : []),
      calls.read('mem', 'ctr', 'n', 'n'),
      calls.write('mem', 'ctr', 'n', (c) => Number(c.n) + 1),
      ...(locked ? [calls.unlock('g', 'L')] : []),
    ];
    const system = (locked: boolean): SystemSpec => ({
      name: `increment-${locked ? 'locked' : 'racy'}`,
      actors: [
        { name: 'cpu0', machine: straightLineCpu('cpu0', increment(locked)) },
        { name: 'cpu1', machine: straightLineCpu('cpu1', increment(locked)) },
        { name: 'mem', machine: memoryMachine('mem', { ctr: { n: 0 } }), daemon: true, label: memoryLabel },
        lockGuard('g', ['L']),
      ],
      initialMessages: start('cpu0', 'cpu1'),
      invariants: [
        {
          name: 'both increments count once both CPUs are done',
          check: (view) => {
            const done = ['cpu0', 'cpu1'].every((c) => programEnded(view.actor(c)));
            const n = (view.actor('mem').context as { data: { ctr: { n: number } } }).data.ctr.n;
            return !done || view.mailbox('mem').length > 0 || n === 2;
          },
        },
      ],
    });
    const racy = explore(system(false));
    expect(racy.verdict).toBe('violation');
    expect(racy.violations[0]?.kind).toBe('invariant');
    expect(explore(system(true)).verdict).toBe('verified');
  });

  it('should run an IRQ handler body and find what the same code written as xstate states finds', () => {
    // examples/irqLock.ts is spec/checkers/models.ts's irqLock written as straight-line calls.
    for (const variant of ['plain', 'irqsave'] as const) {
      const mine = explore({ ...straightIrqLock(variant), checkers: [lockdep] }, { maxViolations: 10 });
      const theirs = explore({ ...irqLock(variant), checkers: [lockdep] }, { maxViolations: 10 });
      expect(mine.verdict, variant).toBe(theirs.verdict);
      expect(new Set(mine.violations.map((v) => v.kind)), variant).toEqual(new Set(theirs.violations.map((v) => v.kind)));
    }
    const plain = explore(straightIrqLock('plain'));
    expect(plain.violations[0]?.kind).toBe('deadlock');
    expect(plain.violations[0]?.message).toContain("'cpu0' waits for dev.lock (held by cpu0)");
  });

  it('should send a message, wait for its answer and keep it', () => {
    const server = createMachine({ id: 'srv', on: { ping: { actions: reply({ type: 'pong', value: 7 }) } } });
    const system: SystemSpec = {
      name: 'ping',
      actors: [
        { name: 'cpu0', machine: straightLineCpu('cpu0', [calls.call('srv', { type: 'ping' }, { awaits: 'pong', into: 'answer' }), calls.assert((c) => (c.answer as { value: number }).value === 8, 'the server answers 8')]) },
        { name: 'srv', machine: server, daemon: true },
      ],
      initialMessages: start('cpu0'),
    };
    const r = explore(system);
    expect(r.violations[0]?.message).toContain('the server answers 8');
    expect(formatTrace(replay(system, r.violations[0]!.token).trace)).toContain('task.ping to srv');
  });
});

describe('straight-line softirq and IRQ-masking calls (spin_lock_bh, local_bh_disable, spin_lock_irq)', () => {
  // examples/softirqLock.ts with cpu0 written as calls: a tasklet on cpu1 takes stats.lock, so
  // the lock is SOFTIRQ-safe; cpu0 taking it with softirqs enabled is lockdep's "inconsistent
  // {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage", and spin_lock_bh or local_bh_disable around a plain
  // spin_lock is what the kernel asks instead.
  const system = (take: readonly Call[]): SystemSpec => ({
    ...softirqLock,
    name: 'softirq-lock (calls)',
    actors: softirqLock.actors.map((a) => (a.name === 'cpu0' ? { name: 'cpu0', machine: straightLineCpu('cpu0', take) } : a)),
  });
  const plain = [calls.lock('stats', 'stats.lock'), calls.unlock('stats', 'stats.lock')];
  const bh = [calls.lockBh('stats', 'stats.lock'), calls.unlockBh('stats', 'stats.lock')];
  const bhAround = [calls.localBhDisable(), calls.lock('stats', 'stats.lock'), calls.unlock('stats', 'stats.lock'), calls.localBhEnable()];
  const irq = [calls.lockIrq('stats', 'stats.lock'), calls.unlockIrq('stats', 'stats.lock')];

  it('should report the SOFTIRQ-unsafe use with plain spin_lock, under bfs and dpor alike', () => {
    for (const strategy of ['bfs', 'dpor'] as const) {
      const r = runStrategy(strategy, system(plain), {});
      expect(r.verdict, strategy).toBe('violation');
      expect(r.violations[0]?.message, strategy).toMatch(/inconsistent lock state: stats.lock is taken in softirq context .* and taken with softirqs enabled \(cpu0\)/);
    }
  });

  it('should verify spin_lock_bh, local_bh_disable around spin_lock, and spin_lock_irq (IRQs masked keep softirqs out too)', () => {
    for (const take of [bh, bhAround, irq]) {
      const r = explore(system(take));
      expect(r.violations.map((v) => v.message)).toEqual([]);
      expect(r.verdict).toBe('verified');
    }
  });

  it('should name the states after the calls', () => {
    expect(Object.keys(program('cpu0', [...bhAround, ...irq]).states)).toEqual(['idle', 'local_bh_disable()', 'spin_lock(stats.lock)', 'spin_unlock(stats.lock)', 'local_bh_enable()', 'spin_lock_irq(stats.lock)', 'spin_unlock_irq(stats.lock)', 'done']);
  });
});

describe('calls.trylock (spin_trylock: never waits, the answer in a register)', () => {
  /** cpu0 takes and drops L; cpu1 tries L once (label: what it got), then `after`. */
  const system = (after: Call[] = []): SystemSpec => ({
    name: 'trylock',
    actors: [
      { name: 'cpu0', machine: straightLineCpu('cpu0', [calls.lock('locks', 'L'), calls.unlock('locks', 'L')]) },
      { name: 'cpu1', machine: straightLineCpu('cpu1', [calls.trylock('locks', 'L', 'got'), ...after]), label: (c: { got?: boolean }) => `got=${String(c.got)}` },
      lockGuard('locks', ['L']),
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  });

  it('should succeed when L is free and fail when cpu0 holds it, and never wait', () => {
    const r = outcomeSet(system(), ['cpu1', 'locks']);
    // cpu1 ends either way (it never waits); when it got L and keeps it, cpu0 waits for L forever.
    expect(r.finals).toEqual(['cpu1=got=false locks=free', 'cpu1=got=true locks=cpu1', 'cpu1=got=true locks=cpu1 [cpu0]']);
    expect(r.violations.map((v) => v.split(':')[0])).toEqual(['deadlock']);
  });

  it('should make the CPU the holder on success: spin_unlock after a successful trylock is no assertion', () => {
    const r = outcomeSet(system([calls.assert((c) => c.got === true, 'got L'), calls.unlock('locks', 'L')]), ['cpu1', 'locks']);
    expect(r.finals).toContain('cpu1=got=true locks=free');
    expect(r.violations).toEqual(["assertion: assertion failed in actor 'cpu1': got L"]);
  });

  it('should add no lockdep dependency (a trylock cannot deadlock): A then trylock B against B then A is no cycle', () => {
    const abba = (second: Call): SystemSpec => ({
      name: 'abba-trylock',
      actors: [
        { name: 'cpu0', machine: straightLineCpu('cpu0', [calls.lock('locks', 'A'), second, calls.unlock('locks', 'A')]) },
        { name: 'cpu1', machine: straightLineCpu('cpu1', [calls.lock('locks', 'B'), calls.lock('locks', 'A'), calls.unlock('locks', 'A'), calls.unlock('locks', 'B')]) },
        lockGuard('locks', ['A', 'B']),
      ],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'cpu1', event: { type: 'start' } },
      ],
      checkers: [lockdep],
    });
    expect(explore(abba(calls.lock('locks', 'B')), { maxViolations: 5 }).violations.map((v) => v.kind)).toContain('lock-order');
    expect(explore(abba(calls.trylock('locks', 'B', 'gotB')), { maxViolations: 5 }).violations.map((v) => v.kind)).not.toContain('lock-order');
  });
});
