/**
 * The worker thread of a supervised search (host.ts): builds the system from its source, runs
 * the strategy in slices, and tells the host what it does. Before user code runs for a step it
 * writes the step's description into shared memory and marks the step begun (`stepWatch`), so
 * the host can name the step if it never returns. It reads this thread's clock for the time
 * limit and this thread's heap for the memory bound: the engine itself reads neither. The run's
 * checker list (`options.checkerNames`) chooses the system's checkers here as the caller chose
 * them, and the analyses it names (race, liveness) run here after the search; a query task
 * (`task`: `--reach`, `--outcomes`) answers the model's queries here instead of searching.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { ModelError } from '../../runtime/errors.js';
import { stepWatch } from '../../runtime/purity.js';
import { systemFrom } from '../../runtime/parallel/source.js';
import type { StrategyOptions } from '../../runtime/result.js';
import { startStrategy } from '../../runtime/strategies/index.js';
import { applyCheckers } from '../../runtime/checkers/apply.js';
import { withAnalyses } from '../../runtime/analyses.js';
import { outcomes, queriesOf, reach } from '../../runtime/queries.js';
import { loadSystem } from '../../runtime/system.js';
import { Search } from '../../runtime/Search.js';
import { storedFingerprints } from '../swarm/fingerprints.js';
import { planSwarm } from '../swarm/plan.js';
import { IN_STEP, SERIAL, STOP, TEXT_BYTES, TEXT_LENGTH, type WorkerInput, type WorkerMessage } from './protocol.js';

const input = workerData as WorkerInput;
const control = new Int32Array(input.control);
const text = new Uint8Array(input.text);
const encoder = new TextEncoder();
const post = (m: WorkerMessage): void => parentPort?.postMessage(m);

stepWatch.begin = (what: string): void => {
  const bytes = encoder.encode(what).subarray(0, TEXT_BYTES);
  text.set(bytes);
  Atomics.store(control, TEXT_LENGTH, bytes.length);
  Atomics.add(control, SERIAL, 1);
  Atomics.store(control, IN_STEP, 1);
};
stepWatch.end = (): void => {
  Atomics.store(control, IN_STEP, 0);
};

/** Units of work per slice: progress goes to the host between slices. */
const SLICE = 2_000;

// The memory bound, known before the model loads: the host names it if this thread's heap runs
// out before the search's own check trips it.
const heapLimit = getHeapStatistics().heap_size_limit;
const maxMemoryBytes = input.options.maxMemoryBytes ?? Math.floor(Math.max(heapLimit / 4, Math.min(heapLimit * input.heapFraction, heapLimit - 80 * 2 ** 20)));
post({ type: 'memory', maxMemoryBytes });

try {
  const source = input.source;
  const mod = (await import(source.module.startsWith('file:') ? source.module : pathToFileURL(source.module).href)) as Record<string, unknown>;
  const built = systemFrom(mod, source);
  post({ type: 'started', system: typeof built?.name === 'string' ? built.name : '' });
  // A catalogue entry's own options (checkers are functions: they cannot cross threads).
  let entryOptions: StrategyOptions = {};
  if (source.key !== undefined) {
    const entries = mod[source.export ?? 'catalogue'] as Array<{ key?: string; explore?: StrategyOptions }>;
    entryOptions = entries.find((e) => e.key === source.key)?.explore ?? {};
  }
  // The run's checkers, chosen here as the caller chose them (the same list over the same system).
  const { checkers: entryCheckers = [], ...entryRest } = entryOptions;
  const chosen = applyCheckers(built, entryCheckers, input.options.checkerNames, 'option --checkers');
  const system = chosen.system;
  const shouldStop = (): boolean => Atomics.load(control, STOP) !== 0;
  const clock = (): number => performance.timeOrigin - input.hostTimeOrigin + performance.now();
  const swarm = input.swarm;
  if (swarm && 'plan' in swarm) {
    // The planner runs one search per depth it tries: the time limit counts from the first.
    const { timeLimitMs, timeOrigin = clock() } = input.options;
    const stop = { shouldStop, clock, timeOrigin, ...(timeLimitMs === undefined ? {} : { timeLimitMs }) };
    post({ type: 'plan', plan: planSwarm(system, swarm.plan, {}, stop) });
  } else if (input.task) {
    const { names, outcomes: wantOutcomes, maxStates } = input.task;
    const bound = { ...(maxStates === undefined ? {} : { maxStates }), shouldStop };
    const loaded = loadSystem(system);
    const asked = names === undefined || names.length > 0 ? queriesOf(loaded, names) : [];
    const answers = asked.length ? reach(loaded, asked, bound) : [];
    post({ type: 'queries', results: { answers, ...(wantOutcomes ? { outcomes: outcomes(loaded, bound) } : {}) } });
  } else {
    const heap = (): number => getHeapStatistics().used_heap_size;
    const run = startStrategy(input.strategy, system, {
      // A swarm's shard takes only the entry's checkers (in `system`), as its planner did.
      ...(swarm ? {} : entryRest),
      ...input.options,
      maxMemoryBytes,
      memoryProbe: heap,
      clock,
      shouldStop,
      onProgress: (stats) => post({ type: 'progress', stats }),
      onViolation: (violation) => post({ type: 'violation', violation }),
    });
    post({ type: 'progress', stats: run.stats() });
    while (!run.done) {
      run.advance(SLICE);
      post({ type: 'progress', stats: run.stats() });
    }
    // The whole-graph analyses the list names (race, liveness) run here too, after the search.
    const { maxStates, maxViolations } = { ...entryRest, ...input.options };
    const bounds = { ...(maxStates === undefined ? {} : { maxStates }), ...(maxViolations === undefined ? {} : { maxViolations }) };
    const result = withAnalyses(loadSystem(system), chosen.selection.analyses, run.result(), bounds);
    post({ type: 'result', result, ...(swarm && run instanceof Search ? { fingerprints: storedFingerprints(run) } : {}) });
  }
} catch (err) {
  stepWatch.end();
  post(
    err instanceof ModelError
      ? { type: 'error', model: true, message: err.message }
      : { type: 'error', model: false, message: err instanceof Error ? err.message : String(err), ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) },
  );
}
