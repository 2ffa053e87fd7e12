/**
 * Reader-writer semaphores (linux kernel/locking/rwsem.c) as outcome sets, and step by step.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { sleepInAtomic } from '../../runtime/checkers/index.js';
import { send } from '../../runtime/model.js';
import type { GlobalView, SystemSpec } from '../../runtime/system.js';
import { cpuMachine, softirqPoint } from '../../protocols/cpu.js';
import { calls, straightLineCpu } from '../../protocols/program.js';
import { RWSEM_GRANTED, rwsem, rwsemLabel, rwsemMachine, rwsemResources, type RwsemState } from '../../protocols/rwsem.js';
import { tasklet, taskletLabel, taskletMachine } from '../../protocols/tasklet.js';
import { drive } from './drive.js';

const sem = (view: GlobalView): RwsemState => (view.actor('s').context as { rwsems: { S: RwsemState } }).rwsems.S;

/** Each CPU takes S in its mode, then releases it. */
function users(modes: Array<'read' | 'write'>): SystemSpec {
  return {
    name: `rwsem-${modes.join('-')}`,
    actors: [
      ...modes.map((mode, i) => ({
        name: `cpu${i}`,
        machine: straightLineCpu(`cpu${i}`, mode === 'read' ? [calls.downRead('s', 'S'), calls.upRead('s', 'S')] : [calls.downWrite('s', 'S'), calls.upWrite('s', 'S')]),
      })),
      { name: 's', machine: rwsemMachine('s', ['S']), daemon: true, resources: rwsemResources, label: rwsemLabel },
    ],
    initialMessages: modes.map((_, i) => ({ to: `cpu${i}`, event: { type: 'start' } })),
  };
}

describe('rw semaphore', () => {
  it('should let readers share it and a writer hold it alone: never a writer with anyone else', () => {
    const exclusive = { name: 'writer alone', check: (view: GlobalView) => sem(view).writer === null || sem(view).readers.length === 0 };
    const twoReaders = { name: 'never two readers', check: (view: GlobalView) => sem(view).readers.length < 2 };
    const spec = users(['read', 'read', 'write']);
    expect(explore({ ...spec, invariants: [exclusive] }).verdict).toBe('verified');
    expect(explore({ ...spec, invariants: [twoReaders] }).violations.map((v) => v.message)).toEqual(["invariant 'never two readers' violated"]);
  });

  it('should queue a new reader behind a waiting writer, then admit the queued readers together', () => {
    const d = drive(rwsemMachine('s', ['S']));
    expect(d.take('r1', rwsem.downRead('S')).sent).toEqual(['r1: rwsem.granted(lock=S,mode=read)']);
    expect(d.take('w', rwsem.downWrite('S')).sent).toEqual([]);
    expect(d.take('r2', rwsem.downRead('S')).sent).toEqual([]); // a writer waits: no new reader
    expect(d.take('r3', rwsem.downReadTrylock('S')).sent).toEqual(['r3: rwsem.trylock.result(lock=S,mode=read,ok=false)']);
    expect(d.take('r1', rwsem.upRead('S')).sent).toEqual(['s: rwsem.wake(lock=S)']); // the writer is woken
    expect(d.take('s', { type: 'rwsem.wake', lock: 'S' }).sent).toEqual(['w: rwsem.granted(lock=S,mode=write)']);
    d.take('r4', rwsem.downRead('S'));
    expect(d.take('w', rwsem.upWrite('S')).sent).toEqual(['r2: rwsem.granted(lock=S,mode=read)', 'r4: rwsem.granted(lock=S,mode=read)']);
    expect(d.take('x', rwsem.upWrite('S')).failed).toEqual(['up_write of a rw semaphore this task does not hold for writing']);
  });

  it('should let downgrade_write admit the queued readers while the downgrader keeps reading', () => {
    const d = drive(rwsemMachine('s', ['S']));
    d.take('w', rwsem.downWrite('S'));
    d.take('r1', rwsem.downRead('S'));
    expect(d.take('w', rwsem.downgrade('S')).sent).toEqual(['r1: rwsem.granted(lock=S,mode=read)']);
    expect(rwsemLabel(d.context as never)).toBe('R:w,r1');
  });

  it('should let a writer steal the lock from a woken writer, then hand it to that writer next (handoff)', () => {
    const d = drive(rwsemMachine('s', ['S']));
    d.take('w1', rwsem.downWrite('S'));
    d.take('w2', rwsem.downWrite('S'));
    expect(d.take('w1', rwsem.upWrite('S')).sent).toEqual(['s: rwsem.wake(lock=S)']);
    expect(d.take('w3', rwsem.downWrite('S')).sent).toEqual(['w3: rwsem.granted(lock=S,mode=write)']);
    d.take('s', { type: 'rwsem.wake', lock: 'S' });
    expect(rwsemLabel(d.context as never)).toBe('W:w3 [W:w2] handoff');
    expect(d.take('r', rwsem.downRead('S')).sent).toEqual([]);
    expect(d.take('w3', rwsem.upWrite('S')).sent).toEqual(['w2: rwsem.granted(lock=S,mode=write)']);
  });

  it('should report down_read in a tasklet (it may sleep)', () => {
    const cpu0 = cpuMachine({
      id: 'cpu0',
      program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
      tasklets: { t: { initial: 'taking', start: send('s', rwsem.downRead('S')), states: { taking: { on: { [RWSEM_GRANTED]: { target: 'fin', actions: send('s', rwsem.upRead('S')) } } }, fin: { type: 'final' } } } },
    });
    const result = explore({
      name: 'down_read-in-tasklet',
      actors: [
        { name: 'cpu0', machine: cpu0, daemon: true },
        { name: 't', machine: taskletMachine('t'), daemon: true, label: taskletLabel },
        { name: 's', machine: rwsemMachine('s', ['S']), daemon: true, resources: rwsemResources, label: rwsemLabel },
      ],
      initialMessages: [{ to: 't', event: tasklet.schedule('cpu0') }],
      checkers: [sleepInAtomic],
    });
    expect(result.violations.map((v) => v.kind)).toEqual(['sleep-in-atomic']);
  });
});
