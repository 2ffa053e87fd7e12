/**
 * IRIW (four CPUs: two writers, two readers) under arm, tso and sc, as in litmus.spec.ts: does
 * the model keep other-multicopy atomicity (smp_mb() readers agree on the order of the writes)
 * while letting plain readers disagree?
 */
import { IRIW_TESTS, describeLitmusTable } from './litmusTable.js';

describeLitmusTable('LKMM litmus tests: IRIW', IRIW_TESTS, 120_000);
