/**
 * Component interning: the compact state encoding (DESIGN.md decision 1, issue 9).
 *
 * A *component* is one actor's share of a global state: its local state id (StepTable.ts) and
 * the message ids in its mailbox, in order. Each actor interns its own components as small
 * integers 0, 1, 2, ... in the order they are first met, so a global state is one small integer
 * per actor: the idea behind SPIN's COLLAPSE compression (G. J. Holzmann, "State Compression in
 * SPIN: Recursive Indexing and Compression Training Runs", SPIN Workshop 1997), where each
 * process's local state is stored once and the global state is a vector of indices into those
 * tables. Actor-style models have few distinct components (dining philosophers: 150-200 over
 * all actors), so a state usually takes one byte per actor.
 *
 * Everything a step needs is memoized on components, so after warm-up a step is a few table
 * look-ups and no allocation:
 *
 * - per (actor, component): the {@link Move}: which message the actor takes (delivery.ts), the
 *   step table's outcome, the actor's own next component (the message removed, the local state
 *   replaced, its sends to itself appended) and its sends to other actors;
 * - per (actor, component, message): the component after appending the message (`append`).
 *
 * Hashing is Zobrist's (A. L. Zobrist, "A New Hashing Method with Application for Game
 * Playing", 1970), i.e. simple tabulation: every (actor, component) gets two pseudo-random
 * 32-bit words when interned, and a state's hash is the XOR of its components' words. A step
 * changes one to three components, so the successor's hash is updated in as many XORs instead
 * of being recomputed. Simple tabulation is 3-independent and behaves like a truly random hash
 * under linear probing (M. Pătraşcu and M. Thorup, "The Power of Simple Tabulation Hashing",
 * JACM 2012), which is what StateStore.ts uses. The two words together are the state's 64-bit
 * fingerprint for hash compaction.
 *
 * Shared-memory parallel search (issue 16, runtime/parallel/shared.ts): ids are assigned in
 * first-met order, so two threads interning separately would give different ids to the same
 * component. With a {@link ComponentIds} allocator, a component met for the first time in this
 * thread takes its id from the allocator, which every thread shares, keyed by the component's
 * content ({@link portableKey}); a state read from shared memory whose component this thread
 * has not met is rebuilt from that content ({@link Components.ensure}). Ids then mean the same
 * component in every thread, so are the Zobrist words (a function of actor and id), the hashes
 * and the vectors: a state found by one thread is stored and read by another as it is, without
 * translation. The memo tables (moves, appends) and the private key map stay per thread: they
 * are caches over the ids. An id this thread has not met is a hole in its arrays until ensured.
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { selectMessage } from './delivery.js';
import type { Message } from './model.js';
import { canonicalKey } from './plainData.js';
import type { Outcome, StepTable } from './StepTable.js';

/**
 * Component ids shared between threads (runtime/parallel/shared.ts): `idOf` returns the id of
 * `actor`'s component with content `key` ({@link portableKey}), allocating the next one if no
 * thread has it yet; `keyOf` returns the content of an id some thread allocated.
 */
export interface ComponentIds {
  idOf(actor: number, key: string): number;
  keyOf(actor: number, id: number): string;
}

/** What an actor does from one component: memoized, immutable, shared by every state that has it. */
export interface Move {
  readonly actor: number;
  /** The component it steps from. */
  readonly from: number;
  /** Position in the mailbox of the message it takes. */
  readonly position: number;
  /** The message id it takes. */
  readonly message: number;
  /** The step table's outcome: disposition, next local state, sends, failures. */
  readonly outcome: Outcome;
  /** The actor's component after the step. */
  readonly own: number;
  /** Sends to other actors, as flat (receiver, message id) pairs in the order they were made. */
  readonly others: Int32Array;
  /** Every actor the step sends to (the actor itself included if it sends to itself), ascending. */
  readonly receivers: Int32Array;
  /** The receivers as a bit mask over actors 0..31 (actors from 32 on set every bit). */
  readonly receiverMask: number;
  /** The outcome carries failures (an assertion, an unhandled message, an actor error). */
  readonly failing: boolean;
  /** Kernel.checkTransition's cache: the checker list `interest` was computed for (null: none yet). */
  interestOf: object | null;
  /** Which of those checkers want to see this move (bit i: checker i). */
  interest: number;
  /** Kernel.sendsOf's cache: the sends by receiver name and message (null: not asked yet). */
  named: Array<{ to: string; message: Message }> | null;
}

