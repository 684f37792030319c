// A ParZC-style parametric proxy (Dong et al., "ParZC: Parametric Zero-Cost Proxies for Efficient NAS"):
// per-layer zero-cost statistics in, a score out, from a small MLP with Bayesian (weight-noise) layers
// trained on a handful of networks with known accuracy to rank them, with the differentiable Kendall
// tau as loss. The paper's mixer over layers is replaced by a plain MLP over the flattened layer vector.
import { z } from 'zod';
import { fromZod, invalid } from '../../errors';
import { Rng } from '../../util/rng';
import { Adam } from './adam';
import { BayesianMlp } from './bayesian-mlp';
import { diffKendallLoss } from './diff-kendall';

export const ParzcOptionsSchema = z
  .object({
    hidden: z.array(z.number().int().positive()).default([64]),
    epochs: z.number().int().positive().default(400),
    // lr, alpha and klWeight were chosen on a 1,000-network NB201 sample (seed 1), not the one
    // bench:parzc reports (seed 0): gentler steps and more weight noise overfit 156 networks less.
    lr: z.number().positive().default(1e-3),
    /** Sharpness of the soft sign in the Kendall loss. */
    alpha: z.number().positive().default(0.3),
    /** Weight of the KL term (per training row). */
    klWeight: z.number().min(0).default(1e-2),
    priorStd: z.number().positive().default(0.1),
    seed: z.number().int().min(0).default(0),
  })
  .strict();
export type ParzcOptions = z.input<typeof ParzcOptionsSchema>;

/** A trained parametric proxy: standardizes features as its training set was, scores with mean weights. */
export class ParametricProxy {
  constructor(
    private readonly model: BayesianMlp,
    private readonly mean: number[],
    private readonly scale: number[],
  ) {}

  score(features: readonly (readonly number[])[]): number[] {
    return this.model
      .forward(features.map((row) => standardize(row, this.mean, this.scale)))
      .map((y) => y[0]);
  }
}

function standardize(row: readonly number[], mean: number[], scale: number[]): number[] {
  if (row.length !== mean.length) throw invalid(`expected ${mean.length} features, got ${row.length}`);
  return row.map((v, i) => (v - mean[i]) / scale[i]);
}

/** Trains on `features` (one row per network) to rank as `targets` (accuracies) do. */
export function trainParzc(
  features: readonly (readonly number[])[],
  targets: readonly number[],
  options: ParzcOptions = {},
  onEpoch?: (epoch: number, loss: number) => void,
): ParametricProxy {
  const parsed = ParzcOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('ParZC options', parsed.error);
  const o = parsed.data;
  if (features.length < 2 || features.length !== targets.length)
    throw invalid('ParZC needs at least two rows, one target each');
  const width = features[0].length;
  const mean = Array.from(
    { length: width },
    (_, i) => features.reduce((s, r) => s + r[i], 0) / features.length,
  );
  const scale = mean.map(
    (m, i) => Math.sqrt(features.reduce((s, r) => s + (r[i] - m) ** 2, 0) / features.length) || 1,
  );
  const x = features.map((row) => standardize(row, mean, scale));

  const rng = new Rng(o.seed);
  const model = new BayesianMlp([width, ...o.hidden, 1], rng);
  const optimizer = new Adam(model.parameters(), o.lr);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    model.zeroGrad();
    const scores = model.forward(x, rng).map((y) => y[0]);
    const { loss, grad } = diffKendallLoss(scores, targets, o.alpha);
    model.backward(grad.map((g) => [g]));
    const kl = model.kl(o.priorStd, o.klWeight / x.length);
    optimizer.update(model.gradients());
    onEpoch?.(epoch, loss + (o.klWeight / x.length) * kl);
  }
  return new ParametricProxy(model, mean, scale);
}
