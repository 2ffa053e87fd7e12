/**
 * The visited set: fixed-length vectors of small non-negative integers (a global state's
 * component ids, Components.ts), stored once each, found through an open-addressing hash table.
 *
 * Layout, chosen for bytes per state and for growing without a second copy:
 *
 * - Vectors live in chunks of {@link CHUNK} states, each chunk a typed array of the narrowest
 *   width that holds every value stored so far (1, 2 or 4 bytes per entry). A store grows by
 *   adding a chunk, never by copying the states it has; the first chunk starts small and
 *   doubles up to the chunk size, so a small search allocates little. When a value no longer
 *   fits the width, chunks are widened one at a time (at most one chunk is held twice).
 * - Alongside, per state: how it was first reached (parent state id, actor that stepped, depth),
 *   in chunks of the same size. Walking parents back rebuilds a state's schedule; under BFS
 *   that walk is a shortest schedule.
 * - The hash table holds, per slot, the state id and the state's 32-bit hash (linear probing,
 *   load at most 1/2). A probe compares stored hashes first and reads a vector only on equal
 *   hashes, so a miss rarely leaves the table; growing the table rehashes from the stored hashes
 *   without reading any vector. The hash comes with the vector (the stepper keeps it up to date
 *   incrementally, Kernel.ts): the caller passes vectors of `entries` values followed by the
 *   hash word.
 *
 * Bytes per state: `entries * width` for the vector, 10 for parent, actor and depth, and 16 to
 * 32 for the table (8 bytes a slot, 2 to 4 slots a state).
 *
 * Hash compaction (`compact`), as TLC's fingerprint set (Yu, Manolios and Lamport, "Model
 * Checking TLA+ Specifications", CHARME 1999) and SPIN's -DHC (Holzmann, "An Analysis of
 * Bitstate Hashing", FMSD 1998): the table stores each state's 64-bit fingerprint (the two hash
 * words that follow its vector) and nothing else; two states with the same fingerprint count as
 * one, so the search may miss states, with a probability the result reports (result.ts
 * `missProbability`). Vectors are then kept only until {@link release}d (a breadth-first search
 * releases the states it has expanded): the visited set costs the table and the parent links.
 * A compact store does not know which stored state a fingerprint belongs to: `add` reports a
 * known state as -1, and `find` is not available.
 */
import { ModelError, internalAssert } from './errors.js';

/** States per chunk (a power of two). */
export const CHUNK_BITS = 14;
export const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** The first chunk's starting capacity, in states; it doubles up to {@link CHUNK}. */
const FIRST_CAPACITY = 256;
/** Hash table slots at the start (a power of two). */
const INITIAL_SLOTS = 1 << 10;

type Vectors = Uint8Array | Uint16Array | Uint32Array;

export class StateStore {
  /** Number of distinct states stored. */
  size = 0;
  private width: 1 | 2 | 4 = 1;
  /** Values above this do not fit the current width. */
  private limit = 0xff;
  private vectors: Vectors[] = [];
  private parents: Int32Array[] = [];
  private actors: Uint16Array[] = [];
  private depths: Int32Array[] = [];
  /** Capacity of the first chunk while it is smaller than {@link CHUNK}. */
  private firstCapacity = FIRST_CAPACITY;
  /** Exact: pairs (state id + 1, hash), 0 marking an empty slot. Compact: fingerprints (word 1, word 2), (0, 0) empty. */
  private table: Int32Array;
  private mask: number;
  /** Vector chunks below this one have been released (compact stores only). */
  private released = 0;
  /** Bytes held by the chunks (kept up to date as they are added, grown, widened and released). */
  private chunkBytes = 0;
  /** Hash compaction: the table holds 64-bit fingerprints only. */
  readonly compact: boolean;

