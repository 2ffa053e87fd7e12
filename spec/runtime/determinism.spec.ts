import { describe, expect, it } from 'vitest';
import { explore, formatTrace, replay } from '../../runtime/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';

describe('determinism', () => {
  it('should give identical reports for two runs of the same model', () => {
    for (const strategy of ['bfs', 'dfs'] as const) {
      const a = explore(diningPhilosophers({ n: 4 }), { strategy, maxViolations: 5 });
      const b = explore(diningPhilosophers({ n: 4 }), { strategy, maxViolations: 5 });
      expect(b).toEqual(a);
      const ta = a.violations.map((v) => formatTrace(replay(diningPhilosophers({ n: 4 }), v.token).trace));
      const tb = b.violations.map((v) => formatTrace(replay(diningPhilosophers({ n: 4 }), v.token).trace));
      expect(tb).toEqual(ta);
    }
  });
});
