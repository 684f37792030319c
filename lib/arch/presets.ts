// Built-in architectures and the training recipe each was tuned with (see BENCHMARKS.md).
export interface Preset {
  description: string;
  arch: { name: string; input: [number, number, number]; classes: number; blocks: string[] };
  /** Training defaults this architecture was tuned with; explicit options override them. */
  recipe?: {
    optimizer?: 'sgd' | 'adam' | 'adamw';
    lr?: number;
    weightDecay?: number;
    batchSize?: number;
    warmupEpochs?: number;
    labelSmoothing?: number;
    augment?: boolean;
    epochs?: number;
  };
}

export const PRESETS: Record<string, Preset> = {
  'fmnist-cnn': {
    description: 'small plain CNN for 28x28 grey images: the default of `torchnas train` (one epoch in about a minute on 2 cores)',
    arch: {
      name: 'fmnist-cnn',
      input: [1, 28, 28],
      classes: 10,
      blocks: ['conv_k3_s1_c32', 'conv_k3_s2_c64', 'conv_k3_s1_c64', 'conv_k3_s2_c128', 'gap', 'fc'],
    },
  },
  'fmnist-mbconv': {
    description: 'small MBConv network for 28x28 grey images',
    arch: {
      name: 'fmnist-mbconv',
      input: [1, 28, 28],
      classes: 10,
      blocks: [
        'conv_k3_s1_c16',
        'mb_k3_s1_e1_c16',
        'mb_k3_s2_e6_c24',
        'mb_k3_s1_e3_c24',
        'mb_k5_s2_e6_c40',
        'mb_k3_s1_e3_c40',
        'mb_k3_s1_e6_c80',
        'conv_k1_s1_c256',
        'gap',
        'fc',
      ],
    },
  },
};
