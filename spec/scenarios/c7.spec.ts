import { describe, expect, it } from 'vitest';
import { ModelError, explore, formatTrace, replay, type SystemSpec } from '../../runtime/index.js';
import { checkLiveness } from '../../runtime/checkers/liveness.js';
import { C7_PPI, c7Entries, c7Registers, c7System, sriUnserved, type C7Options } from '../../scenarios/c7.js';
import { diffSystems } from './variantDiff.js';

const STALL =
  "invariant 'every SRI served (at rest)' violated: the run is over, but the SRI pended on cpu1 was never followed by a run of notif_sri_action (no INFO_GET after it): the notification stalls";

function shortest(options: C7Options) {
  const spec = c7System(options);
  const result = explore(spec, { maxViolations: 10 });
  return { spec, result };
}

function replayTo(spec: SystemSpec, token: string) {
  const r = replay(spec, token);
  expect(r.divergence).toBeUndefined();
  expect(r.fingerprintMatches).toBe(true);
  return r;
}

describe('C7 buggy: notif_irq_handler registered on the boot CPU only (S3 before v4)', () => {
  it('should find the stalled SRI on cpu1, replay it, and pin the shortest trace', () => {
    const { spec, result } = shortest({ variant: 'buggy' });
    expect(result.complete).toBe(true);
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([['invariant', STALL]]);
    const r = replayTo(spec, result.violations[0]!.token);
    expect(r.trace.findings.map((f) => [f.kind, f.message])).toEqual([['invariant', STALL]]);
    expect(formatTrace(r.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | sp0       | sp1       | spmc              | gic     | cpu0                   | cpu1       | notif_sri_tasklet | g1.ctx   | message
         0 | 0/1 set   | 0/1 set   | 2:-               | idle    | task.idle              | task.idle  | idle              | -        | (initial)
         1 | *0/1 set  | 0/1 set   | 2:-               | idle    | task.idle              | task.idle  | idle              | -        | sp0 <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) to spmc
         2 | 0/1 set   | 0/1 set   | *2:b0 sri@cpu0    | idle    | task.idle              | task.idle  | idle              | -        | spmc <- smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) from sp0; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp0, irq.trigger(irq=9,cpu=cpu0) to gic
         3 | *done 1/1 | 0/1 set   | 2:b0 sri@cpu0     | idle    | task.idle              | task.idle  | idle              | -        | sp0 <- smc.result(fid=0x84000081,w0=0x84000061,w2=0) from spmc
         4 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | *9@cpu0 | task.idle              | task.idle  | idle              | -        | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
         5 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | 9@cpu0  | *task.idle             | task.idle  | idle              | -        | cpu0 <- irq.raise(irq=9) from gic; sends tasklet.schedule(cpu=cpu0,frame=irq 9) to notif_sri_tasklet, irq.eoi(irq=9) to gic
         6 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | *idle   | task.idle              | task.idle  | idle              | -        | gic <- irq.eoi(irq=9) from cpu0
         7 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | task.idle              | task.idle  | *queued@cpu0      | -        | notif_sri_tasklet <- tasklet.schedule(cpu=cpu0,frame=irq 9) from cpu0; sends tasklet.run to cpu0
         8 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | *task.softirq:begin    | task.idle  | queued@cpu0       | -        | cpu0 <- tasklet.run from notif_sri_tasklet; sends tasklet.begin to notif_sri_tasklet
         9 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | task.softirq:begin     | task.idle  | *running@cpu0     | -        | notif_sri_tasklet <- tasklet.begin from cpu0; sends tasklet.go to cpu0
        10 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | *task.tasklet:notif_s~ | task.idle  | running@cpu0      | -        | cpu0 <- tasklet.go from notif_sri_tasklet; sends smc.call(fid=0xc4000083,frame=notif_sri_tasklet) to spmc
        11 | done 1/1  | *0/1 set  | 2:b0 sri@cpu0     | idle    | task.tasklet:notif_sr~ | task.idle  | running@cpu0      | -        | sp1 <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu1) to spmc
        12 | done 1/1  | 0/1 set   | *2:b0*            | idle    | task.tasklet:notif_sr~ | task.idle  | running@cpu0      | -        | spmc <- smc.call(fid=0xc4000083,frame=notif_sri_tasklet) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) to cpu0
        13 | done 1/1  | 0/1 set   | *2:b0*b1 sri@cpu1 | idle    | task.tasklet:notif_sr~ | task.idle  | running@cpu0      | -        | spmc <- smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu1) from sp1; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp1, irq.trigger(irq=9,cpu=cpu1) to gic
        14 | done 1/1  | *done 1/1 | 2:b0*b1 sri@cpu1  | idle    | task.tasklet:notif_sr~ | task.idle  | running@cpu0      | -        | sp1 <- smc.result(fid=0x84000081,w0=0x84000061,w2=0) from spmc
        15 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | *9@cpu1 | task.tasklet:notif_sr~ | task.idle  | running@cpu0      | -        | gic <- irq.trigger(irq=9,cpu=cpu1) from spmc; sends irq.raise(irq=9) to cpu1
        16 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | 9@cpu1  | *task.idle             | task.idle  | running@cpu0      | -        | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) from spmc; sends mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) to g1.ctx, tasklet.done to notif_sri_tasklet
        17 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | 9@cpu1  | task.idle              | *task.idle | running@cpu0      | -        | cpu1 <- irq.raise(irq=9) from gic; sends irq.eoi(irq=9) to gic
        18 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | *idle   | task.idle              | task.idle  | running@cpu0      | -        | gic <- irq.eoi(irq=9) from cpu1
        19 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | idle    | task.idle              | task.idle  | *idle             | -        | notif_sri_tasklet <- tasklet.done from cpu0
        20 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | idle    | task.idle              | task.idle  | idle              | *pending | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) from cpu0
      ! invariant 'every SRI served (at rest)' violated: the run is over, but the SRI pended on cpu1 was never followed by a run of notif_sri_action (no INFO_GET after it): the notification stalls"
    `);
  });

  it('should violate the liveness property under weak fairness with a lasso that ends where the run stops', () => {
    const spec = c7System({ variant: 'buggy' });
    const live = checkLiveness(spec);
    expect(live.verdict).toBe('violation');
    const [v] = live.violations;
    expect(v?.property).toBe('sri served');
    expect(v?.cycle).toEqual([]);
    // The lasso replays to a state where the SRI is still unserved and nothing can move.
    const r = replayTo(spec, v!.token);
    expect(r.trace.steps.at(-1)?.states[spec.actors.findIndex((a) => a.name === 'spmc')]).toContain('sri@cpu1');
    expect(v?.message).toMatch(/^liveness: 'sri served' is violated under weak fairness: triggered after step \d+, it never holds again; the run takes \d+ steps, then stops: no actor can move$/);
  });
});

describe('C7 fixed: ffa_init_secondary registers the handler on every CPU (S3 v6, upstream)', () => {
  it('should verify every interleaving on booted CPUs, by the invariant and by the liveness checker', () => {
    const { result } = shortest({ variant: 'fixed' });
    expect(result.verdict).toBe('verified');
    expect(result.complete).toBe(true);
    const live = checkLiveness(c7System({ variant: 'fixed' }));
    expect(live.verdict).toBe('verified');
    expect(live.violations).toEqual([]);
  });

  it('residual (boot window): an SRI pended while cpu1 is in start_secondary is taken after local_irq_enable() and before init_tee_secondary(), and dropped', () => {
    const { spec, result } = shortest({ variant: 'fixed', boot: 'racing' });
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([['invariant', STALL]]);
    const r = replayTo(spec, result.violations[0]!.token);
    expect(formatTrace(r.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | sp0       | sp1       | spmc              | gic     | cpu0                   | cpu1         | notif_sri_tasklet | g1.ctx   | message
         0 | 0/1 set   | 0/1 set   | 2:-               | idle    | task.idle              | task.booting | idle              | -        | (initial)
         1 | *0/1 set  | 0/1 set   | 2:-               | idle    | task.idle              | task.booting | idle              | -        | sp0 <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) to spmc
         2 | 0/1 set   | 0/1 set   | *2:b0 sri@cpu0    | idle    | task.idle              | task.booting | idle              | -        | spmc <- smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) from sp0; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp0, irq.trigger(irq=9,cpu=cpu0) to gic
         3 | *done 1/1 | 0/1 set   | 2:b0 sri@cpu0     | idle    | task.idle              | task.booting | idle              | -        | sp0 <- smc.result(fid=0x84000081,w0=0x84000061,w2=0) from spmc
         4 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | *9@cpu0 | task.idle              | task.booting | idle              | -        | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
         5 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | 9@cpu0  | *task.idle             | task.booting | idle              | -        | cpu0 <- irq.raise(irq=9) from gic; sends tasklet.schedule(cpu=cpu0,frame=irq 9) to notif_sri_tasklet, irq.eoi(irq=9) to gic
         6 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | *idle   | task.idle              | task.booting | idle              | -        | gic <- irq.eoi(irq=9) from cpu0
         7 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | task.idle              | *task.idle   | idle              | -        | cpu1 <- start from (env); sends irq.register(irq=9) to cpu1
         8 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | task.idle              | task.idle    | *queued@cpu0      | -        | notif_sri_tasklet <- tasklet.schedule(cpu=cpu0,frame=irq 9) from cpu0; sends tasklet.run to cpu0
         9 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | *task.softirq:begin    | task.idle    | queued@cpu0       | -        | cpu0 <- tasklet.run from notif_sri_tasklet; sends tasklet.begin to notif_sri_tasklet
        10 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | task.softirq:begin     | task.idle    | *running@cpu0     | -        | notif_sri_tasklet <- tasklet.begin from cpu0; sends tasklet.go to cpu0
        11 | done 1/1  | 0/1 set   | 2:b0 sri@cpu0     | idle    | *task.tasklet:notif_s~ | task.idle    | running@cpu0      | -        | cpu0 <- tasklet.go from notif_sri_tasklet; sends smc.call(fid=0xc4000083,frame=notif_sri_tasklet) to spmc
        12 | done 1/1  | *0/1 set  | 2:b0 sri@cpu0     | idle    | task.tasklet:notif_sr~ | task.idle    | running@cpu0      | -        | sp1 <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu1) to spmc
        13 | done 1/1  | 0/1 set   | *2:b0*            | idle    | task.tasklet:notif_sr~ | task.idle    | running@cpu0      | -        | spmc <- smc.call(fid=0xc4000083,frame=notif_sri_tasklet) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) to cpu0
        14 | done 1/1  | 0/1 set   | *2:b0*b1 sri@cpu1 | idle    | task.tasklet:notif_sr~ | task.idle    | running@cpu0      | -        | spmc <- smc.call(fid=0x84000081,vm=2,bits=2,cpu=cpu1) from sp1; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp1, irq.trigger(irq=9,cpu=cpu1) to gic
        15 | done 1/1  | *done 1/1 | 2:b0*b1 sri@cpu1  | idle    | task.tasklet:notif_sr~ | task.idle    | running@cpu0      | -        | sp1 <- smc.result(fid=0x84000081,w0=0x84000061,w2=0) from spmc
        16 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | *9@cpu1 | task.tasklet:notif_sr~ | task.idle    | running@cpu0      | -        | gic <- irq.trigger(irq=9,cpu=cpu1) from spmc; sends irq.raise(irq=9) to cpu1
        17 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | 9@cpu1  | *task.idle             | task.idle    | running@cpu0      | -        | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) from spmc; sends mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) to g1.ctx, tasklet.done to notif_sri_tasklet
        18 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | 9@cpu1  | task.idle              | *task.idle   | running@cpu0      | -        | cpu1 <- irq.raise(irq=9) from gic; sends irq.eoi(irq=9) to gic
        19 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | *idle   | task.idle              | task.idle    | running@cpu0      | -        | gic <- irq.eoi(irq=9) from cpu1
        20 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | idle    | task.idle              | *task.idle   | running@cpu0      | -        | cpu1 <- irq.register(irq=9) from cpu1
        21 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | idle    | task.idle              | task.idle    | *idle             | -        | notif_sri_tasklet <- tasklet.done from cpu0
        22 | done 1/1  | done 1/1  | 2:b0*b1 sri@cpu1  | idle    | task.idle              | task.idle    | idle              | *pending | g1.ctx <- mem.write(obj=ctx:g1,field=secure_pending,value=true,frame=notif_sri_tasklet) from cpu0
      ! invariant 'every SRI served (at rest)' violated: the run is over, but the SRI pended on cpu1 was never followed by a run of notif_sri_action (no INFO_GET after it): the notification stalls"
    `);
    expect(checkLiveness(spec).verdict).toBe('violation');
  });

  it('residual (PPI): ffa_notif_init_interrupt registers only SGIs on secondaries, so a PPI SRI on cpu1 stalls like BUGGY', () => {
    expect(c7Registers('fixed', 'cpu1', C7_PPI)).toBe(false);
    const { spec, result } = shortest({ variant: 'fixed', sriIrq: C7_PPI });
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([['invariant', STALL]]);
    expect(replayTo(spec, result.violations[0]!.token).trace.findings.map((f) => f.message)).toEqual([STALL]);
    expect(checkLiveness(spec).verdict).toBe('violation');
  });

  it('should agree with the liveness checker on every configuration (the model has no cycles, so the at-rest invariant is the liveness property)', () => {
    for (const e of c7Entries) {
      const spec = e.build();
      expect(checkLiveness(spec as never).verdict, e.key).toBe(explore(spec).verdict);
    }
  });
});

