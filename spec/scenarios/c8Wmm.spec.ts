/**
 * C8's publish order under the memory models (scenarios/c8Wmm.ts): which code holds where, and
 * the trace only the weak model gives (the card's proposed fix on Arm).
 */
import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { COUNT_WRAPPED } from '../../actors/partinfoVcpu.js';
import { C8_CODES, c8WmmEntries, c8WmmSystem, type C8Code } from '../../scenarios/c8Wmm.js';
import type { MemoryModel } from '../../protocols/weakMemory.js';

const HOLDS: Record<MemoryModel, readonly C8Code[]> = {
  sc: ['fix', 'fix+release', 'fix+acquire', 'fix+release+acquire'],
  tso: ['fix', 'fix+release', 'fix+acquire', 'fix+release+acquire'],
  arm: ['fix+acquire', 'fix+release+acquire'],
};

describe('C8 publish order under sc, tso and arm', () => {
  for (const model of ['sc', 'tso', 'arm'] as const) {
    for (const code of C8_CODES) {
      const holds = HOLDS[model].includes(code);
      it(`${code} under ${model}: ${holds ? 'holds' : 'a sibling counts 0 - 1'}`, () => {
        const r = explore(c8WmmSystem(code, model));
        expect(r.verdict).toBe(holds ? 'verified' : 'violation');
        if (!holds) expect(r.violations[0]?.message).toBe(`assertion failed in actor 'g1.vcpu1': ${COUNT_WRAPPED}`);
      });
    }
  }
  it('the catalogue entries expect what the search finds', () => {
    for (const e of c8WmmEntries) {
      const r = explore(e.build());
      expect(r.verdict, e.key).toBe(e.expected.verdict);
    }
  });
});

