// The memory format is a speed choice (sessions take channels_last on a CPU by default): a
// channels_last session and an NCHW one holding the same weights give the architecture gradient (two,
// full_v2) and the weight step of an fp64 session, each to its own measured tolerance. Different
// kernels run on each side, so the comparison is of three computations, not one with itself.
// channels_last is the less exact: this LibTorch's channels_last BatchNorm sums its batch statistics
// without the cascade the NCHW kernel uses (about 20x the error at a mean of 10 std), and the gate's
// dL/dg = <out, dL/dout> cancels heavily against a BatchNorm-normalized output, so an edge's gate can
// be off by about 1% (NCHW: 1e-6). Measured here: arch gradient 6e-3 (two) and 1.2e-4 (full_v2), a
// weight step 5e-3, relative to the largest value; bounds at 3x that. BENCHMARKS.md has the numbers.
import { augmentationFor, loadDataset, loadSpace, resolveSpace, Session, type Dataset } from '../../lib';
import { randomizeWeights } from '../helpers/random-weights';
import {
  archGradient,
  buildSupernet,
  configureSearch,
  searchEpoch,
  setArchLogits,
} from '../../lib/proxyless/proxyless-session';

const SPACE = resolveSpace(loadSpace('proxyless-28'));
const BATCH = 8;
const aug = augmentationFor('fashion-mnist', false);
let data: Dataset;
let weights: Record<string, Float64Array>;
let logits: number[][];

beforeAll(async () => {
  data = (await loadDataset('fashion-mnist', 'train')).subset(2 * BATCH, 4);
  const s = new Session({ device: 'cpu', threads: 2, seed: 5, channelsLast: false });
  await buildSupernet(s, SPACE);
  await randomizeWeights(s, 17); // no candidate at its identity-like initialization
  weights = await s.stateTensors64();
  await s.close();
  logits = SPACE.edges.map((e, i) => e.candidates.map((_, j) => 0.3 * Math.sin(3 * i + j)));
}, 60_000);

type Layout = 'channels_last' | 'nchw' | 'fp64';
const OPTIONS = {
  channels_last: { channelsLast: true },
  nchw: { channelsLast: false },
  fp64: { precision: 'fp64' as const },
};

async function sessionWith(layout: Layout, mode: 'two' | 'full_v2') {
  const s = new Session({ device: 'cpu', threads: 2, seed: 5, ...OPTIONS[layout] });
  await buildSupernet(s, SPACE);
  await s.setStateTensors(weights);
  await s.configureTraining({ lr: 0.05, totalSteps: 10 });
  await configureSearch(s, { mode });
  await setArchLogits(s, logits);
  expect((await s.describe()).channelsLast).toBe(layout === 'channels_last');
  return s;
}

// Largest difference relative to the largest magnitude of the NCHW values.
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

const ARCH_TOLERANCE = { two: 2.5e-2, full_v2: 1e-3 };

describe.each(['two', 'full_v2'] as const)('%s', (mode) => {
  test('channels_last and NCHW give the fp64 architecture gradient', async () => {
    const path = SPACE.edges.map((e, i) => {
      const n = e.candidates.length;
      if (mode === 'two') return { active: i % n, members: [i % n, (i + 1) % n] };
      return { active: (2 * i) % n, members: [...Array(n).keys()] };
    });
    const gradient = async (layout: Layout) => {
      const s = await sessionWith(layout, mode);
      const g = (await archGradient(s, data, { batchSize: BATCH, mode, path })).flatMap((e) => e.alpha);
      await s.close();
      return g;
    };
    const [cl, nchw, exact] = [
      await gradient('channels_last'),
      await gradient('nchw'),
      await gradient('fp64'),
    ];
    expect(Math.max(...exact.map(Math.abs))).toBeGreaterThan(1e-5); // the check has something to check
    expect(relativeError(nchw, exact)).toBeLessThan(1e-4);
    expect(relativeError(cl, exact)).toBeLessThan(ARCH_TOLERANCE[mode]);
    // Not bitwise equal: the two layouts ran different kernels. Equal bits meant both ran NCHW, as
    // when a one-channel input left a channels_last session's whole network in NCHW (fixed).
    expect(relativeError(cl, nchw)).toBeGreaterThan(0);
  }, 60_000);
});

test('channels_last and NCHW take the fp64 weight step', async () => {
  const step = async (layout: Layout) => {
    const s = await sessionWith(layout, 'full_v2');
    const loader = { batchSize: BATCH, seed: 2, augment: aug };
    const stats = await searchEpoch(s, data.subset(BATCH, 1), data, {
      train: loader,
      valid: loader,
      updateArch: false,
    });
    const state = await s.stateTensors64();
    await s.close();
    // The weights' changes (running statistics and counters left out), flattened in one order.
    const names = Object.keys(state)
      .filter((n) => !/running_|num_batches/.test(n))
      .sort();
    return {
      loss: stats.loss,
      delta: names.flatMap((n) => Array.from(state[n], (v, i) => v - weights[n][i])),
    };
  };
  const [cl, nchw, exact] = [await step('channels_last'), await step('nchw'), await step('fp64')];
  for (const r of [cl, nchw]) expect(Math.abs(r.loss - exact.loss)).toBeLessThan(1e-5 * exact.loss);
  expect(exact.delta.filter((d) => d !== 0).length).toBeGreaterThan(1000); // the step moved the sampled path
  expect(relativeError(nchw.delta, exact.delta)).toBeLessThan(1e-4);
  expect(relativeError(cl.delta, exact.delta)).toBeLessThan(1.5e-2);
}, 60_000);
