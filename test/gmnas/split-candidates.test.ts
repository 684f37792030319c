// Which decisions a GM-NAS leaf may split and how many batches it measures them on, against the
// reference: an edge splits once, into groups of at least two options (so NB201's five ops go 2 + 3,
// mincut_split_201 and random_split_201 in WS-GM/nasbench201/utils.py); batches per edge default to
// 32 (the reference: 100, train_search.py:451), which a run's options say.
import { GmNasOptionsSchema, type GmNode, type Session } from '../../lib';
import { chooseSplit, unsplitDecisions } from '../../lib/gmnas/choose-split';

const node = (masks: number[][]): GmNode => ({ id: 0, parent: null, depth: 0, masks });

test('candidates: decisions not yet split with options for two groups of two', () => {
  // Counts 5, 5 (split to 3), 4, 3, 2.
  const counts = [5, 5, 4, 3, 2];
  const leaf = node([
    [0, 1, 2, 3, 4],
    [0, 2, 4],
    [0, 1, 2, 3],
    [0, 1, 2],
    [0, 1],
  ]);
  expect(unsplitDecisions(leaf, counts)).toEqual([0, 2]);
});

test("the random control splits a five-op edge 2 + 3, as the reference's", async () => {
  const leaf = node([
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 4],
  ]);
  const sizes = new Set<string>();
  for (let epoch = 0; epoch < 40; epoch++) {
    const split = await chooseSplit(undefined as unknown as Session, leaf, [0, 1], {
      criterion: 'random',
      epoch,
      seed: 1,
      repeats: 1,
      data: undefined as never,
      loader: { batchSize: 8, seed: 1 },
    });
    sizes.add(split.groups.map((g) => g.length).join('+'));
    expect([...split.groups[0], ...split.groups[1]].sort()).toEqual([0, 1, 2, 3, 4]);
  }
  expect([...sizes]).toEqual(['2+3']);
});

test('gradient matching measures 32 batches per edge unless told otherwise', () => {
  expect(GmNasOptionsSchema.parse({}).repeats).toBe(32);
  expect(GmNasOptionsSchema.parse({ repeats: 100 }).repeats).toBe(100);
});
