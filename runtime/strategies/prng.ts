/**
 * A small seeded pseudo-random generator for the randomised strategies (PCT, random walks):
 * xoshiro128** (Blackman and Vigna, "Scrambled Linear Pseudorandom Number Generators", ACM TOMS
 * 2021), its 128-bit state filled from the 32-bit seed by SplitMix32, as the authors recommend,
 * so that nearby seeds (1, 2, 3) give unrelated streams.
 *
 * Pure and self-contained: no `Math.random`, no module state. The same seed gives the same
 * sequence on every machine and Node version (only 32-bit integer arithmetic via `Math.imul`
 * and `>>>`), which is what makes a printed seed a replay handle (DESIGN.md decision 4).
 */
import { ModelError } from '../errors.js';

/** The seed a randomised strategy uses when none is given. Fixed, so that CI runs are reproducible. */
export const DEFAULT_SEED = 0x5eed;

/** Throws {@link ModelError} unless `seed` is an integer in [0, 2^32). */
export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ModelError(`option seed must be an integer from 0 to 4294967295, got ${String(seed)}`);
  }
  return seed;
}

/** One SplitMix32 output for `x` (a bijective 32-bit mixer). */
export function splitMix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * xoshiro128** over 32-bit words.
 *
 * @example
 * ```ts
 * const rng = new Prng(42);
 * const actor = enabled[rng.below(enabled.length)];
 * ```
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = checkSeed(seed);
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return splitMix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // The all-zero state is the one fixed point of xoshiro; SplitMix32 of four distinct inputs never gives it, but be sure.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, n), without modulo bias (rejection sampling). `n` from 1 to 2^32. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new RangeError(`Prng.below(${n}): n must be an integer from 1 to 2^32`);
    const limit = Math.floor(0x100000000 / n) * n;
    for (;;) {
      const r = this.next();
      if (r < limit) return r % n;
    }
  }

  /** A uniform integer in [lo, hi], both included. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
