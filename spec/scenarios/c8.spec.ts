import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { GUEST_VERS_ONCE } from '../../actors/guestVersion.js';
import { COUNT_WRAPPED, LAST_INDEX, TORN_SIZE, partinfoVcpuMachine, type PartinfoVcpuContext } from '../../actors/partinfoVcpu.js';
import { FFA_RET } from '../../actors/ffa.js';
import { c8Code, c8Entries, c8System, type C8Config } from '../../scenarios/c8.js';
import { configDiff } from './configDiff.js';

function shortest(config: C8Config) {
  const spec = c8System({ config, variant: 'buggy' });
  const result = explore(spec);
  expect(result.verdict).toBe('violation');
  const v = result.violations[0]!;
  const replayed = replay(spec, v.token);
  expect(replayed.divergence).toBeUndefined();
  expect(replayed.fingerprintMatches).toBe(true);
  expect(replayed.trace.findings.map((f) => [f.kind, f.message])).toContainEqual([v.kind, v.message]);
  return { v, trace: formatTrace(replayed.trace) };
}

describe('C8 buggy: ad2d3a7d reverted (handle_version rewrites guest_vers)', () => {
  it('should find the second FFA_VERSION rewriting guest_vers, and replay it', () => {
    const { v, trace } = shortest('version');
    expect([v.kind, v.message]).toEqual(['assertion', `assertion failed in actor 'g1.ctx': ${GUEST_VERS_ONCE}`]);
    expect(v.path).toHaveLength(17);
    expect(trace).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0               | g1.vcpu1 | g1.ctx                 | vm_list                | message
         0 | idle                   | idle     | vers=0 tmp=0           | [] n=0 tag=1           | (initial)
         1 | *handleVersion.lock    | idle     | vers=0 tmp=0           | [] n=0 tag=1           | g1.vcpu0 <- start from (env); sends spin.acquire(lock=ctx.lock) to g1.ctx
         2 | handleVersion.lock     | idle     | *vers=0 tmp=0 lock=g1~ | [] n=0 tag=1           | g1.ctx <- spin.acquire(lock=ctx.lock) from g1.vcpu0; sends spin.granted(lock=ctx.lock) to g1.vcpu0
         3 | *handleVersion.swap    | idle     | vers=0 tmp=0 lock=g1.~ | [] n=0 tag=1           | g1.vcpu0 <- spin.granted(lock=ctx.lock) from g1.ctx; sends vers.swap(vers=0x10001) to g1.ctx
         4 | handleVersion.swap     | idle     | *vers=1.1 tmp=0 lock=~ | [] n=0 tag=1           | g1.ctx <- vers.swap(vers=0x10001) from g1.vcpu0; sends vers.value(vers=0,tmp=0) to g1.vcpu0
         5 | *handleVersion.member~ | idle     | vers=1.1 tmp=0 lock=g~ | [] n=0 tag=1           | g1.vcpu0 <- vers.value(vers=0,tmp=0) from g1.ctx; sends spin.release(lock=ctx.lock) to g1.ctx, rw.write_lock(lock=ffa_ctx_list_rwlock) to vm_list
         6 | handleVersion.members~ | idle     | *vers=1.1 tmp=0        | [] n=0 tag=1           | g1.ctx <- spin.release(lock=ctx.lock) from g1.vcpu0
         7 | handleVersion.members~ | idle     | vers=1.1 tmp=0         | *[] n=0 tag=1 W=g1.vc~ | vm_list <- rw.write_lock(lock=ffa_ctx_list_rwlock) from g1.vcpu0; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=write) to g1.vcpu0
         8 | *handleVersion.member~ | idle     | vers=1.1 tmp=0         | [] n=0 tag=1 W=g1.vcp~ | g1.vcpu0 <- rw.granted(lock=ffa_ctx_list_rwlock,mode=write) from vm_list; sends vm.count.inc to vm_list
         9 | handleVersion.members~ | idle     | vers=1.1 tmp=0         | *[] n=1 tag=1 W=g1.vc~ | vm_list <- vm.count.inc from g1.vcpu0; sends vm.ack to g1.vcpu0
        10 | *handleVersion.member~ | idle     | vers=1.1 tmp=0         | [] n=1 tag=1 W=g1.vcp~ | g1.vcpu0 <- vm.ack from vm_list; sends vm.list.add(ctx=g1.ctx) to vm_list
        11 | handleVersion.members~ | idle     | vers=1.1 tmp=0         | *[g1.ctx] n=1 tag=1 W~ | vm_list <- vm.list.add(ctx=g1.ctx) from g1.vcpu0; sends vm.ack to g1.vcpu0
        12 | *handleVersion.member~ | idle     | vers=1.1 tmp=0         | [g1.ctx] n=1 tag=1 W=~ | g1.vcpu0 <- vm.ack from vm_list; sends vm.tag.inc to vm_list
        13 | handleVersion.members~ | idle     | vers=1.1 tmp=0         | *[g1.ctx] n=1 tag=2 W~ | vm_list <- vm.tag.inc from g1.vcpu0; sends vm.ack to g1.vcpu0
        14 | *handleVersion.lock    | idle     | vers=1.1 tmp=0         | [g1.ctx] n=1 tag=2 W=~ | g1.vcpu0 <- vm.ack from vm_list; sends rw.write_unlock(lock=ffa_ctx_list_rwlock) to vm_list, spin.acquire(lock=ctx.lock) to g1.ctx
        15 | handleVersion.lock     | idle     | *vers=1.1 tmp=0 lock=~ | [g1.ctx] n=1 tag=2 W=~ | g1.ctx <- spin.acquire(lock=ctx.lock) from g1.vcpu0; sends spin.granted(lock=ctx.lock) to g1.vcpu0
        16 | *handleVersion.swap    | idle     | vers=1.1 tmp=0 lock=g~ | [g1.ctx] n=1 tag=2 W=~ | g1.vcpu0 <- spin.granted(lock=ctx.lock) from g1.ctx; sends vers.swap(vers=0x10000) to g1.ctx
       !17 | handleVersion.swap     | idle     | *vers=1.0 tmp=0 lock=~ | [g1.ctx] n=1 tag=2 W=~ | g1.ctx <- vers.swap(vers=0x10000) from g1.vcpu0; sends vers.value(vers=0x10001,tmp=0) to g1.vcpu0
      ! assertion failed in actor 'g1.ctx': guest_vers must go from 0 to a version once and never change after"
    `);
  });

  it('should find the torn PARTITION_INFO_GET answer (24-byte entries, size 0 reported), and replay it', () => {
    const { v, trace } = shortest('torn');
    expect([v.kind, v.message]).toEqual(['assertion', `assertion failed in actor 'g1.vcpu1': ${TORN_SIZE}`]);
    expect(v.path).toHaveLength(22);
    expect(trace).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0               | g1.vcpu1          | g1.ctx                 | vm_list                | message
         0 | idle                   | idle              | vers=0 tmp=0           | [] n=0 tag=1           | (initial)
         1 | *handleVersion.lock    | idle              | vers=0 tmp=0           | [] n=0 tag=1           | g1.vcpu0 <- start from (env); sends spin.acquire(lock=ctx.lock) to g1.ctx
         2 | handleVersion.lock     | *partInfoGet.size | vers=0 tmp=0           | [] n=0 tag=1           | g1.vcpu1 <- start from (env); sends vers.read to g1.ctx
         3 | handleVersion.lock     | partInfoGet.size  | *vers=0 tmp=0 lock=g1~ | [] n=0 tag=1           | g1.ctx <- spin.acquire(lock=ctx.lock) from g1.vcpu0; sends spin.granted(lock=ctx.lock) to g1.vcpu0
         4 | *handleVersion.swap    | partInfoGet.size  | vers=0 tmp=0 lock=g1.~ | [] n=0 tag=1           | g1.vcpu0 <- spin.granted(lock=ctx.lock) from g1.ctx; sends vers.swap(vers=0x10001) to g1.ctx
         5 | handleVersion.swap     | partInfoGet.size  | *vers=0 tmp=0 lock=g1~ | [] n=0 tag=1           | g1.ctx <- vers.read from g1.vcpu1; sends vers.value(vers=0,tmp=0) to g1.vcpu1
         6 | handleVersion.swap     | partInfoGet.size  | *vers=1.1 tmp=0 lock=~ | [] n=0 tag=1           | g1.ctx <- vers.swap(vers=0x10001) from g1.vcpu0; sends vers.value(vers=0,tmp=0) to g1.vcpu0
         7 | *handleVersion.member~ | partInfoGet.size  | vers=1.1 tmp=0 lock=g~ | [] n=0 tag=1           | g1.vcpu0 <- vers.value(vers=0,tmp=0) from g1.ctx; sends spin.release(lock=ctx.lock) to g1.ctx, rw.write_lock(lock=ffa_ctx_list_rwlock) to vm_list
         8 | handleVersion.members~ | partInfoGet.size  | *vers=1.1 tmp=0        | [] n=0 tag=1           | g1.ctx <- spin.release(lock=ctx.lock) from g1.vcpu0
         9 | handleVersion.members~ | partInfoGet.size  | vers=1.1 tmp=0         | *[] n=0 tag=1 W=g1.vc~ | vm_list <- rw.write_lock(lock=ffa_ctx_list_rwlock) from g1.vcpu0; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=write) to g1.vcpu0
        10 | *handleVersion.member~ | partInfoGet.size  | vers=1.1 tmp=0         | [] n=0 tag=1 W=g1.vcp~ | g1.vcpu0 <- rw.granted(lock=ffa_ctx_list_rwlock,mode=write) from vm_list; sends vm.count.inc to vm_list
        11 | handleVersion.members~ | partInfoGet.size  | vers=1.1 tmp=0         | *[] n=1 tag=1 W=g1.vc~ | vm_list <- vm.count.inc from g1.vcpu0; sends vm.ack to g1.vcpu0
        12 | *handleVersion.member~ | partInfoGet.size  | vers=1.1 tmp=0         | [] n=1 tag=1 W=g1.vcp~ | g1.vcpu0 <- vm.ack from vm_list; sends vm.list.add(ctx=g1.ctx) to vm_list
        13 | handleVersion.members~ | partInfoGet.size  | vers=1.1 tmp=0         | *[g1.ctx] n=1 tag=1 W~ | vm_list <- vm.list.add(ctx=g1.ctx) from g1.vcpu0; sends vm.ack to g1.vcpu0
        14 | *handleVersion.member~ | partInfoGet.size  | vers=1.1 tmp=0         | [g1.ctx] n=1 tag=1 W=~ | g1.vcpu0 <- vm.ack from vm_list; sends vm.tag.inc to vm_list
        15 | handleVersion.members~ | partInfoGet.size  | vers=1.1 tmp=0         | *[g1.ctx] n=1 tag=2 W~ | vm_list <- vm.tag.inc from g1.vcpu0; sends vm.ack to g1.vcpu0
        16 | *handleVersion.lock    | partInfoGet.size  | vers=1.1 tmp=0         | [g1.ctx] n=1 tag=2 W=~ | g1.vcpu0 <- vm.ack from vm_list; sends rw.write_unlock(lock=ffa_ctx_list_rwlock) to vm_list, spin.acquire(lock=ctx.lock) to g1.ctx
        17 | handleVersion.lock     | partInfoGet.size  | *vers=1.1 tmp=0 lock=~ | [g1.ctx] n=1 tag=2 W=~ | g1.ctx <- spin.acquire(lock=ctx.lock) from g1.vcpu0; sends spin.granted(lock=ctx.lock) to g1.vcpu0
        18 | *handleVersion.swap    | partInfoGet.size  | vers=1.1 tmp=0 lock=g~ | [g1.ctx] n=1 tag=2 W=~ | g1.vcpu0 <- spin.granted(lock=ctx.lock) from g1.ctx; sends vers.swap(vers=0x10000) to g1.ctx
        19 | handleVersion.swap     | *partInfoGet.exit | vers=1.1 tmp=0 lock=g~ | [g1.ctx] n=1 tag=2 W=~ | g1.vcpu1 <- vers.value(vers=0,tmp=0) from g1.ctx; sends vers.read to g1.ctx
        20 | handleVersion.swap     | partInfoGet.exit  | *vers=1.0 tmp=0 lock=~ | [g1.ctx] n=1 tag=2 W=~ | g1.ctx <- vers.swap(vers=0x10000) from g1.vcpu0; sends vers.value(vers=0x10001,tmp=0) to g1.vcpu0
        21 | handleVersion.swap     | partInfoGet.exit  | *vers=1.0 tmp=0 lock=~ | [g1.ctx] n=1 tag=2 W=~ | g1.ctx <- vers.read from g1.vcpu1; sends vers.value(vers=0x10000,tmp=0) to g1.vcpu1
       !22 | handleVersion.swap     | *done             | vers=1.0 tmp=0 lock=g~ | [g1.ctx] n=1 tag=2 W=~ | g1.vcpu1 <- vers.value(vers=0x10000,tmp=0) from g1.ctx
      ! assertion failed in actor 'g1.vcpu1': PARTITION_INFO_GET: the entry size reported in w3 is not the size the entries were written with (guest_vers changed during the call)"
    `);
  });
});

