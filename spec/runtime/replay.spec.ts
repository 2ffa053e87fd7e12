import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { decodeSchedule, encodeSchedule, explore, formatTrace, replay, send, ModelError } from '../../runtime/index.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { SPIN_GRANTED, spin } from '../../protocols/spinlock.js';

describe('schedule tokens', () => {
  it('should round-trip steps, enabled sets and the fingerprint', () => {
    const s = { actorCount: 11, fingerprint: 0xdeadbeef, steps: [0, 10, 3, 200 % 11], enabled: [[0, 1], [10], [3, 9, 10], [2]] };
    expect(decodeSchedule(encodeSchedule(s))).toEqual(s);
  });

  it('should reject a malformed token with a sentence saying what is wrong', () => {
    expect(() => decodeSchedule('xyz')).toThrow(new ModelError("replay token 'xyz' is malformed: it should start with 'il1_'"));
    expect(() => decodeSchedule('il1_AQ')).toThrow(/it ends early/);
    expect(() => decodeSchedule('il1_A*Q')).toThrow(/not base64url/);
  });

  it('should refuse a token recorded on a system with another number of actors', () => {
    const [v] = explore(diningPhilosophers({ n: 3 })).violations;
    expect(() => replay(diningPhilosophers({ n: 4 }), v!.token)).toThrow(/recorded on a system of 6 actors; 'dining-philosophers-4' has 8/);
  });
});

describe('replay of a changed model', () => {
  it('should name the first step where the enabled set differs from the recorded one', () => {
    const spec = diningPhilosophers({ n: 3 });
    const [v] = explore(spec).violations;
    // Philosopher 1 now waits for a 'bell' after its first fork instead of asking for the second.
    const changed = diningPhilosophers({ n: 3 });
    changed.actors[1] = {
      name: 'phil1',
      machine: createMachine({
        id: 'phil1',
        initial: 'thinking',
        states: {
          thinking: { on: { start: { target: 'waitFirst', actions: send('fork1', spin.acquire('fork1')) } } },
          waitFirst: { on: { [SPIN_GRANTED]: 'waitBell' } },
          waitBell: { on: { bell: 'done' } },
          done: { type: 'final' },
        },
      }),
    };
    const replayed = replay(changed, v!.token);
    expect(replayed.fingerprintMatches).toBe(true);
    expect(replayed.divergence?.step).toBeGreaterThan(1);
    expect(replayed.divergence?.message).toMatch(/^replay diverged at step \d+: the token recorded enabled actors \[.*\] but the model now enables \[.*\]$/);
    // Every step before the divergence replayed as recorded.
    expect(replayed.trace.steps).toHaveLength((replayed.divergence?.step ?? 0) - 1);
  });
});

describe('traces', () => {
  it('should print one line per step with a column per actor and a legend', () => {
    const spec = diningPhilosophers({ n: 3 });
    const [v] = explore(spec).violations;
    const text = formatTrace(replay(spec, v!.token).trace);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^legend: /);
    expect(lines[1]).toMatch(/^step \| phil0\s+\| phil1\s+\| phil2\s+\| fork0\s+\| fork1\s+\| fork2\s+\| message$/);
    expect(lines).toHaveLength(2 + 1 + v!.path.length + 1);
    expect(lines.at(-1)).toBe(`! ${v!.message}`);
    expect(lines[3]).toContain('phil0 <- start from (env); sends spin.acquire(lock=fork0) to fork0');
  });
});
