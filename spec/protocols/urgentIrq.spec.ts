/**
 * Issue 11, fault 2: an IRQ raised to a CPU with IRQs enabled runs before any step of that CPU
 * already waiting in its mailbox (runtime/delivery.ts, urgent delivery), as the hardware takes
 * an interrupt at the next instruction boundary; with IRQs masked it waits, and is taken first
 * the moment they are unmasked.
 *
 * Each model logs, in cpu0's context, the order in which its program steps (p1, p2, ...) and
 * IRQ 1's handler ran; the outcome set is every order a final state holds. An order without irq
 * is a run where the IRQ came after the program ended (the CPU going offline drops it, as
 * Xen's offline CPU takes no interrupts). Before urgent delivery, `start` (queued before the IRQ
 * was raised) always ran first: no order began with irq.
 */
import { describe, expect, it } from 'vitest';
import { assign } from 'xstate';
import { assertThat, explore, send, type SystemSpec } from '../../runtime/index.js';
import { cpuMachine, irqDisable, irqEnable, lock, unlock, type BodyConfig } from '../../protocols/cpu.js';
import { IRQ_RAISE, irq, irqControllerMachine, irqControllerLabel } from '../../protocols/irq.js';
import { SPIN_GRANTED, lockResources, spinlockMachineWith } from '../../protocols/spinlock.js';
import { outcomeSet } from './outcomes.js';
import { Exploration } from '../../runtime/explorer.js';
import { runStrategy } from '../../runtime/strategies/index.js';

type Ctx = { log: string };
const log = (what: string) => assign({ log: ({ context }: { context: Ctx }) => (context.log ? `${context.log},${what}` : what) });

function model(name: string, program: BodyConfig, options: { irqsEnabled?: boolean; lockServer?: boolean } = {}): SystemSpec {
  const cpu0 = cpuMachine({
    id: 'cpu0',
    irqController: 'gic',
    registered: [1],
    context: { log: '' },
    ...(options.irqsEnabled === false ? { irqsEnabled: false } : {}),
    program,
    irqHandlers: { 1: { initial: 'out', start: log('irq'), states: { out: { type: 'final' } } } },
  });
  return {
    name,
    actors: [
      { name: 'cpu0', machine: cpu0, label: (c: Ctx) => c.log },
      ...(options.lockServer ? [{ name: 'dev', machine: spinlockMachineWith('dev', ['L'], { debugLocks: false }), daemon: true, resources: lockResources }] : []),
      { name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true, label: irqControllerLabel },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'gic', event: irq.trigger(1, 'cpu0') },
    ],
  };
}

/** Three program steps: `start`, then two continuations the program sends itself. */
const threeSteps = (first: unknown[] = [], second: unknown[] = []): BodyConfig => ({
  initial: 'idle',
  states: {
    idle: { on: { start: { target: 's1', actions: [log('p1'), ...first, send('cpu0', { type: 'go' })] } } },
    s1: { on: { go: { target: 's2', actions: [log('p2'), ...second, send('cpu0', { type: 'go2' })] } } },
    s2: { on: { go2: { target: 'done', actions: log('p3') } } },
    done: { type: 'final' },
  },
});

