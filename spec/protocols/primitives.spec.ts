import { describe, expect, it } from 'vitest';
import { rw, rwlockMachine } from '../../protocols/rwlock.js';
import { atomic, atomicMachine, low, wrap } from '../../protocols/atomic.js';
import { domain, domainTableMachine, EINVAL, EPERM, ESRCH } from '../../protocols/domain.js';
import { rcu, rcuMachine } from '../../protocols/rcu.js';
import { irq, irqControllerMachine } from '../../protocols/irq.js';
import { timer, timerMachine } from '../../protocols/timer.js';
import { tasklet, taskletMachine } from '../../protocols/tasklet.js';
import { secureWorldMachine, smc } from '../../protocols/smc.js';
import { mem, memoryMachine } from '../../protocols/memory.js';
import { drive } from './drive.js';

describe('rwlock (queued, Xen fairness)', () => {
  it('should make a new reader wait behind a waiting writer, then admit it after the writer', () => {
    const l = drive(rwlockMachine('g', 'vm_list'));
    expect(l.take('r1', rw.readLock('vm_list')).sent).toEqual(['r1: rw.granted(lock=vm_list,mode=read)']);
    expect(l.take('w', rw.writeLock('vm_list')).sent).toEqual([]); // readers inside: the writer waits
    expect(l.take('r2', rw.readLock('vm_list')).sent).toEqual([]); // a writer waits: no new reader
    expect(l.take('r1', rw.readUnlock('vm_list')).sent).toEqual(['w: rw.granted(lock=vm_list,mode=write)']);
    expect(l.take('w', rw.writeUnlock('vm_list')).sent).toEqual(['r2: rw.granted(lock=vm_list,mode=read)']);
  });

  it('should admit consecutive queued readers together, and let an IRQ-context reader past a waiting writer', () => {
    const l = drive(rwlockMachine('g', 'L'));
    l.take('w1', rw.writeLock('L'));
    l.take('r1', rw.readLock('L'));
    l.take('r2', rw.readLock('L'));
    l.take('w2', rw.writeLock('L'));
    expect(l.take('w1', rw.writeUnlock('L')).sent).toEqual(['r1: rw.granted(lock=L,mode=read)', 'r2: rw.granted(lock=L,mode=read)']);
    expect(l.take('irq', rw.readLock('L', true)).sent).toEqual(['irq: rw.granted(lock=L,mode=read)']);
    expect(l.take('x', rw.writeUnlock('L')).failed).toEqual(['write_unlock of a rwlock this CPU does not write-hold']);
  });
});

describe('atomic counters', () => {
  it('should wrap at the declared width: the 16-bit partinfo tag returns to 0 after 65536 increments', () => {
    expect(wrap(65536, 16)).toBe(0);
    expect(low(0x1_0001, 16)).toBe(1);
    expect(wrap(2 ** 31, 32, true)).toBe(-(2 ** 31));
    const a = drive(atomicMachine('a', { tag: { width: 16, initial: 65535 } }));
    expect(a.take('cpu0', atomic.inc('tag')).sent).toEqual(['cpu0: atomic.value(name=tag,value=0,old=65535)']);
    expect(a.take('cpu0', atomic.cmpxchg('tag', 7, 9)).sent).toEqual(['cpu0: atomic.value(name=tag,value=0,old=0)']);
    expect(a.take('cpu0', atomic.cmpxchg('tag', 0, 9)).sent).toEqual(['cpu0: atomic.value(name=tag,value=9,old=0)']);
  });

  it('should flag signed overflow of an atomic_t declared overflow: assert', () => {
    const a = drive(atomicMachine('a', { n: { width: 32, signed: true, overflow: 'assert', initial: 2 ** 31 - 1 } }));
    expect(a.take('cpu0', atomic.inc('n')).failed).toEqual(['atomic counter overflow: the result leaves the declared range (undefined behaviour for a signed atomic_t)']);
  });
});

describe('domain table', () => {
  it("should answer lookups with Xen's -EPERM, -EINVAL and -ESRCH cases, and free the struct only via call_rcu", () => {
    const t = drive(domainTableMachine({ name: 'domtab', rcu: 'rcu', initial: [1, 2] }));
    const rc = (id: number, mode: 'any' | 'remote' | 'live_remote', current?: number) => t.take('cpu0', domain.lookup(id, mode, current)).sent;
    expect(rc(1, 'any', 1)).toEqual(['cpu0: domain.lookup.result(id=1,rc=0)']);
    expect(rc(1, 'remote', 1)).toEqual([`cpu0: domain.lookup.result(id=1,rc=${EPERM})`]);
    expect(rc(3, 'any')).toEqual([`cpu0: domain.lookup.result(id=3,rc=${ESRCH})`]);
    expect(t.take('cpu0', domain.get(1)).sent).toEqual(['cpu0: domain.ref(id=1,ok=true)']);
    expect(t.take('cpu1', domain.kill(1)).sent).toEqual(['cpu1: domain.killed(id=1,rc=0)']);
    expect(rc(1, 'live_remote', 2)).toEqual([`cpu0: domain.lookup.result(id=1,rc=${EINVAL})`]); // dying but still listed
    expect(rc(1, 'any')).toEqual(['cpu0: domain.lookup.result(id=1,rc=0)']); // rcu_lock_domain_by_id has no dying check
    expect(t.take('cpu0', domain.put(1)).sent).toEqual(['rcu: rcu.call(to=domtab)']); // the last ref: domain_destroy
    expect(rc(1, 'any')).toEqual([`cpu0: domain.lookup.result(id=1,rc=${ESRCH})`]);
    expect((t.context.heap as Record<string, { live: boolean }>)['domain:1']?.live).toBe(true); // not freed before the grace period
    t.take('rcu', { type: 'domain.complete_destroy', id: 1 });
    expect((t.context.heap as Record<string, { live: boolean; freedBy: string }>)['domain:1']).toEqual({ live: false, freedBy: 'domtab <- domain.complete_destroy(id=1) from rcu' });
    expect(t.take('cpu0', domain.get(1)).sent).toEqual(['cpu0: domain.ref(id=1,ok=false)']);
  });
});

