/**
 * Parallel breadth-first search over worker_threads (DESIGN.md decision 8), giving the same
 * result as the single-threaded `bfs`: the same verdict, the same violations with the same
 * (shortest, first-found) schedules and tokens, and the same state and transition counts.
 *
 * Algorithm: level-synchronous BFS, states partitioned over W workers by a hash of their
 * content. Each level:
 *
 * 1. `expand`: every worker expands the frontier states it owns, in rank order, and ships each
 *    successor to its owner, tagged with its BFS key `rank(parent) * (actors + 1) + actor`.
 *    Single-threaded BFS meets a level's steps in exactly this key order, and first reaches a
 *    state through its smallest key.
 * 2. `receive`: every owner dedupes what it got against its visited set, keeping for each new
 *    state the smallest key (so its parent is the one BFS records), and checks invariants of
 *    the new states.
 * 3. The coordinator merges the workers' sorted keys into global ranks for the next level,
 *    and replays the level's findings in key order as single-threaded BFS would: the first of
 *    each kind+message is recorded, the path is walked back through the workers' parent links,
 *    and replayed (runtime/replay.ts) to check it. Where single-threaded BFS would have stopped
 *    inside the level (maxViolations, maxStates) the counts are cut at that key.
 *
 * The time limit, the memory bound and cancellation (`shouldStop`) are checked at level
 * boundaries and, while the coordinator waits for the workers, every few milliseconds: a level
 * cut short is dropped (the workers are stopped) and the result counts the levels finished, so
 * a run stopped by them may differ from one thread (it is an 'incomplete' verdict either way).
 * The memory bound reads the caller's probe, else the workers' visited sets as they report them.
 * The coordinator is a {@link SearchRun}: it advances one level per call. Checkers (lockdep, ...) accumulate over
 * the search order and are rejected here, as are machines with history states (a snapshot is
 * rebuilt in another worker from its value and context only).
 *
 * Workers build the system themselves from a {@link SystemSource}; the step loops and this
 * coordinator are synchronous (sync.ts): no promises, no timers.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { InternalBug, ModelError } from '../errors.js';
import { Kernel, type Finding } from '../Kernel.js';
import { BOUND_HINTS, searchSettings, type BoundName, type ExploreResult, type ExploreStats, type SearchSettings, type StopCause, type StrategyOptions } from '../result.js';
import { loadSystem, type LoadedSystem, type SystemSpec } from '../system.js';
import { ViolationRecorder } from '../ViolationRecorder.js';
import { shrinkViolation } from '../shrink.js';
import type { LevelEvent, WorkerCommand } from './protocol.js';
import type { SystemSource } from './source.js';
import { StopWaiting, SyncChannel } from './sync.js';

export type { SystemSource } from './source.js';

export interface ParallelOptions extends StrategyOptions {
  /** Worker threads; default 2. */
  workers?: number;
  /** Where each worker builds the system from. Required. */
  source?: SystemSource;
}

export function exploreParallel(system: SystemSpec | LoadedSystem, options: ParallelOptions = {}): ExploreResult {
  const run = new ParallelSearch(system, options);
  while (!run.done) run.advance(1);
  return run.result();
}

interface NodeLike {
  type?: string;
  path?: string[];
  states?: Record<string, NodeLike>;
}

function historyNode(node: NodeLike | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'history') return (node.path ?? []).join('.');
  for (const child of Object.values(node.states ?? {})) {
    const found = historyNode(child);
    if (found) return found;
  }
  return undefined;
}

/** Rejects what parallel search does not support, naming the option or actor at fault. */
function checkParallel(sys: LoadedSystem, options: ParallelOptions): { workers: number; source: SystemSource } {
  const workers = options.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1) throw new ModelError(`option workers must be a positive integer, got ${String(workers)}`);
  if (!options.source) {
    throw new ModelError('parallel search needs options.source (the module and export the system is built from): each worker thread builds the system itself');
  }
  if (sys.checkers.length || options.checkers?.length) {
    throw new ModelError(`system '${sys.name}': parallel search does not support checkers (they judge transitions in search order, which differs between threads); use bfs`);
  }
  sys.machines.forEach((m, a) => {
    const node = historyNode((m as { root?: NodeLike }).root);
    if (node) throw new ModelError(`actor '${sys.actorNames[a]}', state '${node}': history states are not supported by parallel search (a state is rebuilt in another thread from its value and context); use bfs`);
  });
  return { workers, source: options.source };
}

