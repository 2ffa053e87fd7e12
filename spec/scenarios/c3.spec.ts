import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay, type ExploreResult, type SystemSpec } from '../../runtime/index.js';
import { C3_PATCHES, c3Code, c3Entries, c3System, c3VcpuMachine, type C3Call, type C3Patches } from '../../scenarios/c3.js';
import type { CatalogueEntry } from '../../scenarios/types.js';
import { diffSteps } from './machineSteps.js';

function entry(key: string): CatalogueEntry {
  const e = c3Entries.find((x) => x.key === key);
  if (!e) throw new Error(`no entry ${key}`);
  return e;
}

function run(e: CatalogueEntry): { spec: SystemSpec; result: ExploreResult } {
  const spec = e.build();
  return { spec, result: explore(spec, e.explore) };
}

/** vCPU0's partition-info copy lands in the RX page after vCPU1's unmap put it (on arm64: no fault). */
const WRITE_AFTER_PUT =
  'use-after-free: g1.v0 writes g1.rx_pg#1.data after it was freed; freed by step [g1.ctx <- ctx.unmap from g1.v1], used by step [g1.v0 <- cpu.step from g1.v0]';

function traceOf(spec: SystemSpec, result: ExploreResult, message: string): string {
  const v = result.violations.find((x) => x.message.includes(message));
  if (!v) throw new Error(`no violation mentioning ${message}`);
  return formatTrace(replay(spec, v.token).trace);
}