  /**
   * `entries`: values per state vector (the hash word, or with `compact` the two fingerprint
   * words, follow them in every vector passed in).
   */
  constructor(
    readonly entries: number,
    options: { compact?: boolean } = {},
  ) {
    if (!Number.isInteger(entries) || entries <= 0) throw new ModelError(`a state store needs a positive number of entries per state, got ${entries}`);
    this.compact = options.compact === true;
    this.table = new Int32Array(2 * INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
    this.addChunk(FIRST_CAPACITY);
  }

  /**
   * Adds `vector[0..entries)` (hash at `vector[entries]`) unless present. Returns the new
   * state's id, or `-(id + 1)` of the state already stored. `actor` is -1 for a start state.
   */
  add(vector: Int32Array, parent: number, actor: number, depth: number): number {
    if (this.compact) return this.addFingerprint(vector, parent, actor, depth);
    const h = vector[this.entries] as number;
    const table = this.table;
    let slot = h & this.mask;
    for (;;) {
      const stored = table[2 * slot] as number;
      if (stored === 0) break;
      if (table[2 * slot + 1] === h && this.equals(stored - 1, vector)) return -stored;
      slot = (slot + 1) & this.mask;
    }
    this.append(vector, parent, actor, depth);
    table[2 * slot] = this.size;
    table[2 * slot + 1] = h;
    if (this.size * 2 > this.mask + 1) this.rehash();
    return this.size - 1;
  }

  /** The compact form of {@link add}: the fingerprint decides; a known state is -1. */
  private addFingerprint(vector: Int32Array, parent: number, actor: number, depth: number): number {
    const f1 = vector[this.entries] as number;
    let f2 = vector[this.entries + 1] as number;
    if (f1 === 0 && f2 === 0) f2 = 1;
    const table = this.table;
    let slot = f1 & this.mask;
    for (;;) {
      const a = table[2 * slot] as number;
      const b = table[2 * slot + 1] as number;
      if (a === 0 && b === 0) break;
      if (a === f1 && b === f2) return -1;
      slot = (slot + 1) & this.mask;
    }
    this.append(vector, parent, actor, depth);
    table[2 * slot] = f1;
    table[2 * slot + 1] = f2;
    if (this.size * 2 > this.mask + 1) this.rehash();
    return this.size - 1;
  }

  /** Stores a new state's vector and how it was reached, as state `size`. */
  private append(vector: Int32Array, parent: number, actor: number, depth: number): void {
    const id = this.size;
    this.reserve(id, vector);
    const chunk = id >>> CHUNK_BITS;
    const at = id & CHUNK_MASK;
    const vs = this.vectors[chunk] as Vectors;
    const e = this.entries;
    for (let i = 0, off = at * e; i < e; i++) vs[off + i] = vector[i] as number;
    (this.parents[chunk] as Int32Array)[at] = parent;
    (this.actors[chunk] as Uint16Array)[at] = actor + 1;
    (this.depths[chunk] as Int32Array)[at] = depth;
    this.size++;
  }

  /** The id of `vector[0..entries)` (hash at `vector[entries]`) if stored, else -1. Adds nothing. */
  find(vector: Int32Array): number {
    internalAssert(!this.compact, 'find is not asked of a compact store');
    const h = vector[this.entries] as number;
    let slot = h & this.mask;
    for (;;) {
      const stored = this.table[2 * slot] as number;
      if (stored === 0) return -1;
      if (this.table[2 * slot + 1] === h && this.equals(stored - 1, vector)) return stored - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Copies state `id`'s entries into `out[0..entries)` (not its hash). */
  read(id: number, out: Int32Array): void {
    internalAssert(id >>> CHUNK_BITS >= this.released, `state ${id} is still held (not released)`);
    const vs = this.vectors[id >>> CHUNK_BITS] as Vectors;
    const e = this.entries;
    for (let i = 0, off = (id & CHUNK_MASK) * e; i < e; i++) out[i] = vs[off + i] as number;
  }

  /** The state id it was first reached from, or -1 for a start state. */
  parent(id: number): number {
    return (this.parents[id >>> CHUNK_BITS] as Int32Array)[id & CHUNK_MASK] as number;
  }

  /** The actor whose step first reached state `id` (-1 for a start state). */
  actor(id: number): number {
    return ((this.actors[id >>> CHUNK_BITS] as Uint16Array)[id & CHUNK_MASK] as number) - 1;
  }

  depth(id: number): number {
    return (this.depths[id >>> CHUNK_BITS] as Int32Array)[id & CHUNK_MASK] as number;
  }

  /** The actor indices stepped from the start state to state `id`. */
  pathTo(id: number): number[] {
    const path: number[] = [];
    for (let s = id; this.parent(s) !== -1; s = this.parent(s)) path.push(this.actor(s));
    return path.reverse();
  }

  /**
   * A compact store drops the vectors of states below `id` (whole chunks at a time): a
   * breadth-first search calls it with the next state it will expand. Their parent links stay.
   */
  release(id: number): void {
    if (!this.compact) return;
    const upTo = Math.min(id >>> CHUNK_BITS, this.vectors.length - 1);
    for (; this.released < upTo; this.released++) {
      this.chunkBytes -= (this.vectors[this.released] as Vectors).byteLength;
      this.vectors[this.released] = new Uint8Array(0);
    }
  }

  /** Bytes held: vector chunks, per-state fields and the hash table. */
  bytes(): number {
    return this.table.byteLength + this.chunkBytes;
  }

  /** {@link bytes} per stored state. */
  bytesPerState(): number {
    return this.size ? this.bytes() / this.size : 0;
  }

  private equals(id: number, vector: Int32Array): boolean {
    const vs = this.vectors[id >>> CHUNK_BITS] as Vectors;
    const e = this.entries;
    for (let i = 0, off = (id & CHUNK_MASK) * e; i < e; i++) if (vs[off + i] !== vector[i]) return false;
    return true;
  }

  /** Makes room for state `id` and widens the vectors if `vector` holds a value that does not fit. */
  private reserve(id: number, vector: Int32Array): void {
    let all = 0;
    for (let i = 0; i < this.entries; i++) all |= vector[i] as number;
    internalAssert(all >= 0, 'state vectors hold non-negative values below 2^31');
    if (all > this.limit) this.widen(all > 0xffff ? 4 : 2);
    if (id < CHUNK) {
      if (id >= this.firstCapacity) this.growFirst();
    } else if ((id & CHUNK_MASK) === 0) this.addChunk(CHUNK);
  }

  private make(states: number): Vectors {
    const length = states * this.entries;
    return this.width === 1 ? new Uint8Array(length) : this.width === 2 ? new Uint16Array(length) : new Uint32Array(length);
  }

  private addChunk(states: number): void {
    this.vectors.push(this.make(states));
    this.parents.push(new Int32Array(states));
    this.actors.push(new Uint16Array(states));
    this.depths.push(new Int32Array(states));
    this.chunkBytes += states * (this.entries * this.width + 10);
  }

  private growFirst(): void {
    const states = this.firstCapacity * 2;
    const vs = this.make(states);
    vs.set(this.vectors[0] as Vectors);
    this.vectors[0] = vs;
    const grow = <T extends Int32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(states);
      b.set(a);
      return b;
    };
    this.parents[0] = grow(this.parents[0] as Int32Array, (k) => new Int32Array(k));
    this.actors[0] = grow(this.actors[0] as Uint16Array, (k) => new Uint16Array(k));
    this.depths[0] = grow(this.depths[0] as Int32Array, (k) => new Int32Array(k));
    this.chunkBytes += (states - this.firstCapacity) * (this.entries * this.width + 10);
    this.firstCapacity = states;
  }

  /** Re-encodes every chunk with `width` bytes per entry, one chunk at a time. */
  private widen(width: 2 | 4): void {
    this.width = width;
    this.limit = width === 2 ? 0xffff : 0xffffffff;
    for (let c = this.released; c < this.vectors.length; c++) {
      const old = this.vectors[c] as Vectors;
      const wide = width === 2 ? new Uint16Array(old.length) : new Uint32Array(old.length);
      wide.set(old);
      this.chunkBytes += wide.byteLength - old.byteLength;
      this.vectors[c] = wide;
    }
  }

  /** Doubles the table, placing every entry by its stored hash or fingerprint (no vector is read). */
  private rehash(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const table = new Int32Array(2 * slots);
    const mask = slots - 1;
    // Exact slots are (id + 1, hash), placed by the hash; compact ones (f1, f2), placed by f1.
    const key = this.compact ? 0 : 1;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      const b = old[i + 1] as number;
      if (a === 0 && b === 0) continue;
      let slot = (key === 0 ? a : b) & mask;
      while (table[2 * slot] !== 0 || table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = a;
      table[2 * slot + 1] = b;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** A 32-bit hash of an integer vector (murmur3-style mixing), for callers that hash content themselves. */
export function hashVector(vector: ArrayLike<number>, length: number): number {
  let h = 0x9747b28c ^ length;
  for (let i = 0; i < length; i++) {
    let k = vector[i] as number;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
