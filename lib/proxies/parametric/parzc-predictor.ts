// ParZC's predictor as its authors train it on NAS-Bench-201 (pprp/PicoNAS, ParZCBMM and
// exps/runner/runner_pinat_rank.py): a Mixer Architecture with Bayesian Network over the node-wise
// zero-cost vector, added to the architecture's edge tokens before a transformer encoder, trained
// natively (native/train/parzc_training.cc) with the differentiable Kendall loss on batches of 10,
// Adam (lr 1e-4, weight decay 1e-3) under a cosine schedule. Its Bayesian layers draw fresh weight
// noise on every forward: a prediction repeated `samples` times gives a mean and a spread.
import { z } from 'zod';
import type { NativeParzcSpec } from '../../../binding';
import { callNative, fromZod, invalid } from '../../errors';
import { Session } from '../../train/session';
import { ThreadsSchema } from '../../util/threads';
import { meanAndStd } from '../../util/statistics';

const whole = () => z.number().int().positive();

export const ParzcPredictorSchema = z
  .object({
    /** Zero-cost values per row (NB201's node-wise vector: 294). */
    zcDim: whole().default(294),
    /** Architecture tokens per row (op indices after the zero-cost values); 0: the ZC-only predictor. */
    edges: z.number().int().min(0).default(6),
    ops: whole().default(5),
    mixerDim: whole().optional(),
    mixerBlocks: z.number().int().min(0).optional(),
    modelDim: whole().optional(),
    heads: whole().optional(),
    ffDim: whole().optional(),
    encoderLayers: whole().optional(),
    rhoInit: z.number().optional(),
    dropout: z.number().min(0).lt(1).optional(),
    epochs: whole().default(200),
    batchSize: z.number().int().min(2).default(10),
    lr: z.number().positive().default(1e-4),
    weightDecay: z.number().min(0).default(1e-3),
    /** Sharpness of DiffKendall's soft signs (the reference's 0.5). */
    alpha: z.number().positive().default(0.5),
    seed: z.number().int().min(0).default(0),
    threads: ThreadsSchema.optional(),
  })
  .strict();
export type ParzcPredictorOptions = z.input<typeof ParzcPredictorSchema>;

/** A network's predictor input: its zero-cost vector and one op index per edge. */
export interface ParzcInput {
  zc: readonly number[];
  ops: readonly number[];
}

export interface ParzcPrediction {
  /** Mean score over the samples: a ranking score (higher ranks higher), not an accuracy. */
  mean: number[];
  /** Spread of the score over the Bayesian layers' weight noise. */
  std: number[];
}

/** A trained predictor on its own session; close() frees it. */
export class ParzcPredictor {
  constructor(
    private readonly session: Session,
    private readonly width: number,
  ) {}

  /** Scores `inputs` with `samples` noisy forwards each (the reference: one). */
  predict(inputs: readonly ParzcInput[], options: { samples?: number; seed?: number } = {}) {
    const rows = packRows(inputs, this.width);
    return callNative(() =>
      this.session.native.parzcPredict({ rows, samples: options.samples ?? 1, seed: options.seed ?? 0 }),
    ) as Promise<ParzcPrediction>;
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

function packRows(inputs: readonly ParzcInput[], width: number): number[][] {
  return inputs.map((x, i) => {
    const row = [...x.zc, ...x.ops];
    if (row.length !== width)
      throw invalid(
        `network ${i} gives ${x.zc.length} zero-cost values and ${x.ops.length} ops; expected ${width} in all`,
      );
    return row;
  });
}

const nativeSpec = (o: z.output<typeof ParzcPredictorSchema>): NativeParzcSpec => ({
  zcDim: o.zcDim,
  edges: o.edges,
  ops: o.ops,
  mixerDim: o.mixerDim,
  mixerBlocks: o.mixerBlocks,
  modelDim: o.modelDim,
  heads: o.heads,
  ffDim: o.ffDim,
  encoderLayers: o.encoderLayers,
  rhoInit: o.rhoInit,
  dropout: o.dropout,
});

/**
 * Trains a predictor to rank `inputs` as `targets` (accuracies) rank them. Targets are standardized
 * by their own mean and spread first: DiffKendall's soft signs see differences in those units.
 */
export async function trainParzcPredictor(
  inputs: readonly ParzcInput[],
  targets: readonly number[],
  options: ParzcPredictorOptions = {},
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<ParzcPredictor> {
  const parsed = ParzcPredictorSchema.safeParse(options);
  if (!parsed.success) throw fromZod('ParZC options', parsed.error);
  const o = parsed.data;
  if (inputs.length < 2 || inputs.length !== targets.length)
    throw invalid(
      `ParZC trains on two or more networks with one target each (got ${inputs.length} and ${targets.length})`,
    );
  const width = o.zcDim + o.edges;
  const rows = packRows(inputs, width);
  const { mean, std } = meanAndStd(targets);
  const scaled = targets.map((t) => (t - mean) / (std || 1));
  const stepsPerEpoch = Math.floor(rows.length / o.batchSize) + (rows.length % o.batchSize >= 2 ? 1 : 0);
  const session = new Session({ device: 'cpu', seed: o.seed, threads: o.threads });
  try {
    const { epochs, batchSize, lr, weightDecay, alpha } = o;
    await callNative(() => session.native.buildParzc(nativeSpec(o)));
    await session.configureTraining({
      optimizer: 'adam',
      lr,
      weightDecay,
      totalSteps: epochs * stepsPerEpoch,
    });
    for (let epoch = 0; epoch < epochs; epoch++) {
      const stats = await callNative(() =>
        session.native.parzcEpoch({ rows, targets: scaled, batchSize, alpha, epoch }),
      );
      onEpoch?.(epoch, stats.loss);
    }
  } catch (error) {
    await session.close();
    throw error;
  }
  return new ParzcPredictor(session, width);
}
