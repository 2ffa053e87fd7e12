// Entry of every parallel-search worker thread (runtime/parallel/coordinator.ts). In a source
// checkout workers run the engine's TypeScript directly, and users' .ts model files need it
// everywhere, so this plain-JS file registers tsx's loader first, then imports the worker
// module. A failure to start (tsx missing, the worker module not compiling) is posted to the
// coordinator, which blocks on shared words (runtime/parallel/shared.ts Ctl): on any exit that
// worker.ts did not account for, the search is marked failed and this worker finished, so the
// coordinator never waits for a dead worker.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
import { URL } from 'node:url';
import { existsSync } from 'node:fs';

const { sig, index, control, layout } = workerData;
const signals = new Int32Array(sig);
const words = new Int32Array(layout.control);
// worker.ts sets its slot to 1 once it has counted itself finished; any other exit (a start
// failure, a crash) ends the search as failed and counts the worker finished here.
process.on('exit', () => {
  if (Atomics.load(signals, index) === 1) return;
  Atomics.compareExchange(words, 0, 0, 5);
  Atomics.notify(words, 0);
  Atomics.add(words, 7, 1);
  Atomics.notify(words, 7);
});
try {
  register();
  // worker.ts beside this file in a source checkout; worker.js in the published package (dist/).
  const compiled = new URL('./worker.js', import.meta.url);
  await import((existsSync(compiled) ? compiled : new URL('./worker.ts', import.meta.url)).href);
} catch (err) {
  control.postMessage({ type: 'error', model: false, message: `parallel worker ${index} could not start: ${err instanceof Error ? err.message : String(err)}` });
}
