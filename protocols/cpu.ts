/**
 * A physical CPU as an actor: its program, the IRQ handlers and softirq work that preempt it,
 * and its execution context (`context.exec`, see runtime/checkers/conventions.ts) that the
 * checkers read. DESIGN.md decision 6.
 *
 * Follows Xen's arm IRQ and softirq paths: xen/arch/arm/irq.c `do_IRQ` (a handler runs on the
 * CPU the IRQ was routed to, with IRQs masked, and an IRQ with no action is dropped with
 * "Unknown IRQ" after EOI), xen/common/softirq.c `__do_softirq` (softirq work runs only at
 * softirq points: the idle loop, the return to guest, `process_pending_softirqs`) and
 * xen/common/tasklet.c `do_tasklet_work` (a tasklet body runs on one CPU, then tells the tasklet
 * it is done) and xen/common/timer.c `timer_softirq_action` (a timer callback runs if the timer is
 * still due when TIMER_SOFTIRQ takes it off its queue, then the timer is told it returned).
 *
 * Structure of the machine {@link cpuMachine} builds:
 *
 *     root ── task ─┬─ <program states>         the CPU's own code
 *           │       ├─ tasklet:<name>, timer:<name>  softirq bodies (entered from softirq points)
 *           │       └─ hist (deep history)
 *           └─ irq:<n>   one per IRQ handler     entered from anywhere in `task`
 *
 * The program's end is not the CPU's: a final state of the program becomes the CPU's idle loop
 * (xen/arch/arm/domain.c `idle_loop`: `do_tasklet`, `do_softirq` and `do_idle`'s wait for an
 * interrupt with IRQs enabled; Linux's `do_idle` likewise). There the CPU keeps taking what a
 * CPU takes while idle: IRQs (IRQs are enabled in the idle loop), timer callbacks, tasklets and
 * RCU's quiescent-state requests (the idle state is a softirq point), so a `timer.fire` queued
 * before `del_timer_sync` returned, or an IRQ raised to it, is handled, not an unhandled
 * message. Only what no idle CPU takes (an answer for the program that ended, a second `start`)
 * is unhandled. The idle state keeps the final state's name, is marked a valid end state
 * (`meta.end`: with an empty mailbox the CPU counts as finished, not deadlocked) and sets
 * `exec.ended` ({@link programEnded}: what `status === 'done'` used to say of a CPU).
 *
 * Preemption is messages: the IRQ controller sends `irq.raise {irq}`. Every state in `task`
 * takes it while `exec.irqsEnabled` (and defers it otherwise), pushes an `irq` frame, masks IRQs
 * and runs the handler's states; when the handler reaches its final state the CPU sends
 * `irq.eoi` to the controller, pops the frame, restores the IRQ flag and resumes exactly where
 * it was (deep history). So an IRQ may come between any two steps of the program while IRQs
 * are enabled. Program states must therefore not use entry/exit actions (resuming re-enters).
 *
 * Softirq work (`tasklet.run`, `timer.fire`, `rcu.qs_request`) waits in the mailbox until the
 * program is in a state marked {@link softirqPoint}, where the CPU runs it: a tasklet or timer
 * body, or an RCU quiescent-state report (only from softirq processing, as in Xen). A tasklet or
 * timer is asked first whether it is still due (`tasklet.begin`/`timer.begin`: it may have been
 * moved, stopped, killed or re-armed since it was raised) and told when its body returns
 * (`tasklet.done`/`timer.end`): see tasklet.ts and timer.ts.
 *
 * Answers reach the context that asked (runtime/model.ts `FRAME`). A CPU runs several contexts
 * that each wait for their own answers: the program (task context, with the hypercalls it
 * makes), and the IRQ handlers and softirq bodies that interrupt it. What a handler or softirq
 * body sends carries `frame` (its name: `irq 8`, the tasklet's); answers to it carry `toFrame`,
 * and only that body takes them. The program takes only answers without `toFrame`. So a
 * handler that asks for the lock its interrupted code is waiting for waits behind it forever,
 * as the CPU spins forever on hardware (Linux and Xen: a ticket belongs to the code that took
 * it), instead of taking that code's grant. An answer for a body that has returned is an
 * assertion violation: a body must take the answers to its requests before it ends.
 *
 * Lock bookkeeping: {@link lock}/{@link unlock} and friends send the protocol messages and keep
 * `exec.held` (the locks this CPU holds) and `exec.saved` (irqsave flags); the machine records
 * grants itself on every `spin.granted`, `rw.granted` and successful `spin.trylock.result`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- xstate state configs are spliced generically here */