/**
 * One actor's components. Arrays grow by doubling (the object stays, its arrays are replaced);
 * ids index them. @internal: the stepper reads these fields in its hot loop.
 */
export class ActorComponents {
  count = 0;
  local: Int32Array = new Int32Array(16);
  boxStart: Int32Array = new Int32Array(16);
  boxLength: Int32Array = new Int32Array(16);
  boxes: Int32Array = new Int32Array(64);
  boxesUsed = 0;
  /** The two Zobrist words of each component. */
  z1: Int32Array = new Int32Array(16);
  z2: Int32Array = new Int32Array(16);
  /** undefined: not computed yet; null: the actor takes no message from this component. */
  readonly moves: Array<Move | null | undefined> = [];
  readonly keys = new Map<string, number>();
  /** (component, message) -> component after appending the message. */
  readonly appends = new PairMap();
  /** With shared ids: 1 where this thread holds the component (ids it has not met are holes). */
  known: Uint8Array = new Uint8Array(16);
}

/** Words written into the component tables between two calls of {@link Components.onWork}. */
export const WORK_CHECK = 1 << 18;

export class Components {
  private readonly actors: ActorComponents[];
  /** Words written into the tables so far: a mailbox's messages and one for the local state, per component. */
  private work = 0;
  private nextWorkCheck = WORK_CHECK;
  /** Characters in the interning keys (strings of the whole mailbox), for {@link bytes}. */
  private keyChars = 0;
  /**
   * Called after every {@link WORK_CHECK} words written, also in the middle of one step: a step
   * that sends 100,000 messages builds 100,000 ever longer mailboxes before it returns, so the
   * search's bounds (time, memory, Ctrl-C) are checked here too (Search.ts); it may throw to end
   * the step. Everything written before the call is consistent.
   */
  onWork: (() => void) | undefined;

  private shared: ComponentIds | undefined;
  private readonly snapshotKeys: string[][];
  private readonly messageKeys: string[] = [];

  constructor(
    readonly table: StepTable,
    readonly actorCount: number,
  ) {
    this.actors = Array.from({ length: actorCount }, () => new ActorComponents());
    this.snapshotKeys = Array.from({ length: actorCount }, () => []);
  }

  /**
   * Takes ids from `ids` from now on (call before anything is interned): the ids of a
   * shared-memory parallel search, equal in every thread for equal components.
   */
  shareIds(ids: ComponentIds): void {
    if (this.total() !== 0) throw new Error('Components.shareIds: components were interned already');
    this.shared = ids;
  }

  /**
   * The content of `actor`'s component (local state `local`, mailbox `box`) as a string equal in
   * every thread for equal contents: `[value, hasContext, context, status, [messages]]` in
   * canonical JSON (plainData.ts). {@link ensure} rebuilds the component from it.
   */
  portableKey(actor: number, local: number, box: ArrayLike<number>): string {
    const keys = this.snapshotKeys[actor] as string[];
    let s = keys[local];
    if (s === undefined) {
      const snap = this.table.snapshot(actor, local);
      s = `${canonicalKey(snap.value)},${snap.context === undefined ? '0,null' : `1,${canonicalKey(snap.context)}`},${JSON.stringify(snap.status)}`;
      keys[local] = s;
    }
    let out = `[${s},[`;
    for (let i = 0; i < box.length; i++) {
      const m = box[i] as number;
      let mk = this.messageKeys[m];
      if (mk === undefined) {
        mk = canonicalKey(this.table.message(m));
        this.messageKeys[m] = mk;
      }
      out += i === 0 ? mk : `,${mk}`;
    }
    return `${out}]]`;
  }

  /**
   * With shared ids: makes sure this thread holds `actor`'s component `id` (allocated by some
   * thread), rebuilding it from its portable key: the snapshot through the machine's
   * `resolveState`, the messages as they are.
   */
  ensure(actor: number, id: number): void {
    const t = this.actors[actor] as ActorComponents;
    if (id < t.known.length && t.known[id] === 1) return;
    const shared = this.shared as ComponentIds;
    const [value, hasContext, context, status, messages] = JSON.parse(shared.keyOf(actor, id)) as [unknown, number, unknown, string, Message[]];
    const machine = this.table.system.machines[actor] as AnyStateMachine;
    const snapshot = machine.resolveState({ value, ...(hasContext ? { context } : {}), status } as never) as AnyMachineSnapshot;
    const local = this.table.internSnapshot(actor, snapshot);
    const box = messages.map((m) => this.table.internMessage(m));
    this.place(t, actor, id, local, box, keyOf(local, box));
  }

