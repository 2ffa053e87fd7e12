/**
 * The timer API against the kernels' guarantees (xen/common/timer.c, linux kernel/time/timer.c),
 * as outcome sets over every interleaving, and the timer actor's protocol step by step.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import type { GlobalView } from '../../runtime/system.js';
import { timer, timerLabel, timerMachine, type TimerContext } from '../../protocols/timer.js';
import { teardown } from '../../examples/timerTeardown.js';
import { drive } from './drive.js';
import { outcomeSet } from './outcomes.js';
import { programEnded } from '../../protocols/cpu.js';

/** Invariant: once the call returned (the caller freed `dev`), no callback is running on cpu0. */
const returnedAfterCallback = (caller: string) => ({
  name: 'the callback has returned when the call returns',
  check: (view: GlobalView) => {
    const returned = programEnded(view.actor(caller)) || JSON.stringify(view.actor(caller).value).includes('freed');
    return !(returned && JSON.stringify(view.actor('cpu0').value).includes('timer:tm'));
  },
});

describe('timer: stop_timer / del_timer', () => {
  it('should cancel an expiry already raised on the stopping CPU: stop then free on the callback CPU is verified', () => {
    // The input: the old timer ran a `timer.fire` already queued after stop_timer.
    const result = explore(teardown('stop', 'cpu0'));
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('verified');
  });

  it('should not wait for a callback running on another CPU: stop then free from cpu1 is a use-after-free', () => {
    const result = explore(teardown('stop', 'cpu1'), { maxViolations: 10 });
    // Two use sites: the callback's read as it begins, and its write after the read's answer.
    expect(result.violations.map((v) => [v.kind, v.actor, v.message.split(';')[0]])).toEqual([
      ['use-after-free', 'cpu0', 'use-after-free: cpu0 reads dev.count after it was freed'],
      ['use-after-free', 'cpu0', 'use-after-free: cpu0 writes dev.count after it was freed'],
    ]);
    const inv = explore({ ...teardown('stop', 'cpu1'), checkers: [], invariants: [returnedAfterCallback('cpu1')] });
    expect(inv.violations.map((v) => v.kind)).toEqual(['invariant']);
  });
});

describe('timer: kill_timer and del_timer_sync', () => {
  for (const op of ['kill', 'del_sync'] as const) {
    it(`${op}: should return only after a callback that began on another CPU has returned, so freeing after it is safe`, () => {
      const result = explore({ ...teardown(op, 'cpu1'), invariants: [returnedAfterCallback('cpu1')] }, { maxViolations: 10 });
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
    });
  }

  it('should end a periodic timer: after kill_timer the re-arm is a no-op; del_timer_sync lets it re-arm while it waits and takes that off the queue', () => {
    const tm = (view: GlobalView) => view.actor('tm').context as TimerContext;
    const killedNeverArmed = { name: 'a killed timer is never armed', check: (view: GlobalView) => !(tm(view).killed && tm(view).armed) };
    const kill = outcomeSet({ ...teardown('kill', 'cpu1', true), invariants: [killedNeverArmed, returnedAfterCallback('cpu1')] }, ['tm', 'devmem']);
    expect(kill.violations).toEqual([]);
    // Every final state: the timer dead, dev freed; the callback ran 0, 1 or 2 times before the kill.
    expect(kill.finals).toEqual(['tm=killed devmem=dev(freed){count=0}', 'tm=killed devmem=dev(freed){count=1}', 'tm=killed devmem=dev(freed){count=2}']);

    const unarmedWhileWaiting = { name: 'not re-armed while del_timer_sync waits', check: (view: GlobalView) => !(tm(view).waiting.length > 0 && tm(view).armed) };
    const sync = outcomeSet({ ...teardown('del_sync', 'cpu1', true), invariants: [returnedAfterCallback('cpu1')] }, ['tm', 'devmem']);
    expect(sync.violations).toEqual([]);
    expect(sync.finals).toEqual(['tm=idle devmem=dev(freed){count=0}', 'tm=idle devmem=dev(freed){count=1}', 'tm=idle devmem=dev(freed){count=2}']);
    const window = explore({ ...teardown('del_sync', 'cpu1', true), checkers: [], invariants: [unarmedWhileWaiting] });
    expect(window.violations.map((v) => v.message)).toEqual(["invariant 'not re-armed while del_timer_sync waits' violated"]);
  });

  it('should let a periodic callback re-arm behind a plain del_timer from another CPU: a use-after-free', () => {
    const stop = outcomeSet(teardown('stop', 'cpu1', true), ['tm', 'devmem']);
    expect(stop.violations.map((v) => v.split(';')[0])).toEqual(['use-after-free: use-after-free: cpu0 reads dev.count after it was freed', 'use-after-free: use-after-free: cpu0 writes dev.count after it was freed']);
  });
});

