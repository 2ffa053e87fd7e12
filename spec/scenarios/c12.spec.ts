import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay, type ExploreResult, type SystemSpec } from '../../runtime/index.js';
import { C12_OPTIONS, c12Entries, c12SenderMachine } from '../../scenarios/c12.js';
import type { CatalogueEntry } from '../../scenarios/types.js';
import { diffSteps } from './machineSteps.js';

function entry(key: string): CatalogueEntry {
  const e = c12Entries.find((x) => x.key === key);
  if (!e) throw new Error(`no entry ${key}`);
  return e;
}

function run(key: string): { spec: SystemSpec; result: ExploreResult } {
  const e = entry(key);
  const spec = e.build();
  return { spec, result: explore(spec, e.explore) };
}

/** On arm64 the unmap is a no-op (directmap): the write lands in a page Xen has put. */
const WRITE_AFTER_PUT =
  'use-after-free: g1.v0 writes g2.rx_pg#1.data after it was freed; freed by step [g2.ctx <- ctx.unmap from UNMAPPER], used by step [g1.v0 <- cpu.step from g1.v0]';
const writeAfterPut = (config: string): string => WRITE_AFTER_PUT.replace('UNMAPPER', config === 'kill' ? 'dom0' : 'g2.v0');

describe('C12 — SEND2 into another VM vs its RX buffer being unmapped (upstream suspect, settled: a real race)', () => {
  for (const config of ['kill', 'release-unmap']) {
    it(`should find, in upstream's SEND2 VM path (${config}), a write into the RX page after Xen put it, and nothing else`, () => {
      const { result } = run(`C12/buggy/${config}`);
      expect(result.verdict).toBe('violation');
      expect(entry(`C12/buggy/${config}`).expected).toEqual({ verdict: 'violation', kind: 'use-after-free' });
      expect(result.violations.map((v) => [v.kind, v.message])).toEqual([['use-after-free', writeAfterPut(config)]]);
    });

    it(`should replay the ${config} counterexample from its token to the same finding`, () => {
      const { spec, result } = run(`C12/buggy/${config}`);
      const [v] = result.violations;
      const r = replay(spec, v!.token);
      expect(r.divergence).toBeUndefined();
      expect(r.fingerprintMatches).toBe(true);
      expect(r.trace.steps.map((s) => s.actor)).toEqual(v!.path.map((a) => spec.actors[a]!.name));
      expect(r.trace.steps.at(-1)?.findings.map((f) => f.message)).toEqual([v!.message]);
    });

    it(`should verify the proposed fix (${config}) exhaustively`, () => {
      const { result } = run(`C12/fixed/${config}`);
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
    });
  }

  it('should pin the shortest domain_kill trace', () => {
    const { spec, result } = run('C12/buggy/kill');
    expect(formatTrace(replay(spec, result.violations[0]!.token).trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.v0      | dom0    | g1.ctx        | g2.ctx                 | message
         0 | idle       | idle    | m1 free       | m1 free                | (initial)
         1 | *txAcquire | idle    | m1 free       | m1 free                | g1.v0 <- start from (env); sends spin.trylock(lock=ctx.tx_lock) to g1.ctx
         2 | txAcquire  | idle    | *m1 free T:v0 | m1 free                | g1.ctx <- spin.trylock(lock=ctx.tx_lock) from g1.v0; sends spin.trylock.result(lock=ctx.tx_lock,ok=true) to g1.v0
         3 | *txBuf     | idle    | m1 free T:v0  | m1 free                | g1.v0 <- spin.trylock.result(lock=ctx.tx_lock,ok=true) from g1.ctx; sends ctx.read(fields=page_count,tx) to g1.ctx
         4 | txBuf      | idle    | *m1 free T:v0 | m1 free                | g1.ctx <- ctx.read(fields=page_count,tx) from g1.v0; sends ctx.value(page_count=1,tx=1) to g1.v0
         5 | *lookup    | idle    | m1 free T:v0  | m1 free                | g1.v0 <- ctx.value(page_count=1,tx=1) from g1.ctx; sends ctx.read(fields=is_dying) to g2.ctx
         6 | lookup     | idle    | m1 free T:v0  | *m1 free               | g2.ctx <- ctx.read(fields=is_dying) from g1.v0; sends ctx.value(is_dying=false) to g1.v0
         7 | *rxLock    | idle    | m1 free T:v0  | m1 free                | g1.v0 <- ctx.value(is_dying=false) from g2.ctx; sends spin.acquire(lock=ctx.rx_lock) to g2.ctx
         8 | rxLock     | *lockRx | m1 free T:v0  | m1 free                | dom0 <- start from (env); sends ctx.write(is_dying=true) to g2.ctx, spin.acquire(lock=ctx.rx_lock) to g2.ctx
         9 | rxLock     | lockRx  | m1 free T:v0  | *m1 free R:g1.v0       | g2.ctx <- spin.acquire(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to g1.v0
        10 | *rxCheck   | lockRx  | m1 free T:v0  | m1 free R:g1.v0        | g1.v0 <- spin.granted(lock=ctx.rx_lock) from g2.ctx; sends ctx.read(fields=page_count,rx_is_free) to g2.ctx
        11 | rxCheck    | lockRx  | m1 free T:v0  | *m1 free R:g1.v0 dying | g2.ctx <- ctx.write(is_dying=true) from dom0
        12 | rxCheck    | lockRx  | m1 free T:v0  | *m1 free R:g1.v0[dom0~ | g2.ctx <- spin.acquire(lock=ctx.rx_lock) from dom0
        13 | rxCheck    | lockRx  | m1 free T:v0  | *m1 free R:g1.v0[dom0~ | g2.ctx <- ctx.read(fields=page_count,rx_is_free) from g1.v0; sends ctx.value(page_count=1,rx_is_free=true) to g1.v0
        14 | *rxBuf     | lockRx  | m1 free T:v0  | m1 free R:g1.v0[dom0]~ | g1.v0 <- ctx.value(page_count=1,rx_is_free=true) from g2.ctx; sends ctx.write(rx_is_free=false) to g2.ctx, ctx.read(fields=rx,page_count) to g2.ctx
        15 | rxBuf      | lockRx  | m1 free T:v0  | *m1 own R:g1.v0[dom0]~ | g2.ctx <- ctx.write(rx_is_free=false) from g1.v0
        16 | rxBuf      | lockRx  | m1 free T:v0  | *m1 own R:g1.v0[dom0]~ | g2.ctx <- ctx.read(fields=rx,page_count) from g1.v0; sends ctx.value(rx=1,page_count=1) to g1.v0
        17 | *copy      | lockRx  | m1 free T:v0  | m1 own R:g1.v0[dom0] ~ | g1.v0 <- ctx.value(rx=1,page_count=1) from g2.ctx; sends spin.release(lock=ctx.rx_lock) to g2.ctx, cpu.step to g1.v0
        18 | copy       | lockRx  | m1 free T:v0  | *m1 own R:dom0 dying   | g2.ctx <- spin.release(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to dom0
        19 | copy       | *lockTx | m1 free T:v0  | m1 own R:dom0 dying    | dom0 <- spin.granted(lock=ctx.rx_lock) from g2.ctx; sends spin.acquire(lock=ctx.tx_lock) to g2.ctx
        20 | copy       | lockTx  | m1 free T:v0  | *m1 own RT:dom0 dying  | g2.ctx <- spin.acquire(lock=ctx.tx_lock) from dom0; sends spin.granted(lock=ctx.tx_lock) to dom0
        21 | copy       | *check  | m1 free T:v0  | m1 own RT:dom0 dying   | dom0 <- spin.granted(lock=ctx.tx_lock) from g2.ctx; sends ctx.read(fields=page_count,rx_is_free) to g2.ctx
        22 | copy       | check   | m1 free T:v0  | *m1 own RT:dom0 dying  | g2.ctx <- ctx.read(fields=page_count,rx_is_free) from dom0; sends ctx.value(page_count=1,rx_is_free=false) to dom0
        23 | copy       | *done   | m1 free T:v0  | m1 own RT:dom0 dying   | dom0 <- ctx.value(page_count=1,rx_is_free=false) from g2.ctx; sends ctx.unmap to g2.ctx, spin.release(lock=ctx.tx_lock) to g2.ctx, spin.release(lock=ctx.rx_lock) to g2.ctx
        24 | copy       | done    | m1 free T:v0  | *- RT:dom0 dying       | g2.ctx <- ctx.unmap from dom0
       !25 | *done      | done    | m1 free T:v0  | - RT:dom0 dying        | g1.v0 <- cpu.step from g1.v0; sends mem.write(obj=g2.rx_pg#1,field=data,map=1,end=112) to g2.ctx, spin.release(lock=ctx.tx_lock) to g1.ctx
      ! use-after-free: g1.v0 writes g2.rx_pg#1.data after it was freed; freed by step [g2.ctx <- ctx.unmap from dom0], used by step [g1.v0 <- cpu.step from g1.v0]"
    `);
  });

  it('should pin the shortest receiver RX_RELEASE + RXTX_UNMAP trace', () => {
    const { spec, result } = run('C12/buggy/release-unmap');
    expect(formatTrace(replay(spec, result.violations[0]!.token).trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.v0      | g2.v0           | g1.ctx        | g2.ctx               | message
         0 | idle       | idle            | m1 free       | m1 free              | (initial)
         1 | *txAcquire | idle            | m1 free       | m1 free              | g1.v0 <- start from (env); sends spin.trylock(lock=ctx.tx_lock) to g1.ctx
         2 | txAcquire  | idle            | *m1 free T:v0 | m1 free              | g1.ctx <- spin.trylock(lock=ctx.tx_lock) from g1.v0; sends spin.trylock.result(lock=ctx.tx_lock,ok=true) to g1.v0
         3 | *txBuf     | idle            | m1 free T:v0  | m1 free              | g1.v0 <- spin.trylock.result(lock=ctx.tx_lock,ok=true) from g1.ctx; sends ctx.read(fields=page_count,tx) to g1.ctx
         4 | txBuf      | idle            | *m1 free T:v0 | m1 free              | g1.ctx <- ctx.read(fields=page_count,tx) from g1.v0; sends ctx.value(page_count=1,tx=1) to g1.v0
         5 | *lookup    | idle            | m1 free T:v0  | m1 free              | g1.v0 <- ctx.value(page_count=1,tx=1) from g1.ctx; sends ctx.read(fields=is_dying) to g2.ctx
         6 | lookup     | idle            | m1 free T:v0  | *m1 free             | g2.ctx <- ctx.read(fields=is_dying) from g1.v0; sends ctx.value(is_dying=false) to g1.v0
         7 | *rxLock    | idle            | m1 free T:v0  | m1 free              | g1.v0 <- ctx.value(is_dying=false) from g2.ctx; sends spin.acquire(lock=ctx.rx_lock) to g2.ctx
         8 | rxLock     | *release.lockRx | m1 free T:v0  | m1 free              | g2.v0 <- start from (env); sends spin.acquire(lock=ctx.rx_lock) to g2.ctx
         9 | rxLock     | release.lockRx  | m1 free T:v0  | *m1 free R:g1.v0     | g2.ctx <- spin.acquire(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to g1.v0
        10 | *rxCheck   | release.lockRx  | m1 free T:v0  | m1 free R:g1.v0      | g1.v0 <- spin.granted(lock=ctx.rx_lock) from g2.ctx; sends ctx.read(fields=page_count,rx_is_free) to g2.ctx
        11 | rxCheck    | release.lockRx  | m1 free T:v0  | *m1 free R:g1.v0[v0] | g2.ctx <- spin.acquire(lock=ctx.rx_lock) from g2.v0
        12 | rxCheck    | release.lockRx  | m1 free T:v0  | *m1 free R:g1.v0[v0] | g2.ctx <- ctx.read(fields=page_count,rx_is_free) from g1.v0; sends ctx.value(page_count=1,rx_is_free=true) to g1.v0
        13 | *rxBuf     | release.lockRx  | m1 free T:v0  | m1 free R:g1.v0[v0]  | g1.v0 <- ctx.value(page_count=1,rx_is_free=true) from g2.ctx; sends ctx.write(rx_is_free=false) to g2.ctx, ctx.read(fields=rx,page_count) to g2.ctx
        14 | rxBuf      | release.lockRx  | m1 free T:v0  | *m1 own R:g1.v0[v0]  | g2.ctx <- ctx.write(rx_is_free=false) from g1.v0
        15 | rxBuf      | release.lockRx  | m1 free T:v0  | *m1 own R:g1.v0[v0]  | g2.ctx <- ctx.read(fields=rx,page_count) from g1.v0; sends ctx.value(rx=1,page_count=1) to g1.v0
        16 | *copy      | release.lockRx  | m1 free T:v0  | m1 own R:g1.v0[v0]   | g1.v0 <- ctx.value(rx=1,page_count=1) from g2.ctx; sends spin.release(lock=ctx.rx_lock) to g2.ctx, cpu.step to g1.v0
        17 | copy       | release.lockRx  | m1 free T:v0  | *m1 own R:v0         | g2.ctx <- spin.release(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to g2.v0
        18 | copy       | *release.check  | m1 free T:v0  | m1 own R:v0          | g2.v0 <- spin.granted(lock=ctx.rx_lock) from g2.ctx; sends ctx.read(fields=page_count,rx_is_free) to g2.ctx
        19 | copy       | release.check   | m1 free T:v0  | *m1 own R:v0         | g2.ctx <- ctx.read(fields=page_count,rx_is_free) from g2.v0; sends ctx.value(page_count=1,rx_is_free=false) to g2.v0
        20 | copy       | *unmap.lockRx   | m1 free T:v0  | m1 own R:v0          | g2.v0 <- ctx.value(page_count=1,rx_is_free=false) from g2.ctx; sends ctx.write(rx_is_free=true) to g2.ctx, spin.release(lock=ctx.rx_lock) to g2.ctx, spin.acquire(lock=ctx.rx_lock) to g2.ctx
        21 | copy       | unmap.lockRx    | m1 free T:v0  | *m1 free R:v0        | g2.ctx <- ctx.write(rx_is_free=true) from g2.v0
        22 | copy       | unmap.lockRx    | m1 free T:v0  | *m1 free             | g2.ctx <- spin.release(lock=ctx.rx_lock) from g2.v0
        23 | copy       | unmap.lockRx    | m1 free T:v0  | *m1 free R:v0        | g2.ctx <- spin.acquire(lock=ctx.rx_lock) from g2.v0; sends spin.granted(lock=ctx.rx_lock) to g2.v0
        24 | copy       | *unmap.lockTx   | m1 free T:v0  | m1 free R:v0         | g2.v0 <- spin.granted(lock=ctx.rx_lock) from g2.ctx; sends spin.acquire(lock=ctx.tx_lock) to g2.ctx
        25 | copy       | unmap.lockTx    | m1 free T:v0  | *m1 free RT:v0       | g2.ctx <- spin.acquire(lock=ctx.tx_lock) from g2.v0; sends spin.granted(lock=ctx.tx_lock) to g2.v0
        26 | copy       | *unmap.check    | m1 free T:v0  | m1 free RT:v0        | g2.v0 <- spin.granted(lock=ctx.tx_lock) from g2.ctx; sends ctx.read(fields=page_count,rx_is_free) to g2.ctx
        27 | copy       | unmap.check     | m1 free T:v0  | *m1 free RT:v0       | g2.ctx <- ctx.read(fields=page_count,rx_is_free) from g2.v0; sends ctx.value(page_count=1,rx_is_free=true) to g2.v0
        28 | copy       | *done           | m1 free T:v0  | m1 free RT:v0        | g2.v0 <- ctx.value(page_count=1,rx_is_free=true) from g2.ctx; sends ctx.unmap to g2.ctx, spin.release(lock=ctx.tx_lock) to g2.ctx, spin.release(lock=ctx.rx_lock) to g2.ctx
        29 | copy       | done            | m1 free T:v0  | *- RT:v0             | g2.ctx <- ctx.unmap from g2.v0
       !30 | *done      | done            | m1 free T:v0  | - RT:v0              | g1.v0 <- cpu.step from g1.v0; sends mem.write(obj=g2.rx_pg#1,field=data,map=1,end=112) to g2.ctx, spin.release(lock=ctx.tx_lock) to g1.ctx
      ! use-after-free: g1.v0 writes g2.rx_pg#1.data after it was freed; freed by step [g2.ctx <- ctx.unmap from g2.v0], used by step [g1.v0 <- cpu.step from g1.v0]"
    `);
  });

  it('should differ from upstream only where the proposed fix does: rx_lock kept from acquire through the copy', () => {
    expect(diffSteps(c12SenderMachine(C12_OPTIONS.buggy), c12SenderMachine(C12_OPTIONS.fixed))).toEqual({
      onlyA: [],
      onlyB: [],
      changed: ['copy', 'rxBuf'],
    });
  });
});
