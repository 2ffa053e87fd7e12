/**
 * Workqueues (linux kernel/workqueue.c) as outcome sets over every interleaving, and step by step.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { sleepInAtomic, useAfterFree } from '../../runtime/checkers/index.js';
import { send, type Message } from '../../runtime/model.js';
import type { GlobalView, SystemSpec } from '../../runtime/system.js';
import { cpuMachine, softirqPoint, programEnded } from '../../protocols/cpu.js';
import { calls, straightLineCpu, type Call } from '../../protocols/program.js';
import { MEM_VALUE, mem, memoryLabel, memoryMachine } from '../../protocols/memory.js';
import { MUTEX_GRANTED, mutex, mutexLabel, mutexMachine, mutexResources } from '../../protocols/mutex.js';
import { tasklet, taskletLabel, taskletMachine } from '../../protocols/tasklet.js';
import {
  WORK_FLUSHED,
  WORK_QUEUED,
  work,
  workerMachine,
  workqueueLabel,
  workqueueMachine,
  type WorkqueueContext,
} from '../../protocols/workqueue.js';
import { drive } from './drive.js';
import { outcomeSet } from './outcomes.js';

type Args = { event: Message };

/**
 * Work item `w` on workqueue `wq` (workers kw0, kw1) increments obj.count (read, then write);
 * with `requeue`, it queues itself again while the count is below 2. cpu1 runs `steps`.
 */
function system(steps: Call[], options: { requeue?: boolean; workers?: number; mutexInWork?: boolean } = {}): SystemSpec {
  const workers = Array.from({ length: options.workers ?? 1 }, (_, i) => `kw${i}`);
  const inc = send('obj', ({ event }: Args) => mem.write('obj', 'count', Number(event.value) + 1));
  const body = {
    initial: 'reading',
    start: options.mutexInWork ? send('m', mutex.lock('M')) : send('obj', mem.read('obj', 'count')),
    states: {
      ...(options.mutexInWork ? { locking: {} } : {}),
      reading: {
        on: {
          ...(options.mutexInWork ? { [MUTEX_GRANTED]: { actions: send('obj', mem.read('obj', 'count')) } } : {}),
          [MEM_VALUE]: [
            ...(options.requeue ? [{ guard: ({ event }: Args) => Number(event.value) + 1 < 2, target: 'requeue', actions: [inc, send('wq', work.queue('w'))] }] : []),
            { target: 'fin', actions: [inc, ...(options.mutexInWork ? [send('m', mutex.unlock('M'))] : [])] },
          ],
        },
      },
      requeue: { on: { [WORK_QUEUED]: 'fin' } },
      fin: { type: 'final' },
    },
  };
  return {
    name: 'wq',
    actors: [
      { name: 'cpu1', machine: straightLineCpu('cpu1', steps) },
      ...workers.map((id) => ({ name: id, machine: workerMachine({ id, wq: 'wq', works: { w: body } }), daemon: true })),
      { name: 'wq', machine: workqueueMachine({ name: 'wq', workers, works: ['w'] }), daemon: true, label: workqueueLabel },
      { name: 'obj', machine: memoryMachine('obj', { obj: { count: 0 } }), daemon: true, label: memoryLabel },
      ...(options.mutexInWork ? [{ name: 'm', machine: mutexMachine('m', ['M']), daemon: true, resources: mutexResources, label: mutexLabel }] : []),
    ],
    initialMessages: [{ to: 'cpu1', event: { type: 'start' } }],
    checkers: [useAfterFree, sleepInAtomic],
  };
}

const queue = calls.queueWork('wq', 'w');
const free = calls.free('obj', 'obj');
const wqOf = (view: GlobalView): WorkqueueContext => view.actor('wq').context as WorkqueueContext;
/** Once cpu1 is done, `w` is neither pending nor running. */
const idleAfter = { name: 'neither pending nor running after the call', check: (view: GlobalView) => !programEnded(view.actor('cpu1')) || (!wqOf(view).works.w?.pending && wqOf(view).works.w?.running === null) };

