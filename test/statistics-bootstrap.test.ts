// The paired bootstrap every bench comparison uses: pairing removes what the two arms share.
import { bootstrapStatistic, kendall, pairedBootstrap } from '../lib/util/statistics';
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

describe('bootstrap of a statistic over items', () => {
  // Two rankers of the same 40 cells: the tau difference over the same resampled cells (a duplicated
  // cell ties with itself and counts in no pair).
  const rng = new Rng(7);
  const truth = Array.from({ length: 40 }, () => rng.next());
  const noisy = (sd: number) => truth.map((t) => t + sd * (rng.next() - 0.5));
  const tauDifference = (a: number[], b: number[]) => (at: readonly number[]) => {
    const pick = (xs: number[]) => at.map((i) => xs[i]);
    return kendall(pick(a), pick(truth)) - kendall(pick(b), pick(truth));
  };

  it('puts a better ranker above a worse one beyond the interval, over the same cells', () => {
    const good = noisy(0.2);
    const bad = noisy(2);
    const d = bootstrapStatistic(40, tauDifference(good, bad), { seed: 1, resamples: 2000 });
    expect(d.mean).toBeCloseTo(kendall(good, truth) - kendall(bad, truth), 12);
    expect(d.lo).toBeGreaterThan(0);
    expect(d.hi).toBeGreaterThan(d.mean);
  });

  it('holds zero for two rankers of the same noise, and refuses no items', () => {
    const d = bootstrapStatistic(40, tauDifference(noisy(1), noisy(1)), { seed: 1, resamples: 2000 });
    expect(d.lo).toBeLessThan(0);
    expect(d.hi).toBeGreaterThan(0);
    expect(() => bootstrapStatistic(0, () => 0)).toThrow(/a bootstrap over 0 items/);
  });
});
