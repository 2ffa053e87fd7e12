/**
 * The shared memory of the parallel search (issue 16): one visited set, one component id
 * allocator and one work pool, each in SharedArrayBuffers that every worker thread maps.
 *
 * **Component ids** ({@link SharedComponentIds}). A state is a vector of component ids
 * (Components.ts), so a visited set shared by threads needs ids that mean the same component in
 * every thread. Design: one shared allocator with per-thread caches. The allocator is an
 * append-only log of `(actor, id, content)` entries, the content being the component's portable
 * key (value, context, status and messages in canonical JSON, plainData.ts), guarded by one
 * lock. A thread first looks a component up in its own private map (keyed by its own local
 * ids, as in one thread); only a component it has never met goes to the log: it reads the
 * entries other threads appended since it last looked, and takes the id found there or
 * appends the next one. Reading an id another thread allocated goes the other way (the content
 * is parsed and the snapshot rebuilt, Components.ensure). Why this design: components are few
 * (dining philosophers: a few hundred over all actors, against millions of states), so the
 * lock is taken a few hundred times in a search and never on the hot path; the alternatives
 * cost on every state: per-thread ids translated through maps on every send (what parallel-bfs
 * did before, a third of its time), or a content hash as the id (a collision merges two
 * components silently). With equal ids, the Zobrist words and so the state hashes are equal in
 * every thread, and vectors are stored and read without translation.
 *
 * **Visited set** ({@link SharedVisited}). Open addressing with linear probing, load at most
 * about 1/2 (the vectors, depths and flags are sized for the state bound up front, and the OS
 * commits their pages as they are written, in order). A slot holds 0
 * (empty), {@link BUSY} (being filled) or state index + 1; a thread claims an empty slot with
 * `Atomics.compareExchange` (0 -> BUSY), takes the next state index with `Atomics.add`, writes
 * the vector to the arena and the hash beside the slot, then publishes the index with
 * `Atomics.store`, which orders the plain writes before it for every thread that reads the slot
 * with `Atomics.load` (the ECMAScript memory model's synchronizes-with). A prober that meets a
 * BUSY slot waits until it is published, then compares hashes and vectors. As SPIN's multi-core
 * hash table (Holzmann and Bošnački, "The Design of a Multicore Extension of the SPIN Model
 * Checker", IEEE TSE 2007) and TLC's fingerprint set, but storing full vectors, so the search is
 * exact. Per state, besides the vector: its depth (lowered with a compare-exchange loop, see
 * worker.ts), a flag set when it is first expanded, and a flag saying it has a step that
 * a depth bound would cut.
 *
 * The table starts small and doubles when half full, so a search touches memory in proportion
 * to the states it stores, not to the bound (a table sized for `maxStates` up front cost a page
 * fault per 4 KB of it, a fifth of the time of a 400 K-state search). Growing is the one
 * stop-the-world step: a participant that finds the table half full asks for it; every
 * participant stops at its next safe point (between expansions, never inside an insertion);
 * the last to arrive rehashes into the other region (from the stored hashes) and releases the
 * others. It happens log2(states / 65536) times in a search.
 *
 * **Work pool** ({@link WorkPool}). Each worker keeps its own FIFO queue; when some worker is
 * idle, a busy worker moves part of its queue to the pool (a ring buffer of state indices
 * under a lock), and idle workers take from it. No barrier per level: the search ends when
 * every worker is idle and the pool is empty.
 */
import { ModelError } from '../errors.js';
import type { ComponentIds } from '../Components.js';

/** A slot being filled. */
export const BUSY = -1;

/** Control words (Int32Array over {@link SharedLayout.control}). */
export const enum Ctl {
  /** 0 while the search runs; then an {@link Outcome}. */
  Done = 0,
  /** Workers with nothing to do. */
  Idle = 1,
  /** The pool's lock, head and tail (counts of items ever taken and put). */
  PoolLock = 2,
  PoolHead = 3,
  PoolTail = 4,
  /** Bumped when items are put in the pool (idle workers wait on it). */
  PoolSignal = 5,
  /** State indices handed out, in blocks of {@link BLOCK} (on a cache line of its own). */
  States = 16,
  /** Worker threads that joined and have finished (after Done). */
  Finished = 7,
  /** States with a step a depth bound cut (see SharedVisited.cut). */
  Cut = 8,
  /** Participants in the search: the calling thread, and each worker thread that joined before the end. */
  Joined = 9,
  /** Always 0: a word to wait on for a pause. */
  Pause = 10,
  /** The table in use: its region (0, 1) and its slot count's log2. */
  Region = 11,
  TableBits = 12,
  /** 1 while a participant asked for the table to grow; participants at the barrier; growths done. */
  GrowRequest = 13,
  GrowArrived = 14,
  GrowEpoch = 15,
  /** Per worker w, at `Stored + 16 * w` (a cache line each): states it stored. */
  Stored = 32,
}

