// EnTranNAS's backbone, float64 on CPU: the Engine/Transit supernet at a one-hot architecture is the
// supernet on that path (itself proven equal to the NB201 network in test/gmnas); Transit-cells running
// a derived sub-graph of several operations equal Engine-cells running the same sparse weights; with
// the 'top' derivation a Transit-cell runs only the largest alpha's operation; and the architecture
// gradient, thresholds included, is the derivative of the validation loss (finite differences).
import { syntheticDataset, Session } from '../../lib';
import {
  buildDartsSupernet,
  dartsAlphas,
  dartsArchGradient,
  dartsUnrolledLoss,
  setDartsAlphas,
} from '../../lib/darts/darts-session';
import { probePath } from '../../lib/gmnas/path-session';
import { Rng } from '../../lib/util/rng';
import { largestMagnitude, maxRelativeError } from '../helpers/compare';
import { randomizeWeights } from '../helpers/random-weights';

// Two cells per stage: cell list 0 1 | 2 (residual) | 3 4 | 5 | 6 7; cells 1, 4 and 7 are Transit-cells.
const SIZE = { channels: 3, cells: 2, input: [1, 8, 8] as [number, number, number], classes: 4 };
const TRANSIT = [1, 4, 7];
const ENGINE = [0, 3, 6];
const data = (seed: number) => syntheticDataset({ count: 8, shape: [1, 8, 8], classes: 4, seed });

// Per-edge operations unless `featureSharing` (test/darts/feature-sharing proves the shared cell equal).
async function entranSession(
  derivation: 'sparse' | 'top',
  engineCells = 1,
  lr = 0.1,
  featureSharing = false,
): Promise<Session> {
  const session = new Session({ device: 'cpu', precision: 'fp64', threads: 1, seed: 5 });
  await buildDartsSupernet(session, {
    ...SIZE,
    method: 'entrannas',
    derivation,
    engineCells,
    featureSharing,
  });
  await randomizeWeights(session, 9);
  await session.configureTraining({ lr, momentum: 0, nesterov: false, weightDecay: 0, totalSteps: 10 });
  return session;
}

const oneHot = (path: number[]) =>
  path.map((op) => Array.from({ length: 5 }, (_, j) => (j === op ? 1000 : 0)));
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const cellOf = (name: string) => Number(/^cells\.(\d+)\./.exec(name)?.[1] ?? -1);
const opOf = (name: string) => /^cells\.\d+\.edges\.(\d+)\.(\d+)\./.exec(name)?.slice(1).map(Number);

test.each([
  ['sparse', false],
  ['top', false],
  ['sparse', true],
] as const)(
  'the %s Engine/Transit supernet (features shared: %s) at a one-hot architecture equals it on that path',
  async (derivation, featureSharing) => {
    const session = await entranSession(derivation, 1, 0.1, featureSharing);
    const batch = data(1);
    const state = await session.stateTensors64();
    for (const path of [
      [3, 2, 1, 4, 3, 2],
      [0, 3, 0, 1, 0, 2],
    ]) {
      await session.setStateTensors(state);
      const viaPath = await probePath(session, batch, { batchSize: 8, path });
      await session.setStateTensors(state);
      await setDartsAlphas(session, oneHot(path));
      const arch = await dartsAlphas(session);
      expect(arch.derived).toEqual(path);
      expect(arch.transitWeights.flat().filter((w) => w !== 0)).toHaveLength(6);
      const mixed = await session.probeLoss(batch, { batchSize: 8 });
      expect(maxRelativeError(viaPath.evalLogits, mixed.evalLogits)).toBeLessThan(1e-12);
      expect(maxRelativeError(viaPath.trainLogits, mixed.trainLogits)).toBeLessThan(1e-12);
      // Shared features sum an operation's edges in another order: the conv biases' gradients, zero up to
      // rounding under a non-affine BatchNorm, are compared against the largest gradient.
      const floor = featureSharing ? 1e-6 * largestMagnitude(Object.values(viaPath.gradients)) : 1e-12;
      for (const [name, grad] of Object.entries(viaPath.gradients))
        expect(maxRelativeError(grad, mixed.gradients[name], floor)).toBeLessThan(
          featureSharing ? 1e-8 : 1e-10,
        );
      for (const [name, grad] of Object.entries(mixed.gradients))
        if (!(name in viaPath.gradients)) expect(maxAbs(grad)).toBe(0);
    }
    await session.close();
  },
  60_000,
);