import { and, assign, createMachine } from 'xstate';
import { FRAME, TO_FRAME, assertThat, send, type Message } from '../runtime/model.js';
import { LOCK_GRANT, MEM_VALUE, currentFrame, rw, spin, timerMap, type ExecContext, type ExecFrame } from '../runtime/checkers/conventions.js';
import { IRQ_RAISE, IRQ_REGISTER, IRQ_UNREGISTER, irq } from './irq.js';
import { RCU_QS_REQUEST, rcu } from './rcu.js';
import { TASKLET_GO, TASKLET_RUN, TASKLET_STALE, tasklet } from './tasklet.js';
import { TIMER_FIRE, TIMER_GO, TIMER_STALE, timer } from './timer.js';

// Each protocol family owns its message names (irq.ts, tasklet.ts, timer.ts, rcu.ts,
// hotplug.ts; the lock names runtime/checkers/conventions.ts). Re-exported here because
// `protocols/cpu.js` was where they were imported from.
export { CPU_OFFLINE, CPU_OFFLINE_ACK } from './hotplug.js';
export { IRQ_EOI, IRQ_RAISE, IRQ_REGISTER, IRQ_UNREGISTER } from './irq.js';
export { RCU_QS_REQUEST, RCU_QUIESCENT } from './rcu.js';
export { TASKLET_BEGIN, TASKLET_DONE, TASKLET_GO, TASKLET_RUN, TASKLET_STALE } from './tasklet.js';
export { TIMER_FIRE } from './timer.js';

/** Messages the CPU runs as softirq work, at a softirq point of its program. */
const SOFTIRQ_WORK = [TASKLET_RUN, TASKLET_GO, TASKLET_STALE, TIMER_FIRE, TIMER_GO, TIMER_STALE, RCU_QS_REQUEST];

/** A body of code: states with an initial one; reaching a `final` state returns. */
export interface BodyConfig {
  initial: string;
  states: Record<string, any>;
  /** Actions of the step that enters the body (use these, not `entry`: see the header). */
  start?: any;
}

export interface CpuConfig {
  /** Machine id (usually the actor name). */
  id: string;
  /** The CPU's own code. A final state ends it (the CPU then idles there: see the header). */
  program: BodyConfig;
  /** Extra context fields for the program's own use. */
  context?: Record<string, unknown>;
  /** IRQ handlers by IRQ number; registered on this CPU if listed in `registered`. */
  irqHandlers?: Record<number, BodyConfig>;
  /** IRQs whose handler is registered at the start (others by `irq.register`). */
  registered?: number[];
  /** Tasklet bodies, keyed by the tasklet actor's name. */
  tasklets?: Record<string, BodyConfig>;
  /** Timer callbacks, keyed by the timer actor's name. */
  timers?: Record<string, BodyConfig>;
  /** The IRQ controller's actor name, for EOI. */
  irqController?: string;
  /** IRQs enabled at the start; default true. */
  irqsEnabled?: boolean;
}

/**
 * True once the CPU's program has ended (it idles then: see the header). What a model asked of a
 * CPU with `snapshot.status === 'done'`, which an idling CPU never reaches.
 */
export function programEnded(snapshot: { status?: string; context?: unknown }): boolean {
  const exec = (snapshot.context as { exec?: ExecContext } | undefined)?.exec;
  return snapshot.status === 'done' || exec?.ended === true;
}

/** State `meta` marking a program state as a softirq point (idle loop, return to guest). */
export function softirqPoint(): { softirq: true } {
  return { softirq: true };
}

type Ctx = { exec: ExecContext } & Record<string, unknown>;
type Args = { context: Ctx; event: Message };

const execOf = (c: Ctx): ExecContext => c.exec;
const setExec = (f: (e: ExecContext, ev: Message) => ExecContext) => assign(({ context, event }: Args) => ({ exec: f(execOf(context), event) }));

