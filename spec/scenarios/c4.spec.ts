import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { LAST_INDEX, partinfoVcpuMachine, teardownMachine } from '../../actors/partinfoVcpu.js';
import { c4Entries, c4System, type C4Config } from '../../scenarios/c4.js';
import { configDiff } from './configDiff.js';

const GHOST = "assertion failed in actor 'vm_list': SUCCESS with tag t, but its entries and total match no instant of the VM list during the call where the tag was t";
const LAST = `assertion failed in actor 'g1.vcpu0': ${LAST_INDEX}`;

function shortest(variant: 'buggy' | 'fixed', config: C4Config) {
  const spec = c4System({ variant, config });
  const result = explore(spec, { maxViolations: 100 });
  expect(result.verdict).toBe('violation');
  expect(result.complete).toBe(true);
  const v = result.violations[0]!;
  const replayed = replay(spec, v.token);
  expect(replayed.divergence).toBeUndefined();
  expect(replayed.trace.findings.map((f) => [f.kind, f.message])).toContainEqual([v.kind, v.message]);
  return { result, v, trace: formatTrace(replayed.trace) };
}

describe('C4 buggy: seed 000, the tag read only at the start, count outside the write lock', () => {
  it('should find a SUCCESS whose total and entries never coexisted (join), and replay it', () => {
    const { result, v, trace } = shortest('buggy', 'join');
    expect(result.violations.map((x) => x.message).sort()).toEqual([LAST, GHOST].sort());
    expect(v.message).toBe(GHOST);
    expect(v.path).toHaveLength(25);
    expect(trace).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0          | g2.vcpu0               | g1.ctx            | g2.ctx                 | vm_list                | message
         0 | idle              | idle                   | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | [g1.ctx] n=1 tag=2     | (initial)
         1 | *gate.read        | idle                   | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | [g1.ctx] n=1 tag=2     | g1.vcpu0 <- start from (env); sends vers.read to g1.ctx
         2 | gate.read         | *gate.read             | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | [g1.ctx] n=1 tag=2     | g2.vcpu0 <- start from (env); sends vers.read to g2.ctx
         3 | gate.read         | gate.read              | *vers=1.2 tmp=1.2 | vers=0 tmp=1.2         | [g1.ctx] n=1 tag=2     | g1.ctx <- vers.read from g1.vcpu0; sends vers.value(vers=0x10002,tmp=0x10002) to g1.vcpu0
         4 | *getRegs.begin    | gate.read              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | [g1.ctx] n=1 tag=2     | g1.vcpu0 <- vers.value(vers=0x10002,tmp=0x10002) from g1.ctx; sends vm.ghost.begin to vm_list
         5 | getRegs.begin     | gate.read              | vers=1.2 tmp=1.2  | *vers=0 tmp=1.2        | [g1.ctx] n=1 tag=2     | g2.ctx <- vers.read from g2.vcpu0; sends vers.value(vers=0,tmp=0x10002) to g2.vcpu0
         6 | getRegs.begin     | *gate.lock             | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | [g1.ctx] n=1 tag=2     | g2.vcpu0 <- vers.value(vers=0,tmp=0x10002) from g2.ctx; sends spin.acquire(lock=ctx.guest_vers_lock) to g2.ctx
         7 | getRegs.begin     | gate.lock              | vers=1.2 tmp=1.2  | *vers=0 tmp=1.2 guest~ | [g1.ctx] n=1 tag=2     | g2.ctx <- spin.acquire(lock=ctx.guest_vers_lock) from g2.vcpu0; sends spin.granted(lock=ctx.guest_vers_lock) to g2.vcpu0
         8 | getRegs.begin     | *gate.state            | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 guest_~ | [g1.ctx] n=1 tag=2     | g2.vcpu0 <- spin.granted(lock=ctx.guest_vers_lock) from g2.ctx; sends vers.read to g2.ctx
         9 | getRegs.begin     | gate.state             | vers=1.2 tmp=1.2  | *vers=0 tmp=1.2 guest~ | [g1.ctx] n=1 tag=2     | g2.ctx <- vers.read from g2.vcpu0; sends vers.value(vers=0,tmp=0x10002) to g2.vcpu0
        10 | getRegs.begin     | *gate.publish          | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 guest_~ | [g1.ctx] n=1 tag=2     | g2.vcpu0 <- vers.value(vers=0,tmp=0x10002) from g2.ctx; sends vers.publish to g2.ctx
        11 | getRegs.begin     | gate.publish           | vers=1.2 tmp=1.2  | *vers=1.2 tmp=1.2 gue~ | [g1.ctx] n=1 tag=2     | g2.ctx <- vers.publish from g2.vcpu0; sends vers.ack to g2.vcpu0
        12 | getRegs.begin     | *gate.membership.count | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | [g1.ctx] n=1 tag=2     | g2.vcpu0 <- vers.ack from g2.ctx; sends vm.count.inc to vm_list
        13 | getRegs.begin     | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=1 tag=2    | vm_list <- vm.ghost.begin from g1.vcpu0; sends vm.ack to g1.vcpu0
        14 | *getRegs.tagOut   | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | [g1.ctx] n=1 tag=2     | g1.vcpu0 <- vm.ack from vm_list; sends vm.tag.read to vm_list
        15 | getRegs.tagOut    | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=2 tag=2    | vm_list <- vm.count.inc from g2.vcpu0; sends vm.ack to g2.vcpu0
        16 | getRegs.tagOut    | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=2 tag=2    | vm_list <- vm.tag.read from g1.vcpu0; sends vm.value(value=2) to g1.vcpu0
        17 | *getRegs.count    | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | [g1.ctx] n=2 tag=2     | g1.vcpu0 <- vm.value(value=2) from vm_list; sends vm.count.read to vm_list
        18 | getRegs.count     | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=2 tag=2    | vm_list <- vm.count.read from g1.vcpu0; sends vm.value(value=2) to g1.vcpu0
        19 | *getRegs.readLock | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | [g1.ctx] n=2 tag=2     | g1.vcpu0 <- vm.value(value=2) from vm_list; sends rw.read_lock(lock=ffa_ctx_list_rwlock) to vm_list
        20 | getRegs.readLock  | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=2 tag=2 R~ | vm_list <- rw.read_lock(lock=ffa_ctx_list_rwlock) from g1.vcpu0; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=read) to g1.vcpu0
        21 | *getRegs.walk     | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | [g1.ctx] n=2 tag=2 R=~ | g1.vcpu0 <- rw.granted(lock=ffa_ctx_list_rwlock,mode=read) from vm_list; sends vm.list.walk to vm_list
        22 | getRegs.walk      | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=2 tag=2 R~ | vm_list <- vm.list.walk from g1.vcpu0; sends vm.list to g1.vcpu0
        23 | *done             | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | [g1.ctx] n=2 tag=2 R=~ | g1.vcpu0 <- vm.list from vm_list; sends rw.read_unlock(lock=ffa_ctx_list_rwlock) to vm_list, vm.ghost.check(total=2,tag=2) to vm_list
        24 | done              | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=2 tag=2    | vm_list <- rw.read_unlock(lock=ffa_ctx_list_rwlock) from g1.vcpu0
       !25 | done              | gate.membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *[g1.ctx] n=2 tag=2    | vm_list <- vm.ghost.check(total=2,tag=2) from g1.vcpu0
      ! assertion failed in actor 'vm_list': SUCCESS with tag t, but its entries and total match no instant of the VM list during the call where the tag was t"
    `);
  });

  it('should find last_index > total-1 when a VM joins and another leaves (churn), and replay it', () => {
    const { v, trace } = shortest('buggy', 'churn');
    expect(v.message).toBe(LAST);
    expect(v.path).toHaveLength(17);
    expect(trace).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0          | g2.vcpu0 | domctl            | g1.ctx            | g2.ctx         | g3.ctx            | vm_list                | message
         0 | idle              | idle     | idle              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | (initial)
         1 | *gate.read        | idle     | idle              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.vcpu0 <- start from (env); sends vers.read to g1.ctx
         2 | gate.read         | idle     | *read             | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | domctl <- start from (env); sends vers.read to g3.ctx
         3 | gate.read         | idle     | read              | *vers=1.2 tmp=1.2 | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.ctx <- vers.read from g1.vcpu0; sends vers.value(vers=0x10002,tmp=0x10002) to g1.vcpu0
         4 | *getRegs.begin    | idle     | read              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.vcpu0 <- vers.value(vers=0x10002,tmp=0x10002) from g1.ctx; sends vm.ghost.begin to vm_list
         5 | getRegs.begin     | idle     | read              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | *vers=1.2 tmp=1.2 | [g1.ctx g3.ctx] n=2 t~ | g3.ctx <- vers.read from domctl; sends vers.value(vers=0x10002,tmp=0x10002) to domctl
         6 | getRegs.begin     | idle     | *membership.count | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | domctl <- vers.value(vers=0x10002,tmp=0x10002) from g3.ctx; sends vm.count.dec to vm_list
         7 | getRegs.begin     | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=2 ~ | vm_list <- vm.ghost.begin from g1.vcpu0; sends vm.ack to g1.vcpu0
         8 | *getRegs.tagOut   | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.vcpu0 <- vm.ack from vm_list; sends vm.tag.read to vm_list
         9 | getRegs.tagOut    | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=1 ~ | vm_list <- vm.count.dec from domctl; sends vm.ack to domctl
        10 | getRegs.tagOut    | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=1 ~ | vm_list <- vm.tag.read from g1.vcpu0; sends vm.value(value=3) to g1.vcpu0
        11 | *getRegs.count    | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=1 t~ | g1.vcpu0 <- vm.value(value=3) from vm_list; sends vm.count.read to vm_list
        12 | getRegs.count     | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=1 ~ | vm_list <- vm.count.read from g1.vcpu0; sends vm.value(value=1) to g1.vcpu0
        13 | *getRegs.readLock | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=1 t~ | g1.vcpu0 <- vm.value(value=1) from vm_list; sends rw.read_lock(lock=ffa_ctx_list_rwlock) to vm_list
        14 | getRegs.readLock  | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=1 ~ | vm_list <- rw.read_lock(lock=ffa_ctx_list_rwlock) from g1.vcpu0; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=read) to g1.vcpu0
        15 | *getRegs.walk     | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=1 t~ | g1.vcpu0 <- rw.granted(lock=ffa_ctx_list_rwlock,mode=read) from vm_list; sends vm.list.walk to vm_list
        16 | getRegs.walk      | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=1 ~ | vm_list <- vm.list.walk from g1.vcpu0; sends vm.list to g1.vcpu0
       !17 | *done             | idle     | membership.count  | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=1 t~ | g1.vcpu0 <- vm.list from vm_list; sends rw.read_unlock(lock=ffa_ctx_list_rwlock) to vm_list, vm.ghost.check(total=1,tag=3) to vm_list
      ! assertion failed in actor 'g1.vcpu0': GET_REGS SUCCESS with last_index > total_count - 1"
    `);
  });
});

