// The paired bootstrap every bench comparison uses: pairing removes what the two arms share.
import { pairedBootstrap } from '../lib/util/statistics';
import { Rng } from '../lib/util/rng';

describe('paired bootstrap', () => {
  it('finds a small shift between two arms whose own spreads overlap by far', () => {
    const rng = new Rng(3);
    const subnet = Array.from({ length: 40 }, () => 0.7 + 0.2 * rng.next()); // what both arms share
    const a = subnet.map((s) => s + 0.005 + 0.002 * (rng.next() - 0.5));
    const b = subnet.map((s) => s + 0.002 * (rng.next() - 0.5));
    const d = pairedBootstrap(a, b, { seed: 1 });
    expect(d.mean).toBeCloseTo(0.005, 3);
    expect(d.lo).toBeGreaterThan(0); // beyond the interval, though max(b) > min(a) by far
    expect(Math.max(...b)).toBeGreaterThan(Math.min(...a) + 0.1);
    expect(d.lo).toBeLessThan(d.mean);
    expect(d.hi).toBeGreaterThan(d.mean);
  });

  it('gives an interval that holds zero for two draws of the same arm, and is seeded', () => {
    const rng = new Rng(4);
    const a = Array.from({ length: 30 }, () => rng.next());
    const b = Array.from({ length: 30 }, () => rng.next());
    const d = pairedBootstrap(a, b, { seed: 2 });
    expect(d.lo).toBeLessThan(0);
    expect(d.hi).toBeGreaterThan(0);
    expect(pairedBootstrap(a, b, { seed: 2 })).toEqual(d);
    // Two values: the percentile interval of the resampled means spans the two differences.
    const two = pairedBootstrap([1, 0], [0, 0], { seed: 5 });
    expect(two).toEqual({ mean: 0.5, lo: 0, hi: 1 });
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(/paired bootstrap of 1 and 2 values/);
  });
});
