// The parametric proxy: its loss and Bayesian layers against finite differences, training on a
// synthetic ranking task, and per-layer NB201 features from natively scored networks.
import {
  diffKendallLoss,
  kendall,
  nb201ArchString,
  nb201LayerFeatures,
  nb201LayerSlots,
  parseNb201Cell,
  runNb201ProxyStudy,
  trainParzc,
} from '../../lib';
import { BayesianLinear, BayesianMlp, gaussian } from '../../lib/proxies/parametric/bayesian-mlp';
import { Rng } from '../../lib/util/rng';
import { expectInvalid } from '../benchmarks/expect-invalid';

/** Central difference of f at x[i]. */
function numeric(f: () => number, x: Float64Array | number[], i: number, h = 1e-6): number {
  const keep = x[i];
  x[i] = keep + h;
  const up = f();
  x[i] = keep - h;
  const down = f();
  x[i] = keep;
  return (up - down) / (2 * h);
}

describe('differentiable Kendall tau', () => {
  test('-1 for a well-separated agreeing order, +1 reversed; ties in the targets are skipped', () => {
    expect(diffKendallLoss([10, 20, 30], [1, 2, 3], 5).loss).toBeCloseTo(-1, 10);
    expect(diffKendallLoss([30, 20, 10], [1, 2, 3], 5).loss).toBeCloseTo(1, 10);
    expect(diffKendallLoss([1, 2], [5, 5]).loss).toBe(0);
  });

  test('gradient equals finite differences', () => {
    const scores = [0.3, -0.2, 0.9, 0.1, 0.5];
    const targets = [1, 3, 2, 2, 5];
    const { grad } = diffKendallLoss(scores, targets, 1.7);
    for (let i = 0; i < scores.length; i++) {
      expect(grad[i]).toBeCloseTo(
        numeric(() => diffKendallLoss(scores, targets, 1.7).loss, scores, i),
        7,
      );
    }
  });
});

describe('Bayesian MLP', () => {
  const x = [
    [0.5, -1, 2],
    [1.5, 0.2, -0.3],
    [-0.7, 0.4, 0.1],
  ];
  const weightsOut = [[1.3], [-0.4], [0.8]];
  // A loss linear in the outputs, with a fixed noise draw per forward (the same seed each time).
  const loss = (mlp: BayesianMlp) =>
    mlp.forward(x, new Rng(7)).reduce((s, y, n) => s + y[0] * weightsOut[n][0], 0);

  test('gradients of mean and spread equal finite differences; so does the KL term', () => {
    const mlp = new BayesianMlp([3, 4, 1], new Rng(1));
    for (const layer of mlp.layers) layer.rho.fill(-1); // noise large enough to matter
    mlp.zeroGrad();
    loss(mlp);
    mlp.backward(weightsOut);
    for (const layer of mlp.layers) {
      for (const i of [0, 3, layer.mu.length - 1]) {
        expect(layer.gradMu[i]).toBeCloseTo(
          numeric(() => loss(mlp), layer.mu, i),
          5,
        );
        expect(layer.gradRho[i]).toBeCloseTo(
          numeric(() => loss(mlp), layer.rho, i),
          5,
        );
      }
    }
    const layer = new BayesianLinear(2, 2, new Rng(3));
    layer.rho.fill(-2);
    layer.zeroGrad();
    layer.kl(0.3, 1);
    const kl = () => {
      const copy = new BayesianLinear(2, 2, new Rng(3));
      copy.mu.set(layer.mu);
      copy.rho.set(layer.rho);
      return copy.kl(0.3, 1);
    };
    expect(layer.gradRho[1]).toBeCloseTo(numeric(kl, layer.rho, 1), 5);
    expect(layer.gradMu[1]).toBeCloseTo(numeric(kl, layer.mu, 1), 5);
  });

  test('without a generator the means are used: the same output every time', () => {
    const mlp = new BayesianMlp([3, 4, 1], new Rng(1));
    expect(mlp.forward(x)).toEqual(mlp.forward(x));
    expect(mlp.forward(x, new Rng(2))).not.toEqual(mlp.forward(x));
  });
});

describe('ParZC-style training', () => {
  test('learns to rank a nonlinear synthetic target from 100 rows, better than untrained; seeded', () => {
    const rng = new Rng(11);
    const rows = Array.from({ length: 600 }, () => Array.from({ length: 6 }, () => gaussian(rng)));
    const target = (r: number[]) => r[0] - r[1] * r[1] + 0.5 * Math.tanh(r[2]) + 0.1 * gaussian(rng);
    const targets = rows.map(target);
    const [train, test] = [rows.slice(0, 100), rows.slice(100)];
    const options = { hidden: [32], epochs: 200, lr: 1e-2, seed: 3 };
    const untrained = trainParzc(train, targets.slice(0, 100), { ...options, epochs: 1 });
    const trained = trainParzc(train, targets.slice(0, 100), options);
    const tauBefore = kendall(untrained.score(test), targets.slice(100));
    const tauAfter = kendall(trained.score(test), targets.slice(100));
    expect(tauAfter).toBeGreaterThan(0.6);
    expect(tauAfter).toBeGreaterThan(tauBefore + 0.2);
    expect(trainParzc(train, targets.slice(0, 100), options).score(test)).toEqual(trained.score(test));
    expectInvalid(() => trained.score([[1, 2]]), /expected 6 features, got 2/);
    expectInvalid(() => trainParzc([[1]], [1]), /at least two rows/);
  });
});

describe('NB201 per-layer features', () => {
  test('98 slots: stem, 90 cell-edge convs, 6 reduction convs, classifier', () => {
    const slots = nb201LayerSlots();
    expect(slots).toHaveLength(98);
    expect(slots.slice(0, 2)).toEqual(['stem.0', 'cells.0.edges.0.conv']);
    expect(slots).toContain('cells.5.downsample');
    expect(slots).toContain('cells.16.edges.5.conv');
    expect(slots[97]).toBe('classifier');
  });

  test('natively scored networks fill exactly the slots of their convs', async () => {
    const study = await runNb201ProxyStudy(
      { proxies: ['synflow', 'params'], indices: [0, 6111], keepLayers: true, threads: 1 },
      null,
    );
    const slots = nb201LayerSlots();
    for (const arch of study.archs) {
      const features = nb201LayerFeatures(arch, ['synflow', 'params'], slots);
      expect(features).toHaveLength(2 * 98 + 2);
      // params slots: non-zero where the cell has a conv on that edge.
      const cell = parseNb201Cell(nb201ArchString(arch.index));
      slots.forEach((slot, s) => {
        const edge = /^cells\.\d+\.edges\.(\d)\.conv$/.exec(slot);
        const present = !edge || cell[Number(edge[1])].startsWith('nor_conv');
        expect(features[98 + s] !== 0).toBe(present);
      });
    }
    expectInvalid(() => nb201LayerFeatures(study.archs[0], ['snip'], slots), /no per-layer 'snip' scores/);
    expectInvalid(
      () => nb201LayerFeatures(study.archs[0], ['params'], ['stem.0', 'head']),
      /not NB201 conv\/linear modules/,
    );
  });
});
