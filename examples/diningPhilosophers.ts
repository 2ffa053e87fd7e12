/**
 * Dining philosophers as a model file, for the command line and the README's figures:
 * `npx interleave explore examples/diningPhilosophers.ts`. N and the fork order come from the
 * environment (PHILOSOPHERS, default 5; ORDERED=1 for the lock-ordered, deadlock-free variant).
 */
import { diningPhilosophers } from '../scenarios/classic/diningPhilosophers.js';

const n = Number(process.env.PHILOSOPHERS ?? 5);
export default diningPhilosophers({ n, ordered: process.env.ORDERED === '1' });
