/**
 * The visited set: global states as packed Int32 vectors in one growing arena, found through an
 * open-addressing hash table (linear probing, load factor at most 1/2). No string per state.
 *
 * Each stored state also keeps how it was first reached (parent state id, actor that stepped,
 * depth), so any state's schedule can be rebuilt by walking back: under BFS that walk is a
 * shortest schedule.
 */
import { internalAssert } from './errors.js';

export class StateStore {
  private arena: Int32Array;
  private arenaUsed = 0;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private parents: Int32Array;
  private actors: Int32Array;
  private depths: Int32Array;
  private table: Int32Array;
  private mask: number;
  /** Number of distinct states stored. */
  size = 0;

  constructor(initialCapacity = 1 << 12) {
    this.arena = new Int32Array(initialCapacity * 8);
    this.offsets = new Int32Array(initialCapacity);
    this.lengths = new Int32Array(initialCapacity);
    this.parents = new Int32Array(initialCapacity);
    this.actors = new Int32Array(initialCapacity);
    this.depths = new Int32Array(initialCapacity);
    this.table = new Int32Array(initialCapacity * 2).fill(-1);
    this.mask = initialCapacity * 2 - 1;
  }

  /**
   * Adds `vector[0..length)` unless present. Returns the new state's id, or `-(id + 1)` of the
   * state already stored.
   */
  add(vector: Int32Array, length: number, parent: number, actor: number, depth: number): number {
    const h = hashVector(vector, length);
    let slot = h & this.mask;
    for (;;) {
      const id = this.table[slot] as number;
      if (id < 0) break;
      if (this.equals(id, vector, length)) return -(id + 1);
      slot = (slot + 1) & this.mask;
    }
    const id = this.size;
    if (id >= this.offsets.length) this.growStates();
    if (this.arenaUsed + length > this.arena.length) this.growArena(length);
    this.arena.set(vector.subarray(0, length), this.arenaUsed);
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = length;
    this.parents[id] = parent;
    this.actors[id] = actor;
    this.depths[id] = depth;
    this.arenaUsed += length;
    this.size++;
    this.table[slot] = id;
    if (this.size * 2 > this.table.length) this.rehash();
    return id;
  }

  /** The id of `vector[0..length)` if stored, else -1. Adds nothing. */
  find(vector: Int32Array, length: number): number {
    let slot = hashVector(vector, length) & this.mask;
    for (;;) {
      const id = this.table[slot] as number;
      if (id < 0) return -1;
      if (this.equals(id, vector, length)) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Copies state `id` into `out` and returns its length. */
  read(id: number, out: Int32Array): number {
    const len = this.lengths[id] as number;
    const off = this.offsets[id] as number;
    out.set(this.arena.subarray(off, off + len));
    return len;
  }

  /** The state id it was first reached from, or -1 for the initial state. */
  parent(id: number): number {
    return this.parents[id] as number;
  }

  /** The actor whose step first reached state `id`. */
  actor(id: number): number {
    return this.actors[id] as number;
  }

  depth(id: number): number {
    return this.depths[id] as number;
  }

  /** The actor indices stepped from the initial state to state `id`. */
  pathTo(id: number): number[] {
    const path: number[] = [];
    for (let s = id; this.parents[s] !== -1; s = this.parents[s] as number) path.push(this.actors[s] as number);
    return path.reverse();
  }

  /** Bytes held by the arena and the tables, per stored state. */
  bytesPerState(): number {
    const bytes = this.arena.byteLength + this.table.byteLength + 5 * this.offsets.byteLength;
    return this.size ? bytes / this.size : 0;
  }

  private equals(id: number, vector: Int32Array, length: number): boolean {
    if (this.lengths[id] !== length) return false;
    const off = this.offsets[id] as number;
    for (let i = 0; i < length; i++) if (this.arena[off + i] !== vector[i]) return false;
    return true;
  }

  private growStates(): void {
    const cap = this.offsets.length * 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.parents = grow(this.parents);
    this.actors = grow(this.actors);
    this.depths = grow(this.depths);
  }

  private growArena(needed: number): void {
    let cap = this.arena.length * 2;
    while (cap < this.arenaUsed + needed) cap *= 2;
    const b = new Int32Array(cap);
    b.set(this.arena.subarray(0, this.arenaUsed));
    this.arena = b;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let id = 0; id < this.size; id++) {
      const off = this.offsets[id] as number;
      let slot = hashVector(this.arena.subarray(off), this.lengths[id] as number) & mask;
      while ((table[slot] as number) >= 0) slot = (slot + 1) & mask;
      table[slot] = id;
    }
    internalAssert(table.length > this.size * 2 - 1, 'rehash leaves free slots');
    this.table = table;
    this.mask = mask;
  }
}

/** A 32-bit hash of an integer vector (murmur3-style mixing). */
export function hashVector(vector: Int32Array, length: number): number {
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
