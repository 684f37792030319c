// Runs one strategy against one objective under a budget of simulated training cost, and keeps the
// anytime curve: after every evaluation, the reported figure of the current incumbent. The incumbent
// is the best score among the evaluations at the highest fidelity evaluated so far, so a multi-
// fidelity search is judged by what it verified at full fidelity once it has any.
import { invalid } from '../errors';
import type { SearchObjective } from './search-objective';
import type { Genome, SearchStrategy } from './search-strategy';

export interface SearchBudget {
  /** Total simulated training cost, in the objective's unit; the search stops at the first evaluation it cannot pay for. */
  maxCost: number;
  /** Stop after this many proposals rejected by `feasible` (they cost nothing); default 100,000. */
  maxRejections?: number;
}

export interface Incumbent {
  genome: Genome;
  arch: string;
  fidelity: number;
  score: number;
  reported: number;
}

export interface AnytimePoint {
  evaluations: number;
  cost: number;
  /** The incumbent's reported figure at this point. */
  reported: number;
}

export interface SearchResult {
  strategy: string;
  incumbent: Incumbent | null;
  evaluations: number;
  cost: number;
  rejections: number;
  curve: AnytimePoint[];
}

export function runSearch(
  strategy: SearchStrategy,
  objective: SearchObjective,
  budget: SearchBudget,
): SearchResult {
  if (!(budget.maxCost >= 0))
    throw invalid(`budget.maxCost must be a non-negative number, got ${budget.maxCost}`);
  const maxRejections = budget.maxRejections ?? 100_000;
  let incumbent: Incumbent | null = null;
  let evaluations = 0;
  let cost = 0;
  let rejections = 0;
  const curve: AnytimePoint[] = [];
  for (;;) {
    const proposal = strategy.propose();
    const fidelity = proposal.fidelity ?? objective.defaultFidelity;
    const level = objective.fidelities[fidelity];
    if (!level)
      throw invalid(
        `strategy '${strategy.name}' asked for fidelity ${fidelity}; the objective has 0..${objective.fidelities.length - 1}`,
      );
    if (!objective.feasible(proposal.genome)) {
      rejections += 1;
      if (rejections >= maxRejections) break;
      strategy.observe({ genome: proposal.genome, fidelity, score: null });
      continue;
    }
    if (cost + level.cost > budget.maxCost) break;
    cost += level.cost;
    evaluations += 1;
    const score = objective.score(proposal.genome, fidelity);
    strategy.observe({ genome: proposal.genome, fidelity, score });
    if (
      !incumbent ||
      fidelity > incumbent.fidelity ||
      (fidelity === incumbent.fidelity && score > incumbent.score)
    ) {
      incumbent = {
        genome: proposal.genome,
        arch: objective.describe(proposal.genome),
        fidelity,
        score,
        reported: objective.report(proposal.genome),
      };
    }
    curve.push({ evaluations, cost, reported: incumbent.reported });
  }
  return { strategy: strategy.name, incumbent, evaluations, cost, rejections, curve };
}

/** What an anytime curve is read against: evaluations made, or training cost spent. */
export type AnytimeAxis = 'evaluations' | 'cost';

/** The incumbent's reported figure once `x` evaluations or `x` cost had been reached (NaN before the first evaluation). */
export function reportedAt(result: SearchResult, axis: AnytimeAxis, x: number): number {
  let reported = NaN;
  for (const point of result.curve) {
    if (point[axis] > x) break;
    reported = point.reported;
  }
  return reported;
}
