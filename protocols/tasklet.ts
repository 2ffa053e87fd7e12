/**
 * A tasklet as an actor: xen/common/tasklet.c `tasklet_schedule_on_cpu`, `do_tasklet_work`,
 * `tasklet_kill`; with `kernel: 'linux'`, linux kernel/softirq.c `tasklet_schedule`,
 * `tasklet_action_common`, `tasklet_kill`.
 *
 * Xen's rules, kept here: scheduling records `scheduled_on`; a tasklet that is not running is
 * (re)queued on that CPU; one that is running is not queued, and `do_tasklet_work` re-queues it
 * when the body returns (so it runs again, later, never concurrently); a tasklet is never
 * running on two CPUs at once (`BUG_ON(t->is_running)`). Scheduling a queued tasklet for
 * another CPU moves it there (Xen's `list_del` + enqueue): the run already sent to the first CPU
 * becomes stale. `tasklet_kill` takes it off its CPU's list (a pending run is cancelled), marks
 * it dead (later schedules do nothing) and waits until a running body has returned.
 *
 * Linux's rules (`kernel: 'linux'`): scheduling a tasklet that is already scheduled (queued, or
 * scheduled again while it runs) does nothing (TASKLET_STATE_SCHED is set); otherwise it is
 * queued on that CPU, and one scheduled while it runs elsewhere runs after that run ends
 * (TASKLET_STATE_RUN). `tasklet_kill` does not cancel: it waits until a scheduled run has
 * happened and a running one has returned, dropping schedules meanwhile, and leaves the tasklet
 * usable: a schedule after it returns runs the body again (the caller must have stopped the
 * source first). Linux's `tasklet_kill` sleeps (wait_var_event); Xen's spins.
 *
 * | message                  | from      | tasklet does                                        |
 * |--------------------------|-----------|-----------------------------------------------------|
 * | `tasklet.schedule {cpu}` | anyone    | `scheduledOn = cpu`; if not running, queue on cpu: `tasklet.run` to it |
 * | `tasklet.begin`          | the CPU   | if queued on that CPU: mark running, answer `tasklet.go`; else `tasklet.stale` |
 * | `tasklet.done`           | the CPU   | not running; if scheduled meanwhile, queue again    |
 * | `tasklet.kill`           | anyone    | tasklet_kill; answers `tasklet.killed` when it returns |
 *
 * The CPU side (running the body at a softirq point, sending `tasklet.done` when it returns) is
 * in cpu.ts; the body is a `tasklets` entry of the CPU machine, keyed by this actor's name.
 */
import { createMachine, enqueueActions } from 'xstate';
import { FRAME, answerTo, assertThat, send, type Message } from '../runtime/model.js';

// The tasklet family's vocabulary, both sides (the CPU side is protocols/cpu.ts).
export const TASKLET_SCHEDULE = 'tasklet.schedule';
/** The tasklet to a CPU: it is queued on you (Xen's per-CPU tasklet list; TASKLET_SOFTIRQ pending). */
export const TASKLET_RUN = 'tasklet.run';
/** The CPU, at a softirq point, to the tasklet: may I run you? (`do_tasklet_work` dequeues it). */
export const TASKLET_BEGIN = 'tasklet.begin';
/** The tasklet's answers to `tasklet.begin`: run the body, or you were moved to another CPU. */
export const TASKLET_GO = 'tasklet.go';
export const TASKLET_STALE = 'tasklet.stale';
/** The CPU to the tasklet: the body returned. */
export const TASKLET_DONE = 'tasklet.done';
/** tasklet_kill, answered by `tasklet.killed` when it returns. */
export const TASKLET_KILL = 'tasklet.kill';
export const TASKLET_KILLED = 'tasklet.killed';

export interface TaskletContext {
  /** Where it should run next (Xen's `scheduled_on`), or null. */
  scheduledOn: string | null;
  /** The CPU whose list it is on (a `tasklet.run` is in that CPU's mailbox), or null. */
  queuedOn: string | null;
  /** The CPU running its body (Xen's `is_running`), or null. */
  running: string | null;
  /** Xen: tasklet_kill ran (`is_dead`): schedules do nothing. */
  dead: boolean;
  /** Callers of tasklet_kill waiting for it to return, with the context that asked (runtime/model.ts FRAME). */
  killers: Array<{ to: string; frame?: string }>;
}

export interface TaskletOptions {
  /** Whose rules: Xen's (default) or Linux's (see the header). */
  kernel?: 'xen' | 'linux';
}

