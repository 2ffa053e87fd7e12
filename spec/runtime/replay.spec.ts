import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { assertThat, decodeSchedule, encodeSchedule, explore, formatTrace, replay, runPath, send, ModelError, type SystemSpec } from '../../runtime/index.js';
import { Kernel, type Finding } from '../../runtime/Kernel.js';
import { loadSystem } from '../../runtime/system.js';
import { toViolation } from '../../runtime/ViolationRecorder.js';
import type { CheckerFactory, TransitionEvent } from '../../runtime/checkers/Checker.js';
import { diningPhilosophers } from '../../scenarios/classic/diningPhilosophers.js';
import { SPIN_GRANTED, spin } from '../../protocols/spinlock.js';

describe('schedule tokens', () => {
  const s = {
    version: 2 as const,
    actorCount: 11,
    fingerprint: 0xdeadbeef,
    steps: [0, 10, 3, 200 % 11],
    enabled: [[0, 1], [10], [3, 9, 10], [2]],
    digests: [0, 255, 17, 3],
    digest: 0x12345678,
    evidence: [{ steps: [1, 0], enabled: [[0, 1], [0]], digests: [9, 8], digest: 0xffffffff }],
  };

  it('should round-trip steps, enabled sets, digests, evidence executions and the fingerprint', () => {
    expect(decodeSchedule(encodeSchedule(s))).toEqual(s);
    expect(encodeSchedule(s)).toMatch(/^il2_[A-Za-z0-9_-]+$/);
    const none = { ...s, evidence: [] };
    expect(decodeSchedule(encodeSchedule(none))).toEqual(none);
  });

  it('should reject a malformed token with a sentence saying what is wrong', () => {
    expect(() => decodeSchedule('xyz')).toThrow(new ModelError("replay token 'xyz' is malformed: it should start with 'il2_'"));
    expect(() => decodeSchedule('il9_AQ')).toThrow("replay token 'il9_AQ' is malformed: its prefix 'il9_' is of a version this interleave does not read (it reads 'il2_' and 'il1_')");
    expect(() => decodeSchedule('il1_AQ')).toThrow(/is malformed: it ends early/);
    expect(() => decodeSchedule('il1_A*Q')).toThrow(/is malformed: character 2 after the prefix, '\*', is not base64url/);
  });

  it('should call a token with any one character changed, added or removed corrupt, never a changed model', () => {
    const token = encodeSchedule(s);
    const body = token.slice(4);
    const damaged = new Set<string>();
    for (let i = 0; i < body.length; i++) {
      for (const c of ['A', 'B', 'g', 'z', '0', '-', '_', 'Q']) if (c !== body[i]) damaged.add(body.slice(0, i) + c + body.slice(i + 1));
      damaged.add(body.slice(0, i) + body.slice(i + 1));
      damaged.add(body.slice(0, i) + 'x' + body.slice(i));
    }
    damaged.add(body + 'A');
    damaged.add(body.slice(0, -3));
    for (const d of damaged) expect(() => decodeSchedule(`il2_${d}`), d).toThrow(/^replay token '.*' is corrupt: .*copy it again from the report/);
    expect(() => decodeSchedule(`il2_${body.slice(0, 5)}!${body.slice(6)}`)).toThrow(/is corrupt: character 6 after the prefix, '!', is not base64url/);
    expect(() => decodeSchedule('il2_AQ\u001b[2J')).toThrow("replay token 'il2_AQ?[2J' is corrupt: character 3 after the prefix, U+001B, is not base64url");
  });

  it('should still decode a version 1 token, without digests', () => {
    const v1 = decodeSchedule('il1_AQNygl4xCAADAQYCBAAFAgQBBgIEAgQ');
    expect(v1).toMatchObject({ version: 1, actorCount: 3, digests: [], evidence: [] });
    expect(v1.steps).toHaveLength(8);
  });

  it('should refuse a token recorded on a system with another number of actors', () => {
    const [v] = explore(diningPhilosophers({ n: 3 })).violations;
    expect(() => replay(diningPhilosophers({ n: 4 }), v!.token)).toThrow(/recorded on a system of 6 actors; 'dining-philosophers-4' has 8/);
  });
});

/** Two actors: `a` sends `b` one message of type `type` on 'go'; `b` fails an assertion on it. */
function pair(type: string): SystemSpec {
  return {
    name: 'pair',
    actors: [
      { name: 'a', machine: createMachine({ id: 'a', initial: 'idle', states: { idle: { on: { go: { target: 'done', actions: send('b', { type }) } } }, done: { type: 'final' } } }) },
      {
        name: 'b',
        machine: createMachine({ id: 'b', initial: 'idle', states: { idle: { on: { [type]: { target: 'done', actions: assertThat(() => false, 'b got it') } } }, done: { type: 'final' } } }),
      },
    ],
    initialMessages: [{ to: 'a', event: { type: 'go' } }],
  };
}

