/**
 * tasklet_kill against the kernels' semantics (xen/common/tasklet.c, linux kernel/softirq.c), as
 * outcome sets over every interleaving: how many times the body ran, and whether freeing what it
 * touches after tasklet_kill is safe.
 */
import { describe, expect, it } from 'vitest';
import { useAfterFree } from '../../runtime/checkers/index.js';
import { send } from '../../runtime/model.js';
import type { SystemSpec } from '../../runtime/system.js';
import { cpuMachine, softirqPoint } from '../../protocols/cpu.js';
import { MEM_VALUE, mem, memoryLabel, memoryMachine } from '../../protocols/memory.js';
import { TASKLET_KILLED, tasklet, taskletLabel, taskletMachine } from '../../protocols/tasklet.js';
import { drive } from './drive.js';
import { outcomeSet } from './outcomes.js';

/**
 * cpu1 schedules tasklet `t` on cpu0 (its body reads, then increments, dev.count), then kills it
 * (or not, `kill: false`) and frees dev; with `late`, cpu2 schedules `t` once more at any time
 * (an IRQ source not yet disabled).
 */
function system(kernel: 'xen' | 'linux', options: { kill?: boolean; late?: boolean } = {}): SystemSpec {
  const { kill = true, late = false } = options;
  const body = {
    initial: 'reading',
    start: send('devmem', mem.read('dev', 'count')),
    states: {
      reading: { on: { [MEM_VALUE]: { target: 'fin', actions: send('devmem', ({ event }: { event: { value: unknown } }) => mem.write('dev', 'count', Number(event.value) + 1)) } } },
      fin: { type: 'final' },
    },
  };
  const cpu1 = cpuMachine({
    id: 'cpu1',
    program: {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'scheduled', actions: [send('t', tasklet.schedule('cpu0')), send('cpu1', { type: 'teardown' })] } } },
        scheduled: { on: { teardown: kill ? { target: 'killing', actions: send('t', tasklet.kill()) } : { target: 'done', actions: send('devmem', mem.free('dev')) } } },
        killing: { on: { [TASKLET_KILLED]: { target: 'done', actions: send('devmem', mem.free('dev')) } } },
        done: { type: 'final' },
      },
    },
  });
  const cpu2 = cpuMachine({ id: 'cpu2', program: { initial: 'idle', states: { idle: { on: { start: { target: 'done', actions: send('t', tasklet.schedule('cpu0')) } } }, done: { type: 'final' } } } });
  return {
    name: `tasklet-kill-${kernel}`,
    actors: [
      { name: 'cpu0', machine: cpuMachine({ id: 'cpu0', program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } }, tasklets: { t: body } }), daemon: true },
      { name: 'cpu1', machine: cpu1 },
      ...(late ? [{ name: 'cpu2', machine: cpu2 }] : []),
      { name: 't', machine: taskletMachine('t', { kernel }), daemon: true, label: taskletLabel },
      { name: 'devmem', machine: memoryMachine('devmem', { dev: { count: 0 } }), daemon: true, label: memoryLabel },
    ],
    initialMessages: [{ to: 'cpu1', event: { type: 'start' } }, ...(late ? [{ to: 'cpu2', event: { type: 'start' } }] : [])],
  };
}

const show = ['t', 'devmem'];

describe('tasklet_kill', () => {
  it('Xen: should cancel a pending run and wait for a running one; after it the tasklet is dead', () => {
    const o = outcomeSet(system('xen'), show, { checkers: [useAfterFree] });
    expect(o.violations).toEqual([]);
    expect(o.finals).toEqual(['t=dead devmem=dev(freed){count=0}', 't=dead devmem=dev(freed){count=1}']);
  });

  it('Linux: should not cancel: it returns after the scheduled run has happened, and leaves the tasklet usable', () => {
    const o = outcomeSet(system('linux'), show, { checkers: [useAfterFree] });
    expect(o.violations).toEqual([]);
    expect(o.finals).toEqual(['t=idle devmem=dev(freed){count=1}']);
  });

  it('without tasklet_kill, freeing what the body touches is a use-after-free', () => {
    for (const kernel of ['xen', 'linux'] as const) {
      const o = outcomeSet(system(kernel, { kill: false }), show, { checkers: [useAfterFree] });
      expect(o.violations[0]).toMatch(/^use-after-free: use-after-free: cpu0 reads dev\.count after it was freed/);
    }
  });

  it('a schedule after tasklet_kill returned: a no-op in Xen (dead), a run after the free in Linux', () => {
    expect(outcomeSet(system('xen', { late: true }), show, { checkers: [useAfterFree] }).violations).toEqual([]);
    expect(outcomeSet(system('linux', { late: true }), show, { checkers: [useAfterFree] }).violations[0]).toMatch(/^use-after-free: use-after-free: cpu0 reads dev\.count after it was freed/);
  });

  it('step by step: Xen dequeues and marks dead; Linux waits for the queued run', () => {
    const x = drive(taskletMachine('t'));
    x.take('cpu1', tasklet.schedule('cpu0'));
    expect(x.take('cpu1', tasklet.kill()).sent).toEqual(['cpu1: tasklet.killed']);
    expect(x.take('cpu0', tasklet.begin()).sent).toEqual(['cpu0: tasklet.stale']);
    expect(x.take('cpu2', tasklet.schedule('cpu0')).sent).toEqual([]);
    const l = drive(taskletMachine('t', { kernel: 'linux' }));
    l.take('cpu1', tasklet.schedule('cpu0'));
    expect(l.take('cpu1', tasklet.kill()).sent).toEqual([]);
    expect(l.take('cpu2', tasklet.schedule('cpu2')).sent).toEqual([]); // dropped while killing
    expect(l.take('cpu0', tasklet.begin()).sent).toEqual(['cpu0: tasklet.go']);
    expect(l.take('cpu0', tasklet.done()).sent).toEqual(['cpu1: tasklet.killed']);
    expect(l.take('cpu2', tasklet.schedule('cpu2')).sent).toEqual(['cpu2: tasklet.run']); // usable again
  });
});
