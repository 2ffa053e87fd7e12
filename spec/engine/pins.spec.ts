/**
 * The engine's pins (issue 9): every catalogue entry, every benchmark model and every strategy
 * on small models report the same verdict, state and transition counts, and violation tokens
 * as when the pins were taken. See pinned.ts for what is pinned and why.
 */
import { describe, expect, it } from 'vitest';
import { PINS } from './pins.data.js';
import { computePin, pinCases } from './pinned.js';

describe('pinned counts, verdicts and tokens', () => {
  const cases = pinCases();
  it('should have a pin for every case, in order', () => {
    expect(PINS.map((p) => p.name)).toEqual(cases.map((c) => c.name));
  });
  for (const c of cases) {
    it(`should reproduce ${c.name}`, () => {
      const pinned = PINS.find((p) => p.name === c.name);
      expect(computePin(c)).toEqual(pinned);
    });
  }
});
