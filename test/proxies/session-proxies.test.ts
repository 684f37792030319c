// Session.zeroCostProxies on NB201 and fixed networks: the model is left as it was, results are
// seeded, and bad requests fail with the codes lib/errors.ts lists.
import {
  augmentationFor,
  loadDataset,
  parseArchitecture,
  PROXY_NAMES,
  Session,
  TorchnasError,
  type Dataset,
} from '../../lib';
import { TINY_ARCH } from '../helpers/fixtures';
import { buildNb201 } from '../../lib/benchmarks/nb201-session';
import { zeroCostProxies } from '../../lib/proxies/zero-cost-session';

// A small NB201 network (C = 4, one cell per stage) keeps every proxy fast.
const SMALL_NB201 = {
  arch: '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|',
  channels: 4,
  cells: 1,
};
const { mean, std } = augmentationFor('fashion-mnist', false);

let fashion: Dataset;
let session: Session;

beforeAll(async () => {
  fashion = (await loadDataset('fashion-mnist', 'train')).subset(64, 1);
  session = new Session({ device: 'cpu', threads: 1, seed: 2 });
});

afterAll(() => session.close());

describe('Session.zeroCostProxies', () => {
  test('every proxy on an NB201 network, on Fashion-MNIST fitted to 3x32x32; the network is left exactly as it was', async () => {
    await buildNb201(session, SMALL_NB201);
    const before = await session.stateTensors();
    const scores = await zeroCostProxies(session, fashion, {
      proxies: [...PROXY_NAMES],
      batchSize: 8,
      seed: 3,
      normalize: { mean, std },
    });
    for (const name of PROXY_NAMES) {
      expect(Number.isFinite(scores[name]!.total)).toBe(true);
      expect(scores[name]!.seconds).toBeGreaterThanOrEqual(0);
    }
    for (const name of ['grad_norm', 'snip', 'fisher', 'synflow', 'params', 'flops'] as const)
      expect(scores[name]!.total).toBeGreaterThan(0);
    // Per layer: 3 stem/reduction convs per stage boundary, the cells' convs, the classifier.
    expect(Object.keys(scores.synflow!.layers)).toContain('cells.0.edges.0.conv');
    expect(Object.keys(scores.synflow!.layers)).toContain('classifier');
    const sum = Object.values(scores.snip!.layers).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(scores.snip!.total, 6);
    const after = await session.stateTensors();
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const name of Object.keys(before)) expect(after[name]).toEqual(before[name]);
  });

  test('the same seed gives the same scores; another seed another batch', async () => {
    await buildNb201(session, SMALL_NB201);
    const run = async (seed: number) => {
      const scores = await zeroCostProxies(session, fashion, {
        proxies: ['snip', 'naswot', 'zen'],
        batchSize: 8,
        seed,
        normalize: { mean, std },
      });
      return Object.fromEntries(
        Object.entries(scores).map(([name, s]) => [name, { total: s!.total, layers: s!.layers }]),
      );
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect((await run(8)).snip.total).not.toBe(a.snip.total);
  });

  test('without a dataset, data-dependent proxies see noise and random labels', async () => {
    await buildNb201(session, SMALL_NB201);
    const scores = await zeroCostProxies(session, null, {
      proxies: ['grad_norm', 'jacob_cov'],
      batchSize: 4,
    });
    expect(scores.grad_norm!.total).toBeGreaterThan(0);
    expect(Number.isFinite(scores.jacob_cov!.total)).toBe(true);
  });

  test('training works on an NB201 network after proxies, and the network learns', async () => {
    const built = await buildNb201(session, { ...SMALL_NB201, input: [1, 28, 28] });
    expect(built.nativeParams).toBe(built.params);
    await zeroCostProxies(session, fashion, { proxies: ['synflow', 'snip'], batchSize: 8 });
    const few = fashion.subset(32);
    const aug = augmentationFor('fashion-mnist', false);
    await session.configureTraining({ optimizer: 'adam', lr: 0.01, totalSteps: 6 });
    const first = await session.evaluate(few, { batchSize: 32, augment: aug });
    for (let epoch = 0; epoch < 3; epoch++)
      await session.trainEpoch(few, { batchSize: 16, augment: aug, epoch });
    const last = await session.evaluate(few, { batchSize: 32, augment: aug });
    expect(last.loss).toBeLessThan(first.loss);
  });

  test('bad requests: no network, unknown or no proxy, a batch too small, labels beyond the classes', async () => {
    const fresh = new Session({ device: 'cpu', threads: 1 });
    await expect(zeroCostProxies(fresh, null, { proxies: ['snip'] })).rejects.toMatchObject({
      code: 'E_STATE',
    });
    await fresh.close();

    await buildNb201(session, SMALL_NB201);
    const unknown = zeroCostProxies(session, null, { proxies: ['snip', 'entropy'] });
    await expect(unknown).rejects.toBeInstanceOf(TorchnasError);
    await expect(unknown).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/unknown zero-cost proxy 'entropy' \(known: grad_norm, snip/),
    });
    await expect(zeroCostProxies(session, null, { proxies: [] })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/at least one proxy/),
    });
    await expect(
      zeroCostProxies(session, null, { proxies: ['jacob_cov'], batchSize: 1 }),
    ).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/at least 2/) });

    await session.buildNetwork(parseArchitecture({ ...TINY_ARCH, classes: 3 }));
    await expect(
      zeroCostProxies(session, fashion, { proxies: ['snip'], batchSize: 32 }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/labels up to 9 but the model only 3 classes/),
    });
  });
});