export const tasklet = {
  schedule: (cpu: string): Message => ({ type: TASKLET_SCHEDULE, cpu }),
  run: (): Message => ({ type: TASKLET_RUN }),
  begin: (): Message => ({ type: TASKLET_BEGIN }),
  go: (): Message => ({ type: TASKLET_GO }),
  stale: (): Message => ({ type: TASKLET_STALE }),
  done: (): Message => ({ type: TASKLET_DONE }),
  kill: (): Message => ({ type: TASKLET_KILL }),
  killed: (): Message => ({ type: TASKLET_KILLED }),
};

type TEvent = Message & { cpu?: string; from: string };

export function taskletMachine(id: string, options: TaskletOptions = {}) {
  const linux = options.kernel === 'linux';
  /** Linux: nothing left for tasklet_kill to wait for. */
  const settled = (c: Pick<TaskletContext, 'queuedOn' | 'running' | 'scheduledOn'>): boolean => c.queuedOn === null && c.running === null && c.scheduledOn === null;
  return createMachine({
    id,
    types: {} as { context: TaskletContext },
    context: { scheduledOn: null, queuedOn: null, running: null, dead: false, killers: [] },
    on: {
      [TASKLET_SCHEDULE]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const cpu = String((event as unknown as TEvent).cpu);
          if (context.dead) return; // Xen: t->is_dead
          if (linux && (context.killers.length > 0 || context.queuedOn !== null || context.scheduledOn !== null)) return; // TASKLET_STATE_SCHED already set
          if (context.running !== null || context.queuedOn === cpu) {
            enqueue.assign({ scheduledOn: cpu });
            return;
          }
          enqueue.assign({ scheduledOn: cpu, queuedOn: cpu });
          enqueue(send(cpu, tasklet.run()));
        }),
      },
      [TASKLET_BEGIN]: {
        actions: [
          enqueueActions(({ context, event, enqueue }) => {
            const cpu = String((event as unknown as TEvent).from);
            if (context.queuedOn !== cpu || context.running !== null) {
              enqueue(send(cpu, answerTo(event as unknown as Message, tasklet.stale())));
              return;
            }
            enqueue.assign({ running: cpu, queuedOn: null, scheduledOn: null });
            enqueue(send(cpu, answerTo(event as unknown as Message, tasklet.go())));
          }),
        ],
      },
      [TASKLET_DONE]: {
        actions: [
          assertThat<TaskletContext, TEvent>(({ context, event }) => context.running === event.from, 'tasklet.done from a CPU that is not running the tasklet'),
          enqueueActions(({ context, enqueue }) => {
            const again = context.scheduledOn;
            if (again !== null) {
              enqueue.assign({ running: null, queuedOn: again });
              enqueue(send(again, tasklet.run()));
              return;
            }
            // Nothing more to run: tasklet_kill returns.
            for (const k of context.killers) enqueue(send(k.to, answerTo(k.frame === undefined ? {} : { [FRAME]: k.frame }, tasklet.killed())));
            enqueue.assign({ running: null, killers: [] });
          }),
        ],
      },
      [TASKLET_KILL]: {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const e = event as unknown as TEvent;
          const killer = { to: e.from, ...(typeof e[FRAME] === 'string' ? { frame: e[FRAME] as string } : {}) };
          const killed = send(e.from, answerTo(e, tasklet.killed()));
          if (linux) {
            if (settled(context)) enqueue(killed);
            else enqueue.assign({ killers: [...context.killers, killer] });
            return;
          }
          // Xen: off the list, dead, then wait while it runs.
          enqueue.assign({ queuedOn: null, scheduledOn: null, dead: true, ...(context.running !== null ? { killers: [...context.killers, killer] } : {}) });
          if (context.running === null) enqueue(killed);
        }),
      },
    },
  });
}

/** Trace label: `idle`, `queued@cpu0`, `running@cpu1 (+cpu0)`, `dead`, `... (1 killing)`. */
export function taskletLabel(c: TaskletContext): string {
  const killing = c.killers?.length ? ` (${c.killers.length} killing)` : '';
  if (c.running) return `${c.dead ? 'dead, ' : ''}running@${c.running}${c.scheduledOn ? ` (+${c.scheduledOn})` : ''}${killing}`;
  if (c.queuedOn) return `queued@${c.queuedOn}${killing}`;
  return c.dead ? 'dead' : 'idle';
}
