/**
 * One worker of the parallel breadth-first search (see coordinator.ts for the algorithm).
 *
 * The worker builds the system itself from its {@link SystemSource}, then serves the
 * coordinator's commands one at a time, synchronously (sync.ts): `expand` its share of the
 * current level, `receive` the successors the others shipped to it and dedupe them, `rank`
 * (take the next level's frontier), `parent` (one step of a path walk back), `stats`, `stop`.
 *
 * States travel between workers in a portable form: a worker's local-state and message ids are
 * its own, so each batch carries the plain content ({value, context, status}; the message) of
 * every id the receiver has not seen from this sender yet, and the receiver rebuilds the
 * snapshot with the machine's `resolveState` and interns it. Owners are chosen by a hash of the
 * state's content, the same in every worker.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { ModelError } from '../errors.js';
import { Kernel, STEP_DISABLED, STEP_FAILS, type Finding } from '../Kernel.js';
import type { Message } from '../model.js';
import { canonicalKey } from '../plainData.js';
import { StateStore, hashVector } from '../StateStore.js';
import { fnv1a, loadSystem } from '../system.js';
import { SyncChannel, takeQueued } from './sync.js';
import { moduleUrl, systemFrom, type SystemSource } from './source.js';
import type { Batch, LevelEvent, WorkerCommand } from './protocol.js';

interface WorkerData {
  index: number;
  workers: number;
  sig: SharedArrayBuffer;
  control: MessagePort;
  /** peers[w]: the port to and from worker w (null for this worker). */
  peers: Array<MessagePort | null>;
  source: SystemSource;
  maxDepth: number;
}

const data = workerData as WorkerData;
const me = data.index;
const W = data.workers;
const control = new SyncChannel(data.control, new Int32Array(data.sig), 2 * me + 1, 2 * me, 'the coordinator');

function fail(err: unknown): void {
  control.send({ type: 'error', model: err instanceof ModelError, message: err instanceof Error ? err.message : String(err) });
}

function serve(k: Kernel): void {
  const w = new Shard(k);
  for (;;) {
    const cmd = control.receive() as WorkerCommand;
    try {
      if (cmd.type === 'stop') return;
      control.send(...w.handle(cmd));
    } catch (err) {
      fail(err);
    }
  }
}

class Shard {
  private readonly n: number;
  private readonly store: StateStore;
  // How each stored state was first reached (BFS order): parent's worker and id, and actor.
  private parentWorker: Int32Array = new Int32Array(1024);
  private parentId: Int32Array = new Int32Array(1024);
  private parentActor: Int32Array = new Int32Array(1024);
  private readonly cur: Int32Array;
  private readonly out: Int32Array;
  private hashBuf = new Int32Array(256);
  private readonly localHash: number[][];
  private readonly messageHash: number[] = [];
  // The frontier: ids and global BFS ranks, in rank order.
  private frontier = new Int32Array(0);
  private ranks = new Int32Array(0);
  // The level just received: its first id, and each new state's BFS key.
  private levelStart = 0;
  private levelKeys = new Float64Array(0);
  private levelOrder = new Int32Array(0);
  private levelBroken = new Uint8Array(0);
  // What this worker told each peer already (its ids), and what each peer's ids mean here.
  private readonly sentLocals: Array<Array<Set<number>>>;
  private readonly sentMessages: Array<Set<number>>;
  private readonly localFrom: Array<Array<Map<number, number>>>;
  private readonly messageFrom: Array<Map<number, number>>;

  constructor(private readonly k: Kernel) {
    this.n = k.actorCount;
    this.store = new StateStore(this.n);
    this.cur = k.newState();
    this.out = k.newState();
    this.localHash = Array.from({ length: this.n }, () => []);
    this.sentLocals = Array.from({ length: W }, () => Array.from({ length: this.n }, () => new Set<number>()));
    this.sentMessages = Array.from({ length: W }, () => new Set<number>());
    this.localFrom = Array.from({ length: W }, () => Array.from({ length: this.n }, () => new Map<number, number>()));
    this.messageFrom = Array.from({ length: W }, () => new Map<number, number>());
    const init = k.pack(k.initial());
    if (this.owner(init, init.length) === me) {
      this.addNew(init, -1, -1, -1, 0);
      this.frontier = Int32Array.of(0);
      this.ranks = Int32Array.of(0);
    }
  }

