/**
 * Small models for the checker specs and the README's Checkers section, each in a failing and a passing
 * variant. Built only from protocols/ and the engine.
 */
import { createMachine, assign } from 'xstate';
import { send } from '../../runtime/model.js';
import type { GlobalView, SystemSpec } from '../../runtime/system.js';
import type { LiveSystem } from '../../runtime/checkers/liveness.js';
import { spinlockMachine } from '../../protocols/spinlock.js';
import { cpuMachine, enterBody, isLock, leaveBody, lock, lockIrqsave, lockNested, rcuReadLock, rcuReadUnlock, softirqPoint, unlock, unlockIrqrestore } from '../../protocols/cpu.js';
import { irq, irqControllerLabel, irqControllerMachine } from '../../protocols/irq.js';
import { lockGuard } from '../../protocols/program.js';
import { domain, domainTableLabel, domainTableMachine, DOMAIN_KILLED, DOMAIN_LOOKUP_RESULT } from '../../protocols/domain.js';
import { rcuLabel, rcuMachine } from '../../protocols/rcu.js';
import { mem, memoryLabel, memoryMachine } from '../../protocols/memory.js';
import { tasklet, taskletLabel, taskletMachine } from '../../protocols/tasklet.js';
import { secureWorldMachine, smc, SMC_RESULT } from '../../protocols/smc.js';
import { MUTEX_GRANTED, mutex, mutexLabel, mutexMachine, mutexResources } from '../../protocols/mutex.js';

const GRANTED = 'spin.granted';

/** A lock guard actor entry (protocols/program.ts `lockGuard`). */
const guard = (name: string, classes: string[], debugLocks = true) => lockGuard(name, classes, { debugLocks });

/**
 * ABBA: cpu0 takes A then B, cpu1 takes B then A (`abba`), optionally both first taking S
 * (`serialised`: no run deadlocks, the inversion is still there), or both A then B (`ordered`).
 */
export function abba(variant: 'abba' | 'serialised' | 'ordered'): SystemSpec {
  const cpu = (name: string, first: string, second: string) => {
    const outer = variant === 'serialised';
    return createMachine({
      id: name,
      initial: 'idle',
      states: {
        idle: { on: { start: outer ? { target: 'outer', actions: send('S', { type: 'spin.acquire', lock: 'S' }) } : { target: 'first', actions: send(first, { type: 'spin.acquire', lock: first }) } } },
        outer: { on: { [GRANTED]: { target: 'first', actions: send(first, { type: 'spin.acquire', lock: first }) } } },
        first: { on: { [GRANTED]: { target: 'second', actions: send(second, { type: 'spin.acquire', lock: second }) } } },
        second: {
          on: {
            [GRANTED]: {
              target: 'done',
              actions: [send(second, { type: 'spin.release', lock: second }), send(first, { type: 'spin.release', lock: first }), ...(outer ? [send('S', { type: 'spin.release', lock: 'S' })] : [])],
            },
          },
        },
        done: { type: 'final' },
      },
    });
  };
  return {
    name: `abba-${variant}`,
    actors: [
      { name: 'cpu0', machine: cpu('cpu0', 'A', 'B') },
      { name: 'cpu1', machine: variant === 'ordered' ? cpu('cpu1', 'A', 'B') : cpu('cpu1', 'B', 'A') },
      guard('A', ['A']),
      guard('B', ['B']),
      ...(variant === 'serialised' ? [guard('S', ['S'])] : []),
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  };
}

/** cpu0 takes two locks of class `ctx.lock` (two domains' contexts), plainly or with spin_lock_nested. */
export function nested(variant: 'plain' | 'nested'): SystemSpec {
  const cpu0 = cpuMachine({
    id: 'cpu0',
    program: {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'first', actions: lock('d1', 'ctx.lock') } } },
        first: { on: { [GRANTED]: { target: 'second', actions: variant === 'nested' ? lockNested('d2', 'ctx.lock', 1) : lock('d2', 'ctx.lock') } } },
        second: { on: { [GRANTED]: { target: 'done', actions: [unlock('d2', 'ctx.lock'), unlock('d1', 'ctx.lock')] } } },
        done: { type: 'final' },
      },
    },
  });
  return { name: `nested-${variant}`, actors: [{ name: 'cpu0', machine: cpu0 }, guard('d1', ['ctx.lock']), guard('d2', ['ctx.lock'])], initialMessages: [{ to: 'cpu0', event: { type: 'start' } }] };
}

