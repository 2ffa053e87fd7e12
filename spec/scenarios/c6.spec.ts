import { describe, expect, it } from 'vitest';
import { ModelError, explore, formatTrace, replay } from '../../runtime/index.js';
import { runStrategy } from '../../runtime/index.js';
import { c6Entries, c6NoLostWakeup, c6PctEntries, c6System } from '../../scenarios/c6.js';
import { diffSystems, stepsOf } from './variantDiff.js';

const LOST =
  "invariant 'no lost wakeup' violated: the SPMC holds reported bits 0x2 for VM 2, but secure_pending is clear and no NPI is pending: nothing will make the guest call NOTIFICATION_GET (lost notification)";

describe('C6 buggy: secure_pending cleared after the NOTIFICATION_GET SMC (hypothetical order, S3 v4 changelog)', () => {
  it('should find the lost notification with BFS, replay it from its token, and pin the shortest trace', () => {
    const spec = c6System({ variant: 'buggy' });
    const result = explore(spec, { maxViolations: 10 });
    expect(result.complete).toBe(true);
    expect(result.verdict).toBe('violation');
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([['invariant', LOST]]);
    const [v] = result.violations;
    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.fingerprintMatches).toBe(true);
    expect(replayed.trace.findings.map((f) => [f.kind, f.message])).toEqual([['invariant', LOST]]);
    expect(formatTrace(replayed.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | sp       | spmc           | gic     | cpu0                   | notif_sri_tasklet | g1.vcpu0 | g1.ctx   | message
         0 | 0/2 set  | 2:-            | idle    | task.idle              | idle              | idle     | -        | (initial)
         1 | *0/2 set | 2:-            | idle    | task.idle              | idle              | idle     | -        | sp <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) to spmc
         2 | 0/2 set  | *2:b0 sri@cpu0 | idle    | task.idle              | idle              | idle     | -        | spmc <- smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) from sp; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp, irq.trigger(irq=9,cpu=cpu0) to gic
         3 | 0/2 set  | 2:b0 sri@cpu0  | *9@cpu0 | task.idle              | idle              | idle     | -        | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
         4 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | *task.idle             | idle              | idle     | -        | cpu0 <- irq.raise(irq=9) from gic; sends tasklet.schedule(cpu=cpu0,frame=irq 9) to notif_sri_tasklet, irq.eoi(irq=9) to gic
         5 | 0/2 set  | 2:b0 sri@cpu0  | *idle   | task.idle              | idle              | idle     | -        | gic <- irq.eoi(irq=9) from cpu0
         6 | 0/2 set  | 2:b0 sri@cpu0  | idle    | task.idle              | *queued@cpu0      | idle     | -        | notif_sri_tasklet <- tasklet.schedule(cpu=cpu0,frame=irq 9) from cpu0; sends tasklet.run to cpu0
         7 | 0/2 set  | 2:b0 sri@cpu0  | idle    | *task.softirq:begin    | queued@cpu0       | idle     | -        | cpu0 <- tasklet.run from notif_sri_tasklet; sends tasklet.begin to notif_sri_tasklet
         8 | 0/2 set  | 2:b0 sri@cpu0  | idle    | task.softirq:begin     | *running@cpu0     | idle     | -        | notif_sri_tasklet <- tasklet.begin from cpu0; sends tasklet.go to cpu0
         9 | 0/2 set  | 2:b0 sri@cpu0  | idle    | *task.tasklet:notif_s~ | running@cpu0      | idle     | -        | cpu0 <- tasklet.go from notif_sri_tasklet; sends smc.call(fid=0xc4000083,frame=notif_sri_tasklet) to spmc
        10 | 0/2 set  | *2:b0*         | idle    | task.tasklet:notif_sr~ | running@cpu0      | idle     | -        | spmc <- smc.call(fid=0xc4000083,frame=notif_sri_tasklet) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) to cpu0
        11 | 0/2 set  | 2:b0*          | idle    | *task.idle             | running@cpu0      | idle     | -        | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) from spmc; sends mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) to g1.ctx, vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) to g1.vcpu0, tasklet.done to notif_sri_tasklet
        12 | 0/2 set  | 2:b0*          | idle    | task.idle              | *idle             | idle     | -        | notif_sri_tasklet <- tasklet.done from cpu0
        13 | 0/2 set  | 2:b0*          | idle    | task.idle              | idle              | *infoGet | -        | g1.vcpu0 <- vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) from cpu0; sends mem.test_and_clear(obj=ctx:g1,field=secure_pending) to g1.ctx
        14 | 0/2 set  | 2:b0*          | idle    | task.idle              | idle              | infoGet  | *pending | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) from cpu0
        15 | 0/2 set  | 2:b0*          | idle    | task.idle              | idle              | infoGet  | *-       | g1.ctx <- mem.test_and_clear(obj=ctx:g1,field=secure_pending) from g1.vcpu0; sends mem.value(obj=ctx:g1,field=secure_pending,value=true) to g1.vcpu0
        16 | 0/2 set  | 2:b0*          | idle    | task.idle              | idle              | *get     | -        | g1.vcpu0 <- mem.value(obj=ctx:g1,field=secure_pending,value=true) from g1.ctx; sends smc.call(fid=0x84000082,vm=2,flags=3) to spmc
        17 | *1/2 set | 2:b0*          | idle    | task.idle              | idle              | get      | -        | sp <- smc.result(fid=0x84000081,w0=0x84000061,w2=0) from spmc; sends smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu0) to spmc
        18 | 1/2 set  | *2:-           | idle    | task.idle              | idle              | get      | -        | spmc <- smc.call(fid=0x84000082,vm=2,flags=3) from g1.vcpu0; sends smc.result(fid=0x84000082,w0=0x84000061,w2=1,gen=1) to g1.vcpu0
        19 | 1/2 set  | *2:b1 sri@cpu0 | idle    | task.idle              | idle              | get      | -        | spmc <- smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu0) from sp; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp, irq.trigger(irq=9,cpu=cpu0) to gic
        20 | 1/2 set  | 2:b1 sri@cpu0  | *9@cpu0 | task.idle              | idle              | get      | -        | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
        21 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | *task.idle             | idle              | get      | -        | cpu0 <- irq.raise(irq=9) from gic; sends tasklet.schedule(cpu=cpu0,frame=irq 9) to notif_sri_tasklet, irq.eoi(irq=9) to gic
        22 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | task.idle              | *queued@cpu0      | get      | -        | notif_sri_tasklet <- tasklet.schedule(cpu=cpu0,frame=irq 9) from cpu0; sends tasklet.run to cpu0
        23 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | *task.softirq:begin    | queued@cpu0       | get      | -        | cpu0 <- tasklet.run from notif_sri_tasklet; sends tasklet.begin to notif_sri_tasklet
        24 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | task.softirq:begin     | *running@cpu0     | get      | -        | notif_sri_tasklet <- tasklet.begin from cpu0; sends tasklet.go to cpu0
        25 | 1/2 set  | 2:b1 sri@cpu0  | 9@cpu0  | *task.tasklet:notif_s~ | running@cpu0      | get      | -        | cpu0 <- tasklet.go from notif_sri_tasklet; sends smc.call(fid=0xc4000083,frame=notif_sri_tasklet) to spmc
        26 | 1/2 set  | *2:b1*         | 9@cpu0  | task.tasklet:notif_sr~ | running@cpu0      | get      | -        | spmc <- smc.call(fid=0xc4000083,frame=notif_sri_tasklet) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) to cpu0
        27 | 1/2 set  | 2:b1*          | 9@cpu0  | *task.idle             | running@cpu0      | get      | -        | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) from spmc; sends mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) to g1.ctx, vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) to g1.vcpu0, tasklet.done to notif_sri_tasklet
        28 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle              | running@cpu0      | *idle    | -        | g1.vcpu0 <- smc.result(fid=0x84000082,w0=0x84000061,w2=1,gen=1) from spmc; sends mem.write(obj=ctx:g1,field=secure_pending,value=false) to g1.ctx
        29 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle              | running@cpu0      | *infoGet | -        | g1.vcpu0 <- vgic.npi(irq=8,vm=2,frame=notif_sri_tasklet) from cpu0; sends mem.test_and_clear(obj=ctx:g1,field=secure_pending) to g1.ctx
        30 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle              | running@cpu0      | infoGet  | *pending | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) from cpu0
        31 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle              | running@cpu0      | infoGet  | *-       | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=false) from g1.vcpu0
        32 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle              | running@cpu0      | infoGet  | *-       | g1.ctx <- mem.test_and_clear(obj=ctx:g1,field=secure_pending) from g1.vcpu0; sends mem.value(obj=ctx:g1,field=secure_pending,value=false) to g1.vcpu0
        33 | 1/2 set  | 2:b1*          | 9@cpu0  | task.idle              | running@cpu0      | *idle    | -        | g1.vcpu0 <- mem.value(obj=ctx:g1,field=secure_pending,value=false) from g1.ctx
      ! invariant 'no lost wakeup' violated: the SPMC holds reported bits 0x2 for VM 2, but secure_pending is clear and no NPI is pending: nothing will make the guest call NOTIFICATION_GET (lost notification)"
    `);
  });

  it('should find the same lost notification with DFS', () => {
    const dfs = explore(c6System({ variant: 'buggy' }), { strategy: 'dfs' });
    expect(dfs.violations.map((v) => [v.kind, v.message])).toEqual([['invariant', LOST]]);
  });
});

describe('C6 fixed: clear, then SMC (upstream ffa_handle_notification_get)', () => {
  for (const sets of [1, 2, 3]) {
    it(`should verify every interleaving with an SP making ${sets} NOTIFICATION_SET(s), under BFS and DFS`, () => {
      const bfs = explore(c6System({ variant: 'fixed', sets }), { maxViolations: 10 });
      expect(bfs.violations).toEqual([]);
      expect(bfs.verdict).toBe('verified');
      expect(bfs.complete).toBe(true);
      const dfs = explore(c6System({ variant: 'fixed', sets }), { strategy: 'dfs' });
      expect(dfs.verdict).toBe('verified');
      expect(dfs.stats.states).toBe(bfs.stats.states);
    });
  }

  it('should have no lost wakeup with one SET in the buggy order either: the race needs a SET during the GET', () => {
    expect(explore(c6System({ variant: 'buggy', sets: 1 })).verdict).toBe('verified');
  });
});

describe('C6 variants', () => {
  it('should differ only in where the GET handler stores secure_pending = false', () => {
    const buggy = c6System({ variant: 'buggy' });
    const fixed = c6System({ variant: 'fixed' });
    expect(diffSystems(buggy, fixed)).toEqual({ 'g1.vcpu0': ['get', 'infoGet'] });
    const steps = (spec: typeof buggy) => stepsOf(spec.actors.find((a) => a.name === 'g1.vcpu0')!.machine);
    const clear = 'send {"to":"g1.ctx","event":{"type":"mem.write","obj":"ctx:g1","field":"secure_pending","value":false}}';
    const b = steps(buggy);
    const f = steps(fixed);
    // Taking the store out of the one place and putting it in the other makes them equal.
    expect(f.get('infoGet')?.replace(`${clear} | `, '')).toBe(b.get('infoGet'));
    expect(b.get('get')?.replace(` | ${clear}`, '')).toBe(f.get('get'));
    expect(f.get('infoGet')).toContain(`${clear} | send {"to":"spmc","event":{"type":"smc.call","fid":2214592642,"vm":2,"flags":3}}`);
  });

  it('should list both entries with their expected verdicts', () => {
    expect(c6Entries.map((e) => [e.key, e.expected])).toEqual([
      ['C6/buggy/1g', { verdict: 'violation', kind: 'invariant' }],
      ['C6/fixed/1g', { verdict: 'verified' }],
    ]);
    for (const e of c6Entries) {
      const result = explore(e.build());
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations[0]?.kind, e.key).toBe(e.expected.kind);
    }
  });

  it('should find the lost notification with PCT in the larger configuration, and nothing in FIXED (which proves nothing)', () => {
    for (const e of c6PctEntries) {
      const result = runStrategy(e.strategy!, e.build(), e.explore as never);
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') {
        expect(result.violations[0]?.message, e.key).toMatch(/^invariant 'no lost wakeup' violated: the SPMC holds reported bits 0x[0-9a-f]+ for VM 2/);
        expect(replay(e.build(), result.violations[0]!.token).trace.findings.map((f) => f.kind), e.key).toEqual(['invariant']);
      }
    }
    // The same configuration is still small enough for BFS to verify FIXED outright.
    expect(explore(c6System({ variant: 'fixed', sets: 4 })).verdict).toBe('verified');
  });

  it('should have an invariant that reads only the actors it names', () => {
    expect(c6NoLostWakeup.reads).toEqual(['spmc', 'cpu0', 'g1.vcpu0', 'g1.ctx']);
  });

  it('should refuse a bad configuration', () => {
    expect(() => c6System({ variant: 'fixed', sets: 0 })).toThrow(new ModelError('C6: sets must be an integer from 1 to 4, got 0'));
  });
});
