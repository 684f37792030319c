// The data of a GM-NAS run: the train part the supernets train on (and gradient matching reads), and
// a fixed subset of the held-out part on which architectures are scored.
import {
  augmentationFor,
  DATASET_NAMES,
  loadDataset,
  requireShape,
  type Dataset,
  type DatasetAugment,
} from '../data/datasets';
import { searchSplits } from '../data/search-splits';
import type { PathSpace } from './path-space';

export interface GmData {
  train: Dataset;
  evaluation: Dataset;
  input: [number, number, number];
  classes: number;
  augment: DatasetAugment;
}

export interface GmDataOptions {
  dataset: (typeof DATASET_NAMES)[number];
  dataDir?: string;
  imageSize?: number;
  validFraction: number;
  evalImages: number;
  limitTrain?: number;
  batchSize: number;
  augment: boolean;
  seed: number;
}

export async function gmData(o: GmDataOptions): Promise<GmData> {
  const full = await loadDataset(o.dataset, 'train', o.dataDir, { imageSize: o.imageSize });
  const { shape, classes } = full.describe();
  const { train, valid } = searchSplits(full, o);
  const evaluation = valid.subset(Math.min(o.evalImages, valid.size), o.seed + 3);
  return {
    train,
    evaluation,
    input: [shape[0], shape[1], shape[2]],
    classes,
    augment: augmentationFor(o.dataset, o.augment),
  };
}

/** A chain space fixes its input and classes: refuse a dataset of another shape. */
export function requireSpaceShape(space: PathSpace, data: Dataset, dataset: string): void {
  if (space.kind === 'chain')
    requireShape(`search space '${space.name}'`, space.input, space.classes, data, dataset);
}
