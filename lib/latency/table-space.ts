// Whether a latency table's space covers a network: every layer of it is one the space lists. The
// layers themselves come from the space (SearchSpace.latencyLayers: chain and elastic spaces).
import type { Architecture } from '../arch';
import type { SearchSpace } from '../spaces/search-space';
import { architectureLayers } from './layer-keys';

/** Whether every layer of `arch` is one the table space lists (a check for tests and errors). */
export function coversArchitecture(space: SearchSpace, arch: Architecture): boolean {
  const keys = new Set(space.latencyLayers().map((l) => l.key));
  return architectureLayers(arch).every((l) => keys.has(l.key));
}
