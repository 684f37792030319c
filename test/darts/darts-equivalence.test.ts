// DARTS's backbone, float64 on CPU: the mixed supernet at a one-hot architecture is the supernet on
// that path (itself proven equal to the NB201 network in test/gmnas), with no gradient off the path;
// the first-order architecture gradient is the derivative of the validation loss, and the second-order
// one that of the loss after the virtual weight step (finite differences over every alpha).
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
import { maxRelativeError } from '../helpers/compare';
import { randomizeWeights } from '../helpers/random-weights';

const SIZE = { channels: 3, cells: 1, input: [1, 8, 8] as [number, number, number], classes: 4 };
const data = (seed: number) => syntheticDataset({ count: 8, shape: [1, 8, 8], classes: 4, seed });

async function dartsSession(order: 1 | 2, lr: number): Promise<Session> {
  const session = new Session({ device: 'cpu', precision: 'fp64', threads: 1, seed: 5 });
  // The Hessian-vector product by differences of 1e-6 (the paper's 0.01 crosses ReLU kinks on a
  // network this small): what is checked is the estimator's formula.
  await buildDartsSupernet(session, { ...SIZE, order, hessianStep: 1e-6 });
  await randomizeWeights(session, 9);
  await session.configureTraining({ lr, momentum: 0, nesterov: false, weightDecay: 0, totalSteps: 10 });
  return session;
}

const oneHot = (path: number[]) =>
  path.map((op) => Array.from({ length: 5 }, (_, j) => (j === op ? 1000 : 0)));

test('the mixed supernet at a one-hot architecture equals the supernet on that path', async () => {
  const session = await dartsSession(1, 0.1);
  const batch = data(1);
  const state = await session.stateTensors64();
  for (const path of [
    [3, 2, 1, 4, 3, 2],
    [0, 3, 0, 1, 0, 2],
    [0, 0, 0, 0, 0, 0],
  ]) {
    await session.setStateTensors(state); // each probe's own training pass moves the running statistics
    const viaPath = await probePath(session, batch, { batchSize: 8, path });
    await session.setStateTensors(state);
    await setDartsAlphas(session, oneHot(path));
    const mixed = await session.probeLoss(batch, { batchSize: 8 });
    expect(maxRelativeError(viaPath.evalLogits, mixed.evalLogits)).toBeLessThan(1e-12);
    expect(maxRelativeError(viaPath.trainLogits, mixed.trainLogits)).toBeLessThan(1e-12);
    for (const [name, grad] of Object.entries(viaPath.gradients))
      expect(maxRelativeError(grad, mixed.gradients[name], 1e-12)).toBeLessThan(1e-10);
    // Off the path the mixture's weight is exactly 0, and so is every gradient.
    for (const [name, grad] of Object.entries(mixed.gradients))
      if (!(name in viaPath.gradients)) expect(Math.max(...Array.from(grad, Math.abs))).toBe(0);
  }
  expect((await dartsAlphas(session)).derived).toEqual([0, 0, 0, 0, 0, 0]);
  await session.close();
});

/** Central differences of `f` over every alpha. */
async function finiteDifferences(alphas: number[][], f: (a: number[][]) => Promise<number>, h = 1e-5) {
  const out: number[][] = [];
  for (let e = 0; e < alphas.length; e++) {
    out.push([]);
    for (let o = 0; o < alphas[e].length; o++) {
      const at = (d: number) => alphas.map((row, i) => row.map((v, j) => (i === e && j === o ? v + d : v)));
      out[e].push(((await f(at(h))) - (await f(at(-h)))) / (2 * h));
    }
  }
  return out;
}

test.each([1, 2] as const)(
  'the order-%i architecture gradient equals finite differences of its objective',
  async (order) => {
    // First order's objective is the validation loss at the current weights: a virtual step of 1e-12.
    const lr = order === 1 ? 1e-12 : 0.1;
    const session = await dartsSession(order, lr);
    const rng = new Rng(3);
    const alphas = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => rng.next() * 2 - 1));
    await setDartsAlphas(session, alphas);
    const train = data(2);
    const valid = data(3);
    const loader = { batchSize: 8 };
    const gradient = (await dartsArchGradient(session, train, valid, loader)).alphas.flat();
    const reference = (
      await finiteDifferences(alphas, (a) =>
        dartsUnrolledLoss(session, train, valid, { ...loader, alphas: a }),
      )
    ).flat();
    expect(maxRelativeError(reference, gradient)).toBeLessThan(1e-6);
    if (order === 2) {
      // The unrolled term matters here: the first-order gradient misses the reference by far more.
      const first = await dartsSession(1, lr);
      await setDartsAlphas(first, alphas);
      const firstOrder = (await dartsArchGradient(first, train, valid, loader)).alphas.flat();
      await first.close();
      expect(maxRelativeError(reference, firstOrder)).toBeGreaterThan(1e-2);
    }
    await session.close();
  },
  120_000,
);
