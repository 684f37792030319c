// What a search strategy sees and does. A strategy knows only a space of independent categorical
// decisions (NB201: six edges, five ops each) and the numbered fidelities it may ask for; it never
// sees a benchmark, so the same strategy runs on any table or on real training. Ask/tell: the runner
// calls propose(), evaluates, and reports back with observe() before the next propose().
import { invalid } from '../errors';

/** One option index per decision. */
export type Genome = readonly number[];

export interface CategoricalSpace {
  /** How many options each decision has. */
  readonly choices: readonly number[];
  /**
   * How a cell grows in complexity, for strategies that search simple cells first (PNAS): the
   * decisions each level opens, in order (every decision once), and per decision the option that
   * stands for "not in the cell yet" (NB201's `none`).
   */
  readonly progression?: {
    readonly levels: readonly (readonly number[])[];
    readonly absent: readonly number[];
  };
}

export interface Fidelity {
  readonly name: string;
  /** Simulated training cost of one evaluation at this fidelity (the budget's unit, e.g. epochs). */
  readonly cost: number;
}

export interface Proposal {
  genome: Genome;
  /** Index into the objective's fidelities, cheapest first; left out: the objective's default. */
  fidelity?: number;
}

export interface Observation {
  genome: Genome;
  fidelity: number;
  /** The score to maximize, or null when the genome breaks a constraint (it was not trained). */
  score: number | null;
}

export interface SearchStrategy {
  readonly name: string;
  propose(): Proposal;
  observe(observation: Observation): void;
}

/** What a strategy is built from: the space, the fidelities on offer and a seed. */
export interface StrategyContext {
  space: CategoricalSpace;
  fidelities: readonly Fidelity[];
  seed: number;
}

export function checkSpace(space: CategoricalSpace): void {
  if (!space.choices.length || space.choices.some((n) => !Number.isInteger(n) || n < 1)) {
    throw invalid(
      `a search space needs at least one decision and a whole, positive number of options for each, got [${space.choices.join(', ')}]`,
    );
  }
}
