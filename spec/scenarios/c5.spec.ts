import { describe, expect, it } from 'vitest';
import { ModelError, explore, formatTrace, replay, type SystemSpec } from '../../runtime/index.js';
import { C5_VM, c5DomainFreedAfterReaders, c5Entries, c5FreeAfterReaders, c5System } from '../../scenarios/c5.js';
import { stepsOf, diffSystems } from './variantDiff.js';

const UNDER_READER =
  "invariant 'ctx freed only after the RCU readers that found its domain' violated: ctx:d1 was freed while cpu0, which found domain 1, is still inside its RCU read-side section";
const DOMAIN_UNDER_READER =
  "invariant 'struct domain freed only after the RCU readers that found it' violated: domain 1 was freed while cpu0, which found it, is still inside its RCU read-side section";
const UAF =
  'use-after-free: cpu0 writes ctx:d1.secure_pending after it was freed; freed by step [d1.ctx <- mem.free(obj=ctx:d1) from cpu1], used by step [cpu0 <- domain.lookup.result(id=1,rc=0,toFrame=irq 9) from domains]';

function replayed(spec: SystemSpec, token: string) {
  const r = replay(spec, token);
  expect(r.divergence).toBeUndefined();
  expect(r.fingerprintMatches).toBe(true);
  return r;
}

