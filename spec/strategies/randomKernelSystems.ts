/**
 * Small random systems built from the kernel primitives, for property tests of reducing
 * strategies: CPUs with random programs that take and drop rwlocks and spinlocks, queue RCU
 * callbacks, arm and stop timers, read and write an unsynchronised counter, and send messages to
 * each other and to themselves, next to the real protocol actors (protocols/rwlock.ts,
 * spinlock.ts, rcu.ts, timer.ts). Where randomSystems.ts draws every actor's rules at random,
 * here the servers are the real ones, so their queues, callback lists and counters grow and
 * shrink as they do in the models of the catalogue.
 *
 * A CPU ("client") is a machine with states `s0..s<k-1>`. For each (state, message type) its
 * rule handles the message (next state, up to two operations, maybe a failing assertion),
 * defers it, ignores it, or leaves it unhandled (a violation). Message types are the plain
 * `m0..` plus every reply a primitive sends a client: `rw.granted`, `spin.granted`,
 * `spin.trylock.result`, the timer's `timer.fire` (a handler asks `timer.begin` for that
 * generation), `timer.go` (the callback: its handler ends with `timer.end`), `timer.stale` and
 * `timer.ack`, `rcu.qs_request` (a CPU the RCU actor watches must answer it: its handler replies
 * `rcu.quiescent` with the grace period it was asked about) and the counter's `value`. An operation sends a plain message (to a CPU, back to the sender, or to
 * itself), or calls a primitive: read/write lock and unlock, spin lock/unlock/trylock,
 * `call_rcu` (a callback message to some CPU after a grace period), timer set/stop, counter
 * read, and counter write of the value last read plus one (the lost-update pattern when two
 * CPUs do it).
 *
 * With `irqs: true` (kernelBlueprintArb's option) the systems have interrupts, delivered
 * urgently (runtime/delivery.ts: ahead of the mailbox's FIFO order when the receiver's state
 * handles them): an operation may trigger IRQ 1 on a CPU through the real interrupt controller
 * (protocols/irq.ts: `irq.trigger` to `gic`, which raises it with an urgent `irq.raise`; a CPU
 * handling it answers `irq.eoi`, and one deferring it has IRQs masked in that state), or send a
 * CPU a plain message marked urgent; initial messages may be urgent too.
 *
 * Mailbox bounds are small (2-3) and lock queues, callback lists and counters are not bounded,
 * so generated systems find deadlocks, assertion failures, unhandled messages and mailbox
 * overflows, and some are infinite: callers bound the full search and skip those.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(kernelBlueprintArb(), (bp) => {
 *   const spec = buildKernelSystem(bp);
 *   ...
 * }), { seed: 7, numRuns: 500 });
 * ```
 */
import fc from 'fast-check';
import { assign, createMachine } from 'xstate';
import { URGENT, assertThat, send, type Message } from '../../runtime/model.js';
import type { ActorSpec, GlobalView, Invariant, SystemSpec } from '../../runtime/system.js';
import { RCU_QS_REQUEST, RCU_QUIESCENT, TIMER_FIRE } from '../../protocols/cpu.js';
import { RW_GRANTED, rw, rwlockMachine, rwlockResources } from '../../protocols/rwlock.js';
import { SPIN_GRANTED, SPIN_TRYLOCK_RESULT, lockResources, spin, spinlockMachineWith } from '../../protocols/spinlock.js';
import { rcu, rcuMachine } from '../../protocols/rcu.js';
import { TIMER_ACK, TIMER_GO, TIMER_STALE, timer, timerMachine } from '../../protocols/timer.js';
import { IRQ_RAISE, irq, irqControllerMachine } from '../../protocols/irq.js';

/** The replies a client may receive from the primitives, after the plain types `m0..`. */
export const REPLY_TYPES = [RW_GRANTED, SPIN_GRANTED, SPIN_TRYLOCK_RESULT, TIMER_FIRE, TIMER_ACK, TIMER_GO, TIMER_STALE, RCU_QS_REQUEST, 'value'] as const;