/** An action pushing a frame (a hypercall, ...); its pop is the body's end that lock-leak judges. */
export function enterBody(kind: ExecFrame['kind'], name: string, maps?: string[]): any {
  return setExec((e) => ({ ...e, frames: [...e.frames, { kind, name, held: [...e.held], irqsEnabled: e.irqsEnabled, ...(maps?.length ? { maps } : {}) }] }));
}

/** An action popping the innermost frame: the body returns. */
export function leaveBody(): any {
  return [
    assertThat(({ context }: Args) => execOf(context).frames.length > 0, 'leaveBody() with no body running'),
    setExec((e) => ({ ...e, frames: e.frames.slice(0, -1) })),
  ];
}

/**
 * The actor guarding a lock: its name, or a pointer in the CPU's context that names it, for a
 * lock chosen at run time (`spin_lock(&pt->vcpu->lock)`: `({ context }) => context.pt.vcpu`).
 * One program state then serves every possible value; lock bookkeeping follows the pointer's
 * value at each step, so the unlock must see the same value as the lock.
 */
export type Guard = string | ((args: { context: any }) => string);

const target = (g: Guard): string | ((args: Args) => string) => (typeof g === 'string' ? g : (args: Args) => g(args));
const instanceOf = (g: Guard, context: Ctx, cls: string): string => `${typeof g === 'string' ? g : g({ context })}:${cls}`;
/** Updates `exec` knowing the lock instance the guard names now. */
const withInstance = (g: Guard, cls: string, f: (e: ExecContext, inst: string) => ExecContext) =>
  assign(({ context }: Args) => ({ exec: f(execOf(context), instanceOf(g, context, cls)) }));

/** exec without instance `inst` held (and without its nesting annotation). */
function dropHeld(e: ExecContext, inst: string): ExecContext {
  const out: ExecContext = { ...e, held: e.held.filter((h) => h !== inst) };
  if (e.nested && inst in e.nested) {
    const { [inst]: _gone, ...rest } = e.nested;
    if (Object.keys(rest).length) out.nested = rest;
    else delete out.nested;
  }
  return out;
}

/** spin_lock: ask the guard for the lock; the grant is recorded when it arrives. */
export function lock(guard: Guard, cls: string, options: { subclass?: number } = {}): any {
  const sub = options.subclass ?? 0;
  const ask = send(target(guard), spin.acquireNested(cls, sub));
  if (sub === 0) return ask;
  // lockdep's held_lock keeps the subclass; the lock itself does not know it.
  return [withInstance(guard, cls, (e, inst) => ({ ...e, nested: { ...(e.nested ?? {}), [inst]: sub } })), ask];
}

/** spin_lock_nested(lock, subclass): lockdep's annotation for taking a second lock of a class. */
export function lockNested(guard: Guard, cls: string, subclass: number): any {
  return lock(guard, cls, { subclass });
}

/** spin_trylock. */
export function trylock(guard: Guard, cls: string): any {
  return send(target(guard), spin.trylock(cls));
}

/** spin_unlock. */
export function unlock(guard: Guard, cls: string): any {
  return [send(target(guard), spin.release(cls)), withInstance(guard, cls, (e, inst) => dropHeld(e, inst))];
}

/** spin_lock_irqsave: save the IRQ flag, mask IRQs, then take the lock. */
export function lockIrqsave(guard: Guard, cls: string): any {
  return [withInstance(guard, cls, (e, inst) => ({ ...e, saved: { ...e.saved, [inst]: e.irqsEnabled }, irqsEnabled: false })), lock(guard, cls)];
}

/** spin_unlock_irqrestore: release, then restore the IRQ flag saved by lockIrqsave. */
export function unlockIrqrestore(guard: Guard, cls: string): any {
  return [
    ...unlock(guard, cls),
    withInstance(guard, cls, (e, inst) => {
      const { [inst]: flag, ...rest } = e.saved;
      return { ...e, saved: rest, irqsEnabled: flag ?? e.irqsEnabled };
    }),
  ];
}

/**
 * spin_lock_irq: mask IRQs, then take the lock. Xen's `_spin_lock_irq` (xen/common/spinlock.c)
 * first asserts that IRQs are enabled: it is for code that knows they are.
 */
export function lockIrq(guard: Guard, cls: string): any {
  return [assertThat(({ context }: Args) => execOf(context).irqsEnabled, 'spin_lock_irq with IRQs already disabled (Xen: ASSERT(local_irq_is_enabled()))'), irqDisable(), lock(guard, cls)];
}

