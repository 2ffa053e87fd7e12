import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { c9Entries, c9Paths, c9System } from '../../scenarios/c9.js';

describe('C9 seeded inversion: ffa_rxtx_spmc_destroy takes the SPMC tx lock before rx', () => {
  it('lockdep should report the cycle, with its shortest schedule, which replays', () => {
    const spec = c9System({ variant: 'buggy' });
    const result = explore(spec);
    const [v] = result.violations;
    expect(v?.kind).toBe('lock-order');
    expect(v?.message).toMatchInlineSnapshot(`"lockdep: possible circular locking dependency: ffa_spmc_rx_lock -> ffa_spmc_tx_lock -> ffa_spmc_rx_lock (cpu0 takes ffa_spmc_rx_lock while holding ffa_spmc_tx_lock)"`);
    expect(v?.path).toHaveLength(12);
    expect(v?.report).toMatchInlineSnapshot(`
      "======================================================
      WARNING: possible circular locking dependency detected
      ------------------------------------------------------
      cpu0 is trying to acquire lock:
       (ffa_spmc_rx_lock) at spmc_bufs, at: cpu0 <- spin.granted(lock=ffa_spmc_tx_lock) from spmc_bufs

      but task is already holding lock:
       (ffa_spmc_tx_lock) at spmc_bufs

      which lock already depends on the new lock.

      the existing dependency chain (in reverse order) is:

      -> #1 (ffa_spmc_tx_lock):
             taken while holding (ffa_spmc_rx_lock) by cpu0, at: cpu0 <- spin.granted(lock=ffa_spmc_rx_lock) from spmc_bufs
      -> #0 (ffa_spmc_rx_lock):
             taken while holding (ffa_spmc_tx_lock) by cpu0, at: cpu0 <- spin.granted(lock=ffa_spmc_tx_lock) from spmc_bufs

      other info that might help us debug this:

       Possible unsafe locking scenario:

             CPU0                    CPU1
             ----                    ----
        lock(ffa_spmc_tx_lock);
                                     lock(ffa_spmc_rx_lock);
                                     lock(ffa_spmc_tx_lock);
        lock(ffa_spmc_rx_lock);

       *** DEADLOCK ***"
    `);
    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.trace.findings.map((f) => [f.kind, f.message])).toEqual([[v!.kind, v!.message]]);
    expect(formatTrace(replayed.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | cpu0                  | g1.vcpu0 | spmc_bufs              | g1.ctx           | message
         0 | idle                  | idle     | spmc_rx=- spmc_tx=-    | rx=- tx=- lock=- | (initial)
         1 | *s0 spin spmc_rx_lock | idle     | spmc_rx=- spmc_tx=-    | rx=- tx=- lock=- | cpu0 <- start from (env); sends spin.acquire(lock=ffa_spmc_rx_lock) to spmc_bufs
         2 | s0 spin spmc_rx_lock  | idle     | *spmc_rx=cpu0 spmc_tx~ | rx=- tx=- lock=- | spmc_bufs <- spin.acquire(lock=ffa_spmc_rx_lock) from cpu0; sends spin.granted(lock=ffa_spmc_rx_lock) to cpu0
         3 | *s1 spin spmc_tx_lock | idle     | spmc_rx=cpu0 spmc_tx=- | rx=- tx=- lock=- | cpu0 <- spin.granted(lock=ffa_spmc_rx_lock) from spmc_bufs; sends spin.acquire(lock=ffa_spmc_tx_lock) to spmc_bufs
         4 | s1 spin spmc_tx_lock  | idle     | *spmc_rx=cpu0 spmc_tx~ | rx=- tx=- lock=- | spmc_bufs <- spin.acquire(lock=ffa_spmc_tx_lock) from cpu0; sends spin.granted(lock=ffa_spmc_tx_lock) to cpu0
         5 | *s2 spin spmc_rx_lock | idle     | spmc_rx=cpu0 spmc_tx=~ | rx=- tx=- lock=- | cpu0 <- spin.granted(lock=ffa_spmc_tx_lock) from spmc_bufs; sends spin.release(lock=ffa_spmc_tx_lock) to spmc_bufs, spin.release(lock=ffa_spmc_rx_lock) to spmc_bufs, spin.acquire(lock=ffa_spmc_rx_lock) to spmc_bufs
         6 | s2 spin spmc_rx_lock  | idle     | *spmc_rx=cpu0 spmc_tx~ | rx=- tx=- lock=- | spmc_bufs <- spin.release(lock=ffa_spmc_tx_lock) from cpu0
         7 | s2 spin spmc_rx_lock  | idle     | *spmc_rx=- spmc_tx=-   | rx=- tx=- lock=- | spmc_bufs <- spin.release(lock=ffa_spmc_rx_lock) from cpu0
         8 | s2 spin spmc_rx_lock  | idle     | *spmc_rx=cpu0 spmc_tx~ | rx=- tx=- lock=- | spmc_bufs <- spin.acquire(lock=ffa_spmc_rx_lock) from cpu0; sends spin.granted(lock=ffa_spmc_rx_lock) to cpu0
         9 | *s3 spin spmc_tx_lock | idle     | spmc_rx=cpu0 spmc_tx=- | rx=- tx=- lock=- | cpu0 <- spin.granted(lock=ffa_spmc_rx_lock) from spmc_bufs; sends spin.release(lock=ffa_spmc_rx_lock) to spmc_bufs, spin.acquire(lock=ffa_spmc_tx_lock) to spmc_bufs
        10 | s3 spin spmc_tx_lock  | idle     | *spmc_rx=- spmc_tx=-   | rx=- tx=- lock=- | spmc_bufs <- spin.release(lock=ffa_spmc_rx_lock) from cpu0
        11 | s3 spin spmc_tx_lock  | idle     | *spmc_rx=- spmc_tx=cp~ | rx=- tx=- lock=- | spmc_bufs <- spin.acquire(lock=ffa_spmc_tx_lock) from cpu0; sends spin.granted(lock=ffa_spmc_tx_lock) to cpu0
       !12 | *s4 spin spmc_rx_lock | idle     | spmc_rx=- spmc_tx=cpu0 | rx=- tx=- lock=- | cpu0 <- spin.granted(lock=ffa_spmc_tx_lock) from spmc_bufs; sends spin.acquire(lock=ffa_spmc_rx_lock) to spmc_bufs
      ! lockdep: possible circular locking dependency: ffa_spmc_rx_lock -> ffa_spmc_tx_lock -> ffa_spmc_rx_lock (cpu0 takes ffa_spmc_rx_lock while holding ffa_spmc_tx_lock)"
    `);
  });

  it('should report only the inversion: no run deadlocks, and without lockdep every run is fine', () => {
    const all = explore(c9System({ variant: 'buggy' }), { maxViolations: 100 });
    expect(all.complete).toBe(true);
    expect(all.violations.map((v) => v.kind)).toEqual(['lock-order']);
    const plain = explore(c9System({ variant: 'buggy', checkers: [] }), { maxViolations: 100 });
    expect(plain.verdict).toBe('verified');
  });
});

describe('C9 upstream: rx before tx everywhere, the SPMC tx lock innermost', () => {
  it('should verify every interleaving: no lock-order report, no deadlock, acyclic wait-for graph', () => {
    const result = explore(c9System({ variant: 'fixed' }), { maxViolations: 100 });
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('verified');
    expect(result.complete).toBe(true);
  });

  it('should give every catalogue entry its expected verdict', () => {
    expect(c9Entries.map((e) => e.key)).toEqual(['C9/buggy', 'C9/fixed']);
    for (const e of c9Entries) {
      const result = explore(e.build(), e.explore ?? {});
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations.map((v) => v.kind), e.key).toContain(e.expected.kind);
    }
  });
});

describe('C9 variants differ only in the two lock steps of ffa_rxtx_spmc_destroy', () => {
  it('should differ in the 7th and 8th steps of the boot CPU path (the two spin_locks of destroy, swapped) and nowhere else', () => {
    const buggy = c9Paths('buggy');
    const fixed = c9Paths('fixed');
    expect(buggy.guest).toEqual(fixed.guest);
    const differing = buggy.cpu0.map((s, i) => (JSON.stringify(s) === JSON.stringify(fixed.cpu0[i]) ? null : i)).filter((i) => i !== null);
    expect(differing).toEqual([6, 7]);
    // The CPU machines are built from the paths by one function (lockPathMachine), so the
    // paths are the whole difference.
    expect([buggy.cpu0[6], buggy.cpu0[7]]).toEqual([fixed.cpu0[7], fixed.cpu0[6]]);
  });
});
