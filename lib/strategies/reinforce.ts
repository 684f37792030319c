// REINFORCE (Williams, 1992) with a factorized policy, as NAS-Bench-201 ran it: one categorical
// distribution per decision, logits updated by Adam on (reward - baseline) * grad log p(genome), the
// baseline an exponential moving average of the rewards.
import { invalid } from '../errors';
import { Rng } from '../util/rng';
import {
  checkSpace,
  type Observation,
  type Proposal,
  type SearchStrategy,
  type StrategyContext,
} from './search-strategy';

export interface ReinforceOptions {
  learningRate?: number;
  /** Weight of the old baseline in the moving average. */
  baselineMomentum?: number;
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

export class Reinforce implements SearchStrategy {
  readonly name = 'reinforce';
  readonly learningRate: number;
  readonly baselineMomentum: number;
  private readonly rng: Rng;
  private readonly logits: number[][];
  private readonly moment1: number[][];
  private readonly moment2: number[][];
  private steps = 0;
  private baseline: number | undefined;
  private worstScore: number | undefined;

  constructor(context: StrategyContext, options: ReinforceOptions = {}) {
    checkSpace(context.space);
    this.learningRate = options.learningRate ?? 0.05;
    this.baselineMomentum = options.baselineMomentum ?? 0.9;
    if (!(this.learningRate > 0)) throw invalid(`learningRate must be positive, got ${this.learningRate}`);
    if (!(this.baselineMomentum >= 0 && this.baselineMomentum < 1))
      throw invalid(`baselineMomentum must be in [0, 1), got ${this.baselineMomentum}`);
    this.rng = new Rng(context.seed);
    const zeros = () => context.space.choices.map((n) => new Array<number>(n).fill(0));
    this.logits = zeros();
    this.moment1 = zeros();
    this.moment2 = zeros();
  }

  /** The current probability of each option of each decision. */
  probabilities(): number[][] {
    return this.logits.map(softmax);
  }

  propose(): Proposal {
    return { genome: this.probabilities().map((p) => this.rng.categorical(p)) };
  }

  observe(observation: Observation): void {
    // A genome that breaks the constraint earns the worst reward seen so far: the policy learns to
    // leave it, and the reward scale stays that of the real scores.
    const reward = observation.score ?? this.worstScore;
    if (reward === undefined) return;
    if (observation.score !== null) this.worstScore = Math.min(this.worstScore ?? reward, reward);
    this.baseline =
      this.baseline === undefined
        ? reward
        : this.baselineMomentum * this.baseline + (1 - this.baselineMomentum) * reward;
    const advantage = reward - this.baseline;
    this.steps += 1;
    const correction1 = 1 - ADAM_BETA1 ** this.steps;
    const correction2 = 1 - ADAM_BETA2 ** this.steps;
    const probabilities = this.probabilities();
    observation.genome.forEach((chosen, d) => {
      probabilities[d].forEach((p, k) => {
        // Gradient ascent on advantage * log p(chosen): d/d logit_k = advantage * (1[k = chosen] - p_k).
        const gradient = -advantage * ((k === chosen ? 1 : 0) - p);
        this.moment1[d][k] = ADAM_BETA1 * this.moment1[d][k] + (1 - ADAM_BETA1) * gradient;
        this.moment2[d][k] = ADAM_BETA2 * this.moment2[d][k] + (1 - ADAM_BETA2) * gradient * gradient;
        const step =
          this.moment1[d][k] / correction1 / (Math.sqrt(this.moment2[d][k] / correction2) + ADAM_EPSILON);
        this.logits[d][k] -= this.learningRate * step;
      });
    });
  }
}