  handle(cmd: WorkerCommand): [unknown, ArrayBuffer[]?] {
    switch (cmd.type) {
      case 'expand':
        return this.expand();
      case 'receive':
        return this.receive(cmd.depth);
      case 'rank':
        return this.rank(cmd.ranks);
      case 'parent':
        return [{ type: 'parent', worker: this.parentWorker[cmd.id], id: this.parentId[cmd.id], actor: this.parentActor[cmd.id] }];
      case 'stats': {
        const t = this.k.table.stats;
        return [{ type: 'stats', xstateCalls: t.xstateCalls, memoHits: t.memoHits, localStates: t.localStates, messages: t.messages, states: this.store.size, bytes: this.store.bytesPerState() * this.store.size }];
      }
      default:
        throw new ModelError(`parallel worker ${me}: unknown command ${(cmd as { type: string }).type}`);
    }
  }

  /** Expands this worker's share of the level; ships each successor to its owner. */
  private expand(): [unknown, ArrayBuffer[]] {
    const k = this.k;
    const n = this.n;
    const batches: Batch[] = Array.from({ length: W }, () => ({ locals: [], messages: [], vectors: [], keys: [], parents: [] }));
    const transitionKeys: number[] = [];
    const events: LevelEvent[] = [];
    let depthTripKey = Infinity;
    for (let i = 0; i < this.frontier.length; i++) {
      const id = this.frontier[i] as number;
      const rank = this.ranks[i] as number;
      const v = this.read(id);
      const depth = this.store.depth(id);
      let any = false;
      for (let a = 0; a < n; a++) {
        const status = k.step(v, a, this.out);
        if (status === STEP_DISABLED) continue;
        any = true;
        const key = rank * (n + 1) + a;
        transitionKeys.push(key);
        if (status === STEP_FAILS) {
          k.stepFindings(v, a, this.out).forEach((f, seq) => events.push(event(f, key, seq, id, a)));
          continue;
        }
        if (depth + 1 > data.maxDepth) {
          if (key < depthTripKey) depthTripKey = key;
          continue;
        }
        const packed = k.pack(this.out);
        const to = this.owner(packed, packed.length);
        this.pack(batches[to] as Batch, to, packed, packed.length, key, id, a);
      }
      if (!any) {
        const d = k.deadlockFinding(v);
        if (d) events.push(event(d, rank * (n + 1) + n, 0, id, -1));
      }
    }
    this.outgoing = batches;
    for (let to = 0; to < W; to++) if (to !== me) (data.peers[to] as MessagePort).postMessage(batches[to]);
    const keys = Float64Array.from(transitionKeys);
    return [{ type: 'expanded', events, transitionKeys: keys, depthTripKey }, [keys.buffer]];
  }

  private outgoing: Batch[] = [];

  /** Appends a successor (in this worker's ids) to the batch for worker `to`. */
  private pack(batch: Batch, to: number, v: Int32Array, len: number, key: number, parent: number, actor: number): void {
    const n = this.n;
    if (to !== me) {
      for (let a = 0; a < n; a++) {
        const local = v[a] as number;
        const sent = (this.sentLocals[to] as Array<Set<number>>)[a] as Set<number>;
        if (!sent.has(local)) {
          sent.add(local);
          const s = this.k.table.snapshot(a, local);
          batch.locals.push([a, local, s.value, s.context ?? null, s.status]);
        }
      }
      const sentM = this.sentMessages[to] as Set<number>;
      for (let i = 2 * n; i < len; i++) {
        const m = v[i] as number;
        if (!sentM.has(m)) {
          sentM.add(m);
          batch.messages.push([m, this.k.table.message(m)]);
        }
      }
    }
    batch.vectors.push(len);
    for (let i = 0; i < len; i++) batch.vectors.push(v[i] as number);
    batch.keys.push(key);
    batch.parents.push(me, parent, actor);
  }

