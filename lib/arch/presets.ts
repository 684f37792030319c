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
    description:
      'small plain CNN for 28x28 grey images, the default of `torchnas train`: ~89.5% test after one epoch (~1 min on 2 cores)',
    arch: {
      name: 'fmnist-cnn',
      input: [1, 28, 28],
      classes: 10,
      blocks: [
        'conv_k3_s1_c32',
        'maxpool_k2_s2',
        'conv_k3_s1_c64',
        'conv_k3_s1_c64',
        'maxpool_k2_s2',
        'conv_k3_s1_c128',
        'conv_k3_s1_c128',
        'gap',
        'fc',
      ],
    },
    // One epoch favours Adam, small batches and no augmentation.
    recipe: {
      epochs: 1,
      optimizer: 'adam',
      lr: 0.003,
      batchSize: 64,
      warmupEpochs: 0.06,
      labelSmoothing: 0,
      augment: false,
    },
  },
  'fmnist-mbconv': {
    description:
      'small MBConv network for 28x28 grey images (stride-2 stem: MBConv at 28x28 is slow on CPU): ~92% test in 12 epochs',
    arch: {
      name: 'fmnist-mbconv',
      input: [1, 28, 28],
      classes: 10,
      blocks: [
        'conv_k3_s2_c32_arelu6',
        'mb_k3_s1_e1_c32',
        'mb_k5_s2_e3_c48',
        'mb_k3_s1_e3_c48_se0.25',
        'mb_k5_s1_e6_c64_se0.25',
        'mb_k3_s1_e3_c64',
        'gap',
        'fc',
      ],
    },
    recipe: {
      epochs: 12,
      optimizer: 'adamw',
      lr: 0.003,
      weightDecay: 0.05,
      batchSize: 128,
      warmupEpochs: 1,
      labelSmoothing: 0.1,
      augment: true,
    },
  },
};
