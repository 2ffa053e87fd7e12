/**
 * Contexts that would change when stored are refused (issue 13: "never a wrong answer").
 * Each value below passed the old plain-data check (Object.keys + JSON.stringify) but lost
 * something in the state store, so a state that differed looked already seen and a reachable
 * assertion was reported as verified. Now each is a model error naming the path.
 */
import { describe, expect, it } from 'vitest';
import { assertPlainData } from '../../runtime/plainData.js';
import { ModelError } from '../../runtime/errors.js';

const sparse: unknown[] = [1];
sparse[2] = 3;

const CASES: Array<[string, () => unknown, RegExp]> = [
  ['a symbol key', () => ({ [Symbol('n')]: 1 }), /context has a symbol key Symbol\(n\)/],
  ['a non-enumerable property', () => Object.defineProperty({}, 'n', { value: 1, enumerable: false }), /context\.n is not enumerable/],
  ['-0', () => ({ x: -0 }), /context\.x is -0/],
  ['an array with an extra property', () => ({ xs: Object.assign([1, 2], { tag: 1 }) }), /context\.xs has a property 'tag' besides its elements/],
  ['a sparse array', () => ({ xs: sparse }), /context\.xs\[1\] is a hole/],
  ['a getter', () => ({ get n() { return 1; } }), /context\.n is a getter or setter/],
  ['a getter that throws', () => ({ get n(): number { throw new Error('no'); } }), /context\.n is a getter or setter/],
  ['a proxy whose ownKeys throws', () => new Proxy({}, { ownKeys() { throw new Error('trap says no'); } }), /could not be read as plain data: trap says no/],
  ['an Array subclass', () => ({ xs: new (class Stack extends Array {})() }), /context\.xs is an instance of Stack/],
  ['a context nested 200,000 levels deep', () => { let c: object = {}; for (let i = 0; i < 200_000; i++) c = { c }; return c; }, /nested more than 1000 levels deep/],
];

describe('plain data', () => {
  for (const [what, make, says] of CASES) {
    it(`should refuse ${what}, naming where`, () => {
      const value = make();
      expect(() => assertPlainData(value, "actor 'a'", 'context')).toThrow(ModelError);
      expect(() => assertPlainData(value, "actor 'a'", 'context')).toThrow(says);
    });
  }

  it('should accept what the store keeps: null-prototype objects, dense arrays, 0, nested plain values', () => {
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
    expect(() => assertPlainData({ n: 0, s: 'x', b: true, z: null, xs: [1, [2, { y: 3 }]], o: nullProto }, "actor 'a'", 'context')).not.toThrow();
  });
});
