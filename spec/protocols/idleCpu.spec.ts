/**
 * A CPU whose program has ended idles, as a real CPU does at the end of its work
 * (xen/arch/arm/domain.c `idle_loop`: tasklets, softirqs, and `do_idle` waiting for an interrupt
 * with IRQs enabled): it still takes IRQs, timer callbacks, tasklets and RCU's requests, and
 * answers them (protocols/cpu.ts). Before, it went offline, and what the kernel would still
 * deliver to it (a `timer.fire` queued before `del_timer_sync` returned, an IRQ, a tasklet) was
 * an unhandled message, a false report, or was silently dropped. Only what no idle CPU takes is
 * unhandled.
 */
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import '../../cli/matchers.js';
import { explore, send, type GlobalView, type Message, type SystemSpec } from '../../runtime/index.js';
import { useAfterFree } from '../../runtime/checkers/useAfterFree.js';
import { lockLeak } from '../../runtime/checkers/lockLeak.js';
import { cpuMachine, localBhDisable, programEnded, type BodyConfig } from '../../protocols/cpu.js';
import { irq, irqControllerLabel, irqControllerMachine } from '../../protocols/irq.js';
import { MEM_VALUE, mem, memoryLabel, memoryMachine } from '../../protocols/memory.js';
import { calls, lockGuard, program, straightLineCpu } from '../../protocols/program.js';
import { TIMER_FIRE, timerLabel, timerMachine } from '../../protocols/timer.js';
import { TASKLET_RUN, taskletLabel, taskletMachine } from '../../protocols/tasklet.js';
import { outcomeSet } from './outcomes.js';

type Args = { event: Message };

/** A body that writes `dev.<field> = 1` (a timer callback, a tasklet, an IRQ handler). */
const writes = (field: string): BodyConfig => ({
  initial: 'writing',
  start: send('devmem', mem.read('dev', field)),
  states: { writing: { on: { [MEM_VALUE]: { target: 'out', actions: send('devmem', ({ event }: Args) => mem.write('dev', field, Number(event.value) + 1)) } } }, out: { type: 'final' } },
});

const devmem = { name: 'devmem', machine: memoryMachine('devmem', { dev: { count: 0, irq: 0, tasklet: 0 } }), daemon: true, label: memoryLabel };

/**
 * The tester's shape: cpu0 arms timer `tm` (its callback runs on cpu0 and writes dev), stops it
 * with `op` and frees dev. The program has no softirq point, so a `timer.fire` raised before
 * the stop returned waits in cpu0's mailbox behind the program's end.
 */
function selfTeardown(op: 'del_sync' | 'kill' | 'stop'): SystemSpec {
  const stop = op === 'del_sync' ? calls.delTimerSync('tm') : op === 'kill' ? calls.killTimer('tm') : calls.stopTimer('tm');
  return {
    name: `self-teardown-${op}`,
    actors: [
      { name: 'cpu0', machine: cpuMachine({ id: 'cpu0', program: program('cpu0', [calls.setTimer('tm'), stop, calls.free('devmem', 'dev')]), timers: { tm: writes('count') } }) },
      { name: 'tm', machine: timerMachine('tm', 'cpu0'), daemon: true, label: timerLabel },
      devmem,
    ],
    initialMessages: [{ to: 'cpu0', event: { type: 'start' } }],
    checkers: [useAfterFree],
  };
}

const cpu0Ended = (v: GlobalView): boolean => programEnded(v.actor('cpu0'));
const waitingFor = (v: GlobalView, type: string): boolean => v.mailbox('cpu0').some((m) => m.type === type);

