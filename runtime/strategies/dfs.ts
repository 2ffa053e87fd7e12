/**
 * Depth-first search with an explicit stack: goes deep first and keeps only the current path
 * on the stack, as SPIN's default search does. Every state is stored once, so it explores the
 * same states and transitions as BFS, in another order; its counterexamples are the first path
 * that reached them, not the shortest (shrink them, or use BFS).
 *
 * One unit of work is one step from the top of the stack: a new state is pushed and explored at
 * once; a frame whose actors are all tried is popped (after the deadlock check if none was
 * enabled).
 */
import { DISABLED, type Search, type SearchPolicy } from '../Search.js';

export function dfsPolicy(): SearchPolicy {
  // Per stack frame: state id, next actor to try, whether any actor was enabled.
  let ids = new Int32Array(1024);
  let nextActor = new Int32Array(1024);
  let anyEnabled = new Uint8Array(1024);
  let top = -1;
  let v: Int32Array;
  const push = (id: number): void => {
    if (++top >= ids.length) {
      ids = grow(ids, new Int32Array(ids.length * 2));
      nextActor = grow(nextActor, new Int32Array(ids.length));
      anyEnabled = grow(anyEnabled, new Uint8Array(ids.length));
    }
    ids[top] = id;
    nextActor[top] = 0;
    anyEnabled[top] = 0;
  };
  return {
    name: 'dfs',
    shrinkByDefault: false,
    start(search: Search) {
      v = search.kernel.newState();
      push(0);
    },
    next(search: Search) {
      if (top < 0) return false;
      const frame = top;
      const id = ids[frame] as number;
      search.read(id, v);
      const depth = search.store.depth(id);
      const n = search.kernel.actorCount;
      for (let a = nextActor[frame] as number; a < n; a++) {
        nextActor[frame] = a + 1;
        const r = search.transition(id, v, depth, a);
        if (r === DISABLED) continue;
        anyEnabled[frame] = 1;
        if (r >= 0) push(r);
        if (r >= 0 || search.done) return true; // descend into the new state first
      }
      if (anyEnabled[frame] === 0 && !search.done) search.checkDeadlock(id, v);
      top--;
      return true;
    },
    frontier: () => top + 1,
    bytes: () => ids.byteLength + nextActor.byteLength + anyEnabled.byteLength,
  };
}

function grow<T extends Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
