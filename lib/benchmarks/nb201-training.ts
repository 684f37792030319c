// One NB201 cell network trained alone from scratch with a plain recipe and scored on held-out images:
// what PNAS's real-training search measures for each model, and how a searched cell is retrained; and
// the Fashion-MNIST parts those searches and retrainings use.
import { augmentationFor, loadDataset, type Dataset, type DatasetAugment } from '../data/datasets';
import { searchSplits, type SearchSplitOptions } from '../data/search-splits';
import { openRunSession, type RunSessionOptions } from '../dist/run-session';
import type { Session } from '../train/session';
import { buildNb201 } from './nb201-session';

/** A cell search's Fashion-MNIST: the training split held out as every search holds it. */
export interface Nb201SearchData {
  train: Dataset;
  valid: Dataset;
  input: [number, number, number];
  classes: number;
  augment: DatasetAugment;
}

export interface Nb201CellData {
  train: Dataset;
  /** Scored after training (a held-out part or a test split). */
  score: Dataset;
  input: [number, number, number];
  classes: number;
  augment: DatasetAugment;
}

export interface Nb201Recipe {
  epochs: number;
  batchSize: number;
  /** SGD (Nesterov, momentum 0.9), cosine from lr to 0. */
  lr: number;
  channels: number;
  cells: number;
  seed: number;
}

/** The open session, so that a caller's cancel can reach the training in progress. */
export interface RunningSession {
  session?: Session;
}

async function fashionMnist(split: 'train' | 'test', dataDir?: string) {
  const data = await loadDataset('fashion-mnist', split, dataDir);
  const { shape, classes } = data.describe();
  const input: [number, number, number] = [shape[0], shape[1], shape[2]];
  // No augmentation beyond normalization: short trainings rank cells by what they learn fast.
  return { data, input, classes, augment: augmentationFor('fashion-mnist', false) };
}

export async function nb201SearchData(
  o: SearchSplitOptions & { dataDir?: string },
): Promise<Nb201SearchData> {
  const { data, ...rest } = await fashionMnist('train', o.dataDir);
  return { ...searchSplits(data, o), ...rest };
}

/** The training split (or `limitTrain` of it) to train a searched cell on, the test split to score it on. */
export async function nb201RetrainData(o: {
  dataDir?: string;
  limitTrain?: number;
  seed: number;
}): Promise<Nb201CellData> {
  const { data, ...rest } = await fashionMnist('train', o.dataDir);
  const train = o.limitTrain ? data.subset(Math.min(o.limitTrain, data.size), o.seed + 1) : data;
  return { train, score: (await fashionMnist('test', o.dataDir)).data, ...rest };
}

/** `run`: the run's placement, as its own session takes it (the recipe's seed replaces the run's). */
export async function trainNb201Cell(
  ops: readonly string[],
  data: Nb201CellData,
  recipe: Nb201Recipe,
  run: Omit<RunSessionOptions, 'seed' | 'batchSize'>,
  running: RunningSession = {},
): Promise<{ top1: number; steps: number }> {
  const session = await openRunSession({ ...run, seed: recipe.seed });
  running.session = session;
  try {
    await buildNb201(session, {
      arch: [...ops],
      classes: data.classes,
      channels: recipe.channels,
      cells: recipe.cells,
      input: data.input,
    });
    const steps = Math.ceil(data.train.size / recipe.batchSize);
    await session.configureTraining({ lr: recipe.lr, totalSteps: recipe.epochs * steps });
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      const loader = { batchSize: recipe.batchSize, seed: recipe.seed, epoch, augment: data.augment };
      await session.trainEpoch(data.train, loader);
    }
    const scored = await session.evaluate(data.score, { batchSize: 256, augment: data.augment });
    return { top1: scored.top1, steps: recipe.epochs * steps };
  } finally {
    running.session = undefined;
    await session.close();
  }
}
