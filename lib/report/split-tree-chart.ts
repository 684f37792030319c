// A GM-NAS split tree: one point per sub-supernet (depth down, leaves across), a line from each parent
// to its children, and at each split the decision cut, the two groups of options and the edge score;
// at each leaf its best architecture's held-out accuracy.
import type { VegaLiteSpec } from './plot';

export interface SplitTreeNode {
  id: number;
  parent: number | null;
  depth: number;
  children?: [number, number];
  split?: { decision: number; groups: [number[], number[]]; score?: number; criterion: string };
}

export interface SplitTreeLabels {
  decisions: { name: string; options: string[] }[];
  /** Best held-out top-1 (0..1) per leaf id, when known. */
  leafTop1?: Record<number, number>;
}

/** x of each node: leaves 0, 1, 2, ... in depth-first order, a parent at the middle of its children. */
function positions(tree: readonly SplitTreeNode[]): Map<number, number> {
  const byId = new Map(tree.map((n) => [n.id, n]));
  const x = new Map<number, number>();
  let next = 0;
  const place = (id: number): number => {
    const node = byId.get(id)!;
    const value = node.children ? (place(node.children[0]) + place(node.children[1])) / 2 : next++;
    x.set(id, value);
    return value;
  };
  place(tree.find((n) => n.parent === null)!.id);
  return x;
}

function splitLabel(node: SplitTreeNode, labels: SplitTreeLabels): string {
  const s = node.split!;
  const d = labels.decisions[s.decision];
  const group = (g: number[]) => `{${g.map((i) => d.options[i]).join(', ')}}`;
  const how = s.score !== undefined ? `score ${s.score.toFixed(3)}` : `(${s.criterion} split)`;
  return [`${d.name}: ${group(s.groups[0])}`, `| ${group(s.groups[1])}`, how].join('\n');
}

export function splitTreeChart(
  tree: readonly SplitTreeNode[],
  labels: SplitTreeLabels,
  title: string,
): VegaLiteSpec {
  const x = positions(tree);
  const nodes = tree.map((n) => {
    const top1 = labels.leafTop1?.[n.id];
    const text = n.split
      ? splitLabel(n, labels)
      : top1 !== undefined
        ? `best ${(100 * top1).toFixed(2)}%`
        : '';
    return { id: `n${n.id}`, x: x.get(n.id)!, depth: n.depth, text };
  });
  const links = tree
    .filter((n) => n.parent !== null)
    .map((n) => {
      const parent = tree.find((p) => p.id === n.parent)!;
      return { x: x.get(parent.id)!, depth: parent.depth, x2: x.get(n.id)!, depth2: n.depth };
    });
  const leaves = tree.filter((n) => !n.children).length;
  const depth = Math.max(...tree.map((n) => n.depth));
  const xAxis = { field: 'x', type: 'quantitative', axis: null, scale: { domain: [-0.5, leaves - 0.5] } };
  const yAxis = {
    field: 'depth',
    type: 'quantitative',
    title: 'split level',
    axis: { tickMinStep: 1, format: 'd' },
    scale: { reverse: true, domain: [-0.3, depth + 0.5] },
  };
  return {
    title: { text: title, anchor: 'start' },
    width: Math.max(320, 260 * leaves),
    height: 120 * (depth + 1),
    layer: [
      {
        data: { values: links },
        mark: { type: 'rule', color: '#888' },
        encoding: { x: xAxis, y: yAxis, x2: { field: 'x2' }, y2: { field: 'depth2' } },
      },
      {
        data: { values: nodes },
        mark: { type: 'point', filled: true, size: 80, color: '#1f77b4' },
        encoding: { x: xAxis, y: yAxis },
      },
      {
        data: { values: nodes },
        mark: { type: 'text', dy: -12, fontSize: 11 },
        encoding: { x: xAxis, y: yAxis, text: { field: 'id' } },
      },
      {
        data: { values: nodes },
        mark: { type: 'text', dy: 16, fontSize: 10, lineBreak: '\n', baseline: 'top' },
        encoding: { x: xAxis, y: yAxis, text: { field: 'text' } },
      },
    ],
  } as VegaLiteSpec;
}
