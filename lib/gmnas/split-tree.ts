// The split tree of a GM-NAS run: the root supernet allows every option of every decision; a split
// gives each of two children one group of one decision's options. Leaves are the sub-supernets that
// train; every architecture of the space belongs to exactly one leaf. Plain data: it is committed in
// the run's state.json with the leaves' checkpoints, so a resumed run has the same tree.

export interface SplitRecord {
  decision: number;
  criterion: 'gradient' | 'random';
  /** The decision's options (indices into its full list) that went to each child. */
  groups: [number[], number[]];
  /** Gradient criterion: the chosen decision's score, every candidate decision's score, its distances. */
  score?: number;
  scores?: { decision: number; score: number }[];
  distances?: number[][];
  /** Epochs of supernet training done when the split was made. */
  epoch: number;
}

export interface GmNode {
  id: number;
  parent: number | null;
  depth: number;
  /** Allowed options per decision. */
  masks: number[][];
  split?: SplitRecord;
  children?: [number, number];
  /** A leaf's committed checkpoint (file name in the run directory) and its step there. */
  checkpoint?: string;
  globalStep?: number;
}

export function rootNode(optionCounts: readonly number[]): GmNode {
  return {
    id: 0,
    parent: null,
    depth: 0,
    masks: optionCounts.map((n) => Array.from({ length: n }, (_, i) => i)),
  };
}

export function leaves(tree: readonly GmNode[]): GmNode[] {
  return tree.filter((node) => !node.children);
}

/** Adds the two children of `parent` (which must be a leaf) under `split`; returns the new tree. */
export function splitNode(tree: readonly GmNode[], parentId: number, split: SplitRecord): GmNode[] {
  const parent = tree.find((node) => node.id === parentId);
  if (!parent || parent.children) throw new Error(`node ${parentId} is not a leaf of the split tree`);
  const nextId = Math.max(...tree.map((node) => node.id)) + 1;
  const child = (id: number, group: number[]): GmNode => ({
    id,
    parent: parent.id,
    depth: parent.depth + 1,
    masks: parent.masks.map((options, d) => (d === split.decision ? [...group] : [...options])),
  });
  const children: [GmNode, GmNode] = [child(nextId, split.groups[0]), child(nextId + 1, split.groups[1])];
  const updated: GmNode = {
    ...parent,
    split,
    children: [nextId, nextId + 1],
    checkpoint: undefined,
    globalStep: undefined,
  };
  return [...tree.map((node) => (node.id === parentId ? updated : node)), ...children];
}

/** The leaf whose masks allow `path` (one exists for any path of the space). */
export function leafOf(tree: readonly GmNode[], path: readonly number[]): GmNode {
  const found = leaves(tree).find((leaf) => leaf.masks.every((options, d) => options.includes(path[d])));
  if (!found) throw new Error(`no leaf of the split tree holds path ${path.join(',')}`);
  return found;
}

/** How many paths (architectures) a node allows. */
export function countPaths(node: GmNode): number {
  return node.masks.reduce((product, options) => product * options.length, 1);
}
