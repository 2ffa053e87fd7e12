import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { c13Entries, c13RxtxMapMachine, c13Send2Machine, c13System } from '../../scenarios/c13.js';
import { configDiff } from './configDiff.js';

const CYCLE_4 =
  "deadlock: no actor can take a step, and 'A.v0' waits for ctx.rx_lock (held by B.v1); 'A.v1' waits for ctx.tx_lock (held by A.v0); 'B.v0' waits for ctx.rx_lock (held by A.v1); 'B.v1' waits for ctx.tx_lock (held by B.v0). Wait-for cycle: A.v0 -> B.v1 -> B.v0 -> A.v1 -> A.v0.";

describe('C13 upstream HEAD: SEND2 (own tx -> other rx) against RXTX_MAP (rx -> tx)', () => {
  it('should find the four-CPU deadlock with BFS, pin its shortest schedule and replay it', () => {
    const spec = c13System({ variant: 'buggy', cpus: '4cpu', checkers: [] });
    const result = explore(spec);
    const [v] = result.violations;
    expect([v?.kind, v?.message]).toEqual(['deadlock', CYCLE_4]);
    expect(v?.deadlock?.cycle).toEqual(['A.v0', 'B.v1', 'B.v0', 'A.v1', 'A.v0']);
    expect(v?.path).toHaveLength(16);
    expect(v?.token).toMatchInlineSnapshot(`"il2_AgZZ3DnIARDwfnnxAA_xAR7OAhy_AzjgBDCWADEJBDALASJ1BDALBSDgAiTjBDALBSDDAyhQBSDDBSDDYx_SGA"`);
    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.trace.findings.map((f) => f.message)).toEqual([CYCLE_4]);
    expect(formatTrace(replayed.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | A.v0       | A.v1    | B.v0       | B.v1    | A.ctx                  | B.ctx                  | message
         0 | idle       | idle    | idle       | idle    | rx=free tx=free        | rx=free tx=free        | (initial)
         1 | *txTrylock | idle    | idle       | idle    | rx=free tx=free        | rx=free tx=free        | A.v0 <- start from (env); sends spin.trylock(lock=ctx.tx_lock) to A.ctx
         2 | txTrylock  | *rxLock | idle       | idle    | rx=free tx=free        | rx=free tx=free        | A.v1 <- start from (env); sends spin.acquire(lock=ctx.rx_lock) to A.ctx
         3 | txTrylock  | rxLock  | *txTrylock | idle    | rx=free tx=free        | rx=free tx=free        | B.v0 <- start from (env); sends spin.trylock(lock=ctx.tx_lock) to B.ctx
         4 | txTrylock  | rxLock  | txTrylock  | *rxLock | rx=free tx=free        | rx=free tx=free        | B.v1 <- start from (env); sends spin.acquire(lock=ctx.rx_lock) to B.ctx
         5 | txTrylock  | rxLock  | txTrylock  | rxLock  | *rx=free tx=A.v0       | rx=free tx=free        | A.ctx <- spin.trylock(lock=ctx.tx_lock) from A.v0; sends spin.trylock.result(lock=ctx.tx_lock,ok=true) to A.v0
         6 | *rxLock    | rxLock  | txTrylock  | rxLock  | rx=free tx=A.v0        | rx=free tx=free        | A.v0 <- spin.trylock.result(lock=ctx.tx_lock,ok=true) from A.ctx; sends spin.acquire(lock=ctx.rx_lock) to B.ctx
         7 | rxLock     | rxLock  | txTrylock  | rxLock  | *rx=A.v1 tx=A.v0       | rx=free tx=free        | A.ctx <- spin.acquire(lock=ctx.rx_lock) from A.v1; sends spin.granted(lock=ctx.rx_lock) to A.v1
         8 | rxLock     | *txLock | txTrylock  | rxLock  | rx=A.v1 tx=A.v0        | rx=free tx=free        | A.v1 <- spin.granted(lock=ctx.rx_lock) from A.ctx; sends spin.acquire(lock=ctx.tx_lock) to A.ctx
         9 | rxLock     | txLock  | txTrylock  | rxLock  | *rx=A.v1 tx=A.v0 [A.v~ | rx=free tx=free        | A.ctx <- spin.acquire(lock=ctx.tx_lock) from A.v1
        10 | rxLock     | txLock  | txTrylock  | rxLock  | rx=A.v1 tx=A.v0 [A.v1] | *rx=free tx=B.v0       | B.ctx <- spin.trylock(lock=ctx.tx_lock) from B.v0; sends spin.trylock.result(lock=ctx.tx_lock,ok=true) to B.v0
        11 | rxLock     | txLock  | *rxLock    | rxLock  | rx=A.v1 tx=A.v0 [A.v1] | rx=free tx=B.v0        | B.v0 <- spin.trylock.result(lock=ctx.tx_lock,ok=true) from B.ctx; sends spin.acquire(lock=ctx.rx_lock) to A.ctx
        12 | rxLock     | txLock  | rxLock     | rxLock  | *rx=A.v1 [B.v0] tx=A.~ | rx=free tx=B.v0        | A.ctx <- spin.acquire(lock=ctx.rx_lock) from B.v0
        13 | rxLock     | txLock  | rxLock     | rxLock  | rx=A.v1 [B.v0] tx=A.v~ | *rx=B.v1 tx=B.v0       | B.ctx <- spin.acquire(lock=ctx.rx_lock) from B.v1; sends spin.granted(lock=ctx.rx_lock) to B.v1
        14 | rxLock     | txLock  | rxLock     | *txLock | rx=A.v1 [B.v0] tx=A.v~ | rx=B.v1 tx=B.v0        | B.v1 <- spin.granted(lock=ctx.rx_lock) from B.ctx; sends spin.acquire(lock=ctx.tx_lock) to B.ctx
        15 | rxLock     | txLock  | rxLock     | txLock  | rx=A.v1 [B.v0] tx=A.v~ | *rx=B.v1 [A.v0] tx=B.~ | B.ctx <- spin.acquire(lock=ctx.rx_lock) from A.v0
        16 | rxLock     | txLock  | rxLock     | txLock  | rx=A.v1 [B.v0] tx=A.v~ | *rx=B.v1 [A.v0] tx=B.~ | B.ctx <- spin.acquire(lock=ctx.tx_lock) from B.v1
      ! deadlock: no actor can take a step, and 'A.v0' waits for ctx.rx_lock (held by B.v1); 'A.v1' waits for ctx.tx_lock (held by A.v0); 'B.v0' waits for ctx.rx_lock (held by A.v1); 'B.v1' waits for ctx.tx_lock (held by B.v0). Wait-for cycle: A.v0 -> B.v1 -> B.v0 -> A.v1 -> A.v0."
    `);
  });

  it('should break the wait-for invariant in the state where the deadlock forms', () => {
    const result = explore(c13System({ variant: 'buggy', cpus: '4cpu', checkers: [], waitForInvariant: true }));
    const [v] = result.violations;
    expect(v?.kind).toBe('invariant');
    expect(v?.message).toMatchInlineSnapshot(`"invariant 'the wait-for graph stays acyclic' violated: A.v0 waits for B.ctx's ctx.rx_lock held by B.v1; B.v1 waits for B.ctx's ctx.tx_lock held by B.v0; B.v0 waits for A.ctx's ctx.rx_lock held by A.v1; A.v1 waits for A.ctx's ctx.tx_lock held by A.v0"`);
    expect(v?.path).toHaveLength(16);
  });

  it('lockdep should report the class cycle first, then exploration the deadlock', () => {
    const result = explore(c13System({ variant: 'buggy', cpus: '4cpu' }), { maxViolations: 2 });
    expect(result.violations.map((v) => [v.kind, v.path.length])).toEqual([
      ['lock-order', 3],
      ['deadlock', 16],
    ]);
    expect(result.violations[0]?.report).toMatchInlineSnapshot(`
      "======================================================
      WARNING: possible circular locking dependency detected
      ------------------------------------------------------
      A.v1 is trying to acquire lock:
       (ctx.tx_lock) at A.ctx, at: A.v1 <- spin.granted(lock=ctx.rx_lock) from A.ctx

      but task is already holding lock:
       (ctx.rx_lock) at A.ctx

      which lock already depends on the new lock.

      the existing dependency chain (in reverse order) is:

      -> #1 (ctx.rx_lock):
             taken while holding (ctx.tx_lock) by A.v0, at: A.v0 <- spin.trylock.result(lock=ctx.tx_lock,ok=true) from A.ctx
      -> #0 (ctx.tx_lock):
             taken while holding (ctx.rx_lock) by A.v1, at: A.v1 <- spin.granted(lock=ctx.rx_lock) from A.ctx

      other info that might help us debug this:

       Possible unsafe locking scenario:

             CPU0                    CPU1
             ----                    ----
        lock(ctx.rx_lock at A.ctx);
                                     lock(ctx.tx_lock at A.ctx);
                                     lock(ctx.rx_lock at B.ctx);
        lock(ctx.tx_lock at A.ctx);

       *** DEADLOCK ***

       The chain goes through two instances of one lock class: the scenario above shows the
       instances, and the cycle closes only through the other instances (more CPUs)."
    `);
  });

  it('lockdep should report rx -> tx -> rx with two CPUs, where no run deadlocks', () => {
    const spec = c13System({ variant: 'buggy', cpus: '2cpu' });
    const result = explore(spec, { maxViolations: 100 });
    expect(result.complete).toBe(true);
    expect(result.violations.map((v) => v.kind)).toEqual(['lock-order']);
    const [v] = result.violations;
    expect(v?.message).toMatchInlineSnapshot(`"lockdep: possible circular locking dependency: ctx.tx_lock -> ctx.rx_lock -> ctx.tx_lock (B.v1 takes ctx.tx_lock while holding ctx.rx_lock)"`);
    expect(v?.acrossExecutions).toBe(true);
    expect(formatTrace(replay(spec, v!.token).trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | A.v0 | B.v1    | A.ctx           | B.ctx            | message
         0 | idle | idle    | rx=free tx=free | rx=free tx=free  | (initial)
         1 | idle | *rxLock | rx=free tx=free | rx=free tx=free  | B.v1 <- start from (env); sends spin.acquire(lock=ctx.rx_lock) to B.ctx
         2 | idle | rxLock  | rx=free tx=free | *rx=B.v1 tx=free | B.ctx <- spin.acquire(lock=ctx.rx_lock) from B.v1; sends spin.granted(lock=ctx.rx_lock) to B.v1
        !3 | idle | *txLock | rx=free tx=free | rx=B.v1 tx=free  | B.v1 <- spin.granted(lock=ctx.rx_lock) from B.ctx; sends spin.acquire(lock=ctx.tx_lock) to B.ctx
      ! lockdep: possible circular locking dependency: ctx.tx_lock -> ctx.rx_lock -> ctx.tx_lock (B.v1 takes ctx.tx_lock while holding ctx.rx_lock)"
    `);
    // No deadlock, with or without lockdep watching.
    expect(explore(c13System({ variant: 'buggy', cpus: '2cpu', checkers: [] })).verdict).toBe('verified');
  });
});

describe('C13 proposed fix: spin_trylock of the destination rx_lock in ffa_msg_send2_vm', () => {
  for (const cpus of ['4cpu', '2cpu'] as const) {
    it(`should verify every interleaving with ${cpus}: no deadlock, no lock-order cycle, acyclic wait-for graph`, () => {
      const result = explore(c13System({ variant: 'fixed', cpus, waitForInvariant: true }), { maxViolations: 100 });
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
    });
  }

  it('should give every catalogue entry its expected verdict', () => {
    expect(c13Entries.map((e) => e.key)).toEqual(['C13/buggy/4cpu', 'C13/fixed/4cpu', 'C13/buggy/2cpu', 'C13/fixed/2cpu']);
    for (const e of c13Entries) {
      const result = explore(e.build(), e.explore ?? {});
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations.map((v) => v.kind), e.key).toContain(e.expected.kind);
    }
  });
});

describe('C13 variants differ only in how SEND2 takes the destination rx_lock', () => {
  it('the sender differs in its rxLock state alone; the mapper is shared', () => {
    expect(configDiff(c13Send2Machine({ trylockDstRx: false }).config, c13Send2Machine({ trylockDstRx: true }).config)).toMatchInlineSnapshot(`
      [
        "id",
        "states.rxLock.entry.params",
        "states.rxLock.on.spin.granted",
        "states.rxLock.on.spin.trylock.result",
      ]
    `);
    const a = c13System({ variant: 'buggy', cpus: '4cpu' }).actors.find((x) => x.name === 'A.v1')?.machine;
    const b = c13System({ variant: 'fixed', cpus: '4cpu' }).actors.find((x) => x.name === 'A.v1')?.machine;
    expect(configDiff(a!.config, b!.config)).toEqual([]);
    expect(a!.config.id).toBe(c13RxtxMapMachine().config.id);
  });
});
