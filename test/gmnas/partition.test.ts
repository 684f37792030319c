// GM-NAS's split criterion on hand-made gradient vectors: the native cosine distances, the two-way
// partition with the least within-group distance, and the edge score (the distance the cut removes),
// all checked against values worked out by hand.
import { bestTwoWaySplit, cosineDistances, randomTwoWaySplit } from '../../lib';
import { Rng } from '../../lib/util/rng';

const close = (a: number[][], b: number[][]) =>
  a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i][j], 12)));

test('cosine distances: 0 for one direction, 1 for orthogonal or zero vectors, 2 for opposite', () => {
  const d = cosineDistances([
    [1, 0],
    [2, 0],
    [0, 3],
    [-1, 0],
    [0, 0],
    [1, 1],
  ]);
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
  expect(() =>
    cosineDistances([
      [1, 0],
      [1, 0, 0],
    ]),
  ).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});

// Five ops whose gradients form two clusters: {0, 1} along x, {2, 3, 4} along y (3 and 4 tilted).
const CLUSTERED = [
  [1, 0, 0],
  [1, 0.1, 0],
  [0, 1, 0],
  [0, 1, 0.2],
  [0.1, 1, 0],
];

test('the best two-way split separates the clusters; within, total and score add up by hand', () => {
  const d = cosineDistances(CLUSTERED);
  const split = bestTwoWaySplit(d);
  expect(split.groups).toEqual([
    [0, 1],
    [2, 3, 4],
  ]);
  const pairs = (ids: number[]) => ids.flatMap((i, a) => ids.slice(a + 1).map((j) => d[i][j]));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const within = sum(pairs([0, 1])) + sum(pairs([2, 3, 4]));
  const total = sum(pairs([0, 1, 2, 3, 4]));
  expect(split.within).toBeCloseTo(within, 12);
  expect(split.total).toBeCloseTo(total, 12);
  expect(split.score).toBeCloseTo(total - within, 12);
  // Every other partition keeps more distance inside its groups.
  for (const other of [
    [[0], [1, 2, 3, 4]],
    [
      [0, 2],
      [1, 3, 4],
    ],
    [
      [0, 1, 2],
      [3, 4],
    ],
  ]) {
    expect(sum(pairs(other[0])) + sum(pairs(other[1]))).toBeGreaterThan(within);
  }
});

test('the edge whose ops disagree more scores higher', () => {
  const agreeing = cosineDistances([
    [1, 0],
    [1, 0.1],
    [1, -0.1],
    [0.9, 0],
    [1, 0.05],
  ]);
  const disagreeing = cosineDistances([
    [1, 0],
    [1, 0.1],
    [-1, 0],
    [-1, 0.1],
    [-0.9, -0.1],
  ]);
  const [a, b] = [bestTwoWaySplit(agreeing), bestTwoWaySplit(disagreeing)];
  expect(b.groups).toEqual([
    [0, 1],
    [2, 3, 4],
  ]);
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
  expect(split.groups).toEqual([
    [0, 1],
    [2, 3],
  ]);
  expect(split.within).toBeCloseTo(0.3, 12);
  expect(split.score).toBeCloseTo(0.9 + 0.8 + 0.7 + 0.9, 12);
});

test('bad matrices are refused', () => {
  expect(() => bestTwoWaySplit([[0]])).toThrow(/at least two options/);
  expect(() => bestTwoWaySplit([[0, 1], [1]])).toThrow(/square matrix/);
  expect(() =>
    bestTwoWaySplit([
      [0, NaN],
      [NaN, 0],
    ]),
  ).toThrow(/finite/);
});

// The reference's mincut_split_201 (WS-GM/nasbench201/utils.py:621-637), transcribed: the first
// group is always a pair (lexicographic order, first best kept), the second the rest; the edge score
// is the upper triangle's sum less the within-group distance.
function referenceMincut201(d: number[][]): { groups: number[][]; score: number } {
  const n = d.length;
  const upper = (i: number, j: number) => (i < j ? d[i][j] : 0);
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) total += upper(i, j);
  let best = { dist: Infinity, groups: [] as number[][], score: 0 };
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const g2 = [...Array(n).keys()].filter((i) => i !== a && i !== b);
      let dist = upper(a, b) + upper(g2[0], g2[1]);
      if (g2.length > 2) dist += upper(g2[0], g2[2]) + upper(g2[1], g2[2]);
      if (dist < best.dist) best = { dist, groups: [[a, b], g2], score: total - dist };
    }
  }
  return { groups: best.groups, score: best.score };
}

function randomDistances(n: number, rng: Rng): number[][] {
  const d = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d[i][j] = d[j][i] = 2 * rng.next();
  return d;
}

test("on five ops (NB201) and four, the split is the reference's: a pair and the rest, same order and score", () => {
  const rng = new Rng(9);
  for (let k = 0; k < 300; k++) {
    const d = randomDistances(k % 3 === 0 ? 4 : 5, rng);
    const ours = bestTwoWaySplit(d);
    const ref = referenceMincut201(d);
    expect(ours.groups).toEqual(ref.groups);
    expect(ours.score).toBeCloseTo(ref.score, 12);
  }
});

test('a lone op is never split off, even where that would keep the least distance inside the groups', () => {
  // Op 0 far from the others, which agree: the unrestricted best is {0} | {1, 2, 3, 4} (within 0).
  const d = [
    [0, 2, 2, 2, 2],
    [2, 0, 0, 0, 0],
    [2, 0, 0, 0, 0],
    [2, 0, 0, 0, 0],
    [2, 0, 0, 0, 0],
  ];
  const split = bestTwoWaySplit(d);
  expect(split.groups.map((g) => g.length)).toEqual([2, 3]);
  expect(split.groups).toEqual([
    [0, 1],
    [2, 3, 4],
  ]); // within 2 for every pair holding op 0: the first
  expect(split.within).toBe(2);
  expect(() => bestTwoWaySplit(d.slice(0, 3).map((r) => r.slice(0, 3)))).toThrow(
    /at least two options in each group/,
  );
});

test("random splits are the reference's control: two and three ops, each of the 10 such partitions reached", () => {
  const rng = new Rng(3);
  const seen = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const [a, b] = randomTwoWaySplit(5, rng);
    expect([a.length, b.length]).toEqual([2, 3]);
    expect([...a, ...b].sort()).toEqual([0, 1, 2, 3, 4]);
    seen.set(`${a}|${b}`, (seen.get(`${a}|${b}`) ?? 0) + 1);
  }
  expect(seen.size).toBe(10);
  for (const c of seen.values()) expect(Math.abs(c - 200)).toBeLessThan(60); // uniform: 200 +- 4.5 sigma
  expect(randomTwoWaySplit(4, rng).map((g) => g.length)).toEqual([2, 2]);
});
