// Subnets of an elastic space at a cost target: a target no subnet reaches is refused before any work,
// and random subnets within target * (1 ± tolerance) seed a search (or are the search: random-supernet).
import { TorchnasError } from '../errors';
import { withinBand, type TargetBand } from '../search/target-derivation';
import {
  encodeSubnet,
  largestSubnet,
  randomSubnet,
  smallestSubnet,
  type ResolvedElasticSpace,
  type Subnet,
} from '../spaces';
import type { Rng } from '../util/rng';

/** A target outside the space's smallest and largest subnet is refused before any work. */
export function requireReachable(
  resolved: ResolvedElasticSpace,
  band: TargetBand,
  cost: (s: Subnet) => number,
  unit: string,
): void {
  const [lo, hi] = [smallestSubnet(resolved), largestSubnet(resolved)].map(cost);
  if (band.target * (1 + band.tolerance) >= lo && band.target * (1 - band.tolerance) <= hi) return;
  const f = (x: number) => `${Number(x.toPrecision(4))} ${unit}`;
  throw new TorchnasError(
    'E_INVALID_ARGUMENT',
    `--target ${f(band.target)}: no subnet of '${resolved.space.name}' lies within ` +
      `±${Number((100 * band.tolerance).toPrecision(3))}% of it (its smallest subnet costs ${f(lo)}, its largest ${f(hi)}); ` +
      'give a target between them',
    ['target'],
  );
}

/** Up to `count` distinct random subnets whose cost lies in the band, drawn from `rng` at most `maxDraws` times. */
export function subnetsInBand(
  resolved: ResolvedElasticSpace,
  band: TargetBand,
  cost: (s: Subnet) => number,
  count: number,
  rng: Rng,
  maxDraws = 200 * count,
): Subnet[] {
  const found = new Map<string, Subnet>();
  for (let draws = 0; found.size < count && draws < maxDraws; draws++) {
    const s = randomSubnet(resolved, () => rng.next());
    if (withinBand(cost(s), band)) found.set(encodeSubnet(s), s);
  }
  return [...found.values()];
}
