// A small seeded generator (mulberry32, seeded through splitmix32) so that a search run is a pure
// function of its seed: same seed, same proposals, on every platform and Node version.
import { invalid } from '../errors';

export class Rng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw invalid(`a seed must be an integer, got ${seed}`);
    // splitmix32 scrambles nearby seeds (0, 1, 2, ...) into unrelated starting states.
    let z = (seed + 0x9e3779b9) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.state = (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in 0..n-1. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An index drawn with the given probabilities (they sum to 1). */
  categorical(probabilities: readonly number[]): number {
    let u = this.next();
    for (let i = 0; i < probabilities.length - 1; i++) {
      u -= probabilities[i];
      if (u < 0) return i;
    }
    return probabilities.length - 1;
  }
}
