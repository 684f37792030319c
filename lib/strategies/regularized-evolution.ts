// Regularized evolution (Real et al., AAAI 2019), as NAS-Bench-201 ran it: a population of the
// `populationSize` most recently evaluated genomes, seeded at random; each child mutates one decision
// of the best of `sampleSize` members drawn with replacement; the oldest member dies, not the worst,
// which is the "regularization" (a lucky genome cannot stay forever).
import { invalid } from '../errors';
import { randomGenome } from './random-search';
import { Rng } from '../util/rng';
import {
  checkSpace,
  type Genome,
  type Observation,
  type Proposal,
  type SearchStrategy,
  type StrategyContext,
} from './search-strategy';

export interface EvolutionOptions {
  populationSize?: number;
  sampleSize?: number;
}

export class RegularizedEvolution implements SearchStrategy {
  readonly name = 'rea';
  readonly populationSize: number;
  readonly sampleSize: number;
  private readonly rng: Rng;
  private readonly population: { genome: Genome; score: number }[] = [];

  constructor(
    private readonly context: StrategyContext,
    options: EvolutionOptions = {},
  ) {
    checkSpace(context.space);
    this.populationSize = options.populationSize ?? 10;
    this.sampleSize = options.sampleSize ?? 3;
    if (!Number.isInteger(this.populationSize) || this.populationSize < 1)
      throw invalid(`populationSize must be a positive integer, got ${this.populationSize}`);
    if (!Number.isInteger(this.sampleSize) || this.sampleSize < 1)
      throw invalid(`sampleSize must be a positive integer, got ${this.sampleSize}`);
    this.rng = new Rng(context.seed);
  }

  propose(): Proposal {
    if (this.population.length < this.populationSize)
      return { genome: randomGenome(this.context.space, this.rng) };
    let parent = this.population[this.rng.int(this.population.length)];
    for (let i = 1; i < this.sampleSize; i++) {
      const contender = this.population[this.rng.int(this.population.length)];
      if (contender.score > parent.score) parent = contender;
    }
    return { genome: this.mutate(parent.genome) };
  }

  observe(observation: Observation): void {
    // A genome that breaks the constraint never joins the population.
    if (observation.score === null) return;
    this.population.push({ genome: observation.genome, score: observation.score });
    if (this.population.length > this.populationSize) this.population.shift();
  }

  /** The genome with one decision changed to a different option. */
  private mutate(genome: Genome): Genome {
    const mutable = this.context.space.choices.flatMap((n, i) => (n > 1 ? [i] : []));
    if (!mutable.length) return genome;
    const i = mutable[this.rng.int(mutable.length)];
    const child = [...genome];
    child[i] =
      (genome[i] + 1 + this.rng.int(this.context.space.choices[i] - 1)) % this.context.space.choices[i];
    return child;
  }
}