test('Transit-cells running a sub-graph of several operations equal Engine-cells running its weights', async () => {
  const transit = await entranSession('sparse', 1);
  const allEngine = await entranSession('sparse', 2); // every cell an Engine-cell: the reference
  const rng = new Rng(4);
  const alphas = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => 2 * rng.next() - 1));
  const thresholds = [-1, 0, 1, -0.5, 0.5, 2];
  for (const s of [transit, allEngine]) await setDartsAlphas(s, alphas, thresholds);
  const arch = await dartsAlphas(transit);
  const kept = arch.transitWeights.flat().filter((w) => w !== 0).length;
  expect(kept).toBeGreaterThan(6); // some edge runs more than one operation
  expect(kept).toBeLessThan(30); // and some operation is pruned
  expect(arch.transitWeights).toEqual(arch.engineWeights);
  for (const row of arch.engineWeights) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  const batch = data(2);
  const a = await transit.probeLoss(batch, { batchSize: 8 });
  const b = await allEngine.probeLoss(batch, { batchSize: 8 });
  expect(maxRelativeError(b.trainLogits, a.trainLogits)).toBeLessThan(1e-12);
  let notRun = 0; // pruned operations of the Transit-cells: never run, so no gradient at all
  for (const [name, grad] of Object.entries(b.gradients)) {
    if (name in a.gradients) expect(maxRelativeError(grad, a.gradients[name], 1e-12)).toBeLessThan(1e-10);
    else {
      expect(TRANSIT).toContain(cellOf(name));
      expect(maxAbs(grad)).toBe(0);
      notRun++;
    }
  }
  expect(notRun).toBeGreaterThan(0);
  await transit.close();
  await allEngine.close();
});

test("with the 'top' derivation a Transit-cell runs only the largest alpha's operation", async () => {
  const session = await entranSession('top');
  const rng = new Rng(6);
  const alphas = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => 2 * rng.next() - 1));
  await setDartsAlphas(session, alphas);
  const { derived, engineWeights } = await dartsAlphas(session);
  expect(engineWeights.flat().every((w) => w > 0)).toBe(true); // the Engine-cells mix everything
  const probe = await session.probeLoss(data(3), { batchSize: 8 });
  let engineOffPath = 0;
  for (const [name, grad] of Object.entries(probe.gradients)) {
    const op = opOf(name);
    if (!op || op[1] === derived[op[0]]) continue;
    if (TRANSIT.includes(cellOf(name))) expect(maxAbs(grad)).toBe(0);
    if (ENGINE.includes(cellOf(name))) engineOffPath = Math.max(engineOffPath, maxAbs(grad));
  }
  expect(engineOffPath).toBeGreaterThan(0);
  await session.close();
});

test('the sparse architecture gradient, thresholds included, equals finite differences', async () => {
  const session = await entranSession('sparse', 1, 1e-12); // a virtual step of 1e-12: the plain loss
  const rng = new Rng(8);
  const alphas = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => 2 * rng.next() - 1));
  const thresholds = [-1, 0, 1, -0.5, 0.5, 0.2];
  await setDartsAlphas(session, alphas, thresholds);
  const train = data(4);
  const valid = data(5);
  const loader = { batchSize: 8 };
  const gradient = await dartsArchGradient(session, train, valid, loader);
  const loss = (a: number[][], t: number[]) =>
    dartsUnrolledLoss(session, train, valid, { ...loader, alphas: a, thresholds: t });
  const h = 1e-6;
  const fdAlphas: number[] = [];
  for (let e = 0; e < 6; e++)
    for (let o = 0; o < 5; o++) {
      const at = (d: number) => alphas.map((row, i) => row.map((v, j) => (i === e && j === o ? v + d : v)));
      fdAlphas.push(((await loss(at(h), thresholds)) - (await loss(at(-h), thresholds))) / (2 * h));
    }
  const fdThresholds: number[] = [];
  for (let e = 0; e < 6; e++) {
    const at = (d: number) => thresholds.map((v, i) => (i === e ? v + d : v));
    fdThresholds.push(((await loss(alphas, at(h))) - (await loss(alphas, at(-h)))) / (2 * h));
  }
  expect(maxRelativeError(fdAlphas, gradient.alphas.flat())).toBeLessThan(1e-5);
  expect(maxRelativeError(fdThresholds, gradient.thresholds)).toBeLessThan(1e-5);
  expect(maxAbs(gradient.thresholds)).toBeGreaterThan(0);
  await session.close();
}, 120_000);