  /** Dedupes the successors shipped to this worker; checks invariants of the new states. */
  private receive(depth: number): [unknown, ArrayBuffer[]] {
    const n = this.n;
    this.levelStart = this.store.size;
    let keys = new Float64Array(1024);
    const incoming: Array<{ from: number; batch: Batch }> = [];
    for (let from = 0; from < W; from++) {
      const batch = from === me ? (this.outgoing[me] as Batch) : (takeQueued(data.peers[from] as MessagePort, `batch from worker ${from}`) as Batch);
      incoming.push({ from, batch });
    }
    this.outgoing = [];
    let buf = new Int32Array(2 * n + n * this.k.system.mailboxBound + 1);
    for (const { from, batch } of incoming) {
      if (from !== me) this.learn(from, batch);
      let at = 0;
      for (let c = 0; c < batch.keys.length; c++) {
        const len = batch.vectors[at++] as number;
        if (len > buf.length) buf = new Int32Array(len * 2);
        for (let i = 0; i < len; i++) buf[i] = batch.vectors[at + i] as number;
        at += len;
        if (from !== me) this.translate(from, buf, len);
        const key = batch.keys[c] as number;
        const pw = batch.parents[3 * c] as number;
        const pid = batch.parents[3 * c + 1] as number;
        const pa = batch.parents[3 * c + 2] as number;
        const got = this.store.add(this.k.unpack(buf, this.out), pid, pa, depth);
        if (got >= 0) {
          this.setParent(got, pw, pid, pa);
          const slot = got - this.levelStart;
          if (slot >= keys.length) {
            const grown = new Float64Array(keys.length * 2);
            grown.set(keys);
            keys = grown;
          }
          keys[slot] = key;
        } else {
          const id = -got - 1;
          const slot = id - this.levelStart;
          if (slot >= 0 && key < (keys[slot] as number)) {
            keys[slot] = key;
            this.setParent(id, pw, pid, pa);
          }
        }
      }
    }
    const count = this.store.size - this.levelStart;
    const order = Array.from({ length: count }, (_, i) => i).sort((x, y) => (keys[x] as number) - (keys[y] as number));
    const sortedKeys = new Float64Array(count);
    const broken = new Uint8Array(count);
    const events: LevelEvent[] = [];
    order.forEach((slot, i) => {
      const id = this.levelStart + slot;
      const key = keys[slot] as number;
      sortedKeys[i] = key;
      const state = this.read(id);
      const findings = this.k.invariantFindings(state);
      if (findings.length === 0) return;
      broken[i] = 1;
      findings.forEach((f, j) => events.push(event(f, key, 1000 + j, id, -2)));
      if (this.k.enabledActors(state).length === 0) {
        const d = this.k.deadlockFinding(state);
        if (d) events.push(event(d, key, 2000, id, -2));
      }
    });
    this.levelKeys = sortedKeys;
    this.levelOrder = Int32Array.from(order, (slot) => this.levelStart + slot);
    this.levelBroken = broken;
    void n;
    const copy = sortedKeys.slice();
    const brokenCopy = broken.slice();
    return [{ type: 'received', keys: copy, broken: brokenCopy, events, bytes: this.store.bytes() }, [copy.buffer, brokenCopy.buffer]];
  }

  /** The next frontier: the level's new states that break no invariant, with their global ranks. */
  private rank(ranks: Int32Array): [unknown] {
    const ids: number[] = [];
    const rs: number[] = [];
    for (let i = 0; i < this.levelOrder.length; i++) {
      if (this.levelBroken[i]) continue;
      ids.push(this.levelOrder[i] as number);
      rs.push(ranks[i] as number);
    }
    this.frontier = Int32Array.from(ids);
    this.ranks = Int32Array.from(rs);
    void this.levelKeys;
    return [{ type: 'ranked', frontier: ids.length }];
  }

