// GM-NAS's split of one decision's options into two groups (Hu et al., ICLR 2022). Options whose
// shared-weight gradients point apart should not share weights: the partition with the least summed
// distance inside the groups separates them, and the edge's score is the distance it cuts (total
// minus within). The edge with the highest score is the one whose options disagree most: it is split
// first. As the reference (skhu101/GM-NAS): every group holds at least two options, so NB201's five ops
// split 2 + 3 (mincut_split_201, WS-GM/nasbench201/utils.py:621-637; the ProxylessNAS code's
// mincut_split_proxylessnas keeps sizes 2 to n/2 alike); the first group is the smaller, candidates
// in size then lexicographic order, ties to the first met. The random control splits as the
// reference's random_split_201 (utils.py:640-652): n/2 ops drawn at random, and the rest.
import { callNativeSync, invalid } from '../errors';
import { native } from '../native';
import { Rng } from '../util/rng';

/** The fewest options a group may hold. */
export const MIN_GROUP = 2;

export interface TwoWaySplit {
  /** Indices into the distance matrix: the smaller group (2 to n/2 options), then the rest. */
  groups: [number[], number[]];
  /** Sum of d(i, j) over pairs i < j inside a group. */
  within: number;
  /** Sum of d(i, j) over all pairs i < j. */
  total: number;
  /** total - within: the distance the cut removes from shared training. */
  score: number;
}

function requireSplittable(n: number): void {
  const least = 2 * MIN_GROUP;
  if (n < least)
    throw invalid(`a split needs at least two options in each group (${least} in all), got ${n}`);
}

function checkDistances(distances: readonly (readonly number[])[]): void {
  const n = distances.length;
  for (const row of distances) {
    if (row.length !== n || row.some((d) => !Number.isFinite(d)))
      throw invalid('distances must be a square matrix of finite numbers');
  }
  requireSplittable(n);
}

function pairSum(distances: readonly (readonly number[])[], ids: readonly number[]): number {
  let sum = 0;
  for (let a = 0; a < ids.length; a++)
    for (let b = a + 1; b < ids.length; b++) sum += distances[ids[a]][ids[b]];
  return sum;
}

/** Subsets of {0..n-1} of `size`, in lexicographic order (Python's itertools.combinations). */
function* combinations(n: number, size: number, from = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === size) {
    yield [...chosen];
    return;
  }
  for (let i = from; i <= n - (size - chosen.length); i++)
    yield* combinations(n, size, i + 1, [...chosen, i]);
}

/** The two-way partition (groups of two or more) with the least within-group distance, and its edge score. */
export function bestTwoWaySplit(distances: readonly (readonly number[])[]): TwoWaySplit {
  checkDistances(distances);
  const n = distances.length;
  if (n > 21) throw invalid(`exhaustive partition is for up to 21 options, got ${n}`);
  const all = [...Array(n).keys()];
  const total = pairSum(distances, all);
  let best: TwoWaySplit | undefined;
  for (let size = MIN_GROUP; size <= Math.floor(n / 2); size++) {
    for (const first of combinations(n, size)) {
      const rest = all.filter((i) => !first.includes(i));
      const within = pairSum(distances, first) + pairSum(distances, rest);
      if (!best || within < best.within)
        best = { groups: [first, rest], within, total, score: total - within };
    }
  }
  return best!;
}

/** The control: floor(n/2) options drawn uniformly at random, and the rest (each group sorted). */
export function randomTwoWaySplit(n: number, rng: Rng): [number[], number[]] {
  requireSplittable(n);
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1); // Fisher-Yates: a uniform permutation, as np.random.permutation
    [order[i], order[j]] = [order[j], order[i]];
  }
  const half = Math.floor(n / 2);
  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
  return [sorted(order.slice(0, half)), sorted(order.slice(half))];
}

/** 1 - cos(v_i, v_j) for given vectors, computed natively as the run computes it. */
export function cosineDistances(vectors: readonly (readonly number[])[]): number[][] {
  return callNativeSync(() => native().cosineDistances({ vectors: vectors.map((v) => [...v]) }));
}

/**
 * Each batch's 1 - cos matrix of its vectors (one per option), averaged over the batches: how
 * matchGradients combines its batches (the reference's dist_avg, train_search.py:452-486).
 */
export function meanCosineDistances(batches: readonly (readonly (readonly number[])[])[]): number[][] {
  return callNativeSync(() =>
    native().cosineDistances({ batches: batches.map((b) => b.map((v) => [...v])) }),
  );
}