/** A parallel BFS; advance it (one level per call) until `done`, then read `result()`. */
export class ParallelSearch {
  done = false;
  private readonly sys: LoadedSystem;
  private readonly opts: SearchSettings;
  private readonly W: number;
  private readonly source: SystemSource;
  private readonly kernel: Kernel;
  private readonly recorder: ViolationRecorder;
  private bound: ExploreResult['bound'];
  private stopCause: StopCause | undefined;
  private finished = false;
  private started = false;
  /** A level was cut short while the workers were busy in it. */
  private abandoned = false;
  private startedAt: number | undefined;
  private states = 1;
  private transitions = 0;
  private maxDepthReached = 0;
  private levels = 0;
  /** States of the next level, waiting to be expanded. */
  private pending = 1;
  private workerBytes = 0;
  private finalStats: Omit<ExploreStats, 'states' | 'transitions' | 'maxDepthReached' | 'memoHitRate'> = { xstateCalls: 0, memoHits: 0, localStates: 0, messages: 0, bytesPerState: 0 };
  private final: ExploreResult | undefined;
  private channels: SyncChannel[] = [];
  private threads: Worker[] = [];

  constructor(system: SystemSpec | LoadedSystem, options: ParallelOptions = {}) {
    this.sys = 'actorIndex' in system ? system : loadSystem(system);
    this.opts = searchSettings(options, true);
    const { workers, source } = checkParallel(this.sys, options);
    this.W = workers;
    this.source = source;
    this.kernel = new Kernel(this.sys);
    this.recorder = new ViolationRecorder(this.sys, this.opts.maxViolations, [], this.opts.onViolation);
    const init = this.kernel.initial();
    for (const f of [...this.kernel.initialFindings(), ...this.kernel.invariantFindings(init)]) this.record(f, []);
  }

  /** Runs the next level (the budget is not divided: a level is the unit). */
  advance(_budget: number): void {
    if (this.done) return;
    try {
      if (!this.started) {
        this.started = true;
        this.startedAt = this.opts.clock ? (this.opts.timeOrigin ?? this.opts.clock()) : undefined;
        this.start();
      }
      if (this.stopRequested() || !this.level()) this.finish();
    } catch (err) {
      if (!(err instanceof StopWaiting)) {
        this.shutdown();
        throw err;
      }
      // The workers are inside a level and cannot answer: drop the level, stop them.
      this.abandoned = true;
      this.finish();
    }
  }

  private finish(): void {
    if (this.pending === 0 && !this.stopCause) this.finished = true;
    if (this.threads.length) {
      if (!this.abandoned) this.finalStats = this.workerStats();
      this.shutdown();
    }
    this.done = true;
  }

  /** States of the level to expand next. */
  frontier(): number {
    return this.pending;
  }

  stats(): ExploreStats {
    const s = this.finalStats;
    const lookups = s.memoHits + s.xstateCalls;
    return { states: this.states, transitions: this.transitions, ...s, memoHitRate: lookups ? s.memoHits / lookups : 0, maxDepthReached: this.maxDepthReached };
  }

  result(): ExploreResult {
    if (this.final) return this.final;
    const violations = this.recorder.violations;
    const complete = this.finished && !this.bound && !this.stopCause;
    const result: ExploreResult = {
      system: this.sys.name,
      strategy: 'parallel-bfs',
      verdict: violations.length > 0 ? 'violation' : complete ? 'verified' : 'incomplete',
      complete,
      covered: this.stopCause ? { kind: 'stopped', by: this.stopCause } : this.bound ? { kind: 'depth-bounded', maxDepth: this.opts.maxDepth } : this.finished ? { kind: 'exhaustive' } : { kind: 'stopped', by: 'interrupt' },
      ...(this.bound ? { bound: this.bound } : {}),
      ...(this.stopCause === 'interrupt' ? { interrupted: true } : {}),
      violations: violations.map((v) => (this.opts.shrinkAttempts && !this.stopCause ? shrinkViolation(this.sys, v, [], this.opts.shrinkAttempts, () => this.timeUp()) : v)),
      stats: this.stats(),
      strategyStats: { workers: this.W, levels: this.levels },
    };
    if (this.done) this.final = result;
    return result;
  }

  private timeUp(): boolean {
    const { clock, timeLimitMs } = this.opts;
    return clock !== undefined && timeLimitMs !== undefined && this.startedAt !== undefined && clock() - this.startedAt >= timeLimitMs;
  }

