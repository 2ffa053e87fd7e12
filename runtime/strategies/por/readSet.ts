/**
 * What an invariant reads, found by watching it: the visibility half of partial-order reduction.
 *
 * A reduced search may postpone a step only if no invariant can tell whether it ran: the step
 * must be *invisible* (the visibility condition C2 of ample sets: E. M. Clarke, O. Grumberg,
 * D. Peled, "Model Checking", MIT Press 1999, ch. 10). Declared `reads` lists give that per
 * actor; an invariant that looks at every actor would make every step visible, and the
 * reduction would keep nothing. So instead of trusting a declaration we watch each evaluation:
 * the view handed to the check records every actor snapshot field and every mailbox it reads,
 * down to the field (`context.leader`, the state value, a mailbox). A step is then visible only
 * if it changes a value some invariant has read: a node that relays a message without changing
 * its `leader` flag stays invisible to "at most one leader".
 *
 * Why this is sound. The check is a function of the values it reads (it must be deterministic
 * and read the state only through the view, as invariants already must be). If two states agree
 * on every value the check read in the first, the check reads the same values in the second and
 * returns the same answer. Let V be every path recorded over the search. Persistent sets with
 * C2 (over V) and the cycle proviso keep, for every reachable state, an explored state with the
 * same values at V (stutter equivalence of the projection, Clarke et al. ch. 10). So if some
 * reachable state b breaks an invariant, an explored state b' agrees with b on V; the check read
 * only paths in V at b' (had it read a new one, V would have grown), so it reads the same values
 * at b and gives the same verdict: b' breaks it too. If V grows during a search, the steps
 * reduced so far were judged against too small a V, and the strategy starts over (at most once
 * per new path; in practice the first state shows everything an invariant reads).
 *
 * Paths are recorded per actor: `['value']` (the state value, also read through `matches`,
 * `hasTag` or `getMeta`), `['status']`, `['context', 'leader']`, and `['*']` for anything the
 * view cannot follow (`can`, `toJSON`, enumerating a context object: the whole local state).
 * Reading an object-valued field records only whether it is an object; reading into it records
 * deeper paths. Mailboxes are recorded whole.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { canonicalKey } from '../../plainData.js';
import type { Message } from '../../model.js';
import type { GlobalView, Invariant } from '../../system.js';

/** One path into an actor's snapshot, and how it has been read. */
class PathNode {
  readonly children = new Map<string, PathNode>();
  /** The value here was read. */
  value = false;
  /** Whether the value here is an object, an array or null was read. */
  shape = false;
  constructor(readonly path: readonly string[]) {}

  child(key: string): PathNode {
    let c = this.children.get(key);
    if (!c) {
      c = new PathNode([...this.path, key]);
      this.children.set(key, c);
    }
    return c;
  }
}

const WHOLE = '*';

/** Snapshot fields that are functions of the state value. */
const VALUE_FIELDS = new Set(['value', '_nodes', 'tags']);
/** Snapshot fields compared by value (the others, `historyValue`, `children`, ..., count as the whole local state). */
const PLAIN_FIELDS = new Set(['status', 'output']);
/** Snapshot methods whose reads go through `this`, so the proxy sees them. */
const METHODS = new Set(['matches', 'hasTag', 'getMeta']);

/** Every path read so far, per actor, and the mailboxes read. */
export class ReadSet {
  private readonly roots: PathNode[];
  /** Per actor: the nodes read, in the order first read. */
  private readonly marked: PathNode[][];
  /** Actors whose mailbox some invariant has read. */
  mailboxes = 0;
  /** Bumped whenever a new path or mailbox is recorded. */
  version = 0;
  /** Per actor, per local state id: its projection id + 1 (0: not computed yet). */
  private projections: Int32Array[];
  private readonly projectionKeys: Array<Map<string, number>>;
  private projectionVersion = 0;
  /** Per actor: snapshot -> its recording proxy (snapshots are interned, so these are few). */
  private readonly proxies: Array<WeakMap<object, AnyMachineSnapshot>>;

  /** The view of the check being evaluated now, which {@link recording} reads through. */
  private inner: GlobalView | undefined;
  /** One recording view for every evaluation (no allocation per check). */
  private readonly recording: GlobalView;

  constructor(
    private readonly actorNames: readonly string[],
    private readonly index: ReadonlyMap<string, number>,
  ) {
    const n = actorNames.length;
    this.roots = Array.from({ length: n }, () => new PathNode([]));
    this.marked = Array.from({ length: n }, () => []);
    this.projections = Array.from({ length: n }, () => new Int32Array(16));
    this.projectionKeys = Array.from({ length: n }, () => new Map());
    this.proxies = Array.from({ length: n }, () => new WeakMap());
    this.recording = {
      actorNames,
      actor: (name: string) => {
        const snap = (this.inner as GlobalView).actor(name);
        const a = this.index.get(name);
        if (a === undefined) return snap;
        const cache = this.proxies[a] as WeakMap<object, AnyMachineSnapshot>;
        let proxied = cache.get(snap);
        if (!proxied) {
          proxied = this.snapshotProxy(a, snap);
          cache.set(snap, proxied);
        }
        return proxied;
      },
      mailbox: (name: string): readonly Message[] => {
        const a = this.index.get(name);
        if (a !== undefined) this.recordMailbox(a);
        return (this.inner as GlobalView).mailbox(name);
      },
    };
  }

