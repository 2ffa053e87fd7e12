import { describe, expect, it } from 'vitest';
import { ModelError, explore, formatTrace, replay, type SystemSpec } from '../../runtime/index.js';
import { C10_CONFIGS, c10Entries, c10System, type C10Config } from '../../scenarios/c10.js';
import { diffSystems, stepsOf } from './variantDiff.js';

const DOMAIN_FREED_QUEUED = "invariant 'a queued ctx and its domain are alive' violated: domain 1 (ctx->teardown_d) is freed while ctx:d1 is queued on ffa_teardown_head";
const POP_FREED =
  'use-after-free: ffa_teardown_head sends a tq.popped(obj=ctx:d1,toFrame=ffa_teardown_timer) to cpu0 about ctx:d1 after it was freed; freed by step [d1.ctx <- domain.destroyed(id=1) from domains], used by step [ffa_teardown_head <- tq.pop(frame=ffa_teardown_timer) from cpu0]';

function run(config: C10Config, variant: 'buggy' | 'fixed', invariants = true) {
  const base = c10System({ variant, config });
  const spec: SystemSpec = invariants ? base : { ...base, invariants: [] };
  return { spec, result: explore(spec, { maxViolations: 10 }) };
}

function replayed(spec: SystemSpec, token: string) {
  const r = replay(spec, token);
  expect(r.divergence).toBeUndefined();
  expect(r.fingerprintMatches).toBe(true);
  return r;
}

