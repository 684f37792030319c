// Pi-NAS's backbone and its parts: its supernet on a path equals the NB201 network of that path
// (float64, logits and weight gradients); each step's two paths differ on every edge and are connected
// cells; the kNN scorer with k = 1 on its own reference gets every image right (labels and neighbours
// aligned); bad options are typed errors naming the option.
import * as fs from 'fs';
import * as path from 'path';
import {
  loadDataset,
  nb201SubnetTensors,
  NB201_OPS,
  pinasChart,
  searchPinas,
  Session,
  syntheticDataset,
} from '../../lib';
import { buildNb201 } from '../../lib/benchmarks/nb201-session';
import { probePath } from '../../lib/gmnas/path-session';
import { buildPinasSupernet, pinasKnnScores, pinasPaths } from '../../lib/pinas/pinas-session';
import { nb201Connected } from '../../lib/spaces/nb201/nb201-search-space';
import { maxRelativeError } from '../helpers/compare';
import { tempDir } from '../helpers/fixtures';
import { randomizeWeights } from '../helpers/random-weights';

const SIZE = { channels: 4, cells: 1, input: [1, 28, 28] as [number, number, number], classes: 10 };

test('the Pi-NAS supernet on a path equals the NB201 network of that path (float64)', async () => {
  const data = (await loadDataset('fashion-mnist', 'train')).subset(16, 2);
  const supernet = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
  await buildPinasSupernet(supernet, SIZE);
  await randomizeWeights(supernet, 17);
  for (const path of [
    [3, 2, 1, 4, 3, 2],
    [0, 3, 0, 1, 0, 2],
  ]) {
    const weights = await supernet.stateTensors64(); // as this path finds them (a probe moves BN statistics)
    expect(Object.keys(weights).some((name) => name.startsWith('projector.'))).toBe(true);
    const viaSupernet = await probePath(supernet, data, { batchSize: 8, path });
    const child = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 99 });
    await buildNb201(child, { ...SIZE, arch: path.map((j) => NB201_OPS[j]) });
    const own = Object.entries(nb201SubnetTensors(path, weights)).filter(
      ([n]) => !n.startsWith('projector.'),
    );
    await child.setStateTensors(Object.fromEntries(own));
    const standalone = await child.probeLoss(data, { batchSize: 8 });
    await child.close();
    expect(maxRelativeError(viaSupernet.trainLogits, standalone.trainLogits)).toBeLessThan(1e-10);
    expect(maxRelativeError(viaSupernet.evalLogits, standalone.evalLogits)).toBeLessThan(1e-10);
    const mapped = nb201SubnetTensors(path, viaSupernet.gradients);
    for (const [name, grad] of Object.entries(standalone.gradients))
      expect(maxRelativeError(grad, mapped[name])).toBeLessThan(1e-10);
  }
  await supernet.close();
}, 120_000);

test("each step's two paths differ on every edge and are connected cells", async () => {
  const session = new Session({ device: 'cpu', threads: 1, seed: 4 });
  await buildPinasSupernet(session, SIZE);
  const seen = new Set<string>();
  for (let step = 0; step < 200; step++) {
    const [a, b] = await pinasPaths(session, step);
    for (let e = 0; e < 6; e++) expect(a[e]).not.toBe(b[e]);
    expect(nb201Connected(a) && nb201Connected(b)).toBe(true);
    seen.add(a.join());
  }
  expect(seen.size).toBeGreaterThan(150); // drawn afresh each step
  expect(await pinasPaths(session, 7)).toEqual(await pinasPaths(session, 7)); // and the same on resume
  await session.close();
});

test('kNN with k = 1 against its own reference scores every image right', async () => {
  const session = new Session({ device: 'cpu', threads: 1, seed: 4 });
  await buildPinasSupernet(session, { ...SIZE, input: [1, 8, 8], classes: 4 });
  const data = syntheticDataset({ count: 40, shape: [1, 8, 8], classes: 4, seed: 2 });
  const paths = [
    [3, 3, 3, 3, 3, 3],
    [1, 2, 4, 3, 0, 2],
  ];
  expect(await pinasKnnScores(session, data, data, { batchSize: 16, paths, k: 1 })).toEqual([1, 1]);
  const other = syntheticDataset({ count: 40, shape: [1, 8, 8], classes: 4, seed: 3 });
  for (const s of await pinasKnnScores(session, data, other, { batchSize: 16, paths, k: 5 })) {
    expect(s).toBeGreaterThanOrEqual(0);
    expect(s).toBeLessThanOrEqual(1);
  }
  await session.close();
});

test('bad Pi-NAS options are typed errors naming the option', async () => {
  const runDir = tempDir('torchnas-pinas-');
  const refused = (options: object, pattern: RegExp) =>
    expect(searchPinas({ runDir, ...options } as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(pattern),
    });
  await refused({ teacherMomentum: 1 }, /teacherMomentum/);
  await refused({ temperature: 0 }, /temperature/);
  await refused({ candidates: 20000 }, /candidates/);
  await refused({ order: 2 }, /order/);
  await refused({ microBatches: 2 }, /micro/i);
});

test('a Pi-NAS search trains, scores its candidates, derives the best and ranks a ground truth', async () => {
  const runDir = tempDir('torchnas-pinas-');
  const truthFile = path.join(tempDir('torchnas-truth-'), 'truth.json');
  const networks = [
    [3, 3, 3, 3, 3, 3],
    [1, 1, 1, 1, 1, 1],
    [2, 4, 3, 1, 0, 3],
    [4, 4, 4, 4, 4, 4],
  ].map((p, i) => ({ path: p, top1: [0.8 + 0.01 * i, 0.81 + 0.01 * i] }));
  fs.writeFileSync(truthFile, JSON.stringify({ seedToSeedKendallTau: 0.5, networks }));
  const result = await searchPinas({
    truthFile,
    runDir,
    epochs: 1,
    limitTrain: 256,
    channels: 4,
    threads: 1,
    candidates: 5,
    scoreImages: 64,
    queueSize: 128,
  });
  expect(result.history).toHaveLength(1);
  expect(Number.isFinite(result.history[0].contrastive)).toBe(true);
  expect(result.candidates).toHaveLength(5);
  expect(result.scoring).toBe('knn');
  const best = Math.max(...result.candidates.map((c) => c.score));
  expect(result.candidates.find((c) => c.arch === result.derived)!.score).toBe(best);
  expect(Math.abs(result.history[0].tau!)).toBeLessThanOrEqual(1);
  expect(result.truth!.scores).toHaveLength(4);
  expect(result.truth!.ceiling).toBe(0.5);
  const chart = pinasChart(result.history, 'Pi-NAS') as unknown as { data: { values: unknown[] } };
  expect(chart.data.values).toHaveLength(3); // loss, positive cosine and tau for the one epoch
  fs.writeFileSync(truthFile, JSON.stringify({ networks: [{ path: [1, 2] }] }));
  await expect(searchPinas({ runDir: tempDir('torchnas-pinas-'), truthFile })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/truthFile/),
  });
}, 120_000);