/** spin_unlock_irq: release, then unmask IRQs. */
export function unlockIrq(guard: Guard, cls: string): any {
  return [...unlock(guard, cls), irqEnable()];
}

/** spin_lock_bh: disable softirqs on this CPU, then take the lock (Linux include/linux/spinlock.h). */
export function lockBh(guard: Guard, cls: string): any {
  return [localBhDisable(), lock(guard, cls)];
}

/** spin_unlock_bh: release, then enable softirqs. */
export function unlockBh(guard: Guard, cls: string): any {
  return [...unlock(guard, cls), localBhEnable()];
}

/**
 * local_bh_disable / local_bh_enable (Linux include/linux/bottom_half.h, kernel/softirq.c): a
 * nesting count; while it is above zero no softirq work runs on this CPU (softirq points defer
 * it) and lockdep counts softirqs as disabled. Xen has no such call (its softirqs run only at
 * softirq points); it is here for Linux code and lockdep's softirq rules. Linux's
 * local_bh_enable also runs pending softirqs; here they run at the program's next softirq point.
 */
export function localBhDisable(): any {
  return setExec((e) => ({ ...e, bh: (e.bh ?? 0) + 1 }));
}
export function localBhEnable(): any {
  return [
    assertThat(({ context }: Args) => (execOf(context).bh ?? 0) > 0, 'local_bh_enable without local_bh_disable'),
    setExec((e) => {
      const bh = (e.bh ?? 0) - 1;
      if (bh > 0) return { ...e, bh };
      const { bh: _zero, ...rest } = e;
      return rest;
    }),
  ];
}

/** True while this CPU runs an IRQ handler (Xen's in_irq()). */
const inHardirq = (c: Ctx): boolean => execOf(c).frames.some((f) => f.kind === 'irq');

/**
 * read_lock on a rwlock guarded by `guard`. In an IRQ handler the request says so (`inIrq`):
 * Xen's queued rwlock lets such a reader in ahead of waiting writers (protocols/rwlock.ts).
 */
export function readLock(guard: Guard, cls: string): any {
  return send(target(guard), ({ context }: Args) => rw.readLock(cls, inHardirq(context)));
}
/** write_lock on a rwlock guarded by `guard`. */
export function writeLock(guard: Guard, cls: string): any {
  return send(target(guard), rw.writeLock(cls));
}
export function readUnlock(guard: Guard, cls: string): any {
  return [send(target(guard), rw.readUnlock(cls)), withInstance(guard, cls, (e, inst) => dropHeld(e, inst))];
}
export function writeUnlock(guard: Guard, cls: string): any {
  return [send(target(guard), rw.writeUnlock(cls)), withInstance(guard, cls, (e, inst) => dropHeld(e, inst))];
}

/** spin_lock_init / rwlock_init of the lock `cls` guarded by `guard` (lock debugging asserts it is not held). */
export function spinLockInit(guard: Guard, cls: string): any {
  return send(target(guard), spin.init(cls));
}
export function rwlockInit(guard: Guard, cls: string): any {
  return send(target(guard), rw.init(cls));
}

/** local_irq_disable / local_irq_enable. */
export function irqDisable(): any {
  return setExec((e) => ({ ...e, irqsEnabled: false }));
}
export function irqEnable(): any {
  return setExec((e) => ({ ...e, irqsEnabled: true }));
}

/** rcu_read_lock / rcu_read_unlock: a read-side section on this CPU. */
export function rcuReadLock(): any {
  return setExec((e) => ({ ...e, rcu: e.rcu + 1 }));
}
export function rcuReadUnlock(): any {
  return [assertThat(({ context }: Args) => execOf(context).rcu > 0, 'rcu_read_unlock without rcu_read_lock'), setExec((e) => ({ ...e, rcu: e.rcu - 1 }))];
}

/** A guard: the grant is for lock class `cls` (for a body waiting for grants of several classes at once; answers never cross contexts). */
export function isLock(cls: string): (args: Args) => boolean {
  return ({ event }) => event.lock === cls;
}

const recordGrant = setExec((e, ev) => {
  if (ev.ok === false) return e; // a trylock that failed (spin, mutex, rwsem) grants nothing
  const inst = `${String(ev.from)}:${String(ev.lock)}`;
  return e.held.includes(inst) ? e : { ...e, held: [...e.held, inst] };
});

