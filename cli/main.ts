/**
 * `npm start`: the main job. Runs the scenario catalogue and prints a table of verdicts
 * against expectations, then each violation's report; `npm start -- --json` prints the JSON
 * report; `npm start -- --scenario C1` runs one scenario. Same as `interleave run`.
 */
import { start } from './interleave.js';

await start(['run', ...process.argv.slice(2)]);
