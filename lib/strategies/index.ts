// Search strategies that work on any space of categorical decisions, and the runner that drives them
// against an objective (a benchmark table or real training) under a budget.
import { invalid } from '../errors';
import { Hyperband } from './hyperband';
import { Pnas } from './pnas';
import { RandomSearch } from './random-search';
import { RegularizedEvolution } from './regularized-evolution';
import { Reinforce } from './reinforce';
import type { SearchStrategy, StrategyContext } from './search-strategy';

export * from '../util/rng';
export * from './search-strategy';
export * from './search-objective';
export * from './run-search';
export { RandomSearch, randomGenome } from './random-search';
export { RegularizedEvolution, type EvolutionOptions } from './regularized-evolution';
export { Reinforce, type ReinforceOptions } from './reinforce';
export { Hyperband, type HyperbandOptions } from './hyperband';
export { Pnas, type PnasOptions, type PnasLevelRecord } from './pnas';
export { MlpEnsemble, type MlpEnsembleOptions, type Surrogate } from './mlp-ensemble';

export const STRATEGY_NAMES = ['random', 'rea', 'reinforce', 'hyperband', 'pnas'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** A built-in strategy, with its default settings, by name. */
export function createStrategy(name: string, context: StrategyContext): SearchStrategy {
  switch (name) {
    case 'random':
      return new RandomSearch(context);
    case 'rea':
      return new RegularizedEvolution(context);
    case 'reinforce':
      return new Reinforce(context);
    case 'hyperband':
      return new Hyperband(context);
    case 'pnas':
      return new Pnas(context);
    default:
      throw invalid(`unknown search strategy '${name}' (known: ${STRATEGY_NAMES.join(', ')})`);
  }
}

/** Whether a built-in strategy chooses fidelities itself (it then needs several to choose from). */
export function isMultiFidelity(name: StrategyName): boolean {
  return name === 'hyperband';
}
