/**
 * RCU as an actor: xen/common/rcupdate.c (`call_rcu`, `rcu_start_batch`, `cpu_quiet`,
 * `rcu_check_quiescent_state`, `rcu_process_callbacks`, `synchronize_rcu`).
 *
 * Readers are CPU-local, as in Xen: `rcu_read_lock`/`rcu_read_unlock` only change the CPU's
 * `exec.rcu` depth (protocols/cpu.ts `rcuReadLock`). A grace period starts when there are
 * callbacks; the RCU actor then asks every online CPU for a quiescent state (`rcu.qs_request`,
 * Xen's RCU_SOFTIRQ). A CPU answers only from softirq processing, at a softirq point of its
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
 * | `cpu.offline`                    | a CPU    | no longer waited for; answers `cpu.offline_ack` |
 */
import { createMachine, enqueueActions } from 'xstate';
import { answerTo, send, type Message } from '../runtime/model.js';
import { CPU_OFFLINE, CPU_OFFLINE_ACK } from './hotplug.js';

// The RCU family's vocabulary, both sides (the CPU side is protocols/cpu.ts).
export const RCU_CALL = 'rcu.call';
export const RCU_SYNCHRONIZE = 'rcu.synchronize';
export const RCU_SYNCHRONIZED = 'rcu.synchronized';
/** RCU to a CPU: report a quiescent state for grace period `gp` (RCU_SOFTIRQ raised). */
export const RCU_QS_REQUEST = 'rcu.qs_request';
/** A CPU to RCU: passed a quiescent state in grace period `gp` (`cpu_quiet`). */
export const RCU_QUIESCENT = 'rcu.quiescent';

export interface RcuCallback {
  to: string;
  event: Message;
}

export interface RcuContext {
  online: string[];
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
};

type Enqueue = { assign: (x: Partial<RcuContext>) => void } & ((action: unknown) => void);

/** Starts a grace period for `cbs`, or goes idle. */
function start(c: RcuContext, cbs: RcuCallback[], next: RcuCallback[], enqueue: Enqueue): void {
  if (cbs.length === 0) {
    enqueue.assign({ busy: false, cur: [], next, waiting: [] });
    return;
  }
  const gp = (c.gp + 1) % 2;
  enqueue.assign({ busy: true, gp, cur: cbs, next, waiting: [...c.online] });
  for (const cpu of c.online) enqueue(send(cpu, rcu.qsRequest(gp)));
  if (c.online.length === 0) finish({ ...c, gp, cur: cbs, next, waiting: [] }, enqueue);
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

export function rcuMachine(id: string, cpus: string[]) {
  return createMachine({
    id,
    types: {} as { context: RcuContext },
    context: { online: [...cpus], busy: false, gp: 0, waiting: [], cur: [], next: [] },
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
      [CPU_OFFLINE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const who = String((event as Message).from);
          const online = context.online.filter((c) => c !== who);
          const waiting = context.waiting.filter((c) => c !== who);
          enqueue(send(who, answerTo(event as Message, { type: CPU_OFFLINE_ACK })));
          enqueue.assign({ online, waiting });
          if (context.busy && waiting.length === 0) finish({ ...context, online, waiting }, enqueue as unknown as Enqueue);
        }),
      },
    },
  });
}

export function rcuLabel(c: RcuContext): string {
  if (!c.busy) return c.next.length ? `idle +${c.next.length}` : 'idle';
  return `gp wait ${c.waiting.join(',') || '-'} (${c.cur.length} cb${c.next.length ? ` +${c.next.length}` : ''})`;
}
