// GM-NAS's split of one decision's options into two groups (Hu et al., ICLR 2022). Options whose
// shared-weight gradients point apart should not share weights: the partition that minimizes the
// summed distance inside the groups (exhaustive: 2^(n-1) - 1 partitions, 15 for NB201's five ops)
// separates them, and the edge's score is the distance it cuts (total minus within). The edge with
// the highest score is the one whose options disagree most: it is split first.
// Choices the paper leaves open, written down: both groups non-empty, any sizes (no balance
// constraint; within-group pairs grow with imbalance, so balanced cuts are favoured anyway); ties go
// to the partition met first (option 0 always in the first group, the rest by bit order).
import { callNativeSync, invalid } from '../errors';
import { native } from '../native';
import { Rng } from '../strategies/rng';

export interface TwoWaySplit {
  /** Indices into the distance matrix: the group holding index 0, then the other. */
  groups: [number[], number[]];
  /** Sum of d(i, j) over pairs i < j inside a group. */
  within: number;
  /** Sum of d(i, j) over all pairs i < j. */
  total: number;
  /** total - within: the distance the cut removes from shared training. */
  score: number;
}

function checkDistances(distances: readonly (readonly number[])[]): void {
  const n = distances.length;
  if (n < 2) throw invalid(`a split needs at least two options, got ${n}`);
  for (const row of distances) {
    if (row.length !== n || row.some((d) => !Number.isFinite(d))) throw invalid('distances must be a square matrix of finite numbers');
  }
}

function pairSum(distances: readonly (readonly number[])[], inGroup: (i: number, j: number) => boolean): number {
  let sum = 0;
  for (let i = 0; i < distances.length; i++) {
    for (let j = i + 1; j < distances.length; j++) if (inGroup(i, j)) sum += distances[i][j];
  }
  return sum;
}

function splitOf(distances: readonly (readonly number[])[], mask: number): TwoWaySplit {
  const side = (i: number) => (i === 0 ? 0 : (mask >> (i - 1)) & 1);
  const groups: [number[], number[]] = [[], []];
  for (let i = 0; i < distances.length; i++) groups[side(i)].push(i);
  const total = pairSum(distances, () => true);
  const within = pairSum(distances, (i, j) => side(i) === side(j));
  return { groups, within, total, score: total - within };
}

/** The two-way partition with the least within-group distance, and its edge score. */
export function bestTwoWaySplit(distances: readonly (readonly number[])[]): TwoWaySplit {
  checkDistances(distances);
  const n = distances.length;
  if (n > 21) throw invalid(`exhaustive partition is for up to 21 options, got ${n}`);
  let best: TwoWaySplit | undefined;
  // Bit i - 1 of the mask puts option i in the second group; option 0 stays in the first.
  for (let mask = 1; mask < 2 ** (n - 1); mask++) {
    const s = splitOf(distances, mask);
    if (!best || s.within < best.within) best = s;
  }
  return best!;
}

/** The control: a uniformly random non-trivial two-way partition of n options. */
export function randomTwoWaySplit(n: number, rng: Rng): [number[], number[]] {
  if (n < 2) throw invalid(`a split needs at least two options, got ${n}`);
  const mask = 1 + rng.int(2 ** (n - 1) - 1);
  const groups: [number[], number[]] = [[0], []];
  for (let i = 1; i < n; i++) groups[(mask >> (i - 1)) & 1].push(i);
  return groups;
}

/** 1 - cos(v_i, v_j) for given vectors, computed natively as the run computes it. */
export function cosineDistances(vectors: readonly (readonly number[])[]): number[][] {
  return callNativeSync(() => native().cosineDistances({ vectors: vectors.map((v) => [...v]) }));
}
