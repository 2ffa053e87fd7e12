import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../runtime/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';

describe('dining philosophers with ticket-spinlock forks', () => {
  for (const n of [3, 4, 5]) {
    it(`should find the deadlock for N = ${n} and say who waits for which fork held by whom`, () => {
      const result = explore(diningPhilosophers({ n }));
      expect(result.verdict).toBe('violation');
      const [v] = result.violations;
      expect(v?.kind).toBe('deadlock');
      const phils = Array.from({ length: n }, (_, i) => `phil${i}`);
      expect(v?.deadlock?.cycle).toEqual([...phils, 'phil0']);
      for (let i = 0; i < n; i++) {
        expect(v?.message).toContain(`'phil${i}' waits for fork${(i + 1) % n} (held by phil${(i + 1) % n})`);
      }
      // BFS: each philosopher's start, grant, acquire-of-first-fork and second acquire; nothing shorter deadlocks.
      expect(v?.path).toHaveLength(4 * n);
    });

    it(`should verify the lock-ordered variant for N = ${n}: no deadlock, every philosopher eats`, () => {
      const result = explore(diningPhilosophers({ n, ordered: true }));
      expect(result.verdict).toBe('verified');
      expect(result.complete).toBe(true);
      expect(result.violations).toEqual([]);
    });
  }

  it('should give the same reachable state count under BFS and DFS', () => {
    const bfs = explore(diningPhilosophers({ n: 4, ordered: true }), { strategy: 'bfs' });
    const dfs = explore(diningPhilosophers({ n: 4, ordered: true }), { strategy: 'dfs' });
    expect(dfs.stats.states).toBe(bfs.stats.states);
    expect(dfs.stats.transitions).toBe(bfs.stats.transitions);
  });

  it('should call xstate once per (actor, local state, message), not once per global step', () => {
    const { stats } = explore(diningPhilosophers({ n: 5, ordered: true }));
    expect(stats.xstateCalls).toBeLessThan(stats.localStates + stats.messages * 10);
    expect(stats.memoHits).toBeGreaterThan(100 * stats.xstateCalls);
    expect(stats.memoHitRate).toBeGreaterThan(0.99);
  });

  it('should replay the deadlock token to the same deadlock, step for step', () => {
    const spec = diningPhilosophers({ n: 3 });
    const [v] = explore(spec).violations;
    const replayed = replay(spec, v!.token);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.fingerprintMatches).toBe(true);
    expect(replayed.trace.steps.map((s) => s.actor)).toEqual(v!.path.map((a) => spec.actors[a]!.name));
    expect(replayed.trace.findings.map((f) => f.message)).toEqual([v!.message]);
  });
});
