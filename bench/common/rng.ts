// Why this file exists: every benchmark input must be reproducible from a seed, so that two runs
// (or two commits) time exactly the same commands. This wraps pure-rand's xoroshiro128+ behind the
// few integer draws benches need; no floats, so streams are identical on every platform.

import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** Seeds are 32-bit integers (pure-rand's contract); anything else is a caller bug. */
export const SEED_MIN = -0x8000_0000;
export const SEED_MAX = 0x7fff_ffff;

export class SeededRng {
  readonly seed: number;
  private readonly generator: RandomGenerator;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < SEED_MIN || seed > SEED_MAX) {
      throw new RangeError(`seed must be a 32-bit integer, got ${seed}`);
    }
    this.seed = seed;
    this.generator = xoroshiro128plus(seed);
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  /** True with probability percent/100 (percent an integer 0..100). */
  percent(percent: number): boolean {
    return uniformInt(this.generator, 0, 99) < percent;
  }

  /** Uniform index into an array of `length` elements (length ≥ 1). */
  index(length: number): number {
    return uniformInt(this.generator, 0, length - 1);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = uniformInt(this.generator, 0, i);
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
    return items;
  }
}
