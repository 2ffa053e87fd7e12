/**
 * The memory bound of the command line (issue 13 item 2). The engine checks `maxMemoryBytes`
 * every few hundred units of work against a probe (runtime/Search.ts); the command line's probe
 * is V8's count of the JavaScript heap in use (`v8.getHeapStatistics().used_heap_size`, bytes,
 * garbage not yet collected included), and its default bound is {@link DEFAULT_HEAP_FRACTION} of
 * the heap limit (`heap_size_limit`: node's --max-old-space-size plus 48MB of young generation),
 * and at least 80MB below it. Measured: with --max-old-space-size=150 (limit 198MB) a search
 * whose states grow every step died of V8's fatal error with 131MB live, at 70% of the limit
 * it would not have stopped in time. The rest of the heap is left for what follows the search:
 * shrinking counterexamples, replaying them, writing the report. So a search that would grow past the heap ends as incomplete with
 * its partial result ("bound maxMemoryBytes ... tripped"), not with V8's fatal out-of-memory
 * abort.
 */
import { getHeapStatistics } from 'node:v8';
import { UsageError } from './errors.js';

/** The share of the heap limit a search may hold by default. */
export const DEFAULT_HEAP_FRACTION = 0.5;

const HEADROOM = 80 * 2 ** 20;

/** Bytes of JavaScript heap in use now. */
export function heapUsed(): number {
  return getHeapStatistics().used_heap_size;
}

/** The heap limit of this thread, in bytes. */
export function heapLimit(): number {
  return getHeapStatistics().heap_size_limit;
}

/** The memory bound to search with: `requested` (from --max-memory) if the heap can hold it, else the default share. */
export function memoryBound(requested: number | undefined): number {
  const limit = heapLimit();
  const safe = Math.floor(Math.max(limit / 4, Math.min(limit * DEFAULT_HEAP_FRACTION, limit - HEADROOM)));
  if (requested === undefined) return safe;
  if (requested > limit) {
    throw new UsageError(
      `option --max-memory ${mb(requested)} is more than node's heap limit of ${mb(limit)}: the search would die of V8's out-of-memory error first; ` +
        `use at most --max-memory ${mb(safe)}, or raise the limit (NODE_OPTIONS=--max-old-space-size=<MB>)`,
    );
  }
  return requested;
}

export function mb(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')}MB`;
}
