// ShiftNAS's complexity bins: the space's MACs range, from the smallest to the largest subnet, cut into
// K equal-width bins. A bin is reachable when some subnet lands in it; by default K is the largest
// number up to 8 for which every bin holds one of a pool of uniformly drawn subnets (the first and
// last bins always hold the smallest and largest subnets).
import { invalid } from '../../errors';
import type { ResolvedElasticSpace } from '../../spaces';
import { buildSubnetPool } from '../subnet-pool';

export const DEFAULT_MAX_BINS = 8;

export interface ComplexityBins {
  edges: number[];
  /** Pool subnets per bin (the reachability evidence). */
  counts: number[];
}

function reachable(counts: number[]): boolean {
  return counts.every((n, i) => n > 0 || i === 0 || i === counts.length - 1);
}

export function complexityBins(
  resolved: ResolvedElasticSpace,
  requested: number | undefined,
  poolSize: number,
  seed: number,
): ComplexityBins {
  const tries =
    requested === undefined
      ? Array.from({ length: DEFAULT_MAX_BINS - 1 }, (_, i) => DEFAULT_MAX_BINS - i)
      : [requested];
  for (const k of tries) {
    const pool = buildSubnetPool(resolved, poolSize, k, seed);
    const counts = pool.members.map((m) => m.length);
    if (reachable(counts)) return { edges: pool.edges, counts };
    if (requested !== undefined) {
      const empty = counts.flatMap((n, i) => (n === 0 && i > 0 && i < counts.length - 1 ? [i] : []));
      throw invalid(
        `shiftBins: with ${k} bins, bin(s) ${empty.join(', ')} hold none of ${poolSize} random subnets of ` +
          `'${resolved.space.name}': use fewer bins (--shift-bins) or leave it out to choose automatically`,
        ['shiftBins'],
      );
    }
  }
  const pool = buildSubnetPool(resolved, poolSize, 2, seed);
  return { edges: pool.edges, counts: pool.members.map((m) => m.length) };
}
