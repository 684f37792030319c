// Built-in spaces fitted to the dataset they search: the stem takes the data's channels, the classifier
// its class count, the input its size (an elastic space's resolutions scale with it). Costs, latency
// keys and exported networks follow, since they come from the same description. A space file is the
// user's own and is used as written: it must declare the data's shape.
import type { Dataset } from '../data/datasets';
import type { ChainSpace } from './chain/chain-space';
import type { ElasticSpace } from './elastic/elastic-space';

/** What a space is fitted to: the network input [C, H, W] and the class count. */
export interface DataShape {
  input: [number, number, number];
  classes: number;
}

export function fitChainSpace(space: ChainSpace, data: DataShape): ChainSpace {
  return { ...space, input: data.input, classes: data.classes };
}

/** The resolutions scale by the input heights' ratio (rounded, distinct), so the largest stays the input's. */
export function fitElasticSpace(space: ElasticSpace, data: DataShape): ElasticSpace {
  const ratio = data.input[1] / space.input[1];
  const scaled = space.resolutions?.map((r) => Math.max(1, Math.round(r * ratio)));
  return {
    ...space,
    input: data.input,
    classes: data.classes,
    ...(scaled ? { resolutions: [...new Set(scaled)].sort((a, b) => a - b) } : {}),
  };
}

export function dataShapeOf(data: Dataset): DataShape {
  const { shape, classes } = data.describe();
  return { input: [shape[0], shape[1], shape[2]], classes };
}
