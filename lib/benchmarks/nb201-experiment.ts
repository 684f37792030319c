// Many seeded runs of one strategy on one NB201 dataset, summarized as NAS-Bench-201 reports them:
// mean and standard deviation over runs of the test accuracy of the architecture each run chose.
// Run r uses seed `seed + r`, so any run can be replayed alone.
import { invalid, TorchnasError } from '../errors';
import {
  createStrategy,
  isMultiFidelity,
  runSearch,
  STRATEGY_NAMES,
  type SearchResult,
  type StrategyName,
} from '../strategies';
import type { Nb201Epochs } from './nb201';
import { nb201Objective, type LatencyBound } from './nb201-objective';
import { meanAndStd } from '../util/statistics';

export interface Nb201ExperimentOptions {
  strategy: string;
  dataset: string;
  runs: number;
  /** Simulated training budget in epochs; the default, 1,200, is 100 architectures at 12 epochs. */
  budgetEpochs?: number;
  seed?: number;
  latency?: LatencyBound;
  /** Called after each run with the runs done and the total. */
  onRun?: (done: number, total: number) => void;
}

export interface Nb201ExperimentResult {
  strategy: StrategyName;
  dataset: string;
  budgetEpochs: number;
  runs: SearchResult[];
  /** Test accuracy (%) of each run's choice, over the runs that found one (`values.length` of them). */
  testAccuracy: { mean: number; std: number; values: number[] };
  meanEvaluations: number;
}

/** The NAS-Bench-201 paper's 12,000 simulated seconds come to roughly 100 twelve-epoch trainings. */
export const NB201_DEFAULT_BUDGET_EPOCHS = 1200;

/** Single-fidelity strategies search on 12-epoch validation accuracy, as the paper's baselines did. */
export function fidelitiesFor(strategy: StrategyName): Nb201Epochs[] {
  return isMultiFidelity(strategy) ? [12, 200] : [12];
}

export { meanAndStd };

export function runNb201Experiment(options: Nb201ExperimentOptions): Nb201ExperimentResult {
  if (!(STRATEGY_NAMES as readonly string[]).includes(options.strategy)) {
    throw invalid(`unknown search strategy '${options.strategy}' (known: ${STRATEGY_NAMES.join(', ')})`);
  }
  const strategy = options.strategy as StrategyName;
  if (!Number.isInteger(options.runs) || options.runs < 1)
    throw invalid(`runs must be a positive integer, got ${options.runs}`);
  const budgetEpochs = options.budgetEpochs ?? NB201_DEFAULT_BUDGET_EPOCHS;
  const seed = options.seed ?? 0;
  const objective = nb201Objective({
    dataset: options.dataset,
    fidelities: fidelitiesFor(strategy),
    latency: options.latency,
  });
  const runs: SearchResult[] = [];
  for (let r = 0; r < options.runs; r++) {
    const search = createStrategy(strategy, {
      space: objective.space,
      fidelities: objective.fidelities,
      seed: seed + r,
    });
    runs.push(runSearch(search, objective, { maxCost: budgetEpochs }));
    options.onRun?.(r + 1, options.runs);
  }
  // A run under a latency bound can end without any feasible architecture: it has no accuracy.
  const values = runs.flatMap((run) => (run.incumbent ? [run.incumbent.reported] : []));
  if (!values.length) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `none of the ${runs.length} runs found an architecture within ` +
        `maxLatency ${options.latency?.maxMs} ms on ${options.latency?.device}: raise the bound`,
      ['maxLatency'],
    );
  }
  return {
    strategy,
    dataset: options.dataset,
    budgetEpochs,
    runs,
    testAccuracy: { ...meanAndStd(values), values },
    meanEvaluations: runs.reduce((a, run) => a + run.evaluations, 0) / runs.length,
  };
}
