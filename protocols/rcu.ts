/**
 * RCU as an actor: xen/common/rcupdate.c (`call_rcu`, `rcu_start_batch`, `cpu_quiet`,
 * `rcu_check_quiescent_state`, `rcu_process_callbacks`, `synchronize_rcu`).
 *
 * Readers are CPU-local, as in Xen: `rcu_read_lock`/`rcu_read_unlock` only change the CPU's
 * `exec.rcu` depth (protocols/cpu.ts `rcuReadLock`). A grace period starts when there are
 * callbacks; the RCU actor then asks every online CPU that is not idle for a quiescent state
 * (`rcu.qs_request`, Xen's RCU_SOFTIRQ): `rcu_start_batch` sets `rcp->cpumask` to
 * `cpu_online_map & ~rcp->idle_cpumask`. A CPU is in the idle mask from `rcu_idle_enter` to
 * `rcu_idle_exit`, which xen/arch/arm/domain.c `do_idle` calls around the `wfi`: so a CPU
 * sleeping in the idle loop is not waited for at all, while one running a tasklet or a timer
 * (`do_tasklet`, `do_softirq`, outside `do_idle`) is. A CPU that enters the idle mask after a
 * grace period began still answers for it (Xen: `rcu_idle_enter`'s barrier and the
 * `process_pending_softirqs` after it take it through `cpu_quiet`). An IRQ handler that runs
 * on a CPU woken from `wfi` runs before `rcu_idle_exit`, inside the idle mask: a read-side
 * section there is not waited for by a grace period that starts meanwhile. A CPU answers only from softirq processing, at a softirq point of its
 * program and never inside a read-side section (cpu.ts asserts it): so a grace period ends
 * only after every reader that was inside when it began has left. Callbacks registered during
 * a grace period wait for the next one (Xen's `nxtlist` -> `curlist` batches). When a grace
 * period ends, its callbacks run: each is a message the RCU actor sends (e.g. the domain
 * table's `domain.complete_destroy`).
 *
 * | message                          | from     | RCU does                                 |
 * |----------------------------------|----------|------------------------------------------|
 * | `rcu.call {to, event}`           | anyone   | call_rcu: send `event` to `to` after a grace period |
 * | `rcu.synchronize`                | a CPU    | answers `rcu.synchronized` after a grace period (the waiting state must be a softirq point, or the grace period never ends) |
 * | `rcu.quiescent {gp}`             | a CPU    | that CPU passed a quiescent state         |
 * | `rcu.idle_enter`                 | a CPU    | rcu_idle_enter: into the idle mask        |
 * | `rcu.idle_exit`                  | a CPU    | rcu_idle_exit: out of it; answers `rcu.idle_exited` |
 * | `cpu.offline`                    | a CPU    | no longer waited for; answers `cpu.offline_ack` |
 *
 * Not modelled: the per-CPU callback lists and `rcu_idle_timer` (which wakes an idle CPU that
 * has callbacks queued): callbacks here are one global batch, run by this actor.
 */
import { createMachine, enqueueActions } from 'xstate';
import { answerTo, send, type Message } from '../runtime/model.js';
import type { BodyConfig } from './cpu.js';
import { CPU_OFFLINE, CPU_OFFLINE_ACK } from './hotplug.js';

// The RCU family's vocabulary, both sides (the CPU side is protocols/cpu.ts).
export const RCU_CALL = 'rcu.call';
export const RCU_SYNCHRONIZE = 'rcu.synchronize';
export const RCU_SYNCHRONIZED = 'rcu.synchronized';
/** RCU to a CPU: report a quiescent state for grace period `gp` (RCU_SOFTIRQ raised). */
export const RCU_QS_REQUEST = 'rcu.qs_request';
/** A CPU to RCU: passed a quiescent state in grace period `gp` (`cpu_quiet`). */
export const RCU_QUIESCENT = 'rcu.quiescent';
/** A CPU to RCU: `rcu_idle_enter` (sets its bit in `idle_cpumask`). */
export const RCU_IDLE_ENTER = 'rcu.idle_enter';
/** A CPU to RCU: `rcu_idle_exit` (clears it). The CPU waits for {@link RCU_IDLE_EXITED}. */
export const RCU_IDLE_EXIT = 'rcu.idle_exit';
/**
 * RCU to a CPU: its bit is clear. The CPU waits for this before it runs anything else, so that a
 * grace period that starts after `rcu_idle_exit` returned sees the CPU as not idle, as it would in
 * Xen under sequential consistency (the model delivers messages late; a store does not wait).
 * `rcu_idle_enter` needs no answer: until RCU takes it the CPU only counts as busy, and it answers
 * `rcu.qs_request` from the idle loop anyway.
 */
