// The datasets torchnas knows by name: where their files are, how to read them, and the statistics
// to normalize them with. Data stays native; JS holds a handle.
import * as fs from 'fs';
import * as path from 'path';
import type { NativeDataset, NativeDatasetDescription } from '../../binding';
import { callNative, callNativeSync, TorchnasError } from '../errors';
import { native } from '../native';

export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
export type Split = 'train' | 'test';

interface DatasetFormat {
  defaultDir: string;
  classes: number;
  mean: number[];
  std: number[];
  /** File names per split; IDX names are tried with and without .gz. */
  files: Record<Split, string[]>;
  kind: 'idx' | 'cifar10' | 'cifar100';
  install: string;
}

export const DATASETS: Record<DatasetName, DatasetFormat> = {
  'fashion-mnist': {
    defaultDir: '/usr/share/datasets/fashion-mnist',
    classes: 10,
    mean: [0.286],
    std: [0.353],
    kind: 'idx',
    files: {
      train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
      test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
    },
    install: 'apt-get install dataset-fashion-mnist (scripts/setup.sh does it)',
  },
  mnist: {
    defaultDir: '/usr/share/datasets/mnist',
    classes: 10,
    mean: [0.1307],
    std: [0.3081],
    kind: 'idx',
    files: {
      train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
      test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
    },
    install: 'put the four MNIST IDX files (.gz or raw) in a folder and pass --data-dir',
  },
  cifar10: {
    defaultDir: 'data/cifar-10-batches-bin',
    classes: 10,
    mean: [0.4914, 0.4822, 0.4465],
    std: [0.247, 0.2435, 0.2616],
    kind: 'cifar10',
    files: {
      train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
      test: ['test_batch.bin'],
    },
    install: 'unpack the CIFAR-10 binary version (cifar-10-batches-bin) and pass --data-dir',
  },
  cifar100: {
    defaultDir: 'data/cifar-100-binary',
    classes: 100,
    mean: [0.5071, 0.4865, 0.4409],
    std: [0.2673, 0.2564, 0.2762],
    kind: 'cifar100',
    files: { train: ['train.bin'], test: ['test.bin'] },
    install: 'unpack the CIFAR-100 binary version (cifar-100-binary) and pass --data-dir',
  },
};

/** A dataset split held natively. */
export class Dataset {
  constructor(readonly handle: NativeDataset) {}

  describe(): NativeDatasetDescription {
    return callNativeSync(() => this.handle.describe());
  }

  get size(): number {
    return this.describe().size;
  }

  /** Seeded split: [rest, held out] with `fraction` of the items held out. */
  split(fraction: number, seed: number): [Dataset, Dataset] {
    const [a, b] = callNativeSync(() => this.handle.split({ fraction, seed }));
    return [new Dataset(a), new Dataset(b)];
  }

  /** `count` items chosen with a seeded shuffle (the first `count` when seed is 0). */
  subset(count: number, seed = 0): Dataset {
    return new Dataset(callNativeSync(() => this.handle.subset({ count, seed })));
  }
}

export interface SyntheticDatasetOptions {
  count: number;
  /** [channels, height, width] */
  shape: [number, number, number];
  classes: number;
  seed?: number;
  name?: string;
}

/**
 * Random labelled images generated on demand, the same for the same seed and index: input for
 * benchmarks at any shape (ImageNet's 3x224x224 included) with no file and no pixels held in memory.
 */
export function syntheticDataset(options: SyntheticDatasetOptions): Dataset {
  const { count, shape, classes, seed = 0, name = 'synthetic' } = options;
  const whole = (x: number) => Number.isInteger(x) && x >= 1;
  if (!whole(count) || shape.length !== 3 || !shape.every(whole) || !Number.isInteger(classes) || classes < 2) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `a synthetic dataset needs a whole count >= 1, a [C, H, W] shape of whole numbers and >= 2 classes (got count ${count}, shape ${JSON.stringify(shape)}, classes ${classes})`);
  }
  const [channels, height, width] = shape;
  return new Dataset(callNativeSync(() => native().syntheticDataset({ count, channels, height, width, classes, seed, name })));
}

function resolveFile(dir: string, name: string, dataset: DatasetName): string {
  for (const candidate of [name, `${name}.gz`]) {
    const file = path.join(dir, candidate);
    if (fs.existsSync(file)) return file;
  }
  throw new TorchnasError(
    'E_IO',
    `${dataset}: '${path.join(dir, name)}' (or .gz) not found. ${DATASETS[dataset].install}`,
  );
}

export async function loadDataset(name: DatasetName, split: Split, dataDir?: string): Promise<Dataset> {
  const format = Object.hasOwn(DATASETS, name) ? DATASETS[name] : undefined;
  if (!format) throw new TorchnasError('E_INVALID_ARGUMENT', `unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  const dir = dataDir ?? format.defaultDir;
  const files = format.files[split].map((f) => resolveFile(dir, f, name));
  const handle = await callNative(() =>
    format.kind === 'idx'
      ? native().loadIdx({ images: files[0], labels: files[1], classes: format.classes, name: `${name}/${split}` })
      : native().loadCifar({ files, kind: format.kind as 'cifar10' | 'cifar100', name: `${name}/${split}` }),
  );
  return new Dataset(handle);
}

/** Training-time augmentation and normalization for a dataset: crop with padding, flip, mean/std. */
export function augmentationFor(name: DatasetName, augment: boolean) {
  const { mean, std } = DATASETS[name];
  const pad = name.startsWith('cifar') ? 4 : 2;
  return augment ? { pad, flip: true, mean, std } : { pad: 0, flip: false, mean, std };
}

/** Refuses a network whose declared input or class count is not the dataset's (it would train on the wrong shape). */
export function requireShape(what: string, input: readonly number[], classes: number, data: Dataset, dataset: string): void {
  const { shape, classes: found } = data.describe();
  if (shape.length !== input.length || shape.some((d, i) => d !== input[i]) || found !== classes) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `${what} takes input [${input}] with ${classes} classes, but ${dataset} ` +
      `has [${shape}] with ${found} classes: choose one made for this dataset`);
  }
}
