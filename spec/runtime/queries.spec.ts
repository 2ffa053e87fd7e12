/**
 * "Can this happen?" (issue 12): reachability queries answered with the shortest witness and its
 * replay token, or "unreachable" once every reachable state is explored, or incomplete with the
 * bound; outcome sets (the distinct final states) with a witness each; the toReach matcher and
 * `explore --reach` / `--outcomes`.
 */
import { describe, expect, it } from 'vitest';
import '../../cli/matchers.js';
import { replay } from '../../runtime/index.js';
import { outcomes, queriesOf, reach } from '../../runtime/queries.js';
import { flagHandshake } from '../../examples/flagHandshake.js';
import { twoCpus } from '../../examples/twoCpuLock.js';
import { inProcess } from '../cli/support.js';
import { programEnded } from '../../protocols/cpu.js';

const both = (system: ReturnType<typeof flagHandshake>) => queriesOf(system, ['both-claimed']);

describe('reachability queries', () => {
  it('should find both CPUs holding the device on the lock-free flag handshake, with a shortest witness that replays to it', () => {
    const system = flagHandshake(false);
    const [a] = reach(system, both(system));
    expect(a).toMatchObject({ name: 'both-claimed', answer: 'reachable' });
    const replayed = replay(system, a?.token as string);
    expect(replayed.divergence).toBeUndefined();
    expect(replayed.trace.steps).toHaveLength(a?.steps as number);
    // Each CPU takes the value of its read, 0: both saw the flag clear before either write landed.
    expect(replayed.trace.steps.filter((s) => s.message.type === 'mem.value').map((s) => [s.actor, s.message.value])).toEqual([['cpu0', 0], ['cpu1', 0]]);
    expect(system).toReach('both-claimed');
  });

  it('should answer unreachable with the lock held around the check and the set, every state explored', () => {
    const system = flagHandshake(true);
    const [a] = reach(system, both(system));
    expect(a?.answer).toBe('unreachable');
    expect(a?.states).toBeGreaterThan(10);
    expect(system).not.toReach('both-claimed');
  });

  it('should say incomplete when the state bound cuts the search, and the matcher should fail either way', () => {
    const system = flagHandshake(true);
    expect(reach(system, both(system), { maxStates: 5 })[0]).toMatchObject({ answer: 'incomplete', maxStates: 5 });
    expect(() => expect(system).not.toReach('both-claimed', { maxStates: 5 })).toThrow('the state bound (5) cut the search');
  });

  it('should take a query given to the matcher, and name an unknown one with the ones the system has', () => {
    expect(twoCpus('abba', ['vgic.lock', 'd.lock'])).toReach({ name: 'cpu0 done', when: (v) => programEnded(v.actor('cpu0')) });
    expect(() => queriesOf(flagHandshake(false), ['both'])).toThrow("system 'flag-handshake' has no reachability query 'both'; its queries are 'both-claimed'");
  });
});

describe('outcome sets', () => {
  it('should list the distinct final states of the ABBA model: both CPUs finished, or the deadlock, each with a token that replays to it', () => {
    const result = outcomes(twoCpus('abba', ['vgic.lock', 'd.lock']));
    expect(result.complete).toBe(true);
    expect(result.outcomes.map((o) => o.deadlock)).toEqual(expect.arrayContaining([true, false]));
    for (const o of result.outcomes) {
      const r = replay(twoCpus('abba', ['vgic.lock', 'd.lock']), o.token);
      expect(r.divergence).toBeUndefined();
      expect(r.trace.steps.length).toBe(o.path.length);
    }
    expect(outcomes(twoCpus('ordered', ['d.lock', 'vgic.lock'])).outcomes.map((o) => o.deadlock)).toEqual([false]);
  });
});

describe('explore --reach and --outcomes', () => {
  it('should print the answer, the witness trace and its replay command (exit 0)', async () => {
    const r = await inProcess('explore', 'examples/flagHandshake.ts', '--reach', 'both-claimed');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^reach 'both-claimed': reachable in \d+ steps \(a shortest witness; \d+ states explored\)$/mu);
    expect(r.out).toMatch(/^replay: npx interleave replay examples\/flagHandshake\.ts@il2_\S+$/mu);
    const locked = await inProcess('explore', 'examples/flagHandshakeLocked.ts', '--reach', 'all');
    expect(locked.code).toBe(0);
    expect(locked.out).toMatch(/^reach 'both-claimed': unreachable: every reachable state explored \(\d+ states\), none satisfies it$/mu);
  });

  it('should exit 3 when the bound cuts the search, and give the answers as JSON with a queries field', async () => {
    expect((await inProcess('explore', 'examples/flagHandshakeLocked.ts', '--reach', 'both-claimed', '--max-states', '5')).code).toBe(3);
    const json = JSON.parse((await inProcess('explore', 'examples/flagHandshake.ts', '--reach', 'both-claimed', '--outcomes', '--json')).out) as { kind: string; queries: Array<{ answer: string; replay: string }>; outcomes: { outcomes: unknown[] } };
    expect(json.kind).toBe('queries');
    expect(json.queries[0]?.answer).toBe('reachable');
    expect(json.queries[0]?.replay).toMatch(/^npx interleave replay examples\/flagHandshake\.ts@il2_/u);
    expect(json.outcomes.outcomes.length).toBeGreaterThan(0);
  });

  it('should reject an unknown query and options that do not apply, naming them (exit 2)', async () => {
    const unknown = await inProcess('explore', 'examples/flagHandshake.ts', '--reach', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("system 'flag-handshake' has no reachability query 'nope'; its queries are 'both-claimed'");
    const none = await inProcess('explore', 'examples/twoCpuLock.ts', '--reach', 'x');
    expect(none.err).toContain("system 'two-cpu-lock' has no reachability queries: add reachable: [{ name: 'x', when: (view) => ... }] to the system");
    const strategy = await inProcess('explore', 'examples/flagHandshake.ts', '--reach', 'both-claimed', '--strategy', 'dfs');
    expect(strategy.code).toBe(2);
    expect(strategy.err).toContain('option --strategy dfs does not apply to --reach or --outcomes');
    // bfs is what they do: accepted, same answer as without it (new-user finding).
    const bfs = await inProcess('explore', 'examples/flagHandshake.ts', '--reach', 'both-claimed', '--strategy', 'bfs');
    const plain = await inProcess('explore', 'examples/flagHandshake.ts', '--reach', 'both-claimed');
    expect(bfs.code).toBe(0);
    expect(bfs.out).toBe(plain.out);
    const outcomes = await inProcess('explore', 'examples/twoCpuLock.ts', '--outcomes', '--strategy', 'bfs');
    expect(outcomes.code).toBe(0);
    expect(outcomes.out).toMatch(/^outcomes of examples\/twoCpuLock\.ts: 2 distinct final states/mu);
  });

  it('should print the outcome set, one final state a line with its token', async () => {
    const r = await inProcess('explore', 'examples/twoCpuLock.ts', '--outcomes');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^outcomes of examples\/twoCpuLock\.ts: 2 distinct final states \(every reachable state explored, \d+ states\)$/mu);
    expect(r.out).toMatch(/\(deadlock\)\s+il2_/u);
  });
});
