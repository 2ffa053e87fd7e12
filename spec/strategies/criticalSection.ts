/**
 * A model whose bug needs exactly `preemptions` (1 or 2) preemptions, for the preemption-bounding
 * and shrinking specs.
 *
 * The writer has `preemptions + 1` messages in its mailbox from the start and, one per step,
 * tells the monitor `lock`, (`mark`,) `unlock`. Each reader, on `go`, tells the monitor `read`.
 * The monitor asserts that no read lands inside the writer's critical section (with 2: that
 * no two reads land there, one before and one after the `mark`). The writer stays enabled
 * between its steps, so putting a reader's step in between is a preemption: the bug needs one
 * per read inside.
 */
import { createMachine } from 'xstate';
import { assertThat, send, type SystemSpec } from '../../runtime/index.js';

export function criticalSection(preemptions: 1 | 2): SystemSpec {
  const steps = preemptions === 1 ? ['lock', 'unlock'] : ['lock', 'mark', 'unlock'];
  const writerStates: Record<string, object> = {};
  steps.forEach((what, i) => {
    writerStates[`w${i}`] = { on: { step: { target: i + 1 < steps.length ? `w${i + 1}` : 'done', actions: send('monitor', { type: what }) } } };
  });
  writerStates.done = { type: 'final' };
  const writer = createMachine({ id: 'writer', initial: 'w0', states: writerStates });
  const reader = (name: string) =>
    createMachine({ id: name, initial: 'idle', states: { idle: { on: { go: { target: 'done', actions: send('monitor', { type: 'read' }) } } }, done: { type: 'final' } } });
  const fail = assertThat(() => false, preemptions === 1 ? 'a read inside the critical section' : 'reads on both sides of the mark inside the critical section');
  const monitor = createMachine({
    id: 'monitor',
    initial: 'idle',
    // Every message is handled in every state; the states below override what matters.
    on: { read: {}, mark: {}, lock: { target: '.locked' }, unlock: { target: '.idle' } },
    states:
      preemptions === 1
        ? { idle: {}, locked: { on: { read: { actions: fail } } } }
        : { idle: {}, locked: { on: { read: { target: 'readBefore' }, mark: { target: 'marked' } } }, readBefore: { on: { mark: { target: 'markedAfterRead' } } }, marked: {}, markedAfterRead: { on: { read: { actions: fail } } } },
  });
  const readers = preemptions === 1 ? ['reader1'] : ['reader1', 'reader2'];
  return {
    name: `critical-section-${preemptions}`,
    actors: [
      { name: 'writer', machine: writer },
      ...readers.map((name) => ({ name, machine: reader(name) })),
      { name: 'monitor', machine: monitor, daemon: true },
    ],
    initialMessages: [...steps.map(() => ({ to: 'writer', event: { type: 'step' } })), ...readers.map((to) => ({ to, event: { type: 'go' } }))],
  };
}
