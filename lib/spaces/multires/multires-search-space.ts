// FBNetV5's multi-resolution multitask space as a SearchSpace: one keep-or-skip decision per block.
// Costs are the classification task's network (trunk, head and the kept blocks).
import { invalid } from '../../errors';
import { checkIndices, type SearchSpace } from '../search-space';
import {
  blockCount,
  blockName,
  maskString,
  nativeMultiresSpec,
  taskMacs,
  type BlockMask,
  type MultiresSpace,
} from './multires-space';

const OPTIONS = ['skip', 'keep'] as const;

export function multiresSearchSpace(space: MultiresSpace): SearchSpace<BlockMask> {
  const blocks = blockCount(space);
  const self: SearchSpace<BlockMask> = {
    kind: 'multires',
    name: `multires-${space.widths.join('x')}-s${space.stages}d${space.depth}`,
    input: [space.inChannels, space.imageSize, space.imageSize],
    classes: space.classes,
    decisions: Array.from({ length: blocks }, (_, b) => ({
      name: blockName(space, b),
      options: [...OPTIONS],
    })),
    sample: (next) => Array.from({ length: blocks }, () => next() >= 0.5),
    encode: (mask) => {
      if (mask.length !== blocks) throw invalid(`a mask needs ${blocks} flags, got ${mask.length}`);
      return mask.map(Number);
    },
    decode: (indices) => {
      checkIndices(self, indices);
      return indices.map((j) => j === 1);
    },
    describe: (mask) => maskString(space, mask),
    cost: (mask) => ({ macs: taskMacs(space, 'cls', mask) }),
    freeze: (mask) => ({ kind: 'multires', spec: nativeMultiresSpec(space, mask) }),
    latencyLayers: () => {
      throw invalid('latency tables are built for chain and elastic spaces, not the multitask space', [
        'space',
      ]);
    },
    nativeSpec: () => nativeMultiresSpec(space),
  };
  return self;
}