describe('C10 upstream (c447b730): a ctx queued for a teardown retry holds no domain reference', () => {
  it('vm-destroyed: should find the domain freed while its ctx is queued, replay it, and pin the shortest trace', () => {
    const { spec, result } = run('vm-destroyed', 'buggy');
    expect(result.complete).toBe(true);
    expect(result.violations[0]?.kind).toBe('invariant');
    expect(result.violations[0]?.message).toBe(DOMAIN_FREED_QUEUED);
    // The search goes on past the invariant elsewhere: the timer that popped the ctx before the
    // grace period ended then uses it.
    expect(result.violations.slice(1).every((v) => v.kind === 'use-after-free')).toBe(true);
    const r = replayed(spec, result.violations[0]!.token);
    expect(r.trace.findings.map((f) => f.message)).toEqual([DOMAIN_FREED_QUEUED]);
    expect(formatTrace(r.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | cpu0      | cpu1                   | ffa_teardown_timer | ffa_teardown_head | spmc             | domains               | rcu                    | d1.ctx           | message
         0 | task.idle | task.idle              | idle               | []                | retry=11 deny=0  | d1(1)                 | idle z:cpu0            | live bm=1 shm=0  | (initial)
         1 | task.idle | *task.killing          | idle               | []                | retry=11 deny=0  | d1(1)                 | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- start from (env); sends domain.kill(id=1) to domains
         2 | task.idle | task.killing           | idle               | []                | retry=11 deny=0  | *d1(dying,1)          | idle z:cpu0            | live bm=1 shm=0  | domains <- domain.kill(id=1) from cpu1; sends domain.killed(id=1,rc=0) to cpu1, domain.teardown(id=1) to cpu1
         3 | task.idle | *task.teardown         | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- domain.killed(id=1,rc=0) from domains
         4 | task.idle | *task.continue.read    | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- domain.teardown(id=1) from domains; sends ctx.td.read(obj=ctx:d1) to d1.ctx
         5 | task.idle | task.continue.read     | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | *live bm=1 shm=0 | d1.ctx <- ctx.td.read(obj=ctx:d1) from cpu1; sends ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=0) to cpu1
         6 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=0) from d1.ctx; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
         7 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=10 deny=0 | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
         8 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=10 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
         9 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=9 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        10 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=9 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        11 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=8 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        12 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=8 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        13 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=7 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        14 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=7 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        15 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=6 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        16 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=6 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        17 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=5 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        18 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=5 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        19 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=4 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        20 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=4 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        21 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=3 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        22 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=3 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        23 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=2 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        24 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=2 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        25 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=1 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        26 | task.idle | *task.continue.vmDest~ | idle               | []                | retry=1 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        27 | task.idle | task.continue.vmDestr~ | idle               | []                | *retry=0 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        28 | task.idle | *task.continue.queued  | idle               | []                | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends tq.add(obj=ctx:d1) to ffa_teardown_head
        29 | task.idle | task.continue.queued   | idle               | *[ctx:d1]         | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | ffa_teardown_head <- tq.add(obj=ctx:d1) from cpu1; sends tq.next(obj=ctx:d1) to cpu1
        30 | task.idle | *task.continue.arming  | idle               | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- tq.next(obj=ctx:d1) from ffa_teardown_head; sends timer.set to ffa_teardown_timer
        31 | task.idle | task.continue.arming   | *armed@cpu0        | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | ffa_teardown_timer <- timer.set from cpu1; sends timer.expire(gen=1) to ffa_teardown_timer, timer.ack(op=set,pending=false) to cpu1
        32 | task.idle | *task.dead             | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0  | cpu1 <- timer.ack(op=set,pending=false) from ffa_teardown_timer; sends domain.teardown_done(id=1) to domains
        33 | task.idle | task.dead              | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | *d1(dying,unlisted,0) | idle z:cpu0            | live bm=1 shm=0  | domains <- domain.teardown_done(id=1) from cpu1; sends rcu.call(to=domains) to rcu
        34 | task.idle | task.dead              | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *gp wait cpu1 (1 cb) ~ | live bm=1 shm=0  | rcu <- rcu.call(to=domains) from domains; sends rcu.qs_request(gp=1) to cpu1
        35 | task.idle | *task.dead             | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | gp wait cpu1 (1 cb) z~ | live bm=1 shm=0  | cpu1 <- rcu.qs_request(gp=1) from rcu; sends rcu.quiescent(gp=1) to rcu
        36 | task.idle | task.dead              | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *idle z:cpu0           | live bm=1 shm=0  | rcu <- rcu.quiescent(gp=1) from cpu1; sends domain.complete_destroy(id=1) to domains
        37 | task.idle | task.dead              | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | *d1(freed)            | idle z:cpu0            | live bm=1 shm=0  | domains <- domain.complete_destroy(id=1) from rcu; sends domain.destroyed(id=1) to d1.ctx
      ! invariant 'a queued ctx and its domain are alive' violated: domain 1 (ctx->teardown_d) is freed while ctx:d1 is queued on ffa_teardown_head"
    `);
  });

  it('vm-destroyed: should find the timer callback reading the freed ctx (ctx->teardown_list) when the invariant is off, and pin it', () => {
    const { spec, result } = run('vm-destroyed', 'buggy', false);
    expect(result.violations[0]?.kind).toBe('use-after-free');
    expect(result.violations[0]?.message).toBe(POP_FREED);
    const r = replayed(spec, result.violations[0]!.token);
    const last = r.trace.steps.at(-1)!;
    expect(last.findings.map((f) => [f.kind, f.message])).toEqual([['use-after-free', POP_FREED]]);
    expect(last.findings[0]?.report).toMatchInlineSnapshot(`
      "==================================================================
      BUG: use-after-free on ctx:d1
      Message by ffa_teardown_head at: ffa_teardown_head <- tq.pop(frame=ffa_teardown_timer) from cpu0

      Freed by: d1.ctx <- domain.destroyed(id=1) from domains
      The object lives in: d1.ctx
      =================================================================="
    `);
    expect(formatTrace(r.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | cpu0                   | cpu1                   | ffa_teardown_timer | ffa_teardown_head | spmc             | domains               | rcu                    | d1.ctx            | message
         0 | task.idle              | task.idle              | idle               | []                | retry=11 deny=0  | d1(1)                 | idle z:cpu0            | live bm=1 shm=0   | (initial)
         1 | task.idle              | *task.killing          | idle               | []                | retry=11 deny=0  | d1(1)                 | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- start from (env); sends domain.kill(id=1) to domains
         2 | task.idle              | task.killing           | idle               | []                | retry=11 deny=0  | *d1(dying,1)          | idle z:cpu0            | live bm=1 shm=0   | domains <- domain.kill(id=1) from cpu1; sends domain.killed(id=1,rc=0) to cpu1, domain.teardown(id=1) to cpu1
         3 | task.idle              | *task.teardown         | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- domain.killed(id=1,rc=0) from domains
         4 | task.idle              | *task.continue.read    | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- domain.teardown(id=1) from domains; sends ctx.td.read(obj=ctx:d1) to d1.ctx
         5 | task.idle              | task.continue.read     | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | *live bm=1 shm=0  | d1.ctx <- ctx.td.read(obj=ctx:d1) from cpu1; sends ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=0) to cpu1
         6 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=11 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=0) from d1.ctx; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
         7 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=10 deny=0 | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
         8 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=10 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
         9 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=9 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        10 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=9 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        11 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=8 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        12 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=8 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        13 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=7 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        14 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=7 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        15 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=6 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        16 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=6 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        17 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=5 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        18 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=5 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        19 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=4 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        20 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=4 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        21 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=3 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        22 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=3 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        23 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=2 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        24 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=2 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        25 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=1 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        26 | task.idle              | *task.continue.vmDest~ | idle               | []                | retry=1 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        27 | task.idle              | task.continue.vmDestr~ | idle               | []                | *retry=0 deny=0  | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        28 | task.idle              | *task.continue.queued  | idle               | []                | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends tq.add(obj=ctx:d1) to ffa_teardown_head
        29 | task.idle              | task.continue.queued   | idle               | *[ctx:d1]         | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | ffa_teardown_head <- tq.add(obj=ctx:d1) from cpu1; sends tq.next(obj=ctx:d1) to cpu1
        30 | task.idle              | *task.continue.arming  | idle               | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- tq.next(obj=ctx:d1) from ffa_teardown_head; sends timer.set to ffa_teardown_timer
        31 | task.idle              | task.continue.arming   | *armed@cpu0        | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | ffa_teardown_timer <- timer.set from cpu1; sends timer.expire(gen=1) to ffa_teardown_timer, timer.ack(op=set,pending=false) to cpu1
        32 | task.idle              | *task.dead             | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu1 <- timer.ack(op=set,pending=false) from ffa_teardown_timer; sends domain.teardown_done(id=1) to domains
        33 | task.idle              | task.dead              | *armed@cpu0        | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | ffa_teardown_timer <- timer.expire(gen=1) from ffa_teardown_timer; sends timer.fire(gen=1) to cpu0
        34 | *task.softirq:begin    | task.dead              | armed@cpu0         | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | cpu0 <- timer.fire(gen=1) from ffa_teardown_timer; sends timer.begin(gen=1) to ffa_teardown_timer
        35 | task.softirq:begin     | task.dead              | *running@cpu0      | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle z:cpu0            | live bm=1 shm=0   | ffa_teardown_timer <- timer.begin(gen=1) from cpu0; sends timer.go to cpu0
        36 | task.softirq:begin     | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | *d1(dying,unlisted,0) | idle z:cpu0            | live bm=1 shm=0   | domains <- domain.teardown_done(id=1) from cpu1; sends rcu.call(to=domains) to rcu
        37 | *task.timer:ffa_teard~ | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | idle z:cpu0            | live bm=1 shm=0   | cpu0 <- timer.go from ffa_teardown_timer; sends rcu.idle_exit(frame=ffa_teardown_timer) to rcu
        38 | task.timer:ffa_teardo~ | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *gp wait cpu1 (1 cb) ~ | live bm=1 shm=0   | rcu <- rcu.call(to=domains) from domains; sends rcu.qs_request(gp=1) to cpu1
        39 | task.timer:ffa_teardo~ | *task.dead             | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | gp wait cpu1 (1 cb) z~ | live bm=1 shm=0   | cpu1 <- rcu.qs_request(gp=1) from rcu; sends rcu.quiescent(gp=1) to rcu
        40 | task.timer:ffa_teardo~ | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *gp wait cpu1 (1 cb)   | live bm=1 shm=0   | rcu <- rcu.idle_exit(frame=ffa_teardown_timer) from cpu0; sends rcu.idle_exited(toFrame=ffa_teardown_timer) to cpu0
        41 | *task.timer:ffa_teard~ | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | gp wait cpu1 (1 cb)    | live bm=1 shm=0   | cpu0 <- rcu.idle_exited(toFrame=ffa_teardown_timer) from rcu; sends tq.pop(frame=ffa_teardown_timer) to ffa_teardown_head
        42 | task.timer:ffa_teardo~ | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *idle                  | live bm=1 shm=0   | rcu <- rcu.quiescent(gp=1) from cpu1; sends domain.complete_destroy(id=1) to domains
        43 | task.timer:ffa_teardo~ | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | *d1(freed)            | idle                   | live bm=1 shm=0   | domains <- domain.complete_destroy(id=1) from rcu; sends domain.destroyed(id=1) to d1.ctx
        44 | task.timer:ffa_teardo~ | task.dead              | running@cpu0       | [ctx:d1]          | retry=0 deny=0   | d1(freed)             | idle                   | *freed bm=1 shm=0 | d1.ctx <- domain.destroyed(id=1) from domains
       !45 | task.timer:ffa_teardo~ | task.dead              | running@cpu0       | *[]               | retry=0 deny=0   | d1(freed)             | idle                   | freed bm=1 shm=0  | ffa_teardown_head <- tq.pop(frame=ffa_teardown_timer) from cpu0; sends tq.popped(obj=ctx:d1,toFrame=ffa_teardown_timer) to cpu0
      ! use-after-free: ffa_teardown_head sends a tq.popped(obj=ctx:d1,toFrame=ffa_teardown_timer) to cpu0 about ctx:d1 after it was freed; freed by step [d1.ctx <- domain.destroyed(id=1) from domains], used by step [ffa_teardown_head <- tq.pop(frame=ffa_teardown_timer) from cpu0]"
    `);
  });

  it('last-shm: should find the same after the timer reclaims the last shm (dec_ctx_shm_count puts the last reference) and re-queues the ctx, and pin it', () => {
    const { spec: withInvariant, result } = run('last-shm', 'buggy');
    expect(result.complete).toBe(true);
    expect(result.violations[0]?.message).toBe(DOMAIN_FREED_QUEUED);
    expect(replayed(withInvariant, result.violations[0]!.token).trace.findings.map((f) => f.message)).toEqual([DOMAIN_FREED_QUEUED]);
    const { spec, result: uaf } = run('last-shm', 'buggy', false);
    expect(uaf.violations[0]?.message).toBe(POP_FREED);
    const r = replayed(spec, uaf.violations[0]!.token);
    const trace = formatTrace(r.trace);
    // The reference put by the first retry's reclaim, with the VM_DESTROYED retry still pending.
    expect(r.trace.steps.some((s) => s.actor === 'cpu0' && s.sends.some((x) => x.message.type === 'domain.put'))).toBe(true);
    expect(trace).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | cpu0                   | cpu1                   | ffa_teardown_timer     | ffa_teardown_head | spmc             | domains               | rcu                    | d1.ctx            | message
         0 | task.idle              | task.idle              | idle                   | []                | retry=22 deny=1  | d1(1)                 | idle z:cpu0            | live bm=1 shm=1   | (initial)
         1 | task.idle              | *task.share            | idle                   | []                | retry=22 deny=1  | d1(1)                 | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- start from (env); sends domain.get(id=1) to domains
         2 | task.idle              | task.share             | idle                   | []                | retry=22 deny=1  | *d1(2)                | idle z:cpu0            | live bm=1 shm=1   | domains <- domain.get(id=1) from cpu1; sends domain.ref(id=1,ok=true) to cpu1
         3 | task.idle              | *task.killing          | idle                   | []                | retry=22 deny=1  | d1(2)                 | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- domain.ref(id=1,ok=true) from domains; sends domain.kill(id=1) to domains
         4 | task.idle              | task.killing           | idle                   | []                | retry=22 deny=1  | *d1(dying,2)          | idle z:cpu0            | live bm=1 shm=1   | domains <- domain.kill(id=1) from cpu1; sends domain.killed(id=1,rc=0) to cpu1, domain.teardown(id=1) to cpu1
         5 | task.idle              | *task.teardown         | idle                   | []                | retry=22 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- domain.killed(id=1,rc=0) from domains
         6 | task.idle              | *task.continue.read    | idle                   | []                | retry=22 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- domain.teardown(id=1) from domains; sends ctx.td.read(obj=ctx:d1) to d1.ctx
         7 | task.idle              | task.continue.read     | idle                   | []                | retry=22 deny=1  | d1(dying,2)           | idle z:cpu0            | *live bm=1 shm=1  | d1.ctx <- ctx.td.read(obj=ctx:d1) from cpu1; sends ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=1) to cpu1
         8 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=22 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=1) from d1.ctx; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
         9 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=21 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        10 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=21 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        11 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=20 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        12 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=20 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        13 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=19 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        14 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=19 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        15 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=18 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        16 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=18 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        17 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=17 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        18 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=17 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        19 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=16 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        20 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=16 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        21 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=15 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        22 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=15 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        23 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=14 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        24 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=14 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        25 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=13 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        26 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=13 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        27 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=12 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        28 | task.idle              | *task.continue.vmDest~ | idle                   | []                | retry=12 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) to spmc
        29 | task.idle              | task.continue.vmDestr~ | idle                   | []                | *retry=11 deny=1 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0) from cpu1; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) to cpu1
        30 | task.idle              | *task.continue.reclaim | idle                   | []                | retry=11 deny=1  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7) from spmc; sends smc.call(fid=0x84000077) to spmc
        31 | task.idle              | task.continue.reclaim  | idle                   | []                | *retry=11 deny=0 | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | spmc <- smc.call(fid=0x84000077) from cpu1; sends smc.result(fid=0x84000077,w0=0x84000060,w2=-6) to cpu1
        32 | task.idle              | *task.continue.queued  | idle                   | []                | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- smc.result(fid=0x84000077,w0=0x84000060,w2=-6) from spmc; sends tq.add(obj=ctx:d1) to ffa_teardown_head
        33 | task.idle              | task.continue.queued   | idle                   | *[ctx:d1]         | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | ffa_teardown_head <- tq.add(obj=ctx:d1) from cpu1; sends tq.next(obj=ctx:d1) to cpu1
        34 | task.idle              | *task.continue.arming  | idle                   | [ctx:d1]          | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- tq.next(obj=ctx:d1) from ffa_teardown_head; sends timer.set to ffa_teardown_timer
        35 | task.idle              | task.continue.arming   | *armed@cpu0            | [ctx:d1]          | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | ffa_teardown_timer <- timer.set from cpu1; sends timer.expire(gen=1) to ffa_teardown_timer, timer.ack(op=set,pending=false) to cpu1
        36 | task.idle              | *task.dead             | armed@cpu0             | [ctx:d1]          | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu1 <- timer.ack(op=set,pending=false) from ffa_teardown_timer; sends domain.teardown_done(id=1) to domains
        37 | task.idle              | task.dead              | *armed@cpu0            | [ctx:d1]          | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | ffa_teardown_timer <- timer.expire(gen=1) from ffa_teardown_timer; sends timer.fire(gen=1) to cpu0
        38 | *task.softirq:begin    | task.dead              | armed@cpu0             | [ctx:d1]          | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu0 <- timer.fire(gen=1) from ffa_teardown_timer; sends timer.begin(gen=1) to ffa_teardown_timer
        39 | task.softirq:begin     | task.dead              | *running@cpu0          | [ctx:d1]          | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | ffa_teardown_timer <- timer.begin(gen=1) from cpu0; sends timer.go to cpu0
        40 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=11 deny=0  | d1(dying,2)           | idle z:cpu0            | live bm=1 shm=1   | cpu0 <- timer.go from ffa_teardown_timer; sends rcu.idle_exit(frame=ffa_teardown_timer) to rcu
        41 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=11 deny=0  | *d1(dying,1)          | idle z:cpu0            | live bm=1 shm=1   | domains <- domain.teardown_done(id=1) from cpu1
        42 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=11 deny=0  | d1(dying,1)           | *idle                  | live bm=1 shm=1   | rcu <- rcu.idle_exit(frame=ffa_teardown_timer) from cpu0; sends rcu.idle_exited(toFrame=ffa_teardown_timer) to cpu0
        43 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=11 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- rcu.idle_exited(toFrame=ffa_teardown_timer) from rcu; sends tq.pop(frame=ffa_teardown_timer) to ffa_teardown_head
        44 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | *[]               | retry=11 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | ffa_teardown_head <- tq.pop(frame=ffa_teardown_timer) from cpu0; sends tq.popped(obj=ctx:d1,toFrame=ffa_teardown_timer) to cpu0
        45 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=11 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- tq.popped(obj=ctx:d1,toFrame=ffa_teardown_timer) from ffa_teardown_head; sends ctx.td.read(obj=ctx:d1,frame=ffa_teardown_timer) to d1.ctx
        46 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | retry=11 deny=0  | d1(dying,1)           | idle                   | *live bm=1 shm=1  | d1.ctx <- ctx.td.read(obj=ctx:d1,frame=ffa_teardown_timer) from cpu0; sends ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=1,toFrame=ffa_teardown_timer) to cpu0
        47 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=11 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- ctx.td.state(obj=ctx:d1,d=1,bitmap=1,shm=1,toFrame=ffa_teardown_timer) from d1.ctx; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        48 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=10 deny=0 | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        49 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=10 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        50 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=9 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        51 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=9 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        52 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=8 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        53 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=8 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        54 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=7 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        55 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=7 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        56 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=6 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        57 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=6 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        58 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=5 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        59 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=5 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        60 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=4 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        61 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=4 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        62 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=3 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        63 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=3 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        64 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=2 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        65 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=2 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        66 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=1 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        67 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=1 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) to spmc
        68 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=0 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x8400006f,w2=0x80000006,w5=2,sp=0,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) to cpu0
        69 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x8400006f,w0=0x84000070,w2=0x80000007,w3=-7,toFrame=ffa_teardown_timer) from spmc; sends smc.call(fid=0x84000077,frame=ffa_teardown_timer) to spmc
        70 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | []                | *retry=0 deny=0  | d1(dying,1)           | idle                   | live bm=1 shm=1   | spmc <- smc.call(fid=0x84000077,frame=ffa_teardown_timer) from cpu0; sends smc.result(fid=0x84000077,w0=0x84000061,w2=0,toFrame=ffa_teardown_timer) to cpu0
        71 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | []                | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- smc.result(fid=0x84000077,w0=0x84000061,w2=0,toFrame=ffa_teardown_timer) from spmc; sends ctx.td.write(obj=ctx:d1,shm=0,frame=ffa_teardown_timer) to d1.ctx, domain.put(id=1,frame=ffa_teardown_timer) to domains, tq.add(obj=ctx:d1,frame=ffa_teardown_timer) to ffa_teardown_head
        72 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | *[ctx:d1]         | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | ffa_teardown_head <- tq.add(obj=ctx:d1,frame=ffa_teardown_timer) from cpu0; sends tq.next(obj=ctx:d1,toFrame=ffa_teardown_timer) to cpu0
        73 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- tq.next(obj=ctx:d1,toFrame=ffa_teardown_timer) from ffa_teardown_head; sends timer.set(frame=ffa_teardown_timer) to ffa_teardown_timer
        74 | task.timer:ffa_teardo~ | task.dead              | *armed@cpu0 running@c~ | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | ffa_teardown_timer <- timer.set(frame=ffa_teardown_timer) from cpu0; sends timer.expire(gen=2) to ffa_teardown_timer, timer.ack(op=set,pending=false,toFrame=ffa_teardown_timer) to cpu0
        75 | *task.idle             | task.dead              | armed@cpu0 running@cp~ | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- timer.ack(op=set,pending=false,toFrame=ffa_teardown_timer) from ffa_teardown_timer; sends rcu.idle_enter(frame=ffa_teardown_timer) to rcu, timer.end to ffa_teardown_timer
        76 | task.idle              | task.dead              | *armed@cpu0 running@c~ | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | ffa_teardown_timer <- timer.expire(gen=2) from ffa_teardown_timer; sends timer.fire(gen=2) to cpu0
        77 | *task.softirq:begin    | task.dead              | armed@cpu0 running@cp~ | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | cpu0 <- timer.fire(gen=2) from ffa_teardown_timer; sends timer.begin(gen=2) to ffa_teardown_timer
        78 | task.softirq:begin     | task.dead              | *armed@cpu0            | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | ffa_teardown_timer <- timer.end from cpu0
        79 | task.softirq:begin     | task.dead              | *running@cpu0          | [ctx:d1]          | retry=0 deny=0   | d1(dying,1)           | idle                   | live bm=1 shm=1   | ffa_teardown_timer <- timer.begin(gen=2) from cpu0; sends timer.go to cpu0
        80 | task.softirq:begin     | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | *d1(dying,unlisted,0) | idle                   | live bm=1 shm=1   | domains <- domain.put(id=1,frame=ffa_teardown_timer) from cpu0; sends rcu.call(to=domains) to rcu
        81 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | idle                   | live bm=1 shm=1   | cpu0 <- timer.go from ffa_teardown_timer; sends rcu.idle_exit(frame=ffa_teardown_timer) to rcu
        82 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *idle z:cpu0           | live bm=1 shm=1   | rcu <- rcu.idle_enter(frame=ffa_teardown_timer) from cpu0
        83 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *gp wait cpu1 (1 cb) ~ | live bm=1 shm=1   | rcu <- rcu.call(to=domains) from domains; sends rcu.qs_request(gp=1) to cpu1
        84 | task.timer:ffa_teardo~ | *task.dead             | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | gp wait cpu1 (1 cb) z~ | live bm=1 shm=1   | cpu1 <- rcu.qs_request(gp=1) from rcu; sends rcu.quiescent(gp=1) to rcu
        85 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *gp wait cpu1 (1 cb)   | live bm=1 shm=1   | rcu <- rcu.idle_exit(frame=ffa_teardown_timer) from cpu0; sends rcu.idle_exited(toFrame=ffa_teardown_timer) to cpu0
        86 | *task.timer:ffa_teard~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | gp wait cpu1 (1 cb)    | live bm=1 shm=1   | cpu0 <- rcu.idle_exited(toFrame=ffa_teardown_timer) from rcu; sends tq.pop(frame=ffa_teardown_timer) to ffa_teardown_head
        87 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(dying,unlisted,0)  | *idle                  | live bm=1 shm=1   | rcu <- rcu.quiescent(gp=1) from cpu1; sends domain.complete_destroy(id=1) to domains
        88 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | *d1(freed)            | idle                   | live bm=1 shm=1   | domains <- domain.complete_destroy(id=1) from rcu; sends domain.destroyed(id=1) to d1.ctx
        89 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(freed)             | idle                   | *live bm=1 shm=0  | d1.ctx <- ctx.td.write(obj=ctx:d1,shm=0,frame=ffa_teardown_timer) from cpu0
        90 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | [ctx:d1]          | retry=0 deny=0   | d1(freed)             | idle                   | *freed bm=1 shm=0 | d1.ctx <- domain.destroyed(id=1) from domains
       !91 | task.timer:ffa_teardo~ | task.dead              | running@cpu0           | *[]               | retry=0 deny=0   | d1(freed)             | idle                   | freed bm=1 shm=0  | ffa_teardown_head <- tq.pop(frame=ffa_teardown_timer) from cpu0; sends tq.popped(obj=ctx:d1,toFrame=ffa_teardown_timer) to cpu0
      ! use-after-free: ffa_teardown_head sends a tq.popped(obj=ctx:d1,toFrame=ffa_teardown_timer) to cpu0 about ctx:d1 after it was freed; freed by step [d1.ctx <- domain.destroyed(id=1) from domains], used by step [ffa_teardown_head <- tq.pop(frame=ffa_teardown_timer) from cpu0]"
    `);
  });

  it('last-shm: the ctx stays valid inside the callback that put the last reference (RCU: no grace period ends before the timer softirq returns)', () => {
    // Every use-after-free found is in a later callback: none is in the callback that sent domain.put.
    const { spec, result } = run('last-shm', 'buggy', false);
    expect(result.violations.length).toBeGreaterThan(0);
    for (const v of result.violations) {
      const steps = replayed(spec, v.token).trace.steps;
      const put = steps.findIndex((s) => s.actor === 'cpu0' && s.sends.some((x) => x.message.type === 'domain.put'));
      const lastFire = steps.map((s, i) => (s.actor === 'cpu0' && s.message.type === 'timer.fire' ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
      // The use is in a callback that began after the one that put the reference.
      expect(put, v.message).toBeGreaterThanOrEqual(0);
      expect(lastFire, v.message).toBeGreaterThan(put);
    }
  });

  it("vm-destroyed: the SP's eleven RETRYs are eleven requests of one ffa_direct_req_send_vm call, back to back on cpu1", () => {
    const { spec, result } = run('vm-destroyed', 'buggy');
    const steps = replayed(spec, result.violations[0]!.token).trace.steps;
    const requests = steps.filter((s) => s.sends.some((x) => x.to === 'spmc' && x.message.type === 'smc.call'));
    expect(requests).toHaveLength(11);
    expect(requests.every((s) => s.actor === 'cpu1')).toBe(true);
    expect(result.violations[0]!.path).toHaveLength(37);
  });

  it('should not trigger with ten RETRYs (the loop absorbs them) or with an FFA_ERROR answer (invalid: not retried, the bit is cleared)', () => {
    for (const config of ['retry-10', 'ffa-error'] as const) {
      const { result } = run(config, 'buggy');
      expect(result.violations, config).toEqual([]);
      expect(result.verdict, config).toBe('verified');
    }
    // One more RETRY than retry-10 is vm-destroyed: the eleventh answer is what is returned.
    expect(C10_CONFIGS['retry-10'].retries + 1).toBe(C10_CONFIGS['vm-destroyed'].retries);
  });

  it('should find them under DFS too', () => {
    for (const config of ['vm-destroyed', 'last-shm'] as const) {
      expect(explore(c10System({ variant: 'buggy', config }), { strategy: 'dfs' }).verdict).toBe('violation');
    }
  });
});

describe('C10 PROPOSED fix: a domain reference held while the ctx is queued', () => {
  for (const config of Object.keys(C10_CONFIGS) as C10Config[]) {
    it(`${config}: should verify every interleaving (no use-after-free, nothing freed while queued, the domain destroyed and the ctx freed at the end)`, () => {
      const { result } = run(config, 'fixed');
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
      const dfs = explore(c10System({ variant: 'fixed', config }), { strategy: 'dfs' });
      expect(dfs.verdict).toBe('verified');
      expect(dfs.stats.states).toBe(result.stats.states);
    });
  }
});

describe('C10 variants', () => {
  it('should differ only in the proposed get_domain before queueing and put_domain after the timer continue', () => {
    for (const config of Object.keys(C10_CONFIGS) as C10Config[]) {
      const buggy = c10System({ variant: 'buggy', config });
      const fixed = c10System({ variant: 'fixed', config });
      // The timer body's own node differs only in its meta: cpu.ts defers, inside a softirq body,
      // every message type the CPU handles, and the fix handles one more (domain.ref).
      expect(diffSystems(buggy, fixed), config).toEqual({
        cpu0: ['task.softirq:begin', 'task.timer:ffa_teardown_timer', 'task.timer:ffa_teardown_timer.run.cont', 'task.timer:ffa_teardown_timer.run.cont.decide', 'task.timer:ffa_teardown_timer.run.cont.hold'],
        cpu1: ['task.continue.decide', 'task.continue.hold'],
      });
    }
    const steps = (variant: 'buggy' | 'fixed') => stepsOf(c10System({ variant, config: 'vm-destroyed' }).actors.find((a) => a.name === 'cpu1')!.machine);
    // BUGGY queues at once; FIXED first takes a reference, then queues the same way.
    expect(steps('buggy').get('task.continue.hold')).toBeUndefined();
    expect(steps('fixed').get('task.continue.hold')).toContain('on domain.ref');
    expect(steps('fixed').get('task.continue.hold')).toContain('"type":"tq.add"');
  });

  it('should list the entries with their expected verdicts, each reached', () => {
    expect(c10Entries.map((e) => [e.key, e.expected.verdict])).toEqual([
      ['C10/buggy/vm-destroyed', 'violation'],
      ['C10/fixed/vm-destroyed', 'verified'],
      ['C10/buggy/last-shm', 'violation'],
      ['C10/fixed/last-shm', 'verified'],
      ['C10/buggy/retry-10', 'verified'],
      ['C10/buggy/ffa-error', 'verified'],
    ]);
    for (const e of c10Entries) {
      const result = explore(e.build());
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations[0]?.kind, e.key).toBe(e.expected.kind);
    }
    expect(c10Entries.filter((e) => e.variant === 'fixed').every((e) => e.source.startsWith('PROPOSED'))).toBe(true);
  });

  it('should refuse an unknown configuration', () => {
    expect(() => c10System({ variant: 'fixed', config: 'both' as never })).toThrow(new ModelError("C10: unknown configuration 'both'; use vm-destroyed or last-shm or retry-10 or ffa-error"));
  });
});
