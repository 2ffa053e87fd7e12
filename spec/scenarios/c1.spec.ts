import { assign, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ModelError, explore, formatTrace, replay, reply, type SystemSpec } from '../../runtime/index.js';
import { freeLocks, SPIN_GRANTED, SPIN_IS_LOCKED_RESULT } from '../../protocols/spinlock.js';
import { FFA } from '../../actors/ffa.js';
import { ACQUIRE_ASSERT, vcpuActor, vcpuMachine } from '../../actors/vcpu.js';
import { FFA_SPMC_RX_LOCK, RX_DATA, SPMC_RX_ACTOR } from '../../actors/spmcRxBuffer.js';
import { c1Entries, c1Invariants, c1System } from '../../scenarios/c1.js';
import { catalogue, findEntry } from '../../scenarios/index.js';

const ASSERTION_MESSAGE = `assertion failed in actor 'g2.vcpu0': ${ACQUIRE_ASSERT}`;

describe('C1 buggy: ASSERT(!spin_is_locked) in ffa_rxtx_spmc_rx_acquire (seed 004)', () => {
  it('should find the assertion with BFS and pin its shortest counterexample', () => {
    const spec = c1System({ variant: 'buggy', guests: 2 });
    const result = explore(spec);
    expect(result.verdict).toBe('violation');
    const [v] = result.violations;
    expect(v?.kind).toBe('assertion');
    expect(v?.message).toBe(ASSERTION_MESSAGE);
    // Shortest by reasoning: g1 asks (1), is answered (2), acquires (3), is granted (4); g2
    // starts and asks (5), is answered 'locked' (6), and its ASSERT fires (7).
    expect(v?.path).toHaveLength(7);
    expect(v?.token).toBe('il2_AgQPjgIkAQcJngslAAMFAgZDAANRAQaWAgRhAgVDAQMMuj4sHg');

    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.fingerprintMatches).toBe(true);
    expect(replayed.trace.findings.map((f) => [f.kind, f.message])).toEqual([['assertion', ASSERTION_MESSAGE]]);
    expect(formatTrace(replayed.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0        | g2.vcpu0        | spmc_rx   | spmc    | message
         0 | idle            | idle            | free      | rx:spmc | (initial)
         1 | *acquire.assert | idle            | free      | rx:spmc | g1.vcpu0 <- start from (env); sends spin.is_locked(lock=ffa_spmc_rx_lock) to spmc_rx
         2 | acquire.assert  | idle            | *free     | rx:spmc | spmc_rx <- spin.is_locked(lock=ffa_spmc_rx_lock) from g1.vcpu0; sends spin.is_locked.result(lock=ffa_spmc_rx_lock,locked=false) to g1.vcpu0
         3 | *acquire.spin   | idle            | free      | rx:spmc | g1.vcpu0 <- spin.is_locked.result(lock=ffa_spmc_rx_lock,locked=false) from spmc_rx; sends spin.acquire(lock=ffa_spmc_rx_lock) to spmc_rx
         4 | acquire.spin    | *acquire.assert | free      | rx:spmc | g2.vcpu0 <- start from (env); sends spin.is_locked(lock=ffa_spmc_rx_lock) to spmc_rx
         5 | acquire.spin    | acquire.assert  | *g1.vcpu0 | rx:spmc | spmc_rx <- spin.acquire(lock=ffa_spmc_rx_lock) from g1.vcpu0; sends spin.granted(lock=ffa_spmc_rx_lock) to g1.vcpu0
         6 | acquire.spin    | acquire.assert  | *g1.vcpu0 | rx:spmc | spmc_rx <- spin.is_locked(lock=ffa_spmc_rx_lock) from g2.vcpu0; sends spin.is_locked.result(lock=ffa_spmc_rx_lock,locked=true) to g2.vcpu0
        !7 | acquire.spin    | *acquire.spin   | g1.vcpu0  | rx:spmc | g2.vcpu0 <- spin.is_locked.result(lock=ffa_spmc_rx_lock,locked=true) from spmc_rx; sends spin.acquire(lock=ffa_spmc_rx_lock) to spmc_rx
      ! assertion failed in actor 'g2.vcpu0': ASSERT(!spin_is_locked(&ffa_spmc_rx_lock)) in ffa_rxtx_spmc_rx_acquire"
    `);
  });

  it('should find the same assertion with DFS, and with three guests', () => {
    const dfs = explore(c1System({ variant: 'buggy', guests: 2 }), { strategy: 'dfs' });
    expect(dfs.violations.map((v) => [v.kind, v.message])).toEqual([['assertion', ASSERTION_MESSAGE]]);
    const three = explore(c1System({ variant: 'buggy', guests: 3 }));
    expect(three.violations.map((v) => [v.kind, v.message, v.path.length])).toEqual([['assertion', ASSERTION_MESSAGE, 7]]);
  });

  it('should break none of the state invariants: only the ASSERT is wrong, on either vCPU', () => {
    const result = explore(c1System({ variant: 'buggy', guests: 2 }), { maxViolations: 100 });
    // The search goes on past the first violation (not into a failed step's successors) to the end.
    expect(result.complete).toBe(true);
    expect(result.violations.map((v) => v.message).sort()).toEqual([`assertion failed in actor 'g1.vcpu0': ${ACQUIRE_ASSERT}`, ASSERTION_MESSAGE]);
  });
});

describe('C1 fixed: plain blocking acquire (seed 002 "Remove invalid ASSERT", upstream 9e9504ef)', () => {
  for (const guests of [2, 3, 4]) {
    it(`should verify every interleaving with ${guests} guests, under BFS and DFS alike`, () => {
      const bfs = explore(c1System({ variant: 'fixed', guests }), { maxViolations: 100 });
      expect(bfs.violations).toEqual([]);
      expect(bfs.verdict).toBe('verified');
      expect(bfs.complete).toBe(true);
      const dfs = explore(c1System({ variant: 'fixed', guests }), { strategy: 'dfs', maxViolations: 100 });
      expect(dfs.verdict).toBe('verified');
      expect(dfs.complete).toBe(true);
      // Both searches are exhaustive, so they must agree on the reachable state space.
      expect(dfs.stats.states).toBe(bfs.stats.states);
      expect(dfs.stats.transitions).toBe(bfs.stats.transitions);
    });
  }

  it('should have invariants that bite: a lock that grants everyone breaks them', () => {
    // The SPMC RX buffer with a broken lock: every acquire is granted at once, and the lock
    // records the latest grantee as its owner.
    type Ctx = { locks: ReturnType<typeof freeLocks>; count: number | null };
    const grantee = ({ event }: { event: { type: string; from?: string } }) => ({ [FFA_SPMC_RX_LOCK]: { owner: event.from ?? null, queue: [] } });
    const broken = createMachine({
      id: 'broken_spmc_rx',
      types: {} as { context: Ctx },
      context: { locks: freeLocks(FFA_SPMC_RX_LOCK), count: null },
      on: {
        'spin.acquire': { actions: [assign({ locks: grantee }), reply({ type: SPIN_GRANTED, lock: FFA_SPMC_RX_LOCK })] },
        'spin.release': {},
        'spin.is_locked': { actions: reply({ type: SPIN_IS_LOCKED_RESULT, lock: FFA_SPMC_RX_LOCK, locked: true }) },
        'rx.fill': { actions: assign({ count: ({ event }) => (event as unknown as { count: number }).count }) },
        'rx.read': { actions: reply(({ context }: { context: Ctx }) => ({ type: RX_DATA, count: context.count })) },
      },
    });
    // Each invariant on its own, since the search does not go past the first broken one.
    for (const invariant of c1Invariants) {
      const spec: SystemSpec = { ...c1System({ variant: 'fixed', guests: 2 }), invariants: [invariant] };
      spec.actors = spec.actors.map((a) => (a.name === SPMC_RX_ACTOR ? { name: a.name, machine: broken, daemon: true } : a));
      const found = explore(spec).violations.map((v) => v.message);
      expect(found, invariant.name).toHaveLength(1);
      expect(found[0], invariant.name).toMatch(`invariant '${invariant.name}' violated: `);
    }
  });
});

describe('the two vCPU machines', () => {
  it('should differ only in the acquire-time is_locked query and ASSERT', () => {
    const buggy = vcpuMachine({ assertUnlockedOnAcquire: true }).config;
    const fixed = vcpuMachine({ assertUnlockedOnAcquire: false }).config;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const acquire = (buggy.states as any).acquire;
    const { assert: queryAndAssert, ...rest } = acquire.states;
    // Remove that one state, enter the acquire at the spin_lock: the fixed machine is what is left.
    expect({ ...buggy, id: fixed.id, states: { ...buggy.states, acquire: { ...acquire, initial: 'spin', states: rest } } }).toStrictEqual(fixed);
    expect(acquire.initial).toBe('assert');

    // And that state is exactly "ask spin_is_locked, then ASSERT the answer was 'unlocked'".
    const entry = queryAndAssert.entry.params({ context: {}, event: {} });
    expect(entry).toEqual({ to: SPMC_RX_ACTOR, event: { type: 'spin.is_locked', lock: FFA_SPMC_RX_LOCK } });
    const onResult = queryAndAssert.on[SPIN_IS_LOCKED_RESULT];
    expect(onResult.target).toBe('spin');
    expect(onResult.actions.params({ context: {}, event: { locked: true } })).toEqual({ ok: false, message: ACQUIRE_ASSERT });
    expect(onResult.actions.params({ context: {}, event: { locked: false } })).toEqual({ ok: true, message: ACQUIRE_ASSERT });
  });

  it('should refuse a program with a call the model does not support', () => {
    expect(() => vcpuActor('g1.vcpu0', { assertUnlockedOnAcquire: false }, [FFA.MEM_SHARE_64])).toThrow(
      new ModelError("vCPU 'g1.vcpu0': the model does not support FFA_MEM_SHARE_64; supported calls are FFA_PARTITION_INFO_GET"),
    );
  });

  it('should run a program of several calls to the end', () => {
    const spec = c1System({ variant: 'fixed', guests: 2 });
    spec.actors = spec.actors.map((a) => (a.name.endsWith('.vcpu0') ? vcpuActor(a.name, { assertUnlockedOnAcquire: false }, [FFA.PARTITION_INFO_GET, FFA.PARTITION_INFO_GET]) : a));
    const result = explore(spec);
    expect(result.verdict).toBe('verified');
  });
});

describe('the catalogue', () => {
  it('should list the C1 entries, each getting its expected verdict', () => {
    // ... and after them the larger configuration explored with PCT (spec/scenarios/pct.spec.ts).
    expect(catalogue.filter((e) => e.id === 'C1').map((e) => e.key)).toEqual(['C1/buggy/2g', 'C1/fixed/2g', 'C1/buggy/3g', 'C1/fixed/3g', 'C1/buggy/5gx2-pct', 'C1/fixed/5gx2-pct']);
    for (const e of c1Entries) {
      const result = explore(e.build(), e.explore ?? {});
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations[0]?.kind, e.key).toBe(e.expected.kind);
      else expect(result.complete, e.key).toBe(true);
    }
  });

  it('should find an entry by key, and name the valid keys for an unknown one', () => {
    expect(findEntry('C1/fixed/3g').build().name).toBe('C1-fixed-3g');
    expect(() => findEntry('C1/buggy/9g')).toThrow(ModelError);
    expect(() => findEntry('C1/buggy/9g')).toThrow(/unknown scenario 'C1\/buggy\/9g'; valid keys are C1\/buggy\/2g, C1\/fixed\/2g, C1\/buggy\/3g, C1\/fixed\/3g/);
  });

  it('should refuse a configuration without guests', () => {
    expect(() => c1System({ variant: 'fixed', guests: 0 })).toThrow(new ModelError('C1: guests must be a positive integer, got 0'));
  });
});
