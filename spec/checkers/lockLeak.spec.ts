import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { explore, replay, send, type SystemSpec } from '../../runtime/index.js';
import { lockLeak } from '../../runtime/checkers/index.js';
import { lockResources, spin, spinlockMachine } from '../../protocols/spinlock.js';
import { hypercallLock } from './models.js';

describe('lock leak', () => {
  it('should report a lock still held when the hypercall that took it returns', () => {
    const spec = { ...hypercallLock('leaky'), checkers: [lockLeak] };
    const result = explore(spec, { maxViolations: 10 });
    expect(result.violations.map((v) => v.message)).toEqual([
      "lock leak: cpu0 returned from hypercall 'PARTITION_INFO_GET' still holding rx_lock (guarded by ctx), taken in that hypercall",
    ]);
    expect(result.violations[0]?.report).toBe(
      [
        "lock leak in hypercall 'PARTITION_INFO_GET' on cpu0",
        '  still held: rx_lock at ctx',
        '  held when the hypercall began: (none)',
        '  the hypercall returned at: cpu0 <- spin.granted(lock=rx_lock) from ctx',
      ].join('\n'),
    );
    expect(replay(spec, result.violations[0]!.token).trace.findings.map((f) => f.kind)).toEqual(['lock-leak']);
  });

  it('should verify the balanced hypercall', () => {
    expect(explore({ ...hypercallLock('balanced'), checkers: [lockLeak] }).verdict).toBe('verified');
  });

  it('should report an actor without exec that finishes holding a lock', () => {
    const m = createMachine({
      id: 'cpu0',
      initial: 'idle',
      states: { idle: { on: { start: { target: 'w', actions: send('L', spin.acquire('L')) } } }, w: { on: { 'spin.granted': 'done' } }, done: { type: 'final' } },
    });
    const spec: SystemSpec = {
      name: 'finish-holding',
      actors: [
        { name: 'cpu0', machine: m },
        { name: 'L', machine: spinlockMachine('L', 'L'), daemon: true, resources: lockResources },
      ],
      initialMessages: [{ to: 'cpu0', event: { type: 'start' } }],
      checkers: [lockLeak],
    };
    expect(explore(spec).violations.map((v) => v.message)).toEqual(['lock leak: cpu0 finished still holding L (guarded by L)']);
  });
});
