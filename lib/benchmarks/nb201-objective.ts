// NAS-Bench-201 as a search objective, following the benchmark's protocol: the search sees only
// validation accuracy (after the 12- and/or 200-epoch schedule, the fidelities, costing that many
// epochs of simulated training) and the chosen architecture is reported by its 200-epoch test
// accuracy. Hardware-aware mode adds a latency bound on one of the 27 measured devices; checking it
// needs no training, so architectures over the bound cost nothing and are never scored.
import { invalid } from '../errors';
import type { CategoricalSpace, Genome, SearchObjective } from '../strategies';
import { cellLevels, NB201_EDGES, NB201_OPS, type Nb201Cell } from '../spaces/nb201/nb201-cell';
import {
  checkNb201Dataset,
  nb201AccuracyColumn,
  nb201ArchString,
  nb201Index,
  NB201_EPOCHS,
  type Nb201Epochs,
} from './nb201';
import { nb201LatencyColumn } from './nb201-latency';

export interface LatencyBound {
  device: string;
  maxMs: number;
}

export interface Nb201ObjectiveOptions {
  dataset: string;
  /** Training schedules whose validation accuracy the search may query, cheapest first; default [12]. */
  fidelities?: Nb201Epochs[];
  latency?: LatencyBound;
}

/** Six edges of five ops; a cell grows node by node, an edge not opened yet holding `none`. */
export const NB201_SPACE: CategoricalSpace = {
  choices: NB201_EDGES.map(() => NB201_OPS.length),
  progression: { levels: cellLevels(), absent: NB201_EDGES.map(() => NB201_OPS.indexOf('none')) },
};

export function nb201CellOfGenome(genome: Genome): Nb201Cell {
  return genome.map((op) => NB201_OPS[op]) as unknown as Nb201Cell;
}

export function nb201Objective(options: Nb201ObjectiveOptions): SearchObjective {
  const dataset = checkNb201Dataset(options.dataset);
  const epochs = options.fidelities ?? [12];
  if (
    !epochs.length ||
    epochs.some((e, i) => !(NB201_EPOCHS as readonly number[]).includes(e) || (i > 0 && e <= epochs[i - 1]))
  ) {
    throw invalid(
      `NB201 fidelities must be increasing epochs out of ${NB201_EPOCHS.join(', ')}, got [${epochs.join(', ')}]`,
    );
  }
  const validAccuracy = epochs.map((e) => nb201AccuracyColumn(dataset, 'valid', e));
  const testAccuracy = nb201AccuracyColumn(dataset, 'test', 200);
  const latency = options.latency && nb201LatencyColumn(options.latency.device);
  const maxMs = options.latency?.maxMs ?? Infinity;
  if (!(maxMs > 0))
    throw invalid(`the latency bound must be a positive number of milliseconds, got ${maxMs}`);
  const index = (genome: Genome) => nb201Index(nb201CellOfGenome(genome));
  return {
    space: NB201_SPACE,
    fidelities: epochs.map((e) => ({ name: `${e} epochs`, cost: e })),
    defaultFidelity: 0,
    feasible: (genome) => !latency || latency[index(genome)] <= maxMs,
    score: (genome, fidelity) => validAccuracy[fidelity][index(genome)],
    report: (genome) => testAccuracy[index(genome)],
    describe: (genome) => nb201ArchString(index(genome)),
  };
}
