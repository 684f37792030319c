// How a GM-NAS leaf is split: by gradient matching (the decision whose options' shared-weight
// gradients disagree most, cut where they disagree; the reference's --edge_crit grad), or, as the
// control, a random unsplit decision cut into two random groups (its split_crit fewshot).
import type { Dataset } from '../data/datasets';
import { Rng } from '../util/rng';
import type { Session } from '../train/session';
import { bestTwoWaySplit, MIN_GROUP, randomTwoWaySplit } from './partition';
import type { GmNode, SplitRecord } from './split-tree';
import { matchGradients } from './path-session';

export interface SplitContext {
  criterion: 'gradient' | 'random';
  epoch: number;
  seed: number;
  /** Gradient criterion: batches of `data` per decision (distances averaged over them) and their loader. */
  repeats: number;
  data: Dataset;
  loader: { batchSize: number; seed: number; augment?: { mean?: number[]; std?: number[] } };
}

/** Decisions no split has cut yet (GM-NAS splits each edge once) with options for two groups of two. */
export function unsplitDecisions(node: GmNode, optionCounts: readonly number[]): number[] {
  const splittable = (options: number[], d: number) =>
    options.length === optionCounts[d] && options.length >= 2 * MIN_GROUP;
  return node.masks.flatMap((options, d) => (splittable(options, d) ? [d] : []));
}

export async function chooseSplit(
  session: Session,
  node: GmNode,
  candidates: number[],
  ctx: SplitContext,
): Promise<SplitRecord> {
  if (ctx.criterion === 'random') {
    const rng = new Rng(ctx.seed * 7919 + node.id * 31 + ctx.epoch);
    const decision = candidates[rng.int(candidates.length)];
    const options = node.masks[decision];
    const groups = randomTwoWaySplit(options.length, rng).map((g) => g.map((i) => options[i])) as [
      number[],
      number[],
    ];
    return { decision, criterion: 'random', groups, epoch: ctx.epoch };
  }
  const matches = await matchGradients(session, ctx.data, {
    ...ctx.loader,
    epoch: ctx.epoch * 100 + node.id,
    decisions: candidates,
    repeats: ctx.repeats,
  });
  const scored = matches.map((m) => ({ match: m, split: bestTwoWaySplit(m.distances) }));
  // The highest score; ties to the lower decision index (candidates are in index order), as the
  // reference's strict `edge_score > best_edge_score` (train_search.py:494).
  const best = scored.reduce((a, b) => (b.split.score > a.split.score ? b : a));
  return {
    decision: best.match.decision,
    criterion: 'gradient',
    groups: best.split.groups.map((g) => g.map((i) => best.match.options[i])) as [number[], number[]],
    score: best.split.score,
    scores: scored.map((s) => ({ decision: s.match.decision, score: s.split.score })),
    distances: best.match.distances,
    epoch: ctx.epoch,
  };
}
