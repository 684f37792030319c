// EnTranNAS's feature sharing, float64 on CPU: a supernet whose operations belong to the cells' source
// nodes equals the per-edge supernet whose edges out of one node hold that node's weights, at an
// architecture where every cell mixes several operations (logits equal; a shared weight's gradient is the
// sum of the gradients of the edges that use it); it holds three operation sets per cell, not six; and
// it is EnTranNAS's alone.
import { syntheticDataset, Session } from '../../lib';
import { buildDartsSupernet, dartsAlphas, setDartsAlphas } from '../../lib/darts/darts-session';
import { Rng } from '../../lib/util/rng';
import { largestMagnitude, maxRelativeError } from '../helpers/compare';
import { randomizeWeights } from '../helpers/random-weights';

const SIZE = { channels: 3, cells: 2, input: [1, 8, 8] as [number, number, number], classes: 4 };
const SOURCE_OF_EDGE = [0, 0, 1, 0, 1, 2]; // edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2
const EDGE_NAME = /^cells\.(\d+)\.edges\.(\d+)\.(.+)$/;

async function entranSession(featureSharing: boolean): Promise<Session> {
  const session = new Session({ device: 'cpu', precision: 'fp64', threads: 1, seed: 5 });
  await buildDartsSupernet(session, { ...SIZE, method: 'entrannas', derivation: 'sparse', featureSharing });
  await session.configureTraining({ lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0, totalSteps: 10 });
  return session;
}

/** The per-edge name's shared counterpart: the edge's source node holds its operations. */
function sharedName(name: string): string {
  const m = EDGE_NAME.exec(name);
  return m ? `cells.${m[1]}.sources.${SOURCE_OF_EDGE[Number(m[2])]}.${m[3]}` : name;
}

test('the shared supernet equals the per-edge supernet holding each source node weights on its edges', async () => {
  const shared = await entranSession(true);
  const perEdge = await entranSession(false);
  await randomizeWeights(shared, 3);
  const sharedState = await shared.stateTensors64();
  const tied: Record<string, Float64Array> = {};
  for (const name of Object.keys(await perEdge.stateTensors64())) tied[name] = sharedState[sharedName(name)];
  await perEdge.setStateTensors(tied);

  const rng = new Rng(11);
  const alphas = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => 2 * rng.next() - 1));
  const thresholds = [-1, 0, 1, -0.5, 0.5, 2];
  for (const s of [shared, perEdge]) await setDartsAlphas(s, alphas, thresholds);
  const kept = (await dartsAlphas(shared)).transitWeights.flat().filter((w) => w !== 0).length;
  expect(kept).toBeGreaterThan(6); // the cells mix several operations on some edge

  const batch = syntheticDataset({ count: 8, shape: [1, 8, 8], classes: 4, seed: 2 });
  const a = await shared.probeLoss(batch, { batchSize: 8 });
  const b = await perEdge.probeLoss(batch, { batchSize: 8 });
  expect(maxRelativeError(b.trainLogits, a.trainLogits)).toBeLessThan(1e-12);
  expect(maxRelativeError(b.evalLogits, a.evalLogits)).toBeLessThan(1e-12);
  const summed: Record<string, Float64Array> = {};
  for (const [name, grad] of Object.entries(b.gradients)) {
    const to = sharedName(name);
    summed[to] = summed[to] ? summed[to].map((v, i) => v + grad[i]) : Float64Array.from(grad);
  }
  expect(Object.keys(a.gradients).sort()).toEqual(Object.keys(summed).sort());
  // The floor: the conv biases' gradients are zero up to rounding (a non-affine BatchNorm follows them),
  // which the two orders of summation do not share.
  const floor = 1e-6 * largestMagnitude(Object.values(a.gradients));
  for (const [name, grad] of Object.entries(a.gradients))
    expect(maxRelativeError(summed[name], grad, floor)).toBeLessThan(1e-8);
  await shared.close();
  await perEdge.close();
}, 60_000);

test('a shared cell holds one set of operations per source node', async () => {
  const owners = async (featureSharing: boolean) => {
    const session = await entranSession(featureSharing);
    const names = Object.keys(await session.stateTensors64());
    await session.close();
    return new Set(names.flatMap((n) => /^cells\.(\d+)\.(edges|sources)\.(\d+)\./.exec(n)?.[0] ?? []));
  };
  const shared = await owners(true);
  const perEdge = await owners(false);
  // cells 0 1 | 2 | 3 4 | 5 | 6 7: six cells, three source nodes each against six edges.
  expect(shared.size).toBe(6 * 3);
  expect([...shared].every((n) => n.includes('.sources.'))).toBe(true);
  expect(perEdge.size).toBe(6 * 6);
});

test('feature sharing is refused for DARTS, whose edges each hold their own operations', async () => {
  const session = new Session({ device: 'cpu', threads: 1 });
  await expect(
    buildDartsSupernet(session, { ...SIZE, method: 'darts', featureSharing: true }),
  ).rejects.toThrow(/featureSharing is EnTranNAS's/);
  await session.close();
});