describe('urgent IRQ delivery (issue 11, fault 2)', () => {
  it('an IRQ raised after a step was queued can still run before it: every position of the handler is reachable', () => {
    const out = outcomeSet(model('urgent', threeSteps()), ['cpu0']);
    expect(out.verdict).toBe('verified');
    expect(out.finals).toEqual(['cpu0=irq,p1,p2,p3', 'cpu0=p1,irq,p2,p3', 'cpu0=p1,p2,irq,p3', 'cpu0=p1,p2,p3']);
  });

  it('an IRQ never runs while IRQs are masked, and runs first when they are unmasked, ahead of the step already queued', () => {
    // IRQs masked from the start; p2 unmasks them and queues p3. An IRQ raised meanwhile waits
    // (deferred) and then runs before p3, never after it: on hardware a pending IRQ is taken at
    // local_irq_enable. An IRQ raised after p3 ran finds the CPU gone offline.
    const masked = model('masked', threeSteps([], [irqEnable()]), { irqsEnabled: false });
    expect(outcomeSet(masked, ['cpu0']).finals).toEqual(['cpu0=p1,p2,irq,p3', 'cpu0=p1,p2,p3']);
    // Masking again in p1 (local_irq_disable) keeps the handler out of p1..p2 in every order.
    const disableThenEnable = model('disable', threeSteps([irqDisable()], [irqEnable()]));
    expect(outcomeSet(disableThenEnable, ['cpu0']).finals).toEqual(['cpu0=irq,p1,p2,p3', 'cpu0=p1,p2,irq,p3', 'cpu0=p1,p2,p3']);
  });

  it('the handler runs before a lock grant already waiting for the interrupted code, and never takes it (fault 1 with fault 2)', () => {
    // cpu0 asks for L (plain spin_lock, IRQs on); the grant may be queued before the IRQ is raised.
    // The handler then runs first (the grant waits: it is the program's), and the program takes
    // its own grant after the handler returns.
    const program: BodyConfig = {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'waiting', actions: [log('ask'), lock('dev', 'L')] } } },
        waiting: { on: { [SPIN_GRANTED]: { target: 'done', actions: [log('granted'), unlock('dev', 'L')] } } },
        done: { type: 'final' },
      },
    };
    const spec = model('grant', program, { lockServer: true });
    const result = explore(spec);
    expect(result.verdict).toBe('verified');
    expect(outcomeSet(spec, ['cpu0']).finals).toEqual(['cpu0=ask,granted', 'cpu0=ask,irq,granted', 'cpu0=irq,ask,granted']);
    // The handler ran with the program's grant already queued ahead of the IRQ in cpu0's mailbox.
    expect(grantQueuedBeforeIrqTaken(spec)).toBe(true);
  });

  it('DPOR (a send to an actor is dependent with its step) finds the IRQ that overtakes a queued step, as BFS does', () => {
    // The handler asserts that the program has made its first step; only an IRQ taken ahead of
    // the queued `start` breaks it. (No log here: the abstraction DPOR computes first pairs every
    // local state with every message, and a growing log would have no end.)
    const stage = (n: number) => assign({ stage: n });
    const cpu0 = cpuMachine({
      id: 'cpu0',
      irqController: 'gic',
      registered: [1],
      context: { stage: 0 },
      program: {
        initial: 'idle',
        states: {
          idle: { on: { start: { target: 's1', actions: [stage(1), send('cpu0', { type: 'go' })] } } },
          s1: { on: { go: { target: 'done', actions: stage(2) } } },
          done: { type: 'final' },
        },
      },
      irqHandlers: { 1: { initial: 'out', start: assertThat(({ context }: { context: { stage: number } }) => context.stage >= 1, 'the IRQ ran before the program started'), states: { out: { type: 'final' } } } },
    });
    const spec: SystemSpec = { ...model('overtake', threeSteps()), actors: [{ name: 'cpu0', machine: cpu0 }, { name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true }] };
    const bfs = explore(spec, { maxViolations: 10 });
    const dpor = runStrategy('dpor', spec, { maxViolations: 10 });
    expect(bfs.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual(["assertion: assertion failed in actor 'cpu0': the IRQ ran before the program started"]);
    expect(dpor.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual(bfs.violations.map((v) => `${v.kind}: ${v.message}`));
    expect(dpor.complete).toBe(true);
  });
});

/**
 * True if some explored run has cpu0 take `irq.raise` while a `spin.granted` sent to cpu0 before
 * that raise was still in its mailbox (FIFO delivery would have given the grant first).
 */
function grantQueuedBeforeIrqTaken(spec: SystemSpec): boolean {
  const ex = new Exploration(spec, {});
  while (!ex.done) ex.advance(Number.MAX_SAFE_INTEGER);
  const { kernel, store } = ex;
  const cpu = kernel.system.actorIndex.get('cpu0') as number;
  const v = kernel.newState();
  for (let id = 0; id < store.size; id++) {
    store.read(id, v);
    const box = kernel.mailbox(v, cpu).map((m) => kernel.table.message(m).type);
    const g = box.indexOf(SPIN_GRANTED);
    const r = box.indexOf(IRQ_RAISE);
    if (g < 0 || r < g || !kernel.enabledActors(v).includes(cpu)) continue;
    const out = kernel.newState();
    kernel.step(v, cpu, out);
    if ((kernel.snapshot(out, cpu).context as Ctx).log.endsWith('irq')) return true;
  }
  return false;
}