  /** Interns the snapshots and messages a peer sent for the first time. */
  private learn(from: number, batch: Batch): void {
    const machines = this.k.system.machines;
    for (const [a, id, value, context, status] of batch.locals) {
      const machine = machines[a] as AnyStateMachine;
      const snapshot = machine.resolveState({ value, context, status } as never) as AnyMachineSnapshot;
      ((this.localFrom[from] as Array<Map<number, number>>)[a] as Map<number, number>).set(id, this.k.table.internSnapshot(a, snapshot));
    }
    for (const [id, message] of batch.messages) (this.messageFrom[from] as Map<number, number>).set(id, this.k.table.internMessage(message));
  }

  /** Rewrites a vector in `from`'s ids into this worker's ids, in place. */
  private translate(from: number, v: Int32Array, len: number): void {
    const n = this.n;
    const locals = this.localFrom[from] as Array<Map<number, number>>;
    for (let a = 0; a < n; a++) v[a] = (locals[a] as Map<number, number>).get(v[a] as number) as number;
    const msgs = this.messageFrom[from] as Map<number, number>;
    for (let i = 2 * n; i < len; i++) v[i] = msgs.get(v[i] as number) as number;
  }

  private read(id: number): Int32Array {
    this.store.read(id, this.cur);
    this.k.rehash(this.cur);
    return this.cur;
  }

  private addNew(packed: Int32Array, pw: number, pid: number, pa: number, depth: number): number {
    const id = this.store.add(this.k.unpack(packed, this.out), pid, pa, depth);
    this.setParent(id, pw, pid, pa);
    return id;
  }

  private setParent(id: number, pw: number, pid: number, pa: number): void {
    if (id >= this.parentWorker.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(Math.max(a.length * 2, id + 1));
        b.set(a);
        return b;
      };
      this.parentWorker = grow(this.parentWorker);
      this.parentId = grow(this.parentId);
      this.parentActor = grow(this.parentActor);
    }
    this.parentWorker[id] = pw;
    this.parentId[id] = pid;
    this.parentActor[id] = pa;
  }

  /** The worker owning a state: a hash of its content (not of this worker's ids) modulo W. */
  private owner(v: Int32Array, len: number): number {
    if (W === 1) return 0;
    const n = this.n;
    if (this.hashBuf.length < len) this.hashBuf = new Int32Array(len * 2);
    const h = this.hashBuf;
    for (let a = 0; a < n; a++) h[a] = this.localContentHash(a, v[a] as number);
    for (let i = n; i < 2 * n; i++) h[i] = v[i] as number;
    for (let i = 2 * n; i < len; i++) h[i] = this.messageContentHash(v[i] as number);
    return hashVector(h, len) % W;
  }

  private localContentHash(actor: number, id: number): number {
    const table = this.localHash[actor] as number[];
    let h = table[id];
    if (h === undefined) {
      const s = this.k.table.snapshot(actor, id);
      h = fnv1a(canonicalKey([s.value, s.context ?? null, s.status])) | 0;
      table[id] = h;
    }
    return h;
  }

  private messageContentHash(id: number): number {
    let h = this.messageHash[id];
    if (h === undefined) {
      h = fnv1a(canonicalKey(this.k.table.message(id) as Message)) | 0;
      this.messageHash[id] = h;
    }
    return h;
  }
}

function event(f: Finding, key: number, seq: number, id: number, actor: number): LevelEvent {
  return { key, seq, finding: f, worker: me, id, actor };
}

// Start: build the system, then serve until told to stop (after the class definitions).
let kernel: Kernel | undefined;
try {
  const mod = (await import(moduleUrl(data.source))) as Record<string, unknown>;
  kernel = new Kernel(loadSystem(systemFrom(mod, data.source)));
} catch (err) {
  fail(err);
}
if (kernel) serve(kernel);
for (const p of data.peers) p?.close();
control.close();
