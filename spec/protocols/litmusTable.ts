/**
 * The litmus table the specs assert, split by size so each spec file stays small: what each
 * model must answer for each test. `arm`: the kernel file's annotation, or Armv8's answer where
 * the test says it differs (examples/litmus/lkmm.ts). `sc`: never (every `exists` clause of these
 * tests is an outcome no interleaving gives). `tso`: only the shapes x86-TSO allows, a store
 * overtaken by a later load of another location (SB, SB with forwarding, R); Owens, Sarkar and
 * Sewell, "A better x86 memory model: x86-TSO", TPHOLs 2009.
 */
import { describe, expect, it } from 'vitest';
import type { LitmusTest, Verdict } from '../../protocols/litmus.js';
import { runLitmus } from '../../examples/litmus/outcomes.js';
import type { MemoryModel } from '../../protocols/weakMemory.js';
import { ALL_LITMUS } from '../../examples/litmus/lkmm.js';

const TSO_ALLOWS = new Set(['SB+poonceonces', 'SB+rfionceonce-poonceonces', 'R+poonceonces']);

/** The answer `model` must give for `test`. */
export function expectedUnder(test: LitmusTest, model: MemoryModel): Verdict {
  if (model === 'arm') return test.arm?.expected ?? test.expected;
  if (model === 'tso') return TSO_ALLOWS.has(test.name) ? 'Sometimes' : 'Never';
  return 'Never';
}

/** Tests whose arm state space is large (hundreds of thousands of states): their own spec file. */
export const LARGE = new Set([
  'IRIW+poonceonces+OnceOnce',
  'IRIW+fencembonceonces+OnceOnce',
  'ISA2+poonceonces',
  'ISA2+pooncelock+pooncelock+pombonce',
  'Z6.0+pooncelock+pooncelock+pombonce',
  'Z6.0+pooncelock+poonceLock+pombonce',
  'Z6.0+pooncerelease+poacquirerelease+fencembonceonce',
]);

export const SMALL_TESTS = ALL_LITMUS.filter((t) => !LARGE.has(t.name));
/** IRIW: four CPUs; about a million states each under arm (litmusIriw.spec.ts). */
export const IRIW_TESTS = ALL_LITMUS.filter((t) => LARGE.has(t.name) && t.name.startsWith('IRIW'));
export const LARGE_TESTS = ALL_LITMUS.filter((t) => LARGE.has(t.name) && !t.name.startsWith('IRIW'));

/** One test per (litmus test, model): the `exists` outcome is reached exactly when expected. */
export function describeLitmusTable(title: string, tests: readonly LitmusTest[], timeout = 60_000): void {
  describe(title, () => {
    for (const test of tests) {
      for (const model of ['arm', 'tso', 'sc'] as const) {
        const expected = expectedUnder(test, model);
        it(`${test.name} under ${model}: ${expected}`, { timeout }, () => {
          expect(runLitmus(test, model).observed ? 'Sometimes' : 'Never').toBe(expected);
        });
      }
    }
  });
}
