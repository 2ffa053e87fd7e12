/** Messages between the parallel search's coordinator and its workers (plain, cloneable data). */
import type { Finding } from '../Kernel.js';
import type { Message } from '../model.js';

export type WorkerCommand =
  | { type: 'expand' }
  | { type: 'receive'; depth: number }
  | { type: 'rank'; ranks: Int32Array }
  | { type: 'parent'; id: number }
  | { type: 'stats' }
  | { type: 'stop' };

/** Successors one worker ships to another for one level, in the sender's ids. */
export interface Batch {
  /** Local states the receiver has not had from this sender: actor, sender's id, value, context, status. */
  locals: Array<[number, number, unknown, unknown, string]>;
  /** Messages the receiver has not had from this sender: sender's id, message. */
  messages: Array<[number, Message]>;
  /** Each vector as its length followed by its entries. */
  vectors: number[];
  /** Each successor's BFS key: parent's rank * (actors + 1) + actor. */
  keys: number[];
  /** Per successor: parent's worker, parent's id there, actor that stepped. */
  parents: number[];
}

/**
 * A finding in one level, with where a single-threaded BFS would have met it: `key` (parent
 * rank * (actors + 1) + actor; actor = actors for a deadlock of the expanded state) then `seq`.
 * `actor` >= 0: the step of that actor from state `id` of `worker`; -1: state `id` itself,
 * found while expanding it (a deadlock); -2: state `id` itself, found when it was stored.
 */
export interface LevelEvent {
  key: number;
  seq: number;
  finding: Finding;
  worker: number;
  id: number;
  actor: number;
}
