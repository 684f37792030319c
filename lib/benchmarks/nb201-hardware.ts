// Accuracy against latency over the whole NB201 table: the Pareto front on one device, and the
// exhaustive answer to "best architecture within a latency bound", the optimum a hardware-aware search
// is measured against.
import { paretoFront as objectivesFront } from '../search/pareto';
import { invalid } from '../errors';
import { nb201AccuracyColumn, nb201ArchString, type Nb201Epochs, type Nb201Split } from './nb201';
import { nb201LatencyColumn } from './nb201-latency';

export interface Nb201LatencyPoint {
  index: number;
  arch: string;
  latencyMs: number;
  accuracy: number;
}

/** The items no other item beats on both counts (lower cost, higher value), by increasing cost. */
export function paretoFront<T>(
  items: readonly T[],
  cost: (item: T) => number,
  value: (item: T) => number,
): T[] {
  return objectivesFront(items, (item) => ({ accuracy: value(item), cost: cost(item) }));
}

export function nb201ParetoFront(
  dataset: string,
  device: string,
  split: Nb201Split = 'test',
  epochs: Nb201Epochs = 200,
): Nb201LatencyPoint[] {
  const accuracy = nb201AccuracyColumn(dataset, split, epochs);
  const latency = nb201LatencyColumn(device);
  const front = paretoFront(
    accuracy.map((_, i) => i),
    (i) => latency[i],
    (i) => accuracy[i],
  );
  return front.map((i) => ({
    index: i,
    arch: nb201ArchString(i),
    latencyMs: latency[i],
    accuracy: accuracy[i],
  }));
}

/**
 * The architecture with the best 200-epoch validation accuracy among those within `maxMs` on
 * `device` (chosen on validation, as a search would), with its test accuracy; null if none fits.
 */
export function nb201BestUnderLatency(
  dataset: string,
  device: string,
  maxMs: number,
): (Nb201LatencyPoint & { validAccuracy: number }) | null {
  if (!(maxMs > 0))
    throw invalid(`the latency bound must be a positive number of milliseconds, got ${maxMs}`);
  const valid = nb201AccuracyColumn(dataset, 'valid', 200);
  const test = nb201AccuracyColumn(dataset, 'test', 200);
  const latency = nb201LatencyColumn(device);
  let best = -1;
  for (let i = 0; i < valid.length; i++) {
    if (latency[i] <= maxMs && (best < 0 || valid[i] > valid[best])) best = i;
  }
  if (best < 0) return null;
  return {
    index: best,
    arch: nb201ArchString(best),
    latencyMs: latency[best],
    accuracy: test[best],
    validAccuracy: valid[best],
  };
}
