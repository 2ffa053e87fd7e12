/** The vitest matchers: passing and failing, with the trace and replay token in the failure. */
import { describe, expect, it } from 'vitest';
import '../../cli/matchers.js';
import { twoCpus } from '../../examples/twoCpuLock.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';

const abba = twoCpus('abba', ['vgic.lock', 'd.lock']);
const ordered = twoCpus('ordered', ['d.lock', 'vgic.lock']);

describe('toBeVerified', () => {
  it('should pass on a model with no violation, under every exhaustive strategy', () => {
    expect(ordered).toBeVerified();
    expect(ordered).toBeVerified({ strategy: 'dfs' });
  });

  it('should fail on a deadlocking model with the sentence, the trace and the replay token', () => {
    expect(() => expect(abba).toBeVerified()).toThrow(/il2_/);
    let message = '';
    try {
      expect(abba).toBeVerified();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("expected system 'abba' to be verified, but it has 1 violation(s) (73 states, 100 transitions, strategy bfs)");
    expect(message).toContain("deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock (held by cpu1)");
    expect(message).toMatch(/step \| cpu0 +\| cpu1 +\| domain/);
    expect(message).toMatch(/replay token: il2_\S+/);
  });

  it('should fail when a bound stops the search, naming the bound', () => {
    expect(() => expect(diningPhilosophers({ n: 4, ordered: true })).toBeVerified({ maxStates: 50 })).toThrow(/stopped early, nothing proven .*maxStates = 50 tripped/);
  });

  it('should pass with .not on a model that has a violation', () => {
    expect(abba).not.toBeVerified();
  });
});

describe('toFindViolation', () => {
  it('should pass when a violation of the kind is found, optionally by message', () => {
    expect(abba).toFindViolation({ kind: 'deadlock' });
    expect(abba).toFindViolation({ kind: 'deadlock', message: /cpu1 -> cpu0/ }, { strategy: 'dfs' });
    expect(diningPhilosophers({ n: 3 })).toFindViolation({ kind: 'deadlock', message: 'Wait-for cycle: phil0 -> phil1 -> phil2 -> phil0' });
  });

  it('should fail on a verified model, saying so', () => {
    expect(() => expect(ordered).toFindViolation({ kind: 'deadlock' })).toThrow("expected system 'ordered' to have a violation of kind 'deadlock', but it was verified (123 states, 210 transitions, strategy bfs)");
  });

  it('should fail when only violations of another kind are found, showing them with their tokens', () => {
    expect(() => expect(abba).toFindViolation({ kind: 'assertion' })).toThrow(/to have a violation of kind 'assertion', but it has 1 violation\(s\)[\s\S]*deadlock: [\s\S]*replay token: il2_/);
  });

  it('should fail with .not when the violation is there, showing its trace and token', () => {
    expect(() => expect(abba).not.toFindViolation({ kind: 'deadlock' })).toThrow(/to have no violation of kind 'deadlock', but found one:[\s\S]*il2_/);
  });
});
