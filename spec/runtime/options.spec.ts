/**
 * The library's options are checked, naming the option (issue 13, hostile tester): a clock or
 * memory probe that returns NaN used to switch its bound off in silence (every comparison with
 * NaN is false), a string for a number was shown as the number, and a strategy name that is a
 * key of Object.prototype ('__proto__', 'constructor') found the prototype's property and failed
 * with a TypeError.
 */
import { describe, expect, it } from 'vitest';
import { ModelError, explore, runStrategy } from '../../runtime/index.js';
import { STRATEGY_NAMES } from '../../runtime/strategies/index.js';
import twoCpuLock from '../../examples/twoCpuLock.js';

describe('library options', () => {
  for (const strategy of STRATEGY_NAMES.filter((s) => s !== 'parallel-bfs')) {
    it(`${strategy}: a clock that returns NaN is an error naming the option, not a time limit switched off`, () => {
      expect(() => runStrategy(strategy, twoCpuLock, { clock: () => Number.NaN, timeLimitMs: 1000 })).toThrow(new ModelError('option clock returned NaN; it must return a finite number of milliseconds'));
    });

    it(`${strategy}: a memory probe that returns NaN is an error naming the option`, () => {
      expect(() => runStrategy(strategy, twoCpuLock, { memoryProbe: () => Number.NaN, maxMemoryBytes: 1e9 })).toThrow(new ModelError('option memoryProbe returned NaN; it must return a finite number of bytes'));
    });
  }

  it('should say that a number option given as a string is a string', () => {
    expect(() => explore(twoCpuLock, { maxStates: '10' as unknown as number })).toThrow(new ModelError('option maxStates must be a positive integer, got the string "10"'));
    expect(() => explore(twoCpuLock, { clock: () => 0, timeLimitMs: '5' as unknown as number })).toThrow('option timeLimitMs must be a positive number of milliseconds, got the string "5"');
  });

  it("should say that a strategy named after Object.prototype's keys is unknown", () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(() => runStrategy(name, twoCpuLock), name).toThrow(new ModelError(`unknown strategy '${name}'; use one of ${STRATEGY_NAMES.join(', ')}`));
    }
  });
});
