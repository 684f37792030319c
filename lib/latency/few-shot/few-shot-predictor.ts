// Few-shot latency prediction for a new device: an additive model over the space's decisions (one
// weight per decision option, from the description alone, so any chain, elastic or cell space fits),
// with a prior meta-learned from devices that have many measurements. On a new device, 10-20 measured
// networks give the posterior of its weights (Bayesian linear regression, in the dual form, so a
// handful of samples never inverts the prior). Devices differ in speed by orders of magnitude, so the
// prior is over each device's weights divided by its mean latency; the new device's scale comes from
// its samples. How wide the prior is (tau) is chosen by leaving source devices out.
import { invalid } from '../../errors';
import { spearman } from '../../util/statistics';
import { solveLinear } from '../../util/linear-solve';
import { Rng } from '../../util/rng';

/** A decision's option count, as the space lists them. */
export type OptionCounts = readonly number[];

/** One measured network: its option index per decision, and its latency (ms). */
export interface LatencySample {
  indices: readonly number[];
  ms: number;
}

export interface FewShotPrior {
  counts: number[];
  /** Mean of the source devices' scaled weights (intercept first). */
  mean: number[];
  /** Prior covariance of the scaled weights. */
  covariance: number[][];
  /** Residual variance of the additive model, in scaled units. */
  noise: number;
  tau: number;
  sources: string[];
}

export interface FewShotPredictor {
  counts: number[];
  /** Latency (ms) = intercept + the weight of each decision's option (the first option's is 0). */
  intercept: number;
  weights: number[][];
  samples: number;
}

const TAUS = [0.25, 0.5, 1, 2, 4];
const DIAGONAL_SHARE = 0.1;

/** [1, one-hot of every option but each decision's first]: an intercept and the options' differences. */
export function features(counts: OptionCounts, indices: readonly number[]): number[] {
  const out = [1];
  counts.forEach((k, d) => {
    for (let j = 1; j < k; j++) out.push(indices[d] === j ? 1 : 0);
  });
  return out;
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Solves (X'X + diag(penalty)) w = X'y: least squares with a ridge penalty per weight. */
function ridgeSolve(x: readonly number[][], y: readonly number[], penalty: readonly number[]): number[] {
  const p = x[0].length;
  const a = Array.from({ length: p }, (_, i) =>
    Array.from(
      { length: p },
      (_, j) => x.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? penalty[i] : 0),
    ),
  );
  const b = Array.from({ length: p }, (_, i) => x.reduce((s, row, n) => s + row[i] * y[n], 0));
  return solveLinear(a, b);
}

/** Least squares with a light ridge (the design of many random networks is well posed). */
const leastSquares = (x: number[][], y: number[], ridge = 1e-6) =>
  ridgeSolve(x, y, Array(x[0].length).fill(ridge * x.length));

/** The candidate whose score is highest (the first of equals; NaN never wins), each scored once. */
function argmax<T>(candidates: readonly T[], score: (c: T) => number): T {
  const scores = candidates.map(score);
  let best = 0;
  scores.forEach((v, i) => {
    if (v > scores[best]) best = i;
  });
  return candidates[best];
}

/** A source device's scaled weights and residual variance. */
function sourceFit(counts: OptionCounts, samples: readonly LatencySample[]) {
  const x = samples.map((s) => features(counts, s.indices));
  const scale = mean(samples.map((s) => s.ms));
  const y = samples.map((s) => s.ms / scale);
  const theta = leastSquares(x, y);
  const residual = mean(x.map((row, n) => (y[n] - dot(row, theta)) ** 2));
  return { theta, residual };
}

function priorOf(fits: { theta: number[]; residual: number }[], tau: number) {
  const p = fits[0].theta.length;
  const mu = Array.from({ length: p }, (_, i) => mean(fits.map((f) => f.theta[i])));
  const k = fits.length;
  const cov = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => {
      const spread =
        k > 1 ? fits.reduce((s, f) => s + (f.theta[i] - mu[i]) * (f.theta[j] - mu[j]), 0) / (k - 1) : 0;
      const diagonal = i === j ? DIAGONAL_SHARE * mean(fits.map((f) => f.theta[i] ** 2)) + 1e-8 : 0;
      return tau * tau * (spread + diagonal);
    }),
  );
  return { mean: mu, covariance: cov, noise: Math.max(1e-6, mean(fits.map((f) => f.residual))) };
}

/** The posterior mean on a device's samples, in ms (its scale estimated from them). */
function adaptWith(
  prior: Pick<FewShotPrior, 'mean' | 'covariance' | 'noise' | 'counts'>,
  samples: readonly LatencySample[],
) {
  const x = samples.map((s) => features(prior.counts, s.indices));
  const scale = mean(samples.map((s) => s.ms)) / mean(x.map((row) => dot(row, prior.mean)));
  const y = samples.map((s) => s.ms / scale);
  // theta = mu + S X' (X S X' + noise I)^-1 (y - X mu): an n x n system for n samples.
  const sx = x.map((row) => prior.covariance.map((srow) => dot(srow, row))); // (S X')' rows
  const gram = x.map((row, i) => x.map((_, j) => dot(row, sx[j]) + (i === j ? prior.noise : 0)));
  const alpha = solveLinear(
    gram,
    y.map((v, n) => v - dot(x[n], prior.mean)),
  );
  const theta = prior.mean.map((m, i) => m + sx.reduce((s, row, n) => s + row[i] * alpha[n], 0));
  return theta.map((t) => t * scale);
}

