// Built-in elastic (one-shot) spaces. `elastic-28` is sized for 28x28 grey images (Fashion-MNIST) on
// a CPU: four stages in the manner of once-for-all's MobileNetV3 space (depth, width, kernel and
// expand ratio elastic), its subnets spanning more than 8x in MACs.
import type { z } from 'zod';
import type { ElasticSpaceSchema } from './elastic-space';

type ElasticSpaceInput = z.input<typeof ElasticSpaceSchema>;

const KERNELS = [3, 5, 7];
const EXPANDS = [3, 4, 6];
// Four stages, two downsamplings to 7x7 then one to 4x4, SE and hswish in the last two.
const STAGES: ElasticSpaceInput['stages'] = [
  { widths: [16, 24], depths: [1, 2], kernels: KERNELS, expands: EXPANDS, stride: 2 },
  { widths: [24, 32, 40], depths: [1, 2, 3], kernels: KERNELS, expands: EXPANDS, stride: 2 },
  {
    widths: [40, 48, 64],
    depths: [1, 2, 3],
    kernels: KERNELS,
    expands: EXPANDS,
    stride: 1,
    se: 0.25,
    act: 'hswish',
  },
  {
    widths: [64, 80, 96],
    depths: [1, 2],
    kernels: KERNELS,
    expands: EXPANDS,
    stride: 2,
    se: 0.25,
    act: 'hswish',
  },
];

export const ELASTIC_SPACES: Record<string, ElasticSpaceInput> = {
  'elastic-28': {
    name: 'elastic-28',
    input: [1, 28, 28],
    classes: 10,
    stem: ['conv_k3_s1_c16'],
    stages: STAGES,
    head: ['conv_k1_c128_ahswish', 'gap', 'fc'],
  },
  // The same for 32x32 colour images (CIFAR-10), with the input resolution elastic too.
  'elastic-32': {
    name: 'elastic-32',
    input: [3, 32, 32],
    classes: 10,
    resolutions: [24, 28, 32],
    stem: ['conv_k3_s1_c16'],
    stages: STAGES,
    head: ['conv_k1_c128_ahswish', 'gap', 'fc'],
  },
};
