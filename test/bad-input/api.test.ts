// Bad input through the TypeScript API: each refused with a TorchnasError whose code says what kind
// of problem it is and whose message names the option, never a TypeError or a native crash.
import * as fs from 'fs';
import * as path from 'path';
import {
  loadArchitecture,
  loadDataset,
  loadSpace,
  parseArchitecture,
  proxyless,
  resolveSpace,
  runNb201Experiment,
  Session,
  syntheticDataset,
  train,
  TorchnasError,
  type ErrorCode,
} from '../../lib';
import { tempDir, tinySpaceDescription } from '../helpers/fixtures';
import {
  archState,
  buildSupernet,
  configureSearch,
  evaluatePaths,
  reinforceUpdate,
  searchEpoch,
  setArchLogits,
} from '../../lib/proxyless/proxyless-session';

const dir = tempDir('torchnas-bad-api-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function expectCode(call: () => unknown, code: ErrorCode, message: RegExp): Promise<void> {
  let thrown: unknown;
  try {
    await call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TorchnasError);
  expect((thrown as TorchnasError).code).toBe(code);
  expect((thrown as TorchnasError).message).toMatch(message);
}

describe('options objects are strict and checked', () => {
  test.each([
    ['a misspelled search option', () => proxyless({ shufle: true } as never), /shufle/],
    ['a misspelled training option', () => train({ epochz: 2 } as never), /epochz/],
    ['a negative epoch count', () => train({ epochs: -1 }), /epochs/],
    ['a NaN learning rate', () => proxyless({ lr: NaN, latencyLoss: 'none' }), /lr/],
    ['an infinite target', () => proxyless({ target: Infinity }), /target/],
    ['a latency loss without a target', () => proxyless({ latencyLoss: 'mul#log' }), /target/],
    ['an unknown session option', () => new Session({ treads: 2 } as never), /treads/],
    ['zero threads', () => new Session({ threads: 0 }), /threads/],
    [
      'an NB201 experiment of zero runs',
      () => runNb201Experiment({ strategy: 'random', dataset: 'cifar10', runs: 0 }),
      /runs/,
    ],
    [
      'an unknown NB201 strategy',
      () => runNb201Experiment({ strategy: 'nope', dataset: 'cifar10', runs: 1 }),
      /unknown search strategy/,
    ],
    [
      'an even kernel',
      () =>
        parseArchitecture({
          name: 'n',
          input: [1, 28, 28],
          classes: 10,
          blocks: ['conv_k2_s1_c8', 'gap', 'fc'],
        }),
      /odd/,
    ],
    ['a space without edges', () => loadSpace({ ...tinySpaceDescription(), edges: [] }), /edges/],
    ['an unknown space', () => loadSpace('proxyless-29'), /neither a built-in search space/],
  ])('%s', async (_name, call, message) => {
    await expectCode(call, 'E_INVALID_ARGUMENT', message);
  });
});

describe('files', () => {
  test('an architecture path that is a folder is E_IO', async () => {
    await expectCode(() => loadArchitecture(dir), 'E_IO', /is a folder/);
  });
  test('a dataset folder without the files is E_IO', async () => {
    await expectCode(() => loadDataset('fashion-mnist', 'train', dir), 'E_IO', /not found/);
  });
  test('a truncated IDX file is E_DATA', async () => {
    const data = path.join(dir, 'truncated');
    fs.mkdirSync(data);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(100, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    fs.writeFileSync(path.join(data, 'train-images-idx3-ubyte'), header);
    fs.writeFileSync(path.join(data, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 100]));
    await expectCode(() => loadDataset('fashion-mnist', 'train', data), 'E_DATA', /.+/);
  });
  test('a damaged run state is E_DATA, and the run folder is left as it was', async () => {
    const run = path.join(dir, 'damaged-run');
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'state.json'), '{"version": 1, "epochs');
    await expectCode(
      () => train({ runDir: run, limitTrain: 64 }),
      'E_DATA',
      /run state .* is not valid JSON/,
    );
    expect(fs.readdirSync(run)).toEqual(['state.json']);
  });
  test('a checkpoint of random bytes is E_DATA', async () => {
    const s = new Session({ threads: 1 });
    try {
      await buildSupernet(s, resolveSpace(loadSpace(tinySpaceDescription())));
      await s.configureTraining({ lr: 0.1, totalSteps: 10 });
      const file = path.join(dir, 'random.pt');
      fs.writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)));
      await expectCode(() => s.loadCheckpoint(file), 'E_DATA', /.+/);
    } finally {
      await s.close();
    }
  });
});