/** The types a client's rules cover after the plain ones: the replies, then `irq.raise` when the system has interrupts. */
export function replyTypes(services: KernelBlueprint['services']): readonly string[] {
  return services.irq ? [...REPLY_TYPES, IRQ_RAISE] : REPLY_TYPES;
}

/** The IRQ the generated systems trigger (an SGI: the controller sends it to the named CPU). */
const IRQ = 1;

export type Op =
  | { kind: 'msg'; to: { kind: 'cpu'; cpu: number } | { kind: 'sender' } | { kind: 'self' }; type: number }
  | { kind: 'rw'; op: 'read_lock' | 'write_lock' | 'read_unlock' | 'write_unlock' }
  | { kind: 'spin'; op: 'acquire' | 'release' | 'trylock' }
  | { kind: 'rcu'; cpu: number; type: number }
  | { kind: 'timer'; op: 'set' | 'stop' }
  | { kind: 'counter'; op: 'read' | 'write' }
  /** IRQ 1 to a CPU through the controller, or a plain message sent to it as urgent. */
  | { kind: 'irq'; cpu: number; via: 'gic' | 'urgent'; type: number };

export type ClientRule = { kind: 'handle'; next: number; ops: Op[]; fail: boolean } | { kind: 'defer' } | { kind: 'ignore' } | { kind: 'unhandled' };

export interface ClientBlueprint {
  daemon: boolean;
  final: number | null;
  /** rules[state][type]: types are m0..m<k-1>, then replyTypes(services). */
  rules: ClientRule[][];
}

export interface KernelBlueprint {
  clients: ClientBlueprint[];
  /** Plain message types m0..m<k-1>. */
  plainTypes: number;
  services: {
    rwlock: boolean;
    /** A spinlock owner; `debugLocks: false` lets a CPU queue behind its own ticket. */
    spin: { debugLocks: boolean } | null;
    /** An RCU actor watching these CPUs (an empty list: grace periods end at once). */
    rcu: { cpus: number[] } | null;
    /** A timer whose callback runs on this CPU. */
    timer: { cpu: number } | null;
    counter: boolean;
    /** An interrupt controller `gic` for every CPU, and urgent plain messages. */
    irq?: boolean;
  };
  initial: Array<{ to: number; type: number; urgent?: boolean }>;
  mailboxBound: number;
  /**
   * An invariant: a CPU is never in a state (declaring what it reads, or not), no two CPUs are
   * in a state at once (it reads every CPU), a CPU in one state implies another is not in one
   * (it reads the second CPU only in some states), or the counter never holds a value.
   */
  invariant:
    | { kind: 'state'; cpu: number; state: number; declared: boolean }
    | { kind: 'exclusive'; state: number }
    | { kind: 'implies'; cpu: number; state: number; other: number; otherState: number }
    | { kind: 'counter'; value: number }
    | null;
}

const CPU = (i: number): string => `cpu${i}`;
const COUNTER_WIDTH = 4;

function opArb(clients: number, plainTypes: number, services: KernelBlueprint['services']): fc.Arbitrary<Op> {
  const type = fc.nat({ max: plainTypes - 1 });
  const options: Array<fc.Arbitrary<Op>> = [
    fc.record({
      kind: fc.constant('msg' as const),
      to: fc.oneof(fc.record({ kind: fc.constant('cpu' as const), cpu: fc.nat({ max: clients - 1 }) }), fc.constant({ kind: 'sender' as const }), fc.constant({ kind: 'self' as const })),
      type,
    }),
  ];
  if (services.rwlock) options.push(fc.record({ kind: fc.constant('rw' as const), op: fc.constantFrom('read_lock' as const, 'write_lock' as const, 'read_unlock' as const, 'write_unlock' as const) }));
  if (services.spin) options.push(fc.record({ kind: fc.constant('spin' as const), op: fc.constantFrom('acquire' as const, 'release' as const, 'trylock' as const) }));
  if (services.rcu) options.push(fc.record({ kind: fc.constant('rcu' as const), cpu: fc.nat({ max: clients - 1 }), type }));
  if (services.timer) options.push(fc.record({ kind: fc.constant('timer' as const), op: fc.constantFrom('set' as const, 'stop' as const) }));
  if (services.counter) options.push(fc.record({ kind: fc.constant('counter' as const), op: fc.constantFrom('read' as const, 'write' as const) }));
  if (services.irq) {
    const irqOp = fc.record({ kind: fc.constant('irq' as const), cpu: fc.nat({ max: clients - 1 }), via: fc.constantFrom('gic' as const, 'urgent' as const), type });
    // Twice: interrupts are what these systems are for.
    options.push(irqOp, irqOp);
  }
  return fc.oneof(...options);
}