/**
 * An IRQ handler on cpu0 takes lock L of `dev`; cpu0's program takes L too, with spin_lock
 * (IRQs stay enabled: the IRQ can come while L is held) or spin_lock_irqsave. Release-build
 * locks: a CPU that takes a lock it holds spins forever.
 */
export function irqLock(variant: 'plain' | 'irqsave'): SystemSpec {
  const take = variant === 'irqsave' ? lockIrqsave('dev', 'L') : lock('dev', 'L');
  const drop = variant === 'irqsave' ? unlockIrqrestore('dev', 'L') : unlock('dev', 'L');
  const cpu0 = cpuMachine({
    id: 'cpu0',
    irqController: 'gic',
    registered: [1],
    program: {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'locking', actions: take } } },
        locking: { on: { [GRANTED]: { guard: isLock('L'), target: 'critical', actions: send('cpu0', { type: 'work' }) } } },
        critical: { on: { work: { target: 'done', actions: drop } } },
        done: { type: 'final' },
      },
    },
    irqHandlers: {
      1: {
        initial: 'take',
        start: lock('dev', 'L'),
        states: {
          take: { on: { [GRANTED]: { guard: isLock('L'), target: 'out', actions: unlock('dev', 'L') } } },
          out: { type: 'final' },
        },
      },
    },
  });
  return {
    name: `irq-lock-${variant}`,
    actors: [
      { name: 'cpu0', machine: cpu0 },
      guard('dev', ['L'], false),
      { name: 'gic', machine: irqControllerMachine('gic', ['cpu0']), daemon: true, label: irqControllerLabel },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'gic', event: irq.trigger(1, 'cpu0') },
    ],
  };
}

/**
 * SCENARIOS.md C5 in small: cpu0 looks domain 1 up inside an RCU read-side section and writes
 * to it (or reads it, with `access: 'read'`); cpu1 (each of `freers`) frees it. `xfree`: cpu1
 * frees at once (no grace period); `call_rcu`: cpu1 kills the domain, whose struct is freed by
 * complete_domain_destroy after a grace period.
 */
export function domainFree(variant: 'xfree' | 'call_rcu', access: 'write' | 'read' = 'write', freers: string[] = ['cpu1']): SystemSpec {
  const use = access === 'write' ? mem.write('domain:1', 'pending', true) : mem.read('domain:1', 'pending');
  const reader = cpuMachine({
    id: 'cpu0',
    program: {
      initial: 'idle',
      states: {
        idle: { meta: softirqPoint(), on: { start: { target: 'looking', actions: [rcuReadLock(), send('domtab', domain.lookup(1))] } } },
        looking: {
          on: {
            [DOMAIN_LOOKUP_RESULT]: [
              { guard: ({ event }: { event: { rc: number } }) => event.rc === 0, target: 'done', actions: [send('domtab', use), rcuReadUnlock()] },
              { target: 'done', actions: rcuReadUnlock() },
            ],
          },
        },
        done: { type: 'final' },
      },
    },
  });
  const killer = (id: string) =>
    cpuMachine({
      id,
      program: {
        initial: 'idle',
        states: {
          idle: { meta: softirqPoint(), on: { start: variant === 'xfree' ? { target: 'done', actions: send('domtab', mem.free('domain:1')) } : { target: 'killing', actions: send('domtab', domain.kill(1)) } } },
          killing: { meta: softirqPoint(), on: { [DOMAIN_KILLED]: 'done' } },
          done: { type: 'final' },
        },
      },
    });
  return {
    name: `domain-free-${variant}${access === 'read' ? '-read' : ''}`,
    actors: [
      { name: 'cpu0', machine: reader },
      ...freers.map((id) => ({ name: id, machine: killer(id) })),
      { name: 'domtab', machine: domainTableMachine({ name: 'domtab', rcu: 'rcu', initial: [1] }), daemon: true, label: domainTableLabel },
      { name: 'rcu', machine: rcuMachine('rcu', ['cpu0', ...freers]), daemon: true, label: rcuLabel },
    ],
    initialMessages: [{ to: 'cpu0', event: { type: 'start' } }, ...freers.map((id) => ({ to: id, event: { type: 'start' } }))],
  };
}

