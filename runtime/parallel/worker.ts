/**
 * A worker thread of the shared-memory parallel search (coordinator.ts has the algorithm):
 * builds the system itself from its {@link SystemSource} (a system holds machines and
 * functions, which cannot be sent between threads), with the checkers of the system and, for a
 * catalogue source, of the entry (chosen among by the run's checker list, if it has one); then runs an {@link Expander} until the search is over, and
 * writes its counters. A model error is posted to the coordinator, which reports it.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { ModelError } from '../errors.js';
import { Kernel } from '../Kernel.js';
import { Expander, endSearch } from './expander.js';
import { Ctl, Outcome, type SharedLayout } from './shared.js';
import { moduleUrl, workerSystem, type SystemSource } from './source.js';

interface WorkerData {
  /** Participant index (0 is the calling thread, so workers are 1..participants-1). */
  index: number;
  participants: number;
  sig: SharedArrayBuffer;
  control: MessagePort;
  source: SystemSource;
  layout: SharedLayout;
  maxDepth: number;
  maxStates: number;
  depthFirst: boolean;
  /** The run's checker list (runtime/checkers/apply.ts), applied to the system built here. */
  checkerNames?: readonly string[];
}

const data = workerData as WorkerData;
const control = new Int32Array(data.layout.control);

let expander: Expander | undefined;
let joined = false;
try {
  const mod = (await import(moduleUrl(data.source))) as Record<string, unknown>;
  const { system, checkers } = workerSystem(mod, data.source, data.checkerNames);
  expander = new Expander(new Kernel(system), checkers, data.layout, {
    index: data.index,
    participants: data.participants,
    maxDepth: data.maxDepth,
    maxStates: data.maxStates,
    depthFirst: data.depthFirst,
  });
  joined = expander.run();
} catch (err) {
  data.control.postMessage({ type: 'error', model: err instanceof ModelError, message: err instanceof Error ? err.message : String(err) });
  endSearch(control, Outcome.Failed);
}
if (joined) expander?.report();
// Accounted for here, so bootstrap.mjs's exit hook does not count this worker again.
Atomics.store(new Int32Array(data.sig), data.index, 1);
if (joined) {
  Atomics.add(control, Ctl.Finished, 1);
  Atomics.notify(control, Ctl.Finished);
}
data.control.close();
