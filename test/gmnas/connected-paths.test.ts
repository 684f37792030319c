// NB201 cells with no route from input to output (about 2% of uniform draws) are never drawn, as in
// the reference, whose single-path sampler draws again until check_connect passes
// (search_model_ws.py:34-51): not for training, not for gradient matching's paths, not for scoring.
import { nb201SearchSpace, rootNode, samplePaths, Session } from '../../lib';
import { buildNb201Supernet } from '../../lib/benchmarks/nb201-session';
import { oneShotPaths, setPathMasks } from '../../lib/gmnas/path-session';

// The reference's check_connect, transcribed: edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2; op 0 is none.
const NONE = 0;
function referenceConnected(p: readonly number[]): boolean {
  if (p[3] !== NONE) return true;
  if (p[1] !== NONE && p[5] !== NONE) return true;
  if (p[0] !== NONE && p[4] !== NONE) return true;
  if (p[0] !== NONE && p[2] !== NONE && p[5] !== NONE) return true;
  return false;
}

const SIZE = { channels: 4, cells: 1, input: [1, 28, 28] as [number, number, number], classes: 10 };

async function supernet(): Promise<Session> {
  const s = new Session({ device: 'cpu', threads: 2, seed: 5 });
  await buildNb201Supernet(s, SIZE);
  return s;
}

test('training draws are connected cells only (341 of the 15,625 cells are not)', async () => {
  const s = await supernet();
  const paths = await oneShotPaths(s, 0, 5000);
  expect(paths.filter((p) => !referenceConnected(p))).toEqual([]);
  // Every op still reaches every edge.
  const seen = paths[0].map(() => new Set<number>());
  for (const p of paths) p.forEach((op, e) => seen[e].add(op));
  expect(seen.map((ops) => ops.size)).toEqual([5, 5, 5, 5, 5, 5]);
  await s.close();
});

test('draws are uniform over the connected cells of the masks: disconnected ones are drawn again', async () => {
  const s = await supernet();
  // Edges 3<-0, 1<-0, 3<-1 each none or skip, the rest none: of the 8 cells, 5 are connected
  // (3<-0 skip, or 1<-0 and 3<-1 both skip).
  await setPathMasks(s, [[0, 1], [0], [0], [0, 1], [0, 1], [0]]);
  const paths = await oneShotPaths(s, 1, 5000);
  const counts = new Map<string, number>();
  for (const p of paths) counts.set(p.join(''), (counts.get(p.join('')) ?? 0) + 1);
  expect([...counts.keys()].sort()).toEqual(['000100', '000110', '100100', '100110', '100010'].sort());
  for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(120); // 1000 +- 3.8 sigma
  await s.close();
});

test('masks with no connected cell are refused with a typed error', async () => {
  const s = await supernet();
  await expect(setPathMasks(s, [[0], [0, 2], [1], [0], [1, 2], [0]])).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/no connected NB201 cell/),
  });
  await s.close();
});

test('the architectures a leaf scores are connected cells, drawn without repeats', () => {
  const space = nb201SearchSpace({ channels: 4, cells: 1, input: [1, 28, 28], classes: 10 });
  const root = rootNode(space.decisions.map((d) => d.options.length));
  const paths = samplePaths(root, 3000, 4, space.admits);
  expect(paths).toHaveLength(3000);
  expect(new Set(paths.map((p) => p.join(','))).size).toBe(3000);
  expect(paths.filter((p) => !referenceConnected(p))).toEqual([]);
  // A leaf with fewer connected cells than asked for gives all of them: here 5 (as above).
  const small = { ...root, masks: [[0, 1], [0], [0], [0, 1], [0, 1], [0]] };
  expect(samplePaths(small, 20, 1, space.admits)).toHaveLength(5);
});
