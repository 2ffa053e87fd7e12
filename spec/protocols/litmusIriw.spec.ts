/**
 * IRIW (four CPUs: two writers, two readers) under arm, tso and sc, as in litmus.spec.ts: does
 * the model keep other-multicopy atomicity (smp_mb() readers agree on the order of the writes)
 * while letting plain readers disagree?
 */
import { describe, expect, it } from 'vitest';
import { runLitmus } from '../../examples/litmus/outcomes.js';
import { IRIW_TESTS, expectedUnder } from './litmusTable.js';

describe('LKMM litmus tests: IRIW', () => {
  for (const test of IRIW_TESTS) {
    for (const model of ['arm', 'tso', 'sc'] as const) {
      const expected = expectedUnder(test, model);
      it(`${test.name} under ${model}: ${expected}`, { timeout: 120_000 }, () => {
        expect(runLitmus(test, model).observed ? 'Sometimes' : 'Never').toBe(expected);
      });
    }
  }
});
