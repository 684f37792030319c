// Deriving a network at a cost target: the most probable choice (largest sum of per-decision log-
// probabilities) whose additive cost lies within a tolerance of the target. The argmax choice is
// returned whenever it already lands there. A multiple-choice knapsack solved by dynamic programming
// over the cost in small bins; each bin keeps the exact cost of its best partial choice, so the
// result's cost is checked exactly, never rounded into the band.
import { TorchnasError } from '../errors';

/** Additive costs: one row per decision, one value per option, plus what every network pays. */
export interface CostTable {
  table: number[][];
  fixed: number;
  /** Printed beside every figure: 'ms', 'M MACs', ... */
  unit: string;
}

export interface TargetBand {
  target: number;
  /** Relative: 0.05 accepts costs within ±5% of the target. */
  tolerance: number;
}

const BINS_PER_BAND = 400;
const MAX_BINS = 400_000;

export const choiceCost = (costs: CostTable, choice: readonly number[]) =>
  choice.reduce((sum, j, e) => sum + costs.table[e][j], costs.fixed);

/** The cheapest and the largest network's cost. */
export function costRange(costs: CostTable): { cheapest: number; largest: number } {
  return {
    cheapest: costs.table.reduce((sum, row) => sum + Math.min(...row), costs.fixed),
    largest: costs.table.reduce((sum, row) => sum + Math.max(...row), costs.fixed),
  };
}

export const withinBand = (cost: number, band: TargetBand) =>
  Math.abs(cost - band.target) <= band.tolerance * band.target * (1 + 1e-12);

const argmaxOf = (row: readonly number[]) => row.reduce((best, p, j) => (p > row[best] ? j : best), 0);

interface Cell {
  score: number;
  cost: number;
  from: number;
  option: number;
}

/**
 * The most probable choice within the band, or undefined when no choice of the table lies in it.
 * `probabilities[e][j]` is option j's probability at decision e (any positive weights will do).
 */
export function mostProbableWithin(
  probabilities: number[][],
  costs: CostTable,
  band: TargetBand,
): number[] | undefined {
  const argmax = probabilities.map(argmaxOf);
  if (withinBand(choiceCost(costs, argmax), band)) return argmax;
  const upper = band.target * (1 + band.tolerance) - costs.fixed; // the decisions' budget; costs are >= 0
  if (upper < 0) return undefined;
  const width = Math.max((band.tolerance * band.target) / BINS_PER_BAND, upper / MAX_BINS, Number.MIN_VALUE);
  const bins = Math.floor(upper / width) + 1;
  const layers: Cell[][] = [];
  let current: (Cell | undefined)[] = new Array(bins);
  current[0] = { score: 0, cost: 0, from: -1, option: -1 };
  for (let e = 0; e < costs.table.length; e++) {
    const next: (Cell | undefined)[] = new Array(bins);
    current.forEach((cell, bin) => {
      if (!cell) return;
      costs.table[e].forEach((c, j) => {
        const cost = cell.cost + c;
        if (cost > upper) return;
        const to = Math.floor(cost / width);
        const score = cell.score + Math.log(Math.max(probabilities[e][j], 1e-300));
        if (!next[to] || score > next[to]!.score) next[to] = { score, cost, from: bin, option: j };
      });
    });
    layers.push(current as Cell[]);
    current = next;
  }
  let best = -1;
  current.forEach((cell, bin) => {
    if (cell && withinBand(costs.fixed + cell.cost, band) && (best < 0 || cell.score > current[best]!.score))
      best = bin;
  });
  if (best < 0) return undefined;
  const choice: number[] = new Array(costs.table.length);
  for (let e = costs.table.length - 1, bin = best, cells = current; e >= 0; e--) {
    const cell = cells[bin]!;
    choice[e] = cell.option;
    bin = cell.from;
    cells = layers[e];
  }
  return choice;
}

/** A target no network of the space reaches is refused before any work, with the space's range. */
export function requireReachableTarget(costs: CostTable, band: TargetBand, flag: string, what: string): void {
  const uniform = costs.table.map((row) => row.map(() => 1));
  if (mostProbableWithin(uniform, costs, band)) return;
  const { cheapest, largest } = costRange(costs);
  const f = (x: number) => `${Number(x.toPrecision(4))} ${costs.unit}`;
  const within = `±${Number((100 * band.tolerance).toPrecision(3))}%`;
  throw new TorchnasError(
    'E_INVALID_ARGUMENT',
    `${flag} ${f(band.target)}: no network of ${what} costs within ${within} ` +
      `of it (its cheapest network costs ${f(cheapest)}, its largest ${f(largest)}); ` +
      `give a target between them${band.tolerance < 0.2 ? ' or a wider tolerance' : ''}`,
  );
}