describe('workqueue', () => {
  it('cancel_work_sync leaves the work neither pending nor running, even one that re-queues itself: freeing after it is safe', () => {
    for (const requeue of [false, true]) {
      const result = explore({ ...system([queue, calls.cancelWorkSync('wq', 'w'), free], { requeue, workers: 2 }), invariants: [idleAfter] }, { maxViolations: 5 });
      expect(result.violations, `requeue ${requeue}`).toEqual([]);
      expect(result.verdict).toBe('verified');
    }
  });

  it('cancel_work does not wait for a running work: freeing after it is a use-after-free', () => {
    const result = explore(system([queue, calls.cancelWork('wq', 'w'), free]), { maxViolations: 5 });
    expect(result.violations[0]?.message).toMatch(/^use-after-free: kw0 (reads|writes) obj\.count after it was freed/);
  });

  it('flush_work returns after the queued instance has run: the count cpu1 reads after it is always 1 (without the flush: 0 or 1)', () => {
    const read = calls.read('obj', 'obj', 'count', 'seen');
    const flushed = outcomeSet(system([queue, calls.flushWork('wq', 'w'), read]), ['cpu1', 'obj']);
    expect(flushed.violations).toEqual([]);
    // cpu1's read is answered with the count at that time: recorded by the memory's last answer.
    const seenAfter = (spec: SystemSpec) => {
      const finals = new Set<string>();
      const inv = {
        name: 'count read by cpu1',
        check: (view: GlobalView) => {
          for (const m of view.mailbox('cpu1')) if (m.type === MEM_VALUE) finals.add(String(m.value));
          return true;
        },
      };
      explore({ ...spec, invariants: [inv] });
      return [...finals].sort();
    };
    expect(seenAfter(system([queue, calls.flushWork('wq', 'w'), read]))).toEqual(['1']);
    expect(seenAfter(system([queue, read]))).toEqual(['0', '1']);
  });

  it('destroy_workqueue drains it (chained work included), and a later queue_work is a use of the freed workqueue', () => {
    const drained = outcomeSet(system([queue, calls.destroyWorkqueue('wq')], { requeue: true }), ['wq', 'obj']);
    expect(drained.violations).toEqual([]);
    expect(drained.finals).toEqual(['wq=destroyed obj=obj{count=2}']);
    const after = explore(system([calls.destroyWorkqueue('wq'), queue]), { maxViolations: 5 });
    expect(after.violations.map((v) => v.message)).toContain("assertion failed in actor 'wq': queue_work on a workqueue that destroy_workqueue freed (use after free)");
  });

  it('refuses queue_work from outside while draining (WARN_ON_ONCE(!is_chained_work(wq))), and allows a second queueing of a pending work only once', () => {
    const d = drive(workqueueMachine({ name: 'wq', workers: ['kw0'], works: ['a', 'b'] }));
    expect(d.take('cpu1', work.queue('a')).sent).toEqual(['kw0: work.run(work=a)', 'cpu1: work.queued(work=a,ok=true)']);
    expect(d.take('cpu1', work.queue('b')).sent).toEqual(['cpu1: work.queued(work=b,ok=true)']);
    expect(d.take('cpu1', work.queue('b')).sent).toEqual(['cpu1: work.queued(work=b,ok=false)']); // already pending
    expect(d.take('cpu1', work.queue('a')).sent).toEqual(['cpu1: work.queued(work=a,ok=true)']); // running: queued again
    d.take('cpu2', work.destroyWorkqueue());
    expect(d.take('cpu3', work.queue('b')).failed).toEqual(['queue_work on a draining workqueue from outside its own work items (WARN_ON_ONCE(!is_chained_work(wq))): the work is dropped']);
    expect(d.take('kw0', { type: 'work.done', work: 'a' }).sent).toEqual(['kw0: work.run(work=b)']); // non-reentrant: a waits for its turn
    expect(workqueueLabel(d.context as never)).toBe('q[a] b@kw0 draining');
  });

  it('a work function may sleep (take a mutex); flush_work from a tasklet may not', () => {
    expect(explore(system([queue, calls.flushWork('wq', 'w')], { mutexInWork: true })).violations).toEqual([]);
    const cpu0 = cpuMachine({
      id: 'cpu0',
      program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
      tasklets: { t: { initial: 'flushing', start: send('wq', work.flush('w')), states: { flushing: { on: { [WORK_FLUSHED]: 'fin' } }, fin: { type: 'final' } } } },
    });
    const base = system([queue]);
    const spec: SystemSpec = {
      ...base,
      actors: [...base.actors, { name: 'cpu0', machine: cpu0, daemon: true }, { name: 't', machine: taskletMachine('t'), daemon: true, label: taskletLabel }],
      initialMessages: [...(base.initialMessages ?? []), { to: 't', event: tasklet.schedule('cpu0') }],
    };
    expect(explore(spec).violations.map((v) => v.message)).toEqual([
      "sleeping function called from invalid context: cpu0 calls work.flush(work=w) (to wq) in tasklet 't'; at step [cpu0 <- tasklet.go from t]",
    ]);
  });
});
