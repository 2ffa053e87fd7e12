// Entry of the supervised search's worker thread (cli/supervised/host.ts). Users' .ts model
// files need tsx's loader in the thread that imports them, and in a source checkout so does the
// engine, so this plain-JS file registers it first, then imports the worker module. A failure to
// start is posted to the host, which would otherwise wait for a result that never comes.
import { register } from 'tsx/esm/api';
import { parentPort } from 'node:worker_threads';
import { URL } from 'node:url';
import { existsSync } from 'node:fs';

try {
  register();
  // worker.ts beside this file in a source checkout; worker.js in the published package (dist/).
  const compiled = new URL('./worker.js', import.meta.url);
  await import((existsSync(compiled) ? compiled : new URL('./worker.ts', import.meta.url)).href);
} catch (err) {
  parentPort?.postMessage({ type: 'error', model: false, message: `the search thread could not start: ${err instanceof Error ? err.message : String(err)}` });
}
