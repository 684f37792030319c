// The backbone of the search suite: a supernet restricted to one path is the network derived from
// that path. Same weights (taken from the supernet by name), same batch, float64 on CPU: the
// eval-mode and train-mode outputs and every weight gradient must agree to 1e-10. A supernet that
// computes anything else (an input added twice on a shortcut edge, a candidate that leaks into
// another's path) trains networks other than the ones the search ranks.
import {
  choiceIndices,
  deriveArchitecture,
  loadDataset,
  loadSpace,
  parseChainSpace,
  resolveSpace,
  Session,
  subnetTensors,
  syntheticDataset,
  type Dataset,
  type ResolvedSpace,
  type SpaceChoice,
} from '../../lib';
import { Rng } from '../../lib/util/rng';
import { maxRelativeError } from '../helpers/compare';
import { randomizeWeights } from '../helpers/random-weights';
import { buildSupernet } from '../../lib/proxyless/proxyless-session';
import { probePath } from '../../lib/gmnas/path-session';

const TOLERANCE = 1e-10;

// A custom space: conv and SE candidates, hswish, a width multiplier, no Zero on one stage kind.
const CUSTOM = parseChainSpace({
  name: 'custom-se',
  input: [1, 28, 28],
  classes: 10,
  stem: ['conv_k3_s2_c8_ahswish'],
  stages: [
    { width: 12, depth: 2, stride: 1 },
    { width: 20, depth: 2, stride: 2 },
  ],
  candidates: ['mb_k3_e3_se0.25_ahswish', 'mb_k5_e1', 'conv_k3'],
  zero: true,
  head: ['conv_k1_s1_c32', 'gap', 'drop_p0', 'fc'],
  widthMultiplier: 1.3,
});

// Paths that take Zero on some shortcut edges and a real block on others, plus uniformly random ones.
function testPaths(resolved: ResolvedSpace, seed: number, count: number): SpaceChoice[] {
  const rng = new Rng(seed);
  const alternating = resolved.edges.map((e, i) =>
    e.shortcut && i % 2 === 1 ? e.candidates.at(-1)! : e.candidates[i % e.candidates.length],
  );
  const random = Array.from({ length: count - 1 }, () =>
    resolved.edges.map((e) => e.candidates[rng.int(e.candidates.length)]),
  );
  return [alternating, ...random];
}

async function expectSupernetEqualsChildren(
  resolved: ResolvedSpace,
  data: Dataset,
  batchSize: number,
  paths: number,
) {
  const supernet = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
  await buildSupernet(supernet, resolved);
  await randomizeWeights(supernet, 17);
  for (const choice of testPaths(resolved, 5, paths)) {
    // Read afresh: each probe's train-mode pass moves the running statistics of the path it ran.
    const weights = await supernet.stateTensors64();
    const path = choiceIndices(resolved, choice);
    const viaSupernet = await probePath(supernet, data, { batchSize, path });

    const child = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 99 });
    await child.buildNetwork(deriveArchitecture(resolved, choice));
    await child.setStateTensors(subnetTensors(resolved, choice, weights));
    const standalone = await child.probeLoss(data, { batchSize });
    await child.close();

    expect(maxRelativeError(viaSupernet.evalLogits, standalone.evalLogits)).toBeLessThan(TOLERANCE);
    expect(maxRelativeError(viaSupernet.trainLogits, standalone.trainLogits)).toBeLessThan(TOLERANCE);
    expect(Math.abs(viaSupernet.loss - standalone.loss)).toBeLessThan(
      TOLERANCE * Math.max(1, standalone.loss),
    );
    // Every weight gradient of the child, and no gradient anywhere else in the supernet.
    const mapped = subnetTensors(resolved, choice, viaSupernet.gradients);
    expect(Object.keys(mapped).sort()).toEqual(Object.keys(standalone.gradients).sort());
    expect(Object.keys(viaSupernet.gradients).length).toBe(Object.keys(mapped).length);
    const off = Object.entries(standalone.gradients)
      .map(([name, grad]) => ({ name, error: maxRelativeError(grad, mapped[name]) }))
      .filter((g) => !(g.error < TOLERANCE));
    expect(off).toEqual([]);
  }
  await supernet.close();
}

describe('the supernet restricted to one path equals the derived network (float64, same weights)', () => {
  let fashion: Dataset;
  beforeAll(async () => {
    fashion = (await loadDataset('fashion-mnist', 'train')).subset(16, 2);
  });

  test('proxyless-28 (Fashion-MNIST), 4 paths', async () => {
    await expectSupernetEqualsChildren(resolveSpace(loadSpace('proxyless-28')), fashion, 8, 4);
  }, 120_000);

  test('a custom space: SE, hswish, conv candidates, width multiplier, 4 paths', async () => {
    const resolved = resolveSpace(CUSTOM);
    expect(resolved.edges.some((e) => e.shortcut)).toBe(true);
    await expectSupernetEqualsChildren(resolved, fashion, 8, 4);
  }, 120_000);

  test('proxyless-32 (CIFAR shape), 2 paths', async () => {
    const data = syntheticDataset({ count: 4, shape: [3, 32, 32], classes: 10, seed: 1 });
    await expectSupernetEqualsChildren(resolveSpace(loadSpace('proxyless-32')), data, 4, 2);
  }, 120_000);

  test('proxyless (ImageNet, 224x224), 1 path', async () => {
    const data = syntheticDataset({ count: 2, shape: [3, 224, 224], classes: 1000, seed: 1 });
    await expectSupernetEqualsChildren(resolveSpace(loadSpace('proxyless')), data, 2, 1);
  }, 300_000);
});