/** Two CPUs each write `buf.len`, without a lock or under `buf_lock`. */
export function sharedBuffer(variant: 'unlocked' | 'locked'): SystemSpec {
  const writer = (name: string, value: number) =>
    cpuMachine({
      id: name,
      program: {
        initial: 'idle',
        states:
          variant === 'unlocked'
            ? { idle: { on: { start: { target: 'done', actions: send('buf', mem.write('buf', 'len', value)) } } }, done: { type: 'final' } }
            : {
                idle: { on: { start: { target: 'locking', actions: lock('bufLock', 'buf_lock') } } },
                locking: { on: { [GRANTED]: { target: 'done', actions: [send('buf', mem.write('buf', 'len', value)), unlock('bufLock', 'buf_lock')] } } },
                done: { type: 'final' },
              },
      },
    });
  return {
    name: `shared-buffer-${variant}`,
    actors: [
      { name: 'cpu0', machine: writer('cpu0', 1) },
      { name: 'cpu1', machine: writer('cpu1', 2) },
      { name: 'buf', machine: memoryMachine('buf', { buf: { len: 0 } }), daemon: true, label: memoryLabel },
      ...(variant === 'locked' ? [guard('bufLock', ['buf_lock'])] : []),
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  };
}

/**
 * A hypercall body on cpu0 takes `rx_lock` and, on its error path (`leaky`), returns without
 * releasing it (SCENARIOS.md C2, the NULL-buffer path).
 */
export function hypercallLock(variant: 'leaky' | 'balanced'): SystemSpec {
  const cpu0 = cpuMachine({
    id: 'cpu0',
    program: {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'call', actions: [enterBody('hypercall', 'PARTITION_INFO_GET'), lock('ctx', 'rx_lock')] } } },
        call: { on: { [GRANTED]: { target: 'done', actions: variant === 'leaky' ? leaveBody() : [unlock('ctx', 'rx_lock'), leaveBody()] } } },
        done: { type: 'final' },
      },
    },
  });
  return { name: `hypercall-lock-${variant}`, actors: [{ name: 'cpu0', machine: cpu0 }, guard('ctx', ['rx_lock'])], initialMessages: [{ to: 'cpu0', event: { type: 'start' } }] };
}

/** Tasklet `t` scheduled by cpu0 and cpu1, each on itself; the body logs its start and end. */
export function taskletTwice(): SystemSpec {
  const cpu = (name: string) =>
    cpuMachine({
      id: name,
      program: {
        initial: 'idle',
        states: {
          idle: { meta: softirqPoint(), on: { go: { target: 'ran', actions: send('t', tasklet.schedule(name)) } } },
          ran: { meta: softirqPoint() },
        },
      },
      tasklets: {
        t: {
          initial: 'body',
          start: [send('log', { type: 'begin' }), send(name, { type: 'step' })],
          states: { body: { on: { step: { target: 'out', actions: send('log', { type: 'end' }) } } }, out: { type: 'final' } },
        },
      },
    });
  const log = createMachine({
    id: 'log',
    types: {} as { context: { inside: number; runs: number; maxInside: number } },
    context: { inside: 0, runs: 0, maxInside: 0 },
    on: {
      begin: { actions: assign(({ context }) => ({ inside: context.inside + 1, runs: context.runs + 1, maxInside: Math.max(context.maxInside, context.inside + 1) })) },
      end: { actions: assign(({ context }) => ({ inside: context.inside - 1 })) },
    },
  });
  return {
    name: 'tasklet-twice',
    actors: [
      { name: 'cpu0', machine: cpu('cpu0'), daemon: true },
      { name: 'cpu1', machine: cpu('cpu1'), daemon: true },
      { name: 't', machine: taskletMachine('t'), daemon: true, label: taskletLabel },
      { name: 'log', machine: log, daemon: true, label: (c: { inside: number; runs: number }) => `runs=${c.runs} inside=${c.inside}` },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'go' } },
      { to: 'cpu1', event: { type: 'go' } },
    ],
  };
}

