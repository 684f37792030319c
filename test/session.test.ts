import { spawnSync } from 'child_process';
import * as path from 'path';
import {
  augmentationFor,
  info,
  loadDataset,
  parseArchitecture,
  resolveNetwork,
  Session,
  TorchnasError,
  type Dataset,
} from '../lib';
import { TINY_ARCH } from './helpers/fixtures';

const cudaAvailable = info().cudaAvailable;
const aug = augmentationFor('fashion-mnist', false);
let small: Dataset;

beforeAll(async () => {
  small = (await loadDataset('fashion-mnist', 'train')).subset(512, 1);
});

function session(extra: object = {}) {
  return new Session({ device: 'cpu', threads: 2, seed: 3, ...extra });
}

describe('session basics', () => {
  test('info reports LibTorch and devices', () => {
    const i = info();
    expect(i.torchVersion).toMatch(/^\d+\.\d+/);
    expect(i.devices[0]).toMatchObject({ id: 'cpu' });
  });

  (cudaAvailable ? test.skip : test)('asking for CUDA on a machine without it is E_NO_CUDA', () => {
    for (const device of ['cuda', 'cuda:0']) {
      expect(() => new Session({ device })).toThrow(TorchnasError);
      try {
        new Session({ device });
      } catch (e) {
        // The native message names the option (not a flag): the CLI shows it as the flag typed.
        expect(e).toMatchObject({ code: 'E_NO_CUDA', options: ['device'] });
        expect((e as Error).message).toMatch(/use device cpu or auto$/);
      }
    }
    const cli = spawnSync(
      process.execPath,
      [path.join(__dirname, '..', 'bin', 'torchnas.js'), 'train', '--device', 'cuda', '--epochs', '1'],
      { encoding: 'utf8' },
    );
    expect(cli.stderr).toMatch(/use --device cpu or auto.*\[E_NO_CUDA\]/);
  });

  test('bad options are rejected in TypeScript with the option named', () => {
    expect(() => new Session({ device: 'gpu' })).toThrow(/device/);
    expect(() => new Session({ threads: 0 })).toThrow(/threads/);
    expect(() => new Session({ precision: 'fp16' as 'fp32' })).toThrow(/precision/);
    expect(() => new Session({ colour: 'red' } as object)).toThrow(/colour/);
  });

  test('native parameter counts equal the description for every op', async () => {
    const s = session();
    const arch = parseArchitecture({
      input: [3, 32, 32],
      classes: 7,
      blocks: [
        'conv_k3_s1_c16_ahswish',
        'mb_k3_s1_e1_c16',
        'mb_k5_s2_e6_c24_se0.25_aswish',
        'mb_k7_s1_e3_c24',
        'id',
        'zero_s1',
        'maxpool_k3_s2',
        'avgpool_k2_s2',
        'conv_k1_s1_c64',
        'gap',
        'drop_p0.2',
        'fc_c32',
        'fc',
      ],
    });
    const net = await s.buildNetwork(arch);
    expect(net.nativeParams).toBe(resolveNetwork(arch).params);
    await s.close();
  });

  test('training before building is E_STATE; calls after close are E_CLOSED', async () => {
    const s = session();
    await expect(s.configureTraining({ lr: 0.1, totalSteps: 10 })).rejects.toMatchObject({ code: 'E_STATE' });
    // Nesterov without momentum is refused by name before LibTorch sees it.
    await expect(s.configureTraining({ lr: 0.1, totalSteps: 10, momentum: 0 })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/nesterov.*momentum > 0/i),
    });
    await s.close();
    await expect(s.describe()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  test('calls on one session run in order', async () => {
    const s = session();
    const order: string[] = [];
    const a = s.buildNetwork(parseArchitecture(TINY_ARCH)).then(() => order.push('build'));
    const b = s.configureTraining({ lr: 0.05, totalSteps: 4 }).then(() => order.push('configure'));
    const c = s.trainEpoch(small.subset(64), { batchSize: 32, augment: aug }).then(() => order.push('train'));
    const d = s.describe().then((x) => order.push(`describe@${x.globalStep}`));
    await Promise.all([a, b, c, d]);
    expect(order).toEqual(['build', 'configure', 'train', 'describe@2']);
    await s.close();
  });

  test('memoryStats: a CPU session has no device allocator to read', async () => {
    const s = session();
    expect(await s.memoryStats({ resetPeak: true })).toEqual({
      available: false,
      allocatedBytes: 0,
      peakAllocatedBytes: 0,
      reservedBytes: 0,
      peakReservedBytes: 0,
    });
    await s.close();
  });
});

describe('training', () => {
  test('loss falls on real data; progress arrives; evaluation reports top-1 and top-5', async () => {
    const s = session();
    await s.buildNetwork(parseArchitecture(TINY_ARCH));
    await s.configureTraining({ optimizer: 'adam', lr: 0.01, totalSteps: 48, labelSmoothing: 0.1 });
    const progress: number[] = [];
    const first = await s.trainEpoch(
      small,
      { batchSize: 32, seed: 1, epoch: 0, augment: aug, progressEvery: 4 },
      (p) => progress.push(p.step),
    );
    let last = first;
    for (let epoch = 1; epoch < 3; epoch++)
      last = await s.trainEpoch(small, { batchSize: 32, seed: 1, epoch, augment: aug });
    expect(progress).toEqual([4, 8, 12, 16]);
    expect(last.loss).toBeLessThan(first.loss);
    const evalStats = await s.evaluate(small, { batchSize: 100, augment: aug });
    expect(evalStats.images).toBe(512);
    expect(evalStats.top1).toBeGreaterThan(0.3);
    expect(evalStats.top5).toBeGreaterThanOrEqual(evalStats.top1);
    await s.close();
  });

  test('a diverging run stops with E_NAN_LOSS', async () => {
    const s = session();
    await s.buildNetwork(parseArchitecture(TINY_ARCH));
    await s.configureTraining({ lr: 1e12, totalSteps: 16, momentum: 0.9 });
    await expect(
      s.trainEpoch(small, { batchSize: 32, augment: aug, progressEvery: 1 }),
    ).rejects.toMatchObject({
      code: 'E_NAN_LOSS',
      message: expect.stringMatching(/lower the learning rate/),
    });
    await s.close();
  });

  test('a dataset that does not fit the network is a clear error, not a crash', async () => {
    const s = session();
    await s.buildNetwork(parseArchitecture({ ...TINY_ARCH, input: [3, 28, 28] }));
    await s.configureTraining({ lr: 0.1, totalSteps: 1000 });
    await expect(s.trainEpoch(small, { batchSize: 32, augment: aug })).rejects.toMatchObject({
      code: 'E_TORCH',
      message: expect.stringMatching(/expected input of shape \[B, 3, H, W\]/),
    });
    await s.close();
  });

  test('the same seed gives the same weights; a throwing progress callback does not break training', async () => {
    const run = async () => {
      const s = session();
      await s.buildNetwork(parseArchitecture(TINY_ARCH));
      await s.configureTraining({ lr: 0.05, totalSteps: 8 });
      await s.trainEpoch(
        small.subset(256),
        { batchSize: 32, seed: 9, augment: augmentationFor('fashion-mnist', true), progressEvery: 1 },
        () => {
          throw new Error('callback bug');
        },
      );
      const state = await s.stateTensors();
      await s.close();
      return state;
    };
    const [a, b] = [await run(), await run()];
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const k of Object.keys(a)) expect(Array.from(a[k])).toEqual(Array.from(b[k]));
  });

  test.each([
    ['bf16 autocast', { precision: 'bf16' as const }],
    ['channels_last', { channelsLast: true }],
  ])('%s trains on CPU', async (_, extra) => {
    const s = session(extra);
    await s.buildNetwork(parseArchitecture(TINY_ARCH));
    await s.configureTraining({ lr: 0.05, totalSteps: 4 });
    const stats = await s.trainEpoch(small.subset(128), { batchSize: 32, augment: aug });
    expect(Number.isFinite(stats.loss)).toBe(true);
    expect(await s.describe()).toMatchObject(extra);
    await s.close();
  });
});

