// Built-in spaces fit the data they search (issue 38): on a 3-class RGB image folder decoded at 64x64,
// a chain space searches one step and derives a network with 3 outputs, an elastic space trains and
// its subnets have 3 outputs at resolutions scaled to 64; the supernet of a fitted space still equals
// its children; a latency table measured at another input or class count is refused; gm-nas fits
// alike; and a fixed size asked of a dataset that has one is refused.
import * as fs from 'fs';
import * as path from 'path';
import {
  choiceIndices,
  deriveArchitecture,
  fitChainSpace,
  largestSubnet,
  loadDataset,
  loadElasticSpace,
  loadSpace,
  proxyless,
  resolveSpace,
  Session,
  subnetArchitecture,
  subnetTensors,
  syntheticDataset,
  trainSupernet,
} from '../../lib';
import { readSearchLatencyTable } from '../../lib/latency/search-latency-table';
import { spaceLayers } from '../../lib/latency/layer-keys';
import { openPathSpace } from '../../lib/gmnas/path-space';
import { probePath } from '../../lib/gmnas/path-session';
import { buildSupernet } from '../../lib/proxyless/proxyless-session';
import { maxRelativeError } from '../helpers/compare';
import { tempDir } from '../helpers/fixtures';
import { encodePng } from '../helpers/image-files';
import { randomizeWeights } from '../helpers/random-weights';

/** train/ and val/ with three class folders of 40x48 RGB PNGs (decoded at --image-size). */
function rgbFolder(perClass: number): string {
  const dir = tempDir('torchnas-rgb-');
  for (const split of ['train', 'val'])
    for (const [c, name] of ['cat', 'dog', 'fox'].entries()) {
      fs.mkdirSync(path.join(dir, split, name), { recursive: true });
      for (let i = 0; i < perClass; i++) {
        const samples = Array.from({ length: 40 * 48 * 3 }, (_, k) => (k * (c + 1) * 37 + i * 11) % 256);
        fs.writeFileSync(
          path.join(dir, split, name, `${i}.png`),
          encodePng({ width: 48, height: 40, colorType: 2, bitDepth: 8, samples }),
        );
      }
    }
  return dir;
}

const lastLinearOut = (blocks: string[]) => blocks.at(-1);

