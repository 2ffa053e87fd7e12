/**
 * The large litmus tests (three CPUs): ISA2 and Z6.0, under arm, tso
 * and sc, as in litmus.spec.ts. Z6.0 is where Armv8 and LKMM disagree: the model gives Armv8's
 * answer (examples/litmus/lkmm.ts says why).
 */
import { LARGE_TESTS, describeLitmusTable } from './litmusTable.js';

describeLitmusTable('LKMM litmus tests, large ones', LARGE_TESTS, 120_000);
