/**
 * What the supervised search's host (host.ts, the caller's thread) and its worker thread
 * (worker.ts) share. The control array is shared memory, so the host can read it while the
 * worker is stuck in user code and the worker can read the stop flag without an event loop turn:
 *
 * - `STOP`: set to 1 by the host (Ctrl-C, the time limit); the search's `shouldStop` reads it.
 * - `IN_STEP`: 1 while the worker runs user code for one step (runtime/purity.ts `stepWatch`).
 * - `SERIAL`: counts the steps begun, so the host tells a long step from many short ones.
 * - `TEXT_LENGTH`: bytes of the step's description ("actor 'a' in state 'i' on message 'go'")
 *   in the shared text buffer.
 */
import type { ExploreResult, ExploreStats, StrategyOptions } from '../../runtime/result.js';
import type { SystemSource } from '../../runtime/parallel/source.js';
import type { Violation } from '../../runtime/violations.js';
import type { OutcomesResult, QueryAnswer } from '../../runtime/queries.js';
import type { SwarmOptions, SwarmPlan } from '../swarm/plan.js';

export const STOP = 0;
export const IN_STEP = 1;
export const SERIAL = 2;
export const TEXT_LENGTH = 3;
export const CONTROL_SLOTS = 4;
export const TEXT_BYTES = 2048;

/** The options that cross to the worker: plain data only (no clock, callbacks or checkers). */
export type PlainOptions = Omit<StrategyOptions, 'clock' | 'memoryProbe' | 'shouldStop' | 'onProgress' | 'onViolation' | 'checkers'>;

/** Instead of a search: the model's reachability queries and/or its outcome set (runtime/queries.ts). */
export interface QueryTask {
  /** Query names; undefined: all of them; empty: none (outcomes only). */
  names?: string[];
  outcomes: boolean;
  maxStates?: number;
}

/** What a supervised query task returns. */
export interface QueryResults {
  answers: QueryAnswer[];
  outcomes?: OutcomesResult;
}

export interface WorkerInput {
  source: SystemSource;
  strategy: string;
  /** The run's options; `checkerNames` is applied to the system built there (and its `race`/`liveness` run after the search). */
  options: PlainOptions;
  /** Answer queries instead of searching. */
  task?: QueryTask;
  /**
   * A swarm's work (cli/swarm/plan.ts): `plan` plans the shards instead of searching (the bfs
   * planner runs its own searches); `shard` runs one shard and, for bfs, sends the fingerprints
   * of its states with the result. Either way a catalogue entry brings only its checkers (as the
   * swarm plans without the entry's other explore options).
   */
  swarm?: { plan: SwarmOptions } | { shard: true };
  /** Stop at this share of the worker's heap limit when `options.maxMemoryBytes` is not given. */
  heapFraction: number;
  /** The host's `performance.timeOrigin`: the worker's clock reads in the host's `performance.now()` terms, so `timeOrigin` means the same. */
  hostTimeOrigin: number;
  control: SharedArrayBuffer;
  text: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'memory'; maxMemoryBytes: number }
  | { type: 'started'; system: string }
  | { type: 'progress'; stats: ExploreStats }
  | { type: 'violation'; violation: Violation }
  | { type: 'result'; result: ExploreResult; fingerprints?: string }
  | { type: 'plan'; plan: SwarmPlan }
  | { type: 'queries'; results: QueryResults }
  | { type: 'error'; model: boolean; message: string; stack?: string };