const GRANTS: readonly string[] = LOCK_GRANT;

function asList(t: any): any[] {
  if (t === undefined) return [];
  if (Array.isArray(t)) return t.map((x) => (typeof x === 'string' ? { target: x } : x));
  return [typeof t === 'string' ? { target: t } : t];
}

/** Actions as one flat list: the helpers here return lists, and xstate does not flatten nested ones. */
function actionList(a: any): any[] {
  return a === undefined ? [] : Array.isArray(a) ? a.flat(Infinity) : [a];
}

function flattenTransitions(t: any): any {
  if (t === undefined || typeof t === 'string') return t;
  if (Array.isArray(t)) return t.map(flattenTransitions);
  return t.actions === undefined ? t : { ...t, actions: actionList(t.actions) };
}

/**
 * The context the CPU is running may take the message: an answer addressed to it (`toFrame`);
 * in task context, any message that is not an answer to another context; in an IRQ handler or
 * softirq body, only answers to it and the messages it sent itself from that context (a
 * continuation, `frame` = its name). So a handler never takes the grant the code it interrupted
 * waits for (Linux and Xen: the interrupted context keeps spinning on its own ticket).
 */
const addressedHere = ({ context, event }: Args): boolean => {
  const here = currentFrame(context);
  const to = event[TO_FRAME];
  if (to !== undefined) return to === here;
  return here === undefined || event[FRAME] === here;
};

/** The message answers a context that is no longer on this CPU's stack: nobody will take it. */
const strayAnswer = ({ context, event }: Args): boolean => typeof event[TO_FRAME] === 'string' && !execOf(context).frames.some((f) => f.name === event[TO_FRAME]);

const STRAY = assertThat(
  () => false,
  'an answer arrived for an IRQ handler or softirq body that has already returned: a body must take the answers to its requests before it ends',
);

/** `guard` and "addressed to this context", as one guard. */
function addressedAnd(guard: any): any {
  if (guard === undefined) return addressedHere;
  if (typeof guard === 'function') return (args: Args, params: unknown) => addressedHere(args) && guard(args, params);
  return and([addressedHere as any, guard]);
}

/**
 * Copies a state config tree: every transition on a message takes it only when it is addressed
 * to the context running (runtime/model.ts `FRAME`), so an IRQ handler never takes the answer
 * the code it interrupted is waiting for, nor the reverse; an answer for a context that has
 * returned is an assertion violation. Lock grants are recorded in `exec.held`.
 */
function instrument(states: Record<string, any>, types: Set<string>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [name, state] of Object.entries(states)) {
    const s = { ...state };
    if (s.on) {
      const on: Record<string, any> = {};
      for (const [type, t] of Object.entries(s.on)) {
        types.add(type);
        const grant = GRANTS.includes(type);
        on[type] = [
          ...asList(t).map((x) => ({ ...x, guard: addressedAnd(x.guard), actions: [...(grant ? [recordGrant] : []), ...actionList(x.actions)] })),
          { guard: strayAnswer, actions: [STRAY] },
        ];
      }
      s.on = on;
    }
    if (s.onDone) s.onDone = flattenTransitions(s.onDone);
    if (s.always) s.always = flattenTransitions(s.always);
    if (s.entry) s.entry = actionList(s.entry);
    if (s.exit) s.exit = actionList(s.exit);
    if (s.states) s.states = instrument(s.states, types);
    out[name] = s;
  }
  return out;
}

/**
 * Builds a CPU machine. Its context is `{ exec, ...config.context }`.
 *
 * @example
 * ```ts
 * const cpu0 = cpuMachine({
 *   id: 'cpu0',
 *   irqController: 'gic',
 *   program: {
 *     initial: 'idle',
 *     states: {
 *       idle: { on: { start: { target: 'locking', actions: lockIrqsave('dev', 'L') } } },
 *       locking: { on: { 'spin.granted': { target: 'done', actions: unlockIrqrestore('dev', 'L') } } },
 *       done: { type: 'final' },
 *     },
 *   },
 *   irqHandlers: { 27: { initial: 'take', states: { ... } } },
 *   registered: [27],
 * });
 * ```
 */