function toPredictor(counts: OptionCounts, w: number[], samples: number): FewShotPredictor {
  let at = 1;
  const weights = counts.map((k) => [0, ...w.slice(at, (at += k - 1))]);
  return { counts: [...counts], intercept: w[0], weights, samples };
}

export function predictFewShot(predictor: FewShotPredictor, indices: readonly number[]): number {
  return indices.reduce((s, j, d) => s + predictor.weights[d][j], predictor.intercept);
}

function checkSamples(counts: OptionCounts, samples: readonly LatencySample[], what: string): void {
  for (const s of samples) {
    if (
      s.indices.length !== counts.length ||
      s.indices.some((j, d) => !Number.isInteger(j) || j < 0 || j >= counts[d])
    )
      throw invalid(`${what}: a sample's indices do not fit the space (${counts.length} decisions)`);
    if (!(s.ms > 0) || !Number.isFinite(s.ms))
      throw invalid(`${what}: latencies must be positive milliseconds (got ${s.ms})`);
  }
}

/**
 * The prior from source devices (each with many measured networks). With three or more sources, tau is
 * the one whose adapted predictors rank best on each source left out, from `shots` of its samples.
 */
export function metaLearnPrior(
  counts: OptionCounts,
  sources: readonly { device: string; samples: readonly LatencySample[] }[],
  shots = 10,
  seed = 1,
): FewShotPrior {
  if (sources.length === 0) throw invalid('a few-shot prior needs at least one source device');
  const p = features(
    counts,
    counts.map(() => 0),
  ).length;
  for (const s of sources) {
    checkSamples(counts, s.samples, `source device '${s.device}'`);
    if (s.samples.length < p)
      throw invalid(
        `source device '${s.device}' has ${s.samples.length} networks: the prior needs at least ${p} ` +
          "(measure more with 'torchnas latency sample --networks')",
      );
  }
  const fits = sources.map((s) => sourceFit(counts, s.samples));
  let tau = 1;
  if (sources.length >= 3) {
    const score = (t: number) =>
      mean(
        sources.map((s, k) => {
          const prior = {
            ...priorOf(
              fits.filter((_, i) => i !== k),
              t,
            ),
            counts: [...counts],
          };
          const support = drawSamples(s.samples, shots, seed + k);
          const adapted = toPredictor(counts, adaptWith(prior, support), shots);
          return spearman(
            s.samples.map((x) => predictFewShot(adapted, x.indices)),
            s.samples.map((x) => x.ms),
          );
        }),
      );
    tau = argmax(TAUS, score);
  }
  return { counts: [...counts], ...priorOf(fits, tau), tau, sources: sources.map((s) => s.device) };
}

/** The new device's predictor from its few measured networks. */
export function adaptPrior(prior: FewShotPrior, samples: readonly LatencySample[]): FewShotPredictor {
  checkSamples(prior.counts, samples, 'target device');
  if (samples.length < 2) throw invalid('adapting needs at least 2 measured networks of the new device');
  return toPredictor(prior.counts, adaptWith(prior, samples), samples.length);
}

/**
 * The baseline without a prior: ridge regression on the few samples alone (its strength chosen by
 * leave-one-out among them).
 */
export function fitAlone(counts: OptionCounts, samples: readonly LatencySample[]): FewShotPredictor {
  checkSamples(counts, samples, 'samples');
  const x = samples.map((s) => features(counts, s.indices));
  const y = samples.map((s) => s.ms);
  // the intercept is not penalized: the targets are centred and their mean added back
  const solve = (rows: number[][], ys: number[], lambda: number) => {
    const base = mean(ys);
    const penalty = rows[0].map((_, i) => (i > 0 ? lambda : 0) + 1e-9);
    const w = ridgeSolve(
      rows,
      ys.map((v) => v - base),
      penalty,
    );
    w[0] += base;
    return w;
  };
  const lambdas = [0.01, 0.1, 1, 10, 100];
  const looError = (lambda: number) =>
    mean(
      x.map((row, n) => {
        const w = solve(
          x.filter((_, i) => i !== n),
          y.filter((_, i) => i !== n),
          lambda,
        );
        return (dot(row, w) - y[n]) ** 2;
      }),
    );
  const lambda = argmax(lambdas, (l) => -looError(l));
  return toPredictor(counts, solve(x, y, lambda), samples.length);
}

/** `count` samples drawn without replacement by a seeded shuffle. */
export function drawSamples<T>(pool: readonly T[], count: number, seed: number): T[] {
  const rng = new Rng(seed);
  const order = pool.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count).map((i) => pool[i]);
}