describe('C3 — a guest racing RXTX_MAP and RXTX_UNMAP on its own buffers', () => {
  it('should find, in BUGGY map-map, the unlocked ctx->rx accesses first and then the page mapped twice', () => {
    const { result } = run(entry('C3/buggy/map-map'));
    expect(result.verdict).toBe('violation');
    expect(result.violations[0]?.kind).toBe(entry('C3/buggy/map-map').expected.verdict === 'violation' ? 'data-race' : '');
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([
      ['data-race', 'g1.v0 reads ctx->rx of g1 without holding ctx->rx_lock'],
      ['data-race', 'g1.v1 reads ctx->rx of g1 without holding ctx->rx_lock'],
      ['data-race', 'g1.v0 maps (writes ctx->rx/tx/page_count) of g1 without holding ctx->rx_lock'],
      ['data-race', 'g1.v1 maps (writes ctx->rx/tx/page_count) of g1 without holding ctx->rx_lock'],
      [
        'invariant',
        "invariant 'at most one live RX/TX mapping per guest' violated: g1's RX/TX pages are mapped 2 times (m1, m2); ctx->rx keeps m2, the others leak their page references and global mappings",
      ],
    ]);
  });

  it('should find, in BUGGY partinfo-unmap, a write into the RX page after RXTX_UNMAP put it, and one through NULL', () => {
    const { result } = run(entry('C3/buggy/partinfo-unmap'));
    expect(result.verdict).toBe('violation');
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([
      ['data-race', 'g1.v1 reads ctx->page_count of g1 without holding ctx->rx_lock or ctx->tx_lock'],
      ['data-race', 'g1.v1 unmaps (clears ctx->rx/tx/page_count) of g1 without holding ctx->rx_lock'],
      ['data-race', 'g1.v0 reads ctx->rx of g1 without holding ctx->rx_lock'],
      ['use-after-free', WRITE_AFTER_PUT],
      ['assertion', "assertion failed in actor 'g1.ctx': g1.v0 writes g1's RX buffer through a NULL ctx->rx (unmapped before it was read): a data abort in Xen"],
    ]);
  });

  for (const key of ['C3/buggy/map-map', 'C3/buggy/partinfo-unmap']) {
    it(`should replay every counterexample of ${key} from its token to the same finding`, () => {
      const { spec, result } = run(entry(key));
      for (const v of result.violations) {
        const r = replay(spec, v.token);
        expect(r.divergence).toBeUndefined();
        expect(r.fingerprintMatches).toBe(true);
        expect(r.trace.steps.map((s) => s.actor)).toEqual(v.path.map((a) => spec.actors[a]!.name));
        const last = r.trace.steps.at(-1);
        expect([...(last?.findings ?? []), ...r.trace.findings].map((f) => f.message)).toContain(v.message);
      }
    });
  }

  it('should pin the shortest double-mapping trace of BUGGY map-map', () => {
    const { spec, result } = run(entry('C3/buggy/map-map'));
    expect(traceOf(spec, result, 'mapped 2 times')).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.v0      | g1.v1      | g1.ctx      | message
         0 | idle       | idle       | -           | (initial)
         1 | *map.check | idle       | -           | g1.v0 <- start from (env); sends ctx.read(fields=rx) to g1.ctx
         2 | map.check  | *map.check | -           | g1.v1 <- start from (env); sends ctx.read(fields=rx) to g1.ctx
        !3 | map.check  | map.check  | *-          | g1.ctx <- ctx.read(fields=rx) from g1.v0; sends ctx.value(rx=null) to g1.v0
         4 | *done      | map.check  | -           | g1.v0 <- ctx.value(rx=null) from g1.ctx; sends ctx.map to g1.ctx
        !5 | done       | map.check  | *-          | g1.ctx <- ctx.read(fields=rx) from g1.v1; sends ctx.value(rx=null) to g1.v1
         6 | done       | *done      | -           | g1.v1 <- ctx.value(rx=null) from g1.ctx; sends ctx.map to g1.ctx
        !7 | done       | done       | *m1 free    | g1.ctx <- ctx.map from g1.v0
        !8 | done       | done       | *m1+m2 free | g1.ctx <- ctx.map from g1.v1
      ! g1.v1 maps (writes ctx->rx/tx/page_count) of g1 without holding ctx->rx_lock
      ! invariant 'at most one live RX/TX mapping per guest' violated: g1's RX/TX pages are mapped 2 times (m1, m2); ctx->rx keeps m2, the others leak their page references and global mappings"
    `);
  });

  it('should pin the shortest write-after-put trace of BUGGY partinfo-unmap', () => {
    const { spec, result } = run(entry('C3/buggy/partinfo-unmap'));
    expect(traceOf(spec, result, 'rx_pg#1.data after it was freed')).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.v0            | g1.v1        | g1.ctx        | message
         0 | idle             | idle         | m1 free       | (initial)
         1 | *partinfo.lockRx | idle         | m1 free       | g1.v0 <- start from (env); sends spin.acquire(lock=ctx.rx_lock) to g1.ctx
         2 | partinfo.lockRx  | *unmap.check | m1 free       | g1.v1 <- start from (env); sends ctx.read(fields=page_count) to g1.ctx
         3 | partinfo.lockRx  | unmap.check  | *m1 free R:v0 | g1.ctx <- spin.acquire(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to g1.v0
         4 | *partinfo.check  | unmap.check  | m1 free R:v0  | g1.v0 <- spin.granted(lock=ctx.rx_lock) from g1.ctx; sends ctx.read(fields=page_count,rx_is_free) to g1.ctx
        !5 | partinfo.check   | unmap.check  | *m1 free R:v0 | g1.ctx <- ctx.read(fields=page_count) from g1.v1; sends ctx.value(page_count=1) to g1.v1
         6 | partinfo.check   | unmap.check  | *m1 free R:v0 | g1.ctx <- ctx.read(fields=page_count,rx_is_free) from g1.v0; sends ctx.value(page_count=1,rx_is_free=true) to g1.v0
         7 | *partinfo.getBuf | unmap.check  | m1 free R:v0  | g1.v0 <- ctx.value(page_count=1,rx_is_free=true) from g1.ctx; sends ctx.write(rx_is_free=false) to g1.ctx, spin.release(lock=ctx.rx_lock) to g1.ctx, ctx.read(fields=rx,page_count) to g1.ctx
         8 | partinfo.getBuf  | *done        | m1 free R:v0  | g1.v1 <- ctx.value(page_count=1) from g1.ctx; sends ctx.unmap to g1.ctx
         9 | partinfo.getBuf  | done         | *m1 own R:v0  | g1.ctx <- ctx.write(rx_is_free=false) from g1.v0
        10 | partinfo.getBuf  | done         | *m1 own       | g1.ctx <- spin.release(lock=ctx.rx_lock) from g1.v0
       !11 | partinfo.getBuf  | done         | *m1 own       | g1.ctx <- ctx.read(fields=rx,page_count) from g1.v0; sends ctx.value(rx=1,page_count=1) to g1.v0
        12 | *partinfo.fill   | done         | m1 own        | g1.v0 <- ctx.value(rx=1,page_count=1) from g1.ctx; sends cpu.step to g1.v0
       !13 | partinfo.fill    | done         | *-            | g1.ctx <- ctx.unmap from g1.v1
       !14 | *done            | done         | -             | g1.v0 <- cpu.step from g1.v0; sends mem.write(obj=g1.rx_pg#1,field=data,map=1,end=48) to g1.ctx
      ! use-after-free: g1.v0 writes g1.rx_pg#1.data after it was freed; freed by step [g1.ctx <- ctx.unmap from g1.v1], used by step [g1.v0 <- cpu.step from g1.v0]"
    `);
  });

  for (const key of ['C3/fixed/map-map', 'C3/fixed/partinfo-unmap']) {
    it(`should verify ${key} exhaustively`, () => {
      const { result } = run(entry(key));
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
    });
  }

  it('should still write after the put with a3075e2f and 3528248b but not 309e8edf: the ownership check is needed', () => {
    const patches: C3Patches = { lockMapUnmap: true, bufferFromAcquire: true, denyUnmapWhileOwned: false, holdRxLockWhileFilling: false };
    const result = explore(c3System('partinfo-unmap', patches, 'before-309e8edf'), { maxViolations: 10 });
    expect(result.violations.map((v) => v.message)).toEqual([WRITE_AFTER_PUT]);
    // a3075e2f alone already makes map-map safe.
    const mapMap = explore(c3System('map-map', { ...patches, bufferFromAcquire: false }, 'a3075e2f-only'), { maxViolations: 10 });
    expect(mapMap.verdict).toBe('verified');
  });

  it('should build BUGGY and FIXED from one function that differs only in the steps the three commits changed', () => {
    const differs = (call: C3Call, a: C3Patches, b: C3Patches) => diffSteps(c3VcpuMachine(call, a), c3VcpuMachine(call, b));
    const { buggy, fixed } = C3_PATCHES;
    // a3075e2f: rx_lock -> tx_lock around the check and the (un)map, and the unlocks on every exit.
    expect(differs('map', buggy, fixed)).toEqual({ onlyA: [], onlyB: ['map.lockRx', 'map.lockTx'], changed: ['map', 'map.check'] });
    expect(differs('unmap', buggy, fixed)).toEqual({ onlyA: [], onlyB: ['unmap.lockRx', 'unmap.lockTx'], changed: ['unmap', 'unmap.check'] });
    // 3528248b: the pointer is loaded before rx_lock is dropped.
    expect(differs('partinfo', buggy, fixed)).toEqual({ onlyA: [], onlyB: [], changed: ['partinfo.check', 'partinfo.getBuf'] });
    // One commit at a time touches only its own steps.
    const only = (p: Partial<C3Patches>): C3Patches => ({ ...buggy, ...p });
    expect(differs('partinfo', buggy, only({ lockMapUnmap: true, denyUnmapWhileOwned: true }))).toEqual({ onlyA: [], onlyB: [], changed: [] });
    expect(differs('map', buggy, only({ bufferFromAcquire: true, denyUnmapWhileOwned: true }))).toEqual({ onlyA: [], onlyB: [], changed: [] });
    expect(differs('unmap', only({ lockMapUnmap: true }), fixed)).toEqual({ onlyA: [], onlyB: [], changed: ['unmap.check'] });
  });

  describe('partinfo-release-unmap: a sibling vCPU hands RX back and unmaps while PARTITION_INFO_GET fills it (upstream c447b730)', () => {
    it('should run upstream as BUGGY and upstream plus the proposed fix as FIXED', () => {
      expect(c3Code('partinfo-release-unmap', 'buggy')).toEqual(C3_PATCHES.fixed);
      expect(c3Code('partinfo-release-unmap', 'fixed')).toEqual({ ...C3_PATCHES.fixed, holdRxLockWhileFilling: true });
      expect(entry('C3/buggy/partinfo-release-unmap').expected).toEqual({ verdict: 'violation', kind: 'use-after-free' });
    });

    it("should find, in upstream, the copy into the RX page after the sibling's RX_RELEASE and RXTX_UNMAP put it, and nothing else", () => {
      const { result } = run(entry('C3/buggy/partinfo-release-unmap'));
      expect(result.violations.map((v) => [v.kind, v.message])).toEqual([['use-after-free', WRITE_AFTER_PUT]]);
      expect(result.violations[0]!.path).toHaveLength(24);
    });

    it('should replay that counterexample from its token to the same finding', () => {
      const { spec, result } = run(entry('C3/buggy/partinfo-release-unmap'));
      const [v] = result.violations;
      const r = replay(spec, v!.token);
      expect(r.divergence).toBeUndefined();
      expect(r.fingerprintMatches).toBe(true);
      expect(r.trace.steps.at(-1)?.findings.map((f) => f.message)).toEqual([v!.message]);
    });

    it('should pin the shortest trace: RX_RELEASE succeeds while the fill is pending, then the unmap is allowed', () => {
      const { spec, result } = run(entry('C3/buggy/partinfo-release-unmap'));
      expect(traceOf(spec, result, 'rx_pg#1.data after it was freed')).toMatchInlineSnapshot(`
        "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
        step | g1.v0            | g1.v1                  | g1.ctx            | message
           0 | idle             | idle                   | m1 free           | (initial)
           1 | *partinfo.lockRx | idle                   | m1 free           | g1.v0 <- start from (env); sends spin.acquire(lock=ctx.rx_lock) to g1.ctx
           2 | partinfo.lockRx  | *release-unmap.releas~ | m1 free           | g1.v1 <- start from (env); sends spin.acquire(lock=ctx.rx_lock) to g1.ctx
           3 | partinfo.lockRx  | release-unmap.release~ | *m1 free R:v0     | g1.ctx <- spin.acquire(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to g1.v0
           4 | *partinfo.check  | release-unmap.release~ | m1 free R:v0      | g1.v0 <- spin.granted(lock=ctx.rx_lock) from g1.ctx; sends ctx.read(fields=page_count,rx_is_free) to g1.ctx
           5 | partinfo.check   | release-unmap.release~ | *m1 free R:v0[v1] | g1.ctx <- spin.acquire(lock=ctx.rx_lock) from g1.v1
           6 | partinfo.check   | release-unmap.release~ | *m1 free R:v0[v1] | g1.ctx <- ctx.read(fields=page_count,rx_is_free) from g1.v0; sends ctx.value(page_count=1,rx_is_free=true) to g1.v0
           7 | *partinfo.getBuf | release-unmap.release~ | m1 free R:v0[v1]  | g1.v0 <- ctx.value(page_count=1,rx_is_free=true) from g1.ctx; sends ctx.write(rx_is_free=false) to g1.ctx, ctx.read(fields=rx,page_count) to g1.ctx
           8 | partinfo.getBuf  | release-unmap.release~ | *m1 own R:v0[v1]  | g1.ctx <- ctx.write(rx_is_free=false) from g1.v0
           9 | partinfo.getBuf  | release-unmap.release~ | *m1 own R:v0[v1]  | g1.ctx <- ctx.read(fields=rx,page_count) from g1.v0; sends ctx.value(rx=1,page_count=1) to g1.v0
          10 | *partinfo.fill   | release-unmap.release~ | m1 own R:v0[v1]   | g1.v0 <- ctx.value(rx=1,page_count=1) from g1.ctx; sends spin.release(lock=ctx.rx_lock) to g1.ctx, cpu.step to g1.v0
          11 | partinfo.fill    | release-unmap.release~ | *m1 own R:v1      | g1.ctx <- spin.release(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to g1.v1
          12 | partinfo.fill    | *release-unmap.releas~ | m1 own R:v1       | g1.v1 <- spin.granted(lock=ctx.rx_lock) from g1.ctx; sends ctx.read(fields=page_count,rx_is_free) to g1.ctx
          13 | partinfo.fill    | release-unmap.release~ | *m1 own R:v1      | g1.ctx <- ctx.read(fields=page_count,rx_is_free) from g1.v1; sends ctx.value(page_count=1,rx_is_free=false) to g1.v1
          14 | partinfo.fill    | *release-unmap.unmap.~ | m1 own R:v1       | g1.v1 <- ctx.value(page_count=1,rx_is_free=false) from g1.ctx; sends ctx.write(rx_is_free=true) to g1.ctx, spin.release(lock=ctx.rx_lock) to g1.ctx, spin.acquire(lock=ctx.rx_lock) to g1.ctx
          15 | partinfo.fill    | release-unmap.unmap.l~ | *m1 free R:v1     | g1.ctx <- ctx.write(rx_is_free=true) from g1.v1
          16 | partinfo.fill    | release-unmap.unmap.l~ | *m1 free          | g1.ctx <- spin.release(lock=ctx.rx_lock) from g1.v1
          17 | partinfo.fill    | release-unmap.unmap.l~ | *m1 free R:v1     | g1.ctx <- spin.acquire(lock=ctx.rx_lock) from g1.v1; sends spin.granted(lock=ctx.rx_lock) to g1.v1
          18 | partinfo.fill    | *release-unmap.unmap.~ | m1 free R:v1      | g1.v1 <- spin.granted(lock=ctx.rx_lock) from g1.ctx; sends spin.acquire(lock=ctx.tx_lock) to g1.ctx
          19 | partinfo.fill    | release-unmap.unmap.l~ | *m1 free RT:v1    | g1.ctx <- spin.acquire(lock=ctx.tx_lock) from g1.v1; sends spin.granted(lock=ctx.tx_lock) to g1.v1
          20 | partinfo.fill    | *release-unmap.unmap.~ | m1 free RT:v1     | g1.v1 <- spin.granted(lock=ctx.tx_lock) from g1.ctx; sends ctx.read(fields=page_count,rx_is_free) to g1.ctx
          21 | partinfo.fill    | release-unmap.unmap.c~ | *m1 free RT:v1    | g1.ctx <- ctx.read(fields=page_count,rx_is_free) from g1.v1; sends ctx.value(page_count=1,rx_is_free=true) to g1.v1
          22 | partinfo.fill    | *done                  | m1 free RT:v1     | g1.v1 <- ctx.value(page_count=1,rx_is_free=true) from g1.ctx; sends ctx.unmap to g1.ctx, spin.release(lock=ctx.tx_lock) to g1.ctx, spin.release(lock=ctx.rx_lock) to g1.ctx
          23 | partinfo.fill    | done                   | *- RT:v1          | g1.ctx <- ctx.unmap from g1.v1
         !24 | *done            | done                   | - RT:v1           | g1.v0 <- cpu.step from g1.v0; sends mem.write(obj=g1.rx_pg#1,field=data,map=1,end=48) to g1.ctx
        ! use-after-free: g1.v0 writes g1.rx_pg#1.data after it was freed; freed by step [g1.ctx <- ctx.unmap from g1.v1], used by step [g1.v0 <- cpu.step from g1.v0]"
      `);
    });

    it('should verify the proposed fix exhaustively (rx_lock held from ffa_rx_acquire through the copies)', () => {
      const { result } = run(entry('C3/fixed/partinfo-release-unmap'));
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
    });

    it('should still fail with the proposed fix if 3528248b were missing (the fix rests on the buffer coming from acquire)', () => {
      const result = explore(c3System('partinfo-release-unmap', { ...C3_PATCHES.fixed, bufferFromAcquire: false, holdRxLockWhileFilling: true }, 'no-3528248b'), { maxViolations: 10 });
      expect(result.verdict).toBe('violation');
    });

    it('should differ from upstream only in the fill: rx_lock released after the copy instead of before it', () => {
      const differs = (call: C3Call) => diffSteps(c3VcpuMachine(call, c3Code('partinfo-release-unmap', 'buggy')), c3VcpuMachine(call, c3Code('partinfo-release-unmap', 'fixed')));
      expect(differs('partinfo')).toEqual({ onlyA: [], onlyB: [], changed: ['partinfo.fill', 'partinfo.getBuf'] });
      expect(differs('release-unmap')).toEqual({ onlyA: [], onlyB: [], changed: [] });
    });
  });
});