describe('RCU', () => {
  it('should end a grace period only when every CPU reported a quiescent state, and make later callbacks wait for the next', () => {
    const r = drive(rcuMachine('rcu', ['cpu0', 'cpu1']));
    expect(r.take('cpu1', rcu.synchronize()).sent).toEqual(['cpu0: rcu.qs_request(gp=1)', 'cpu1: rcu.qs_request(gp=1)']);
    expect(r.take('x', rcu.call('domtab', { type: 'free' })).sent).toEqual([]); // during a grace period: waits for the next
    expect(r.take('cpu0', { type: 'rcu.quiescent', gp: 1 }).sent).toEqual([]);
    expect(r.take('cpu1', { type: 'rcu.quiescent', gp: 1 }).sent).toEqual(['cpu1: rcu.synchronized', 'cpu0: rcu.qs_request(gp=0)', 'cpu1: rcu.qs_request(gp=0)']);
    expect(r.take('cpu0', { type: 'rcu.quiescent', gp: 1 }).sent).toEqual([]); // a late answer is ignored
    r.take('cpu0', { type: 'rcu.quiescent', gp: 0 });
    expect(r.take('cpu1', { type: 'cpu.offline' }).sent).toEqual(['cpu1: cpu.offline_ack', 'domtab: free']);
  });
});

describe('IRQ controller', () => {
  it('should route SGIs to the named CPU and SPIs to their route, coalesce a second edge while active, and re-raise after EOI', () => {
    const g = drive(irqControllerMachine('gic', ['cpu0', 'cpu1']));
    expect(g.take('spmc', irq.trigger(8, 'cpu1')).sent).toEqual(['cpu1: irq.raise(irq=8,interleave.urgent=true)']);
    expect(g.take('spmc', irq.trigger(8, 'cpu1')).sent).toEqual([]);
    expect(g.take('spmc', irq.trigger(8, 'cpu1')).sent).toEqual([]); // one pending bit
    expect(g.take('cpu1', { type: 'irq.eoi', irq: 8 }).sent).toEqual(['cpu1: irq.raise(irq=8,interleave.urgent=true)']);
    expect(g.take('dev', irq.trigger(40)).sent).toEqual(['cpu0: irq.raise(irq=40,interleave.urgent=true)']);
    g.take('x', irq.route(41, 'cpu1'));
    expect(g.take('dev', irq.trigger(41)).sent).toEqual(['cpu1: irq.raise(irq=41,interleave.urgent=true)']);
    expect(g.take('cpu0', { type: 'cpu.offline' }).sent).toEqual(['cpu0: cpu.offline_ack']);
    expect(g.take('dev', irq.trigger(1, 'cpu0')).sent).toEqual([]);
  });
});

describe('timer, tasklet, SMC, memory', () => {
  it('should fire a set timer on its CPU once it expires, and not after stop_timer (more in timer.spec.ts)', () => {
    const t = drive(timerMachine('tm', 'cpu0'));
    expect(t.take('cpu1', timer.set()).sent).toEqual(['tm: timer.expire(gen=1)', 'cpu1: timer.ack(op=set,pending=false)']);
    expect(t.take('tm', { type: 'timer.expire', gen: 1 }).sent).toEqual(['cpu0: timer.fire(gen=1)']);
    t.take('cpu1', timer.set());
    t.take('cpu1', timer.stop());
    expect(t.take('tm', { type: 'timer.expire', gen: 2 }).sent).toEqual([]);
  });

  it('should queue a tasklet once, re-queue it when scheduled while running, and refuse a stale begin', () => {
    const t = drive(taskletMachine('t'));
    expect(t.take('cpu0', tasklet.schedule('cpu0')).sent).toEqual(['cpu0: tasklet.run']);
    expect(t.take('cpu0', tasklet.schedule('cpu0')).sent).toEqual([]); // already queued there
    expect(t.take('cpu0', { type: 'tasklet.begin' }).sent).toEqual(['cpu0: tasklet.go']);
    expect(t.take('cpu1', tasklet.schedule('cpu1')).sent).toEqual([]); // running: not queued
    expect(t.take('cpu1', { type: 'tasklet.begin' }).sent).toEqual(['cpu1: tasklet.stale']);
    expect(t.take('cpu0', { type: 'tasklet.done' }).sent).toEqual(['cpu1: tasklet.run']);
  });

  it('should answer an SMC with one result', () => {
    const s = drive(secureWorldMachine('spmc', { calls: 0 }, (c) => ({ context: { calls: c.calls + 1 }, result: { ret: 'SUCCESS' }, sends: [{ to: 'gic', event: irq.trigger(8, 'cpu1') }] })));
    expect(s.take('cpu0', smc.call('PARTITION_INFO_GET')).sent).toEqual(['cpu0: smc.result(fid=PARTITION_INFO_GET,ret=SUCCESS)', 'gic: irq.trigger(irq=8,cpu=cpu1)']);
    expect(s.context.calls).toBe(1);
  });

  it('should flag a double free', () => {
    const m = drive(memoryMachine('buf', { buf: { len: 0 } }));
    m.take('cpu0', mem.free('buf'));
    expect(m.take('cpu1', mem.free('buf')).failed).toEqual(['double free (or free of an object never allocated)']);
  });
});