  /** Components interned for `actor` so far. */
  count(actor: number): number {
    return (this.actors[actor] as ActorComponents).count;
  }

  /** Total components over all actors. */
  total(): number {
    let s = 0;
    for (const t of this.actors) s += t.count;
    return s;
  }

  /** The id of `actor`'s component (local state `local`, mailbox `box`), interning it if new. */
  intern(actor: number, local: number, box: ArrayLike<number>): number {
    const t = this.actors[actor] as ActorComponents;
    const key = keyOf(local, box);
    const found = t.keys.get(key);
    if (found !== undefined) return found;
    const id = this.shared ? this.shared.idOf(actor, this.portableKey(actor, local, box)) : t.count;
    this.place(t, actor, id, local, box, key);
    return id;
  }

  private place(t: ActorComponents, actor: number, id: number, local: number, box: ArrayLike<number>, key: string): void {
    while (id >= t.local.length) growComponents(t);
    if (id >= t.count) t.count = id + 1;
    if (t.boxesUsed + box.length > t.boxes.length) t.boxes = grown(t.boxes, t.boxesUsed + box.length);
    t.local[id] = local;
    t.boxStart[id] = t.boxesUsed;
    t.boxLength[id] = box.length;
    for (let i = 0; i < box.length; i++) t.boxes[t.boxesUsed++] = box[i] as number;
    t.z1[id] = zobrist(actor, id, 0x2545f491);
    t.z2[id] = zobrist(actor, id, 0x7f4a7c15);
    t.known[id] = 1;
    t.keys.set(key, id);
    this.keyChars += key.length;
    this.work += box.length + 1;
    if (this.work >= this.nextWorkCheck) {
      this.nextWorkCheck = this.work + WORK_CHECK;
      this.onWork?.();
    }
  }

  local(actor: number, c: number): number {
    return (this.actors[actor] as ActorComponents).local[c] as number;
  }

  /** Messages in the component's mailbox. */
  mailboxLength(actor: number, c: number): number {
    return (this.actors[actor] as ActorComponents).boxLength[c] as number;
  }

  /** The message ids in the component's mailbox, oldest first. */
  mailbox(actor: number, c: number): number[] {
    const t = this.actors[actor] as ActorComponents;
    const start = t.boxStart[c] as number;
    return Array.from(t.boxes.subarray(start, start + (t.boxLength[c] as number)));
  }

  z1(actor: number, c: number): number {
    return (this.actors[actor] as ActorComponents).z1[c] as number;
  }

  z2(actor: number, c: number): number {
    return (this.actors[actor] as ActorComponents).z2[c] as number;
  }

  /**
   * What `actor` does from component `c`, or null if it takes no message there. Computed once
   * per (actor, component); `hit` counts the look-ups that found it computed.
   */
  move(actor: number, c: number): Move | null {
    const t = this.actors[actor] as ActorComponents;
    const known = t.moves[c];
    if (known !== undefined) {
      this.hits++;
      return known;
    }
    const computed = this.computeMove(actor, c);
    t.moves[c] = computed;
    return computed;
  }

  /** Move look-ups answered from the memo. */
  hits = 0;

  /** The component of `actor` after appending message `m` to component `c`'s mailbox. */
  append(actor: number, c: number, m: number): number {
    const t = this.actors[actor] as ActorComponents;
    const known = t.appends.get(c, m);
    if (known >= 0) return known;
    const start = t.boxStart[c] as number;
    const len = t.boxLength[c] as number;
    const box = new Array<number>(len + 1);
    for (let i = 0; i < len; i++) box[i] = t.boxes[start + i] as number;
    box[len] = m;
    const id = this.intern(actor, t.local[c] as number, box);
    t.appends.set(c, m, id);
    return id;
  }

  /** Each actor's tables, for the stepper's hot loop: read them, never write them. @internal */
  tables(): readonly ActorComponents[] {
    return this.actors;
  }

