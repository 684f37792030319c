// The GM-NAS split tree chart: every node drawn and named, each split's decision, both groups of
// options and its score written at the node, each leaf's best accuracy; nodes laid out by depth.
import { splitTreeChart, type SplitTreeNode } from '../../lib/report';
import { svgOf, textsOf } from './render';

/** Lines of multi-line labels (drawn as tspans), unescaped. */
const linesOf = (svg: string) =>
  [...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) =>
    m[1].replace(/&lt;/g, '<').replace(/&amp;/g, '&'),
  );

const DECISIONS = [
  { name: '1<-0', options: ['none', 'skip', 'conv1', 'conv3', 'pool'] },
  { name: '2<-0', options: ['a', 'b', 'c'] },
];
const TREE: SplitTreeNode[] = [
  {
    id: 0,
    parent: null,
    depth: 0,
    children: [1, 2],
    split: {
      decision: 0,
      groups: [
        [0, 1, 4],
        [2, 3],
      ],
      score: 2.345,
      criterion: 'gradient',
    },
  },
  { id: 1, parent: 0, depth: 1 },
  {
    id: 2,
    parent: 0,
    depth: 1,
    children: [3, 4],
    split: { decision: 1, groups: [[0], [1, 2]], criterion: 'random' },
  },
  { id: 3, parent: 2, depth: 2 },
  { id: 4, parent: 2, depth: 2 },
];

test("the split tree shows each split, its groups and score, and every leaf's best accuracy", async () => {
  const svg = await svgOf(
    splitTreeChart(TREE, { decisions: DECISIONS, leafTop1: { 1: 0.8512, 3: 0.8, 4: 0.7 } }, 'tree'),
  );
  const texts = [...textsOf(svg), ...linesOf(svg)];
  for (const id of ['n0', 'n1', 'n2', 'n3', 'n4']) expect(texts).toContain(id);
  expect(texts).toEqual(
    expect.arrayContaining(['1<-0: {none, skip, pool}', '| {conv1, conv3}', 'score 2.345']),
  );
  expect(texts).toEqual(expect.arrayContaining(['2<-0: {a}', '| {b, c}', '(random split)']));
  expect(texts).toEqual(expect.arrayContaining(['best 85.12%', 'best 80.00%', 'best 70.00%']));
});