describe('the trace only arm gives: the proposed fix, a sibling reads the new version and the old count', () => {
  it('replays, and the count load returns a value memory has already overwritten', () => {
    const spec = c8WmmSystem('fix', 'arm');
    const r = explore(spec);
    const replayed = replay(spec, r.violations[0]?.token as string);
    expect(replayed.divergence).toBeUndefined();
    const steps = replayed.trace.steps;
    // vCPU1's load of the count was sent pending; its mem.need is when the value is taken.
    const at = steps.findIndex((s) => s.actor === 'mem' && s.message.type === 'mem.need' && s.message.reg === 'count' && s.message.from === 'g1.vcpu1');
    const mem = replayed.trace.actorNames.indexOf('mem');
    expect(steps[at]?.sends.map((x) => x.message.value)).toEqual([0]);
    // Before the load: memory holds count 1 and the published version, and vCPU1's view of the count lags.
    const before = steps[at - 1]?.states[mem] ?? '';
    expect(before).toMatch(/^ffa_vm_count=1 guest_vers=65537 /);
    expect(before).toContain('g1.vcpu1 sees ffa_vm_count=0');
    expect(formatTrace(replayed.trace, { maxColumnWidth: 34 })).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0 | g1.vcpu1 | ctx.guest_vers_lock | ffa_ctx_list_rwlock | mem                                | mem~g1.vcpu0~ffa_vm_count | mem~g1.vcpu0~guest_vers | mem~g1.vcpu1~ffa_vm_count | mem~g1.vcpu1~guest_vers | message
         0 | run      | run      | free                | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | (initial)
         1 | *run     | run      | free                | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- start from (env); sends mem.read(obj=guest_vers,field=,reg=vers,reply=false,ack=true) to mem
         2 | run      | *run     | free                | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu1 <- start from (env); sends mem.read(obj=guest_vers,field=,reg=vers,reply=false,ack=true) to mem
         3 | run      | run      | free                | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.read(obj=guest_vers,field=,reg=vers,reply=false,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0
         4 | *run     | run      | free                | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends mem.need(reg=vers) to mem
         5 | run      | run      | free                | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.read(obj=guest_vers,field=,reg=vers,reply=false,ack=true) from g1.vcpu1; sends mem.ack to g1.vcpu1
         6 | run      | run      | free                | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.need(reg=vers) from g1.vcpu0; sends mem.value(obj=null,field=,value=0) to g1.vcpu0
         7 | *run     | run      | free                | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.value(obj=null,field=,value=0) from mem; sends spin.acquire(lock=ctx.guest_vers_lock) to ctx.guest_vers_lock
         8 | run      | run      | *g1.vcpu0           | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | ctx.guest_vers_lock <- spin.acquire(lock=ctx.guest_vers_lock) from g1.vcpu0; sends spin.granted(lock=ctx.guest_vers_lock) to g1.vcpu0
         9 | *run     | run      | g1.vcpu0            | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- spin.granted(lock=ctx.guest_vers_lock) from ctx.guest_vers_lock; sends mem.acquire(chan=ctx.guest_vers_lock,full=true,ack=true) to mem
        10 | run      | run      | g1.vcpu0            | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.acquire(chan=ctx.guest_vers_lock,full=true,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0
        11 | *run     | run      | g1.vcpu0            | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends mem.read(obj=guest_vers,field=,reg=vers2,reply=false,ack=true) to mem
        12 | run      | run      | g1.vcpu0            | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.read(obj=guest_vers,field=,reg=vers2,reply=false,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0
        13 | *run     | run      | g1.vcpu0            | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends mem.need(reg=vers2) to mem
        14 | run      | run      | g1.vcpu0            | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.need(reg=vers2) from g1.vcpu0; sends mem.value(obj=null,field=,value=0) to g1.vcpu0
        15 | *run     | run      | g1.vcpu0            | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.value(obj=null,field=,value=0) from mem; sends mem.read(obj=guest_vers_tmp,field=,reg=tmp,reply=false,ack=true) to mem
        16 | run      | run      | g1.vcpu0            | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.read(obj=guest_vers_tmp,field=,reg=tmp,reply=false,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0
        17 | *run     | run      | g1.vcpu0            | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends mem.need(reg=tmp) to mem
        18 | run      | run      | g1.vcpu0            | free                | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.need(reg=tmp) from g1.vcpu0; sends mem.value(obj=null,field=,value=0x10001) to g1.vcpu0
        19 | *run     | run      | g1.vcpu0            | free                | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.value(obj=null,field=,value=0x10001) from mem; sends rw.write_lock(lock=ffa_ctx_list_rwlock) to ffa_ctx_list_rwlock
        20 | run      | run      | g1.vcpu0            | *W:g1.vcpu0         | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | ffa_ctx_list_rwlock <- rw.write_lock(lock=ffa_ctx_list_rwlock) from g1.vcpu0; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=write) to g1.vcpu0
        21 | *run     | run      | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- rw.granted(lock=ffa_ctx_list_rwlock,mode=write) from ffa_ctx_list_rwlock; sends mem.acquire(chan=ffa_ctx_list_rwlock,full=true,ack=true) to mem
        22 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.acquire(chan=ffa_ctx_list_rwlock,full=true,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0
        23 | *run     | run      | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends mem.rmw(obj=ffa_vm_count,field=,op=add,arg=1,order=relaxed,ret=false,ack=true) to mem
        24 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=0 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.rmw(obj=ffa_vm_count,field=,op=add,arg=1,order=relaxed,ret=false,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0, mem.tick to mem~g1.vcpu0~ffa_vm_count
        25 | *run     | run      | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=0 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends mem.release(chan=ffa_ctx_list_rwlock,full=true,ack=true) to mem
        26 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.release(chan=ffa_ctx_list_rwlock,full=true,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0
        27 | *run     | run      | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends rw.write_unlock(lock=ffa_ctx_list_rwlock) to ffa_ctx_list_rwlock, mem.write(obj=guest_vers,field=,value=0x10001,ack=true) to mem
        28 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=0 gues~ | -                         | -                       | -                         | -                       | mem <- mem.write(obj=guest_vers,field=,value=0x10001,ack=true) from g1.vcpu0; sends mem.ack to g1.vcpu0, mem.tick to mem~g1.vcpu0~guest_vers
        29 | *run     | run      | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=0 guest~ | -                         | -                       | -                         | -                       | g1.vcpu0 <- mem.ack from mem; sends mem.release(chan=ctx.guest_vers_lock,full=true,ack=true,retireViews=true) to mem
        30 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=65537 ~ | -                         | -                       | -                         | -                       | mem <- mem.release(chan=ctx.guest_vers_lock,full=true,ack=true,retireViews=true) from g1.vcpu0; sends mem.ack to g1.vcpu0, mem.tick to mem~g1.vcpu1~guest_vers
        31 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=65537 g~ | -                         | -                       | -                         | *-                      | mem~g1.vcpu1~guest_vers <- mem.tick from mem; sends mem.step to mem
        32 | run      | *run     | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=65537 g~ | -                         | -                       | -                         | -                       | g1.vcpu1 <- mem.ack from mem; sends mem.need(reg=vers) to mem
        33 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=65537 ~ | -                         | -                       | -                         | -                       | mem <- mem.step from mem~g1.vcpu1~guest_vers
        34 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=65537 ~ | -                         | -                       | -                         | -                       | mem <- mem.need(reg=vers) from g1.vcpu1; sends mem.value(obj=null,field=,value=0x10001) to g1.vcpu1
        35 | run      | *run     | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=65537 g~ | -                         | -                       | -                         | -                       | g1.vcpu1 <- mem.value(obj=null,field=,value=0x10001) from mem; sends mem.read(obj=ffa_vm_count,field=,reg=count,reply=false,ack=true,retireViews=true) to mem
        36 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=65537 ~ | -                         | -                       | -                         | -                       | mem <- mem.read(obj=ffa_vm_count,field=,reg=count,reply=false,ack=true,retireViews=true) from g1.vcpu1; sends mem.ack to g1.vcpu1, mem.tick to mem~g1.vcpu1~ffa_vm_count
        37 | run      | *run     | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=65537 g~ | -                         | -                       | -                         | -                       | g1.vcpu1 <- mem.ack from mem; sends mem.need(reg=count) to mem
        38 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=65537 ~ | -                         | -                       | -                         | -                       | mem <- mem.need(reg=count) from g1.vcpu1; sends mem.value(obj=null,field=,value=0) to g1.vcpu1
        39 | run      | *run     | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=65537 g~ | -                         | -                       | -                         | -                       | g1.vcpu1 <- mem.value(obj=null,field=,value=0) from mem; sends mem.read(obj=guest_vers,field=,reg=vers3,reply=false,ack=true,retireViews=true) to mem
        40 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=65537 ~ | -                         | -                       | -                         | -                       | mem <- mem.read(obj=guest_vers,field=,reg=vers3,reply=false,ack=true,retireViews=true) from g1.vcpu1; sends mem.ack to g1.vcpu1
        41 | run      | *run     | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=65537 g~ | -                         | -                       | -                         | -                       | g1.vcpu1 <- mem.ack from mem; sends mem.need(reg=vers3) to mem
        42 | run      | run      | g1.vcpu0            | W:g1.vcpu0          | *ffa_vm_count=1 guest_vers=65537 ~ | -                         | -                       | -                         | -                       | mem <- mem.need(reg=vers3) from g1.vcpu1; sends mem.value(obj=null,field=,value=0x10001) to g1.vcpu1
       !43 | run      | *done    | g1.vcpu0            | W:g1.vcpu0          | ffa_vm_count=1 guest_vers=65537 g~ | -                         | -                       | -                         | -                       | g1.vcpu1 <- mem.value(obj=null,field=,value=0x10001) from mem; sends mem.done to mem
      ! assertion failed in actor 'g1.vcpu1': PARTITION_INFO_GET(COUNT): the partition count is not SPs + other VMs (ffa_vm_count read before this VM was counted: 0 - 1 wrapped to 0xFFFFFFFF)"
    `);
  });
});
