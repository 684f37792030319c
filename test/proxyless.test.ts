import {
  augmentationFor,
  deriveArchitecture,
  loadDataset,
  loadSpace,
  macsTable,
  parseChainSpace,
  proxyless,
  resolveSpace,
  Session,
  type Dataset,
} from '../lib';
import { tempDir, tinySpaceDescription } from './helpers/fixtures';
import { randomizeWeights } from './helpers/random-weights';
import {
  archGradient,
  archState,
  buildSupernet,
  configureSearch,
  searchEpoch,
  setArchLogits,
} from '../lib/proxyless/proxyless-session';

const aug = augmentationFor('fashion-mnist', false);
// A small space: one stride-2 edge (no Zero) and one stride-1 edge with shortcut and Zero.
const TINY_SPACE = parseChainSpace(tinySpaceDescription());
const resolved = resolveSpace(TINY_SPACE);
let data: Dataset;

beforeAll(async () => {
  data = (await loadDataset('fashion-mnist', 'train')).subset(96, 4);
});

async function supernet(seed = 1) {
  const s = new Session({ device: 'cpu', threads: 2, seed });
  await buildSupernet(s, resolved);
  await s.configureTraining({ lr: 0.05, totalSteps: 100 });
  await configureSearch(s, { mode: 'full_v2' });
  await setArchLogits(s, [
    [0.3, -0.2, 0.5],
    [0.1, 0.4, -0.3, 0.2],
  ]);
  return s;
}

const softmax = (a: number[]) => {
  const m = Math.max(...a);
  const e = a.map((x) => Math.exp(x - m));
  const z = e.reduce((x, y) => x + y, 0);
  return e.map((x) => x / z);
};
const LOGITS = [
  [0.3, -0.2, 0.5],
  [0.1, 0.4, -0.3, 0.2],
];

describe('search space description', () => {
  test('edges, shortcuts and Zero follow the stage layout', () => {
    expect(resolved.edges.map((e) => [e.label, e.shortcut, e.candidates.length])).toEqual([
      ['s0.b0', false, 3],
      ['s0.b1', true, 4],
    ]);
    expect(resolved.edges[1].candidates).toEqual([
      'mb_k3_s1_e1_c8',
      'mb_k3_s1_e3_c8',
      'mb_k5_s1_e3_c8',
      'zero_s1',
    ]);
    expect(resolved.edges[1].macs[3]).toBe(0);
  });

  test('the ProxylessNAS ImageNet space has 21 edges of 6 candidates, Zero where stride 1 and channels kept', () => {
    const p = resolveSpace(loadSpace('proxyless'));
    expect(p.edges).toHaveLength(21);
    expect(p.edges.filter((e) => e.candidates.includes('zero_s1'))).toHaveLength(15); // blocks 2-4 of the five 4-block stages
    expect(p.edges[0].candidates).toHaveLength(6);
    const arch = deriveArchitecture(
      p,
      p.edges.map((e) => e.candidates[0]),
    );
    expect(arch.blocks.at(-3)).toBe('conv_k1_s1_c1280');
  });

  test('a derived architecture drops Zero edges and rejects unknown choices', () => {
    const arch = deriveArchitecture(resolved, ['mb_k5_s2_e3_c8', 'zero_s1']);
    expect(arch.blocks).toEqual(['conv_k3_s2_c8', 'mb_k5_s2_e3_c8', 'gap', 'fc']);
    expect(() => deriveArchitecture(resolved, ['mb_k7_s2_e3_c8', 'zero_s1'])).toThrow(/not a candidate/);
  });

  test('MACs table: one row per edge, one value per candidate', () => {
    const { table, fixed } = macsTable(resolved);
    expect(table.map((r) => r.length)).toEqual([3, 4]);
    expect(fixed).toBeGreaterThan(0);
  });
});