/** State indices a worker takes at once, so that workers write to different cache lines. */
export const BLOCK = 256;

/** Control words for `workers` workers. */
export function controlWords(workers: number): number {
  return Ctl.Stored + 16 * workers;
}

/** States stored so far, over every participant (`participants` of them may have stored some). */
export function storedStates(control: Int32Array, participants: number): number {
  let s = 0;
  for (let w = 0; w < participants; w++) s += Atomics.load(control, Ctl.Stored + 16 * w);
  return s;
}

/** How the workers ended. */
export const enum Outcome {
  Running = 0,
  /** Every worker idle, the pool empty: every reachable state expanded. */
  Exhausted = 1,
  /** A worker found a violation (a failing step, an invariant, a deadlock, a checker's finding). */
  Violation = 2,
  /** The state bound was reached. */
  MaxStates = 3,
  /** The coordinator stopped them (time, memory, interrupt). */
  Stopped = 4,
  /** A worker failed (a model error); its message is on its control port. */
  Failed = 5,
}

/** The buffers, as sent to each worker. */
export interface SharedLayout {
  control: SharedArrayBuffer;
  /** Per participant: the {@link COUNTERS} (Float64). */
  counters: SharedArrayBuffer;
  /**
   * Two regions of hash table, each of pairs (state index + 1 or 0 or BUSY, hash word), so a
   * probe reads one cache line. The table in use is a prefix of one region; it grows by
   * rehashing into a twice longer prefix of the other (see {@link SharedVisited.grow}).
   */
  regions: [SharedArrayBuffer, SharedArrayBuffer];
  arena: SharedArrayBuffer;
  depths: SharedArrayBuffer;
  flags: SharedArrayBuffer;
  pool: SharedArrayBuffer;
  componentLog: SharedArrayBuffer;
  componentHeader: SharedArrayBuffer;
  /** Values per state vector (the actors). */
  entries: number;
  /** States the arena holds (the state bound plus slack for steps in flight). */
  capacity: number;
}

/** Per-participant counters, in this order (re-propagations: expansions that passed a lowered depth on). */
export const COUNTERS = ['transitions', 'xstateCalls', 'memoHits', 'localStates', 'messages', 'repropagations'] as const;

const POOL_ITEMS = 1 << 16;
const LOG_BYTES = 256 * 1024 * 1024;

/** Allocates the shared buffers for `workers` workers, `entries` actors and at most `maxStates` states. */
export function allocate(workers: number, entries: number, maxStates: number): SharedLayout {
  const capacity = maxStates + (workers + 1) * BLOCK;
  let slotCount = 1 << INITIAL_BITS;
  while (slotCount < 2 * capacity) slotCount *= 2;
  const layout: SharedLayout = {
    control: new SharedArrayBuffer(4 * controlWords(workers)),
    counters: new SharedArrayBuffer(8 * COUNTERS.length * workers),
    regions: [new SharedArrayBuffer(8 * slotCount), new SharedArrayBuffer(8 * slotCount)],
    arena: new SharedArrayBuffer(4 * entries * capacity),
    depths: new SharedArrayBuffer(4 * capacity),
    flags: new SharedArrayBuffer(capacity),
    pool: new SharedArrayBuffer(4 * POOL_ITEMS),
    componentLog: new SharedArrayBuffer(LOG_BYTES),
    componentHeader: new SharedArrayBuffer(4 * (3 + entries)),
    entries,
    capacity,
  };
  const control = new Int32Array(layout.control);
  control[Ctl.TableBits] = INITIAL_BITS;
  return layout;
}

/** The table starts at 2^16 slots (512 KB) and doubles when half full. */
const INITIAL_BITS = 16;

