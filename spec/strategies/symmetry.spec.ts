import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Exploration } from '../../runtime/explorer.js';
import { replay } from '../../runtime/replay.js';
import { SymmetricSearch, exploreSymmetric } from '../../runtime/strategies/symmetry.js';
import { runStrategy } from '../../runtime/strategies/index.js';
import type { SystemSpec } from '../../runtime/system.js';
import { actorName, blueprintArb, buildSystem, type ActorBlueprint } from './randomSystems.js';
import { c1System, c1VcpuName } from '../../scenarios/c1.js';
import { endStates, violationKeys } from './outcomes.js';

const SEED = 20240604;
const ALL = { maxViolations: 100_000 };

/** Every ordering of `names`. */
function orderings(names: string[]): string[][] {
  if (names.length <= 1) return [names];
  return names.flatMap((x, i) => orderings([...names.slice(0, i), ...names.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** The smallest renaming of `text` over all permutations of the group: one string per orbit. */
function orbitKey(text: string, group: string[]): string {
  const pattern = new RegExp(`\\b(${group.join('|')})\\b`, 'g');
  let best: string | undefined;
  for (const order of orderings(group)) {
    const map = new Map(group.map((g, i) => [g, order[i] as string]));
    // A deadlock sentence lists blocked actors in actor order, one "; '<actor>' ..." clause
    // each: sort the clauses so that renaming does not change their order.
    const renamed = text
      .replace(pattern, (m) => map.get(m) ?? m)
      .replace(", and '", "; '")
      .replace(/\.$/, '')
      .split("; '")
      .sort()
      .join("; '");
    if (best === undefined || renamed < best) best = renamed;
  }
  return best as string;
}

describe('symmetry', () => {
  it('should verify C1 fixed with four interchangeable guests in far fewer states, and find the buggy ASSERT with a replayable token', () => {
    const guests = [1, 2, 3, 4].map(c1VcpuName);
    const fixed = c1System({ variant: 'fixed', guests: 4 });
    const full = runStrategy('bfs', fixed);
    const sym = runStrategy('symmetry', { ...fixed, symmetric: [guests] });
    expect(sym.verdict).toBe('verified');
    expect(full.verdict).toBe('verified');
    expect(sym.stats.states).toBeLessThan(full.stats.states / 10);
    console.log(`C1 fixed 4 guests: full ${full.stats.states} states, symmetry ${sym.stats.states}`);
    const buggy = { ...c1System({ variant: 'buggy', guests: 4 }), symmetric: [guests] };
    const r = runStrategy('symmetry', buggy);
    expect(r.verdict).toBe('violation');
    const [v] = r.violations;
    expect(v?.kind).toBe('assertion');
    const replayed = replay(buggy, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.trace.findings.map((f) => f.message)).toContain(v!.message);
  });

  it(`should find the same violations, deadlocks and terminal states as full search up to renaming the group (seed ${SEED})`, () => {
    console.log(`symmetry property seed: ${SEED}`);
    fc.assert(
      fc.property(blueprintArb({ symmetric: true }), (bp) => {
        const spec = buildSystem(bp);
        const group = Array.from({ length: bp.groupSize }, (_, i) => actorName(i));
        const ex = new Exploration(spec, ALL);
        while (!ex.done) ex.advance(Number.MAX_SAFE_INTEGER);
        const sym = new SymmetricSearch(spec, ALL);
        const r = sym.run();
        const orbits = (xs: string[]): string[] => [...new Set(xs.map((x) => orbitKey(x, group)))].sort();
        expect(orbits(violationKeys(r))).toEqual(orbits(violationKeys(ex.result())));
        const fullEnds = endStates(ex.kernel, ex.store);
        const symEnds = endStates(sym.kernel, sym.store);
        const states = (xs: string[]): string[] => [...new Set(xs.map((x) => stateOrbit(x, group)))].sort();
        expect(states(symEnds.deadlocks)).toEqual(states(fullEnds.deadlocks));
        expect(states(symEnds.terminals)).toEqual(states(fullEnds.terminals));
        expect(r.stats.states).toBeLessThanOrEqual(ex.result().stats.states);
        // Every violation replays from its token.
        for (const v of r.violations) expect(replay(spec, v.token).trace.findings.map((f) => f.message)).toContain(v.message);
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('should store fewer states than full search on a symmetric dining-style system and keep its verdict', () => {
    const spec: SystemSpec = buildSystem({
      actors: [0, 1, 2].map((): ActorBlueprint => ({
        daemon: false,
        final: 2,
        rules: [
          [{ kind: 'handle', next: 1, sends: [{ to: { kind: 'actor', actor: 3 }, type: 0, carry: false }], fail: false, remember: false }],
          [{ kind: 'handle', next: 2, sends: [{ to: { kind: 'actor', actor: 3 }, type: 0, carry: true }], fail: false, remember: false }],
          [{ kind: 'ignore' }],
        ],
      })).concat([<ActorBlueprint>{ daemon: true, final: null, rules: [[{ kind: 'handle', next: 0, sends: [{ to: { kind: 'sender' }, type: 0, carry: false }], fail: false, remember: true }], [{ kind: 'ignore' }], [{ kind: 'ignore' }]] }]),
      messageTypes: 1,
      initial: [0, 1, 2].map((to) => ({ to, type: 0 })),
      mailboxBound: 6,
      groupSize: 3,
      forbidden: null,
    });
    const full = runStrategy('bfs', spec);
    const sym = exploreSymmetric(spec);
    expect(sym.verdict).toBe(full.verdict);
    expect(sym.stats.states).toBeLessThan(full.stats.states);
    console.log(`symmetric 3+1: full ${full.stats.states} states, symmetry ${sym.stats.states}`);
  });
});

/**
 * A state description (an array by actor slot) up to permuting the group: each permutation
 * moves the members' slots and renames them inside; the smallest result names the orbit.
 */
function stateOrbit(description: string, group: string[]): string {
  const slots = (JSON.parse(description) as unknown[]).map((x) => JSON.stringify(x));
  const pattern = new RegExp(`\\b(${group.join('|')})\\b`, 'g');
  let best: string | undefined;
  for (const order of orderings(group.map((_, i) => String(i)))) {
    const map = new Map(group.map((g, i) => [g, group[Number(order[i])] as string]));
    const renamed = slots.map((x) => x.replace(pattern, (m) => map.get(m) ?? m));
    const moved = [...renamed];
    group.forEach((_, i) => (moved[Number(order[i])] = renamed[i] as string));
    const key = `[${moved.join(',')}]`;
    if (best === undefined || key < best) best = key;
  }
  return best as string;
}
