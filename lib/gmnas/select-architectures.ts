// The end of a GM-NAS run: each sub-supernet scores distinct architectures drawn uniformly inside its
// masks (NB201: connected cells only, as the reference's rsws_project) plus any paths the caller asked
// about that it holds, on held-out images with batch statistics as in training; its best is its
// choice, and the best sub-supernet's choice is the run's.
import { Rng } from '../util/rng';
import type { GmData } from './gm-data';
import type { LeafSessions } from './leaf-sessions';
import { describePath, type PathSpace } from './path-space';
import { countPaths, leafOf, leaves, type GmNode } from './split-tree';
import { evaluateArchitectures } from './path-session';

export interface ScoredPath {
  path: number[];
  arch: string;
  leaf: number;
  top1: number;
}

export interface LeafResult {
  id: number;
  masks: number[][];
  best: ScoredPath;
  sampled: ScoredPath[];
}

const EVAL_BATCH = 256;

/** How many of `node`'s paths `admits` takes (enumerated: NB201 leaves hold at most 5^6 paths). */
function countAdmitted(node: GmNode, admits: (path: readonly number[]) => boolean): number {
  let count = 0;
  const walk = (prefix: number[]): void => {
    if (prefix.length === node.masks.length) count += admits(prefix) ? 1 : 0;
    else for (const option of node.masks[prefix.length]) walk([...prefix, option]);
  };
  walk([]);
  return count;
}

/**
 * Up to `count` distinct paths drawn uniformly inside `node`'s masks among those `admits` takes
 * (default: all), all of them if fewer.
 */
export function samplePaths(
  node: GmNode,
  count: number,
  seed: number,
  admits?: (path: readonly number[]) => boolean,
): number[][] {
  const rng = new Rng(seed);
  const wanted = Math.min(count, admits ? countAdmitted(node, admits) : countPaths(node));
  const seen = new Map<string, number[]>();
  while (seen.size < wanted) {
    const path = node.masks.map((options) => options[rng.int(options.length)]);
    if (!admits || admits(path)) seen.set(path.join(','), path);
  }
  return [...seen.values()];
}

export async function selectArchitectures(
  tree: GmNode[],
  sessions: LeafSessions,
  space: PathSpace,
  data: GmData,
  o: { samples: number; seed: number; evaluate?: number[][] },
) {
  const loader = {
    batchSize: EVAL_BATCH,
    seed: o.seed,
    augment: { mean: data.augment.mean, std: data.augment.std },
  };
  const results: LeafResult[] = [];
  const scored: ScoredPath[] = [];
  for (const leaf of leaves(tree)) {
    const sampled = samplePaths(leaf, o.samples, o.seed * 7919 + leaf.id, space.admits);
    const asked = (o.evaluate ?? []).filter((p) => leafOf(tree, p).id === leaf.id);
    const paths = [...sampled, ...asked];
    const stats = await evaluateArchitectures(sessions.get(leaf.id), data.evaluation, { ...loader, paths });
    const all = paths.map((path, i) => ({
      path,
      arch: describePath(space, path),
      leaf: leaf.id,
      top1: stats[i].top1,
    }));
    const mine = all.slice(0, sampled.length);
    const best = mine.reduce((a, b) => (b.top1 > a.top1 ? b : a));
    results.push({ id: leaf.id, masks: leaf.masks, best, sampled: mine });
    scored.push(...all.slice(sampled.length));
  }
  const winner = results.reduce((a, b) => (b.best.top1 > a.best.top1 ? b : a));
  const order = new Map((o.evaluate ?? []).map((p, i) => [p.join(','), i]));
  scored.sort((a, b) => order.get(a.path.join(','))! - order.get(b.path.join(','))!);
  return {
    leaves: results,
    chosen: { leaf: winner.id, path: winner.best.path, arch: winner.best.arch, top1: winner.best.top1 },
    scored,
  };
}
