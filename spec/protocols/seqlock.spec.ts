/**
 * Seqlocks (linux include/linux/seqlock.h): readers retry, so what a reader accepts is never a
 * torn pair, although what it reads may be; as outcome sets, and step by step.
 */
import { assign } from 'xstate';
import { describe, expect, it } from 'vitest';
import { findDataRaces } from '../../runtime/checkers/index.js';
import { send, type Message } from '../../runtime/model.js';
import type { SystemSpec } from '../../runtime/system.js';
import { cpuMachine, lock, unlock } from '../../protocols/cpu.js';
import { MEM_VALUE, mem, memoryLabel, memoryMachine } from '../../protocols/memory.js';
import { SEQ_RETRIED, SEQ_START, seq, seqAccess, seqlockLabel, seqlockMachine, seqlockResources } from '../../protocols/seqlock.js';
import { SPIN_GRANTED } from '../../protocols/spinlock.js';
import { drive } from './drive.js';
import { outcomeSet } from './outcomes.js';

type Args = { context: Record<string, number>; event: Message };

/**
 * cpu1 (writer) sets data.x then data.y to 1 under write_seqlock; cpu0 (reader) reads x and y in
 * a read_seqbegin/read_seqretry loop (`check: false`: it accepts what it read without retrying;
 * `marked: false`: plain reads) and stores what it accepted in `seen`.
 */
function pair(options: { check?: boolean; marked?: boolean } = {}): SystemSpec {
  const { check = true, marked = true } = options;
  const read = marked ? seqAccess.read : mem.read;
  const accept = send('data', ({ context }: Args) => mem.write('seen', 'xy', `${context.x}${context.y}`));
  const reader = cpuMachine({
    id: 'cpu0',
    context: { start: 0, x: 0, y: 0 },
    program: {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'begin', actions: send('sl', seq.begin('SL')) } } },
        begin: { on: { [SEQ_START]: { target: 'rx', actions: [assign({ start: ({ event }: Args) => Number(event.seq) }), send('data', read('data', 'x'))] } } },
        rx: { on: { [MEM_VALUE]: { target: 'ry', actions: [assign({ x: ({ event }: Args) => Number(event.value) }), send('data', read('data', 'y'))] } } },
        ry: {
          on: {
            [MEM_VALUE]: check
              ? { target: 'check', actions: [assign({ y: ({ event }: Args) => Number(event.value) }), send('sl', ({ context }: Args) => seq.retry('SL', Number(context.start)))] }
              : { target: 'done', actions: [assign({ y: ({ event }: Args) => Number(event.value) }), accept] },
          },
        },
        check: {
          on: {
            [SEQ_RETRIED]: [
              { guard: ({ event }: Args) => event.retry === true, target: 'begin', actions: send('sl', seq.begin('SL')) },
              { target: 'done', actions: accept },
            ],
          },
        },
        done: { type: 'final' },
      },
    },
  });
  const write = marked ? seqAccess.write : mem.write;
  const writer = cpuMachine({
    id: 'cpu1',
    program: {
      initial: 'idle',
      states: {
        idle: { on: { start: { target: 'locking', actions: lock('sl', 'SL') } } },
        locking: { on: { [SPIN_GRANTED]: { target: 'between', actions: [send('data', write('data', 'x', 1)), send('cpu1', { type: 'next' })] } } },
        between: { on: { next: { target: 'done', actions: [send('data', write('data', 'y', 1)), unlock('sl', 'SL')] } } },
        done: { type: 'final' },
      },
    },
  });
  return {
    name: `seqlock${check ? '' : '-nocheck'}${marked ? '' : '-plain'}`,
    actors: [
      { name: 'cpu0', machine: reader },
      { name: 'cpu1', machine: writer },
      { name: 'sl', machine: seqlockMachine('sl', 'SL'), daemon: true, resources: seqlockResources, label: seqlockLabel },
      { name: 'data', machine: memoryMachine('data', { data: { x: 0, y: 0 }, seen: { xy: '' } }), daemon: true, label: memoryLabel },
    ],
    initialMessages: [
      { to: 'cpu0', event: { type: 'start' } },
      { to: 'cpu1', event: { type: 'start' } },
    ],
  };
}

const seen = (finals: string[]): string[] => [...new Set(finals.map((f) => /seen\{xy=(\d\d)\}/.exec(f)?.[1] ?? '?'))].sort();

describe('seqlock', () => {
  it('a reader that checks read_seqretry accepts only the pair before or after the write (it may retry)', () => {
    const o = outcomeSet(pair(), ['data']);
    expect(o.violations).toEqual([]);
    expect(seen(o.finals)).toEqual(['00', '11']);
  });

  it('a reader that skips read_seqretry can accept a torn pair', () => {
    expect(seen(outcomeSet(pair({ check: false }), ['data']).finals)).toEqual(['00', '01', '10', '11']);
  });

  it("is no data race with the section's accesses marked; plain accesses to the same fields race", () => {
    expect(findDataRaces(pair()).verdict).toBe('verified');
    expect(findDataRaces(pair({ marked: false })).violations.map((v) => `${v.obj}.${v.field}`)).toContain('data.x');
  });

  it('step by step: readers wait for an even count, a retry is due when the count moved', () => {
    const d = drive(seqlockMachine('sl', 'SL'));
    expect(d.take('r', seq.begin('SL')).sent).toEqual(['r: seq.start(lock=SL,seq=0)']);
    expect(d.take('w', { type: 'spin.acquire', lock: 'SL' }).sent).toEqual(['w: spin.granted(lock=SL)']);
    expect(d.take('r', seq.begin('SL')).sent).toEqual([]); // odd: the reader spins
    expect(d.take('r', seq.retry('SL', 0)).sent).toEqual(['r: seq.retried(lock=SL,retry=true)']);
    expect(d.take('w', { type: 'spin.release', lock: 'SL' }).sent).toEqual(['r: seq.start(lock=SL,seq=2)']);
    expect(d.take('r', seq.retry('SL', 2)).sent).toEqual(['r: seq.retried(lock=SL,retry=false)']);
  });
});
