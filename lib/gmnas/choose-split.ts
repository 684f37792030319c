// How a GM-NAS leaf is split: by gradient matching (the decision whose options' shared-weight
// gradients disagree most, cut where they disagree), or, as the control, a random unsplit decision cut
// into two random groups.
import type { Dataset } from '../data/datasets';
import { Rng } from '../strategies/rng';
import type { Session } from '../train/session';
import { bestTwoWaySplit, randomTwoWaySplit } from './partition';
import type { GmNode, SplitRecord } from './split-tree';

export interface SplitContext {
  criterion: 'gradient' | 'random';
  epoch: number;
  seed: number;
  /** Gradient criterion: batches of `data` per decision and the loader to draw them with. */
  repeats: number;
  data: Dataset;
  loader: { batchSize: number; seed: number; augment?: { mean?: number[]; std?: number[] } };
}

/** Decisions no split has cut yet, with two or more options (GM-NAS splits each edge once). */
export function unsplitDecisions(node: GmNode, optionCounts: readonly number[]): number[] {
  return node.masks.flatMap((options, d) => (options.length === optionCounts[d] && options.length >= 2 ? [d] : []));
}

export async function chooseSplit(session: Session, node: GmNode, candidates: number[], ctx: SplitContext): Promise<SplitRecord> {
  if (ctx.criterion === 'random') {
    const rng = new Rng(ctx.seed * 7919 + node.id * 31 + ctx.epoch);
    const decision = candidates[rng.int(candidates.length)];
    const options = node.masks[decision];
    const groups = randomTwoWaySplit(options.length, rng).map((g) => g.map((i) => options[i])) as [number[], number[]];
    return { decision, criterion: 'random', groups, epoch: ctx.epoch };
  }
  const matches = await session.matchGradients(ctx.data, {
    ...ctx.loader, epoch: ctx.epoch * 100 + node.id, decisions: candidates, repeats: ctx.repeats,
  });
  const scored = matches.map((m) => ({ match: m, split: bestTwoWaySplit(m.distances) }));
  // The highest score; ties to the lower decision index (candidates are in index order).
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