describe('C4 fixed: upstream 500ee5fe', () => {
  for (const config of ['join', 'churn'] as const) {
    it(`should verify every interleaving of '${config}' with the 16-bit tag`, () => {
      const result = explore(c4System({ variant: 'fixed', config }), { maxViolations: 100 });
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
    });
  }

  it('residual: with a declared 1-bit tag, two changes between tag_out and tag_end go unnoticed (ABA)', () => {
    const { result, v, trace } = shortest('fixed', 'aba');
    expect(result.violations.map((x) => x.message).sort()).toEqual([LAST, GHOST].sort());
    expect(v.message).toBe(LAST);
    expect(v.path).toHaveLength(46);
    expect(trace).toMatchInlineSnapshot(`
      "legend: one row per step; each actor column shows that actor's state after the step; '*' marks the actor that took a message, '!' a row where a violation shows; 'A <- m from B' means A took message m that B sent; sends are listed in the order they were made.
      step | g1.vcpu0          | g2.vcpu0               | domctl            | g1.ctx            | g2.ctx                 | g3.ctx            | vm_list                | message
         0 | idle              | idle                   | idle              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | (initial)
         1 | *gate.read        | idle                   | idle              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.vcpu0 <- start from (env); sends vers.read to g1.ctx
         2 | gate.read         | *gate.read             | idle              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.vcpu0 <- start from (env); sends vers.read to g2.ctx
         3 | gate.read         | gate.read              | *read             | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | domctl <- start from (env); sends vers.read to g3.ctx
         4 | gate.read         | gate.read              | read              | *vers=1.2 tmp=1.2 | vers=0 tmp=1.2         | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.ctx <- vers.read from g1.vcpu0; sends vers.value(vers=0x10002,tmp=0x10002) to g1.vcpu0
         5 | *getRegs.begin    | gate.read              | read              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.vcpu0 <- vers.value(vers=0x10002,tmp=0x10002) from g1.ctx; sends vm.ghost.begin to vm_list
         6 | getRegs.begin     | gate.read              | read              | vers=1.2 tmp=1.2  | *vers=0 tmp=1.2        | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.ctx <- vers.read from g2.vcpu0; sends vers.value(vers=0,tmp=0x10002) to g2.vcpu0
         7 | getRegs.begin     | *gate.lock             | read              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2         | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.vcpu0 <- vers.value(vers=0,tmp=0x10002) from g2.ctx; sends spin.acquire(lock=ctx.guest_vers_lock) to g2.ctx
         8 | getRegs.begin     | gate.lock              | read              | vers=1.2 tmp=1.2  | *vers=0 tmp=1.2 guest~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.ctx <- spin.acquire(lock=ctx.guest_vers_lock) from g2.vcpu0; sends spin.granted(lock=ctx.guest_vers_lock) to g2.vcpu0
         9 | getRegs.begin     | *gate.state            | read              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 guest_~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.vcpu0 <- spin.granted(lock=ctx.guest_vers_lock) from g2.ctx; sends vers.read to g2.ctx
        10 | getRegs.begin     | gate.state             | read              | vers=1.2 tmp=1.2  | *vers=0 tmp=1.2 guest~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.ctx <- vers.read from g2.vcpu0; sends vers.value(vers=0,tmp=0x10002) to g2.vcpu0
        11 | getRegs.begin     | *gate.publish          | read              | vers=1.2 tmp=1.2  | vers=0 tmp=1.2 guest_~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.vcpu0 <- vers.value(vers=0,tmp=0x10002) from g2.ctx; sends vers.publish to g2.ctx
        12 | getRegs.begin     | gate.publish           | read              | vers=1.2 tmp=1.2  | *vers=1.2 tmp=1.2 gue~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.ctx <- vers.publish from g2.vcpu0; sends vers.ack to g2.vcpu0
        13 | getRegs.begin     | gate.publish           | read              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | *vers=1.2 tmp=1.2 | [g1.ctx g3.ctx] n=2 t~ | g3.ctx <- vers.read from domctl; sends vers.value(vers=0x10002,tmp=0x10002) to domctl
        14 | getRegs.begin     | gate.publish           | *membership.lock  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | domctl <- vers.value(vers=0x10002,tmp=0x10002) from g3.ctx; sends rw.write_lock(lock=ffa_ctx_list_rwlock) to vm_list
        15 | getRegs.begin     | *gate.membership.lock  | membership.lock   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g2.vcpu0 <- vers.ack from g2.ctx; sends rw.write_lock(lock=ffa_ctx_list_rwlock) to vm_list
        16 | getRegs.begin     | gate.membership.lock   | membership.lock   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=2 ~ | vm_list <- vm.ghost.begin from g1.vcpu0; sends vm.ack to g1.vcpu0
        17 | *getRegs.tagOut   | gate.membership.lock   | membership.lock   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.vcpu0 <- vm.ack from vm_list; sends vm.tag.read to vm_list
        18 | getRegs.tagOut    | gate.membership.lock   | membership.lock   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=2 ~ | vm_list <- rw.write_lock(lock=ffa_ctx_list_rwlock) from domctl; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=write) to domctl
        19 | getRegs.tagOut    | gate.membership.lock   | *membership.count | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | domctl <- rw.granted(lock=ffa_ctx_list_rwlock,mode=write) from vm_list; sends vm.count.dec to vm_list
        20 | getRegs.tagOut    | gate.membership.lock   | membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=2 ~ | vm_list <- rw.write_lock(lock=ffa_ctx_list_rwlock) from g2.vcpu0
        21 | getRegs.tagOut    | gate.membership.lock   | membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=2 ~ | vm_list <- vm.tag.read from g1.vcpu0; sends vm.value(value=1) to g1.vcpu0
        22 | *getRegs.count    | gate.membership.lock   | membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=2 t~ | g1.vcpu0 <- vm.value(value=1) from vm_list; sends vm.count.read to vm_list
        23 | getRegs.count     | gate.membership.lock   | membership.count  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=1 ~ | vm_list <- vm.count.dec from domctl; sends vm.ack to domctl
        24 | getRegs.count     | gate.membership.lock   | *membership.list  | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=1 t~ | domctl <- vm.ack from vm_list; sends vm.list.del(ctx=g3.ctx) to vm_list
        25 | getRegs.count     | gate.membership.lock   | membership.list   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g3.ctx] n=1 ~ | vm_list <- vm.count.read from g1.vcpu0; sends vm.value(value=1) to g1.vcpu0
        26 | *getRegs.readLock | gate.membership.lock   | membership.list   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g3.ctx] n=1 t~ | g1.vcpu0 <- vm.value(value=1) from vm_list; sends rw.read_lock(lock=ffa_ctx_list_rwlock) to vm_list
        27 | getRegs.readLock  | gate.membership.lock   | membership.list   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx] n=1 tag=3 W~ | vm_list <- vm.list.del(ctx=g3.ctx) from domctl; sends vm.ack to domctl
        28 | getRegs.readLock  | gate.membership.lock   | *membership.tag   | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx] n=1 tag=3 W=~ | domctl <- vm.ack from vm_list; sends vm.tag.inc to vm_list
        29 | getRegs.readLock  | gate.membership.lock   | membership.tag    | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx] n=1 tag=3 W~ | vm_list <- rw.read_lock(lock=ffa_ctx_list_rwlock) from g1.vcpu0
        30 | getRegs.readLock  | gate.membership.lock   | membership.tag    | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx] n=1 tag=4 W~ | vm_list <- vm.tag.inc from domctl; sends vm.ack to domctl
        31 | getRegs.readLock  | gate.membership.lock   | *dead             | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx] n=1 tag=4 W=~ | domctl <- vm.ack from vm_list; sends rw.write_unlock(lock=ffa_ctx_list_rwlock) to vm_list, vers.teardown to g3.ctx
        32 | getRegs.readLock  | gate.membership.lock   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx] n=1 tag=4 W~ | vm_list <- rw.write_unlock(lock=ffa_ctx_list_rwlock) from domctl; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=write) to g2.vcpu0
        33 | getRegs.readLock  | *gate.membership.count | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx] n=1 tag=4 W=~ | g2.vcpu0 <- rw.granted(lock=ffa_ctx_list_rwlock,mode=write) from vm_list; sends vm.count.inc to vm_list
        34 | getRegs.readLock  | gate.membership.count  | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx] n=2 tag=4 W~ | vm_list <- vm.count.inc from g2.vcpu0; sends vm.ack to g2.vcpu0
        35 | getRegs.readLock  | *gate.membership.list  | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx] n=2 tag=4 W=~ | g2.vcpu0 <- vm.ack from vm_list; sends vm.list.add(ctx=g2.ctx) to vm_list
        36 | getRegs.readLock  | gate.membership.list   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g2.ctx] n=2 ~ | vm_list <- vm.list.add(ctx=g2.ctx) from g2.vcpu0; sends vm.ack to g2.vcpu0
        37 | getRegs.readLock  | *gate.membership.tag   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g2.ctx] n=2 t~ | g2.vcpu0 <- vm.ack from vm_list; sends vm.tag.inc to vm_list
        38 | getRegs.readLock  | gate.membership.tag    | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g2.ctx] n=2 ~ | vm_list <- vm.tag.inc from g2.vcpu0; sends vm.ack to g2.vcpu0
        39 | getRegs.readLock  | *done                  | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g2.ctx] n=2 t~ | g2.vcpu0 <- vm.ack from vm_list; sends rw.write_unlock(lock=ffa_ctx_list_rwlock) to vm_list, spin.release(lock=ctx.guest_vers_lock) to g2.ctx
        40 | getRegs.readLock  | done                   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g2.ctx] n=2 ~ | vm_list <- rw.write_unlock(lock=ffa_ctx_list_rwlock) from g2.vcpu0; sends rw.granted(lock=ffa_ctx_list_rwlock,mode=read) to g1.vcpu0
        41 | *getRegs.walk     | done                   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g2.ctx] n=2 t~ | g1.vcpu0 <- rw.granted(lock=ffa_ctx_list_rwlock,mode=read) from vm_list; sends vm.list.walk to vm_list
        42 | getRegs.walk      | done                   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g2.ctx] n=2 ~ | vm_list <- vm.list.walk from g1.vcpu0; sends vm.list to g1.vcpu0
        43 | *getRegs.tagEnd   | done                   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g2.ctx] n=2 t~ | g1.vcpu0 <- vm.list from vm_list; sends rw.read_unlock(lock=ffa_ctx_list_rwlock) to vm_list, vm.tag.read to vm_list
        44 | getRegs.tagEnd    | done                   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g2.ctx] n=2 ~ | vm_list <- rw.read_unlock(lock=ffa_ctx_list_rwlock) from g1.vcpu0
        45 | getRegs.tagEnd    | done                   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | *[g1.ctx g2.ctx] n=2 ~ | vm_list <- vm.tag.read from g1.vcpu0; sends vm.value(value=1) to g1.vcpu0
       !46 | *done             | done                   | dead              | vers=1.2 tmp=1.2  | vers=1.2 tmp=1.2 gues~ | vers=1.2 tmp=1.2  | [g1.ctx g2.ctx] n=2 t~ | g1.vcpu0 <- vm.value(value=1) from vm_list; sends vm.ghost.check(total=1,tag=1) to vm_list
      ! assertion failed in actor 'g1.vcpu0': GET_REGS SUCCESS with last_index > total_count - 1"
    `);
  });

  it('should give every catalogue entry its expected verdict', () => {
    expect(c4Entries.map((e) => e.key)).toEqual(['C4/buggy/join', 'C4/fixed/join', 'C4/buggy/churn', 'C4/fixed/churn', 'C4/fixed/aba']);
    for (const e of c4Entries) {
      const result = explore(e.build(), e.explore ?? {});
      expect(result.verdict, e.key).toBe(e.expected.verdict);
      if (e.expected.verdict === 'violation') expect(result.violations.map((x) => x.kind), e.key).toContain(e.expected.kind);
    }
  });
});

