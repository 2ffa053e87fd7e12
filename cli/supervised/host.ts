/**
 * A search under supervision (issue 13 item 1): user code (guards, assigns, action parameters)
 * runs in a worker thread, and the caller's thread watches it. A step that never returns (an
 * infinite loop in a guard or an assign) cannot be stopped from inside: the engine's loop only
 * gets control back between steps. So the host enforces, from outside:
 *
 * - the per-step time limit (`stepTimeLimitMs`, default {@link DEFAULT_STEP_TIME_LIMIT_MS}): a
 *   step still running after it is a hang;
 * - cancellation (`signal`, Ctrl-C): the host raises the shared stop flag, which the search reads
 *   between units of work; the time limit (`timeLimitMs`), which the worker keeps by its own
 *   clock between units of work; if either comes while the worker is inside one step and the
 *   step does not come back within {@link GRACE_MS}, it is a hang;
 * - a hang ends the worker (`Worker.terminate`) and resolves with the partial result: the
 *   statistics and violations reported so far, and "actor X in state Y on message Z did not
 *   return within N ms";
 * - the worker's heap running out (ERR_WORKER_OUT_OF_MEMORY, should the memory bound not catch
 *   it first) ends it the same way, as the memory bound.
 *
 * The system is built in the worker from a {@link SystemSource} (machines hold functions, which
 * cannot be sent between threads); options must be plain data, and a catalogue entry's checkers
 * come from its own module. A model error in the worker rejects with a {@link ModelError}.
 *
 * This is the library's supervised entry point; `explore()` and `runStrategy()` run user code in
 * the caller's thread, where a step that never returns cannot be stopped.
 */
import { Worker } from 'node:worker_threads';
import { InternalBug, ModelError } from '../../runtime/errors.js';
import type { ExploreResult, ExploreStats, StrategyOptions } from '../../runtime/result.js';
import { BOUND_HINTS } from '../../runtime/result.js';
import type { SystemSource } from '../../runtime/parallel/source.js';
import type { Violation } from '../../runtime/violations.js';
import type { SwarmOptions, SwarmPlan } from '../swarm/plan.js';
import { CONTROL_SLOTS, IN_STEP, SERIAL, STOP, TEXT_BYTES, TEXT_LENGTH, type PlainOptions, type QueryResults, type QueryTask, type WorkerInput, type WorkerMessage } from './protocol.js';

/** A step that runs longer than this is taken to never return. */
export const DEFAULT_STEP_TIME_LIMIT_MS = 10_000;
/** How long a step may go on after the search was asked to stop (Ctrl-C, the time limit). */
export const GRACE_MS = 500;
/**
 * How long the search may take to come back after it was asked to stop while no user code runs
 * (the engine checks the bounds inside a step's work too, so this is a last resort).
 */
export const STOP_GRACE_MS = 2_000;
/** A step running this long is reported to `onSlowStep` (it may yet return). */
export const SLOW_STEP_MS = 1_000;
/** How often the host looks at the worker. */
const POLL_MS = 50;

export interface SupervisedOptions extends PlainOptions {
  /** A step still running after this many milliseconds ends the search. Default 10,000. */
  stepTimeLimitMs?: number;
  /** Aborting stops the search (the partial result comes back). */
  signal?: AbortSignal;
  onProgress?: (stats: ExploreStats) => void;
  onViolation?: (violation: Violation) => void;
  /** Called once per step that has run for {@link SLOW_STEP_MS}, with its description and the step time limit. */
  onSlowStep?: (step: string, stepTimeLimitMs: number) => void;
  /** Without `maxMemoryBytes`: stop at this share of the worker's heap limit (default 0.5). */
  heapFraction?: number;
}

const ZERO_STATS: ExploreStats = { states: 0, transitions: 0, xstateCalls: 0, memoHits: 0, memoHitRate: 0, localStates: 0, messages: 0, maxDepthReached: 0, bytesPerState: 0 };

/**
 * Explores the system `source` names with `strategy` in a worker thread, under supervision.
 * `options.checkerNames` (a `--checkers` list) chooses the checkers there, and the analyses it
 * names (race, liveness) run there after the search.
 *
 * @example
 * ```ts
 * const result = await exploreSupervised({ module: '/abs/path/model.ts' }, 'bfs', { timeLimitMs: 30_000 });
 * ```
 */
export function exploreSupervised(source: SystemSource, strategy: string, options: SupervisedOptions = {}): Promise<ExploreResult> {
  return supervise<ExploreResult>(source, strategy, options, {}, (m) => (m.type === 'result' ? m.result : undefined), (partial) => partial);
}