describe('binarized gate', () => {
  const path = (mode: 'full' | 'full_v2', active: number[]) =>
    active.map((a, e) => ({ active: a, members: LOGITS[e].map((_, i) => i) }));

  test('full and full_v2 give the same gate gradients for every active path (so the same expectation)', async () => {
    const s = await supernet();
    await randomizeWeights(s, 3); // shortcut-edge candidates start equal (zero-init)
    for (const active of [
      [0, 0],
      [1, 3],
      [2, 2],
    ]) {
      const a = await archGradient(s, data, {
        batchSize: 32,
        augment: aug,
        mode: 'full',
        path: path('full', active),
      });
      const b = await archGradient(s, data, {
        batchSize: 32,
        augment: aug,
        mode: 'full_v2',
        path: path('full_v2', active),
      });
      a.forEach((edge, e) => edge.alpha.forEach((x, i) => expect(b[e].alpha[i]).toBeCloseTo(x, 5)));
    }
    await s.close();
  });

  test('when Zero is the active candidate, the edge keeps its gradient', async () => {
    const s = await supernet();
    await randomizeWeights(s, 3); // shortcut-edge candidates start equal (zero-init)
    const grads = await archGradient(s, data, {
      batchSize: 32,
      augment: aug,
      mode: 'full_v2',
      path: path('full_v2', [1, 3]),
    });
    // Zero on a shortcut edge passes its input on: its gate gradient is <h, dL/dout>, not 0.
    expect(grads[1].gate[3]).not.toBe(0);
    expect(grads[1].alpha.some((a) => Math.abs(a) > 1e-6)).toBe(true);
    await s.close();
  });
});

describe('search steps', () => {
  test('a weight-only epoch trains sampled paths and never touches an unsampled candidate', async () => {
    const s = await supernet();
    const before = await s.stateTensors();
    // One weight step on one batch samples exactly one candidate per edge.
    await searchEpoch(s, data.subset(32), data, {
      train: { batchSize: 32, augment: aug },
      valid: { batchSize: 32, augment: aug },
      updateArch: false,
    });
    const after = await s.stateTensors();
    const changed = (prefix: string) =>
      Object.keys(before)
        .filter((k) => k.startsWith(prefix))
        .some((k) => before[k].some((v, i) => v !== after[k][i]));
    const touched = [0, 1, 2].filter((j) => changed(`edge0.candidate${j}.`));
    expect(touched).toHaveLength(1); // weights and BN buffers of the other two are bit-identical
    const touched1 = [0, 1, 2].filter((j) => changed(`edge1.candidate${j}.`));
    expect(touched1.length).toBeLessThanOrEqual(1); // Zero may have been the sampled one
    const state = await archState(s);
    expect(state.probabilities[0]).toEqual(softmax(LOGITS[0]).map((p) => expect.closeTo(p, 6)));
    await s.close();
  });

  test.each(['full', 'two', 'full_v2'] as const)(
    'architecture steps in %s mode run and move the probabilities',
    async (mode) => {
      const s = new Session({ device: 'cpu', threads: 2, seed: 2 });
      await buildSupernet(s, resolved);
      await s.configureTraining({ lr: 0.05, totalSteps: 100 });
      const { table, fixed } = macsTable(resolved);
      await configureSearch(s, {
        mode,
        lr: 0.05,
        latency: table,
        fixedLatency: fixed,
        latencyLoss: 'add#linear',
        target: fixed,
        lambda: 1,
      });
      const stats = await searchEpoch(s, data, data, {
        train: { batchSize: 32, augment: aug },
        valid: { batchSize: 32, augment: aug },
        archEvery: 1,
      });
      expect(stats.archSteps).toBe(3);
      expect(Number.isFinite(stats.archLoss)).toBe(true);
      const { probabilities } = await archState(s);
      expect(probabilities[1].some((p) => Math.abs(p - 0.25) > 1e-4)).toBe(true);
      await s.close();
    },
  );

  test('a validation part smaller than one batch is refused, not looped over forever', async () => {
    const s = await supernet();
    await expect(
      searchEpoch(s, data.subset(32), data.subset(10), {
        train: { batchSize: 32, augment: aug },
        valid: { batchSize: 32, augment: aug },
      }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/10 images, fewer than one batch \(32\)/),
    });
    await s.close();
  });

  test('the latency loss pushes probability toward cheaper candidates', async () => {
    const s = new Session({ device: 'cpu', threads: 2, seed: 3 });
    await buildSupernet(s, resolved);
    await s.configureTraining({ lr: 0.01, totalSteps: 100 });
    const { table, fixed } = macsTable(resolved);
    await configureSearch(s, {
      mode: 'full_v2',
      lr: 0.1,
      latency: table,
      fixedLatency: fixed,
      latencyLoss: 'add#linear',
      target: fixed,
      lambda: 20,
    });
    const first = await searchEpoch(s, data, data, {
      train: { batchSize: 32, augment: aug },
      valid: { batchSize: 32, augment: aug },
    });
    const second = await searchEpoch(s, data, data, {
      train: { batchSize: 32, augment: aug, epoch: 1 },
      valid: { batchSize: 32, augment: aug },
    });
    expect(second.expectedLatency).toBeLessThan(first.expectedLatency);
    const { probabilities } = await archState(s);
    expect(probabilities[1][3]).toBeGreaterThan(0.25); // Zero costs nothing
    await s.close();
  });
});

