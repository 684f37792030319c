import { kendall, ranks, sampleNb201Indices, spearman } from '../../lib';
import { expectInvalid } from '../benchmarks/expect-invalid';

describe('rank correlation', () => {
  test('ranks share ties and put NaN and -infinity lowest', () => {
    expect(ranks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5]);
    expect(ranks([5, NaN, -Infinity, 1])).toEqual([4, 1.5, 1.5, 3]);
  });

  test('Spearman and Kendall by hand', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks x 1 2 3 4, y 1 3 2 4: d^2 = 0 + 1 + 1 + 0, rho = 1 - 6 * 2 / (4 * 15) = 0.8.
    expect(spearman([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    // 6 pairs: one discordant (2, 3), five concordant: tau = 4 / 6.
    expect(kendall([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 12);
    // Tau-b with a tie in x: pairs (1,2) (1,3) (1,4) (2,3)=tie in x (2,4) (3,4): C = 5, D = 0, ties x = 1.
    expect(kendall([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(5 / Math.sqrt(6 * 5), 12);
    // A NaN score ranks lowest: with it lowest, the order agrees.
    expect(spearman([NaN, 2, 3], [0, 5, 6])).toBeCloseTo(1, 12);
  });

  test('bad input', () => {
    expectInvalid(() => spearman([1, 2], [1]), /2 scores with 1 values/);
    expectInvalid(() => kendall([1], [1]), /at least two pairs/);
  });

  test('NB201 samples are distinct, seeded and in range', () => {
    const a = sampleNb201Indices(500, 3);
    expect(new Set(a).size).toBe(500);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(15625);
    expect(sampleNb201Indices(500, 3)).toEqual(a);
    expect(sampleNb201Indices(500, 4)).not.toEqual(a);
    expectInvalid(() => sampleNb201Indices(0, 1), /sample size/);
  });
});
