// States/s of single-threaded bfs and parallel-bfs (1 and 2 workers) on lock-ordered dining
// philosophers N = 6 (a full search): `npx tsx bench/parallel.ts`. Figures: docs/parallel.md.
import { explore } from '../runtime/explorer.js';
import { exploreParallel } from '../runtime/parallel/coordinator.js';
import { diningPhilosophers } from '../scenarios/classic/diningPhilosophers.js';
const spec = diningPhilosophers({ n: 6, ordered: true });
const source = { module: new URL('../scenarios/classic/diningPhilosophers.ts', import.meta.url).href, export: 'diningPhilosophers', args: [{ n: 6, ordered: true }] };
for (const w of [1, 2]) {
  const t0 = performance.now();
  const r = w === 1 ? explore(spec) : exploreParallel(spec, { workers: w, source });
  const s = (performance.now() - t0) / 1000;
  console.log(`workers ${w}: ${r.verdict}, ${r.stats.states} states, ${r.stats.transitions} transitions, ${s.toFixed(2)} s, ${Math.round(r.stats.states / s)} states/s`);
}
const t0 = performance.now();
const r = exploreParallel(spec, { workers: 1, source });
const s = (performance.now() - t0) / 1000;
console.log(`parallel-bfs workers 1: ${r.stats.states} states, ${s.toFixed(2)} s, ${Math.round(r.stats.states / s)} states/s`);
