// Subnets drawn uniformly, their MACs cut into equal-width bins between the smallest and the largest
// subnet's; a bin's weight is its share of the draws. ShiftNAS's complexity bins start from it, and the
// benches stratify scored subnets with macsBin. (AttentiveNAS's prior is attentive-prior.ts.)
import type { NativeSubnet } from '../../binding';
import { Rng } from '../util/rng';
import {
  largestSubnet,
  nativeSubnet,
  randomSubnet,
  smallestSubnet,
  subnetCost,
  type ResolvedElasticSpace,
  type Subnet,
} from '../spaces';

export interface SubnetPool {
  /** Bin edges in MACs: bins + 1 values from the smallest to the largest subnet's MACs. */
  edges: number[];
  members: Subnet[][];
  weights: number[];
}

export function macsBin(edges: number[], macs: number): number {
  const bins = edges.length - 1;
  const i = Math.floor(((macs - edges[0]) / (edges[bins] - edges[0])) * bins);
  return Math.min(bins - 1, Math.max(0, i));
}

export function buildSubnetPool(
  resolved: ResolvedElasticSpace,
  size: number,
  bins: number,
  seed: number,
): SubnetPool {
  const lo = subnetCost(resolved, smallestSubnet(resolved)).macs;
  const hi = subnetCost(resolved, largestSubnet(resolved)).macs;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const members: Subnet[][] = Array.from({ length: bins }, () => []);
  const rng = new Rng(seed);
  for (let i = 0; i < size; i++) {
    const subnet = randomSubnet(resolved, () => rng.next());
    members[macsBin(edges, subnetCost(resolved, subnet).macs)].push(subnet);
  }
  return { edges, members, weights: members.map((m) => m.length / size) };
}

export function nativePool(pool: SubnetPool): { pool: NativeSubnet[][]; binWeights: number[] } {
  return { pool: pool.members.map((bin) => bin.map(nativeSubnet)), binWeights: pool.weights };
}
