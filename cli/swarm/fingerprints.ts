/**
 * Portable state fingerprints for the swarm's merge (issue 16 item 2: "states per shard and the
 * overlap stated"): every bfs shard (and the planner) sends back one 64-bit fingerprint per state
 * it stored, and the merge counts the distinct fingerprints over all of them, so the report
 * gives the distinct states and the overlap (states explored by more than one shard) as
 * measured numbers.
 *
 * A state vector holds component ids, and ids are handed out per process in the order the
 * components are met, so two workers give the same state different vectors. The fingerprint is
 * therefore built from what a component is, not its id: the component's portable key
 * (Components.portableKey: value, context, status and mailbox in canonical JSON, the same key
 * the shared-memory parallel search uses to agree on ids across threads), hashed with SHA-256
 * together with the actor's index, and the actors' 64-bit component hashes combined by XOR
 * (Zobrist hashing). Two different states collide with probability about 2^-64 per pair; with n
 * states the chance of any collision is about n^2 / 2^65 (under 10^-6 for 6 million states).
 *
 * Wire form: the fingerprints sorted ascending as little-endian 64-bit words, base64 (8 bytes a
 * state before base64's 4/3).
 */
import { createHash } from 'node:crypto';
import type { Search } from '../../runtime/Search.js';

/** The 64-bit fingerprints of every state `search` stored, sorted, as base64. */
export function storedFingerprints(search: Search): string {
  const { kernel, store } = search;
  const n = kernel.actorCount;
  const components = kernel.components;
  // Per actor: component id -> its two 32-bit hash halves (computed once per component).
  const memo: Array<Map<number, [number, number]>> = Array.from({ length: n }, () => new Map());
  const half = (a: number, c: number): [number, number] => {
    const m = memo[a] as Map<number, [number, number]>;
    let h = m.get(c);
    if (h === undefined) {
      const key = components.portableKey(a, components.local(a, c), components.mailbox(a, c));
      const d = createHash('sha256').update(`${a}\u0000${key}`).digest();
      h = [d.readUInt32LE(0), d.readUInt32LE(4)];
      m.set(c, h);
    }
    return h;
  };
  const out = new BigUint64Array(store.size);
  const v = kernel.newState();
  for (let id = 0; id < store.size; id++) {
    search.read(id, v);
    let lo = 0;
    let hi = 0;
    for (let a = 0; a < n; a++) {
      const [x, y] = half(a, v[a] as number);
      lo ^= x;
      hi ^= y;
    }
    out[id] = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }
  out.sort();
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64');
}

/** How many distinct fingerprints the given lists (from {@link storedFingerprints}) hold together. */
export function distinctCount(lists: readonly string[]): number {
  const buffers = lists.map((s) => Buffer.from(s, 'base64'));
  const all = new BigUint64Array(buffers.reduce((s, b) => s + b.length / 8, 0));
  let at = 0;
  for (const b of buffers) {
    const words = new BigUint64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    all.set(words, at);
    at += words.length;
  }
  all.sort();
  let distinct = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) distinct++;
  return distinct;
}