describe('proxyless()', () => {
  test('a seeded search is deterministic, exports its architecture, and resumes', async () => {
    const run = (runDir: string) =>
      proxyless({
        space: TINY_SPACE,
        epochs: 2,
        warmupEpochs: 1,
        limitTrain: 128,
        batchSize: 32,
        device: 'cpu',
        threads: 2,
        seed: 5,
        latencyLoss: 'add#linear',
        target: 0.028,
        archEvery: 1,
        runDir,
      });
    const a = await run(tempDir() + '/a');
    const b = await run(tempDir() + '/b');
    expect(a.history.map((h) => h.probabilities)).toEqual(b.history.map((h) => h.probabilities));
    expect(a.choice).toEqual(b.choice);
    expect(a.history[0].updatedArch).toBe(false);
    expect(a.history[1].arch.steps).toBeGreaterThan(0);
    expect(a.history[1].probabilities.flat().every(Number.isFinite)).toBe(true);
    expect(a.history[1].probabilities).not.toEqual(a.history[0].probabilities);
    expect(a.arch.blocks[0]).toBe('conv_k3_s2_c8');
    // Running again on a finished run directory resumes with nothing left to do: same result.
    const again = await run(a.runDir);
    expect(again.choice).toEqual(a.choice);
  });

  test('a latency loss without a target, or mul#log on latencies under 1 unit, is rejected', async () => {
    await expect(proxyless({ latencyLoss: 'mul#log' })).rejects.toThrow(/target/);
    // mul#log takes log(E[LAT]): a table whose networks cost under 1 unit would make it undefined.
    await expect(
      proxyless({ space: TINY_SPACE, latencyLoss: 'mul#log', target: 2, device: 'cpu' }),
    ).rejects.toThrow(
      /cheapest network of this space costs 0\.0209 M MACs and --target is 2 M MACs: use --latency-loss abs#ratio/,
    );
  });

  test('the derived network lies within the tolerance of the target, in every mode and with REINFORCE', async () => {
    const { table, fixed } = macsTable(resolved);
    // Targets no single argmax is likely to hit: between the two cheapest MBConv choices of edge 0.
    for (const [method, mode, target] of [
      ['gradient', 'two', fixed + 0.03 + 0.0294],
      ['gradient', 'full_v2', fixed + 0.0764],
      ['reinforce', 'two', fixed + table[0][1] + table[1][2]],
    ] as const) {
      const result = await proxyless({
        space: TINY_SPACE,
        epochs: 2,
        warmupEpochs: 1,
        limitTrain: 128,
        batchSize: 32,
        device: 'cpu',
        threads: 2,
        seed: 5,
        method,
        mode,
        target,
        targetTolerance: 0.05,
        runDir: tempDir() + '/t',
      });
      expect(result.cost).toMatchObject({
        unit: 'M MACs',
        measure: 'MACs',
        target,
        tolerance: 0.05,
        withinTarget: true,
      });
      expect(Math.abs(result.cost.value / target - 1)).toBeLessThanOrEqual(0.05);
      expect(result.latency).toBe(result.cost.value);
    }
  });

  test("a target no network of the space reaches is refused before any work, with the space's range", async () => {
    await expect(proxyless({ space: TINY_SPACE, target: 0.5, device: 'cpu' })).rejects.toThrow(
      /--target 0\.5 M MACs: no network of space 'tiny' costs within ±5% of it \(its cheapest network costs 0\.02086 M MACs, its largest 0\.1388 M MACs\)/,
    );
  });

  test('a finished search given other retraining options retrains again; a search option is still refused', async () => {
    const options = {
      space: TINY_SPACE,
      epochs: 1,
      warmupEpochs: 0,
      limitTrain: 128,
      batchSize: 32,
      latencyLoss: 'none' as const,
      threads: 1,
      runDir: tempDir() + '/search',
    };
    const searched = await proxyless(options);
    expect(searched.retrain).toBeUndefined();
    const retrained = await proxyless({ ...options, retrainEpochs: 1 });
    expect(retrained.retrain?.history).toHaveLength(1);
    expect(retrained.choice).toEqual(searched.choice);
    expect(retrained.history).toEqual(searched.history); // no search epoch ran again
    await expect(proxyless({ ...options, retrainEpochs: 1, archLr: 0.01 })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/archLr/),
    });
  }, 120_000);
});
