/**
 * The interrupt controller (a GIC) as an actor: xen/arch/arm/gic.c and irq.c. See cpu.ts for
 * the CPU side (preemption, handlers, "Unknown IRQ").
 *
 * IRQ numbers follow the GIC: SGIs 0-15 (software-generated, sent to a named CPU: the SPMC's
 * Schedule Receiver Interrupt is one), PPIs 16-31 (private to one CPU), SPIs 32 and up (shared,
 * routed to one CPU by `irq.route`; default: the first CPU).
 *
 * | sender sends                     | controller does                                            |
 * |----------------------------------|------------------------------------------------------------|
 * | `irq.trigger {irq, cpu?}`        | SGI/PPI to `cpu`, SPI to its route: `irq.raise {irq}`, unless that IRQ is already active on that CPU, in which case it becomes pending (one pending bit: edges coalesce) |
 * | `irq.route {irq, cpu}`           | sets an SPI's target CPU                                   |
 * | `irq.eoi {irq}` (from the CPU)   | deactivates; a pending one is raised again                 |
 * | `cpu.offline` (from the CPU)     | stops delivering to it (triggers for it are dropped); answers `cpu.offline_ack` |
 *
 * Raising is an urgent message to the CPU (runtime/delivery.ts): the CPU takes it ahead of any
 * step already waiting in its mailbox while its IRQs are enabled, and the moment it unmasks them
 * otherwise, so the controller never needs to know what the CPU is doing.
 */
import { createMachine, enqueueActions } from 'xstate';
import { URGENT, answerTo, send, type Message } from '../runtime/model.js';
import { CPU_OFFLINE, CPU_OFFLINE_ACK } from './hotplug.js';

// The IRQ family's vocabulary, both sides: the controller's (`trigger`, `route`, `eoi`) and the
// CPU's (`raise`, `register`, `unregister`: protocols/cpu.ts takes them).
export const IRQ_TRIGGER = 'irq.trigger';
export const IRQ_ROUTE = 'irq.route';
/** The controller to a CPU: take IRQ `irq` (xen/arch/arm/irq.c `do_IRQ`). */
export const IRQ_RAISE = 'irq.raise';
/** A CPU to the controller: the handler for `irq` is done (`desc->handler->end`). */
export const IRQ_EOI = 'irq.eoi';
/** To a CPU: a handler for `irq` is (un)registered on it (`setup_irq`, `release_irq`). */
export const IRQ_REGISTER = 'irq.register';
export const IRQ_UNREGISTER = 'irq.unregister';

export const isSgi = (irq: number): boolean => irq >= 0 && irq < 16;
export const isPpi = (irq: number): boolean => irq >= 16 && irq < 32;
export const isSpi = (irq: number): boolean => irq >= 32;

export interface IrqControllerContext {
  cpus: string[];
  online: string[];
  /** SPI -> CPU. */
  routes: Record<string, string>;
  /** `irq@cpu` -> 'active' | 'pending' (active and one more pending). */
  state: Record<string, 'active' | 'pending'>;
}

export const irq = {
  trigger: (n: number, cpu?: string): Message => ({ type: IRQ_TRIGGER, irq: n, ...(cpu !== undefined ? { cpu } : {}) }),
  route: (n: number, cpu: string): Message => ({ type: IRQ_ROUTE, irq: n, cpu }),
  /** Urgent (runtime/model.ts `URGENT`): the CPU takes it ahead of its pending steps when IRQs are enabled. */
  raise: (n: number): Message => ({ type: IRQ_RAISE, irq: n, [URGENT]: true }),
  eoi: (n: number): Message => ({ type: IRQ_EOI, irq: n }),
  register: (n: number): Message => ({ type: IRQ_REGISTER, irq: n }),
  unregister: (n: number): Message => ({ type: IRQ_UNREGISTER, irq: n }),
};

type IrqEvent = Message & { irq: number; cpu?: string; from: string };

/** The controller for `cpus` (actor names); SPIs go to the first CPU unless routed. */
export function irqControllerMachine(id: string, cpus: string[], routes: Record<number, string> = {}) {
  return createMachine({
    id,
    types: {} as { context: IrqControllerContext },
    context: { cpus, online: [...cpus], routes: Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, v])), state: {} },
    on: {
      [IRQ_TRIGGER]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as IrqEvent;
          const target = isSpi(e.irq) ? (context.routes[String(e.irq)] ?? context.cpus[0]) : e.cpu;
          if (target === undefined) throw new Error(`irq.trigger of SGI/PPI ${e.irq} names no cpu`);
          if (!context.online.includes(target)) return; // an offline CPU takes no interrupts
          const key = `${e.irq}@${target}`;
          const s = context.state[key];
          if (s === undefined) {
            enqueue.assign({ state: { ...context.state, [key]: 'active' } });
            enqueue(send(target, irq.raise(e.irq)));
          } else if (s === 'active') enqueue.assign({ state: { ...context.state, [key]: 'pending' } });
        }),
      },
      [IRQ_ROUTE]: { actions: enqueueActions(({ context, event, enqueue }) => enqueue.assign({ routes: { ...context.routes, [String((event as unknown as IrqEvent).irq)]: String((event as unknown as IrqEvent).cpu) } })) },
      [IRQ_EOI]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as IrqEvent;
          const key = `${e.irq}@${e.from}`;
          const { [key]: s, ...rest } = context.state;
          if (s === 'pending') {
            enqueue.assign({ state: { ...rest, [key]: 'active' } });
            enqueue(send(e.from, irq.raise(e.irq)));
          } else enqueue.assign({ state: rest });
        }),
      },
      [CPU_OFFLINE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const who = String((event as unknown as IrqEvent).from);
          enqueue.assign({ online: context.online.filter((c) => c !== who) });
          enqueue(send(who, answerTo(event as unknown as Message, { type: CPU_OFFLINE_ACK })));
        }),
      },
    },
  });
}

/** Trace label: active/pending IRQs, e.g. `8@cpu1 27@cpu0+`. */
export function irqControllerLabel(context: IrqControllerContext): string {
  const entries = Object.entries(context.state).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length ? entries.map(([k, s]) => (s === 'pending' ? `${k}+` : k)).join(' ') : 'idle';
}
