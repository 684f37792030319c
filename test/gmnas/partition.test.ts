// GM-NAS's split criterion on hand-made gradient vectors: the native cosine distances, the two-way
// partition with the least within-group distance, and the edge score (the distance the cut removes),
// all checked against values worked out by hand.
import { bestTwoWaySplit, cosineDistances, randomTwoWaySplit } from '../../lib';
import { Rng } from '../../lib/strategies/rng';

const close = (a: number[][], b: number[][]) => a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i][j], 12)));

test('cosine distances: 0 for one direction, 1 for orthogonal or zero vectors, 2 for opposite', () => {
  const d = cosineDistances([[1, 0], [2, 0], [0, 3], [-1, 0], [0, 0], [1, 1]]);
  const s = 1 - Math.SQRT1_2; // 1 - cos 45 degrees
  close(d, [
    [0, 0, 1, 2, 1, s],
    [0, 0, 1, 2, 1, s],
    [1, 1, 0, 1, 1, s],
    [2, 2, 1, 0, 1, 1 + Math.SQRT1_2],
    [1, 1, 1, 1, 0, 1],
    [s, s, s, 1 + Math.SQRT1_2, 1, 0],
  ]);
});

test('vectors of different lengths are refused with a typed error', () => {
  expect(() => cosineDistances([[1, 0], [1, 0, 0]])).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});

// Five ops whose gradients form two clusters: {0, 1} along x, {2, 3, 4} along y (3 and 4 tilted).
const CLUSTERED = [[1, 0, 0], [1, 0.1, 0], [0, 1, 0], [0, 1, 0.2], [0.1, 1, 0]];

test('the best two-way split separates the clusters; within, total and score add up by hand', () => {
  const d = cosineDistances(CLUSTERED);
  const split = bestTwoWaySplit(d);
  expect(split.groups).toEqual([[0, 1], [2, 3, 4]]);
  const pairs = (ids: number[]) => ids.flatMap((i, a) => ids.slice(a + 1).map((j) => d[i][j]));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const within = sum(pairs([0, 1])) + sum(pairs([2, 3, 4]));
  const total = sum(pairs([0, 1, 2, 3, 4]));
  expect(split.within).toBeCloseTo(within, 12);
  expect(split.total).toBeCloseTo(total, 12);
  expect(split.score).toBeCloseTo(total - within, 12);
  // Every other partition keeps more distance inside its groups.
  for (const other of [[[0], [1, 2, 3, 4]], [[0, 2], [1, 3, 4]], [[0, 1, 2], [3, 4]]]) {
    expect(sum(pairs(other[0])) + sum(pairs(other[1]))).toBeGreaterThan(within);
  }
});

test('the edge whose ops disagree more scores higher', () => {
  const agreeing = cosineDistances([[1, 0], [1, 0.1], [1, -0.1], [0.9, 0], [1, 0.05]]);
  const disagreeing = cosineDistances([[1, 0], [1, 0.1], [-1, 0], [-1, 0.1], [-0.9, -0.1]]);
  const [a, b] = [bestTwoWaySplit(agreeing), bestTwoWaySplit(disagreeing)];
  expect(b.groups).toEqual([[0, 1], [2, 3, 4]]);
  expect(b.score).toBeGreaterThan(a.score);
  // Opposite clusters: each of the 6 cut pairs is about 2 apart.
  expect(b.score).toBeGreaterThan(6 * 1.9);
});

test('a hand-written matrix: the cut removes exactly the cross-group distances', () => {
  const d = [
    [0, 0.1, 0.9, 0.8],
    [0.1, 0, 0.7, 0.9],
    [0.9, 0.7, 0, 0.2],
    [0.8, 0.9, 0.2, 0],
  ];
  const split = bestTwoWaySplit(d);
  expect(split.groups).toEqual([[0, 1], [2, 3]]);
  expect(split.within).toBeCloseTo(0.3, 12);
  expect(split.score).toBeCloseTo(0.9 + 0.8 + 0.7 + 0.9, 12);
});

test('bad matrices are refused', () => {
  expect(() => bestTwoWaySplit([[0]])).toThrow(/at least two options/);
  expect(() => bestTwoWaySplit([[0, 1], [1]])).toThrow(/square matrix/);
  expect(() => bestTwoWaySplit([[0, NaN], [NaN, 0]])).toThrow(/finite/);
});

test('random splits are non-trivial and reach every partition of five ops', () => {
  const rng = new Rng(3);
  const seen = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const [a, b] = randomTwoWaySplit(5, rng);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3, 4]);
    seen.add(`${a}|${b}`);
  }
  expect(seen.size).toBe(15);
});
