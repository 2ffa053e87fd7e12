import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { ALL_OK, C2_OPTIONS, RELEASE_ASSERT, c2BootSystem, c2Entries, c2PartInfoMachine, type C2BootOutcomes } from '../../scenarios/c2.js';
import type { CatalogueEntry } from '../../scenarios/types.js';
import { diffSteps } from './machineSteps.js';

function entry(key: string): CatalogueEntry {
  const e = c2Entries.find((x) => x.key === key);
  if (!e) throw new Error(`no entry ${key}`);
  return e;
}

const UNLOCKED_READ = "assertion failed in actor 'spmc_rx': SPMC RX buffer read by a CPU that does not hold ffa_spmc_rx_lock";

describe('C2 — SPMC buffer acquire that does not hold the lock for the whole use', () => {
  it('should find variant A reading the SPMC RX buffer unlocked, and a second guest answered BUSY failing the release ASSERT', () => {
    const e = entry('C2/buggy/2g');
    const result = explore(e.build(), e.explore);
    expect(result.verdict).toBe('violation');
    expect(e.expected).toEqual({ verdict: 'violation', kind: 'assertion' });
    expect(result.violations.map((v) => [v.kind, v.message, v.path.length])).toEqual([
      ['assertion', UNLOCKED_READ, 8],
      ['assertion', `assertion failed in actor 'g2.v0': ${RELEASE_ASSERT}`, 14],
      ['assertion', `assertion failed in actor 'g1.v0': ${RELEASE_ASSERT}`, 14],
    ]);
  });

  it('should replay every variant-A counterexample from its token to the same finding', () => {
    const e = entry('C2/buggy/2g');
    const spec = e.build();
    for (const v of explore(spec, e.explore).violations) {
      const r = replay(spec, v.token);
      expect(r.divergence).toBeUndefined();
      expect(r.fingerprintMatches).toBe(true);
      expect(r.trace.steps.map((s) => s.actor)).toEqual(v.path.map((a) => spec.actors[a]!.name));
      expect(r.trace.steps.at(-1)?.findings.map((f) => f.message)).toEqual([v.message]);
    }
  });

  it('should pin the shortest trace (one CPU: the lock protects nothing) and the cross-guest one (BUSY, then the release)', () => {
    const e = entry('C2/buggy/2g');
    const spec = e.build();
    const [unlocked, busy] = explore(spec, e.explore).violations;
    expect(formatTrace(replay(spec, unlocked!.token).trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.v0        | g2.v0 | spmc_rx | spmc    | message
         0 | idle         | idle  | free    | rx:spmc | (initial)
         1 | *acquire     | idle  | free    | rx:spmc | g1.v0 <- start from (env); sends spin.acquire(lock=ffa_spmc_rx_lock) to spmc_rx
         2 | acquire      | idle  | *g1.v0  | rx:spmc | spmc_rx <- spin.acquire(lock=ffa_spmc_rx_lock) from g1.v0; sends spin.granted(lock=ffa_spmc_rx_lock) to g1.v0
         3 | *partInfoSmc | idle  | g1.v0   | rx:spmc | g1.v0 <- spin.granted(lock=ffa_spmc_rx_lock) from spmc_rx; sends spin.release(lock=ffa_spmc_rx_lock) to spmc_rx, smc(fid=0x84000068) to spmc
         4 | partInfoSmc  | idle  | *free   | rx:spmc | spmc_rx <- spin.release(lock=ffa_spmc_rx_lock) from g1.v0
         5 | partInfoSmc  | idle  | free    | *rx:xen | spmc <- smc(fid=0x84000068) from g1.v0; sends rx.fill(count=2) to spmc_rx, smc.ret(fid=0x84000061,w2=2) to g1.v0
         6 | *readRx      | idle  | free    | rx:xen  | g1.v0 <- smc.ret(fid=0x84000061,w2=2) from spmc; sends rx.read to spmc_rx
         7 | readRx       | idle  | *free   | rx:xen  | spmc_rx <- rx.fill(count=2) from spmc
        !8 | readRx       | idle  | *free   | rx:xen  | spmc_rx <- rx.read from g1.v0; sends rx.data(count=2) to g1.v0
      ! assertion failed in actor 'spmc_rx': SPMC RX buffer read by a CPU that does not hold ffa_spmc_rx_lock"
    `);
    expect(formatTrace(replay(spec, busy!.token).trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.v0        | g2.v0           | spmc_rx        | spmc    | message
         0 | idle         | idle            | free           | rx:spmc | (initial)
         1 | *acquire     | idle            | free           | rx:spmc | g1.v0 <- start from (env); sends spin.acquire(lock=ffa_spmc_rx_lock) to spmc_rx
         2 | acquire      | *acquire        | free           | rx:spmc | g2.v0 <- start from (env); sends spin.acquire(lock=ffa_spmc_rx_lock) to spmc_rx
         3 | acquire      | acquire         | *g1.v0         | rx:spmc | spmc_rx <- spin.acquire(lock=ffa_spmc_rx_lock) from g1.v0; sends spin.granted(lock=ffa_spmc_rx_lock) to g1.v0
         4 | *partInfoSmc | acquire         | g1.v0          | rx:spmc | g1.v0 <- spin.granted(lock=ffa_spmc_rx_lock) from spmc_rx; sends spin.release(lock=ffa_spmc_rx_lock) to spmc_rx, smc(fid=0x84000068) to spmc
         5 | partInfoSmc  | acquire         | *g1.v0 [g2.v0] | rx:spmc | spmc_rx <- spin.acquire(lock=ffa_spmc_rx_lock) from g2.v0
         6 | partInfoSmc  | acquire         | *g2.v0         | rx:spmc | spmc_rx <- spin.release(lock=ffa_spmc_rx_lock) from g1.v0; sends spin.granted(lock=ffa_spmc_rx_lock) to g2.v0
         7 | partInfoSmc  | *partInfoSmc    | g2.v0          | rx:spmc | g2.v0 <- spin.granted(lock=ffa_spmc_rx_lock) from spmc_rx; sends spin.release(lock=ffa_spmc_rx_lock) to spmc_rx, smc(fid=0x84000068) to spmc
         8 | partInfoSmc  | partInfoSmc     | *free          | rx:spmc | spmc_rx <- spin.release(lock=ffa_spmc_rx_lock) from g2.v0
         9 | partInfoSmc  | partInfoSmc     | free           | *rx:xen | spmc <- smc(fid=0x84000068) from g1.v0; sends rx.fill(count=2) to spmc_rx, smc.ret(fid=0x84000061,w2=2) to g1.v0
        10 | partInfoSmc  | partInfoSmc     | *free          | rx:xen  | spmc_rx <- rx.fill(count=2) from spmc
        11 | partInfoSmc  | partInfoSmc     | free           | *rx:xen | spmc <- smc(fid=0x84000068) from g2.v0; sends smc.ret(fid=0x84000060,w2=-4) to g2.v0
        12 | partInfoSmc  | *release.assert | free           | rx:xen  | g2.v0 <- smc.ret(fid=0x84000060,w2=-4) from spmc; sends spin.is_locked(lock=ffa_spmc_rx_lock) to spmc_rx
        13 | partInfoSmc  | release.assert  | *free          | rx:xen  | spmc_rx <- spin.is_locked(lock=ffa_spmc_rx_lock) from g2.v0; sends spin.is_locked.result(lock=ffa_spmc_rx_lock,locked=false) to g2.v0
       !14 | partInfoSmc  | *release.smc    | free           | rx:xen  | g2.v0 <- spin.is_locked.result(lock=ffa_spmc_rx_lock,locked=false) from spmc_rx; sends smc(fid=0x84000065) to spmc
      ! assertion failed in actor 'g2.v0': ASSERT(spin_is_locked(&ffa_spmc_rx_lock)) in ffa_rxtx_spmc_rx_release"
    `);
  });

  it('should verify the lock held from acquire to release (9e9504ef) exhaustively', () => {
    const result = explore(entry('C2/fixed/2g').build());
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('verified');
    expect(result.complete).toBe(true);
  });

  it('should differ from variant A only in the acquire step', () => {
    expect(diffSteps(c2PartInfoMachine(C2_OPTIONS.buggy), c2PartInfoMachine(C2_OPTIONS.fixed))).toEqual({ onlyA: [], onlyB: [], changed: ['acquire'] });
  });
});

describe('C2 — upstream HEAD: an acquire returning NULL with the lock held (settled: unreachable)', () => {
  const outcomes: C2BootOutcomes[] = [];
  for (let bits = 0; bits < 16; bits++) {
    outcomes.push({ rxAlloc: (bits & 1) === 0, txAlloc: (bits & 2) === 0, mapOk: (bits & 4) === 0, partInfoOk: (bits & 8) === 0 });
  }
  for (const o of outcomes) {
    const name = c2BootSystem(o).name;
    it(`should never see NULL nor leak a lock from boot to MEM_SHARE: ${name}`, () => {
      const result = explore(c2BootSystem(o));
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
    });
  }

  it('should list the two HEAD configurations in the catalogue as verified', () => {
    for (const key of ['C2/fixed/boot', 'C2/fixed/boot-partinfo-fails']) {
      const e = entry(key);
      expect(e.expected).toEqual({ verdict: 'verified' });
      expect(explore(e.build(), e.explore).verdict).toBe('verified');
    }
  });

  it('should leak ffa_spmc_tx_lock on the NULL path if the buffers could go away while guests run (not upstream)', () => {
    const spec = c2BootSystem({ ...ALL_OK, whatIfDestroyAfterProbe: true });
    const result = explore(spec, { maxViolations: 10 });
    expect(result.violations.map((v) => v.message)).toEqual([
      "invariant 'no SPMC buffer acquire returns NULL' violated: g1.v0 got NULL from ffa_rxtx_spmc_tx_acquire, which returned with the lock held",
      "invariant 'a vCPU whose hypercall has returned holds no lock' violated: g1.v0 has returned from its hypercall still holding ffa_spmc_tx_lock of spmc_bufs (lock leaked)",
      "invariant 'no SPMC buffer acquire returns NULL' violated: g2.v0 got NULL from ffa_rxtx_spmc_tx_acquire, which returned with the lock held",
      "invariant 'a vCPU whose hypercall has returned holds no lock' violated: g2.v0 has returned from its hypercall still holding ffa_spmc_tx_lock of spmc_bufs (lock leaked)",
      // ... and, as the card says, the next acquire deadlocks behind the leaked lock.
      "deadlock: no actor can take a step, and 'g2.v0' waits for ffa_spmc_tx_lock (held by g1.v0).",
      "deadlock: no actor can take a step, and 'g1.v0' waits for ffa_spmc_tx_lock (held by g2.v0).",
    ]);
    const r = replay(spec, result.violations[1]!.token);
    expect(r.divergence).toBeUndefined();
    expect(r.trace.findings.map((f) => f.message)).toContain(result.violations[1]!.message);
  });
});