/** Bytes the visited set holds for `states` states (vectors, depth, flags, two table slots each). */
export function visitedBytes(layout: SharedLayout, states: number): number {
  return states * (4 * layout.entries + 4 + 1 + 16);
}

/** A spin lock on word `at` of `words` (0 free, 1 held); waits in `Atomics.wait` when contended. */
export function lock(words: Int32Array, at: number): void {
  for (let spins = 0; Atomics.compareExchange(words, at, 0, 1) !== 0; spins++) {
    if (spins > 64) Atomics.wait(words, at, 1, 1);
  }
}

export function unlock(words: Int32Array, at: number): void {
  Atomics.store(words, at, 0);
  Atomics.notify(words, at, 1);
}

/** Flag bits per state: stored (indices of a block not used yet are holes), expanded once, has a step a depth bound cut. */
export const STORED = 1;
export const EXPANDED = 2;
export const CUT = 4;

/** The visited set: see the module header. */
export class SharedVisited {
  slots: Int32Array;
  readonly arena: Int32Array;
  readonly depths: Int32Array;
  readonly flags: Uint8Array;
  readonly control: Int32Array;
  private readonly regions: [Int32Array, Int32Array];
  private mask = 0;
  private readonly n: number;

  constructor(layout: SharedLayout) {
    this.regions = [new Int32Array(layout.regions[0]), new Int32Array(layout.regions[1])];
    this.arena = new Int32Array(layout.arena);
    this.depths = new Int32Array(layout.depths);
    this.flags = new Uint8Array(layout.flags);
    this.control = new Int32Array(layout.control);
    this.n = layout.entries;
    this.slots = this.regions[0];
    this.refresh();
  }

  /** Takes the table in use from the control words (after a growth). */
  refresh(): void {
    this.slots = this.regions[Atomics.load(this.control, Ctl.Region)] as Int32Array;
    this.mask = (1 << Atomics.load(this.control, Ctl.TableBits)) - 1;
  }

  /** True when the table is more than half full with `stored` states (and can still grow). */
  crowded(stored: number): boolean {
    return 2 * stored > this.mask + 1 && 2 * (this.mask + 1) <= (this.regions[0].length >> 1);
  }

  /**
   * Doubles the table: rehashes every slot into a twice longer prefix of the other region (from
   * the stored hashes, reading no vector). Called by one participant while all others wait at
   * the growth barrier, so nothing else touches the table.
   */
  grow(): void {
    const from = this.slots;
    const region = 1 - Atomics.load(this.control, Ctl.Region);
    const bits = Atomics.load(this.control, Ctl.TableBits) + 1;
    const to = this.regions[region] as Int32Array;
    const mask = (1 << bits) - 1;
    to.fill(0, 0, 2 * (mask + 1));
    for (let at = 0; at < 2 * (this.mask + 1); at += 2) {
      const s = from[at] as number;
      if (s === 0) continue;
      const h = from[at + 1] as number;
      let i = h & mask;
      while (to[2 * i] !== 0) i = (i + 1) & mask;
      to[2 * i] = s;
      to[2 * i + 1] = h;
    }
    Atomics.store(this.control, Ctl.Region, region);
    Atomics.store(this.control, Ctl.TableBits, bits);
    this.refresh();
  }

  /** This thread's block of state indices: next, end. */
  private next = 0;
  private end = 0;
  /** States this thread stored (published to its control word by {@link publish}). */
  stored = 0;

  /** Publishes this thread's count of stored states to control word `word`. */
  publish(word: number): void {
    Atomics.store(this.control, word, this.stored);
  }

