import { describe, expect, it } from 'vitest';
import { ModelError, explore, formatTrace, replay, type SystemSpec } from '../../runtime/index.js';
import type { GlobalView } from '../../runtime/system.js';
import { useAfterFree } from '../../runtime/checkers/useAfterFree.js';
import { secureWorldMachine } from '../../protocols/smc.js';
import { FFA_NOTIF, spmcNotifHandle, type SpmcNotifContext } from '../../actors/spmcNotifications.js';
import type { NotifGuestContext } from '../../actors/notifGuest.js';
import { c11Entries, c11OwnBitsOnly, c11System } from '../../scenarios/c11.js';
import { diffSystems } from './variantDiff.js';

function replayed(spec: SystemSpec, token: string) {
  const r = replay(spec, token);
  expect(r.divergence).toBeUndefined();
  expect(r.fingerprintMatches).toBe(true);
  return r;
}

/** Explores `spec` with `check` as its only invariant: a reachability probe. */
function probe(spec: SystemSpec, name: string, check: (view: GlobalView) => boolean) {
  const p: SystemSpec = { ...spec, invariants: [{ name, check }], checkers: [] };
  return { spec: p, result: explore(p) };
}

const guest = (view: GlobalView, name: string) => view.actor(name).context as NotifGuestContext;