  /** Actors some invariant reads anything of (local state or mailbox), as a mask. */
  get actorsRead(): number {
    let m = this.mailboxes;
    this.marked.forEach((r, a) => {
      if (r.length) m |= 1 << a;
    });
    return m;
  }

  private mark(actor: number, node: PathNode, shape: boolean): void {
    if (node.value || (shape && node.shape)) return;
    if (shape) node.shape = true;
    else node.value = true;
    (this.marked[actor] as PathNode[]).push(node);
    this.version++;
  }

  /** Whether any invariant has read anything of `actor`'s local state. */
  readsLocal(actor: number): boolean {
    return (this.marked[actor] as PathNode[]).length > 0;
  }

  /** Records that an invariant read `path` of `actor`'s snapshot (its value, or only its shape). */
  recordPath(actor: number, path: readonly string[], shape: boolean): void {
    let node = this.roots[actor] as PathNode;
    for (const key of path) node = node.child(key);
    this.mark(actor, node, shape);
  }

  recordMailbox(actor: number): void {
    if (this.mailboxes & (1 << actor)) return;
    this.mailboxes |= 1 << actor;
    this.version++;
  }

  /**
   * A small integer that is equal for two local states of `actor` exactly when they agree on
   * every path read of `actor` so far: a step is invisible to every invariant when its actor's
   * projection does not change (and it touches no mailbox read).
   */
  projection(actor: number, local: number, snapshot: (actor: number, local: number) => AnyMachineSnapshot): number {
    if (this.projectionVersion !== this.version) {
      // Projection ids are renumbered: verdicts keyed by the old ones are forgotten.
      for (const p of this.projections) p.fill(0);
      for (const k of this.projectionKeys) k.clear();
      for (const m of this.verdicts) m.clear();
      this.projectionVersion = this.version;
    }
    let cache = this.projections[actor] as Int32Array;
    if (local < cache.length) {
      const hit = cache[local] as number;
      if (hit !== 0) return hit - 1;
    } else {
      const grown = new Int32Array(Math.max(cache.length * 2, local + 1));
      grown.set(cache);
      this.projections[actor] = cache = grown;
    }
    const marked = this.marked[actor] as PathNode[];
    let id: number;
    if (marked.length === 0) id = 0;
    else {
      const snap = snapshot(actor, local);
      const parts: unknown[] = [];
      for (const node of marked) parts.push(node.path[0] === WHOLE ? ['#local', local] : valueAt(snap, node.path, node.value ? false : true));
      const key = canonicalKey(parts);
      const keys = this.projectionKeys[actor] as Map<string, number>;
      id = keys.get(key) ?? keys.size;
      if (id === keys.size) keys.set(key, id);
    }
    cache[local] = id + 1;
    return id;
  }

  /**
   * The verdicts of each watched invariant, by the values read: the key is the projection of
   * every actor whose local state has been read (see {@link keyOf}). A check is a function of the
   * values it reads, so a state that agrees with an earlier one on them gets the same verdict,
   * and the check would read nothing new: it need not run again.
   */
  private readonly verdicts: Array<Map<string | number, boolean | string>> = [];
  /** The key of the state the next checks run on, and how many of them it is good for. */
  private pendingKey: string | number | undefined;
  private pendingUses = 0;

  /**
   * The key of a state by what the invariants read of it: one projection per actor whose local
   * state has been read (`local(a)` gives actor a's local state id); undefined if a mailbox has
   * been read (no memo then).
   */
  keyOf(local: (actor: number) => number, snapshot: (actor: number, local: number) => AnyMachineSnapshot): string | number | undefined {
    if (this.mailboxes !== 0) return undefined;
    // Projection ids are small: pack them into one number while they fit in 53 bits.
    let key = 0;
    let scale = 1;
    let text: string | undefined;
    for (let a = 0; a < this.marked.length; a++) {
      if ((this.marked[a] as PathNode[]).length === 0) continue;
      const p = this.projection(a, local(a), snapshot);
      if (text === undefined && p < 1024 && scale < 2 ** 43) {
        key += p * scale;
        scale *= 1024;
      } else {
        text = `${text ?? `${key}|`}${p},`;
      }
    }
    return text ?? key;
  }