  /** Bytes held by the component tables (approximate: typed arrays at their capacity). */
  bytes(): number {
    let b = 0;
    for (const t of this.actors) b += t.local.byteLength * 5 + t.boxes.byteLength + t.appends.bytes();
    // The key map: two bytes a character (V8 keeps a key of digits and commas in one byte, but
    // the map's entries and string headers more than make up for it).
    return b + this.keyChars * 2;
  }

  private computeMove(actor: number, c: number): Move | null {
    const t = this.actors[actor] as ActorComponents;
    const local = t.local[c] as number;
    const start = t.boxStart[c] as number;
    const len = t.boxLength[c] as number;
    const position = selectMessage(this.table, actor, local, t.boxes, start, len);
    if (position < 0) return null;
    const message = t.boxes[start + position] as number;
    const outcome = this.table.outcome(actor, local, message);
    const ownBox: number[] = [];
    for (let i = 0; i < len; i++) if (i !== position) ownBox.push(t.boxes[start + i] as number);
    const others: number[] = [];
    const receivers = new Set<number>();
    for (let i = 0; i < outcome.sends.length; i += 2) {
      const r = outcome.sends[i] as number;
      const m = outcome.sends[i + 1] as number;
      receivers.add(r);
      if (r === actor) ownBox.push(m);
      else others.push(r, m);
    }
    const sorted = [...receivers].sort((x, y) => x - y);
    let mask = 0;
    for (const r of sorted) mask |= r < 32 ? 1 << r : -1;
    return {
      actor,
      from: c,
      position,
      message,
      outcome,
      own: this.intern(actor, outcome.next, ownBox),
      others: Int32Array.from(others),
      receivers: Int32Array.from(sorted),
      receiverMask: mask,
      failing: outcome.failures.length > 0,
      interestOf: null,
      named: null,
      interest: 0,
    };
  }
}

function keyOf(local: number, box: ArrayLike<number>): string {
  let key = `${local}`;
  for (let i = 0; i < box.length; i++) key += `,${box[i] as number}`;
  return key;
}

function grown(a: Int32Array, atLeast: number): Int32Array {
  let size = a.length * 2;
  while (size < atLeast) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

function growComponents(t: ActorComponents): void {
  const size = t.local.length * 2;
  t.local = grown(t.local, size);
  t.boxStart = grown(t.boxStart, size);
  t.boxLength = grown(t.boxLength, size);
  t.z1 = grown(t.z1, size);
  t.z2 = grown(t.z2, size);
  const known = new Uint8Array(size);
  known.set(t.known);
  t.known = known;
}

/** murmur3's 32-bit finalizer: a bijection on 32-bit integers that mixes every bit. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The Zobrist word of (actor, component) for one of the two tables (told apart by `salt`). */
function zobrist(actor: number, c: number, salt: number): number {
  return fmix32(fmix32(Math.imul(actor + 1, 0x9e3779b1) ^ salt) + c);
}

/**
 * A map from pairs of non-negative int32s to non-negative int32s: open addressing with linear
 * probing in one Int32Array of (key1 + 1, key2, value) triples, load at most 1/2. No allocation
 * per look-up; used for the append memo, which every transition consults.
 */
export class PairMap {
  private slots: Int32Array = new Int32Array(3 * 64);
  private mask = 63;
  private size = 0;

  /** The value stored for (a, b), or -1. */
  get(a: number, b: number): number {
    const slots = this.slots;
    let i = pairHash(a, b) & this.mask;
    for (;;) {
      const k = slots[3 * i] as number;
      if (k === 0) return -1;
      if (k === a + 1 && slots[3 * i + 1] === b) return slots[3 * i + 2] as number;
      i = (i + 1) & this.mask;
    }
  }

  set(a: number, b: number, value: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    let i = pairHash(a, b) & this.mask;
    for (;;) {
      const k = this.slots[3 * i] as number;
      if (k === 0) break;
      if (k === a + 1 && this.slots[3 * i + 1] === b) {
        this.slots[3 * i + 2] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.slots[3 * i] = a + 1;
    this.slots[3 * i + 1] = b;
    this.slots[3 * i + 2] = value;
    this.size++;
  }

  bytes(): number {
    return this.slots.byteLength;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 3) if (old[i] !== 0) this.set((old[i] as number) - 1, old[i + 1] as number, old[i + 2] as number);
  }
}

function pairHash(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}
