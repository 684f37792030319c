// Retraining a derived FBNetV5 network alone on its task with one recipe, and the control it is
// judged against: random block masks of the same task's MACs, retrained with the identical recipe.
import { invalid } from '../errors';
import { Rng } from '../util/rng';
import { MultitaskNet, type CanvasSplit } from './multitask-net';
import {
  blockCount,
  taskMacs,
  type BlockMask,
  type MultiresSpace,
  type MultitaskTask,
} from '../spaces/multires/multires-space';

export interface RetrainRecipe {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  threads?: number;
  /** Stop each epoch after this many steps (0: the whole split). */
  maxSteps?: number;
}

/** Trains the network `keep` derives, with only `task`'s head, then returns its test metric (%). */
export async function retrainTask(
  space: MultiresSpace,
  task: MultitaskTask,
  keep: BlockMask,
  recipe: RetrainRecipe,
  splits: { train: CanvasSplit; test: CanvasSplit },
): Promise<number> {
  if (keep.length !== blockCount(space))
    throw invalid(`a mask needs ${blockCount(space)} flags, got ${keep.length}`);
  const batches = Math.ceil(splits.train.count / recipe.batchSize);
  const stepsPerEpoch = recipe.maxSteps ? Math.min(recipe.maxSteps, batches) : batches;
  const net = await MultitaskNet.open({
    space,
    tasks: [task],
    mode: 'fixed',
    present: keep,
    lr: recipe.lr,
    totalSteps: recipe.epochs * stepsPerEpoch,
    seed: recipe.seed,
    threads: recipe.threads,
  });
  try {
    for (let epoch = 0; epoch < recipe.epochs; epoch++) {
      await net.trainEpoch(splits.train, recipe.batchSize, epoch, recipe.maxSteps ?? 0);
    }
    const metrics = await net.evaluate(splits.test, 100);
    return metrics[task]!;
  } finally {
    await net.close();
  }
}

/**
 * `count` distinct random masks whose MACs for `task` are within `tolerance` (relative) of `macs`,
 * drawn with a seeded RNG: each block kept with a probability drawn per mask, so that sparse and dense
 * masks are both reached. Throws if the space has too few such masks.
 */
export function matchedRandomMasks(
  space: MultiresSpace,
  task: MultitaskTask,
  macs: number,
  count: number,
  seed: number,
  tolerance = 0.03,
  exclude: BlockMask[] = [],
): boolean[][] {
  const rng = new Rng(seed);
  const n = blockCount(space);
  const seen = new Set(exclude.map((m) => m.map(Number).join('')));
  const found: boolean[][] = [];
  for (let tries = 0; tries < 200_000 && found.length < count; tries++) {
    const density = rng.next();
    const mask = Array.from({ length: n }, () => rng.next() < density);
    const key = mask.map(Number).join('');
    if (seen.has(key) || Math.abs(taskMacs(space, task, mask) - macs) > tolerance * macs) continue;
    seen.add(key);
    found.push(mask);
  }
  if (found.length < count)
    throw invalid(
      `only ${found.length} random masks have ${task} MACs within ${100 * tolerance}% of ${macs}`,
    );
  return found;
}
