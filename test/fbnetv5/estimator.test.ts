import { native } from '../../lib/native';

// All 2^B masks of B blocks, as 0/1 arrays.
const masks = (blocks: number) =>
  Array.from({ length: 2 ** blocks }, (_, m) => Array.from({ length: blocks }, (_, b) => (m >> b) & 1));
const probabilityOf = (p: number[], mask: number[]) =>
  mask.reduce((acc, m, b) => acc * (m ? p[b] : 1 - p[b]), 1);

describe('FBNetV5 importance-weighted REINFORCE estimator', () => {
  // Three tasks with different keep-probabilities over four blocks; a loss that depends on the mask
  // in a non-additive way, different per task.
  const probabilities = [
    [0.9, 0.2, 0.5, 0.7],
    [0.1, 0.6, 0.3, 0.5],
    [0.5, 0.5, 0.95, 0.05],
  ];
  const loss = (t: number, m: number[]) =>
    (t + 1) * (m[0] * 2 - m[1] * m[2] + 0.5 * m[3] * (1 - m[0])) + 0.3 * t;

  test("is unbiased: its expectation under the shared proposal is each task's exact gradient", () => {
    const baselines = [0.4, -1, 2]; // any constant baseline keeps it unbiased
    const expected = probabilities.map(() => [0, 0, 0, 0]);
    const exact = probabilities.map(() => [0, 0, 0, 0]);
    for (const mask of masks(4)) {
      const advantages = probabilities.map((_, t) => loss(t, mask) - baselines[t]);
      const e = native().fbnetv5Estimate({ probabilities, floor: 0.05, mask, advantages });
      const q = probabilityOf(e.proposal, mask);
      probabilities.forEach((p, t) => {
        // d/dlogit_b of sum_m p(m) L(m) = sum_m p(m) L(m) (m_b - p_b), computed here without the addon.
        const pm = probabilityOf(p, mask);
        for (let b = 0; b < 4; b++) {
          exact[t][b] += pm * loss(t, mask) * (mask[b] - p[b]);
          expected[t][b] += q * e.gradients[t][b];
        }
      });
    }
    for (let t = 0; t < 3; t++)
      for (let b = 0; b < 4; b++) expect(expected[t][b]).toBeCloseTo(exact[t][b], 12);
    expect(exact[0].some((g) => Math.abs(g) > 0.1)).toBe(true);
  });

  test("the proposal is the tasks' mean keep-probability, kept off 0 and 1, and the weights are p(m)/q(m)", () => {
    const mask = [1, 0, 1, 0];
    const e = native().fbnetv5Estimate({
      probabilities: [
        [1, 0, 0.5, 0.5],
        [1, 0, 0.3, 0.9],
      ],
      floor: 0.05,
      mask,
      advantages: [1, 1],
    });
    expect(e.proposal).toEqual([0.95, 0.05, 0.4, 0.7]);
    expect(e.logWeights[0]).toBeCloseTo(Math.log((1 * 1 * 0.5 * 0.5) / (0.95 * 0.95 * 0.4 * 0.3)), 12);
    expect(e.logWeights[1]).toBeCloseTo(Math.log((1 * 1 * 0.3 * 0.1) / (0.95 * 0.95 * 0.4 * 0.3)), 12);
  });

  test('repeated steps raise the keep-probability of a block whose presence lowers the loss', () => {
    // Loss 1 - m0 (+ noise-free): keeping block 0 lowers it; block 1 does not matter.
    let logits = [
      [0, 0],
      [0, 0],
    ];
    let baselines = [0.5, 0.5];
    let state = 12345;
    const uniform = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 300; step++) {
      const probabilities = logits.map((row) => row.map((l) => 1 / (1 + Math.exp(-l))));
      const q = probabilities[0].map((_, b) => (probabilities[0][b] + probabilities[1][b]) / 2);
      const mask = q.map((qb) => (uniform() < qb ? 1 : 0));
      const reward = 1 - mask[0];
      const e = native().fbnetv5Estimate({
        probabilities,
        floor: 0.05,
        mask,
        advantages: baselines.map((b) => reward - b),
      });
      logits = logits.map((row, t) => row.map((l, b) => l - 0.2 * e.gradients[t][b]));
      baselines = baselines.map((b) => 0.9 * b + 0.1 * reward);
    }
    const p = logits.map((row) => row.map((l) => 1 / (1 + Math.exp(-l))));
    expect(p[0][0]).toBeGreaterThan(0.85);
    expect(p[1][0]).toBeGreaterThan(0.85);
    expect(Math.abs(p[0][1] - 0.5)).toBeLessThan(0.35);
  });
});
