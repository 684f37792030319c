// `train()`: trains a fixed architecture on a dataset from start to finish, with a held-out
// validation split, per-epoch checkpoints committed atomically, exact resume, and a final test.
import * as path from 'path';
import { z } from 'zod';
import type { NativeEvalStats, NativeTrainProgress } from '../../binding';
import { loadArchitecture, parseArchitecture, PRESETS, type Architecture } from '../arch';
import { augmentationFor, DATASET_NAMES, loadDataset, requireShape, type Dataset } from '../data/datasets';
import { fromZod, TorchnasError } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import { appendMetrics, trainFigures, type EpochRecord } from '../run/run-state';
import { guardedEpoch } from '../run/divergence';
import { loadInitWeights } from '../export/safetensors-init';
import {
  closingOnError,
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { RUN_FIELDS } from '../run/run-fields';
import { openRunSession, stepsPerEpoch } from '../dist/run-session';
import { requireBatchFits } from '../data/batch-bounds';

const DEFAULT_ARCH = 'fmnist-cnn';

export const TrainOptionsSchema = z
  .object({
    arch: z.union([z.string(), z.record(z.string(), z.unknown())]).default(DEFAULT_ARCH),
    dataset: z.enum(DATASET_NAMES).default('fashion-mnist'),
    dataDir: z.string().optional(),
    /** image-folder: side of the square images (training crops, evaluation centre crops); default 224. */
    imageSize: z.number().int().min(1).max(4096).optional(),
    epochs: z.number().int().positive().default(1),
    batchSize: z.number().int().positive().default(128),
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
    lr: z.number().positive().default(0.1),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).default(5e-5),
    warmupEpochs: z.number().min(0).default(0),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    augment: z.boolean().default(true),
    validFraction: z.number().min(0).lt(1).default(0.1),
    /** Evaluate (validation and test) on at most this many images each. */
    limitEval: z.number().int().positive().optional(),
    /** Weights to start from (an extracted subnet's weights.pt, or an exported .safetensors) instead of a random initialization. */
    init: z.string().optional(),
    /** Start over in runDir: the run it holds is removed first. */
    restart: z.boolean().default(false),
    ...RUN_FIELDS,
  })
  .strict();

export type TrainOptions = z.input<typeof TrainOptionsSchema>;
type ResolvedOptions = z.output<typeof TrainOptionsSchema>;

export type TrainEvent =
  | {
      type: 'start';
      runDir: string;
      arch: Architecture;
      params: number;
      macs: number;
      trainSize: number;
      validSize: number;
      epochs: number;
      startEpoch: number;
    }
  | ({ type: 'step'; epoch: number } & NativeTrainProgress)
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'test'; test: NativeEvalStats };

export interface TrainResult {
  runDir: string;
  arch: Architecture;
  params: number;
  macs: number;
  history: EpochRecord[];
  test: NativeEvalStats;
  seconds: number;
}

/** Options as a run will use them: zod defaults, then the preset recipe, then what was given. */
export function resolveTrainOptions(options: TrainOptions): ResolvedOptions {
  // A preset's recipe fills in what the caller left out.
  const arch = options.arch ?? DEFAULT_ARCH;
  const preset = typeof arch === 'string' && Object.hasOwn(PRESETS, arch) ? PRESETS[arch] : undefined;
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const parsed = TrainOptionsSchema.safeParse({ ...preset?.recipe, ...given });
  if (!parsed.success) throw fromZod('training options', parsed.error);
  return parsed.data;
}

/** The training split (less its held-out part), the validation split and the test set. */
async function trainingData(opts: ResolvedOptions) {
  const full = await loadDataset(opts.dataset, 'train', opts.dataDir, { imageSize: opts.imageSize });
  let test = await loadDataset(opts.dataset, 'test', opts.dataDir, { imageSize: opts.imageSize });
  let [trainSet, validSet]: [Dataset, Dataset | undefined] = [full, undefined];
  if (opts.validFraction > 0) [trainSet, validSet] = full.split(opts.validFraction, opts.seed);
  if (opts.limitEval) {
    // Quick checks: a fixed random part of the validation split and of the test set.
    if (validSet && validSet.size > opts.limitEval) validSet = validSet.subset(opts.limitEval, opts.seed + 2);
    if (test.size > opts.limitEval) test = test.subset(opts.limitEval, opts.seed + 3);
  }
  if (opts.limitTrain) trainSet = trainSet.subset(opts.limitTrain, opts.seed + 1);
  return { trainSet, validSet, test };
}

function architectureOf(options: ResolvedOptions): Architecture {
  return typeof options.arch === 'string' ? loadArchitecture(options.arch) : parseArchitecture(options.arch);
}

