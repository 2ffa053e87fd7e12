/**
 * C6 under the memory models (scenarios/c6Wmm.ts): the committed order holds on Arm when the
 * SPMC orders the caller's stores, and loses a notification when nothing orders the clear.
 */
import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { c6System } from '../../scenarios/c6.js';
import { c6WmmEntries } from '../../scenarios/c6Wmm.js';

const LOST = "invariant 'no lost wakeup' violated: the SPMC holds reported bits 0x2 for VM 2, but secure_pending is clear and no NPI is pending: nothing will make the guest call NOTIFICATION_GET (lost notification)";

describe('C6 under sc, tso and arm', () => {
  for (const model of ['sc', 'tso', 'arm'] as const) {
    it(`buggy (clear after the SMC) loses a notification under ${model}`, () => {
      const r = explore(c6System({ variant: 'buggy', memory: { model } }));
      expect(r.violations.map((v) => v.message)).toEqual([LOST]);
    });
    it(`fixed (clear, then the SMC the SPMC orders) holds under ${model}`, () => {
      expect(explore(c6System({ variant: 'fixed', memory: { model } })).verdict).toBe('verified');
    });
  }
  it('fixed with an SPMC that orders nothing: holds under sc, loses a notification under tso and arm', () => {
    expect(explore(c6System({ variant: 'fixed', memory: { model: 'sc', smcOrders: false } })).verdict).toBe('verified');
    for (const model of ['tso', 'arm'] as const) {
      expect(explore(c6System({ variant: 'fixed', memory: { model, smcOrders: false } })).violations.map((v) => v.message)).toEqual([LOST]);
    }
  });
  it('the catalogue entries expect what the search finds', () => {
    for (const e of c6WmmEntries) expect(explore(e.build()).verdict, e.key).toBe(e.expected.verdict);
  });
});

