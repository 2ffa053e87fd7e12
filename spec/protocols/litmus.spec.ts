/**
 * The weak memory models against the Linux kernel memory model's litmus tests (issue 17): per
 * test, whether the `exists` outcome is reached, under arm (the kernel's annotation, or Armv8's
 * answer where it differs), tso and sc; whole outcome sets for the classic shapes; and the
 * bookkeeping that no kernel file of these shapes was dropped. The large tests (IRIW, ISA2, Z6.0)
 * are in litmusLarge.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { ALL_LITMUS, KERNEL_FILES, LKMM_TESTS, OUT_OF_SCOPE, RENAMED, litmusByName } from '../../examples/litmus/lkmm.js';
import { L, type LitmusTest } from '../../protocols/litmus.js';
import { runLitmus } from '../../examples/litmus/outcomes.js';
import { SMALL_TESTS, describeLitmusTable, expectedUnder } from './litmusTable.js';

describeLitmusTable('LKMM litmus tests, small ones, under arm, tso and sc', SMALL_TESTS);

describe('whole outcome sets', () => {
  const get = (name: string): LitmusTest => litmusByName(name) as LitmusTest;
  it('MP+poonceonces: arm adds exactly the reordered outcome to the three interleavings give', () => {
    const sc = runLitmus(get('MP+poonceonces'), 'sc').outcomes;
    expect(sc).toEqual(['1:r0=0; 1:r1=0; x=1; y=1;', '1:r0=0; 1:r1=1; x=1; y=1;', '1:r0=1; 1:r1=1; x=1; y=1;']);
    expect(runLitmus(get('MP+poonceonces'), 'tso').outcomes).toEqual(sc);
    expect(runLitmus(get('MP+poonceonces'), 'arm').outcomes).toEqual([...sc, '1:r0=1; 1:r1=0; x=1; y=1;'].sort());
  });
  it('SB+poonceonces: tso and arm both add 0/0', () => {
    const both = ['0:r0=0; 1:r0=0; x=1; y=1;', '0:r0=0; 1:r0=1; x=1; y=1;', '0:r0=1; 1:r0=0; x=1; y=1;', '0:r0=1; 1:r0=1; x=1; y=1;'];
    expect(runLitmus(get('SB+poonceonces'), 'tso').outcomes).toEqual(both);
    expect(runLitmus(get('SB+poonceonces'), 'arm').outcomes).toEqual(both);
    expect(runLitmus(get('SB+poonceonces'), 'sc').outcomes).toEqual(both.filter((o) => o !== both[0]));
  });
  it('2+2W+poonceonces: arm lets both first stores win; tso and sc do not', () => {
    const finals = (m: 'sc' | 'tso' | 'arm') => runLitmus(get('2+2W+poonceonces'), m).outcomes;
    expect(finals('sc')).toEqual(['x=1; y=2;', 'x=2; y=1;', 'x=2; y=2;']);
    expect(finals('tso')).toEqual(finals('sc'));
    expect(finals('arm')).toEqual(['x=1; y=1;', ...finals('sc')].sort());
  });
  it('CoWW: one CPU writing twice ends with its second value under every model', () => {
    for (const m of ['sc', 'tso', 'arm'] as const) expect(runLitmus(get('CoWW+poonceonce'), m).outcomes).toEqual(['x=2;']);
  });
});

describe('what the weak models multiply', () => {
  it('arm explores more states than tso, and tso more than sc, on every small test with a store and a load', () => {
    for (const name of ['MP+poonceonces', 'SB+poonceonces', 'LB+poonceonces', 'S+poonceonces']) {
      const t = litmusByName(name) as LitmusTest;
      const [sc, tso, arm] = (['sc', 'tso', 'arm'] as const).map((m) => runLitmus(t, m).states);
      expect(tso).toBeGreaterThan(sc as number);
      expect(arm).toBeGreaterThan(tso as number);
    }
  });
});

describe('the table accounts for the kernel directory', () => {
  it('every kernel file is run, renamed to one that is run, or out of scope with a reason', () => {
    const run = new Set(LKMM_TESTS.map((t) => t.name));
    const out = new Set(OUT_OF_SCOPE.map((t) => t.name));
    for (const f of KERNEL_FILES) {
      const target = RENAMED[f] ?? f;
      expect(run.has(target) || out.has(f), `${f} is neither run nor out of scope`).toBe(true);
    }
    for (const o of OUT_OF_SCOPE) expect(o.why.length).toBeGreaterThan(40);
  });
  it('counts how many answers match LKMM: every mismatch is a test that says Armv8 differs', () => {
    const mismatches = LKMM_TESTS.filter((t) => expectedUnder(t, 'arm') !== t.expected);
    expect(mismatches.every((t) => t.arm !== undefined && t.arm.why.length > 40)).toBe(true);
    expect(mismatches.map((t) => t.name).sort()).toEqual(LKMM_TESTS.filter((t) => t.arm).map((t) => t.name).sort());
    expect(ALL_LITMUS.length).toBe(LKMM_TESTS.length + 2);
  });
});

describe('the litmus language', () => {
  it('a control dependency orders a load before the store it guards (LB with one ctrl dep and one acquire)', () => {
    const test: LitmusTest = {
      name: 'LB+ctrl+acquire',
      source: 'local',
      expected: 'Never',
      threads: [[L.READ_ONCE('x', 'r0'), L.if('r0', [L.WRITE_ONCE('y', 1)])], [L.smp_load_acquire('y', 'r0'), L.WRITE_ONCE('x', 1)]],
      exists: { '0:r0': 1, '1:r0': 1 },
    };
    expect(runLitmus(test, 'arm').observed).toBe(false);
    const noDep: LitmusTest = { ...test, threads: [[L.READ_ONCE('x', 'r0'), L.WRITE_ONCE('y', 1)], test.threads[1] as never] };
    expect(runLitmus(noDep, 'arm').observed).toBe(true);
  });
  it('else branches and equality tests run the branch the register selects', () => {
    const test: LitmusTest = {
      name: 'branches',
      source: 'local',
      expected: 'Never',
      init: { x: 2 },
      threads: [[L.READ_ONCE('x', 'r0'), L.ifEq('r0', 2, [L.WRITE_ONCE('y', 7)], [L.WRITE_ONCE('y', 9)])]],
      exists: { y: 9 },
    };
    expect(runLitmus(test, 'arm').outcomes).toEqual(['0:r0=2; x=2; y=7;']);
  });
  it('a failed assertion is reported as an assertion violation', async () => {
    const { explore } = await import('../../runtime/explorer.js');
    const { litmusSystem } = await import('../../protocols/litmus.js');
    const test: LitmusTest = { name: 'assert', source: 'local', expected: 'Never', threads: [[L.READ_ONCE('x', 'r0'), L.assert(['r0'], (r) => r.r0 === 1, 'x must be 1')]], exists: {} };
    const r = explore(litmusSystem(test, 'sc'));
    expect(r.violations.map((v) => v.message)).toEqual(["assertion failed in actor 'P0': x must be 1"]);
  });
});

describe('ordered tests still reach every ordered outcome', () => {
  it('MP with release/acquire reaches all three SC outcomes under arm (the acquire can read the new flag)', () => {
    const t = litmusByName('MP+pooncerelease+poacquireonce') as LitmusTest;
    expect(runLitmus(t, 'arm').outcomes).toEqual(runLitmus(t, 'sc').outcomes);
  });
  it('every outcome sc reaches, tso reaches, and every outcome tso reaches, arm reaches (small tests)', () => {
    for (const t of SMALL_TESTS) {
      const [sc, tso, arm] = (['sc', 'tso', 'arm'] as const).map((m) => new Set(runLitmus(t, m).outcomes));
      for (const o of sc as Set<string>) expect(tso?.has(o), `${t.name} tso lacks ${o}`).toBe(true);
      for (const o of tso as Set<string>) expect(arm?.has(o), `${t.name} arm lacks ${o}`).toBe(true);
    }
  });
});