describe('C5 buggy: S3 v4, lookup in the SRI handler, xfree(ctx) in ffa_domain_teardown_continue', () => {
  it('should find the ctx freed under an RCU reader that found the domain, replay it, and pin the shortest trace', () => {
    const spec = c5System({ variant: 'buggy' });
    const result = explore(spec, { maxViolations: 10 });
    expect(result.complete).toBe(true);
    // With the idle mask, also struct domain freed under the v4 handler's reader (see below).
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([
      ['invariant', UNDER_READER],
      ['invariant', DOMAIN_UNDER_READER],
    ]);
    const r = replayed(spec, result.violations[0]!.token);
    expect(r.trace.findings.map((f) => f.message)).toEqual([UNDER_READER]);
    expect(formatTrace(r.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | sp       | spmc           | gic     | cpu0           | cpu1           | notif_sri_tasklet | domains      | rcu         | d1.ctx     | message
         0 | 0/1 set  | 2:-            | idle    | task.idle      | task.idle      | idle              | d1(1)        | idle z:cpu0 | -          | (initial)
         1 | *0/1 set | 2:-            | idle    | task.idle      | task.idle      | idle              | d1(1)        | idle z:cpu0 | -          | sp <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) to spmc
         2 | 0/1 set  | *2:b0 sri@cpu0 | idle    | task.idle      | task.idle      | idle              | d1(1)        | idle z:cpu0 | -          | spmc <- smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) from sp; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp, irq.trigger(irq=9,cpu=cpu0) to gic
         3 | 0/1 set  | 2:b0 sri@cpu0  | *9@cpu0 | task.idle      | task.idle      | idle              | d1(1)        | idle z:cpu0 | -          | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
         4 | 0/1 set  | 2:b0 sri@cpu0  | 9@cpu0  | *irq:9.infoGet | task.idle      | idle              | d1(1)        | idle z:cpu0 | -          | cpu0 <- irq.raise(irq=9) from gic; sends smc.call(fid=0xc4000083,frame=irq 9) to spmc
         5 | 0/1 set  | *2:b0*         | 9@cpu0  | irq:9.infoGet  | task.idle      | idle              | d1(1)        | idle z:cpu0 | -          | spmc <- smc.call(fid=0xc4000083,frame=irq 9) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=irq 9) to cpu0
         6 | 0/1 set  | 2:b0*          | 9@cpu0  | *irq:9.lookup  | task.idle      | idle              | d1(1)        | idle z:cpu0 | -          | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=irq 9) from spmc; sends domain.lookup(id=1,mode=live_remote,frame=irq 9) to domains
         7 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | *task.killing  | idle              | d1(1)        | idle z:cpu0 | -          | cpu1 <- start from (env); sends domain.kill(id=1) to domains
         8 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | task.killing   | idle              | *d1(1)       | idle z:cpu0 | -          | domains <- domain.lookup(id=1,mode=live_remote,frame=irq 9) from cpu0; sends domain.lookup.result(id=1,rc=0,toFrame=irq 9) to cpu0
         9 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | task.killing   | idle              | *d1(dying,1) | idle z:cpu0 | -          | domains <- domain.kill(id=1) from cpu1; sends domain.killed(id=1,rc=0) to cpu1, domain.teardown(id=1) to cpu1
        10 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | *task.teardown | idle              | d1(dying,1)  | idle z:cpu0 | -          | cpu1 <- domain.killed(id=1,rc=0) from domains
        11 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | *task.dead     | idle              | d1(dying,1)  | idle z:cpu0 | -          | cpu1 <- domain.teardown(id=1) from domains; sends mem.free(obj=ctx:d1) to d1.ctx, domain.teardown_done(id=1) to domains
        12 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | task.dead      | idle              | d1(dying,1)  | idle z:cpu0 | *- (freed) | d1.ctx <- mem.free(obj=ctx:d1) from cpu1
      ! invariant 'ctx freed only after the RCU readers that found its domain' violated: ctx:d1 was freed while cpu0, which found domain 1, is still inside its RCU read-side section"
    `);
  });

  it('should find the use-after-free of ctx->notif.secure_pending one step later (the invariant off, so the search goes past the free)', () => {
    const spec: SystemSpec = { ...c5System({ variant: 'buggy', idleMask: false }), invariants: [] };
    const result = explore(spec, { maxViolations: 10 });
    expect(result.complete).toBe(true);
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([['use-after-free', UAF]]);
    const r = replayed(spec, result.violations[0]!.token);
    expect(r.trace.steps.at(-1)?.findings.map((f) => [f.kind, f.message])).toEqual([['use-after-free', UAF]]);
    expect(r.trace.steps.at(-1)?.findings[0]?.report).toMatchInlineSnapshot(`
      "==================================================================
      BUG: use-after-free on ctx:d1.secure_pending
      Write by cpu0 at: cpu0 <- domain.lookup.result(id=1,rc=0,toFrame=irq 9) from domains

      Freed by: d1.ctx <- mem.free(obj=ctx:d1) from cpu1
      The object lives in: d1.ctx
      =================================================================="
    `);
    expect(formatTrace(r.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | sp       | spmc           | gic     | cpu0           | cpu1           | notif_sri_tasklet | domains      | rcu  | d1.ctx     | message
         0 | 0/1 set  | 2:-            | idle    | task.idle      | task.idle      | idle              | d1(1)        | idle | -          | (initial)
         1 | *0/1 set | 2:-            | idle    | task.idle      | task.idle      | idle              | d1(1)        | idle | -          | sp <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) to spmc
         2 | 0/1 set  | *2:b0 sri@cpu0 | idle    | task.idle      | task.idle      | idle              | d1(1)        | idle | -          | spmc <- smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) from sp; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp, irq.trigger(irq=9,cpu=cpu0) to gic
         3 | 0/1 set  | 2:b0 sri@cpu0  | *9@cpu0 | task.idle      | task.idle      | idle              | d1(1)        | idle | -          | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
         4 | 0/1 set  | 2:b0 sri@cpu0  | 9@cpu0  | *irq:9.infoGet | task.idle      | idle              | d1(1)        | idle | -          | cpu0 <- irq.raise(irq=9) from gic; sends smc.call(fid=0xc4000083,frame=irq 9) to spmc
         5 | 0/1 set  | *2:b0*         | 9@cpu0  | irq:9.infoGet  | task.idle      | idle              | d1(1)        | idle | -          | spmc <- smc.call(fid=0xc4000083,frame=irq 9) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=irq 9) to cpu0
         6 | 0/1 set  | 2:b0*          | 9@cpu0  | *irq:9.lookup  | task.idle      | idle              | d1(1)        | idle | -          | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=irq 9) from spmc; sends domain.lookup(id=1,mode=live_remote,frame=irq 9) to domains
         7 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | *task.killing  | idle              | d1(1)        | idle | -          | cpu1 <- start from (env); sends domain.kill(id=1) to domains
         8 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | task.killing   | idle              | *d1(1)       | idle | -          | domains <- domain.lookup(id=1,mode=live_remote,frame=irq 9) from cpu0; sends domain.lookup.result(id=1,rc=0,toFrame=irq 9) to cpu0
         9 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | task.killing   | idle              | *d1(dying,1) | idle | -          | domains <- domain.kill(id=1) from cpu1; sends domain.killed(id=1,rc=0) to cpu1, domain.teardown(id=1) to cpu1
        10 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | *task.teardown | idle              | d1(dying,1)  | idle | -          | cpu1 <- domain.killed(id=1,rc=0) from domains
        11 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | *task.dead     | idle              | d1(dying,1)  | idle | -          | cpu1 <- domain.teardown(id=1) from domains; sends mem.free(obj=ctx:d1) to d1.ctx, domain.teardown_done(id=1) to domains
        12 | 0/1 set  | 2:b0*          | 9@cpu0  | irq:9.lookup   | task.dead      | idle              | d1(dying,1)  | idle | *- (freed) | d1.ctx <- mem.free(obj=ctx:d1) from cpu1
       !13 | 0/1 set  | 2:b0*          | 9@cpu0  | *task.idle     | task.dead      | idle              | d1(dying,1)  | idle | - (freed)  | cpu0 <- domain.lookup.result(id=1,rc=0,toFrame=irq 9) from domains; sends mem.write(obj=ctx:d1,field=secure_pending,value=true,frame=irq 9) to d1.ctx, irq.eoi(irq=9) to gic
      ! use-after-free: cpu0 writes ctx:d1.secure_pending after it was freed; freed by step [d1.ctx <- mem.free(obj=ctx:d1) from cpu1], used by step [cpu0 <- domain.lookup.result(id=1,rc=0,toFrame=irq 9) from domains]"
    `);
  });

  it('should find the same under DFS', () => {
    expect(explore(c5System({ variant: 'buggy' }), { strategy: 'dfs', maxViolations: 10 }).violations.map((v) => v.message).sort()).toEqual([UNDER_READER, DOMAIN_UNDER_READER].sort());
  });

  it("RCU's idle mask: the v4 handler's reader runs in IRQ context on cpu0, asleep in do_idle, so a grace period does not wait for it", () => {
    const domainOnly = (idleMask: boolean): SystemSpec => {
      const spec = c5System({ variant: 'buggy', idleMask });
      return { ...spec, invariants: [c5DomainFreedAfterReaders], checkers: [] };
    };
    // Without the mask every CPU is waited for: struct domain outlives the handler's section.
    expect(explore(domainOnly(false), { maxViolations: 10 }).verdict).toBe('verified');
    const spec = domainOnly(true);
    const result = explore(spec, { maxViolations: 10 });
    expect(result.violations.map((v) => v.message)).toEqual([DOMAIN_UNDER_READER]);
    expect(result.violations[0]!.path).toHaveLength(16);
    const steps = replayed(spec, result.violations[0]!.token).trace.steps;
    // The grace period that freed it asked cpu1 only.
    const start = steps.find((x) => x.actor === 'rcu' && x.sends.some((m) => m.message.type === 'rcu.qs_request'));
    expect(start?.sends.filter((m) => m.message.type === 'rcu.qs_request').map((m) => m.to)).toEqual(['cpu1']);
  });
});