describe('the trace: the clear is still buffered when the tasklet sets the flag', () => {
  it('replays; the vCPU test_and_clear drains its own late clear over the new flag', () => {
    const spec = c6System({ variant: 'fixed', memory: { model: 'arm', smcOrders: false } });
    const r = explore(spec);
    const replayed = replay(spec, r.violations[0]?.token as string);
    expect(replayed.divergence).toBeUndefined();
    expect(formatTrace(replayed.trace, { maxColumnWidth: 34 })).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | sp       | spmc           | gic     | cpu0                               | notif_sri_tasklet | g1.vcpu0 | g1.ctx                             | g1.ctx~cpu0~ctx:g1.secure_pending | g1.ctx~g1.vcpu0~ctx:g1.secure_pen~ | message
         0 | 0/2 set  | 2:-            | idle    | task.idle                          | idle              | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | (initial)
         1 | *0/2 set | 2:-            | idle    | task.idle                          | idle              | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | sp <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) to spmc
         2 | 0/2 set  | *2:b0 sri@cpu0 | idle    | task.idle                          | idle              | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | spmc <- smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) from sp; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp, irq.trigger(irq=9,cpu=cpu0) to gic
         3 | 0/2 set  | 2:b0 sri@cpu0  | *9@cpu0 | task.idle                          | idle              | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
         4 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | *task.idle                         | idle              | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- irq.raise(irq=9) from gic; sends tasklet.schedule(cpu=cpu0,frame=irq 9) to notif_sri_tasklet, irq.eoi(irq=9) to gic
         5 | 0/2 set  | 2:b0 sri@cpu0  | *idle   | task.idle                          | idle              | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | gic <- irq.eoi(irq=9) from cpu0
         6 | 0/2 set  | 2:b0 sri@cpu0  | idle    | task.idle                          | *queued@cpu0      | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | notif_sri_tasklet <- tasklet.schedule(cpu=cpu0,frame=irq 9) from cpu0; sends tasklet.run to cpu0
         7 | 0/2 set  | 2:b0 sri@cpu0  | idle    | *task.softirq:begin                | queued@cpu0       | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- tasklet.run from notif_sri_tasklet; sends tasklet.begin to notif_sri_tasklet
         8 | 0/2 set  | 2:b0 sri@cpu0  | idle    | task.softirq:begin                 | *running@cpu0     | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | notif_sri_tasklet <- tasklet.begin from cpu0; sends tasklet.go to cpu0
         9 | 0/2 set  | 2:b0 sri@cpu0  | idle    | *task.tasklet:notif_sri_tasklet.i~ | running@cpu0      | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- tasklet.go from notif_sri_tasklet; sends smc.call(fid=0xc4000083,frame=notif_sri_tasklet) to spmc
        10 | 0/2 set  | *2:b0*         | idle    | task.tasklet:notif_sri_tasklet.in~ | running@cpu0      | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | spmc <- smc.call(fid=0xc4000083,frame=notif_sri_tasklet) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) to cpu0
        11 | 0/2 set  | 2:b0*          | idle    | *task.idle                         | running@cpu0      | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) from spmc; sends mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) to g1.ctx, mem.fence(kind=mb,frame=notif_sri_tasklet) to g1.ctx, vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) to g1.vcpu0, tasklet.done to notif_sri_tasklet
        12 | 0/2 set  | 2:b0*          | idle    | task.idle                          | *idle             | idle     | ctx:g1.secure_pending=false        | -                                 | -                                  | notif_sri_tasklet <- tasklet.done from cpu0
        13 | 0/2 set  | 2:b0*          | idle    | task.idle                          | idle              | *infoGet | ctx:g1.secure_pending=false        | -                                 | -                                  | g1.vcpu0 <- vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) from cpu0; sends mem.test_and_clear(obj=ctx:g1,field=secure_pending) to g1.ctx
        14 | 0/2 set  | 2:b0*          | idle    | task.idle                          | idle              | infoGet  | *cpu0[ctx:g1.secure_pending=true]~ | -                                 | -                                  | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) from cpu0; sends mem.tick to g1.ctx~cpu0~ctx:g1.secure_pending
        15 | 0/2 set  | 2:b0*          | idle    | task.idle                          | idle              | infoGet  | *ctx:g1.secure_pending=true        | -                                 | -                                  | g1.ctx <- mem.fence(kind=mb,frame=notif_sri_tasklet) from cpu0
        16 | 0/2 set  | 2:b0*          | idle    | task.idle                          | idle              | infoGet  | *ctx:g1.secure_pending=false       | -                                 | -                                  | g1.ctx <- mem.test_and_clear(obj=ctx:g1,field=secure_pending) from g1.vcpu0; sends mem.value(obj=ctx:g1,field=secure_pending,value=true) to g1.vcpu0
        17 | 0/2 set  | 2:b0*          | idle    | task.idle                          | idle              | *get     | ctx:g1.secure_pending=false        | -                                 | -                                  | g1.vcpu0 <- mem.value(obj=ctx:g1,field=secure_pending,value=true) from g1.ctx; sends mem.write(obj=ctx:g1,field=secure_pending,value=false) to g1.ctx, smc.call(fid=0x84000082,vm=2,flags=3) to spmc
        18 | *1/2 set | 2:b0*          | idle    | task.idle                          | idle              | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | sp <- smc.result(fid=0x84000081,w0=0x84000061,w2=0) from spmc; sends smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu0) to spmc
        19 | 1/2 set  | *2:-           | idle    | task.idle                          | idle              | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | spmc <- smc.call(fid=0x84000082,vm=2,flags=3) from g1.vcpu0; sends smc.result(fid=0x84000082,w0=0x84000061,w2=1,gen=1) to g1.vcpu0
        20 | 1/2 set  | *2:b1 sri@cpu0 | idle    | task.idle                          | idle              | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | spmc <- smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu0) from sp; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp, irq.trigger(irq=9,cpu=cpu0) to gic
        21 | 1/2 set  | 2:b1 sri@cpu0  | *9@cpu0 | task.idle                          | idle              | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
        22 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | *task.idle                         | idle              | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- irq.raise(irq=9) from gic; sends tasklet.schedule(cpu=cpu0,frame=irq 9) to notif_sri_tasklet, irq.eoi(irq=9) to gic
        23 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | task.idle                          | *queued@cpu0      | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | notif_sri_tasklet <- tasklet.schedule(cpu=cpu0,frame=irq 9) from cpu0; sends tasklet.run to cpu0
        24 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | *task.softirq:begin                | queued@cpu0       | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- tasklet.run from notif_sri_tasklet; sends tasklet.begin to notif_sri_tasklet
        25 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | task.softirq:begin                 | *running@cpu0     | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | notif_sri_tasklet <- tasklet.begin from cpu0; sends tasklet.go to cpu0
        26 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | *task.tasklet:notif_sri_tasklet.i~ | running@cpu0      | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- tasklet.go from notif_sri_tasklet; sends smc.call(fid=0xc4000083,frame=notif_sri_tasklet) to spmc
        27 | 1/2 set  | *2:b1*         | 9@cpu0  | task.tasklet:notif_sri_tasklet.in~ | running@cpu0      | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | spmc <- smc.call(fid=0xc4000083,frame=notif_sri_tasklet) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) to cpu0
        28 | 1/2 set  | 2:b1*          | 9@cpu0  | *task.idle                         | running@cpu0      | get      | ctx:g1.secure_pending=false        | -                                 | -                                  | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) from spmc; sends mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) to g1.ctx, mem.fence(kind=mb,frame=notif_sri_tasklet) to g1.ctx, vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) to g1.vcpu0, tasklet.done to notif_sri_tasklet
        29 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle                          | running@cpu0      | *idle    | ctx:g1.secure_pending=false        | -                                 | -                                  | g1.vcpu0 <- smc.result(fid=0x84000082,w0=0x84000061,w2=1,gen=1) from spmc
        30 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle                          | running@cpu0      | *infoGet | ctx:g1.secure_pending=false        | -                                 | -                                  | g1.vcpu0 <- vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) from cpu0; sends mem.test_and_clear(obj=ctx:g1,field=secure_pending) to g1.ctx
        31 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle                          | running@cpu0      | infoGet  | *g1.vcpu0[ctx:g1.secure_pending=f~ | -                                 | -                                  | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=false) from g1.vcpu0; sends mem.tick to g1.ctx~g1.vcpu0~ctx:g1.secure_pending
        32 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle                          | running@cpu0      | infoGet  | *cpu0[ctx:g1.secure_pending=true]~ | -                                 | -                                  | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) from cpu0
        33 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle                          | running@cpu0      | infoGet  | *g1.vcpu0[ctx:g1.secure_pending=f~ | -                                 | -                                  | g1.ctx <- mem.fence(kind=mb,frame=notif_sri_tasklet) from cpu0
        34 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle                          | running@cpu0      | infoGet  | *ctx:g1.secure_pending=false       | -                                 | -                                  | g1.ctx <- mem.test_and_clear(obj=ctx:g1,field=secure_pending) from g1.vcpu0; sends mem.value(obj=ctx:g1,field=secure_pending,value=false) to g1.vcpu0
        35 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle                          | running@cpu0      | *idle    | ctx:g1.secure_pending=false        | -                                 | -                                  | g1.vcpu0 <- mem.value(obj=ctx:g1,field=secure_pending,value=false) from g1.ctx
      ! invariant 'no lost wakeup' violated: the SPMC holds reported bits 0x2 for VM 2, but secure_pending is clear and no NPI is pending: nothing will make the guest call NOTIFICATION_GET (lost notification)"
    `);
  });
});
