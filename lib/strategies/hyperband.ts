// Hyperband (Li et al., JMLR 2018) over the objective's discrete fidelities, cheapest first. Bracket
// s starts `n_s` random genomes at fidelity L-1-s and, rung by rung, promotes the best 1/eta of them
// to the next fidelity; brackets run s = L-1 .. 0 and repeat while the budget lasts. With eta equal
// to the cost ratio of neighbouring fidelities every rung of a bracket costs about the same (NB201:
// 12 and 200 epochs, eta 17: 17 genomes at 12 epochs, the best 1 at 200; then 2 genomes at 200).
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

export interface HyperbandOptions {
  /** Kept fraction per rung is 1/eta; default: the mean cost ratio between neighbouring fidelities. */
  eta?: number;
}

interface Rung {
  fidelity: number;
  /** How many genomes this rung evaluates. */
  size: number;
  /** Genomes promoted into this rung and not yet proposed (the first rung draws fresh ones). */
  queue: Genome[];
  results: { genome: Genome; score: number }[];
}

export class Hyperband implements SearchStrategy {
  readonly name = 'hyperband';
  readonly eta: number;
  private readonly rng: Rng;
  private readonly top: number;
  private bracket = 0;
  private rungs: Rung[] = [];

  constructor(
    private readonly context: StrategyContext,
    options: HyperbandOptions = {},
  ) {
    checkSpace(context.space);
    const costs = context.fidelities.map((f) => f.cost);
    if (costs.length < 2 || costs.some((c, i) => i > 0 && !(c > costs[i - 1]))) {
      throw invalid(`hyperband needs at least two fidelities of increasing cost, got [${costs.join(', ')}]`);
    }
    this.top = costs.length - 1;
    this.eta = options.eta ?? Math.round((costs[this.top] / costs[0]) ** (1 / this.top));
    if (!(this.eta >= 2)) throw invalid(`hyperband eta must be at least 2, got ${this.eta}`);
    this.rng = new Rng(context.seed);
    this.startBracket();
  }

  propose(): Proposal {
    const rung = this.rungs.find((r) => r.results.length < r.size)!;
    const genome = rung === this.rungs[0] ? randomGenome(this.context.space, this.rng) : rung.queue.shift()!;
    return { genome, fidelity: rung.fidelity };
  }

  observe(observation: Observation): void {
    const index = this.rungs.findIndex((r) => r.results.length < r.size);
    const rung = this.rungs[index];
    // A genome that breaks the constraint is replaced by another draw; promoted ones passed already.
    if (observation.score === null) return;
    rung.results.push({ genome: observation.genome, score: observation.score });
    if (rung.results.length < rung.size) return;
    const next = this.rungs[index + 1];
    if (next)
      next.queue = [...rung.results]
        .sort((a, b) => b.score - a.score)
        .slice(0, next.size)
        .map((r) => r.genome);
    else this.startBracket();
  }

  /** Lays out the rungs of the next bracket, cycling s = L-1 .. 0. */
  private startBracket(): void {
    const s = this.top - (this.bracket % (this.top + 1));
    this.bracket += 1;
    let size = Math.ceil(((this.top + 1) / (s + 1)) * this.eta ** s);
    this.rungs = [];
    for (let fidelity = this.top - s; fidelity <= this.top; fidelity++) {
      this.rungs.push({ fidelity, size, queue: [], results: [] });
      size = Math.max(1, Math.floor(size / this.eta));
    }
  }
}
