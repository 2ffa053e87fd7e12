/**
 * Sleeping mutexes (linux kernel/locking/mutex.c) and the might-sleep rule (kernel/sched/core.c
 * __might_resched): outcome sets over every interleaving, and the protocol step by step.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { lockdep, sleepInAtomic } from '../../runtime/checkers/index.js';
import { send } from '../../runtime/model.js';
import type { GlobalView, SystemSpec } from '../../runtime/system.js';
import { cpuMachine, softirqPoint } from '../../protocols/cpu.js';
import { calls, straightLineCpu } from '../../protocols/program.js';
import { MUTEX_GRANTED, mutex, mutexLabel, mutexMachine, mutexResources, type MutexState } from '../../protocols/mutex.js';
import { memoryLabel, memoryMachine } from '../../protocols/memory.js';
import { lockLabel, lockResources, spinlockMachine } from '../../protocols/spinlock.js';
import { tasklet, taskletLabel, taskletMachine } from '../../protocols/tasklet.js';
import { irq, irqControllerMachine } from '../../protocols/irq.js';
import { drive } from './drive.js';
import { outcomeSet } from './outcomes.js';

const m = { name: 'm', machine: mutexMachine('m', ['M']), daemon: true, resources: mutexResources, label: mutexLabel };

/** `n` CPUs each increment `cnt.n` (read, then write), under mutex M or (`locked: false`) not. */
function contenders(n: number, locked = true): SystemSpec {
  const cpus = Array.from({ length: n }, (_, i) => `cpu${i}`);
  const inc = (c: Record<string, unknown>) => Number(c.v) + 1;
  const body = [calls.read('cnt', 'cnt', 'n', 'v'), calls.write('cnt', 'cnt', 'n', inc)];
  const steps = locked ? [calls.mutexLock('m', 'M'), ...body, calls.mutexUnlock('m', 'M')] : body;
  return {
    name: `mutex-${n}${locked ? '' : '-unlocked'}`,
    actors: [
      ...cpus.map((id) => ({ name: id, machine: straightLineCpu(id, steps) })),
      m,
      { name: 'cnt', machine: memoryMachine('cnt', { cnt: { n: 0 } }), daemon: true, label: memoryLabel },
    ],
    initialMessages: cpus.map((to) => ({ to, event: { type: 'start' } })),
  };
}

const mutexState = (view: GlobalView): MutexState => (view.actor('m').context as { mutexes: { M: MutexState } }).mutexes.M;

describe('mutex', () => {
  it('should give mutual exclusion: three increments under the mutex always end at 3 (without it: 1, 2 or 3)', () => {
    const locked = outcomeSet(contenders(3), ['cnt']);
    expect(locked.violations).toEqual([]);
    expect(locked.finals).toEqual(['cnt=cnt{n=3}']);
    expect(outcomeSet(contenders(3, false), ['cnt']).finals).toEqual(['cnt=cnt{n=1}', 'cnt=cnt{n=2}', 'cnt=cnt{n=3}']);
  });

  it('should let a task arriving after an unlock take the mutex before the woken waiter (a steal), then hand it to that waiter', () => {
    const d = drive(mutexMachine('m', ['M']));
    expect(d.take('cpu0', mutex.lock('M')).sent).toEqual(['cpu0: mutex.granted(lock=M)']);
    expect(d.take('cpu1', mutex.lock('M')).sent).toEqual([]); // waits
    expect(d.take('cpu0', mutex.unlock('M')).sent).toEqual(['m: mutex.wake(lock=M)']); // cpu1 woken
    expect(d.take('cpu2', mutex.lock('M')).sent).toEqual(['cpu2: mutex.granted(lock=M)']); // steals the free mutex
    expect(d.take('m', { type: 'mutex.wake', lock: 'M' }).sent).toEqual([]); // cpu1 finds it taken: handoff set
    expect(mutexLabel(d.context as never)).toBe('cpu2 [cpu1] handoff');
    expect(d.take('cpu3', mutex.trylock('M')).sent).toEqual(['cpu3: mutex.trylock.result(lock=M,ok=false)']);
    expect(d.take('cpu2', mutex.unlock('M')).sent).toEqual(['cpu1: mutex.granted(lock=M)']); // handed off
    expect(d.take('cpu3', mutex.unlock('M')).failed).toEqual(['mutex_unlock by a task that does not own the mutex (DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current))']);
  });

  it('should reach a steal among three contenders (the handoff flag gets set), and never two owners', () => {
    const noSteal = { name: 'no steal', check: (view: GlobalView) => !mutexState(view).handoff };
    const result = explore({ ...contenders(3), invariants: [noSteal] });
    expect(result.violations.map((v) => v.message)).toEqual(["invariant 'no steal' violated"]);
  });

  it('should be a lock class to lockdep: two mutexes taken in opposite orders are a possible deadlock', () => {
    const cpu = (id: string, a: string, b: string) => straightLineCpu(id, [calls.mutexLock('m', a), calls.mutexLock('m', b), calls.mutexUnlock('m', b), calls.mutexUnlock('m', a)]);
    const spec: SystemSpec = {
      name: 'mutex-abba',
      actors: [{ name: 'cpu0', machine: cpu('cpu0', 'A', 'B') }, { name: 'cpu1', machine: cpu('cpu1', 'B', 'A') }, { ...m, machine: mutexMachine('m', ['A', 'B']) }],
      initialMessages: [{ to: 'cpu0', event: { type: 'start' } }, { to: 'cpu1', event: { type: 'start' } }],
      checkers: [lockdep],
    };
    const result = explore(spec, { maxViolations: 5 });
    expect(result.violations.map((v) => v.kind)).toContain('lock-order');
    expect(result.violations.map((v) => v.kind)).toContain('deadlock');
  });
});

