/**
 * Completions (linux kernel/sched/completion.c) as outcome sets, and the protocol step by step.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { sleepInAtomic } from '../../runtime/checkers/index.js';
import { send } from '../../runtime/model.js';
import type { GlobalView, SystemSpec } from '../../runtime/system.js';
import { cpuMachine, softirqPoint, programEnded } from '../../protocols/cpu.js';
import { calls, straightLineCpu } from '../../protocols/program.js';
import { COMPLETION_WOKEN, completion, completionLabel, completionMachine } from '../../protocols/completion.js';
import { tasklet, taskletLabel, taskletMachine } from '../../protocols/tasklet.js';
import { drive } from './drive.js';
import { outcomeSet } from './outcomes.js';

/** `waiters` CPUs wait_for_completion(&c); cpu9 calls `signal` (complete, twice, or complete_all). */
function waiters(n: number, signal: 'complete' | 'complete x2' | 'complete_all'): SystemSpec {
  const ids = Array.from({ length: n }, (_, i) => `cpu${i}`);
  const signalling = signal === 'complete_all' ? [calls.completeAll('c')] : signal === 'complete' ? [calls.complete('c')] : [calls.complete('c'), calls.complete('c')];
  return {
    name: `completion-${n}-${signal}`,
    actors: [
      ...ids.map((id) => ({ name: id, machine: straightLineCpu(id, [calls.waitForCompletion('c')]) })),
      { name: 'cpu9', machine: straightLineCpu('cpu9', signalling) },
      { name: 'c', machine: completionMachine('c'), daemon: true, label: completionLabel },
    ],
    initialMessages: [...ids, 'cpu9'].map((to) => ({ to, event: { type: 'start' } })),
  };
}

const finished = (view: GlobalView, cpu: string): boolean => programEnded(view.actor(cpu));

describe('completion', () => {
  it('wait_for_completion returns only after complete(): no waiter is past it before the completer ran', () => {
    const completed = (view: GlobalView) => JSON.stringify(view.actor('cpu9').value) !== '{"task":"idle"}';
    const early = { name: 'no return before complete', check: (view: GlobalView) => !(finished(view, 'cpu0') && !completed(view)) };
    expect(explore({ ...waiters(1, 'complete'), invariants: [early] }).verdict).toBe('verified');
  });

  it('complete() releases one waiter, complete_all() every waiter (and later ones), two complete() two', () => {
    const one = outcomeSet(waiters(2, 'complete'), ['cpu0', 'cpu1', 'c']);
    // One waiter sleeps forever: a deadlock in every final state.
    expect(one.violations.every((v) => v.startsWith('deadlock:'))).toBe(true);
    expect(one.finals).toEqual(['cpu0=task.done cpu1=task.wait_for_completion(c) c=done=0 [cpu1]', 'cpu0=task.wait_for_completion(c) cpu1=task.done c=done=0 [cpu0]']);
    const all = outcomeSet(waiters(2, 'complete_all'), ['cpu0', 'cpu1', 'c']);
    expect(all.violations).toEqual([]);
    expect(all.finals).toEqual(['cpu0=task.done cpu1=task.done c=all']);
    const two = outcomeSet(waiters(2, 'complete x2'), ['cpu0', 'cpu1', 'c']);
    expect(two.violations).toEqual([]);
    expect(two.finals).toEqual(['cpu0=task.done cpu1=task.done c=done=0']);
  });

  it('a waiter arriving after complete() may take the count before the woken waiter, which then waits again', () => {
    const d = drive(completionMachine('c'));
    expect(d.take('cpu0', completion.wait()).sent).toEqual([]);
    expect(d.take('cpu9', completion.complete()).sent).toEqual(['c: completion.wake']);
    expect(d.take('cpu1', completion.wait()).sent).toEqual(['cpu1: completion.woken']); // takes the count first
    expect(d.take('c', { type: 'completion.wake' }).sent).toEqual([]); // cpu0 sleeps again
    expect(completionLabel(d.context as never)).toBe('done=0 [cpu0]');
    expect(d.take('cpu9', completion.tryWait()).sent).toEqual(['cpu9: completion.tried(ok=false)']);
    d.take('cpu9', completion.completeAll());
    expect(d.sent).toEqual(['cpu0: completion.woken']);
    expect(d.take('cpu2', completion.done()).sent).toEqual(['cpu2: completion.is_done(done=true)']);
    d.take('cpu9', completion.reinit());
    expect(d.take('cpu3', completion.wait()).sent).toEqual([]);
  });

  it('wait_for_completion in a tasklet sleeps in atomic context', () => {
    const cpu0 = cpuMachine({
      id: 'cpu0',
      program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } },
      tasklets: { t: { initial: 'waiting', start: send('c', completion.wait()), states: { waiting: { on: { [COMPLETION_WOKEN]: 'fin' } }, fin: { type: 'final' } } } },
    });
    const spec: SystemSpec = {
      name: 'completion-in-tasklet',
      actors: [
        { name: 'cpu0', machine: cpu0, daemon: true },
        { name: 'cpu1', machine: straightLineCpu('cpu1', [calls.complete('c')]) },
        { name: 't', machine: taskletMachine('t'), daemon: true, label: taskletLabel },
        { name: 'c', machine: completionMachine('c'), daemon: true, label: completionLabel },
      ],
      initialMessages: [{ to: 't', event: tasklet.schedule('cpu0') }, { to: 'cpu1', event: { type: 'start' } }],
      checkers: [sleepInAtomic],
    };
    const result = explore(spec);
    expect(result.violations.map((v) => v.message)).toEqual([
      "sleeping function called from invalid context: cpu0 calls completion.wait (to c) in tasklet 't'; at step [cpu0 <- tasklet.go from t]",
    ]);
  });
});
