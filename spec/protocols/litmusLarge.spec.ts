/**
 * The large litmus tests (three CPUs): ISA2 and Z6.0, under arm, tso
 * and sc, as in litmus.spec.ts. Z6.0 is where Armv8 and LKMM disagree: the model gives Armv8's
 * answer (examples/litmus/lkmm.ts says why).
 */
import { describe, expect, it } from 'vitest';
import { runLitmus } from '../../examples/litmus/outcomes.js';
import { LARGE_TESTS, expectedUnder } from './litmusTable.js';

describe('LKMM litmus tests, large ones', () => {
  for (const test of LARGE_TESTS) {
    for (const model of ['arm', 'tso', 'sc'] as const) {
      const expected = expectedUnder(test, model);
      it(`${test.name} under ${model}: ${expected}`, { timeout: 120_000 }, () => {
        expect(runLitmus(test, model).observed ? 'Sometimes' : 'Never').toBe(expected);
      });
    }
  }
});
