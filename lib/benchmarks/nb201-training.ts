// One NB201 cell network trained alone from scratch with a plain recipe and scored on held-out images:
// what PNAS's real-training search measures for each model, and how a searched cell is retrained.
import type { Dataset, DatasetAugment } from '../data/datasets';
import { Session, type SessionOptions } from '../train/session';
import { buildNb201 } from './nb201-session';

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

export async function trainNb201Cell(
  ops: readonly string[],
  data: Nb201CellData,
  recipe: Nb201Recipe,
  placement: Pick<SessionOptions, 'device' | 'precision' | 'threads' | 'channelsLast'>,
  running: RunningSession = {},
): Promise<{ top1: number; steps: number }> {
  const session = new Session({ ...placement, seed: recipe.seed });
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
