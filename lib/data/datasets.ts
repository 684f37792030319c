// The datasets torchnas knows by name: where their files are, how to read them, and the statistics
// to normalize them with; image folders (ImageNet layout) decoded on demand. Data stays native; JS
// holds a handle.
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import type { NativeDataset, NativeDatasetDescription } from '../../binding';
import { callNative, callNativeSync, fromZod, TorchnasError } from '../errors';
import { native } from '../native';
import { SkipWatch } from './skipped-images';

export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'image-folder'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
/** The datasets of fixed files in a known place (all but image folders). */
export type FileDatasetName = Exclude<DatasetName, 'image-folder'>;
export type Split = 'train' | 'test';

/** ImageNet's channel statistics: the normalization image folders get by default. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

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

export const DATASETS: Record<FileDatasetName, DatasetFormat> = {
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
  /** `watch`: for image folders, where files that fail to decode are reported (shared by splits). */
  constructor(
    readonly handle: NativeDataset,
    private readonly watch?: SkipWatch,
  ) {
    watch?.add(handle);
  }

  describe(): NativeDatasetDescription {
    return callNativeSync(() => this.handle.describe());
  }

  get size(): number {
    return this.describe().size;
  }

  /** Seeded split: [rest, held out] with `fraction` of the items held out. */
  split(fraction: number, seed: number): [Dataset, Dataset] {
    const [a, b] = callNativeSync(() => this.handle.split({ fraction, seed }));
    return [new Dataset(a, this.watch), new Dataset(b, this.watch)];
  }

  /** `count` items chosen with a seeded shuffle (the first `count` when seed is 0). */
  subset(count: number, seed = 0): Dataset {
    return new Dataset(callNativeSync(() => this.handle.subset({ count, seed })), this.watch);
  }

  /**
   * Image folders: the files that could not be read or decoded so far (each counted once, over every
   * split of the folder) and the first few as "path: why"; they were left out of their batches.
   */
  skippedImages(): { count: number; files: string[] } {
    const { skippedImages = 0, skippedFiles = [] } = this.describe();
    return { count: skippedImages, files: skippedFiles };
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

function resolveFile(dir: string, name: string, dataset: FileDatasetName): string {
  for (const candidate of [name, `${name}.gz`]) {
    const file = path.join(dir, candidate);
    if (fs.existsSync(file)) return file;
  }
  throw new TorchnasError(
    'E_IO',
    `${dataset}: '${path.join(dir, name)}' (or .gz) not found. ${DATASETS[dataset].install}`,
  );
}

const ImageFolderOptionsSchema = z
  .object({
    /** <root>/<class>/<image> (ImageNet's layout; classes are the sorted subfolder names), or with `list`, the folder its paths start from. */
    root: z.string().min(1),
    /** A text file of `relative/path label` lines (label: a whole number from 0); replaces the folder listing. */
    list: z.string().min(1).optional(),
    /** Side of the square images the loader makes, in pixels. */
    size: z.number().int().min(1).max(4096).default(224),
    /** With `list`: the number of classes (default: the largest label + 1). */
    classes: z.number().int().min(1).optional(),
    name: z.string().optional(),
  })
  .strict();
export type ImageFolderOptions = z.input<typeof ImageFolderOptionsSchema>;

/**
 * JPEG and PNG files, decoded on the loader's threads when a batch needs them (never all in memory),
 * cropped and resized to `size` x `size` RGB as the loader's `augment` says: `randomResizedCrop` (and
 * `colorJitter`) for training, else resize (shorter side size * 256 / 224) and centre crop. Normalize
 * with IMAGENET_MEAN and IMAGENET_STD (augmentationFor('image-folder', ...)). A file that cannot be
 * decoded is left out of its batch with its label, counted (skippedImages()) and named in a warning.
 */
export async function loadImageFolder(options: ImageFolderOptions): Promise<Dataset> {
  const parsed = ImageFolderOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('image folder options', parsed.error);
  const o = parsed.data;
  const name = o.name ?? `image-folder:${o.list ?? o.root}`;
  const handle = await callNative(() => native().loadImageFolder({ ...o, name }));
  return new Dataset(handle, new SkipWatch(name));
}

/** A folder's classes as the loader finds them: its subfolders not starting with '.', in byte order. */
function classFolders(root: string): string[] {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) return [];
  return fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * A label is a class's place among the sorted class folders of its split, so val/ must hold exactly
 * train/'s classes: one missing or extra shifts every label after it (val/c scored as class b).
 */
function requireSameClasses(dataDir: string): void {
  const train = classFolders(path.join(dataDir, 'train'));
  const val = classFolders(path.join(dataDir, 'val'));
  if (!train.length || !val.length || JSON.stringify(train) === JSON.stringify(val)) return;
  const list = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? `, ... (${names.length})` : '');
  const extra = val.filter((c) => !train.includes(c));
  const missing = train.filter((c) => !val.includes(c));
  throw new TorchnasError('E_DATA', `image folder '${dataDir}': val/ and train/ must hold the same class folders (a label is ` +
    `a class's place among them), but ${[extra.length && `val/ has ${list(extra)}, which train/ lacks`,
      missing.length && `val/ lacks ${list(missing)}`].filter(Boolean).join(' and ')}: add or remove class folders so that both ` +
    'list the same names', ['dataDir']);
}

