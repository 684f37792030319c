// The derivation at a target against brute force: over every choice of small random tables, the most
// probable choice whose cost lies in the band; and the refusal of targets no network reaches.
import {
  costRange,
  mostProbableWithin,
  requireReachableTarget,
  choiceCost,
  type CostTable,
} from '../../lib/search/target-derivation';
import { Rng } from '../../lib/util/rng';

function randomProblem(rng: Rng, edges: number, options: number): { p: number[][]; costs: CostTable } {
  const p = Array.from({ length: edges }, () => {
    const w = Array.from({ length: options }, () => Math.exp(3 * rng.next()));
    const z = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / z);
  });
  const table = Array.from({ length: edges }, () =>
    Array.from({ length: options }, (_, j) => (j === 0 ? 0 : 0.1 + rng.next())),
  );
  return { p, costs: { table, fixed: 0.3, unit: 'ms' } };
}

function* allChoices(edges: number, options: number): Generator<number[]> {
  const c = new Array(edges).fill(0);
  for (;;) {
    yield [...c];
    let e = 0;
    while (e < edges && ++c[e] === options) c[e++] = 0;
    if (e === edges) return;
  }
}

const score = (p: number[][], choice: number[]) => choice.reduce((s, j, e) => s + Math.log(p[e][j]), 0);

test('the most probable choice within the band, as brute force finds it, on 40 random tables', () => {
  const rng = new Rng(7);
  let checked = 0;
  for (let trial = 0; trial < 40; trial++) {
    const { p, costs } = randomProblem(rng, 5, 4);
    const { cheapest, largest } = costRange(costs);
    const target = cheapest + (0.1 + 0.8 * rng.next()) * (largest - cheapest);
    const band = { target, tolerance: 0.03 };
    let best: number[] | undefined;
    for (const c of allChoices(5, 4)) {
      if (Math.abs(choiceCost(costs, c) - target) <= 0.03 * target && (!best || score(p, c) > score(p, best)))
        best = c;
    }
    const found = mostProbableWithin(p, costs, band);
    if (!best) {
      expect(found).toBeUndefined();
      continue;
    }
    expect(found).toBeDefined();
    expect(Math.abs(choiceCost(costs, found!) - target)).toBeLessThanOrEqual(0.03 * target * (1 + 1e-12));
    expect(score(p, found!)).toBeCloseTo(score(p, best), 9);
    checked++;
  }
  expect(checked).toBeGreaterThan(30);
});

test('the argmax is kept when it already lies in the band', () => {
  const costs = {
    table: [
      [0, 1, 2],
      [0, 1, 2],
    ],
    fixed: 1,
    unit: 'M MACs',
  };
  expect(
    mostProbableWithin(
      [
        [0.1, 0.7, 0.2],
        [0.6, 0.3, 0.1],
      ],
      costs,
      { target: 2, tolerance: 0.05 },
    ),
  ).toEqual([1, 0]);
  // Target 4: the argmax costs 2; the choices costing 4 are [1, 2] (p 0.7 * 0.1 = 0.07) and [2, 1] (0.2 * 0.3 = 0.06).
  expect(
    mostProbableWithin(
      [
        [0.1, 0.7, 0.2],
        [0.6, 0.3, 0.1],
      ],
      costs,
      { target: 4, tolerance: 0.05 },
    ),
  ).toEqual([1, 2]);
});

test("a target no network reaches is refused with the space's cheapest and largest cost", () => {
  const costs = {
    table: [
      [0, 1],
      [0, 1],
    ],
    fixed: 1,
    unit: 'M MACs',
  };
  expect(
    mostProbableWithin(
      [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
      costs,
      { target: 2.5, tolerance: 0.05 },
    ),
  ).toBeUndefined();
  expect(() =>
    requireReachableTarget(costs, { target: 2.5, tolerance: 0.05 }, '--target', "space 'toy'"),
  ).toThrow(
    /--target 2\.5 M MACs: no network of space 'toy' costs within ±5% of it \(its cheapest network costs 1 M MACs, its largest 3 M MACs\)/,
  );
  expect(() =>
    requireReachableTarget(costs, { target: 2, tolerance: 0.05 }, '--target', "space 'toy'"),
  ).not.toThrow();
  expect(() =>
    requireReachableTarget(costs, { target: 9, tolerance: 0.05 }, '--target', "space 'toy'"),
  ).toThrow(/largest 3 M MACs/);
});
