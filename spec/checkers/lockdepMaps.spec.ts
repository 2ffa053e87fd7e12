/**
 * Lockdep's timer and work maps (runtime/checkers/conventions.ts mapsTouched, ExecFrame.maps):
 * Linux kernel/time/timer.c call_timer_fn holds `timer->lockdep_map` around the callback and
 * del_timer_sync takes and drops it; kernel/workqueue.c process_one_work holds the workqueue's
 * and the work item's maps around the work function, and flush_work / cancel_work_sync /
 * flush_workqueue take and drop them. Waiting for a callback while holding a lock it takes is
 * then the circular dependency `L -> map -> L`, reported predictively (new-user tester finding,
 * /work/coord/notes/tester-newuser2.md "dts.ts").
 */
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { explore, type SystemSpec } from '../../runtime/index.js';
import { lockdep } from '../../runtime/checkers/index.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import { body, calls, straightLineCpu, type Call } from '../../protocols/program.js';
import { mutexLabel, mutexMachine, mutexResources } from '../../protocols/mutex.js';
import { workerMachine, workqueueLabel, workqueueMachine, workqueueWaits } from '../../protocols/workqueue.js';
import { delTimerSyncLock } from '../../examples/delTimerSyncLock.js';

const STRATEGIES = ['bfs', 'dpor'] as const;
const messages = (r: { violations: Array<{ kind: string; message: string }> }, kind: string) => r.violations.filter((v) => v.kind === kind).map((v) => v.message);

describe('timer map: del_timer_sync / kill_timer under a lock the callback takes', () => {
  for (const op of ['del_sync', 'kill'] as const) {
    it(`should report the deadlocking run (${op} on cpu1, callback on cpu0) as a deadlock and as lockdep's L <-> (&tm) cycle, under bfs and dpor`, () => {
      for (const strategy of STRATEGIES) {
        const r = runStrategy(strategy, { ...delTimerSyncLock({ op }), checkers: [lockdep] }, { maxViolations: 5 });
        expect(r.violations.some((v) => v.kind === 'deadlock'), strategy).toBe(true);
        const cycles = messages(r, 'lock-order');
        expect(cycles, strategy).toHaveLength(1);
        expect(cycles[0], strategy).toMatch(/^lockdep: possible circular locking dependency: (L -> \(&tm\) -> L|\(&tm\) -> L -> \(&tm\))/);
      }
    });

    it(`should report the cycle predictively when no run deadlocks (${op} and the callback on one CPU), under bfs and dpor`, () => {
      const system = delTimerSyncLock({ op, caller: 'cpu0' });
      expect(explore({ ...system, checkers: [] }).verdict).toBe('verified'); // the callback runs only at cpu0's softirq points
      for (const strategy of STRATEGIES) {
        const r = runStrategy(strategy, { ...system, checkers: [lockdep] }, { maxViolations: 5 });
        expect(r.violations.map((v) => v.kind), strategy).toEqual(['lock-order']);
        expect(r.violations[0]?.message, strategy).toContain('(&tm)');
        expect(r.violations[0]?.report, strategy).toContain('WARNING: possible circular locking dependency detected');
        expect(r.violations[0]?.report, strategy).toContain(' ((&tm)) at tm');
      }
    });
  }

  it('should say nothing when the lock is dropped before del_timer_sync (the kernel fix)', () => {
    const system = delTimerSyncLock({ caller: 'cpu0' });
    const cpu0 = straightLineCpu('cpu0', [calls.setTimer('tm'), calls.processPendingSoftirqs(), calls.lockBh('locks', 'L'), calls.unlockBh('locks', 'L'), calls.delTimerSync('tm')], {
      timers: { tm: body('cpu0', [calls.lock('locks', 'L'), calls.unlock('locks', 'L')]) },
    });
    const fixed: SystemSpec = { ...system, actors: system.actors.map((a) => (a.name === 'cpu0' ? { ...a, machine: cpu0 } : a)), checkers: [lockdep] };
    for (const strategy of STRATEGIES) expect(runStrategy(strategy, fixed, { maxViolations: 5 }).violations.map((v) => v.message), strategy).toEqual([]);
  });
});