describe('C5 fixed: S3 v5/v6 and upstream, tasklet + rcu_lock_domain_by_id + ffa_free_domain_ctx from complete_domain_destroy', () => {
  it('should verify with and without the idle mask (the tasklet runs outside do_idle: its reader is waited for)', () => {
    for (const idleMask of [false, true]) expect(explore(c5System({ variant: 'fixed', idleMask }), { maxViolations: 10 }).verdict, String(idleMask)).toBe('verified');
  });

  it('should verify every interleaving: no use-after-free, no free under a reader, under BFS and DFS', () => {
    const bfs = explore(c5System({ variant: 'fixed' }), { maxViolations: 10 });
    expect(bfs.violations).toEqual([]);
    expect(bfs.verdict).toBe('verified');
    expect(bfs.complete).toBe(true);
    const dfs = explore(c5System({ variant: 'fixed' }), { strategy: 'dfs' });
    expect(dfs.verdict).toBe('verified');
    expect(dfs.stats.states).toBe(bfs.stats.states);
  });

  it('should still free the ctx, after the grace period: some run ends with it freed by complete_domain_destroy', () => {
    // The verified search must include the free, or the property would hold vacuously.
    const spec = c5System({ variant: 'fixed' });
    const freed: SystemSpec = {
      ...spec,
      invariants: [{ name: 'ctx never freed', check: (v) => (v.actor('d1.ctx').context as { heap: Record<string, { live: boolean }> }).heap['ctx:d1']?.live !== false }],
    };
    const result = explore(freed);
    expect(result.violations[0]?.message).toBe("invariant 'ctx never freed' violated");
    const r = replayed(freed, result.violations[0]!.token);
    expect(r.trace.steps.at(-1)?.message).toMatchObject({ type: 'domain.destroyed', id: 1, from: 'domains' });
    expect(r.trace.steps.some((s) => s.actor === 'rcu' && s.sends.some((x) => x.message.type === 'domain.complete_destroy'))).toBe(true);
  });
});