/**
 * SCENARIOS.md C7 in small: the SPMC raises the SRI (SGI 8) on cpu1; the handler schedules the
 * notification tasklet, whose body asks the SPMC for NOTIFICATION_INFO_GET. Both CPUs idle
 * forever (a self-sent `tick`). `boot-cpu-only`: the handler is registered on cpu0 only, so the
 * SGI on cpu1 is dropped as "Unknown IRQ"; `all-cpus`: registered on both.
 */
export function sriNotification(variant: 'boot-cpu-only' | 'all-cpus'): LiveSystem {
  const cpu = (name: string, registered: boolean) =>
    cpuMachine({
      id: name,
      irqController: 'gic',
      registered: registered ? [8] : [],
      program: { initial: 'idle', states: { idle: { meta: softirqPoint(), on: { tick: { actions: send(name, { type: 'tick' }) } } } } },
      irqHandlers: { 8: { initial: 'out', start: send('notif', tasklet.schedule(name)), states: { out: { type: 'final' } } } },
      tasklets: {
        notif: {
          initial: 'calling',
          start: send('spmc', smc.call('NOTIFICATION_INFO_GET')),
          states: { calling: { on: { [SMC_RESULT]: 'out' } }, out: { type: 'final' } },
        },
      },
    });
  const spmc = secureWorldMachine('spmc', { served: false }, () => ({ context: { served: true }, result: { ret: 'SUCCESS' } }));
  const served = (v: GlobalView): boolean => (v.actor('spmc').context as { served: boolean }).served;
  return {
    name: `sri-${variant}`,
    actors: [
      { name: 'cpu0', machine: cpu('cpu0', true), daemon: true },
      { name: 'cpu1', machine: cpu('cpu1', variant === 'all-cpus'), daemon: true },
      { name: 'gic', machine: irqControllerMachine('gic', ['cpu0', 'cpu1']), daemon: true, label: irqControllerLabel },
      { name: 'notif', machine: taskletMachine('notif'), daemon: true, label: taskletLabel },
      { name: 'spmc', machine: spmc, daemon: true, label: (c: { served: boolean }) => (c.served ? 'served' : 'pending') },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'tick' } },
      { to: 'cpu1', event: { type: 'tick' } },
      { to: 'gic', event: irq.trigger(8, 'cpu1') },
    ],
    liveness: [{ name: 'the SRI is followed by a tasklet run (INFO_GET reaches the SPMC)', eventually: served }],
  };
}

export { spinlockMachine };

/**
 * Mutex M taken in tasklet `t` on cpu0 (`tasklet`: a sleeping function called from atomic
 * context), or by cpu0's program (`task`: fine).
 */
export function mutexIn(where: 'tasklet' | 'task'): SystemSpec {
  const take = { initial: 'taking', start: send('m', mutex.lock('M')), states: { taking: { on: { [MUTEX_GRANTED]: { target: 'fin', actions: send('m', mutex.unlock('M')) } } }, fin: { type: 'final' } } };
  const cpu0 =
    where === 'tasklet'
      ? cpuMachine({ id: 'cpu0', program: { initial: 'idle', states: { idle: { meta: softirqPoint() } } }, tasklets: { t: take } })
      : cpuMachine({ id: 'cpu0', program: { initial: 'idle', states: { idle: { on: { start: { target: 'taking', actions: take.start } } }, taking: take.states.taking, fin: { type: 'final' } } } });
  return {
    name: `mutex-in-${where}`,
    actors: [
      { name: 'cpu0', machine: cpu0, daemon: where === 'tasklet' },
      { name: 'm', machine: mutexMachine('m', ['M']), daemon: true, resources: mutexResources, label: mutexLabel },
      ...(where === 'tasklet' ? [{ name: 't', machine: taskletMachine('t'), daemon: true, label: taskletLabel }] : []),
    ],
    initialMessages: [where === 'tasklet' ? { to: 't', event: tasklet.schedule('cpu0') } : { to: 'cpu0', event: { type: 'start' } }],
  };
}