  /**
   * Adds state `v` (its `n` component ids, then its hash word `v[n]`) at `depth`. Returns its
   * new index (>= 0), or -(index + 1) of the stored state equal to it, or {@link FULL} when the
   * arena is full (the caller stops).
   */
  add(v: Int32Array, depth: number): number {
    const n = this.n;
    const h = v[n] as number;
    const slots = this.slots;
    let i = h & this.mask;
    for (;;) {
      const at = 2 * i;
      let s = Atomics.load(slots, at);
      if (s === 0) {
        s = Atomics.compareExchange(slots, at, 0, BUSY);
        if (s === 0) {
          if (this.next === this.end) {
            this.next = Atomics.add(this.control, Ctl.States, BLOCK);
            this.end = this.next + BLOCK;
            if (this.end > this.depths.length) {
              this.next = this.end;
              // No room: release the slot (waiters see it empty) and stop.
              Atomics.store(slots, at, 0);
              return FULL;
            }
          }
          const index = this.next++;
          const base = index * n;
          for (let k = 0; k < n; k++) this.arena[base + k] = v[k] as number;
          slots[at + 1] = h;
          this.depths[index] = depth;
          this.flags[index] = STORED;
          this.stored++;
          Atomics.store(slots, at, index + 1);
          return index;
        }
      }
      // The claimer writes a few words, then publishes: spin (a pause after many spins, in
      // case it was descheduled in between).
      for (let spins = 0; s === BUSY; spins++) {
        if (spins > 1000) Atomics.wait(this.control, Ctl.Pause, 0, 0.05);
        s = Atomics.load(slots, at);
      }
      if (s === 0) continue;
      if (slots[at + 1] === h) {
        const base = (s - 1) * n;
        let k = 0;
        while (k < n && this.arena[base + k] === v[k]) k++;
        if (k === n) return -s;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Reads state `index`'s vector into `v` (its first `n` entries). */
  read(index: number, v: Int32Array): void {
    const base = index * this.n;
    for (let k = 0; k < this.n; k++) v[k] = this.arena[base + k] as number;
  }

  /** Lowers state `index`'s depth to `depth`; true if it was higher. */
  lower(index: number, depth: number): boolean {
    for (;;) {
      const d = Atomics.load(this.depths, index);
      if (d <= depth) return false;
      if (Atomics.compareExchange(this.depths, index, d, depth) === d) return true;
    }
  }
}

/** {@link SharedVisited.add}: no room left. */
export const FULL = -0x7fffffff;

/** The work pool: see the module header. */
export class WorkPool {
  private readonly items: Int32Array;
  private readonly control: Int32Array;
  private readonly size: number;

  constructor(layout: SharedLayout) {
    this.items = new Int32Array(layout.pool);
    this.control = new Int32Array(layout.control);
    this.size = this.items.length;
  }

  /** Items in the pool (a hint: it may change at once). */
  count(): number {
    return Atomics.load(this.control, Ctl.PoolTail) - Atomics.load(this.control, Ctl.PoolHead);
  }

  /** Puts up to `count` items from `from` (taken from its front by `take`); returns how many went in. */
  put(take: () => number, count: number): number {
    const c = this.control;
    lock(c, Ctl.PoolLock);
    const head = c[Ctl.PoolHead] as number;
    let tail = c[Ctl.PoolTail] as number;
    const room = this.size - (tail - head);
    const k = Math.min(room, count);
    for (let j = 0; j < k; j++) this.items[tail++ % this.size] = take();
    Atomics.store(c, Ctl.PoolTail, tail);
    unlock(c, Ctl.PoolLock);
    if (k > 0) {
      Atomics.add(c, Ctl.PoolSignal, 1);
      Atomics.notify(c, Ctl.PoolSignal);
    }
    return k;
  }

  /**
   * A worker thread that has built its system joins the search, unless it is over already
   * (then it has nothing to do). Under the pool's lock, so that the end of the search ("every
   * participant idle") never misses a participant that joins at that moment.
   */
  join(): boolean {
    const c = this.control;
    for (;;) {
      lock(c, Ctl.PoolLock);
      try {
        if (Atomics.load(c, Ctl.Done) !== Outcome.Running) return false;
        // Not in the middle of a growth: the barrier counts the participants it waits for.
        if (Atomics.load(c, Ctl.GrowRequest) === 0) {
          Atomics.add(c, Ctl.Joined, 1);
          return true;
        }
      } finally {
        unlock(c, Ctl.PoolLock);
      }
      Atomics.wait(c, Ctl.GrowEpoch, Atomics.load(c, Ctl.GrowEpoch), 1);
    }
  }

  /** Asks for the table to grow (under the pool's lock, so that no participant joins meanwhile). */
  requestGrowth(): void {
    const c = this.control;
    lock(c, Ctl.PoolLock);
    Atomics.compareExchange(c, Ctl.GrowRequest, 0, 1);
    unlock(c, Ctl.PoolLock);
  }

  /**
   * For a participant whose own queue is empty: takes up to `max` items into `give` and returns
   * how many (leaving the idle count if `idle` said it was counted idle), or, with the pool
   * empty, returns 0 counted idle. Under the pool's lock, so that "every participant idle and
   * the pool empty" is seen atomically: then it ends the search (Exhausted) and returns -1.
   */
  acquire(give: (item: number) => void, max: number, idle: boolean): number {
    const c = this.control;
    lock(c, Ctl.PoolLock);
    try {
      let head = c[Ctl.PoolHead] as number;
      const tail = c[Ctl.PoolTail] as number;
      if (tail > head) {
        if (idle) Atomics.sub(c, Ctl.Idle, 1);
        const k = Math.min(max, tail - head);
        for (let j = 0; j < k; j++) give(this.items[head++ % this.size] as number);
        Atomics.store(c, Ctl.PoolHead, head);
        return k;
      }
      const idleNow = idle ? Atomics.load(c, Ctl.Idle) : Atomics.add(c, Ctl.Idle, 1) + 1;
      if (idleNow === Atomics.load(c, Ctl.Joined)) {
        Atomics.compareExchange(c, Ctl.Done, Outcome.Running, Outcome.Exhausted);
        Atomics.notify(c, Ctl.Done);
        Atomics.add(c, Ctl.PoolSignal, 1);
        Atomics.notify(c, Ctl.PoolSignal);
        return -1;
      }
      return 0;
    } finally {
      unlock(c, Ctl.PoolLock);
    }
  }
}

/**
 * The shared component id allocator: see the module header. Header words: lock, entries
 * appended, bytes used, then the next id of each actor. Entry: actor, id, byte length (three
 * int32), then the key's UTF-8 bytes, padded to 4.
 */
export class SharedComponentIds implements ComponentIds {
  private readonly header: Int32Array;
  private readonly log: Buffer;
  private readonly words: Int32Array;
  private readonly byKey: Array<Map<string, number>>;
  private readonly byId: string[][];
  /** Entries and bytes of the log this thread has read. */
  private seen = 0;
  private offset = 0;

  constructor(layout: SharedLayout) {
    this.header = new Int32Array(layout.componentHeader);
    this.log = Buffer.from(layout.componentLog);
    this.words = new Int32Array(layout.componentLog);
    this.byKey = Array.from({ length: layout.entries }, () => new Map());
    this.byId = Array.from({ length: layout.entries }, () => []);
  }

  idOf(actor: number, key: string): number {
    const known = (this.byKey[actor] as Map<string, number>).get(key);
    if (known !== undefined) return known;
    const h = this.header;
    lock(h, 0);
    try {
      this.catchUp();
      const found = (this.byKey[actor] as Map<string, number>).get(key);
      if (found !== undefined) return found;
      const id = h[3 + actor] as number;
      const bytes = Buffer.byteLength(key);
      const at = h[2] as number;
      const size = 12 + ((bytes + 3) & ~3);
      if (at + size > this.log.length) throw new ModelError(`parallel search: the shared component table is full (${this.log.length} bytes of component contents); use bfs`);
      this.words[at >> 2] = actor;
      this.words[(at >> 2) + 1] = id;
      this.words[(at >> 2) + 2] = bytes;
      this.log.write(key, at + 12, 'utf8');
      h[3 + actor] = id + 1;
      h[2] = at + size;
      Atomics.add(h, 1, 1);
      this.catchUp();
      return id;
    } finally {
      unlock(h, 0);
    }
  }

  keyOf(actor: number, id: number): string {
    let key = (this.byId[actor] as string[])[id];
    if (key === undefined) {
      this.catchUp();
      key = (this.byId[actor] as string[])[id];
      if (key === undefined) throw new Error(`parallel search: component ${id} of actor ${actor} is not in the shared table`);
    }
    return key;
  }

  /** Reads the entries appended since this thread last looked (published by the count's atomic store). */
  private catchUp(): void {
    const total = Atomics.load(this.header, 1);
    while (this.seen < total) {
      const at = this.offset;
      const actor = this.words[at >> 2] as number;
      const id = this.words[(at >> 2) + 1] as number;
      const bytes = this.words[(at >> 2) + 2] as number;
      const key = this.log.toString('utf8', at + 12, at + 12 + bytes);
      (this.byKey[actor] as Map<string, number>).set(key, id);
      (this.byId[actor] as string[])[id] = key;
      this.offset = at + 12 + ((bytes + 3) & ~3);
      this.seen++;
    }
  }
}
