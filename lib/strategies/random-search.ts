// Random search: every proposal is drawn uniformly from the space, independent of what came before.
import { Rng } from '../util/rng';
import {
  checkSpace,
  type CategoricalSpace,
  type Genome,
  type Proposal,
  type SearchStrategy,
  type StrategyContext,
} from './search-strategy';

export function randomGenome(space: CategoricalSpace, rng: Rng): Genome {
  return space.choices.map((n) => rng.int(n));
}

export class RandomSearch implements SearchStrategy {
  readonly name = 'random';
  private readonly rng: Rng;

  constructor(private readonly context: StrategyContext) {
    checkSpace(context.space);
    this.rng = new Rng(context.seed);
  }

  propose(): Proposal {
    return { genome: randomGenome(this.context.space, this.rng) };
  }

  observe(): void {
    // Nothing to learn.
  }
}
