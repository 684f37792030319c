// A predictor for what a sum of per-layer times misses: fusion, launch gaps, cache effects between
// layers. A ridge regression from a few features of the table (the sum, the layer count, the sum at
// each input resolution) to measured end-to-end latency, fitted on a few measured networks and
// stored in the table it belongs to.
import { z } from 'zod';
import { invalid } from '../errors';
import type { LayerProbe } from './layer-keys';
import type { LatencyTable } from './latency-table';
import { solveLinear } from '../util/linear-solve';

export const LatencyPredictorSchema = z
  .object({
    kind: z.literal('ridge@1'),
    resolutions: z.array(z.number().int().positive()), // input sizes (H) with a feature each; 1 = vectors
    mean: z.array(z.number()),
    scale: z.array(z.number().positive()),
    weights: z.array(z.number()),
    intercept: z.number(),
    lambda: z.number().min(0),
    fittedOn: z.number().int().positive(),
    fitMape: z.number().min(0), // on the networks it was fitted on, in %
  })
  .strict();
export type LatencyPredictor = z.infer<typeof LatencyPredictorSchema>;

const resolutionOf = (layer: LayerProbe) => (layer.input.length === 3 ? layer.input[1] : 1);

function features(table: LatencyTable, layers: LayerProbe[], resolutions: number[]): number[] {
  const byResolution = new Map(resolutions.map((r) => [r, 0]));
  let sum = 0;
  for (const layer of layers) {
    const entry = table.entries[layer.key];
    if (!entry) throw invalid(`the latency table has no entry for layer '${layer.key}'`);
    sum += entry.median;
    const r = resolutionOf(layer);
    if (byResolution.has(r)) byResolution.set(r, byResolution.get(r)! + entry.median);
  }
  return [sum, layers.length, ...resolutions.map((r) => byResolution.get(r)!)];
}

/** Solves (A + lambda I) x = b for a small symmetric positive (semi)definite A. */
const solveRidge = (a: number[][], b: number[], lambda: number) =>
  solveLinear(
    a.map((row, i) => row.map((v, j) => v + (i === j ? lambda : 0))),
    b,
  );

export function fitLatencyPredictor(
  table: LatencyTable,
  samples: { layers: LayerProbe[]; measured: number }[],
  lambda = 1e-2,
): LatencyPredictor {
  if (samples.length < 4)
    throw invalid(`fitting a latency predictor needs at least 4 measured networks, got ${samples.length}`);
  const resolutions = [...new Set(samples.flatMap((s) => s.layers.map(resolutionOf)))].sort((x, y) => y - x);
  const rows = samples.map((s) => features(table, s.layers, resolutions));
  const y = samples.map((s) => s.measured);
  const k = rows[0].length;
  const mean = Array.from({ length: k }, (_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
  const scale = Array.from({ length: k }, (_, j) =>
    Math.sqrt(rows.reduce((a, r) => a + (r[j] - mean[j]) ** 2, 0) / rows.length),
  ).map((s, j) => (s > 1e-9 * (1 + Math.abs(mean[j])) ? s : 1));
  const x = rows.map((r) => r.map((v, j) => (v - mean[j]) / scale[j]));
  const yMean = y.reduce((a, v) => a + v, 0) / y.length;
  // Normal equations on centred data: the intercept is the mean and is not shrunk.
  const xtx = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => x.reduce((a, r) => a + r[i] * r[j], 0)),
  );
  const xty = Array.from({ length: k }, (_, i) => x.reduce((a, r, n) => a + r[i] * (y[n] - yMean), 0));
  const weights = solveRidge(xtx, xty, lambda * samples.length);
  const predictor: LatencyPredictor = {
    kind: 'ridge@1',
    resolutions,
    mean,
    scale,
    weights,
    intercept: yMean,
    lambda,
    fittedOn: samples.length,
    fitMape: 0,
  };
  const errors = samples.map(
    (s) => Math.abs(predictLatency(predictor, table, s.layers) - s.measured) / s.measured,
  );
  predictor.fitMape = (100 * errors.reduce((a, e) => a + e, 0)) / errors.length;
  return predictor;
}

/**
 * The predictor is linear in per-layer features, so it splits into a constant plus one term per
 * layer: a search's expected latency can then be the predictor's, per candidate, as with a table.
 */
export function predictorTerms(predictor: LatencyPredictor, table: LatencyTable) {
  const slope = predictor.weights.map((w, j) => w / predictor.scale[j]);
  const constant = predictor.weights.reduce(
    (acc, w, j) => acc - (w * predictor.mean[j]) / predictor.scale[j],
    predictor.intercept,
  );
  const layer = (probe: LayerProbe) =>
    features(table, [probe], predictor.resolutions).reduce((acc, v, j) => acc + slope[j] * v, 0);
  return { constant, layer };
}

export function predictLatency(
  predictor: LatencyPredictor,
  table: LatencyTable,
  layers: LayerProbe[],
): number {
  const f = features(table, layers, predictor.resolutions);
  return f.reduce(
    (acc, v, j) => acc + predictor.weights[j] * ((v - predictor.mean[j]) / predictor.scale[j]),
    predictor.intercept,
  );
}
