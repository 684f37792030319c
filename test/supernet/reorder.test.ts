// Channel-importance reordering (once-for-all): each elastic block's middle channels sorted by the L1
// norm of their projection weights, so smaller expand ratios keep the most important ones; the
// largest subnet computes the same function before and after.
import {
  largestSubnet,
  nativeSubnet,
  parseElasticSpace,
  resolveElasticSpace,
  Session,
  syntheticDataset,
  type Subnet,
} from '../../lib';
import { randomizeWeights } from '../helpers/random-weights';
import { buildElastic, probeSubnet, reorderChannels } from '../../lib/supernet/elastic-session';

const SPACE = resolveElasticSpace(
  parseElasticSpace({
    name: 'reorder',
    input: [1, 8, 8],
    classes: 4,
    stem: ['conv_k3_c4'],
    stages: [{ widths: [4, 6], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 1, se: 0.25 }],
    head: ['gap', 'fc'],
  }),
);

/** L1 norm of each input channel (column) of a [out, in, 1, 1] weight. */
function columnNorms(weight: Float64Array, out: number, inputs: number): number[] {
  return Array.from({ length: inputs }, (_, j) =>
    Array.from({ length: out }, (_, i) => Math.abs(weight[i * inputs + j])).reduce((a, b) => a + b, 0),
  );
}

test('reordering sorts middle channels by importance and leaves the largest subnet unchanged', async () => {
  const data = syntheticDataset({ count: 8, shape: [1, 8, 8], classes: 4, seed: 3 });
  const session = new Session({ device: 'cpu', precision: 'fp64', threads: 1, seed: 1 });
  await buildElastic(session, SPACE);
  await randomizeWeights(session, 5);
  const largest = nativeSubnet(largestSubnet(SPACE));
  const small: Subnet = { resolution: 8, stages: [{ width: 6, kernels: [3, 3], expands: [2, 2] }] };
  // Each probe's train-mode pass moves running statistics: every probe starts from the same state.
  const start = await session.stateTensors64();
  const probe = async (state: Record<string, Float64Array>, subnet: ReturnType<typeof nativeSubnet>) => {
    await session.setStateTensors(state);
    return probeSubnet(session, data, { batchSize: 8, subnet });
  };
  const before = await probe(start, largest);
  const smallBefore = await probe(start, nativeSubnet(small));
  await session.setStateTensors(start);
  await reorderChannels(session);
  const reordered = await session.stateTensors64();
  const after = await probe(reordered, largest);
  const differ = (a: Float64Array, b: Float64Array) =>
    Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
  expect(differ(before.evalLogits, after.evalLogits)).toBeLessThan(1e-10);
  expect(differ(before.trainLogits, after.trainLogits)).toBeLessThan(1e-10);
  const weights = await session.stateTensors64();
  for (const b of [0, 1]) {
    const inputs = b === 0 ? 4 : 6;
    const norms = columnNorms(weights[`stage0.${b}.conv_pwl.conv.weight`], 6, inputs * 3);
    expect(norms).toEqual([...norms].sort((x, y) => y - x));
  }
  // A smaller expand ratio now runs other channels: the reordering did change what it computes.
  const smallAfter = await probe(reordered, nativeSubnet(small));
  expect(differ(smallBefore.evalLogits, smallAfter.evalLogits)).toBeGreaterThan(1e-6);
  await session.close();
});
