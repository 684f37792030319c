// ParZC under its authors' protocol: the node-wise input built as the reference builds it, the native
// DiffKendall against the reference's formula, the Bayesian layers' noise, and a predictor that learns
// a ranking; bad input refused with the option's name.
import { callNative, TorchnasError } from '../../lib/errors';
import {
  kendall,
  nb201NodeFeatures,
  trainParzcPredictor,
  type Nb201SlotScores,
  type ParzcInput,
} from '../../lib/proxies';
import { Session } from '../../lib/train/session';
import { Rng } from '../../lib/util/rng';
import { expectInvalid } from '../benchmarks/expect-invalid';

const SMALL = { mixerDim: 16, mixerBlocks: 1, modelDim: 12, heads: 2, ffDim: 8, encoderLayers: 1 };

describe('node-wise zero-cost input', () => {
  // Five slots: the network has layers 0, 2 and 4 (weights 4, 2 and 10).
  const scores: Nb201SlotScores = {
    weights: [4, null, 2, null, 10],
    values: {
      grad_norm: [3, null, 1, null, 2],
      snip: [8, null, 1, null, 10],
      synflow: [2, null, 2, null, 5],
    },
  };

  test('packs present layers in order, takes means of summed proxies, scales per network, pads the tail', () => {
    // grad_norm as is: [3, 1, 2] -> [1, 0, 0.5]; snip means [2, 0.5, 1] -> [1, 0, 1/3];
    // synflow means [0.5, 1, 0.5] -> [0, 1, 0]; each padded to 4.
    expect(nb201NodeFeatures(scores, 4)).toEqual([1, 0, 0.5, 0, 1, 0, 1 / 3, 0, 0, 1, 0, 0]);
  });

  test('a proxy equal on every layer reads 0 (the reference turns its NaN into 0)', () => {
    const flat = { ...scores, values: { ...scores.values, grad_norm: [2, null, 2, null, 2] } };
    expect(nb201NodeFeatures(flat, 3).slice(0, 3)).toEqual([0, 0, 0]);
  });

  test('a present layer without a value, or more layers than slots, is refused', () => {
    const gap = { ...scores, values: { ...scores.values, snip: [8, null, null, null, 10] } };
    expectInvalid(() => nb201NodeFeatures(gap, 4), /no 'snip' value for layer slot 2/);
    expectInvalid(() => nb201NodeFeatures(scores, 2), /3 layers do not fit 2 node slots/);
  });
});

/** Random rows of `zc` values and 6 op indices, and a target that depends on both. */
function task(n: number, zc: number, seed: number): { inputs: ParzcInput[]; targets: number[] } {
  const rng = new Rng(seed);
  const inputs = Array.from({ length: n }, () => ({
    zc: Array.from({ length: zc }, () => rng.next()),
    ops: Array.from({ length: 6 }, () => rng.int(5)),
  }));
  const targets = inputs.map((x) => x.zc[0] + x.zc[1] - x.zc[2] + 0.5 * x.ops.filter((o) => o === 3).length);
  return { inputs, targets };
}

describe('ParZC predictor (native, float64)', () => {
  let session: Session;
  const zcDim = 32;
  const { inputs, targets } = task(12, zcDim, 3);
  const rows = inputs.map((x) => [...x.zc, ...x.ops]);

  beforeEach(async () => {
    session = new Session({ device: 'cpu', seed: 5, precision: 'fp64', threads: 1 });
    // Weight noise of spread softplus(-40) ~ 4e-18 and no dropout: deterministic passes.
    await session.native.buildParzc({ zcDim, projectDim: 32, patch: 8, ...SMALL, rhoInit: -40, dropout: 0 });
    await session.configureTraining({ optimizer: 'adam', lr: 1e-12, weightDecay: 0, totalSteps: 4 });
  });
  afterEach(() => session.close());

  test("an epoch's loss is the reference's DiffKendall of the predictions: tanh(a dx / 2) tanh(a dy / 2) over ordered pairs", async () => {
    const { mean: x } = await session.native.parzcPredict({ rows });
    const alpha = 0.7;
    let sum = 0;
    for (let i = 0; i < x.length; i++)
      for (let j = 0; j < x.length; j++)
        if (i !== j)
          sum += Math.tanh((alpha * (x[i] - x[j])) / 2) * Math.tanh((alpha * (targets[i] - targets[j])) / 2);
    const n = x.length;
    const expected = -sum / ((n * (n - 1)) / 2);
    const stats = await session.native.parzcEpoch({ rows, targets, batchSize: n, alpha, epoch: 0 });
    expect(stats.steps).toBe(1);
    expect(stats.loss).toBeCloseTo(expected, 10);
    expect(Math.abs(expected)).toBeGreaterThan(1e-3); // a loss of ~0 would match anything
  });

  test('batches of the given size; a last batch of one has no pair and is dropped', async () => {
    const stats = await session.native.parzcEpoch({
      rows: rows.slice(0, 11),
      targets: targets.slice(0, 11),
      batchSize: 5,
      epoch: 0,
    });
    expect(stats.steps).toBe(2);
    expect(stats.rows).toBe(10);
  });

  test('the architecture branch is wired: changing one op changes the score', async () => {
    const changed = rows.map((r) => [...r]);
    changed[0][zcDim] = (changed[0][zcDim] + 1) % 5;
    const a = await session.native.parzcPredict({ rows });
    const b = await session.native.parzcPredict({ rows: changed });
    expect(Math.abs(a.mean[0] - b.mean[0])).toBeGreaterThan(1e-9);
    expect(b.mean.slice(1)).toEqual(a.mean.slice(1));
  });

  test('an op index outside the vocabulary is refused', async () => {
    const bad = rows.map((r) => [...r]);
    bad[0][zcDim] = 7;
    await expect(callNative(() => session.native.parzcPredict({ rows: bad }))).rejects.toThrow(
      /op vocabulary/,
    );
  });
});

