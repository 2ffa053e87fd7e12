import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { C14_OPTIONS, USED_NOT_VALIDATED, c14Entries, c14SenderMachine } from '../../scenarios/c14.js';
import type { CatalogueEntry } from '../../scenarios/types.js';
import { diffSteps } from './machineSteps.js';

function entry(key: string): CatalogueEntry {
  const e = c14Entries.find((x) => x.key === key);
  if (!e) throw new Error(`no entry ${key}`);
  return e;
}

describe('C14 — SEND2 header double fetch', () => {
  it('should find, without the barrier, a copy with a msg_size other than the validated one', () => {
    const e = entry('C14/buggy/2g');
    const result = explore(e.build(), e.explore);
    expect(result.verdict).toBe('violation');
    expect(e.expected).toEqual({ verdict: 'violation', kind: 'assertion' });
    expect(result.violations.map((v) => [v.kind, v.actor, v.message])).toEqual([
      ['assertion', 'g1.v0', `assertion failed in actor 'g1.v0': ${USED_NOT_VALIDATED}`],
    ]);
  });

  it('should replay the counterexample from its token to the same finding', () => {
    const e = entry('C14/buggy/2g');
    const spec = e.build();
    const [v] = explore(spec, e.explore).violations;
    const r = replay(spec, v!.token);
    expect(r.divergence).toBeUndefined();
    expect(r.fingerprintMatches).toBe(true);
    expect(r.trace.steps.map((s) => s.actor)).toEqual(v!.path.map((a) => spec.actors[a]!.name));
    expect(r.trace.steps.at(-1)?.findings.map((f) => f.message)).toEqual([v!.message]);
  });

  it('should pin the shortest counterexample', () => {
    const e = entry('C14/buggy/2g');
    const spec = e.build();
    const [v] = explore(spec, e.explore).violations;
    expect(formatTrace(replay(spec, v!.token).trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.v0      | g1.v1 | g1.tx                | g1.ctx        | g2.ctx           | message
         0 | idle       | idle  | offset=48 size=64    | m1 free       | m1 free          | (initial)
         1 | *txAcquire | idle  | offset=48 size=64    | m1 free       | m1 free          | g1.v0 <- start from (env); sends spin.trylock(lock=ctx.tx_lock) to g1.ctx
         2 | txAcquire  | idle  | offset=48 size=64    | *m1 free T:v0 | m1 free          | g1.ctx <- spin.trylock(lock=ctx.tx_lock) from g1.v0; sends spin.trylock.result(lock=ctx.tx_lock,ok=true) to g1.v0
         3 | *txBuf     | idle  | offset=48 size=64    | m1 free T:v0  | m1 free          | g1.v0 <- spin.trylock.result(lock=ctx.tx_lock,ok=true) from g1.ctx; sends ctx.read(fields=page_count,tx) to g1.ctx
         4 | txBuf      | idle  | offset=48 size=64    | *m1 free T:v0 | m1 free          | g1.ctx <- ctx.read(fields=page_count,tx) from g1.v0; sends ctx.value(page_count=1,tx=1) to g1.v0
         5 | *header    | idle  | offset=48 size=64    | m1 free T:v0  | m1 free          | g1.v0 <- ctx.value(page_count=1,tx=1) from g1.ctx; sends mem.read to g1.tx
         6 | header     | *done | offset=48 size=64    | m1 free T:v0  | m1 free          | g1.v1 <- start from (env); sends mem.write(msg_size=4096) to g1.tx
         7 | header     | done  | *offset=48 size=64   | m1 free T:v0  | m1 free          | g1.tx <- mem.read from g1.v0; sends mem.value(msg_offset=48,msg_size=64) to g1.v0
         8 | *lookup    | done  | offset=48 size=64    | m1 free T:v0  | m1 free          | g1.v0 <- mem.value(msg_offset=48,msg_size=64) from g1.tx; sends ctx.read(fields=is_dying) to g2.ctx
         9 | lookup     | done  | *offset=48 size=4096 | m1 free T:v0  | m1 free          | g1.tx <- mem.write(msg_size=4096) from g1.v1
        10 | lookup     | done  | offset=48 size=4096  | m1 free T:v0  | *m1 free         | g2.ctx <- ctx.read(fields=is_dying) from g1.v0; sends ctx.value(is_dying=false) to g1.v0
        11 | *rxLock    | done  | offset=48 size=4096  | m1 free T:v0  | m1 free          | g1.v0 <- ctx.value(is_dying=false) from g2.ctx; sends spin.acquire(lock=ctx.rx_lock) to g2.ctx
        12 | rxLock     | done  | offset=48 size=4096  | m1 free T:v0  | *m1 free R:g1.v0 | g2.ctx <- spin.acquire(lock=ctx.rx_lock) from g1.v0; sends spin.granted(lock=ctx.rx_lock) to g1.v0
        13 | *rxCheck   | done  | offset=48 size=4096  | m1 free T:v0  | m1 free R:g1.v0  | g1.v0 <- spin.granted(lock=ctx.rx_lock) from g2.ctx; sends ctx.read(fields=page_count,rx_is_free) to g2.ctx
        14 | rxCheck    | done  | offset=48 size=4096  | m1 free T:v0  | *m1 free R:g1.v0 | g2.ctx <- ctx.read(fields=page_count,rx_is_free) from g1.v0; sends ctx.value(page_count=1,rx_is_free=true) to g1.v0
        15 | *rxBuf     | done  | offset=48 size=4096  | m1 free T:v0  | m1 free R:g1.v0  | g1.v0 <- ctx.value(page_count=1,rx_is_free=true) from g2.ctx; sends ctx.write(rx_is_free=false) to g2.ctx, ctx.read(fields=rx,page_count) to g2.ctx
        16 | rxBuf      | done  | offset=48 size=4096  | m1 free T:v0  | *m1 own R:g1.v0  | g2.ctx <- ctx.write(rx_is_free=false) from g1.v0
        17 | rxBuf      | done  | offset=48 size=4096  | m1 free T:v0  | *m1 own R:g1.v0  | g2.ctx <- ctx.read(fields=rx,page_count) from g1.v0; sends ctx.value(rx=1,page_count=1) to g1.v0
        18 | *copy      | done  | offset=48 size=4096  | m1 free T:v0  | m1 own R:g1.v0   | g1.v0 <- ctx.value(rx=1,page_count=1) from g2.ctx; sends spin.release(lock=ctx.rx_lock) to g2.ctx, mem.read to g1.tx
        19 | copy       | done  | *offset=48 size=4096 | m1 free T:v0  | m1 own R:g1.v0   | g1.tx <- mem.read from g1.v0; sends mem.value(msg_offset=48,msg_size=4096) to g1.v0
       !20 | *done      | done  | offset=48 size=4096  | m1 free T:v0  | m1 own R:g1.v0   | g1.v0 <- mem.value(msg_offset=48,msg_size=4096) from g1.tx; sends mem.write(obj=g2.rx_pg#1,field=data,map=1,end=4144) to g2.ctx, spin.release(lock=ctx.tx_lock) to g1.ctx
      ! assertion failed in actor 'g1.v0': SEND2 copies with msg_offset/msg_size other than the values it validated (reloaded from the guest TX page)"
    `);
  });

  it('should verify c447b730 (barrier after the header copy) exhaustively', () => {
    const e = entry('C14/fixed/2g');
    const result = explore(e.build(), e.explore);
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('verified');
    expect(result.complete).toBe(true);
  });

  it('should differ only in the copy step, where the barrier decides between the snapshot and a reload', () => {
    expect(diffSteps(c14SenderMachine(C14_OPTIONS.buggy), c14SenderMachine(C14_OPTIONS.fixed))).toEqual({ onlyA: [], onlyB: [], changed: ['copy'] });
  });
});