describe('a session used wrongly', () => {
  let s: Session;
  const data = syntheticDataset({ count: 64, shape: [1, 8, 8], classes: 4, seed: 1 });
  beforeAll(async () => {
    s = new Session({ threads: 1, seed: 3 });
    await buildSupernet(s, resolveSpace(loadSpace(tinySpaceDescription())));
    await s.configureTraining({ lr: 0.05, totalSteps: 4 });
  });
  afterAll(() => s.close());

  test.each([
    [
      'a dataset that is not one',
      () => s.trainEpoch(undefined as never, { batchSize: 8 }),
      /data must be a Dataset/,
    ],
    [
      'a string for the validation set',
      () => searchEpoch(s, data, 'valid' as never, { train: { batchSize: 8 }, valid: { batchSize: 8 } }),
      /valid must be a Dataset/,
    ],
    ['NaN logits', () => setArchLogits(s, [[NaN, 0]]), /finite/],
    ['a misspelled search option', () => configureSearch(s, { latencyLos: 'none' } as never), /latencyLos/],
    ['a negative latency entry', () => configureSearch(s, { latency: [[-1, 2]] }), /latency/],
    ['a fractional candidate index', () => reinforceUpdate(s, [[1.5, 0]], [1]), /paths/],
    [
      'paths and rewards of different lengths',
      () => reinforceUpdate(s, [[1, 0]], [1, 2]),
      /1 paths but 2 rewards/,
    ],
  ])('%s is E_INVALID_ARGUMENT', async (_name, call, message) => {
    await expectCode(call, 'E_INVALID_ARGUMENT', message);
  });

  test('an epoch past the schedule is refused (E_STATE), not trained at learning rate 0', async () => {
    await expectCode(
      () => s.trainEpoch(data, { batchSize: 8 }),
      'E_STATE',
      /takes 8 steps but the schedule has 4 left/,
    );
  });

  test('training before configureTraining is E_STATE', async () => {
    const fresh = new Session({ threads: 1 });
    try {
      await buildSupernet(fresh, resolveSpace(loadSpace(tinySpaceDescription())));
      await expectCode(() => fresh.trainEpoch(data, { batchSize: 8 }), 'E_STATE', /configureTraining/);
    } finally {
      await fresh.close();
    }
  });

  test('a closed session is E_CLOSED', async () => {
    const closed = new Session({ threads: 1 });
    await closed.close();
    await expectCode(() => archState(closed), 'E_CLOSED', /.+/);
  });
});

describe('loader options are strict', () => {
  const data = syntheticDataset({ count: 16, shape: [1, 28, 28], classes: 10, seed: 2 });
  let s: Session;
  beforeAll(async () => {
    s = new Session({ threads: 1 });
    await buildSupernet(s, resolveSpace(loadSpace(tinySpaceDescription())));
    await s.configureTraining({ lr: 0.05, totalSteps: 100 });
  });
  afterAll(() => s.close());
  test.each([
    ['a misspelled loader key', () => s.trainEpoch(data, { batchSize: 8, shufle: false } as never), /shufle/],
    ['a zero batch', () => s.evaluate(data, { batchSize: 0 }), /batchSize/],
    [
      'a misspelled augment key',
      () => evaluatePaths(s, data, { batchSize: 8, augment: { flipp: true } } as never),
      /flipp/,
    ],
    [
      'a misspelled search-epoch key',
      () =>
        searchEpoch(s, data, data, {
          train: { batchSize: 8 },
          valid: { batchSize: 8 },
          archEvry: 2,
        } as never),
      /archEvry/,
    ],
  ])('%s is E_INVALID_ARGUMENT', async (_name, call, message) => {
    await expectCode(call, 'E_INVALID_ARGUMENT', message);
  });
});
