/**
 * Systems with checkers for the parallel search's specs: each worker thread builds them from
 * this module (checkers are functions, so they travel as the module that makes them).
 *
 * - `lockdep`: dining philosophers with lockdep, a checker whose findings depend on every
 *   transition it saw (its dependency graph), so a clean parallel pass is confirmed by one thread;
 * - `quiet`: with a per-transition checker that never fires (the parallel pass gives the result);
 * - `flag`: with a per-transition checker that fires when the last philosopher is granted its
 *   second fork (the parallel pass finds it; one thread's bfs reports it).
 */
import { createMachine } from 'xstate';
import { lockdep } from '../../runtime/checkers/index.js';
import { send } from '../../runtime/model.js';
import type { CheckerFactory } from '../../runtime/checkers/Checker.js';
import type { SystemSpec } from '../../runtime/system.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';

export type CheckedKind = 'lockdep' | 'quiet' | 'flag';

export function diningChecked({ n, ordered, kind }: { n: number; ordered: boolean; kind: CheckedKind }): SystemSpec {
  const base = diningPhilosophers({ n, ordered });
  const last = `phil${n - 1}`;
  const quiet: CheckerFactory = () => ({ name: 'quiet', onTransition: () => [] });
  const flag: CheckerFactory = () => ({
    name: 'flag',
    onTransition: (e) => {
      const holds = (fork: string): boolean => e.after.resources(fork).some((r) => r.heldBy.includes(last));
      return holds(`fork${n - 1}`) && holds('fork0') ? [{ kind: 'assertion', message: `${last} holds both its forks` }] : [];
    },
  });
  return { ...base, checkers: [kind === 'lockdep' ? lockdep : kind === 'quiet' ? quiet : flag] };
}

/**
 * `actors` counters, each stepping around a ring of `length` states by sending itself `tick`:
 * a torus of states where a state has paths of many lengths, so a depth-first order finds
 * states too deep first (for the depth correction of the parallel search).
 */
export function rings({ actors, length }: { actors: number; length: number }): SystemSpec {
  const ring = (name: string) =>
    createMachine({
      initial: 's0',
      states: Object.fromEntries(Array.from({ length }, (_, i) => [`s${i}`, { on: { tick: { target: `s${(i + 1) % length}`, actions: send(name, { type: 'tick' }) } } }])),
    });
  const names = Array.from({ length: actors }, (_, i) => `ring${i}`);
  return {
    name: `rings-${actors}x${length}`,
    actors: names.map((name) => ({ name, machine: ring(name) })),
    initialMessages: names.map((to) => ({ to, event: { type: 'tick' } })),
  };
}