describe('C8 residual in upstream HEAD: guest_vers published before the VM is counted', () => {
  it('should find a sibling PARTITION_INFO_GET(COUNT) answering 0xFFFFFFFF, and replay it', () => {
    const { v, trace } = shortest('publish');
    expect([v.kind, v.message]).toEqual(['assertion', `assertion failed in actor 'g1.vcpu1': ${COUNT_WRAPPED}`]);
    expect(v.path).toHaveLength(28);
    expect(trace).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0      | g1.vcpu1               | g1.ctx                 | vm_list       | message
         0 | idle          | idle                   | vers=0 tmp=0           | [] n=0 tag=1  | (initial)
         1 | *gate.read    | idle                   | vers=0 tmp=0           | [] n=0 tag=1  | g1.vcpu0 <- start from (env); sends vers.read to g1.ctx
         2 | gate.read     | idle                   | *vers=0 tmp=0          | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu0; sends vers.value(vers=0,tmp=0) to g1.vcpu0
         3 | *gate.lock    | idle                   | vers=0 tmp=0           | [] n=0 tag=1  | g1.vcpu0 <- vers.value(vers=0,tmp=0) from g1.ctx; sends spin.acquire(lock=ctx.guest_vers_lock) to g1.ctx
         4 | gate.lock     | idle                   | *vers=0 tmp=0 guest_v~ | [] n=0 tag=1  | g1.ctx <- spin.acquire(lock=ctx.guest_vers_lock) from g1.vcpu0; sends spin.granted(lock=ctx.guest_vers_lock) to g1.vcpu0
         5 | *gate.state   | idle                   | vers=0 tmp=0 guest_ve~ | [] n=0 tag=1  | g1.vcpu0 <- spin.granted(lock=ctx.guest_vers_lock) from g1.ctx; sends vers.read to g1.ctx
         6 | gate.state    | idle                   | *vers=0 tmp=0 guest_v~ | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu0; sends vers.value(vers=0,tmp=0) to g1.vcpu0
         7 | *gate.setTmp  | idle                   | vers=0 tmp=0 guest_ve~ | [] n=0 tag=1  | g1.vcpu0 <- vers.value(vers=0,tmp=0) from g1.ctx; sends vers.set_tmp(vers=0x10001) to g1.ctx
         8 | gate.setTmp   | idle                   | *vers=0 tmp=1.1 guest~ | [] n=0 tag=1  | g1.ctx <- vers.set_tmp(vers=0x10001) from g1.vcpu0; sends vers.ack to g1.vcpu0
         9 | *gate.read    | idle                   | vers=0 tmp=1.1 guest_~ | [] n=0 tag=1  | g1.vcpu0 <- vers.ack from g1.ctx; sends spin.release(lock=ctx.guest_vers_lock) to g1.ctx, vers.read to g1.ctx
        10 | gate.read     | idle                   | *vers=0 tmp=1.1        | [] n=0 tag=1  | g1.ctx <- spin.release(lock=ctx.guest_vers_lock) from g1.vcpu0
        11 | gate.read     | idle                   | *vers=0 tmp=1.1        | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu0; sends vers.value(vers=0,tmp=0x10001) to g1.vcpu0
        12 | *gate.lock    | idle                   | vers=0 tmp=1.1         | [] n=0 tag=1  | g1.vcpu0 <- vers.value(vers=0,tmp=0x10001) from g1.ctx; sends spin.acquire(lock=ctx.guest_vers_lock) to g1.ctx
        13 | gate.lock     | idle                   | *vers=0 tmp=1.1 guest~ | [] n=0 tag=1  | g1.ctx <- spin.acquire(lock=ctx.guest_vers_lock) from g1.vcpu0; sends spin.granted(lock=ctx.guest_vers_lock) to g1.vcpu0
        14 | *gate.state   | idle                   | vers=0 tmp=1.1 guest_~ | [] n=0 tag=1  | g1.vcpu0 <- spin.granted(lock=ctx.guest_vers_lock) from g1.ctx; sends vers.read to g1.ctx
        15 | gate.state    | idle                   | *vers=0 tmp=1.1 guest~ | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu0; sends vers.value(vers=0,tmp=0x10001) to g1.vcpu0
        16 | *gate.publish | idle                   | vers=0 tmp=1.1 guest_~ | [] n=0 tag=1  | g1.vcpu0 <- vers.value(vers=0,tmp=0x10001) from g1.ctx; sends vers.publish to g1.ctx
        17 | gate.publish  | *gate.read             | vers=0 tmp=1.1 guest_~ | [] n=0 tag=1  | g1.vcpu1 <- start from (env); sends vers.read to g1.ctx
        18 | gate.publish  | gate.read              | *vers=1.1 tmp=1.1 gue~ | [] n=0 tag=1  | g1.ctx <- vers.publish from g1.vcpu0; sends vers.ack to g1.vcpu0
        19 | gate.publish  | gate.read              | *vers=1.1 tmp=1.1 gue~ | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu1; sends vers.value(vers=0x10001,tmp=0x10001) to g1.vcpu1
        20 | gate.publish  | *partInfoGet.size      | vers=1.1 tmp=1.1 gues~ | [] n=0 tag=1  | g1.vcpu1 <- vers.value(vers=0x10001,tmp=0x10001) from g1.ctx; sends vers.read to g1.ctx
        21 | gate.publish  | partInfoGet.size       | *vers=1.1 tmp=1.1 gue~ | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu1; sends vers.value(vers=0x10001,tmp=0x10001) to g1.vcpu1
        22 | gate.publish  | *partInfoGet.countChe~ | vers=1.1 tmp=1.1 gues~ | [] n=0 tag=1  | g1.vcpu1 <- vers.value(vers=0x10001,tmp=0x10001) from g1.ctx; sends vers.read to g1.ctx
        23 | gate.publish  | partInfoGet.countCheck | *vers=1.1 tmp=1.1 gue~ | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu1; sends vers.value(vers=0x10001,tmp=0x10001) to g1.vcpu1
        24 | gate.publish  | *partInfoGet.count     | vers=1.1 tmp=1.1 gues~ | [] n=0 tag=1  | g1.vcpu1 <- vers.value(vers=0x10001,tmp=0x10001) from g1.ctx; sends vm.count.read to vm_list
        25 | gate.publish  | partInfoGet.count      | vers=1.1 tmp=1.1 gues~ | *[] n=0 tag=1 | vm_list <- vm.count.read from g1.vcpu1; sends vm.value(value=0) to g1.vcpu1
        26 | gate.publish  | *partInfoGet.countAdj~ | vers=1.1 tmp=1.1 gues~ | [] n=0 tag=1  | g1.vcpu1 <- vm.value(value=0) from vm_list; sends vers.read to g1.ctx
        27 | gate.publish  | partInfoGet.countAdju~ | *vers=1.1 tmp=1.1 gue~ | [] n=0 tag=1  | g1.ctx <- vers.read from g1.vcpu1; sends vers.value(vers=0x10001,tmp=0x10001) to g1.vcpu1
       !28 | gate.publish  | *done                  | vers=1.1 tmp=1.1 gues~ | [] n=0 tag=1  | g1.vcpu1 <- vers.value(vers=0x10001,tmp=0x10001) from g1.ctx
      ! assertion failed in actor 'g1.vcpu1': PARTITION_INFO_GET(COUNT): the partition count is not SPs + other VMs (ffa_vm_count read before this VM was counted: 0 - 1 wrapped to 0xFFFFFFFF)"
    `);
  });
});

describe('C8 residual, GET_REGS: the same window for a v1.2 guest (what 500ee5fe set out to prevent)', () => {
  it('should find a sibling PARTITION_INFO_GET_REGS answering SUCCESS with last_index beyond total_count - 1, and replay it', () => {
    const { v, trace } = shortest('get-regs');
    expect([v.kind, v.message]).toEqual(['assertion', `assertion failed in actor 'g1.vcpu1': ${LAST_INDEX}`]);
    expect(v.path).toHaveLength(33);
    // vCPU1 read the count (0) and both tags (1, unchanged) between vCPU0's publish and its membership block.
    expect(trace).toContain('g1.vcpu1 <- vm.value(value=0) from vm_list; sends rw.read_lock(lock=ffa_ctx_list_rwlock) to vm_list');
    expect(trace.split('\n').filter((l) => l.includes('| gate.publish ')).length).toBeGreaterThan(10);
  });

  it('should answer INVALID_PARAMETERS (total_count 0) in the same window when no SP is cached, and never with the proposed order', () => {
    const neverInvalid = (variant: 'buggy' | 'fixed') => {
      const spec = c8System({ config: 'get-regs', variant, sps: 0 });
      return explore({ ...spec, invariants: [{ name: 'vCPU1 gets its own entry', check: (view) => !(view.actor('g1.vcpu1').context as PartinfoVcpuContext).results.includes(FFA_RET.INVALID_PARAMETERS) }] });
    };
    expect(neverInvalid('buggy').violations.map((v) => v.message)).toEqual(["invariant 'vCPU1 gets its own entry' violated"]);
    expect(neverInvalid('fixed').verdict).toBe('verified');
  });
});

describe('C8 fixed', () => {
  for (const config of ['version', 'torn', 'publish', 'get-regs'] as const) {
    it(`should verify every interleaving of '${config}' (BFS and DFS agree)`, () => {
      const bfs = explore(c8System({ config, variant: 'fixed' }), { maxViolations: 100 });
      expect(bfs.violations).toEqual([]);
      expect(bfs.verdict).toBe('verified');
      expect(bfs.complete).toBe(true);
      const dfs = explore(c8System({ config, variant: 'fixed' }), { strategy: 'dfs', maxViolations: 100 });
      expect(dfs.verdict).toBe('verified');
      expect(dfs.stats.states).toBe(bfs.stats.states);
    });
  }

  it('should give every catalogue entry its expected verdict', () => {
    expect(c8Entries.map((e) => e.key)).toEqual(['C8/buggy/version', 'C8/fixed/version', 'C8/buggy/torn', 'C8/fixed/torn', 'C8/buggy/publish', 'C8/fixed/publish', 'C8/buggy/get-regs', 'C8/fixed/get-regs']);
    for (const e of c8Entries) {
      const result = explore(e.build(), e.explore ?? {});
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations.map((v) => v.kind), e.key).toContain(e.expected.kind);
    }
  });
});

describe('C8 variants differ only where the patch did', () => {
  it('buggy and fixed (version, torn): only ad2d3a7d — the gate and ffa_negotiate_version replace handle_version', () => {
    const buggy = partinfoVcpuMachine(c8Code('version', 'buggy')).config;
    const fixed = partinfoVcpuMachine(c8Code('version', 'fixed')).config;
    expect(configDiff(buggy, fixed)).toMatchInlineSnapshot(`
      [
        "id",
        "states.body.always.0.actions",
        "states.body.always.0.target",
        "states.dispatch.always.1.target",
        "states.gate",
        "states.handleVersion",
      ]
    `);
  });

  it('upstream and proposed (publish): only where guest_vers is published relative to the membership block', () => {
    const upstream = partinfoVcpuMachine(c8Code('publish', 'buggy')).config;
    const proposed = partinfoVcpuMachine(c8Code('publish', 'fixed')).config;
    expect(configDiff(upstream, proposed)).toMatchInlineSnapshot(`
      [
        "id",
        "states.gate.states.membership.onDone.actions",
        "states.gate.states.membership.onDone.target",
        "states.gate.states.publish.on.vers.ack.actions",
        "states.gate.states.publish.on.vers.ack.target",
        "states.gate.states.state.on.vers.value.3.target",
      ]
    `);
  });
});