/**
 * A supervised query task's answer: the answers, or, when the worker was stopped (a step that
 * did not return, Ctrl-C), what stopped it.
 */
export type SupervisedQueries = QueryResults & { stopped?: ExploreResult };

/**
 * Answers the reachability queries and/or the outcome set (runtime/queries.ts) of the system
 * `source` names in a worker thread, under the same supervision as {@link exploreSupervised}: a
 * step that never returns ends the worker, and the answer says so (`stopped`, a partial result
 * with the bound or the interrupt and the step's description; the answers are then empty).
 */
export function querySupervised(source: SystemSource, task: QueryTask, options: SupervisedOptions = {}): Promise<SupervisedQueries> {
  return supervise<SupervisedQueries>(source, 'bfs', options, { task }, (m) => (m.type === 'queries' ? m.results : undefined), (partial) => ({ answers: [], stopped: partial }));
}

/**
 * One shard of a swarm (cli/swarm/plan.ts ShardSpec, as strategy options) under the same
 * supervision: its result and, for bfs, the fingerprints of the states it stored; a step that
 * never returns, the time limit or the memory bound give the partial result (no fingerprints).
 * A catalogue entry brings only its checkers.
 */
export function shardSupervised(source: SystemSource, strategy: string, options: SupervisedOptions): Promise<{ result: ExploreResult; fingerprints?: string }> {
  return supervise(source, strategy, options, { swarm: { shard: true } }, (m) => (m.type === 'result' ? { result: m.result, ...(m.fingerprints === undefined ? {} : { fingerprints: m.fingerprints }) } : undefined), (partial) => ({ result: partial }));
}

/**
 * A swarm's plan (cli/swarm/plan.ts planSwarm, whose bfs planner searches the model itself)
 * under the same supervision: the plan, or, when the planner was stopped (a step that did not
 * return, the time limit, Ctrl-C), its partial result.
 */
export function planSupervised(source: SystemSource, swarm: SwarmOptions, options: SupervisedOptions): Promise<{ plan?: SwarmPlan; stopped?: ExploreResult }> {
  return supervise<{ plan?: SwarmPlan; stopped?: ExploreResult }>(source, 'bfs', options, { swarm: { plan: swarm } }, (m) => (m.type === 'plan' ? { plan: m.plan } : undefined), (partial) => ({ stopped: partial }));
}