describe('C7 variants', () => {
  it('should differ only in whether cpu1 registers the SRI handler', () => {
    expect(diffSystems(c7System({ variant: 'buggy' }), c7System({ variant: 'fixed' }))).toEqual({ cpu1: ['(initial context)'] });
    const registered = (o: C7Options) => (c7System(o).actors.find((a) => a.name === 'cpu1')!.machine.config.context as { exec: { registered: number[] } }).exec.registered;
    expect(registered({ variant: 'buggy' })).toEqual([]);
    expect(registered({ variant: 'fixed' })).toEqual([9]);
    // While booting, the registration is init_tee_secondary's irq.register after local_irq_enable().
    expect(diffSystems(c7System({ variant: 'buggy', boot: 'racing' }), c7System({ variant: 'fixed', boot: 'racing' }))).toEqual({ cpu1: ['task.booting'] });
  });

  it('should list the entries with their expected verdicts, each reached', () => {
    expect(c7Entries.map((e) => [e.key, e.expected.verdict])).toEqual([
      ['C7/buggy/2cpu', 'violation'],
      ['C7/fixed/2cpu', 'verified'],
      ['C7/fixed/boot', 'violation'],
      ['C7/fixed/ppi', 'violation'],
    ]);
    for (const e of c7Entries) {
      const result = explore(e.build());
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations[0]?.kind, e.key).toBe(e.expected.kind);
    }
  });

  it('should read the ghost at the SPMC', () => {
    const spec = c7System({ variant: 'fixed' });
    const spmc = spec.actors.find((a) => a.name === 'spmc')!;
    expect(sriUnserved({ actor: () => ({ context: { sriUnserved: ['cpu1'] } }) } as never)).toBe(true);
    expect(spmc.daemon).toBe(true);
  });

  it('should refuse a bad configuration', () => {
    expect(() => c7System({ variant: 'fixed', sriIrq: 40 })).toThrow(new ModelError('C7: the SRI must be an SGI or a PPI (0-31), got 40'));
  });
});