export async function loadDataset(name: DatasetName, split: Split, dataDir?: string, options: { imageSize?: number } = {}): Promise<Dataset> {
  if (name === 'image-folder') {
    if (!dataDir) {
      throw new TorchnasError('E_INVALID_ARGUMENT', 'image-folder needs dataDir: a folder with train/ and val/, each holding ' +
        'one subfolder of images per class (ImageNet\'s layout)', ['dataDir']);
    }
    const folder = split === 'train' ? 'train' : 'val';
    if (folder === 'val') requireSameClasses(dataDir);
    return loadImageFolder({ root: path.join(dataDir, folder), size: options.imageSize, name: `image-folder/${folder}` });
  }
  const format = Object.hasOwn(DATASETS, name) ? DATASETS[name] : undefined;
  if (!format) throw new TorchnasError('E_INVALID_ARGUMENT', `unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  if (options.imageSize !== undefined) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `imageSize applies to image folders: ${name}'s images have one ` +
      'size; drop it, or use dataset image-folder', ['imageSize']);
  }
  const dir = dataDir ?? format.defaultDir;
  const files = format.files[split].map((f) => resolveFile(dir, f, name));
  const handle = await callNative(() =>
    format.kind === 'idx'
      ? native().loadIdx({ images: files[0], labels: files[1], classes: format.classes, name: `${name}/${split}` })
      : native().loadCifar({ files, kind: format.kind as 'cifar10' | 'cifar100', name: `${name}/${split}` }),
  );
  return new Dataset(handle);
}

/** The `augment` loader option: what the native loader accepts. */
export const AugmentSchema = z
  .object({
    pad: z.number().int().min(0).optional(),
    flip: z.boolean().optional(),
    mean: z.union([z.number(), z.array(z.number())]).optional(),
    std: z.union([z.number(), z.array(z.number())]).optional(),
    randomResizedCrop: z.union([z.boolean(), z.object({
      scale: z.tuple([z.number().gt(0), z.number().gt(0)]).optional(),
      ratio: z.tuple([z.number().gt(0), z.number().gt(0)]).optional(),
    }).strict()]).optional(),
    colorJitter: z.object({
      brightness: z.number().min(0).optional(),
      contrast: z.number().min(0).optional(),
      saturation: z.number().min(0).optional(),
    }).strict().optional(),
  })
  .strict();

export interface DatasetAugment {
  pad: number;
  flip: boolean;
  mean: number[];
  std: number[];
  randomResizedCrop?: boolean;
}

/**
 * Training-time augmentation and normalization for a dataset: crop with padding, flip, mean/std; for
 * image folders torchvision's ImageNet recipe (RandomResizedCrop + flip; evaluation: resize + centre
 * crop) with ImageNet's statistics.
 */
export function augmentationFor(name: DatasetName, augment: boolean): DatasetAugment {
  if (name === 'image-folder') {
    const [mean, std] = [IMAGENET_MEAN, IMAGENET_STD];
    return augment ? { pad: 0, flip: true, randomResizedCrop: true, mean, std } : { pad: 0, flip: false, mean, std };
  }
  const { mean, std } = DATASETS[name];
  const pad = name.startsWith('cifar') ? 4 : 2;
  return augment ? { pad, flip: true, mean, std } : { pad: 0, flip: false, mean, std };
}

/** Refuses a network whose declared input or class count is not the dataset's (it would train on the wrong shape). */
export function requireShape(what: string, input: readonly number[], classes: number, data: Dataset, dataset: string): void {
  const { shape, classes: found } = data.describe();
  if (shape.length !== input.length || shape.some((d, i) => d !== input[i]) || found !== classes) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `${what} takes input [${input}] with ${classes} classes, but ${dataset} ` +
      `has [${shape}] with ${found} classes: choose one made for this dataset (a built-in search space fits itself to it)`);
  }
}
