import { describe, expect, it } from 'vitest';
import { assign, createMachine } from 'xstate';
import { explore, send, type GlobalView, type SystemSpec } from '../../runtime/index.js';
import { cpuMachine, irqDisable, irqEnable, programEnded } from '../../protocols/cpu.js';
import { irq, irqControllerMachine } from '../../protocols/irq.js';

/**
 * cpu0 runs three steps (a, b, c), each logging its name; IRQ 5's handler logs 'irq'. The log
 * shows where the handler ran. With `masked`, steps a..b run with IRQs disabled.
 */
function system(options: { registered: boolean; masked?: boolean }): SystemSpec {
  const step = (name: string, next: string, extra: unknown[] = []) => ({ on: { [name]: { target: next, actions: [send('log', { type: 'log', what: name }), send('cpu0', { type: nextOf(name) }), ...extra] } } });
  const nextOf = (n: string): string => ({ a: 'b', b: 'c', c: 'end' })[n] as string;
  const cpu0 = cpuMachine({
    id: 'cpu0',
    irqController: 'gic',
    registered: options.registered ? [5] : [],
    program: {
      initial: 'idle',
      states: {
        idle: { on: { go: { target: 'A', actions: [send('cpu0', { type: 'a' }), ...(options.masked ? [irqDisable()] : [])] } } },
        A: step('a', 'B'),
        B: step('b', 'C', options.masked ? [irqEnable()] : []),
        C: step('c', 'D'),
        D: { on: { end: 'done' } },
        done: { type: 'final' },
      },
    },
    irqHandlers: { 5: { initial: 'out', start: send('log', { type: 'log', what: 'irq' }), states: { out: { type: 'final' } } } },
  });
  const log = createMachine({ id: 'log', types: {} as { context: { seen: string[] } }, context: { seen: [] }, on: { log: { actions: assign(({ context, event }) => ({ seen: [...context.seen, String(event.what)] })) } } });
  return {
    name: 'cpu-irq',
    actors: [
      { name: 'cpu0', machine: cpu0 },
      { name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true },
      { name: 'log', machine: log, daemon: true },
      { name: 'env', machine: createMachine({ id: 'env', initial: 'a', states: { a: { on: { kick: { target: 'b', actions: send('cpu0', { type: 'go' }) } } }, b: { type: 'final' } } }) },
    ],
    initialMessages: [
      { to: 'env', event: { type: 'kick' } },
      { to: 'gic', event: irq.trigger(5, 'cpu0') },
    ],
  };
}

/** Every final log over all interleavings (cpu0's program has ended and every mailbox is empty). */
function outcomes(spec: SystemSpec): string[] {
  const seen = new Set<string>();
  const atRest = (v: GlobalView): boolean => programEnded(v.actor('cpu0')) && v.actorNames.every((n) => v.mailbox(n).length === 0);
  explore({ ...spec, invariants: [{ name: 'collect', check: (v: GlobalView) => (atRest(v) && seen.add((v.actor('log').context as { seen: string[] }).seen.join(' ')), true) }] });
  return [...seen].sort();
}

describe('CPU: IRQ preemption', () => {
  it('should let the IRQ handler run between any two steps of the program while IRQs are enabled, or after it (the CPU idles)', () => {
    expect(outcomes(system({ registered: true }))).toEqual(['a b c irq', 'a b irq c', 'a irq b c', 'irq a b c']);
  });

  it('should defer the IRQ while IRQs are disabled (never between a and b)', () => {
    expect(outcomes(system({ registered: true, masked: true }))).toEqual(['a b c irq', 'a b irq c', 'irq a b c']);
  });

  it('should drop an IRQ with no handler on that CPU (Unknown IRQ) and still EOI it', () => {
    expect(outcomes(system({ registered: false }))).toEqual(['a b c']);
    expect(explore(system({ registered: false })).verdict).toBe('verified');
  });
});