describe('C4 variants differ only where 500ee5fe did', () => {
  it('in the vCPU: the membership block of ffa_negotiate_version, and the tag_end re-read of GET_REGS', () => {
    const buggy = partinfoVcpuMachine({ perVmNegotiation: true, coherentMembership: false, publishAfterList: false }).config;
    const fixed = partinfoVcpuMachine({ perVmNegotiation: true, coherentMembership: true, publishAfterList: false }).config;
    expect(configDiff(buggy, fixed)).toMatchInlineSnapshot(`
      [
        "id",
        "states.gate.states.membership.initial",
        "states.gate.states.membership.states.count.on.vm.ack",
        "states.gate.states.membership.states.done.entry",
        "states.gate.states.membership.states.list.on.vm.ack",
        "states.gate.states.membership.states.lock.on.rw.granted",
        "states.gate.states.membership.states.unlock",
        "states.getRegs.states.tagEnd",
        "states.getRegs.states.walk.on.vm.list.actions.2",
        "states.getRegs.states.walk.on.vm.list.actions.3",
        "states.getRegs.states.walk.on.vm.list.actions.4",
        "states.getRegs.states.walk.on.vm.list.target",
      ]
    `);
  });

  it('in ffa_domain_teardown: only the membership block', () => {
    expect(configDiff(teardownMachine({ coherentMembership: false }).config, teardownMachine({ coherentMembership: true }).config)).toMatchInlineSnapshot(`
      [
        "id",
        "states.membership.initial",
        "states.membership.states.count.on.vm.ack",
        "states.membership.states.done.entry",
        "states.membership.states.list.on.vm.ack",
        "states.membership.states.lock.on.rw.granted",
        "states.membership.states.unlock",
      ]
    `);
  });
});
