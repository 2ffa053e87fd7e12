/**
 * A litmus test of the Linux kernel memory model as a model file, for the command line:
 *
 *     LITMUS=MP+poonceonces MODEL=arm npx interleave explore examples/litmus.ts --outcomes
 *
 * LITMUS names a test of examples/litmus/lkmm.ts (default MP+poonceonces); MODEL is the memory
 * model, sc, tso or arm (default arm). Each final state's `mem` label is one outcome: final
 * values and registers (`P1:r0=1` is herd7's `1:r0=1`).
 */
import { ALL_LITMUS, litmusByName } from './litmus/lkmm.js';
import { litmusSystem } from '../protocols/litmus.js';
import { MEMORY_MODELS, type MemoryModel } from '../protocols/weakMemory.js';

const name = process.env.LITMUS ?? 'MP+poonceonces';
const model = (process.env.MODEL ?? 'arm') as MemoryModel;
const test = litmusByName(name);
if (!test) throw new Error(`LITMUS=${name}: no such test; tests are ${ALL_LITMUS.map((t) => t.name).join(', ')}`);
if (!MEMORY_MODELS.includes(model)) throw new Error(`MODEL=${model}: use ${MEMORY_MODELS.join(', ')}`);
export default litmusSystem(test, model);
