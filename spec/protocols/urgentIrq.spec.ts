/**
 * Issue 11, fault 2: an IRQ raised to a CPU with IRQs enabled runs before any step of that CPU
 * already waiting in its mailbox (runtime/delivery.ts, urgent delivery), as the hardware takes
 * an interrupt at the next instruction boundary; with IRQs masked it waits, and is taken first
 * the moment they are unmasked.
 *
 * The models (spec/protocols/urgentModels.ts) log the order in which cpu0's program steps and
 * IRQ 1's handler ran; the outcome set is every order a final state holds. Before urgent
 * delivery, `start` (queued before the IRQ was raised) always ran first: no order began with irq.
 * spec/strategies/dporUrgent.spec.ts checks the reducing search on the same models.
 */
import { describe, expect, it } from 'vitest';
import { assertThat, explore, send, type SystemSpec } from '../../runtime/index.js';
import { createMachine } from 'xstate';
import { IRQ_RAISE } from '../../protocols/irq.js';
import { SPIN_GRANTED } from '../../protocols/spinlock.js';
import { outcomeSet } from './outcomes.js';
import { Exploration } from '../../runtime/explorer.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import { disableThenEnableModel, grantModel, maskedModel, overtakeModel, urgentModel, type Ctx } from './urgentModels.js';

describe('urgent IRQ delivery (issue 11, fault 2)', () => {
  it('an IRQ raised after a step was queued can still run before it: every position of the handler is reachable', () => {
    const out = outcomeSet(urgentModel(), ['cpu0']);
    expect(out.verdict).toBe('verified');
    expect(out.finals).toEqual(['cpu0=irq,p1,p2,p3', 'cpu0=p1,irq,p2,p3', 'cpu0=p1,p2,irq,p3', 'cpu0=p1,p2,p3,irq']);
  });

  it('an IRQ never runs while IRQs are masked, and runs first when they are unmasked, ahead of the step already queued', () => {
    // IRQs masked from the start; p2 unmasks them and queues p3. An IRQ raised meanwhile waits
    // (deferred) and then runs before p3, never after it: on hardware a pending IRQ is taken at
    // local_irq_enable. An IRQ raised after p3 ran is taken by the CPU idling after its program.
    expect(outcomeSet(maskedModel(), ['cpu0']).finals).toEqual(['cpu0=p1,p2,irq,p3', 'cpu0=p1,p2,p3,irq']);
    // Masking again in p1 (local_irq_disable) keeps the handler out of p1..p2 in every order.
    expect(outcomeSet(disableThenEnableModel(), ['cpu0']).finals).toEqual(['cpu0=irq,p1,p2,p3', 'cpu0=p1,p2,irq,p3', 'cpu0=p1,p2,p3,irq']);
  });

  it('the handler runs before a lock grant already waiting for the interrupted code, and never takes it (fault 1 with fault 2)', () => {
    // cpu0 asks for L (plain spin_lock, IRQs on); the grant may be queued before the IRQ is raised.
    // The handler then runs first (the grant waits: it is the program's), and the program takes
    // its own grant after the handler returns.
    const spec = grantModel();
    const result = explore(spec);
    expect(result.verdict).toBe('verified');
    expect(outcomeSet(spec, ['cpu0']).finals).toEqual(['cpu0=ask,granted,irq', 'cpu0=ask,irq,granted', 'cpu0=irq,ask,granted']);
    // The handler ran with the program's grant already queued ahead of the IRQ in cpu0's mailbox.
    expect(grantQueuedBeforeIrqTaken(spec)).toBe(true);
  });

  it('DPOR (an urgent send is dependent with its receiver\'s step) finds the IRQ that overtakes a queued step, as BFS does', () => {
    const spec = overtakeModel();
    const bfs = explore(spec, { maxViolations: 10 });
    const dpor = runStrategy('dpor', spec, { maxViolations: 10 });
    expect(bfs.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual(["assertion: assertion failed in actor 'cpu0': the IRQ ran before the program started"]);
    expect(dpor.violations.map((v) => `${v.kind}: ${v.message}`)).toEqual(bfs.violations.map((v) => `${v.kind}: ${v.message}`));
    expect(dpor.complete).toBe(true);
  });

  it("a model's own message field named like the runtime's flag (urgent, as a protocol's priority bit) is data: FIFO order holds", () => {
    // Hostile tester (F1): the runtime's urgency flag was the plain key 'urgent', so a user's
    // { type: 'second', urgent: true } overtook 'first' and BFS, DFS and DPOR reported a false
    // violation. The runtime's key is now its own ('interleave.urgent'); every strategy agrees.
    const a = createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'd', actions: [send('b', { type: 'first' }), send('b', { type: 'second', urgent: true, priority: 'urgent' })] } } }, d: { type: 'final' } } });
    const b = createMachine({
      id: 'b',
      initial: 'w1',
      states: {
        w1: { on: { first: 'w2', second: { target: 'd', actions: assertThat(() => false, 'FIFO broken: second before first') } } },
        w2: { on: { second: 'd' } },
        d: { type: 'final' },
      },
    });
    const spec: SystemSpec = { name: 'user urgent field', actors: [{ name: 'a', machine: a }, { name: 'b', machine: b }], initialMessages: [{ to: 'a', event: { type: 'go' } }] };
    for (const strategy of ['bfs', 'dfs', 'dpor'] as const) {
      const result = runStrategy(strategy, spec, {});
      expect(result.violations.map((v) => v.message), strategy).toEqual([]);
      expect(result.verdict, strategy).toBe('verified');
    }
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
