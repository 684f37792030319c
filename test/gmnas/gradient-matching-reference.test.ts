// GM-NAS's gradient matching against the reference (skhu101/GM-NAS, WS-GM/nasbench201): which
// parameters' gradients are compared (get_split_gradients, search_model_ws.py:53-63) and how batches
// combine (dist_avg, train_search.py:452-486: per-batch distance matrices averaged). The expected
// distances are worked out here from the supernet's own per-path gradients (probeLoss, float64), with
// the other edges fixed by masks so that every call runs the same path.
import { bestTwoWaySplit, cosineDistances, Dataset, meanCosineDistances, Session } from '../../lib';
import { native } from '../../lib/native';
import { Rng } from '../../lib/util/rng';
import { idxOf, tempDir, writeIdx } from '../helpers/fixtures';
import { randomizeWeights } from '../helpers/random-weights';
import { buildNb201Supernet } from '../../lib/benchmarks/nb201-session';
import { matchGradients, setPathMasks } from '../../lib/gmnas/path-session';
import { probePath } from '../../lib/gmnas/path-session';

const SIZE = { channels: 4, cells: 1, input: [1, 8, 8] as [number, number, number], classes: 3 };
const B = 6; // images per batch
const DECISION = 4; // edge 3<-1, split over all five ops
// The other edges fixed to parametric ops (edge 3<-0 skip: the cell is connected whatever edge 4 is).
const MASKS = [[3], [2], [3], [1], [0, 1, 2, 3, 4], [3]];
const pathWith = (op: number) => MASKS.map((m, e) => (e === DECISION ? op : m[0]));

type Grads = Record<string, Float64Array>;

async function idxDataset(dir: string, pixels: number[], labels: number[]): Promise<Dataset> {
  const n = labels.length;
  const { images, labels: l } = idxOf(Buffer.from(pixels), n, 8, 8, labels);
  const { imagesPath, labelsPath } = writeIdx(dir, images, l, false);
  return new Dataset(
    await native().loadIdx({ images: imagesPath, labels: labelsPath, classes: SIZE.classes }),
  );
}

let first: Dataset; // batch 1
let second: Dataset; // batch 2
let both: Dataset; // batch 1 then batch 2
let session: Session;

beforeAll(async () => {
  const rng = new Rng(21);
  const pixels = Array.from({ length: 2 * B * 64 }, () => rng.int(256));
  const labels = Array.from({ length: 2 * B }, () => rng.int(SIZE.classes));
  first = await idxDataset(tempDir(), pixels.slice(0, B * 64), labels.slice(0, B));
  second = await idxDataset(tempDir(), pixels.slice(B * 64), labels.slice(B));
  both = await idxDataset(tempDir(), pixels, labels);
  session = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
  await buildNb201Supernet(session, SIZE);
  await randomizeWeights(session, 5);
  await setPathMasks(session, MASKS);
});

afterAll(() => session.close());

/** Each option's gradients on the whole of `data` (one batch), train-mode BatchNorm as in matching. */
async function optionGradients(data: Dataset): Promise<Grads[]> {
  const out: Grads[] = [];
  for (const op of MASKS[DECISION]) {
    out.push((await probePath(session, data, { batchSize: data.size, path: pathWith(op) })).gradients);
  }
  return out;
}

const EDGE = /^cells\.\d+\.edges\.(\d)\.\d+\.(.+)$/;
const ownEdge = (name: string) => Number(EDGE.exec(name)?.[1] ?? -1) === DECISION;
/** The reference's set: the cells' edges but the split one (conv weights: its BN is non-affine), residual blocks. */
const referenceSet = (name: string) =>
  name.startsWith('cells.') && !ownEdge(name) && !(EDGE.test(name) && EDGE.exec(name)![2].startsWith('bn.'));

/** Each option's gradient over the parameters `keep` selects, zeros where an option has none. */
function vectors(grads: Grads[], keep: (name: string) => boolean): number[][] {
  const lengths = new Map<string, number>();
  for (const g of grads) for (const [k, v] of Object.entries(g)) if (keep(k)) lengths.set(k, v.length);
  const names = [...lengths.keys()].sort();
  return grads.map((g) => names.flatMap((k) => [...(g[k] ?? new Float64Array(lengths.get(k)!))]));
}

function cosDistances(vs: number[][]): number[][] {
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  return vs.map((a) => vs.map((b) => 1 - dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b))));
}

