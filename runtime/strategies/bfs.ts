/**
 * Breadth-first search: states in order of their distance from the start, so the first
 * violation of each kind comes with a shortest schedule (every stored state's parent link is on
 * a shortest path). The default strategy.
 *
 * The frontier costs nothing: the visited set numbers states in the order they are found, which
 * under BFS is the order they are expanded, so the frontier is the id range [head, size). States
 * that break an invariant are stored but not expanded; they are the only ones skipped.
 *
 * With hash compaction (the store keeps 64-bit fingerprints), the vectors of expanded states are
 * released chunk by chunk: what is held is the fingerprint table, the parent links and the
 * frontier, as in TLC.
 */
import { BROKEN, DISABLED, type Search, type SearchPolicy } from '../Search.js';
import { CHUNK } from '../StateStore.js';

const CHUNK_MASK = CHUNK - 1;

export function bfsPolicy(): SearchPolicy {
  let head = 0;
  /** Stored states not to expand (they break an invariant). */
  const skip = new Set<number>();
  let v: Int32Array;
  return {
    name: 'bfs',
    shrinkByDefault: false,
    compactable: true,
    start(search: Search) {
      v = search.kernel.newState();
    },
    next(search: Search) {
      if (head >= search.store.size) return false;
      const id = head++;
      // With hash compaction, the vectors of expanded states are not needed any more.
      if ((id & CHUNK_MASK) === 0) search.store.release(id);
      if (skip.size !== 0 && skip.delete(id)) return true;
      search.read(id, v);
      const depth = search.store.depth(id);
      const n = search.kernel.actorCount;
      let enabled = false;
      for (let a = 0; a < n && !search.done; a++) {
        const r = search.transition(id, v, depth, a);
        if (r === DISABLED) continue;
        enabled = true;
        if (r === BROKEN) skip.add(search.store.size - 1);
      }
      if (!enabled && !search.done) search.checkDeadlock(id, v);
      return true;
    },
    frontier: (search: Search) => search.store.size - head,
  };
}