function clientArb(states: number, types: number, op: fc.Arbitrary<Op>, failures: boolean): fc.Arbitrary<ClientBlueprint> {
  const rule: fc.Arbitrary<ClientRule> = fc.oneof(
    // Failures end paths, so they are kept rare enough for most systems to get somewhere.
    { weight: 24, arbitrary: fc.record({ kind: fc.constant('handle' as const), next: fc.nat({ max: states - 1 }), ops: fc.array(op, { maxLength: 2 }), fail: fc.nat({ max: 29 }).map((x) => failures && x === 0) }) },
    { weight: 6, arbitrary: fc.constant({ kind: 'defer' as const }) },
    { weight: 6, arbitrary: fc.constant({ kind: 'ignore' as const }) },
    { weight: failures ? 1 : 0, arbitrary: fc.constant({ kind: 'unhandled' as const }) },
  );
  return fc.record({
    daemon: fc.boolean(),
    final: fc.option(fc.integer({ min: 1, max: states - 1 }), { nil: null, freq: 2 }),
    rules: fc.array(fc.array(rule, { minLength: types, maxLength: types }), { minLength: states, maxLength: states }),
  });
}

/**
 * An arbitrary small system of CPUs and primitives; with `irqs`, interrupts too (see the
 * header). Without `irqs` the systems drawn for a seed are the ones drawn before it existed.
 */
export function kernelBlueprintArb(options: { maxClients?: number; failures?: boolean; mailboxBound?: number; irqs?: boolean } = {}): fc.Arbitrary<KernelBlueprint> {
  const maxClients = options.maxClients ?? 3;
  const failures = options.failures ?? true;
  return fc
    .record({
      clients: fc.integer({ min: 1, max: maxClients }),
      states: fc.integer({ min: 2, max: 3 }),
      plainTypes: fc.integer({ min: 1, max: 2 }),
      mailboxBound: options.mailboxBound ? fc.constant(options.mailboxBound) : fc.integer({ min: 2, max: 3 }),
      rwlock: fc.boolean(),
      spin: fc.option(fc.record({ debugLocks: fc.boolean() }), { nil: null }),
      rcuOn: fc.boolean(),
      timerOn: fc.boolean(),
      counter: fc.boolean(),
    })
    .chain(({ clients, states, plainTypes, mailboxBound, rwlock, spin: spinOpt, rcuOn, timerOn, counter }) => {
      const cpuIndex = fc.nat({ max: clients - 1 });
      return fc
        .record({
          rcuCpus: fc.subarray(Array.from({ length: clients }, (_, i) => i)),
          timerCpu: cpuIndex,
        })
        .chain(({ rcuCpus, timerCpu }) => {
          const services: KernelBlueprint['services'] = {
            rwlock,
            spin: spinOpt,
            rcu: rcuOn ? { cpus: rcuCpus } : null,
            timer: timerOn ? { cpu: timerCpu } : null,
            counter,
            ...(options.irqs ? { irq: true } : {}),
          };
          const types = plainTypes + replyTypes(services).length;
          const op = opArb(clients, plainTypes, services);
          const invariant: fc.Arbitrary<KernelBlueprint['invariant']> = fc.oneof(
            { weight: 2, arbitrary: fc.constant(null) },
            { weight: 2, arbitrary: fc.record({ kind: fc.constant('state' as const), cpu: cpuIndex, state: fc.integer({ min: 1, max: states - 1 }), declared: fc.boolean() }) },
            { weight: 1, arbitrary: fc.record({ kind: fc.constant('exclusive' as const), state: fc.integer({ min: 1, max: states - 1 }) }) },
            {
              weight: 1,
              arbitrary: fc.record({ kind: fc.constant('implies' as const), cpu: cpuIndex, state: fc.nat({ max: states - 1 }), other: cpuIndex, otherState: fc.nat({ max: states - 1 }) }),
            },
            ...(counter ? [{ weight: 1, arbitrary: fc.record({ kind: fc.constant('counter' as const), value: fc.integer({ min: 1, max: 3 }) }) }] : []),
          );
          return fc.record({
            clients: fc.array(clientArb(states, types, op, failures), { minLength: clients, maxLength: clients }),
            plainTypes: fc.constant(plainTypes),
            services: fc.constant(services),
            initial: fc.array(options.irqs ? fc.record({ to: cpuIndex, type: fc.nat({ max: plainTypes - 1 }), urgent: fc.boolean() }) : fc.record({ to: cpuIndex, type: fc.nat({ max: plainTypes - 1 }) }), {
              minLength: 1,
              maxLength: 3,
            }),
            mailboxBound: fc.constant(mailboxBound),
            invariant,
          });
        });
    });
}