const mean2 = (a: number[][], b: number[][]) => a.map((row, i) => row.map((v, j) => (v + b[i][j]) / 2));
const offDiagonal = (m: number[][]) => m.flatMap((row, i) => row.filter((_, j) => j !== i));
const maxDiff = (a: number[][], b: number[][]) =>
  Math.max(...offDiagonal(a).map((v, k) => Math.abs(v - offDiagonal(b)[k])));
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test("the matched gradient: the cells' (split edge, edge BN out; residual blocks in), not stem, classifier", async () => {
  const [match] = await matchGradients(session, first, { batchSize: B, decisions: [DECISION], repeats: 1 });
  const grads = await optionGradients(first);
  const expected = cosDistances(vectors(grads, referenceSet));
  expect(maxDiff(match.distances, expected)).toBeLessThan(1e-9);
  vectors(grads, referenceSet).forEach((v, i) => expect(match.norms[i]).toBeCloseTo(norm(v), 9));
  // The data tell the sets apart: the whole network but the edge (stem, last BatchNorm, classifier
  // in), or the edges' BatchNorm in, would give other distances.
  expect(maxDiff(cosDistances(vectors(grads, (n) => !ownEdge(n))), expected)).toBeGreaterThan(1e-3);
  const withEdgeBn = (n: string) => n.startsWith('cells.') && !ownEdge(n);
  expect(maxDiff(cosDistances(vectors(grads, withEdgeBn)), expected)).toBeGreaterThan(1e-4);
}, 60_000);

test('two batches: the per-batch distance matrices are averaged, not the gradients', async () => {
  const loader = { batchSize: B, shuffle: false, decisions: [DECISION], repeats: 2 }; // batch 1, then batch 2
  const [match] = await matchGradients(session, both, loader);
  const [g1, g2] = [await optionGradients(first), await optionGradients(second)];
  const [v1, v2] = [vectors(g1, referenceSet), vectors(g2, referenceSet)];
  const perBatch = mean2(cosDistances(v1), cosDistances(v2));
  expect(maxDiff(match.distances, perBatch)).toBeLessThan(1e-9);
  // The other rule (average the gradients, then one cosine) gives other distances on these batches.
  const averaged = v1.map((v, i) => v.map((x, k) => (x + v2[i][k]) / 2));
  expect(maxDiff(cosDistances(averaged), perBatch)).toBeGreaterThan(1e-3);
  averaged.forEach((v, i) => expect(match.norms[i]).toBeCloseTo(norm(v), 9)); // norms: of the averaged gradients
}, 60_000);

test('a hand-worked pair of batches where averaging distances and averaging gradients split differently', () => {
  // Four options a, b, c, d; batch 1: a = d = x, b = c = y (b twice as long); batch 2: a = y, b = c = d = x.
  const batch1 = [
    [1, 0],
    [0, 2],
    [0, 1],
    [1, 0],
  ];
  const batch2 = [
    [0, 2],
    [1, 0],
    [1, 0],
    [1, 0],
  ];
  // Per batch: batch 1 ab 1, ac 1, ad 0, bc 0, bd 1, cd 1; batch 2 ab ac ad 1, bc bd cd 0.
  const mean = meanCosineDistances([batch1, batch2]);
  const expected = [
    [0, 1, 1, 0.5],
    [1, 0, 0, 0.5],
    [1, 0, 0, 0.5],
    [0.5, 0.5, 0.5, 0],
  ];
  mean.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 12)));
  // Within-group sums: {a,b}{c,d} 1.5, {a,c}{b,d} 1.5, {a,d}{b,c} 0.5: split {a,d} | {b,c}, score 3.5 - 0.5.
  const split = bestTwoWaySplit(mean);
  expect(split.groups).toEqual([
    [0, 3],
    [1, 2],
  ]);
  expect(split.score).toBeCloseTo(3, 12);
  // Averaged gradients a = b = (0.5, 1), c = (0.5, 0.5), d = (1, 0): a and b coincide, so {a,b}{c,d}.
  const averaged = batch1.map((v, i) => v.map((x, k) => (x + batch2[i][k]) / 2));
  expect(bestTwoWaySplit(cosineDistances(averaged)).groups).toEqual([
    [0, 1],
    [2, 3],
  ]);
  expect(() => meanCosineDistances([batch1, batch2.slice(1)])).toThrow(
    expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }),
  );
});
