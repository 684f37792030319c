// Agreement between two series: rank correlations (proxy scores or predicted latencies against
// measurements) and the mean absolute percentage error. Non-finite scores (a proxy's NaN on a network
// whose output ignores its input, -infinity from a log of 0) rank below every finite one: such
// networks are the ones a search should drop.
import { invalid } from '../errors';
import { Rng } from './rng';

const finiteOrLowest = (x: number) => (Number.isNaN(x) ? -Infinity : x);

function checkPairs(x: readonly number[], y: readonly number[]): void {
  if (x.length !== y.length) throw invalid(`rank correlation of ${x.length} scores with ${y.length} values`);
  if (x.length < 2) throw invalid('rank correlation needs at least two pairs');
}

/** Ranks 1..n, ties sharing their mean rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values
    .map((v, i) => [finiteOrLowest(v), i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k][1]] = rank;
    start = end + 1;
  }
  return out;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rho: the Pearson correlation of the ranks. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  checkPairs(x, y);
  return pearson(ranks(x), ranks(y));
}

/** Kendall's tau-b (ties in either variable accounted for). O(n^2). */
export function kendall(x: readonly number[], y: readonly number[]): number {
  checkPairs(x, y);
  const a = x.map(finiteOrLowest);
  const b = y.map(finiteOrLowest);
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      // Equal infinities subtract to NaN: a tie, as `|| 0` makes it.
      const da = Math.sign(a[i] - a[j]) || 0;
      const db = Math.sign(b[i] - b[j]) || 0;
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

/** Mean absolute percentage error of `predicted` against `measured`, in %. */
export function mape(predicted: readonly number[], measured: readonly number[]): number {
  checkPairs(predicted, measured);
  return (
    (100 * predicted.reduce((acc, p, i) => acc + Math.abs(p - measured[i]) / Math.abs(measured[i]), 0)) /
    predicted.length
  );
}

/** The median (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Mean and sample standard deviation (n - 1 in the denominator; 0 for a single value). */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) throw new RangeError('the mean of no values');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
    values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  resamples?: number;
  level?: number;
  seed?: number;
}

/**
 * A statistic of n items with a percentile bootstrap interval: `statistic` is given the items' indices,
 * once in order (the `mean` reported) and then `resamples` times drawn with replacement (seeded). The
 * statistic may compare two arms on the same resampled items (a tau difference over the same cells),
 * which keeps the pairing.
 */
export function bootstrapStatistic(
  n: number,
  statistic: (indices: readonly number[]) => number,
  options: BootstrapOptions = {},
): Interval {
  if (!Number.isInteger(n) || n < 1) throw invalid(`a bootstrap over ${n} items`);
  const { resamples = 10000, level = 0.95, seed = 1 } = options;
  const rng = new Rng(seed);
  const values = Array.from({ length: resamples }, () =>
    statistic(Array.from({ length: n }, () => Math.floor(rng.next() * n))),
  ).sort((x, y) => x - y);
  const at = (q: number) => values[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  const all = Array.from({ length: n }, (_, i) => i);
  return { mean: statistic(all), lo: at((1 - level) / 2), hi: at(1 - (1 - level) / 2) };
}

/**
 * The mean of paired differences a[i] - b[i] with a percentile bootstrap interval (pairs resampled
 * with replacement, `resamples` times, seeded): pairing removes what the two share (the same subnet,
 * the same seed), so a small effect can show where two separate means' spreads would overlap.
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): Interval {
  if (a.length !== b.length || a.length === 0)
    throw invalid(`paired bootstrap of ${a.length} and ${b.length} values`);
  const diffs = a.map((x, i) => x - b[i]);
  return bootstrapStatistic(
    diffs.length,
    (at) => at.reduce((sum, i) => sum + diffs[i], 0) / at.length,
    options,
  );
}
