// The small elastic space, data and bins of the ShiftNAS generator test, in one place for the test and
// for bench:shiftnas-margin, which measures that test's margin: the two must never drift apart.
import { parseElasticSpace, resolveElasticSpace, syntheticDataset } from '../lib';
import { complexityBins } from '../lib/supernet/shiftnas/bins';

export const SMALL = resolveElasticSpace(
  parseElasticSpace({
    name: 'small-elastic',
    input: [1, 12, 12],
    classes: 10,
    stem: ['conv_k3_s1_c4'],
    stages: [
      { widths: [4, 6, 8], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 1 },
      {
        widths: [6, 8, 12],
        depths: [1, 2, 3],
        kernels: [3, 5, 7],
        expands: [2, 4, 6],
        stride: 2,
        se: 0.25,
        act: 'hswish',
      },
    ],
    head: ['conv_k1_c16', 'gap', 'fc'],
  }),
);
export const DATA = syntheticDataset({ count: 16, shape: [1, 12, 12], classes: 10, seed: 4 });
export const EDGES = complexityBins(SMALL, 4, 500, 1).edges;
