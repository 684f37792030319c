// What a search runs against: a table (or real training) seen through a space of genomes. The
// protocol NAS-Bench-201 uses is split in two: `score` is what the search may look at (validation
// accuracy at some fidelity) and `report` is what is published for the final choice (test accuracy),
// never shown to the strategy.
import type { CategoricalSpace, Fidelity, Genome } from './search-strategy';

export interface SearchObjective {
  readonly space: CategoricalSpace;
  /** Cheapest first; costs are in the budget's unit. */
  readonly fidelities: readonly Fidelity[];
  /** The fidelity used when a strategy does not ask for one. */
  readonly defaultFidelity: number;
  /** Checked before training, for free: false skips the genome (a latency bound, say). */
  feasible(genome: Genome): boolean;
  /** The score to maximize after training at a fidelity. */
  score(genome: Genome, fidelity: number): number;
  /** The figure reported for a chosen genome. */
  report(genome: Genome): number;
  /** A readable name for a genome (an architecture string). */
  describe(genome: Genome): string;
}