describe('ParZC weight noise', () => {
  const { inputs } = task(6, 32, 4);
  const rows = inputs.map((x) => [...x.zc, ...x.ops]);
  const predictorWith = async (rhoInit: number) => {
    const session = new Session({ device: 'cpu', seed: 1, precision: 'fp64', threads: 1 });
    await session.native.buildParzc({ zcDim: 32, projectDim: 32, patch: 8, ...SMALL, rhoInit, dropout: 0 });
    return session;
  };

  test('every forward draws new weights: samples spread, the same seed repeats them, another seed does not', async () => {
    const session = await predictorWith(-2);
    try {
      const a = await session.native.parzcPredict({ rows, samples: 4, seed: 1 });
      const again = await session.native.parzcPredict({ rows, samples: 4, seed: 1 });
      const other = await session.native.parzcPredict({ rows, samples: 4, seed: 2 });
      expect(Math.min(...a.std)).toBeGreaterThan(0);
      expect(again.mean).toEqual(a.mean);
      expect(other.mean).not.toEqual(a.mean);
    } finally {
      await session.close();
    }
  });

  test('with rho at -40 the spread vanishes', async () => {
    const session = await predictorWith(-40);
    try {
      const p = await session.native.parzcPredict({ rows, samples: 3 });
      expect(Math.max(...p.std)).toBeLessThan(1e-9);
    } finally {
      await session.close();
    }
  });
});

describe('trainParzcPredictor', () => {
  test('learns to rank unseen networks (tau well above the untrained predictor)', async () => {
    const train = task(60, 32, 7);
    const test = task(200, 32, 8);
    const options = { zcDim: 32, ...SMALL, mixerDim: 32, lr: 3e-3, batchSize: 10, threads: 1 };
    const untrained = await trainParzcPredictor(train.inputs, train.targets, {
      ...options,
      epochs: 1,
      lr: 1e-9,
    });
    const trained = await trainParzcPredictor(train.inputs, train.targets, { ...options, epochs: 40 });
    try {
      const before = kendall((await untrained.predict(test.inputs)).mean, test.targets);
      const after = kendall((await trained.predict(test.inputs)).mean, test.targets);
      expect(after).toBeGreaterThan(0.5);
      expect(after - before).toBeGreaterThan(0.3);
    } finally {
      await untrained.close();
      await trained.close();
    }
  }, 120_000);

  test('bad input names the option or the network', async () => {
    const { inputs, targets } = task(4, 32, 9);
    await expect(trainParzcPredictor(inputs, targets, { zcDim: 32, batchSize: 1 })).rejects.toThrow(
      /batchSize/,
    );
    await expect(trainParzcPredictor(inputs, targets.slice(1), { zcDim: 32 })).rejects.toThrow(
      /one target each/,
    );
    await expect(trainParzcPredictor(inputs, targets, { zcDim: 30 })).rejects.toThrow(
      /network 0 gives 32 zero-cost values/,
    );
    await expect(trainParzcPredictor(inputs, targets, { zcDim: 32, heads: 5 })).rejects.toThrow(
      /multiple of heads/,
    );
    await expect(
      trainParzcPredictor(inputs, targets, { zcDim: 32, epoch: 3 } as never),
    ).rejects.toBeInstanceOf(TorchnasError);
  });
});