describe('might-sleep: sleeping function called from invalid context', () => {
  /** cpu0 takes mutex M from `where`. */
  function sleeper(where: 'task' | 'tasklet' | 'spinlock' | 'irqs-off' | 'rcu' | 'irq'): SystemSpec {
    const take = [calls.mutexLock('m', 'M'), calls.mutexUnlock('m', 'M')];
    const actors: SystemSpec['actors'] = [m];
    let cpu0;
    if (where === 'task') cpu0 = straightLineCpu('cpu0', take);
    else if (where === 'spinlock') cpu0 = straightLineCpu('cpu0', [calls.lock('dev', 'L'), ...take, calls.unlock('dev', 'L')]);
    else if (where === 'irqs-off') cpu0 = straightLineCpu('cpu0', take, { irqsEnabled: false });
    else if (where === 'rcu') cpu0 = straightLineCpu('cpu0', [calls.rcuReadLock(), ...take, calls.rcuReadUnlock()]);
    else if (where === 'tasklet')
      cpu0 = cpuMachine({
        id: 'cpu0',
        program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
        tasklets: { t: { initial: 'taking', start: send('m', mutex.lock('M')), states: { taking: { on: { [MUTEX_GRANTED]: { target: 'fin', actions: send('m', mutex.unlock('M')) } } }, fin: { type: 'final' } } } },
      });
    else
      cpu0 = cpuMachine({
        id: 'cpu0',
        irqController: 'gic',
        registered: [5],
        program: { initial: 'idle', states: { idle: {} } },
        irqHandlers: { 5: { initial: 'taking', start: send('m', mutex.lock('M')), states: { taking: { on: { [MUTEX_GRANTED]: { target: 'fin', actions: send('m', mutex.unlock('M')) } } }, fin: { type: 'final' } } } },
      });
    actors.unshift({ name: 'cpu0', machine: cpu0, daemon: where === 'tasklet' || where === 'irq' });
    if (where === 'spinlock') actors.push({ name: 'dev', machine: spinlockMachine('dev', 'L'), daemon: true, resources: lockResources, label: lockLabel });
    if (where === 'tasklet') actors.push({ name: 't', machine: taskletMachine('t'), daemon: true, label: taskletLabel });
    if (where === 'irq') actors.push({ name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true });
    const start =
      where === 'tasklet' ? [{ to: 't', event: tasklet.schedule('cpu0') }] : where === 'irq' ? [{ to: 'gic', event: irq.trigger(5, 'cpu0') }] : [{ to: 'cpu0', event: { type: 'start' } }];
    return { name: `sleep-${where}`, actors, initialMessages: start, checkers: [sleepInAtomic] };
  }

  it('should allow mutex_lock in task context', () => {
    expect(explore(sleeper('task')).verdict).toBe('verified');
  });

  for (const [where, reason] of [
    ['tasklet', "in tasklet 't'"],
    ['irq', "in irq 'irq 5'"],
    ['spinlock', 'holding spinlock L at dev'],
    ['irqs-off', 'with IRQs disabled'],
    ['rcu', 'inside an RCU read-side section'],
  ] as const) {
    it(`should report mutex_lock ${reason.replace(/'/g, '')} as "sleeping function called from invalid context"`, () => {
      const result = explore(sleeper(where), { maxViolations: 5 });
      const found = result.violations.filter((v) => v.kind === 'sleep-in-atomic');
      expect(found).toHaveLength(1);
      expect(found[0]?.message).toContain(`cpu0 calls mutex.lock(lock=M`);
      expect(found[0]?.message).toContain(reason);
      expect(found[0]?.report?.split('\n')[0]).toMatch(/^BUG: sleeping function called from invalid context at mutex\.lock\(lock=M/);
    });
  }
});