  /**
   * The next `uses` checks (one per watched invariant, as the kernel runs them) are on a state
   * whose {@link keyOf} is `key`: they may answer from the memo. Checks run without a key (a
   * replay, a report) always evaluate.
   */
  expect(key: string | number | undefined, uses: number): void {
    this.pendingKey = key;
    this.pendingUses = key === undefined ? 0 : uses;
  }

  /**
   * `invariant` with a check that records what it reads in this set. If the recording view
   * itself makes the check throw where the plain view does not (an invariant doing something
   * the view cannot follow), it falls back to reading every actor wholly.
   */
  watch(invariant: Invariant): Invariant {
    const memo = new Map<string | number, boolean | string>();
    this.verdicts.push(memo);
    return {
      ...invariant,
      check: (view: GlobalView) => {
        let key: string | number | undefined;
        if (this.pendingUses > 0) {
          this.pendingUses--;
          key = this.pendingKey;
          if (key !== undefined) {
            const known = memo.get(key);
            if (known !== undefined) return known;
          }
        }
        const before = this.version;
        const verdict = this.evaluate(invariant, view);
        // A check that read something new was not keyed by it: do not remember its verdict.
        if (key !== undefined && this.version === before) memo.set(key, verdict);
        return verdict;
      },
    };
  }

  private evaluate(invariant: Invariant, view: GlobalView): boolean | string {
    const outer = this.inner;
    this.inner = view;
    try {
      return invariant.check(this.recording);
    } catch {
      const plain = invariant.check(view);
      // The plain check returned: the recording view is at fault, so count everything read.
      for (let a = 0; a < this.actorNames.length; a++) {
        this.recordPath(a, [WHOLE], false);
        this.recordMailbox(a);
      }
      return plain;
    } finally {
      this.inner = outer;
    }
  }

  /**
   * A proxy of `snap` that records what is read of it. Built once per interned snapshot; the
   * objects inside are wrapped lazily, once each. Proxies wrap shallow copies, so a frozen
   * object inside a snapshot does not trip the proxy invariants.
   */
  private snapshotProxy(actor: number, snap: AnyMachineSnapshot): AnyMachineSnapshot {
    const root = this.roots[actor] as PathNode;
    const wrapped = new Map<object, unknown>();
    const wrap = (value: unknown, node: PathNode): unknown => {
      if (value === null || typeof value !== 'object') {
        this.mark(actor, node, false);
        return value;
      }
      this.mark(actor, node, true);
      const cached = wrapped.get(value);
      if (cached) return cached;
      const real = value as Record<string, unknown>;
      const target = (Array.isArray(value) ? [...value] : { ...real }) as Record<string | symbol, unknown>;
      const whole = (): void => this.mark(actor, node, false);
      const proxy = new Proxy(target, {
        get: (t, key) => {
          if (typeof key === 'symbol') return Reflect.get(t, key);
          const v = real[key];
          if (typeof v === 'function') return v;
          if (!Object.prototype.hasOwnProperty.call(real, key)) {
            // Absent: whether it is there is a read of the whole object.
            whole();
            return v;
          }
          return wrap(v, node.child(key));
        },
        has: (t, key) => {
          whole();
          return Reflect.has(t, key);
        },
        ownKeys: (t) => {
          whole();
          return Reflect.ownKeys(t);
        },
        getOwnPropertyDescriptor: (t, key) => {
          whole();
          return Reflect.getOwnPropertyDescriptor(t, key);
        },
      });
      wrapped.set(value, proxy);
      return proxy;
    };
    const fields = snap as unknown as Record<string, unknown>;
    const valueNode = root.child('value');
    const wholeNode = root.child(WHOLE);
    return new Proxy({ ...fields } as Record<string | symbol, unknown>, {
      get: (t, key) => {
        if (typeof key === 'symbol') return Reflect.get(t, key);
        if (key === 'machine') return snap.machine;
        if (key === 'context') return wrap(snap.context, root.child('context'));
        if (VALUE_FIELDS.has(key)) this.mark(actor, valueNode, false);
        else if (PLAIN_FIELDS.has(key)) this.mark(actor, root.child(key), false);
        else if (!METHODS.has(key)) this.mark(actor, wholeNode, false); // `can`, `toJSON`, anything else
        return fields[key];
      },
      has: (t, key) => {
        this.mark(actor, wholeNode, false);
        return Reflect.has(t, key);
      },
      ownKeys: (t) => {
        this.mark(actor, wholeNode, false);
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor: (t, key) => {
        this.mark(actor, wholeNode, false);
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
    }) as unknown as AnyMachineSnapshot;
  }
}

function valueAt(snap: AnyMachineSnapshot, path: readonly string[], shape: boolean): unknown {
  let v: unknown = snap;
  for (const key of path) {
    if (v === null || typeof v !== 'object') {
      v = undefined;
      break;
    }
    v = (v as Record<string, unknown>)[key];
  }
  if (shape) return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  return v === undefined ? ['#undefined'] : v;
}
