// A sub-supernet's masks hold: training draws only allowed ops, an op outside its edge's group never
// runs (its weights stay bit-identical through an epoch while the allowed ones move), scoring refuses
// a path outside the masks, and gradient matching leaves the supernet exactly as it was.
import { loadDataset, loadSpace, resolveSpace, Session, type Dataset } from '../../lib';
import { buildNb201Supernet } from '../../lib/benchmarks/nb201-session';
import {
  evaluateArchitectures,
  matchGradients,
  oneShotEpoch,
  oneShotPaths,
  pathMasks,
  setPathMasks,
} from '../../lib/gmnas/path-session';
import { buildSupernet } from '../../lib/proxyless/proxyless-session';

const SIZE = { channels: 4, cells: 1, input: [1, 28, 28] as [number, number, number], classes: 10 };
// Edge 0 restricted to {nor_conv_3x3}, edge 3 to {skip, nor_conv_1x1}, edge 5 to {none, avg_pool}.
const MASKS = [[3], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], [1, 2], [0, 1, 2, 3, 4], [0, 4]];

let data: Dataset;
beforeAll(async () => {
  data = (await loadDataset('fashion-mnist', 'train')).subset(256, 4);
});

async function nb201Supernet(): Promise<Session> {
  const s = new Session({ device: 'cpu', threads: 2, seed: 5 });
  await buildNb201Supernet(s, SIZE);
  await s.configureTraining({ lr: 0.05, totalSteps: 100 });
  await setPathMasks(s, MASKS);
  return s;
}

test('paths drawn for training stay inside the masks and reach every allowed op', async () => {
  const s = await nb201Supernet();
  const paths = await oneShotPaths(s, 0, 400);
  const seen = MASKS.map(() => new Set<number>());
  for (const p of paths) p.forEach((op, e) => seen[e].add(op));
  expect(seen.map((ops) => [...ops].sort())).toEqual(MASKS);
  expect(await pathMasks(s)).toEqual(MASKS);
  await s.close();
});

test('an op outside its group never runs: its weights stay bit-identical through an epoch', async () => {
  const s = await nb201Supernet();
  const before = await s.stateTensors();
  await oneShotEpoch(s, data, { batchSize: 32, seed: 1, epoch: 0 });
  const after = await s.stateTensors();
  const changed = (name: string) => before[name].some((v, i) => v !== after[name][i]);
  const weights = Object.keys(before).filter((n) => /^cells\.\d+\.edges\.\d\.\d\..*weight$/.test(n));
  const of = (edge: number, op: number) => weights.filter((n) => n.includes(`.edges.${edge}.${op}.`));
  expect(of(0, 2).length).toBeGreaterThan(0);
  expect(of(0, 2).filter(changed)).toEqual([]); // nor_conv_1x1 on edge 0: masked out
  expect(of(3, 3).filter(changed)).toEqual([]); // nor_conv_3x3 on edge 3: masked out
  expect(of(0, 3).every(changed)).toBe(true); // the only op left on edge 0 trains every step
  expect(of(3, 2).some(changed)).toBe(true);
  await s.close();
});

test('scoring a path outside the masks is refused with a typed error', async () => {
  const s = await nb201Supernet();
  const inside = [3, 0, 1, 2, 4, 4];
  const stats = await evaluateArchitectures(s, data, { batchSize: 64, paths: [inside] });
  expect(stats[0].images).toBe(256);
  await expect(
    evaluateArchitectures(s, data, { batchSize: 64, paths: [[2, 0, 1, 2, 4, 4]] }),
  ).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/decision 0: option 2 is outside/),
  });
  await s.close();
});

test('gradient matching leaves weights and statistics as they were; a one-op decision is refused', async () => {
  const s = await nb201Supernet();
  await oneShotEpoch(s, data, { batchSize: 32, seed: 1, epoch: 0 });
  const before = await s.stateTensors();
  const [match] = await matchGradients(s, data, { batchSize: 32, seed: 2, decisions: [3], repeats: 2 });
  expect(match.options).toEqual([1, 2]);
  expect(match.distances[0][0]).toBe(0);
  expect(match.distances[0][1]).toBeCloseTo(match.distances[1][0], 15);
  expect(match.distances[0][1]).toBeGreaterThan(0);
  expect(match.norms.every((n) => n > 0)).toBe(true);
  const after = await s.stateTensors();
  expect(Object.keys(after).filter((k) => before[k].some((v, i) => v !== after[k][i]))).toEqual([]);
  await expect(matchGradients(s, data, { batchSize: 32, decisions: [0], repeats: 1 })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/one option left/),
  });
  await s.close();
});

test('a chain supernet takes masks too: its draws stay inside them', async () => {
  const s = new Session({ device: 'cpu', threads: 2, seed: 5 });
  const resolved = resolveSpace(loadSpace('proxyless-28'));
  await buildSupernet(s, resolved);
  const masks = resolved.edges.map((e, i) => (i === 0 ? [0, 1] : e.candidates.map((_, j) => j)));
  await setPathMasks(s, masks);
  const paths = await oneShotPaths(s, 2, 200);
  expect(new Set(paths.map((p) => p[0]))).toEqual(new Set([0, 1]));
  await expect(setPathMasks(s, [[0]])).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  await s.close();
});
