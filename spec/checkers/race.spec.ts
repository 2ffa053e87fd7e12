import { describe, expect, it } from 'vitest';
import { replay } from '../../runtime/index.js';
import { findDataRaces } from '../../runtime/checkers/index.js';
import { sharedBuffer } from './models.js';

describe('data race', () => {
  it('should report two writes to a buffer made without its lock, with incomparable vector clocks', () => {
    const spec = sharedBuffer('unlocked');
    const result = findDataRaces(spec);
    expect(result.violations.map((v) => v.message)).toEqual(["data race on buf.len: 'cpu0' writes it (step 1) and 'cpu1' writes it (step 2), and neither happens before the other"]);
    const report = result.violations[0]?.report ?? '';
    expect(report.split('\n').slice(0, 6)).toEqual([
      '==================================================================',
      'WARNING: data race on buf.len',
      '  Write by cpu0 at step 1, vector clock {cpu0:1}',
      '  Write by cpu1 at step 2, vector clock {cpu1:1}',
      '  The clocks are incomparable: no message or lock orders the two accesses.',
      '==================================================================',
    ]);
    expect(replay(spec, result.violations[0]!.token).divergence).toBeUndefined();
  });

  it('should verify the buffer written under its lock: the lock orders the writes', () => {
    const result = findDataRaces(sharedBuffer('locked'));
    expect(result.verdict).toBe('verified');
  });
});