describe('built-in spaces fit a 3-class RGB image folder at 64x64', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = rgbFolder(50); // enough for the retraining's batch of 128
  });

  test('a ProxylessNAS search on proxyless-32 (a 10-class CIFAR space) derives and retrains a 3-output network', async () => {
    const result = await proxyless({
      space: 'proxyless-32',
      latencyLoss: 'none',
      retrainEpochs: 1, // the derived network is retrained on the same images, decoded at the same size
      dataset: 'image-folder',
      dataDir,
      imageSize: 64,
      epochs: 1,
      batchSize: 32,
      threads: 2,
      runDir: tempDir('torchnas-fit-'),
      progressEvery: 1000,
    });
    expect(result.arch.input).toEqual([3, 64, 64]);
    expect(result.arch.classes).toBe(3);
    expect(lastLinearOut(result.arch.blocks as string[])).toMatch(/^fc/);
    expect(result.retrain!.history).toHaveLength(1);
  }, 120_000);

  test('an elastic supernet trains on it, its resolutions scaled to 64 and its subnets with 3 outputs', async () => {
    const runDir = tempDir('torchnas-fit-');
    await trainSupernet({
      space: 'elastic-32',
      dataset: 'image-folder',
      dataDir,
      imageSize: 64,
      sampler: 'uniform',
      epochs: 1,
      batchSize: 32,
      calibBatches: 1,
      threads: 2,
      runDir,
      progressEvery: 1000,
    });
    const stored = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')).space;
    expect(stored).toMatchObject({ input: [3, 64, 64], classes: 3, resolutions: [48, 56, 64] });
    const resolved = loadElasticSpace(stored);
    const arch = subnetArchitecture(resolved, largestSubnet(resolved));
    expect(arch.classes).toBe(3);
    expect(arch.input).toEqual([3, 64, 64]);
  }, 120_000);

  test('a latency table measured at another input or for another class count is refused with the reason', async () => {
    const full = await loadDataset('image-folder', 'train', dataDir, { imageSize: 64 });
    expect(full.describe().shape).toEqual([3, 64, 64]);
    const resolved = resolveSpace(
      fitChainSpace(loadSpace('proxyless-32'), { input: [3, 64, 64], classes: 3 }),
    );
    const file = path.join(tempDir('torchnas-fit-'), 'table.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        format: 'torchnas/latency-table@1',
        unit: 'ms',
        space: 'proxyless-32',
        input: [3, 32, 32],
        conditions: {
          device: 'cpu',
          deviceName: 'test',
          batch: 1,
          precision: 'fp32',
          channelsLast: false,
          cudnnBenchmark: false,
          foldBatchNorm: false,
          cudaGraph: false,
          threads: 1,
          timer: 'steady-clock',
          warmup: 1,
          repeats: 1,
          torchVersion: '1.13',
        },
        complete: true,
        buildSeconds: 1,
        entries: {},
      }),
    );
    expect(() => readSearchLatencyTable(resolved, file)).toThrow(
      /measured for input \[3,32,32\].*\[3,64,64\]/,
    );
    // Every layer of the space fitted to 10 classes at this input: the 3-class search lacks its classifier.
    const tenClasses = resolveSpace(
      fitChainSpace(loadSpace('proxyless-32'), { input: [3, 64, 64], classes: 10 }),
    );
    const entry = { count: 1, mean: 1, median: 1, variance: 0, p10: 1, p90: 1, iqr: 0 };
    const table = JSON.parse(fs.readFileSync(file, 'utf8'));
    table.input = [3, 64, 64];
    table.entries = Object.fromEntries(spaceLayers(tenClasses).distinct.map((l) => [l.key, entry]));
    fs.writeFileSync(file, JSON.stringify(table));
    expect(() => readSearchLatencyTable(tenClasses, file)).not.toThrow();
    expect(() => readSearchLatencyTable(resolved, file)).toThrow(/no entry for layer 'fc_c3@.*class count/);
  });

  test("gm-nas's chain space fits the data the same way", () => {
    const space = openPathSpace(
      'proxyless-32',
      { channels: 8, cells: 1 },
      { input: [3, 64, 64], classes: 3 },
    );
    expect(space.input).toEqual([3, 64, 64]);
    expect(space.classes).toBe(3);
  });
});

test('a fitted space still equals its children (float64, same weights)', async () => {
  const resolved = resolveSpace(fitChainSpace(loadSpace('proxyless-28'), { input: [3, 20, 20], classes: 3 }));
  const data = syntheticDataset({ count: 4, shape: [3, 20, 20], classes: 3, seed: 1 });
  const supernet = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
  await buildSupernet(supernet, resolved);
  await randomizeWeights(supernet, 17);
  const choice = resolved.edges.map((e, i) => e.candidates[i % e.candidates.length]);
  const weights = await supernet.stateTensors64();
  const viaSupernet = await probePath(supernet, data, {
    batchSize: 4,
    path: choiceIndices(resolved, choice),
  });
  const child = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 99 });
  const arch = deriveArchitecture(resolved, choice);
  expect(arch.classes).toBe(3);
  await child.buildNetwork(arch);
  await child.setStateTensors(subnetTensors(resolved, choice, weights));
  const standalone = await child.probeLoss(data, { batchSize: 4 });
  await child.close();
  await supernet.close();
  expect(maxRelativeError(viaSupernet.trainLogits, standalone.trainLogits)).toBeLessThan(1e-10);
  const mapped = subnetTensors(resolved, choice, viaSupernet.gradients);
  for (const [name, grad] of Object.entries(standalone.gradients))
    expect(maxRelativeError(grad, mapped[name])).toBeLessThan(1e-10);
}, 120_000);

test('--image-size on a dataset of one size is refused, naming it', async () => {
  await expect(loadDataset('fashion-mnist', 'train', undefined, { imageSize: 64 })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/imageSize applies to image folders/),
  });
});