  /** The time limit, the memory bound, `shouldStop`: stops (and says so) when one says to. */
  private stopRequested(): boolean {
    if (this.stopCause) return true;
    if (this.opts.shouldStop?.()) this.stop('interrupt');
    else if (this.timeUp()) this.stop('timeLimitMs');
    else if (this.opts.maxMemoryBytes !== undefined && (this.opts.memoryProbe?.() ?? this.workerBytes) >= this.opts.maxMemoryBytes) this.stop('maxMemoryBytes');
    return this.stopCause !== undefined;
  }

  private stop(cause: StopCause): void {
    this.stopCause ??= cause;
    if (cause === 'timeLimitMs') this.trip('timeLimitMs', this.opts.timeLimitMs as number);
    else if (cause === 'maxMemoryBytes') this.trip('maxMemoryBytes', this.opts.maxMemoryBytes as number);
    else if (cause === 'maxStates') this.trip('maxStates', this.opts.maxStates);
  }

  /** Runs one level; false when the frontier is empty or the search stopped inside it. */
  private level(): boolean {
    if (this.pending === 0) return false;
    const depth = this.levels;
    this.levels++;
    const expanded = this.all({ type: 'expand' }) as Array<{ events: LevelEvent[]; transitionKeys: Float64Array; depthTripKey: number }>;
    const received = this.all({ type: 'receive', depth: depth + 1 }) as Array<{ keys: Float64Array; broken: Uint8Array; events: LevelEvent[]; bytes: number }>;
    this.workerBytes = received.reduce((sum, r) => sum + r.bytes, 0);

    // The level's new states in single-threaded BFS order, and where maxStates would trip.
    const merged = mergeSorted(received.map((r) => r.keys));
    let cut = Infinity;
    let count = this.states;
    for (const { worker, index } of merged) {
      count++;
      const r = received[worker] as { keys: Float64Array; broken: Uint8Array };
      if (!r.broken[index] && count >= this.opts.maxStates) {
        cut = r.keys[index] as number;
        break;
      }
    }
    const statesCut = cut;
    // Findings in the order single-threaded BFS meets them, up to where it would stop.
    const events = [...expanded.flatMap((e) => e.events), ...received.flatMap((r) => r.events)].sort((x, y) => x.key - y.key || x.seq - y.seq);
    for (const e of events) {
      if (e.key > cut) break;
      this.record(e.finding, this.pathOf(e));
      if (this.recorder.full) {
        this.stopCause ??= 'maxViolations';
        cut = e.key;
        break;
      }
    }
    const depthTrip = Math.min(...expanded.map((e) => e.depthTripKey));
    if (depthTrip !== Infinity && depthTrip <= cut) this.trip('maxDepth', this.opts.maxDepth);
    let added = 0;
    for (const r of received) for (const key of r.keys) if (key <= cut) added++;
    for (const e of expanded) for (const key of e.transitionKeys) if (key <= cut) this.transitions++;
    this.states += added;
    if (added > 0) this.maxDepthReached = depth + 1;
    if (cut !== Infinity) {
      if (cut === statesCut && !this.stopCause) this.stop('maxStates');
      return false;
    }
    this.opts.onProgress?.(this.progress());
    // Global ranks of the new states, per worker in its sorted order.
    const ranks = received.map((r) => new Int32Array(r.keys.length));
    merged.forEach(({ worker, index }, rank) => {
      (ranks[worker] as Int32Array)[index] = rank;
    });
    this.pending = 0;
    for (let w = 0; w < this.W; w++) {
      const reply = this.ask(w, { type: 'rank', ranks: ranks[w] as Int32Array }) as { frontier: number };
      this.pending += reply.frontier;
    }
    return this.pending > 0;
  }

  private progress(): ExploreStats {
    return { states: this.states, transitions: this.transitions, xstateCalls: 0, memoHits: 0, memoHitRate: 0, localStates: 0, messages: 0, maxDepthReached: this.maxDepthReached, bytesPerState: 0 };
  }

  /** The schedule to an event: the walk back through the workers' parent links. */
  private pathOf(e: LevelEvent): number[] {
    const path: number[] = e.actor >= 0 ? [e.actor] : [];
    let worker = e.worker;
    let id = e.id;
    for (;;) {
      const p = this.ask(worker, { type: 'parent', id }) as { worker: number; id: number; actor: number };
      if (p.worker < 0) break;
      path.push(p.actor);
      worker = p.worker;
      id = p.id;
    }
    return path.reverse();
  }