describe('memory format and operator profiles', () => {
  test("'auto' (the default) takes channels_last on a CPU for fp32 and bf16, NCHW for fp64; a choice given is kept", async () => {
    const cases: [object, boolean][] = [
      [{}, true],
      [{ precision: 'bf16' }, true],
      [{ precision: 'fp64' }, false],
      [{ channelsLast: false }, false],
      [{ channelsLast: true, precision: 'fp64' }, true],
    ];
    for (const [extra, expected] of cases) {
      const s = session(extra);
      expect({ extra, channelsLast: (await s.describe()).channelsLast }).toEqual({
        extra,
        channelsLast: expected,
      });
      await s.close();
    }
    expect(() => session({ channelsLast: 'yes' })).toThrow(/channelsLast/);
  });

  test('a profile holds the operators of the work queued between start and stop, with their calls', async () => {
    const s = session();
    await s.buildNetwork(parseArchitecture(TINY_ARCH));
    await s.configureTraining({ lr: 0.05, totalSteps: 8 });
    await expect(s.stopProfile()).rejects.toMatchObject({
      code: 'E_STATE',
      message: expect.stringMatching(/startProfile/),
    });
    await s.startProfile();
    await expect(s.startProfile()).rejects.toMatchObject({ code: 'E_STATE' });
    await s.trainEpoch(small.subset(64), { batchSize: 32, augment: aug });
    const profile = await s.stopProfile();
    const conv = profile.ops.find((o) => o.name === 'aten::conv2d');
    expect(conv?.calls).toBeGreaterThanOrEqual(2); // at least one convolution per step, 2 steps
    for (const op of profile.ops) expect(op.totalMs).toBeGreaterThanOrEqual(op.selfMs - 1e-9);
    const self = profile.ops.reduce((sum, o) => sum + o.selfMs, 0);
    expect(self).toBeLessThanOrEqual(1000 * profile.seconds * 1.05); // self times do not double count nested ops
    const ordered = profile.ops.map((o) => o.selfMs);
    expect(ordered).toEqual([...ordered].sort((a, b) => b - a));
    // Work after the stop is not recorded: a second profile of nothing holds no convolutions.
    await s.startProfile();
    expect((await s.stopProfile()).ops.find((o) => o.name === 'aten::conv2d')).toBeUndefined();
    await s.close();
  });
});

(cudaAvailable ? describe : describe.skip)('CUDA', () => {
  test('trains and evaluates on cuda with bf16 and channels_last', async () => {
    const s = new Session({ device: 'cuda', seed: 1, precision: 'bf16', channelsLast: true });
    await s.buildNetwork(parseArchitecture(TINY_ARCH));
    await s.configureTraining({ lr: 0.05, totalSteps: 16 });
    const stats = await s.trainEpoch(small, { batchSize: 32, augment: aug });
    expect(Number.isFinite(stats.loss)).toBe(true);
    expect((await s.evaluate(small, { batchSize: 128, augment: aug })).images).toBe(512);
    // The caching allocator's counters: the step held memory, and a reset peak restarts from what is held now.
    const memory = await s.memoryStats({ resetPeak: true });
    expect(memory.available).toBe(true);
    expect(memory.peakAllocatedBytes).toBeGreaterThan(0);
    expect(memory.peakAllocatedBytes).toBeGreaterThanOrEqual(memory.allocatedBytes);
    expect((await s.memoryStats()).peakAllocatedBytes).toBeLessThanOrEqual(memory.peakAllocatedBytes);
    await s.close();
  });
});