export const RCU_IDLE_EXITED = 'rcu.idle_exited';

export interface RcuCallback {
  to: string;
  event: Message;
}

export interface RcuContext {
  online: string[];
  /** `rcp->idle_cpumask`: CPUs a grace period that starts now does not wait for. */
  idle: string[];
  /** A grace period is in progress. */
  busy: boolean;
  /** Parity of the current grace period (tells a late answer from a current one). */
  gp: number;
  /** CPUs that have not yet passed a quiescent state in this grace period. */
  waiting: string[];
  /** Callbacks waiting for the current grace period. */
  cur: RcuCallback[];
  /** Callbacks registered during it: they wait for the next. */
  next: RcuCallback[];
}

export const rcu = {
  call: (to: string, event: Message): Message => ({ type: RCU_CALL, to, event }),
  synchronize: (): Message => ({ type: RCU_SYNCHRONIZE }),
  qsRequest: (gp: number): Message => ({ type: RCU_QS_REQUEST, gp }),
  quiescent: (gp: number): Message => ({ type: RCU_QUIESCENT, gp }),
  idleEnter: (): Message => ({ type: RCU_IDLE_ENTER }),
  idleExit: (): Message => ({ type: RCU_IDLE_EXIT }),
};

/** Options of {@link rcuMachine}. */
export interface RcuOptions {
  /** CPUs in the idle mask at the start (sleeping in `do_idle`); default none. */
  idle?: string[];
}

type Enqueue = { assign: (x: Partial<RcuContext>) => void } & ((action: unknown) => void);

/** Starts a grace period for `cbs`, or goes idle. */
function start(c: RcuContext, cbs: RcuCallback[], next: RcuCallback[], enqueue: Enqueue): void {
  if (cbs.length === 0) {
    enqueue.assign({ busy: false, cur: [], next, waiting: [] });
    return;
  }
  const gp = (c.gp + 1) % 2;
  // rcu_start_batch: cpumask_andnot(&rcp->cpumask, &cpu_online_map, &rcp->idle_cpumask).
  const waiting = c.online.filter((cpu) => !c.idle.includes(cpu));
  enqueue.assign({ busy: true, gp, cur: cbs, next, waiting });
  for (const cpu of waiting) enqueue(send(cpu, rcu.qsRequest(gp)));
  if (waiting.length === 0) finish({ ...c, gp, cur: cbs, next, waiting: [] }, enqueue);
}

/** The grace period ended: run its callbacks, start the next one. */
function finish(c: RcuContext, enqueue: Enqueue): void {
  for (const cb of c.cur) enqueue(send(cb.to, cb.event));
  start(c, c.next, [], enqueue);
}

function queue(c: RcuContext, cb: RcuCallback, enqueue: Enqueue): void {
  if (c.busy) enqueue.assign({ next: [...c.next, cb] });
  else start(c, [cb], c.next, enqueue);
}

/**
 * The RCU actor for `cpus`, with `options.idle` asleep in the idle loop at the start.
 *
 * @example
 * ```ts
 * { name: 'rcu', machine: rcuMachine('rcu', ['cpu0', 'cpu1'], { idle: ['cpu0'] }), daemon: true, label: rcuLabel }
 * ```
 */