describe('work maps: flush_work / cancel_work_sync / flush_workqueue under a mutex the work function takes', () => {
  /** cpu1 runs `steps`; work item w on workqueue wq (one worker kw0) takes mutex M. */
  function system(steps: Call[]): SystemSpec {
    const fn = body('kw0', [calls.mutexLock('m', 'M'), calls.mutexUnlock('m', 'M')]);
    return {
      name: 'flush-under-mutex',
      actors: [
        { name: 'cpu1', machine: straightLineCpu('cpu1', steps) },
        { name: 'kw0', machine: workerMachine({ id: 'kw0', wq: 'wq', works: { w: fn } }), daemon: true },
        { name: 'wq', machine: workqueueMachine({ name: 'wq', workers: ['kw0'], works: ['w'] }), daemon: true, label: workqueueLabel, waits: workqueueWaits },
        { name: 'm', machine: mutexMachine('m', ['M']), daemon: true, resources: mutexResources, label: mutexLabel },
      ],
      initialMessages: [{ to: 'cpu1', event: { type: 'start' } }],
      checkers: [lockdep],
    };
  }
  const queue = calls.queueWork('wq', 'w');
  const lockM = calls.mutexLock('m', 'M');
  const unlockM = calls.mutexUnlock('m', 'M');
  const cases: Array<[string, Call, string]> = [
    ['flush_work', calls.flushWork('wq', 'w'), '(work_completion)(&w)'],
    ['cancel_work_sync', calls.cancelWorkSync('wq', 'w'), '(work_completion)(&w)'],
    ['flush_workqueue', calls.flushWorkqueue('wq'), '(wq_completion)wq'],
  ];
  for (const [name, wait, map] of cases) {
    it(`should report M -> ${map} -> M for ${name} under M, under bfs and dpor`, () => {
      for (const strategy of STRATEGIES) {
        const r = runStrategy(strategy, system([queue, lockM, wait, unlockM]), { maxViolations: 5 });
        const cycles = messages(r, 'lock-order');
        expect(cycles, strategy).toHaveLength(1);
        expect(cycles[0], strategy).toContain(map);
        expect(cycles[0], strategy).toMatch(/circular locking dependency: .*M/);
      }
    });

    it(`should say nothing for ${name} after M is dropped`, () => {
      for (const strategy of STRATEGIES) expect(runStrategy(strategy, system([queue, lockM, unlockM, wait]), { maxViolations: 5 }).violations.map((v) => v.message), strategy).toEqual([]);
    });
  }
});

describe('the deadlock explanation goes through the callback (new-user tester: "waits for one of [irq.register, ...]")', () => {
  it('should give the wait-for cycle through the timer callback, list the stuck daemon CPU, and hide irq.register', () => {
    for (const strategy of STRATEGIES) {
      const r = runStrategy(strategy, { ...delTimerSyncLock(), checkers: [] }, {});
      const d = r.violations.find((v) => v.kind === 'deadlock');
      expect(d?.message, strategy).toBe("deadlock: no actor can take a step, and 'cpu0' waits for L (held by cpu1); 'cpu1' waits for callback of tm (running on cpu0). Wait-for cycle: cpu0 -> cpu1 -> cpu0.");
      expect(d?.deadlock?.blocked.map((b) => [b.actor, b.state]), strategy).toEqual([
        ['cpu0', 'task.timer:tm.spin_lock(L)'],
        ['cpu1', 'task.del_timer_sync(tm)'],
      ]);
    }
  });

  it('should give the wait-for cycle through a work function that flush_work waits for', () => {
    const fn = body('kw0', [calls.mutexLock('m', 'M'), calls.mutexUnlock('m', 'M')]);
    const system: SystemSpec = {
      name: 'flush-under-mutex',
      actors: [
        { name: 'cpu1', machine: straightLineCpu('cpu1', [calls.queueWork('wq', 'w'), calls.mutexLock('m', 'M'), calls.flushWork('wq', 'w'), calls.mutexUnlock('m', 'M')]) },
        { name: 'kw0', machine: workerMachine({ id: 'kw0', wq: 'wq', works: { w: fn } }), daemon: true },
        { name: 'wq', machine: workqueueMachine({ name: 'wq', workers: ['kw0'], works: ['w'] }), daemon: true, label: workqueueLabel, waits: workqueueWaits },
        { name: 'm', machine: mutexMachine('m', ['M']), daemon: true, resources: mutexResources, label: mutexLabel },
      ],
      initialMessages: [{ to: 'cpu1', event: { type: 'start' } }],
    };
    const d = explore(system).violations.find((v) => v.kind === 'deadlock');
    expect(d?.message).toBe("deadlock: no actor can take a step, and 'cpu1' waits for work w (running on kw0); 'kw0' waits for M (held by cpu1). Wait-for cycle: cpu1 -> kw0 -> cpu1.");
  });

  it('should leave an idle daemon out and keep the old sentence where no cycle goes through a daemon', () => {
    // cpu1 waits for an answer that never comes: no cycle, the daemon is not listed.
    const system: SystemSpec = {
      name: 'lonely',
      actors: [{ name: 'cpu1', machine: straightLineCpu('cpu1', [calls.call('nobody', { type: 'ping' }, { awaits: 'pong' })]) }, { name: 'nobody', machine: createMachine({ id: 'nobody', initial: 's', states: { s: { on: { ping: {} } } } }), daemon: true }],
      initialMessages: [{ to: 'cpu1', event: { type: 'start' } }],
    };
    const d = explore(system).violations.find((v) => v.kind === 'deadlock');
    expect(d?.message).toBe("deadlock: no actor can take a step, and 'cpu1' in state 'task.ping to nobody' waits for one of [pong].");
  });
});