function supervise<T>(
  source: SystemSource,
  strategy: string,
  options: SupervisedOptions,
  more: Pick<WorkerInput, 'task' | 'swarm'>,
  done: (m: WorkerMessage) => T | undefined,
  stopped: (partial: ExploreResult) => T,
): Promise<T> {
  const { stepTimeLimitMs = DEFAULT_STEP_TIME_LIMIT_MS, signal, onProgress, onViolation, onSlowStep, heapFraction = 0.5, ...plain } = options;
  if (!(stepTimeLimitMs > 0)) throw new ModelError(`option stepTimeLimitMs must be a positive number of milliseconds, got ${String(stepTimeLimitMs)}`);
  const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  const text = new SharedArrayBuffer(TEXT_BYTES);
  const ctrl = new Int32Array(control);
  const input: WorkerInput = { source, strategy, options: plain, ...more, heapFraction, hostTimeOrigin: performance.timeOrigin, control, text };
  let searchStarted: number | undefined;
  // The worker's stdout (a model's console.log, and that of parallel-bfs's threads inside it)
  // goes to stderr: stdout carries the command's results alone (--json).
  const worker = new Worker(new URL('./bootstrap.mjs', import.meta.url), { workerData: input, stdout: true });
  worker.stdout.pipe(process.stderr, { end: false });
  let stats: ExploreStats = ZERO_STATS;
  let systemName = '';
  const violations: Violation[] = [];
  let stepSerial = -1;
  let stepSince = 0;
  let slowReported = -1;
  let stopAsked: { at: number; why: 'interrupt' | 'timeLimitMs' } | undefined;
  /** The memory bound the worker keeps (it says so before loading the model). */
  let memoryBound: number | undefined = plain.maxMemoryBytes;

  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const step = (): string => new TextDecoder().decode(new Uint8Array(text).slice(0, Atomics.load(ctrl, TEXT_LENGTH)));
    const partial = (extra: Partial<ExploreResult>, cause: ExploreResult['covered']): T =>
      stopped({
        system: systemName,
        strategy,
        verdict: violations.length ? 'violation' : 'incomplete',
        complete: false,
        covered: cause,
        violations: [...violations],
        stats,
        ...extra,
      });
    const hang = (ms: number): void => {
      const what = `${step()} did not return within ${Math.round(ms).toLocaleString('en-US')} ms`;
      const why = 'look for a loop without end in its guards, assigns or action parameters; the search thread was stopped, and this result is what it had found by then';
      void worker.terminate();
      finish(() => {
        if (stopAsked?.why === 'interrupt') resolve(partial({ interrupted: true, note: `${what} of Ctrl-C: ${why}` }, { kind: 'stopped', by: 'interrupt' }));
        else if (stopAsked?.why === 'timeLimitMs') {
          resolve(partial({ bound: { name: 'timeLimitMs', limit: plain.timeLimitMs as number, hint: `${what}, and the time limit ran out during it: ${why}` } }, { kind: 'stopped', by: 'timeLimitMs' }));
        } else resolve(partial({ bound: { name: 'stepTimeMs', limit: stepTimeLimitMs, hint: `${what}: ${why}` } }, { kind: 'stopped', by: 'stepTimeMs' }));
      });
    };
    /** Asked to stop, no user code running, and still no result: the engine is stuck in one unit of work. */
    const unresponsive = (ms: number): void => {
      const last = step();
      const doing = searchStarted === undefined ? 'the search thread, still loading the model file,' : 'the search';
      const what = `${doing} did not stop within ${Math.round(ms).toLocaleString('en-US')} ms of ${stopAsked?.why === 'interrupt' ? 'Ctrl-C' : 'the time limit'}${last ? ` (its last step began as ${last})` : ''}`;
      const why = 'the search thread was stopped, and this result is what it had found by then';
      void worker.terminate();
      finish(() => {
        if (stopAsked?.why === 'interrupt') resolve(partial({ interrupted: true, note: `${what}: ${why}` }, { kind: 'stopped', by: 'interrupt' }));
        else resolve(partial({ bound: { name: 'timeLimitMs', limit: plain.timeLimitMs as number, hint: `${what}: ${why}` } }, { kind: 'stopped', by: 'timeLimitMs' }));
      });
    };
    const onAbort = (): void => {
      stopAsked ??= { at: performance.now(), why: 'interrupt' };
      Atomics.store(ctrl, STOP, 1);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);

    const poll = setInterval(() => {
      const now = performance.now();
      // The worker enforces the time limit itself between units of work, by its own clock from
      // when the search began; the host steps in only when a step keeps it from looking.
      const origin = plain.timeOrigin ?? searchStarted;
      if (plain.timeLimitMs !== undefined && !stopAsked && origin !== undefined && now - origin >= plain.timeLimitMs) {
        stopAsked = { at: now, why: 'timeLimitMs' };
      }
      if (Atomics.load(ctrl, IN_STEP) !== 1) {
        if (stopAsked && now - stopAsked.at >= STOP_GRACE_MS) unresponsive(now - stopAsked.at);
        return;
      }
      const serial = Atomics.load(ctrl, SERIAL);
      if (serial !== stepSerial) {
        stepSerial = serial;
        stepSince = now;
        return;
      }
      if (now - stepSince >= SLOW_STEP_MS && slowReported !== serial) {
        slowReported = serial;
        onSlowStep?.(step(), stepTimeLimitMs);
      }
      if (now - stepSince >= stepTimeLimitMs || (stopAsked && now - stopAsked.at >= GRACE_MS && now - stepSince >= GRACE_MS)) hang(now - stepSince);
    }, POLL_MS);

    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'memory') memoryBound = m.maxMemoryBytes;
      else if (m.type === 'started') {
        systemName = m.system;
        searchStarted = performance.now();
      }
      else if (m.type === 'progress') {
        stats = m.stats;
        onProgress?.(m.stats);
      } else if (m.type === 'violation') {
        violations.push(m.violation);
        onViolation?.(m.violation);
      } else if (m.type === 'error') {
        void worker.terminate();
        finish(() => reject(m.model ? new ModelError(m.message) : Object.assign(new InternalBug(m.message), m.stack ? { stack: m.stack } : {})));
      } else {
        const answer = done(m);
        if (answer === undefined) return;
        void worker.terminate();
        finish(() => resolve(answer));
      }
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        finish(() => resolve(partial({ bound: { name: 'maxMemoryBytes', limit: memoryBound ?? plain.maxMemoryBytes ?? 0, hint: `the search thread ran out of heap before the bound's check tripped: ${BOUND_HINTS.maxMemoryBytes}` } }, { kind: 'stopped', by: 'maxMemoryBytes' })));
      } else finish(() => reject(err));
    });
    worker.on('exit', (code) => {
      finish(() => reject(new InternalBug(`the search thread exited (code ${code}) without a result`)));
    });
  });
}

export type { StrategyOptions };