describe('replay on a model whose messages changed', () => {
  it('should name the first step whose actor and message type differ from the token, and stop there', () => {
    const [v] = explore(pair('ping')).violations;
    expect(v!.kind).toBe('assertion');
    const same = replay(pair('ping'), v!.token);
    expect(same.divergence).toBeUndefined();
    expect(same.trace.findings.map((f) => f.kind)).toEqual(['assertion']);
    // Same actors, same machine ids, same enabled sets at every step: only the message type differs.
    const changed = replay(pair('pong'), v!.token);
    expect(changed.fingerprintMatches).toBe(true);
    expect(changed.divergence).toEqual({
      step: 2,
      execution: 0,
      message: "replay diverged at step 2: 'b' took 'pong', but the token recorded another message for this step (the model changed since the token was made)",
    });
    expect(changed.trace.findings).toEqual([]);
  });

  it('should name a changed message type for many renamings, by step digest or, rarely, by the execution digest', () => {
    const [v] = explore(pair('ping')).violations;
    for (let i = 0; i < 300; i++) expect(replay(pair(`m${i}`), v!.token).divergence?.message, `m${i}`).toMatch(/^replay diverged (at|by) step 2: /);
  });
});

/** A checker that reports once it has seen 'x' and 'y' taken, in any executions of one search. */
function sawBoth(): CheckerFactory {
  return () => {
    const seen = new Set<string>();
    return {
      name: 'saw-both',
      onTransition(e: TransitionEvent): Finding[] {
        seen.add(e.message.type);
        return seen.has('x') && seen.has('y') && (e.message.type === 'x' || e.message.type === 'y') ? [{ kind: 'invariant', message: 'saw x and y', acrossExecutions: true }] : [];
      },
    };
  };
}

describe('tokens with evidence executions', () => {
  // 'p' takes x, 'q' takes y; each path takes only one of them.
  const oneShot = (name: string, type: string) =>
    createMachine({ id: name, initial: 'idle', states: { idle: { on: { [type]: 'done' } }, done: {} } });
  const spec: SystemSpec = {
    name: 'either',
    actors: [
      { name: 'p', machine: oneShot('p', 'x') },
      { name: 'q', machine: oneShot('q', 'y') },
    ],
    initialMessages: [
      { to: 'p', event: { type: 'x' } },
      { to: 'q', event: { type: 'y' } },
    ],
  };

  it('should replay the evidence first, through the same checkers, so the finding reproduces', () => {
    const loaded = loadSystem(spec);
    const made = runPath(new Kernel(loaded), [1], undefined, [sawBoth()], [[0]]);
    expect(made.trace.findings.map((f) => f.message)).toEqual(['saw x and y']);
    const decoded = decodeSchedule(made.token);
    expect(decoded.steps).toEqual([1]);
    expect(decoded.evidence?.map((e) => e.steps)).toEqual([[0]]);
    const replayed = replay(spec, made.token, { checkers: [sawBoth()] });
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.evidence).toHaveLength(1);
    expect(replayed.trace.findings.map((f) => f.message)).toEqual(['saw x and y']);
    // The main path alone does not show it.
    expect(runPath(new Kernel(loaded), [1], undefined, [sawBoth()]).trace.findings).toEqual([]);
  });

  it("should carry a finding's evidence into the violation's token", () => {
    const f: Finding = { kind: 'invariant', message: 'saw x and y', acrossExecutions: true, evidence: [[0]] };
    const v = toViolation(loadSystem(spec), f, [1], [sawBoth()]);
    expect(v.evidence).toEqual([[0]]);
    expect(decodeSchedule(v.token).evidence?.map((e) => e.steps)).toEqual([[0]]);
    expect(() => toViolation(loadSystem(spec), { ...f, evidence: [[1]] }, [1], [sawBoth()])).toThrow(/not deterministic/);
  });

  it('should name the evidence execution where a changed model diverges', () => {
    const made = runPath(new Kernel(loadSystem(spec)), [1], undefined, [sawBoth()], [[0]]);
    const renamed: SystemSpec = { ...spec, actors: [{ name: 'p', machine: oneShot('p', 'z') }, spec.actors[1]!], initialMessages: [{ to: 'p', event: { type: 'z' } }, spec.initialMessages![1]!] };
    const replayed = replay(renamed, made.token, { checkers: [sawBoth()] });
    expect(replayed.divergence).toMatchObject({ step: 1, execution: 1 });
    expect(replayed.divergence?.message).toMatch(/^replay diverged at step 1 of evidence execution 1: 'p' took 'z'/);
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
