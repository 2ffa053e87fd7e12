/**
 * Every protocol, for `import { ... } from 'interleave-explorer/protocols'`: the kernel and Xen
 * primitives as message protocols between actors (each file cites the code it follows), and
 * the helpers models are written with (program.ts: straight-line CPUs and lock guards).
 */
export * from './atomic.js';
export * from './completion.js';
export * from './cpu.js';
export * from './domain.js';
export * from './hotplug.js';
export * from './irq.js';
export * from './litmus.js';
export * from './memory.js';
export * from './mutex.js';
export * from './program.js';
export * from './rcu.js';
export * from './rwlock.js';
export * from './rwsem.js';
export * from './seqlock.js';
export * from './smc.js';
export * from './spinlock.js';
export * from './tasklet.js';
export * from './timer.js';
export * from './weakMemory.js';
export * from './weakMemoryCore.js';
export * from './workqueue.js';