describe('C5 variants', () => {
  const sample = { context: { sriIds: [C5_VM], sriMore: false }, event: { type: '(sample)' } };

  it('should differ only in the v4 -> v5 changes: where the SRI work runs and its lookup, the teardown free, the destroy hook', () => {
    const buggy = c5System({ variant: 'buggy' });
    const fixed = c5System({ variant: 'fixed' });
    const diff = diffSystems(buggy, fixed, sample);
    expect(Object.keys(diff)).toEqual(['cpu0', 'cpu1']);
    expect(diff.cpu1).toEqual(['task.teardown']);
    // cpu0: v4's handler body is v5's tasklet body, with rcu_lock_live_remote_domain_by_id for
    // rcu_lock_domain_by_id; v5's handler only schedules the tasklet; the idle loop gains the
    // tasklet's softirq entry.
    const b = stepsOf(buggy.actors.find((a) => a.name === 'cpu0')!.machine, sample);
    const f = stepsOf(fixed.actors.find((a) => a.name === 'cpu0')!.machine, sample);
    // v5's tasklet body runs from the idle loop: wrapped in rcu_idle_exit / rcu_idle_enter.
    const T = 'task.tasklet:notif_sri_tasklet';
    for (const s of ['start', 'infoGet', 'lookup', 'done']) {
      const v4 = b.get(`irq:9.${s}`)!.replaceAll('irq:9', `${T}.run`).replaceAll('"mode":"live_remote"', '"mode":"any"');
      expect(v4, s).toBe(f.get(`${T}.run.${s}`));
    }
    expect(b.get('irq:9.lookup')).toContain('"mode":"live_remote"');
    expect(f.get(`${T}.run.lookup`)).toContain('"mode":"any"');
    expect(f.get('irq:9.schedule')).toContain('send {"to":"notif_sri_tasklet","event":{"type":"tasklet.schedule","cpu":"cpu0"}}');
    expect(diff.cpu0).toEqual(['irq:9', 'irq:9.infoGet', 'irq:9.lookup', 'irq:9.schedule', 'irq:9.start', 'task.softirq:begin', T, `${T}.done`, `${T}.exit`, `${T}.idle`, `${T}.run`, `${T}.run.done`, `${T}.run.infoGet`, `${T}.run.lookup`, `${T}.run.start`]);
    // cpu1: v4's teardown frees the ctx; v5's does not.
    const t = (spec: SystemSpec) => stepsOf(spec.actors.find((a) => a.name === 'cpu1')!.machine).get('task.teardown')!;
    expect(t(buggy).replace('send {"to":"d1.ctx","event":{"type":"mem.free","obj":"ctx:d1"}} | ', '')).toBe(t(fixed));
  });

  it('should free the ctx from complete_domain_destroy only in FIXED (the free_domain_ctx hook; a closure, so checked by behaviour)', () => {
    // Is `domain.destroyed` ever sent to the ctx's home, in any run?
    const hooked = (variant: 'buggy' | 'fixed') => {
      const spec = c5System({ variant });
      const probe: SystemSpec = { ...spec, checkers: [], invariants: [{ name: 'no destroy hook', check: (v) => !v.mailbox('d1.ctx').some((m) => m.type === 'domain.destroyed') }] };
      return explore(probe).verdict;
    };
    expect(hooked('buggy')).toBe('verified');
    expect(hooked('fixed')).toBe('violation');
  });

  it('should list both entries with their expected verdicts, each reached', () => {
    expect(c5Entries.map((e) => [e.key, e.expected])).toEqual([
      ['C5/buggy/2cpu', { verdict: 'violation', kind: 'invariant' }],
      ['C5/fixed/2cpu', { verdict: 'verified' }],
    ]);
    for (const e of c5Entries) {
      const result = explore(e.build());
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations[0]?.kind, e.key).toBe(e.expected.kind);
    }
  });

  it('should name what the invariant reads, and refuse an unknown variant', () => {
    expect(c5FreeAfterReaders.reads).toEqual(['d1.ctx', 'cpu0', 'cpu1']);
    expect(() => c5System({ variant: 'worse' as never })).toThrow(new ModelError("C5: unknown variant 'worse'; use buggy or fixed"));
  });
});