describe('C11 upstream: a domain id reused between INFO_GET and rcu_lock_domain_by_id', () => {
  it('should verify every interleaving: no guest ever gets another VM\'s bits (both variants)', () => {
    for (const variant of ['buggy', 'fixed'] as const) {
      const result = explore(c11System({ variant }), { maxViolations: 10 });
      expect(result.violations, variant).toEqual([]);
      expect(result.verdict, variant).toBe('verified');
      expect(result.complete, variant).toBe(true);
    }
  });

  it("should verify both variants with RCU's idle mask too (cpu0 out of grace periods while it sleeps in do_idle), with the state counts the header gives", () => {
    const counts: Record<string, number> = {};
    for (const variant of ['buggy', 'fixed'] as const) {
      const result = explore(c11System({ variant, idleMask: true }), { maxViolations: 10 });
      expect(result.violations, variant).toEqual([]);
      expect(result.verdict, variant).toBe('verified');
      counts[variant] = result.stats.states;
    }
    expect(counts).toEqual({ buggy: 273_215, fixed: 285_427 });
  });

  it('should find no use-after-free either (the checker run once over every interleaving of FIXED)', () => {
    const result = explore(c11System({ variant: 'fixed' }), { checkers: [useAfterFree], maxViolations: 10 });
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('verified');
  });

  // The card's race: the tasklet holds d->arch.tee = ctx:d2 for a report INFO_GET made of bitmap
  // generation 1 (D1's).
  const raced = (v: GlobalView) =>
    v.mailbox('cpu0').some((m) => m.type === 'mem.value' && m.value === 'ctx:d2') && (v.actor('spmc').context as SpmcNotifContext).reportedGens.includes(1);

  for (const sets of [1, 2]) {
    it(`should never let the lookup find D2 for a report made for D1 (${sets} SET(s)): domid_free comes after a grace period the tasklet holds off`, () => {
      const { result } = probe(c11System({ variant: 'fixed', sets }), 'no lookup finds D2 for a report made for D1', (v) => !raced(v));
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
    });
  }

  it('should still reach D2 being created and notified (the probe is not vacuous), and spurious NPIs of the ordinary kind', () => {
    const { spec, result } = probe(c11System({ variant: 'fixed' }), 'the tasklet never pends ctx:d2', (v) => !v.mailbox('cpu0').some((m) => m.type === 'mem.value' && m.value === 'ctx:d2'));
    expect(result.verdict).toBe('violation');
    const r = replayed(spec, result.violations[0]!.token);
    expect(formatTrace(r.trace)).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | sp       | spmc           | gic     | cpu0                   | cpu1            | notif_sri_tasklet | domains               | rcu                    | g1.vcpu0 | g2.vcpu0 | d1.ctx | d2.ctx | message
         0 | 0/2 set  | 2:-            | idle    | task.idle              | task.idle       | idle              | d1(1)                 | idle                   | idle     | idle     | -      | -      | (initial)
         1 | 0/2 set  | 2:-            | idle    | task.idle              | *task.pausing   | idle              | d1(1)                 | idle                   | idle     | idle     | -      | -      | cpu1 <- start from (env); sends vcpu.pause to g1.vcpu0
         2 | 0/2 set  | 2:-            | idle    | task.idle              | task.pausing    | idle              | *d1(1)                | idle                   | idle     | idle     | -      | -      | domains <- mem.write(obj=domslot:1,field=arch.tee,value=ctx:d1) from (env)
         3 | 0/2 set  | 2:-            | idle    | task.idle              | task.pausing    | idle              | d1(1)                 | idle                   | *paused  | idle     | -      | -      | g1.vcpu0 <- vcpu.pause from cpu1; sends vcpu.paused to cpu1
         4 | 0/2 set  | 2:-            | idle    | task.idle              | *task.killing   | idle              | d1(1)                 | idle                   | paused   | idle     | -      | -      | cpu1 <- vcpu.paused from g1.vcpu0; sends domain.kill(id=1) to domains
         5 | 0/2 set  | 2:-            | idle    | task.idle              | task.killing    | idle              | *d1(dying,1)          | idle                   | paused   | idle     | -      | -      | domains <- domain.kill(id=1) from cpu1; sends domain.killed(id=1,rc=0) to cpu1, domain.teardown(id=1) to cpu1
         6 | 0/2 set  | 2:-            | idle    | task.idle              | *task.teardown  | idle              | d1(dying,1)           | idle                   | paused   | idle     | -      | -      | cpu1 <- domain.killed(id=1,rc=0) from domains
         7 | 0/2 set  | 2:-            | idle    | task.idle              | *task.bmDestroy | idle              | d1(dying,1)           | idle                   | paused   | idle     | -      | -      | cpu1 <- domain.teardown(id=1) from domains; sends smc.call(fid=0x8400007e,vm=2) to spmc
         8 | 0/2 set  | *no bitmaps    | idle    | task.idle              | task.bmDestroy  | idle              | d1(dying,1)           | idle                   | paused   | idle     | -      | -      | spmc <- smc.call(fid=0x8400007e,vm=2) from cpu1; sends smc.result(fid=0x8400007e,w0=0x84000061,w2=0) to cpu1
         9 | 0/2 set  | no bitmaps     | idle    | task.idle              | *task.gone      | idle              | d1(dying,1)           | idle                   | paused   | idle     | -      | -      | cpu1 <- smc.result(fid=0x8400007e,w0=0x84000061,w2=0) from spmc; sends domain.teardown_done(id=1) to domains
        10 | 0/2 set  | no bitmaps     | idle    | task.idle              | task.gone       | idle              | *d1(dying,unlisted,0) | idle                   | paused   | idle     | -      | -      | domains <- domain.teardown_done(id=1) from cpu1; sends rcu.call(to=domains) to rcu
        11 | 0/2 set  | no bitmaps     | idle    | task.idle              | task.gone       | idle              | d1(dying,unlisted,0)  | *gp wait cpu0,cpu1 (1~ | paused   | idle     | -      | -      | rcu <- rcu.call(to=domains) from domains; sends rcu.qs_request(gp=1) to cpu0, rcu.qs_request(gp=1) to cpu1
        12 | 0/2 set  | no bitmaps     | idle    | *task.idle             | task.gone       | idle              | d1(dying,unlisted,0)  | gp wait cpu0,cpu1 (1 ~ | paused   | idle     | -      | -      | cpu0 <- rcu.qs_request(gp=1) from rcu; sends rcu.quiescent(gp=1) to rcu
        13 | 0/2 set  | no bitmaps     | idle    | task.idle              | *task.gone      | idle              | d1(dying,unlisted,0)  | gp wait cpu0,cpu1 (1 ~ | paused   | idle     | -      | -      | cpu1 <- rcu.qs_request(gp=1) from rcu; sends rcu.quiescent(gp=1) to rcu
        14 | 0/2 set  | no bitmaps     | idle    | task.idle              | task.gone       | idle              | d1(dying,unlisted,0)  | *gp wait cpu1 (1 cb)   | paused   | idle     | -      | -      | rcu <- rcu.quiescent(gp=1) from cpu0
        15 | 0/2 set  | no bitmaps     | idle    | task.idle              | task.gone       | idle              | d1(dying,unlisted,0)  | *idle                  | paused   | idle     | -      | -      | rcu <- rcu.quiescent(gp=1) from cpu1; sends domain.complete_destroy(id=1) to domains
        16 | 0/2 set  | no bitmaps     | idle    | task.idle              | task.gone       | idle              | *d1(freed)            | idle                   | paused   | idle     | -      | -      | domains <- domain.complete_destroy(id=1) from rcu; sends domain.destroyed(id=1) to d1.ctx, domain.destroyed(id=1) to cpu1
        17 | 0/2 set  | no bitmaps     | idle    | task.idle              | *task.bmCreate  | idle              | d1(freed)             | idle                   | paused   | idle     | -      | -      | cpu1 <- domain.destroyed(id=1) from domains; sends smc.call(fid=0x8400007d,vm=2) to spmc
        18 | *0/2 set | no bitmaps     | idle    | task.idle              | task.bmCreate   | idle              | d1(freed)             | idle                   | paused   | idle     | -      | -      | sp <- start from (env); sends smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) to spmc
        19 | 0/2 set  | *2:-           | idle    | task.idle              | task.bmCreate   | idle              | d1(freed)             | idle                   | paused   | idle     | -      | -      | spmc <- smc.call(fid=0x8400007d,vm=2) from cpu1; sends smc.result(fid=0x8400007d,w0=0x84000061,w2=0) to cpu1
        20 | 0/2 set  | *2:b0 sri@cpu0 | idle    | task.idle              | task.bmCreate   | idle              | d1(freed)             | idle                   | paused   | idle     | -      | -      | spmc <- smc.call(fid=0x84000081,vm=2,bits=1,cpu=cpu0) from sp; sends smc.result(fid=0x84000081,w0=0x84000061,w2=0) to sp, irq.trigger(irq=9,cpu=cpu0) to gic
        21 | 0/2 set  | 2:b0 sri@cpu0  | *9@cpu0 | task.idle              | task.bmCreate   | idle              | d1(freed)             | idle                   | paused   | idle     | -      | -      | gic <- irq.trigger(irq=9,cpu=cpu0) from spmc; sends irq.raise(irq=9) to cpu0
        22 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | *task.idle             | task.bmCreate   | idle              | d1(freed)             | idle                   | paused   | idle     | -      | -      | cpu0 <- irq.raise(irq=9) from gic; sends tasklet.schedule(cpu=cpu0,frame=irq 9) to notif_sri_tasklet, irq.eoi(irq=9) to gic
        23 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | task.idle              | *task.creating  | idle              | d1(freed)             | idle                   | paused   | idle     | -      | -      | cpu1 <- smc.result(fid=0x8400007d,w0=0x84000061,w2=0) from spmc; sends domain.create(id=1) to domains, mem.write(obj=domslot:1,field=arch.tee,value=ctx:d2) to domains
        24 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | task.idle              | task.creating   | *queued@cpu0      | d1(freed)             | idle                   | paused   | idle     | -      | -      | notif_sri_tasklet <- tasklet.schedule(cpu=cpu0,frame=irq 9) from cpu0; sends tasklet.run to cpu0
        25 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | *task.softirq:begin    | task.creating   | queued@cpu0       | d1(freed)             | idle                   | paused   | idle     | -      | -      | cpu0 <- tasklet.run from notif_sri_tasklet; sends tasklet.begin to notif_sri_tasklet
        26 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | task.softirq:begin     | task.creating   | *running@cpu0     | d1(freed)             | idle                   | paused   | idle     | -      | -      | notif_sri_tasklet <- tasklet.begin from cpu0; sends tasklet.go to cpu0
        27 | 0/2 set  | 2:b0 sri@cpu0  | 9@cpu0  | *task.tasklet:notif_s~ | task.creating   | running@cpu0      | d1(freed)             | idle                   | paused   | idle     | -      | -      | cpu0 <- tasklet.go from notif_sri_tasklet; sends smc.call(fid=0xc4000083,frame=notif_sri_tasklet) to spmc
        28 | 0/2 set  | *2:b0*         | 9@cpu0  | task.tasklet:notif_sr~ | task.creating   | running@cpu0      | d1(freed)             | idle                   | paused   | idle     | -      | -      | spmc <- smc.call(fid=0xc4000083,frame=notif_sri_tasklet) from cpu0; sends smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) to cpu0
        29 | 0/2 set  | 2:b0*          | 9@cpu0  | *task.tasklet:notif_s~ | task.creating   | running@cpu0      | d1(freed)             | idle                   | paused   | idle     | -      | -      | cpu0 <- smc.result(fid=0xc4000083,w0=0xc4000061,w2=128,w3=2,toFrame=notif_sri_tasklet) from spmc; sends domain.lookup(id=1,mode=any,frame=notif_sri_tasklet) to domains
        30 | 0/2 set  | 2:b0*          | 9@cpu0  | task.tasklet:notif_sr~ | task.creating   | running@cpu0      | *d1(1)                | idle                   | paused   | idle     | -      | -      | domains <- domain.create(id=1) from cpu1; sends domain.created(id=1) to cpu1
        31 | 0/2 set  | 2:b0*          | 9@cpu0  | task.tasklet:notif_sr~ | task.creating   | running@cpu0      | *d1(1)                | idle                   | paused   | idle     | -      | -      | domains <- mem.write(obj=domslot:1,field=arch.tee,value=ctx:d2) from cpu1
        32 | 0/2 set  | 2:b0*          | 9@cpu0  | task.tasklet:notif_sr~ | task.creating   | running@cpu0      | *d1(1)                | idle                   | paused   | idle     | -      | -      | domains <- domain.lookup(id=1,mode=any,frame=notif_sri_tasklet) from cpu0; sends domain.lookup.result(id=1,rc=0,toFrame=notif_sri_tasklet) to cpu0
        33 | 0/2 set  | 2:b0*          | 9@cpu0  | *task.tasklet:notif_s~ | task.creating   | running@cpu0      | d1(1)                 | idle                   | paused   | idle     | -      | -      | cpu0 <- domain.lookup.result(id=1,rc=0,toFrame=notif_sri_tasklet) from domains; sends mem.read(obj=domslot:1,field=arch.tee,frame=notif_sri_tasklet) to domains
        34 | 0/2 set  | 2:b0*          | 9@cpu0  | task.tasklet:notif_sr~ | task.creating   | running@cpu0      | *d1(1)                | idle                   | paused   | idle     | -      | -      | domains <- mem.read(obj=domslot:1,field=arch.tee,frame=notif_sri_tasklet) from cpu0; sends mem.value(obj=domslot:1,field=arch.tee,value=ctx:d2,toFrame=notif_sri_tasklet) to cpu0
      ! invariant 'the tasklet never pends ctx:d2' violated"
    `);
    // Two SRIs for two SETs before D2's guest runs: its second NPI finds nothing (allowed).
    expect(probe(c11System({ variant: 'fixed' }), 'D2 never finds nothing after an NPI', (v) => guest(v, 'g2.vcpu0').spurious === 0).result.verdict).toBe('violation');
  });

  it('side effect: D1 killed with a notification pending leaves its bitmap (BITMAP_DESTROY DENIED, ignored), and domain 1 cannot be created again', () => {
    const { spec, result } = probe(c11System({ variant: 'fixed', sets: 1 }), 'D2 is never refused', (v) => !v.actor('cpu1').matches({ task: 'failed' }));
    expect(result.verdict).toBe('violation');
    const r = replayed(spec, result.violations[0]!.token);
    const refused = r.trace.steps.filter((s) => s.actor === 'cpu1' && s.message.type === 'smc.result').map((s) => s.message.w2);
    expect(refused).toEqual([-6, -6, -6]); // DESTROY (D1), CREATE (D2), DESTROY (D2's failed init): FFA_RET_DENIED
  });

  it('side finding (bitmap-left): upstream fails the re-creation of domid 1; the proposed drain verifies', () => {
    const upstream = c11Entries.find((e) => e.key === 'C11/buggy/bitmap-left')!;
    const spec = upstream.build();
    const result = explore(spec);
    expect(result.violations.map((v) => v.message)).toEqual([
      "invariant 'domid 1 can get FF-A again once D1 is destroyed' violated: the re-creation of domain 1 failed in ffa_notif_domain_init: the SPMC refused BITMAP_CREATE for VM id 2, whose bitmap survived D1's teardown (BITMAP_DESTROY refused while a notification was pending; the error ignored)",
    ]);
    expect(result.violations[0]!.path).toHaveLength(23);
    const steps = replayed(spec, result.violations[0]!.token).trace.steps;
    expect(steps.filter((x) => x.actor === 'cpu1' && x.message.type === 'smc.result').map((x) => x.message.w2)).toEqual([-6, -6, -6]);
    const fixed = explore(c11Entries.find((e) => e.key === 'C11/fixed/bitmap-left')!.build(), { maxViolations: 10 });
    expect(fixed.violations).toEqual([]);
    expect(fixed.verdict).toBe('verified');
    // The drain differs from upstream only in the teardown's BITMAP_DESTROY answer, and its new state.
    expect(diffSystems(c11System({ variant: 'fixed', sets: 1 }), c11System({ variant: 'fixed', sets: 1, drainOnDestroy: true }))).toEqual({ cpu1: ['task.bmDestroy', 'task.drain'] });
  });

  it('should catch foreign bits if the SPMC accepted BITMAP_CREATE over a bitmap with pending bits (what the verdict rests on)', () => {
    const spec = c11System({ variant: 'fixed' });
    type Ctx = SpmcNotifContext & Record<string, unknown>;
    const lenient = secureWorldMachine<Ctx>('spmc_notifications_lenient', { bitmaps: { 2: { pending: 0, reported: 0, gen: 1 } }, created: 1, sriUnserved: [], reportedGens: [] }, (c, call) =>
      call.fid === FFA_NOTIF.BITMAP_CREATE && c.bitmaps[String(call.vm)] ? { result: { w0: 0x84000061, w2: 0 } } : spmcNotifHandle('gic', 9, c, call),
    );
    const mutant: SystemSpec = { ...spec, actors: spec.actors.map((a) => (a.name === 'spmc' ? { ...a, machine: lenient } : a)) };
    const result = explore(mutant);
    expect(result.violations.map((v) => [v.kind, v.message])).toEqual([
      ['invariant', "invariant 'no guest gets another VM's notification bits' violated: g2.vcpu0 got notification bits from bitmap generation 1, which the SPMC created for another domain with VM id 2"],
    ]);
    replayed(mutant, result.violations[0]!.token);
  });
});

describe('C11 variants', () => {
  it('should differ only in the teardown of a domain whose init failed at BITMAP_CREATE (seed S3 v6 vs e6794b68)', () => {
    // BUGGY goes from a refused BITMAP_CREATE straight to `failed`; FIXED sends BITMAP_DESTROY first
    // (its `failing` state exists in both machines, unreachable in BUGGY).
    expect(diffSystems(c11System({ variant: 'buggy' }), c11System({ variant: 'fixed' }))).toEqual({ cpu1: ['task.bmCreate'] });
  });

  it('should list both entries as verified, each reached', () => {
    expect(c11Entries.map((e) => [e.key, e.expected])).toEqual([
      ['C11/buggy/reuse', { verdict: 'verified' }],
      ['C11/fixed/reuse', { verdict: 'verified' }],
      ['C11/buggy/bitmap-left', { verdict: 'violation', kind: 'invariant' }],
      ['C11/fixed/bitmap-left', { verdict: 'verified' }],
    ]);
    expect(c11OwnBitsOnly.reads).toEqual(['g1.vcpu0', 'g2.vcpu0']);
  });

  it('should refuse a bad configuration', () => {
    expect(() => c11System({ variant: 'fixed', sets: 4 })).toThrow(new ModelError('C11: sets must be an integer from 1 to 3, got 4'));
  });
});
