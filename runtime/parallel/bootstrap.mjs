// Entry of every parallel-search worker thread (runtime/parallel/coordinator.ts). In a source
// checkout workers run the engine's TypeScript directly, and users' .ts model files need it
// everywhere, so this plain-JS file registers tsx's loader first, then imports the worker
// module. A failure to start (tsx missing, the worker module not compiling) is posted to the
// coordinator, which blocks on a shared counter: without the post it would
// wait forever. On any exit the worker's reply counter is set to -1 for the same reason.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';
import { URL } from 'node:url';
import { existsSync } from 'node:fs';

const { sig, index, control } = workerData;
const signals = new Int32Array(sig);
const replySlot = 2 * index + 1;
process.on('exit', () => {
  Atomics.store(signals, replySlot, -1);
  Atomics.notify(signals, replySlot);
});
try {
  register();
  // worker.ts beside this file in a source checkout; worker.js in the published package (dist/).
  const compiled = new URL('./worker.js', import.meta.url);
  await import((existsSync(compiled) ? compiled : new URL('./worker.ts', import.meta.url)).href);
} catch (err) {
  control.postMessage({ type: 'error', model: false, message: `parallel worker ${index} could not start: ${err instanceof Error ? err.message : String(err)}` });
  Atomics.add(signals, replySlot, 1);
  Atomics.notify(signals, replySlot);
}
