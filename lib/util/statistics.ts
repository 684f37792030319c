// Agreement between predictions and measurements: mean absolute percentage error and rank
// correlations (ties get their average rank, as scipy.stats does).

/** Mean absolute percentage error, in %. */
export function mape(predicted: readonly number[], measured: readonly number[]): number {
  checkPaired(predicted, measured);
  return (100 * predicted.reduce((acc, p, i) => acc + Math.abs(p - measured[i]) / Math.abs(measured[i]), 0)) / predicted.length;
}

export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  checkPaired(x, y);
  const mx = x.reduce((a, v) => a + v, 0) / x.length;
  const my = y.reduce((a, v) => a + v, 0) / y.length;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

function checkPaired(a: readonly number[], b: readonly number[]) {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`need two equally long, non-empty series (got ${a.length} and ${b.length})`);
}
