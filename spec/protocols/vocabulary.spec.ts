/**
 * The message vocabulary has one owner per protocol family (issue 9 item 5): a message name is
 * spelled once, in the module that owns it, and every other module imports it. The old import
 * paths (`protocols/cpu.js` for the tasklet, timer, RCU, IRQ and hotplug names) keep working.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as conventions from '../../runtime/checkers/conventions.js';
import * as cpu from '../../protocols/cpu.js';
import * as hotplug from '../../protocols/hotplug.js';
import * as irq from '../../protocols/irq.js';
import * as rcu from '../../protocols/rcu.js';
import * as rwlock from '../../protocols/rwlock.js';
import * as mutexes from '../../protocols/mutex.js';
import * as rwsems from '../../protocols/rwsem.js';
import * as spinlock from '../../protocols/spinlock.js';
import * as tasklet from '../../protocols/tasklet.js';
import * as timer from '../../protocols/timer.js';

const root = join(import.meta.dirname, '..', '..');
const sources = ['protocols', 'runtime/checkers'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `${dir}/${f}`, text: readFileSync(join(root, dir, f), 'utf8') })),
);
/** Every `export const NAME = 'family.message'` in the protocol and checker modules. */
const declarations = sources.flatMap(({ file, text }) => [...text.matchAll(/export const ([A-Z_0-9]+) = '([a-z_]+\.[a-z_.]+)'/g)].map((m) => ({ file, name: m[1] as string, value: m[2] as string })));

describe('message vocabulary', () => {
  it('should declare each message name in exactly one module', () => {
    const owners = new Map<string, string[]>();
    for (const d of declarations) owners.set(d.value, [...(owners.get(d.value) ?? []), d.file]);
    const twice = [...owners].filter(([, files]) => files.length > 1);
    expect(declarations.length).toBeGreaterThan(30);
    expect(twice).toEqual([]);
  });

  it('should spell no declared message name as a literal outside its owner', () => {
    const names = new Set(declarations.map((d) => d.value));
    const literals = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/type: '([a-z_]+\.[a-z_.]+)'/g)].filter((m) => names.has(m[1] as string)).map((m) => `${file}: ${m[1]}`),
    );
    expect(literals).toEqual([]);
  });

  it('should let cpu.ts own no tasklet, timer, RCU, IRQ or hotplug name, and keep its old exports working', () => {
    const cpuText = sources.find((s) => s.file === 'protocols/cpu.ts')?.text ?? '';
    expect(cpuText).not.toMatch(/export const [A-Z_]+ = '/);
    expect(cpu.TASKLET_RUN).toBe(tasklet.TASKLET_RUN);
    expect(cpu.TASKLET_DONE).toBe(tasklet.TASKLET_DONE);
    expect(cpu.TIMER_FIRE).toBe(timer.TIMER_FIRE);
    expect(cpu.RCU_QS_REQUEST).toBe(rcu.RCU_QS_REQUEST);
    expect(cpu.RCU_QUIESCENT).toBe(rcu.RCU_QUIESCENT);
    expect(cpu.IRQ_RAISE).toBe(irq.IRQ_RAISE);
    expect(cpu.IRQ_REGISTER).toBe(irq.IRQ_REGISTER);
    expect(cpu.CPU_OFFLINE).toBe(hotplug.CPU_OFFLINE);
  });

  it('should have checkers and lock protocols share one lock vocabulary', () => {
    expect(spinlock.SPIN_ACQUIRE).toBe(conventions.SPIN_ACQUIRE);
    expect(spinlock.spin).toBe(conventions.spin);
    expect(rwlock.rw).toBe(conventions.rw);
    expect(conventions.LOCK_ACQUIRE).toEqual([spinlock.SPIN_ACQUIRE, rwlock.RW_READ_LOCK, rwlock.RW_WRITE_LOCK, mutexes.MUTEX_LOCK, rwsems.RWSEM_DOWN_READ, rwsems.RWSEM_DOWN_WRITE]);
    expect(mutexes.mutex).toBe(conventions.mutex);
    expect(rwsems.rwsem).toBe(conventions.rwsem);
    expect(conventions.isAcquire(spinlock.spin.acquireNested('L', 1))).toBe(true);
    expect(conventions.isRelease(rwlock.rw.writeUnlock('L'))).toBe(true);
  });
});