interface ClientContext {
  /** The last counter value this CPU read (the lost update writes it plus one). */
  seen: number;
}

/** Builds the system a blueprint describes: CPUs `cpu0..`, then `rw`, `lock`, `rcu`, `timer`, `mem`, `gic`. */
export function buildKernelSystem(bp: KernelBlueprint, name = 'random-kernel'): SystemSpec {
  const { services } = bp;
  const replies = replyTypes(services);
  const typeName = (t: number): string => (t < bp.plainTypes ? `m${t}` : (replies[t - bp.plainTypes] as string));
  const actors: ActorSpec[] = bp.clients.map((client, i) => {
    const self = CPU(i);
    const opAction = (op: Op): unknown => {
      switch (op.kind) {
        case 'msg':
          return send<ClientContext, Message>(({ event }) => (op.to.kind === 'cpu' ? CPU(op.to.cpu) : op.to.kind === 'self' ? self : typeof event.from === 'string' && event.from.startsWith('cpu') ? event.from : self), {
            type: typeName(op.type),
          });
        case 'rw': {
          const make = { read_lock: rw.readLock('l'), write_lock: rw.writeLock('l'), read_unlock: rw.readUnlock('l'), write_unlock: rw.writeUnlock('l') }[op.op];
          return send('rw', make);
        }
        case 'spin':
          return send('lock', op.op === 'acquire' ? spin.acquire('l') : op.op === 'release' ? spin.release('l') : spin.trylock('l'));
        case 'rcu':
          return send('rcu', rcu.call(CPU(op.cpu), { type: typeName(op.type) }));
        case 'timer':
          return send('timer', op.op === 'set' ? timer.set() : timer.stop());
        case 'counter':
          return op.op === 'read'
            ? send('mem', { type: 'read' })
            : send<ClientContext, Message>('mem', ({ context }) => ({ type: 'write', v: (context.seen + 1) % COUNTER_WIDTH }));
        case 'irq':
          return op.via === 'gic' ? send('gic', irq.trigger(IRQ, CPU(op.cpu))) : send(CPU(op.cpu), { type: typeName(op.type), [URGENT]: true });
      }
    };
    const states: Record<string, object> = {};
    client.rules.forEach((row, s) => {
      if (client.final === s) {
        states[`s${s}`] = { type: 'final' };
        return;
      }
      const on: Record<string, object> = {};
      const defer: string[] = [];
      const ignore: string[] = [];
      row.forEach((rule, t) => {
        const type = typeName(t);
        if (rule.kind === 'defer') defer.push(type);
        else if (rule.kind === 'ignore') ignore.push(type);
        else if (rule.kind === 'handle') {
          const actions: unknown[] = [];
          if (type === 'value') actions.push(assign<ClientContext, Message, undefined, Message, never>({ seen: ({ event }) => Number(event.v ?? 0) }));
          if (type === RCU_QS_REQUEST) actions.push(send<ClientContext, Message>(({ event }) => String(event.from), ({ event }) => ({ type: RCU_QUIESCENT, gp: event.gp })));
          if (type === TIMER_FIRE) actions.push(send<ClientContext, Message>(({ event }) => String(event.from), ({ event }) => timer.begin(Number(event.gen))));
          for (const op of rule.ops) actions.push(opAction(op));
          if (rule.fail) actions.push(assertThat(() => false, `rule ${s}/${type} fails`));
          if (type === TIMER_GO) actions.push(send<ClientContext, Message>(({ event }) => String(event.from), timer.end()));
          if (type === IRQ_RAISE) actions.push(send('gic', irq.eoi(IRQ)));
          on[type] = { target: `s${rule.next}`, reenter: rule.next === s, actions };
        }
      });
      states[`s${s}`] = { on, meta: { defer, ignore } };
    });
    return {
      name: self,
      daemon: client.daemon || client.final === null,
      machine: createMachine({ id: self, context: { seen: 0 } as ClientContext, initial: 's0', states } as never),
    };
  });
  if (services.rwlock) actors.push({ name: 'rw', machine: rwlockMachine('rw', 'l'), daemon: true, resources: rwlockResources });
  if (services.spin) actors.push({ name: 'lock', machine: spinlockMachineWith('lock', ['l'], { debugLocks: services.spin.debugLocks }), daemon: true, resources: lockResources });
  if (services.rcu) actors.push({ name: 'rcu', machine: rcuMachine('rcu', services.rcu.cpus.map(CPU)), daemon: true });
  if (services.timer) actors.push({ name: 'timer', machine: timerMachine('timer', CPU(services.timer.cpu)), daemon: true });
  if (services.counter) {
    actors.push({
      name: 'mem',
      daemon: true,
      machine: createMachine({
        id: 'mem',
        context: { v: 0 },
        on: {
          read: { actions: send<{ v: number }, Message>(({ event }) => String(event.from), ({ context }) => ({ type: 'value', v: context.v })) },
          write: { actions: assign<{ v: number }, Message, undefined, Message, never>({ v: ({ event }) => Number(event.v ?? 0) }) },
        },
      } as never),
    });
  }
  if (services.irq) actors.push({ name: 'gic', machine: irqControllerMachine('gic', bp.clients.map((_, i) => CPU(i))), daemon: true });
  const spec: SystemSpec = {
    name,
    actors,
    initialMessages: bp.initial.map((m) => ({ to: CPU(m.to), event: m.urgent ? { type: typeName(m.type), [URGENT]: true } : { type: typeName(m.type) } })),
    mailboxBound: bp.mailboxBound,
  };
  const inv = bp.invariant;
  if (inv?.kind === 'state') {
    const who = CPU(inv.cpu);
    const invariant: Invariant = { name: `${who} never in s${inv.state}`, check: (view: GlobalView) => !view.actor(who).matches(`s${inv.state}`) };
    spec.invariants = [inv.declared ? { ...invariant, reads: [who] } : invariant];
  } else if (inv?.kind === 'exclusive') {
    const names = bp.clients.map((_, i) => CPU(i));
    spec.invariants = [{ name: `at most one CPU in s${inv.state}`, check: (view: GlobalView) => names.filter((c) => view.actor(c).matches(`s${inv.state}`)).length <= 1 }];
  } else if (inv?.kind === 'implies') {
    const [a, b] = [CPU(inv.cpu), CPU(inv.other)];
    spec.invariants = [{ name: `${a} in s${inv.state} => ${b} not in s${inv.otherState}`, check: (view: GlobalView) => !view.actor(a).matches(`s${inv.state}`) || !view.actor(b).matches(`s${inv.otherState}`) }];
  } else if (inv?.kind === 'counter') {
    spec.invariants = [{ name: `counter never ${inv.value}`, check: (view: GlobalView) => (view.actor('mem').context as { v: number }).v !== inv.value || `the counter holds ${inv.value}` }];
  }
  return spec;
}
