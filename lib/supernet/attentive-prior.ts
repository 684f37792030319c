// AttentiveNAS's MACs prior, as its reference sampler builds it: subnets drawn uniformly, their MACs
// rounded to a step; a step's weight is its share of the draws, and a BestUp/WorstUp step draws a
// target from those weights, then k candidates whose MACs round to the same target. The reference
// rounds to 25 MFLOPs (about ±1.3-6% of its subnets'); torchnas rounds on a log scale so that every
// candidate lies within ±tolerance of its target at any size (an open choice, in the README), from a
// pool drawn once per run instead of resampling (the same distribution, restricted to the pool).
import type { NativeSubnet } from '../../binding';
import { Rng } from '../util/rng';
import {
  nativeSubnet,
  randomSubnet,
  smallestSubnet,
  subnetCost,
  type ResolvedElasticSpace,
  type Subnet,
} from '../spaces';

export interface AttentivePrior {
  /** The MACs target of each step that holds a draw. */
  targets: number[];
  members: Subnet[][];
  weights: number[];
}

/** Steps grow by (1 + tolerance)^2: a subnet in a step lies within ±tolerance of its centre. */
export function macsStep(macs: number, smallest: number, tolerance: number): number {
  return Math.round(Math.log(macs / smallest) / (2 * Math.log1p(tolerance)));
}

export function attentivePrior(
  resolved: ResolvedElasticSpace,
  poolSize: number,
  tolerance: number,
  seed: number,
): AttentivePrior {
  const smallest = subnetCost(resolved, smallestSubnet(resolved)).macs;
  const steps = new Map<number, Subnet[]>();
  const rng = new Rng(seed);
  for (let i = 0; i < poolSize; i++) {
    const subnet = randomSubnet(resolved, () => rng.next());
    const step = macsStep(subnetCost(resolved, subnet).macs, smallest, tolerance);
    steps.set(step, [...(steps.get(step) ?? []), subnet]);
  }
  const held = [...steps.keys()].sort((a, b) => a - b);
  return {
    targets: held.map((s) => smallest * (1 + tolerance) ** (2 * s)),
    members: held.map((s) => steps.get(s)!),
    weights: held.map((s) => steps.get(s)!.length / poolSize),
  };
}

export function nativePrior(prior: AttentivePrior): { pool: NativeSubnet[][]; binWeights: number[] } {
  return { pool: prior.members.map((step) => step.map(nativeSubnet)), binWeights: prior.weights };
}
