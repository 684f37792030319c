// The NB201 weight-sharing supernet restricted to one path is the NB201 network of that architecture:
// same weights (taken from the supernet by name), same batch, float64 on CPU; eval- and train-mode
// logits and every weight gradient agree to 1e-10, and no op off the path gets a gradient. Paths
// include `none` edges that leave a node without input and cells that reduce to zero.
import { loadDataset, nb201SubnetTensors, NB201_OPS, Session, type Dataset } from '../../lib';
import { Rng } from '../../lib/util/rng';
import { maxRelativeError } from '../helpers/compare';
import { randomizeWeights } from '../helpers/random-weights';
import { buildNb201, buildNb201Supernet } from '../../lib/benchmarks/nb201-session';
import { probePath } from '../../lib/gmnas/path-session';

const TOLERANCE = 1e-10;
const SIZE = { channels: 4, cells: 2, input: [1, 28, 28] as [number, number, number], classes: 10 };

function testPaths(count: number): number[][] {
  const rng = new Rng(11);
  const fixed = [
    [3, 2, 1, 4, 3, 2], // every parametric and parameter-free op
    [0, 3, 0, 1, 0, 2], // node 1 gets nothing: edges from it carry zeros
    [0, 0, 0, 0, 0, 0], // the cell outputs zeros
  ];
  return [...fixed, ...Array.from({ length: count }, () => Array.from({ length: 6 }, () => rng.int(5)))];
}

async function expectPathEqualsNetwork(supernet: Session, data: Dataset, path: number[]) {
  const weights = await supernet.stateTensors64();
  const viaSupernet = await probePath(supernet, data, { batchSize: 8, path });
  const child = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 99 });
  await buildNb201(child, { ...SIZE, arch: path.map((j) => NB201_OPS[j]) });
  await child.setStateTensors(nb201SubnetTensors(path, weights));
  const standalone = await child.probeLoss(data, { batchSize: 8 });
  await child.close();

  expect(maxRelativeError(viaSupernet.evalLogits, standalone.evalLogits)).toBeLessThan(TOLERANCE);
  expect(maxRelativeError(viaSupernet.trainLogits, standalone.trainLogits)).toBeLessThan(TOLERANCE);
  expect(Math.abs(viaSupernet.loss - standalone.loss)).toBeLessThan(TOLERANCE * Math.max(1, standalone.loss));
  const mapped = nb201SubnetTensors(path, viaSupernet.gradients);
  expect(Object.keys(mapped).sort()).toEqual(Object.keys(standalone.gradients).sort());
  expect(Object.keys(viaSupernet.gradients).length).toBe(Object.keys(mapped).length); // nothing off the path
  const off = Object.entries(standalone.gradients)
    .map(([name, grad]) => ({ name, error: maxRelativeError(grad, mapped[name]) }))
    .filter((g) => !(g.error < TOLERANCE));
  expect(off).toEqual([]);
}

test('the NB201 supernet on a path equals the NB201 network of that path (float64, same weights)', async () => {
  const data = (await loadDataset('fashion-mnist', 'train')).subset(16, 2);
  const supernet = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
  await buildNb201Supernet(supernet, SIZE);
  await randomizeWeights(supernet, 17);
  for (const path of testPaths(3)) await expectPathEqualsNetwork(supernet, data, path);
  await supernet.close();
}, 120_000);