/** Trains from scratch, or continues the run in `runDir` when it has a committed state. */
export async function train(
  options: TrainOptions,
  onEvent?: (event: TrainEvent) => void,
  control?: RunControl,
): Promise<TrainResult> {
  return runMethod(TRAIN_METHOD, options, onEvent, control);
}

const TRAIN_METHOD: RunMethod<ResolvedOptions, EpochRecord, TrainResult, TrainEvent> = {
  kind: 'train',
  parse: (options) => {
    const opts = resolveTrainOptions(options as TrainOptions);
    architectureOf(opts); // a bad architecture is refused before --restart removes anything
    return opts;
  },
  folder: (opts) => `${architectureOf(opts).name}-${opts.dataset}`,
  summary: (result, state) => ({ ...result, checkpoint: state.checkpoint }),
  open: openTraining,
};

/** The data, network and optimizer of a training run; a resumed run keeps its stored architecture. */
async function openTraining({
  opts: resolved,
  runDir,
  given,
  previous,
  stored,
  emit,
  started,
}: RunContext<ResolvedOptions, EpochRecord, TrainEvent>): Promise<
  OpenedRun<ResolvedOptions, EpochRecord, TrainResult>
> {
  let opts = resolved;
  const arch = stored ? (stored.arch as Architecture) : architectureOf(opts);
  const session = await openRunSession(opts);
  return closingOnError(session, async () => {
    const { trainSet, validSet, test } = await trainingData(opts);
    requireShape(`architecture '${arch.name}'`, arch.input, arch.classes, trainSet, opts.dataset);
    const net = await session.buildNetwork(arch);
    if (net.nativeParams !== net.params) {
      throw new TorchnasError(
        'E_NATIVE',
        `parameter count mismatch: description ${net.params}, native ${net.nativeParams}`,
      );
    }
    const trainSize = trainSet.size;
    // The default batch shrinks to a small --limit-train (recorded in run.json); a given one is refused.
    const perRank = Math.floor(trainSize / session.worldSize);
    if (
      !previous &&
      (given as TrainOptions).batchSize === undefined &&
      opts.batchSize > perRank &&
      perRank > 0
    ) {
      opts = { ...opts, batchSize: perRank };
    }
    requireBatchFits(opts.batchSize, trainSize, {
      split: 'images of the training split',
      worldSize: session.worldSize,
    });
    const steps = stepsPerEpoch(trainSize, opts.batchSize, session.worldSize);
    await session.configureTraining({
      optimizer: opts.optimizer,
      lr: opts.lr,
      momentum: opts.momentum,
      nesterov: opts.momentum > 0, // momentum 0 is plain SGD
      weightDecay: opts.weightDecay,
      labelSmoothing: opts.labelSmoothing,
      warmupSteps: Math.round(opts.warmupEpochs * steps),
      totalSteps: opts.epochs * steps,
    });
    const augment = augmentationFor(opts.dataset, opts.augment);
    const evalLoader = {
      batchSize: Math.max(opts.batchSize, 256),
      augment: { mean: augment.mean, std: augment.std },
    };
    return {
      options: opts,
      model: session,
      root: session.isRoot,
      stored: { arch },
      ready: async (_state, resumed) => {
        if (!resumed && opts.init) await loadInitWeights(session, opts.init, arch);
      },
      start: (startEpoch) =>
        emit({
          type: 'start',
          runDir,
          arch,
          params: net.params,
          macs: net.macs,
          trainSize,
          validSize: validSet?.size ?? 0,
          epochs: opts.epochs,
          startEpoch,
        }),
      epoch: async (epoch, state) => {
        const guard = { runDir, epoch: epoch + 1, lr: opts.lr, classes: arch.classes, root: session.isRoot };
        const stats = await guardedEpoch(guard, () =>
          session.trainEpoch(
            trainSet,
            { batchSize: opts.batchSize, seed: opts.seed, epoch, augment, progressEvery: opts.progressEvery },
            (p) => emit({ type: 'step', epoch, ...p }),
          ),
        );
        const valid = validSet ? await session.evaluate(validSet, evalLoader) : undefined;
        return {
          type: 'epoch',
          epoch: epoch + 1,
          globalStep: state.globalStep + stats.steps,
          train: trainFigures(stats, session.worldSize),
          ...(valid ? { valid: { loss: valid.loss, top1: valid.top1, top5: valid.top5 } } : {}),
        };
      },
      finish: async (state) => {
        const testStats = await session.evaluate(test, evalLoader);
        emit({ type: 'test', test: testStats });
        if (session.isRoot) {
          appendMetrics(runDir, { type: 'final', test: testStats });
          writeJsonAtomic(path.join(runDir, 'arch.json'), arch);
        }
        return {
          runDir,
          arch,
          params: net.params,
          macs: net.macs,
          history: state.history,
          test: testStats,
          seconds: (Date.now() - started) / 1000,
        };
      },
      close: () => session.close(),
    };
  });
}
