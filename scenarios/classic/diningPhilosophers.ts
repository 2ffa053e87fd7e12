/**
 * Dining philosophers with ticket-spinlock forks: the classic deadlock, as a benchmark and a
 * test of the engine. Philosopher i takes fork i then fork (i+1) mod n, eats once, and puts
 * both down. With `ordered`, every philosopher takes the lower-numbered fork first (a global
 * lock order), which removes the deadlock.
 *
 * Each fork is an actor owning one lock (`fork<i>`); see protocols/spinlock.ts.
 */
import { createMachine } from 'xstate';
import { send } from '../../runtime/model.js';
import type { SystemSpec } from '../../runtime/system.js';
import { SPIN_GRANTED, lockLabel, lockResources, spin, spinlockMachine } from '../../protocols/spinlock.js';

export interface PhilosophersOptions {
  /** Number of philosophers and forks. */
  n: number;
  /** Take the lower-numbered fork first (no deadlock). */
  ordered?: boolean;
}

function philosopher(i: number, first: number, second: number) {
  const fork = (k: number): string => `fork${k}`;
  return createMachine({
    id: `phil${i}`,
    initial: 'thinking',
    states: {
      thinking: { on: { start: { target: 'waitFirst', actions: send(fork(first), spin.acquire(fork(first))) } } },
      waitFirst: { on: { [SPIN_GRANTED]: { target: 'waitSecond', actions: send(fork(second), spin.acquire(fork(second))) } } },
      waitSecond: {
        on: {
          [SPIN_GRANTED]: {
            target: 'done',
            actions: [send(fork(second), spin.release(fork(second))), send(fork(first), spin.release(fork(first)))],
          },
        },
      },
      done: { type: 'final' },
    },
  });
}

export function diningPhilosophers({ n, ordered = false }: PhilosophersOptions): SystemSpec {
  const actors = [];
  for (let i = 0; i < n; i++) {
    const left = i;
    const right = (i + 1) % n;
    const [first, second] = ordered ? [Math.min(left, right), Math.max(left, right)] : [left, right];
    actors.push({ name: `phil${i}`, machine: philosopher(i, first, second) });
  }
  for (let i = 0; i < n; i++) {
    actors.push({ name: `fork${i}`, machine: spinlockMachine(`fork${i}`, `fork${i}`), daemon: true, resources: lockResources, label: lockLabel });
  }
  return {
    name: `dining-philosophers-${n}${ordered ? '-ordered' : ''}`,
    actors,
    initialMessages: Array.from({ length: n }, (_, i) => ({ to: `phil${i}`, event: { type: 'start' } })),
  };
}