export function rcuMachine(id: string, cpus: string[], options: RcuOptions = {}) {
  const idle = [...(options.idle ?? [])].filter((c) => cpus.includes(c)).sort();
  return createMachine({
    id,
    types: {} as { context: RcuContext },
    context: { online: [...cpus], idle, busy: false, gp: 0, waiting: [], cur: [], next: [] },
    on: {
      [RCU_CALL]: { actions: enqueueActions(({ context, event, enqueue }) => queue(context, { to: String((event as Message).to), event: (event as Message).event as Message }, enqueue as unknown as Enqueue)) },
      [RCU_SYNCHRONIZE]: { actions: enqueueActions(({ context, event, enqueue }) => queue(context, { to: String((event as Message).from), event: answerTo(event as Message, { type: RCU_SYNCHRONIZED }) }, enqueue as unknown as Enqueue)) },
      [RCU_QUIESCENT]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as Message;
          if (!context.busy || e.gp !== context.gp) return; // a late answer for an earlier grace period
          const waiting = context.waiting.filter((c) => c !== e.from);
          if (waiting.length > 0) enqueue.assign({ waiting });
          else finish({ ...context, waiting }, enqueue as unknown as Enqueue);
        }),
      },
      // The mask only decides whom the next grace period waits for: a CPU already waited for still answers.
      [RCU_IDLE_ENTER]: { actions: enqueueActions(({ context, event, enqueue }) => enqueue.assign({ idle: [...new Set([...context.idle, String((event as Message).from)])].sort() })) },
      [RCU_IDLE_EXIT]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as Message;
          enqueue.assign({ idle: context.idle.filter((c) => c !== e.from) });
          enqueue(send(String(e.from), answerTo(e, { type: RCU_IDLE_EXITED })));
        }),
      },
      [CPU_OFFLINE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const who = String((event as Message).from);
          const online = context.online.filter((c) => c !== who);
          const waiting = context.waiting.filter((c) => c !== who);
          enqueue(send(who, answerTo(event as Message, { type: CPU_OFFLINE_ACK })));
          enqueue.assign({ online, waiting, idle: context.idle.filter((c) => c !== who) });
          if (context.busy && waiting.length === 0) finish({ ...context, online, waiting }, enqueue as unknown as Enqueue);
        }),
      },
    },
  });
}

/**
 * A tasklet or timer body that an idle CPU runs from its idle loop (xen/arch/arm/domain.c
 * `idle_loop`: `do_tasklet` / `do_softirq` between two `do_idle` calls): `rcu_idle_exit` before
 * it (the CPU left `do_idle` to run it) and `rcu_idle_enter` after it (the next `do_idle`), sent
 * to the RCU actor `rcuActor`. The CPU must be in that actor's idle mask when the body starts.
 */
export function idleLoopBody(body: BodyConfig, rcuActor: string): BodyConfig {
  const start = body.start === undefined ? [] : Array.isArray(body.start) ? body.start : [body.start];
  return {
    initial: 'exit',
    start: [send(rcuActor, rcu.idleExit())],
    states: {
      // rcu_idle_exit returns once the bit is clear; then the body starts (its own start actions).
      exit: { on: { [RCU_IDLE_EXITED]: { target: 'run', actions: start } } },
      run: { initial: body.initial, states: body.states, onDone: 'idle' },
      // Eventless: taken in the same step as the body's last one.
      idle: { always: { target: 'done', actions: send(rcuActor, rcu.idleEnter()) } },
      done: { type: 'final' },
    },
  };
}

/** Trace label: `idle`, or `gp wait cpu1 (1 cb)`; CPUs in the idle mask after a `z:`. */
export function rcuLabel(c: RcuContext): string {
  const sleeping = c.idle?.length ? ` z:${c.idle.join(',')}` : '';
  if (!c.busy) return `${c.next.length ? `idle +${c.next.length}` : 'idle'}${sleeping}`;
  return `gp wait ${c.waiting.join(',') || '-'} (${c.cur.length} cb${c.next.length ? ` +${c.next.length}` : ''})${sleeping}`;
}