  /** As the explorer: the first finding of each kind+message, its path replayed and checked. */
  private record(f: Finding, path: number[]): void {
    this.recorder.record(f, path);
    if (this.recorder.full && this.started) this.stopCause ??= 'maxViolations';
    if (this.recorder.full && !this.started) {
      this.stopCause ??= 'maxViolations';
      this.done = true;
    }
  }

  private trip(name: BoundName, limit: number): void {
    this.bound ??= { name, limit, hint: BOUND_HINTS[name] };
  }

  private start(): void {
    const W = this.W;
    const sig = new SharedArrayBuffer(8 * W);
    const signals = new Int32Array(sig);
    const peers: Array<Array<MessagePort | null>> = Array.from({ length: W }, () => Array.from({ length: W }, () => null));
    for (let a = 0; a < W; a++) {
      for (let b = a + 1; b < W; b++) {
        const { port1, port2 } = new MessageChannel();
        (peers[a] as Array<MessagePort | null>)[b] = port1;
        (peers[b] as Array<MessagePort | null>)[a] = port2;
      }
    }
    const bootstrap = new URL('./bootstrap.mjs', import.meta.url);
    for (let w = 0; w < W; w++) {
      const { port1, port2 } = new MessageChannel();
      const own = (peers[w] as Array<MessagePort | null>).filter((p): p is MessagePort => p !== null);
      const thread = new Worker(bootstrap, {
        workerData: { index: w, workers: W, sig, control: port2, peers: peers[w], source: this.source, maxDepth: this.opts.maxDepth },
        transferList: [port2, ...own],
      });
      thread.unref();
      this.threads.push(thread);
      this.channels.push(new SyncChannel(port1, signals, 2 * w, 2 * w + 1, `parallel worker ${w}`));
    }
  }

  private shutdown(): void {
    for (const c of this.channels) {
      try {
        c.send({ type: 'stop' });
      } catch {
        // the worker is gone already
      }
      c.close();
    }
    for (const t of this.threads) void t.terminate();
    this.channels = [];
    this.threads = [];
  }

  private ask(w: number, cmd: WorkerCommand): unknown {
    const c = this.channels[w] as SyncChannel;
    c.send(cmd);
    return this.answer(w);
  }

  private answer(w: number): unknown {
    const reply = (this.channels[w] as SyncChannel).receive(() => this.stopRequested()) as { type: string; model?: boolean; message?: string };
    if (reply.type === 'error') {
      if (reply.model) throw new ModelError(reply.message ?? 'a parallel worker failed');
      throw new InternalBug(`parallel worker ${w}: ${reply.message}`);
    }
    return reply;
  }

  /** Sends `cmd` to every worker, then collects the answers in worker order. */
  private all(cmd: WorkerCommand): unknown[] {
    for (const c of this.channels) c.send(cmd);
    return this.channels.map((_, w) => this.answer(w));
  }

  private workerStats(): Omit<ExploreStats, 'states' | 'transitions' | 'maxDepthReached' | 'memoHitRate'> {
    const replies = this.all({ type: 'stats' }) as Array<{ xstateCalls: number; memoHits: number; localStates: number; messages: number; states: number; bytes: number }>;
    const sum = (f: (r: (typeof replies)[number]) => number): number => replies.reduce((s, r) => s + f(r), 0);
    const stored = sum((r) => r.states);
    return {
      xstateCalls: sum((r) => r.xstateCalls),
      memoHits: sum((r) => r.memoHits),
      localStates: sum((r) => r.localStates),
      messages: sum((r) => r.messages),
      bytesPerState: stored ? Math.round(sum((r) => r.bytes) / stored) : 0,
    };
  }
}

/** Merges per-worker ascending key arrays into one ascending order of (worker, index). */
function mergeSorted(lists: Float64Array[]): Array<{ worker: number; index: number }> {
  const out: Array<{ worker: number; index: number }> = [];
  const at = lists.map(() => 0);
  for (;;) {
    let best = -1;
    let bestKey = Infinity;
    for (let w = 0; w < lists.length; w++) {
      const i = at[w] as number;
      const list = lists[w] as Float64Array;
      if (i < list.length && (list[i] as number) < bestKey) {
        bestKey = list[i] as number;
        best = w;
      }
    }
    if (best < 0) return out;
    out.push({ worker: best, index: at[best] as number });
    at[best] = (at[best] as number) + 1;
  }
}
