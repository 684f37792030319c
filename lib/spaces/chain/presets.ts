// Built-in search spaces.
import type { z } from 'zod';
import type { ChainSpaceSchema } from './chain-space';

type SpaceInput = z.input<typeof ChainSpaceSchema>;

const MBCONV_CANDIDATES = ['mb_k3_e3', 'mb_k3_e6', 'mb_k5_e3', 'mb_k5_e6', 'mb_k7_e3', 'mb_k7_e6'];

export const SPACES: Record<string, SpaceInput> = {
  // The ProxylessNAS ImageNet space (224x224, 1000 classes).
  proxyless: {
    name: 'proxyless',
    input: [3, 224, 224],
    classes: 1000,
    stem: ['conv_k3_s2_c32', 'mb_k3_s1_e1_c16'],
    stages: [
      { width: 24, depth: 4, stride: 2 },
      { width: 40, depth: 4, stride: 2 },
      { width: 80, depth: 4, stride: 2 },
      { width: 96, depth: 4, stride: 1 },
      { width: 192, depth: 4, stride: 2 },
      { width: 320, depth: 1, stride: 1 },
    ],
    candidates: MBCONV_CANDIDATES,
    zero: true,
    head: ['conv_k1_s1_c1280', 'gap', 'fc'],
  },
  // The same kind of space for 28x28 grey images (Fashion-MNIST, MNIST): two downsamplings.
  'proxyless-28': {
    name: 'proxyless-28',
    input: [1, 28, 28],
    classes: 10,
    stem: ['conv_k3_s1_c16', 'mb_k3_s1_e1_c16'],
    stages: [
      { width: 24, depth: 2, stride: 2 },
      { width: 40, depth: 3, stride: 2 },
      { width: 80, depth: 2, stride: 1 },
    ],
    candidates: MBCONV_CANDIDATES,
    zero: true,
    head: ['conv_k1_s1_c256', 'gap', 'fc'],
  },
  // 32x32 colour images (CIFAR).
  'proxyless-32': {
    name: 'proxyless-32',
    input: [3, 32, 32],
    classes: 10,
    stem: ['conv_k3_s1_c32', 'mb_k3_s1_e1_c16'],
    stages: [
      { width: 24, depth: 3, stride: 2 },
      { width: 40, depth: 3, stride: 2 },
      { width: 80, depth: 3, stride: 2 },
      { width: 96, depth: 2, stride: 1 },
    ],
    candidates: MBCONV_CANDIDATES,
    zero: true,
    head: ['conv_k1_s1_c512', 'gap', 'fc'],
  },
};