describe('a CPU whose program has ended idles', () => {
  for (const op of ['del_sync', 'kill', 'stop'] as const) {
    it(`${op}: a timer.fire queued behind the end of the program is taken and found stale, not an unhandled message`, () => {
      const spec = selfTeardown(op);
      const result = explore(spec, { maxViolations: 10 });
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      // The shape happens: cpu0's program has ended with the fire still in its mailbox.
      expect(spec).toReach({ name: 'fire behind the end', when: (v) => cpu0Ended(v) && waitingFor(v, TIMER_FIRE) });
      // And the callback never runs after the stop returned: dev is freed with count 0 in every final state.
      expect(outcomeSet(spec, ['devmem']).finals.every((f) => f.includes('count=0'))).toBe(true);
    });
  }

  it('an IRQ raised to a CPU whose program has ended runs its handler', () => {
    const cpu0 = straightLineCpu('cpu0', [calls.write('devmem', 'dev', 'count', 1)], { irqController: 'gic', registered: [27], irqHandlers: { 27: writes('irq') } });
    const spec: SystemSpec = {
      name: 'irq-after-end',
      actors: [{ name: 'cpu0', machine: cpu0 }, { name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true, label: irqControllerLabel }, devmem],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'gic', event: irq.trigger(27, 'cpu0') },
      ],
    };
    const result = explore(spec, { maxViolations: 10 });
    expect(result.violations).toEqual([]);
    expect(spec).toReach({ name: 'irq behind the end', when: (v) => cpu0Ended(v) && waitingFor(v, 'irq.raise') });
    // Every run ends with the handler having run once, before or after the program ended.
    expect(outcomeSet(spec, ['devmem']).finals).toEqual(['devmem=dev{count=1,irq=1,tasklet=0}']);
  });

  it('a tasklet scheduled onto a CPU whose program has ended runs there', () => {
    const cpu0 = straightLineCpu('cpu0', [calls.write('devmem', 'dev', 'count', 1)], { tasklets: { t: writes('tasklet') } });
    const cpu1 = straightLineCpu('cpu1', [calls.taskletSchedule('t', 'cpu0')]);
    const spec: SystemSpec = {
      name: 'tasklet-after-end',
      actors: [{ name: 'cpu0', machine: cpu0 }, { name: 'cpu1', machine: cpu1 }, { name: 't', machine: taskletMachine('t'), daemon: true, label: taskletLabel }, devmem],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'cpu1', event: { type: 'start' } },
      ],
    };
    const result = explore(spec, { maxViolations: 10 });
    expect(result.violations).toEqual([]);
    expect(spec).toReach({ name: 'tasklet behind the end', when: (v) => cpu0Ended(v) && waitingFor(v, TASKLET_RUN) });
    expect(outcomeSet(spec, ['devmem']).finals).toEqual(['devmem=dev{count=1,irq=0,tasklet=1}']);
  });

  it('a timer armed by another CPU fires on a CPU whose program has ended (Xen set_timer onto an idle CPU)', () => {
    const cpu0 = straightLineCpu('cpu0', [calls.write('devmem', 'dev', 'count', 1)], { timers: { tm: writes('irq') } });
    const cpu1 = straightLineCpu('cpu1', [calls.setTimer('tm')]);
    const spec: SystemSpec = {
      name: 'timer-after-end',
      actors: [{ name: 'cpu0', machine: cpu0 }, { name: 'cpu1', machine: cpu1 }, { name: 'tm', machine: timerMachine('tm', 'cpu0'), daemon: true, label: timerLabel }, devmem],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'cpu1', event: { type: 'start' } },
      ],
    };
    expect(explore(spec, { maxViolations: 10 }).violations).toEqual([]);
    expect(outcomeSet(spec, ['devmem']).finals).toEqual(['devmem=dev{count=1,irq=1,tasklet=0}']);
  });

  it('still reports what no idle CPU takes: a second start, an answer for the program that ended', () => {
    const twice: SystemSpec = {
      name: 'start-twice',
      actors: [{ name: 'cpu0', machine: cpuMachine({ id: 'cpu0', program: { initial: 'idle', states: { idle: { on: { start: 'done' } }, done: { type: 'final' } } } }) }],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'cpu0', event: { type: 'start' } },
      ],
    };
    expect(explore(twice).violations.map((v) => v.message)).toEqual(["unhandled message 'start' from (env) in state 'task.done' of actor 'cpu0'"]);
    // An answer for the program: a ping answered after the program stopped waiting for it.
    const echo = createMachine({ id: 'echo', on: { ping: { actions: send(({ event }: Args) => String(event.from), { type: 'pong' }) } } });
    const early: SystemSpec = {
      name: 'late-answer',
      actors: [{ name: 'cpu0', machine: cpuMachine({ id: 'cpu0', program: { initial: 'idle', states: { idle: { on: { start: { target: 'done', actions: send('echo', { type: 'ping' }) } } }, done: { type: 'final' } } } }) }, { name: 'echo', machine: echo, daemon: true }],
      initialMessages: [{ to: 'cpu0', event: { type: 'start' } }],
    };
    expect(explore(early).violations.map((v) => v.message)).toEqual(["unhandled message 'pong' from echo in state 'task.done' of actor 'cpu0'"]);
  });

  it('still reports a lock held at the end of the program, and a pending IRQ an idle CPU can never take', () => {
    const leaky: SystemSpec = {
      name: 'leak-at-end',
      actors: [{ name: 'cpu0', machine: straightLineCpu('cpu0', [calls.lock('L', 'L')]) }, lockGuard('L', ['L'])],
      initialMessages: [{ to: 'cpu0', event: { type: 'start' } }],
      checkers: [lockLeak],
    };
    expect(explore(leaky).violations.map((v) => v.message)).toEqual(['lock leak: cpu0 finished still holding L (guarded by L)']);
  });

  it('counts as finished only with an empty mailbox: softirqs left disabled at the end keep a timer from ever running', () => {
    // cpu0's program ends inside local_bh_disable; the timer cpu1 arms on it can never run.
    const cpu0 = cpuMachine({ id: 'cpu0', program: { initial: 'idle', states: { idle: { on: { start: { target: 'done', actions: localBhDisable() } } }, done: { type: 'final' } } }, timers: { tm: writes('count') } });
    const spec: SystemSpec = {
      name: 'bh-off-at-end',
      actors: [{ name: 'cpu0', machine: cpu0 }, { name: 'cpu1', machine: straightLineCpu('cpu1', [calls.setTimer('tm')]) }, { name: 'tm', machine: timerMachine('tm', 'cpu0'), daemon: true, label: timerLabel }, devmem],
      initialMessages: [
        { to: 'cpu0', event: { type: 'start' } },
        { to: 'cpu1', event: { type: 'start' } },
      ],
    };
    const found = explore(spec).violations;
    expect(found.map((v) => v.kind)).toEqual(['deadlock']);
    expect(found[0]?.deadlock?.blocked.map((b) => [b.actor, b.state, b.deferred])).toEqual([['cpu0', 'task.done', [TIMER_FIRE]]]);
  });
});