describe('timer actor, step by step', () => {
  it('should arm, raise the softirq at expiry, start the callback on begin, and answer each call', () => {
    const t = drive(timerMachine('tm', 'cpu0'));
    expect(t.take('cpu1', timer.set()).sent).toEqual(['tm: timer.expire(gen=1)', 'cpu1: timer.ack(op=set,pending=false)']);
    expect(t.take('tm', { type: 'timer.expire', gen: 1 }).sent).toEqual(['cpu0: timer.fire(gen=1)']);
    expect(t.take('cpu0', timer.begin(1)).sent).toEqual(['cpu0: timer.go']);
    expect(timerLabel(t.context as never)).toBe('running@cpu0');
    // Re-armed from the callback (periodic): armed while running.
    expect(t.take('cpu0', timer.set()).sent).toEqual(['tm: timer.expire(gen=2)', 'cpu0: timer.ack(op=set,pending=false)']);
    expect(t.take('cpu0', timer.end()).sent).toEqual([]);
    expect(timerLabel(t.context as never)).toBe('armed@cpu0');
  });

  it('should refuse a begin after stop_timer or a re-arm (stale), and make kill_timer wait for the running callback', () => {
    const t = drive(timerMachine('tm', 'cpu0'));
    t.take('cpu1', timer.set());
    t.take('tm', { type: 'timer.expire', gen: 1 });
    expect(t.take('cpu1', timer.stop()).sent).toEqual(['cpu1: timer.ack(op=stop,pending=true)']);
    expect(t.take('cpu0', timer.begin(1)).sent).toEqual(['cpu0: timer.stale']);
    t.take('cpu1', timer.set());
    t.take('cpu1', timer.set()); // re-armed: generation 3
    expect(t.take('cpu0', timer.begin(2)).sent).toEqual(['cpu0: timer.stale']);
    expect(t.take('cpu0', timer.begin(3)).sent).toEqual(['cpu0: timer.go']);
    expect(t.take('cpu1', timer.kill()).sent).toEqual([]); // running: kill_timer waits
    expect(t.take('cpu0', timer.set()).sent).toEqual(['cpu0: timer.ack(op=set,pending=false)']); // killed: a no-op
    expect(t.take('cpu0', timer.end()).sent).toEqual(['cpu1: timer.ack(op=kill,pending=false)']);
    expect(timerLabel(t.context as never)).toBe('killed');
  });

  it('should make del_timer_sync wait for the callback, retry, and take a re-arm off the queue', () => {
    const t = drive(timerMachine('tm', 'cpu0'));
    t.take('cpu1', timer.set());
    t.take('cpu0', timer.begin(1));
    expect(t.take('cpu1', timer.delSync()).sent).toEqual([]);
    t.take('cpu0', timer.set()); // the callback re-arms
    expect(t.take('cpu0', timer.end()).sent).toEqual(['tm: timer.retry']);
    expect(t.take('tm', { type: 'timer.retry' }).sent).toEqual(['cpu1: timer.ack(op=del_sync,pending=true)']);
    expect(timerLabel(t.context as never)).toBe('idle');
  });

  it('should report kill_timer or del_timer_sync from the timer\'s own callback, which never returns', () => {
    const t = drive(timerMachine('tm', 'cpu0'));
    t.take('cpu1', timer.set());
    t.take('cpu0', timer.begin(1));
    expect(t.take('cpu0', timer.kill()).failed).toEqual(["kill_timer from the timer's own callback never returns (BUG_ON(this_cpu(timers).running == timer))"]);
    const u = drive(timerMachine('tm', 'cpu0'));
    u.take('cpu1', timer.set());
    u.take('cpu0', timer.begin(1));
    expect(u.take('cpu0', timer.delSync()).failed).toEqual(["del_timer_sync from the timer's own callback waits for itself forever"]);
  });

  it('should move the callback with migrate_timer: an expiry raised on the old CPU becomes stale', () => {
    const t = drive(timerMachine('tm', 'cpu0'));
    t.take('cpu1', timer.set());
    t.take('tm', { type: 'timer.expire', gen: 1 });
    expect(t.take('cpu1', timer.migrate('cpu1')).sent).toEqual(['tm: timer.expire(gen=2)', 'cpu1: timer.ack(op=migrate,pending=true)']);
    expect(t.take('cpu0', timer.begin(1)).sent).toEqual(['cpu0: timer.stale']);
    expect(t.take('tm', { type: 'timer.expire', gen: 2 }).sent).toEqual(['cpu1: timer.fire(gen=2)']);
  });
});
