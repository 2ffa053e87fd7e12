/**
 * The small models of issue 11, fault 2 (urgent IRQ delivery, runtime/delivery.ts), shared by
 * spec/protocols/urgentIrq.spec.ts (what each model's outcome set is) and
 * spec/strategies/dporUrgent.spec.ts (the reducing search gives breadth-first search's answers
 * on each).
 *
 * Each model logs, in cpu0's context, the order in which its program steps (p1, p2, ...) and
 * IRQ 1's handler ran; irq last is a run where the IRQ came after the program ended (the CPU,
 * idle then, takes it: protocols/cpu.ts).
 */
import { assign } from 'xstate';
import { assertThat, send, type SystemSpec } from '../../runtime/index.js';
import { cpuMachine, irqDisable, irqEnable, lock, unlock, type BodyConfig } from '../../protocols/cpu.js';
import { irq, irqControllerMachine, irqControllerLabel } from '../../protocols/irq.js';
import { SPIN_GRANTED, lockResources, spinlockMachineWith } from '../../protocols/spinlock.js';

export type Ctx = { log: string };
const log = (what: string) => assign({ log: ({ context }: { context: Ctx }) => (context.log ? `${context.log},${what}` : what) });

/** cpu0 running `program` with IRQ 1 registered (its handler logs `irq`), the GIC, and IRQ 1 triggered once. */
export function model(name: string, program: BodyConfig, options: { irqsEnabled?: boolean; lockServer?: boolean } = {}): SystemSpec {
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
export const threeSteps = (first: unknown[] = [], second: unknown[] = []): BodyConfig => ({
  initial: 'idle',
  states: {
    idle: { on: { start: { target: 's1', actions: [log('p1'), ...first, send('cpu0', { type: 'go' })] } } },
    s1: { on: { go: { target: 's2', actions: [log('p2'), ...second, send('cpu0', { type: 'go2' })] } } },
    s2: { on: { go2: { target: 'done', actions: log('p3') } } },
    done: { type: 'final' },
  },
});

/** IRQs on: the handler may come before, between or after the three steps. */
export const urgentModel = (): SystemSpec => model('urgent', threeSteps());

/** IRQs masked from the start; p2 unmasks them and queues p3. */
export const maskedModel = (): SystemSpec => model('masked', threeSteps([], [irqEnable()]), { irqsEnabled: false });

/** p1 masks IRQs (local_irq_disable), p2 unmasks them. */
export const disableThenEnableModel = (): SystemSpec => model('disable', threeSteps([irqDisable()], [irqEnable()]));

/** cpu0 asks for L with plain spin_lock (IRQs on) and takes its grant; the handler may run while the grant waits. */
export function grantModel(): SystemSpec {
  const program: BodyConfig = {
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'waiting', actions: [log('ask'), lock('dev', 'L')] } } },
      waiting: { on: { [SPIN_GRANTED]: { target: 'done', actions: [log('granted'), unlock('dev', 'L')] } } },
      done: { type: 'final' },
    },
  };
  return model('grant', program, { lockServer: true });
}

/** The handler asserts that the program has made its first step: only an IRQ taken ahead of the queued `start` breaks it. */
export function overtakeModel(): SystemSpec {
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
  return { ...model('overtake', threeSteps()), actors: [{ name: 'cpu0', machine: cpu0 }, { name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true }] };
}

/** Every model above, by name. */
export const URGENT_MODELS: ReadonlyArray<readonly [string, () => SystemSpec]> = [
  ['urgent', urgentModel],
  ['masked', maskedModel],
  ['disable', disableThenEnableModel],
  ['grant', grantModel],
  ['overtake', overtakeModel],
];