export function cpuMachine(config: CpuConfig) {
  const types = new Set<string>();
  const program = instrument(config.program.states, types);
  const handlers = Object.entries(config.irqHandlers ?? {}).map(([n, b]) => ({ irq: Number(n), states: instrument(b.states, types), initial: b.initial, start: actionList(b.start) }));
  const tasklets = Object.entries(config.tasklets ?? {}).map(([name, b]) => ({ name, states: instrument(b.states, types), initial: b.initial, start: actionList(b.start) }));
  const timers = Object.entries(config.timers ?? {}).map(([name, b]) => ({ name, states: instrument(b.states, types), initial: b.initial, start: actionList(b.start) }));
  for (const [name, s] of Object.entries(program)) {
    if (s.entry || s.exit) throw new Error(`cpu '${config.id}', program state '${name}': entry/exit actions would run again when an IRQ returns; use transition actions`);
  }
  // The program's final states become the idle loop (see the header). Its entry action runs
  // again when an IRQ or softirq body returns to it, which is harmless: it only sets flags.
  const enterIdle = setExec((e) => ({ ...e, irqsEnabled: true, ended: true }));
  for (const [name, s] of Object.entries(program)) {
    if (s.type !== 'final') continue;
    const { type: _final, ...rest } = s;
    const meta = (rest.meta ?? {}) as { ignore?: string[] };
    program[name] = { ...rest, entry: [enterIdle], meta: { ...meta, softirq: true, end: true, ignore: [...new Set([...(meta.ignore ?? []), MEM_VALUE])] } };
  }
  const softirqPoints = Object.entries(program)
    .filter(([, s]) => (s.meta as { softirq?: boolean } | undefined)?.softirq === true)
    .map(([n]) => n);
  const deferAll = [...new Set([...types, ...SOFTIRQ_WORK, IRQ_RAISE])].filter((t) => t !== IRQ_REGISTER && t !== IRQ_UNREGISTER).sort();
  const controller = config.irqController;

  // Softirq work, spliced into every softirq point. A tasklet or timer is asked first whether it
  // is still due; the CPU waits for the answer in `softirq:begin` (Xen's do_tasklet_work and
  // timer_softirq_action run the body before the interrupted code goes on), then runs the body
  // or returns to the softirq point it came from (`exec.resume`). Softirq work runs only while
  // softirqs are enabled (local_bh_disable defers it).
  const SOFTIRQ_BEGIN = 'softirq:begin';
  const bhOn = ({ context }: Args): boolean => !((execOf(context).bh ?? 0) > 0);
  const softirqOn = (point: string): Record<string, any> => ({
    [TASKLET_RUN]: { guard: bhOn, target: SOFTIRQ_BEGIN, actions: [setExec((e) => ({ ...e, resume: point })), send(({ event }: Args) => String(event.from), tasklet.begin())] },
    // TIMER_SOFTIRQ: ask the timer whether it is still due (a stop/kill/re-arm may have come first).
    [TIMER_FIRE]: {
      guard: bhOn,
      target: SOFTIRQ_BEGIN,
      actions: [setExec((e) => ({ ...e, resume: point })), send(({ event }: Args) => String(event.from), ({ event }: Args) => timer.begin(Number(event.gen)))],
    },
    [RCU_QS_REQUEST]: {
      guard: bhOn,
      actions: [
        assertThat(({ context }: Args) => execOf(context).rcu === 0, 'softirq processing inside an RCU read-side section'),
        send(({ event }: Args) => String(event.from), ({ event }: Args) => rcu.quiescent(Number(event.gp))),
      ],
    },
  });
  const backTo = (actions: any[] = []) =>
    softirqPoints.map((p) => ({ guard: ({ context }: Args) => execOf(context).resume === p, target: p, actions: [setExec((e) => ({ ...e, resume: null })), ...actions] }));
  // call_timer_fn holds the timer's lockdep map while the callback runs (conventions.ts timerMap).
  const pushFrame = (kind: 'tasklet' | 'timer', name: string) =>
    setExec((e) => ({ ...e, frames: [...e.frames, { kind, name, held: [...e.held], irqsEnabled: e.irqsEnabled, ...(kind === 'timer' ? { maps: [timerMap(name)] } : {}) }] }));
  const answers = [TASKLET_GO, TASKLET_STALE, TIMER_GO, TIMER_STALE];
  const softirqBegin = {
    meta: { defer: deferAll.filter((t) => !answers.includes(t)) },
    on: {
      [TASKLET_GO]: tasklets.map((t) => ({ guard: ({ event }: Args) => event.from === t.name, target: `tasklet:${t.name}`, actions: [pushFrame('tasklet', t.name), ...t.start] })),
      [TASKLET_STALE]: backTo(),
      [TIMER_GO]: timers.map((t) => ({ guard: ({ event }: Args) => event.from === t.name, target: `timer:${t.name}`, actions: [pushFrame('timer', t.name), ...t.start] })),
      [TIMER_STALE]: backTo(),
    },
  };
  const taskStates: Record<string, any> = {};
  for (const [name, s] of Object.entries(program)) {
    taskStates[name] = softirqPoints.includes(name) ? { ...s, on: { ...softirqOn(name), ...(s.on ?? {}) } } : s;
  }
  if (softirqPoints.length) taskStates[SOFTIRQ_BEGIN] = softirqBegin;
  const returnTo = (kind: 'tasklet' | 'timer', name: string) => backTo([setExec((e) => ({ ...e, frames: e.frames.slice(0, -1) })), send(name, kind === 'tasklet' ? tasklet.done() : timer.end())]);
  for (const t of tasklets) taskStates[`tasklet:${t.name}`] = { initial: t.initial, states: t.states, meta: { defer: deferAll }, onDone: returnTo('tasklet', t.name) };
  for (const t of timers) taskStates[`timer:${t.name}`] = { initial: t.initial, states: t.states, meta: { defer: deferAll }, onDone: returnTo('timer', t.name) };
  taskStates.hist = { type: 'history', history: 'deep' };

  const eoi = (n: (a: Args) => unknown) => (controller ? [send(controller, ({ event, context }: Args) => irq.eoi(Number(n({ event, context }))))] : []);
  const root: Record<string, any> = {
    task: {
      initial: config.program.initial,
      states: taskStates,
      meta: { defer: [IRQ_RAISE, ...SOFTIRQ_WORK] },
      on: {
        [IRQ_RAISE]: [
          ...handlers.map((h) => ({
            guard: ({ context, event }: Args) => execOf(context).irqsEnabled && event.irq === h.irq && execOf(context).registered.includes(h.irq),
            target: `irq:${h.irq}`,
            actions: [setExec((e) => ({ ...e, irqsEnabled: false, frames: [...e.frames, { kind: 'irq', name: `irq ${h.irq}`, held: [...e.held], irqsEnabled: e.irqsEnabled }] })), ...h.start],
          })),
          // No handler on this CPU: Xen's do_IRQ prints "Unknown IRQ" and drops it.
          { guard: ({ context }: Args) => execOf(context).irqsEnabled, actions: eoi(({ event }) => event.irq) },
        ],
      },
    },
  };
  for (const h of handlers) {
    root[`irq:${h.irq}`] = {
      initial: h.initial,
      states: h.states,
      meta: { defer: deferAll },
      onDone: {
        target: 'task.hist',
        // The frame is popped first: the EOI comes from the interrupted context, not the handler.
        actions: [setExec((e) => ({ ...e, irqsEnabled: e.frames.at(-1)?.irqsEnabled ?? true, frames: e.frames.slice(0, -1) })), ...eoi(() => h.irq)],
      },
    };
  }
  const exec: ExecContext = { irqsEnabled: config.irqsEnabled ?? true, frames: [], held: [], saved: {}, registered: [...(config.registered ?? [])].sort((a, b) => a - b), rcu: 0, resume: null };
  return createMachine({
    id: config.id,
    context: { ...(config.context ?? {}), exec } as any,
    initial: 'task',
    states: root,
    // Deadlock reports: registering a handler is bookkeeping, not what a blocked CPU waits for.
    meta: { background: [IRQ_REGISTER, IRQ_UNREGISTER] },
    on: {
      [IRQ_REGISTER]: { actions: setExec((e, ev) => ({ ...e, registered: [...new Set([...e.registered, Number(ev.irq)])].sort((a, b) => a - b) })) },
      [IRQ_UNREGISTER]: { actions: setExec((e, ev) => ({ ...e, registered: e.registered.filter((n) => n !== Number(ev.irq)) })) },
    },
  } as any);
}
