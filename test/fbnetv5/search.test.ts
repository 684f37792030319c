import * as fs from 'fs';
import * as path from 'path';
import { info, loadDataset } from '../../lib';
import {
  MultitaskNet,
  resolveCanvasOptions,
  resolveMultiresSpace,
  retrainTask,
  searchFbnetv5,
  taskMacs,
  trunkMacs,
  headMacs,
  matchedRandomMasks,
  blockCount,
  readDerivedArchitecture,
  type CanvasSplit,
} from '../../lib/fbnetv5';
import { callNative } from '../../lib/errors';
import { nativeMultiresSpec } from '../../lib/spaces/multires/multires-space';
import { Session } from '../../lib/train/session';
import { tempDir, FASHION_DIR } from '../helpers/fixtures';

const space = resolveMultiresSpace({
  imageSize: 32,
  widths: [4, 8, 16],
  stages: 1,
  depth: 2,
  expand: 2,
  headWidth: 8,
});
const canvas = resolveCanvasOptions({ size: 32, minSide: 8, maxSide: 16 });
let train: CanvasSplit;
let testSplit: CanvasSplit;
beforeAll(async () => {
  const items = (await loadDataset('fashion-mnist', 'test')).subset(600, 1);
  train = { items, canvas, count: 96, seed: 1 };
  testSplit = { items, canvas, count: 48, seed: 2 };
});

const tasks = ['cls', 'seg', 'det'] as const;
const make = (options: Partial<Parameters<typeof MultitaskNet.open>[0]> = {}) =>
  MultitaskNet.open({
    space,
    tasks: [...tasks],
    mode: 'importance',
    lr: 0.05,
    totalSteps: 24,
    seed: 4,
    threads: 1,
    warmupSteps: 3,
    ...options,
  });

describe('FBNetV5 search step', () => {
  test('resume is exact: one run of two epochs equals one epoch, a checkpoint, a new object and one more', async () => {
    const whole = await make();
    await whole.trainEpoch(train, 16, 0);
    const end = await whole.trainEpoch(train, 16, 1);
    const stateA = await whole.stateTensors();
    await whole.close();
    const dir = tempDir();
    const first = await make();
    await first.trainEpoch(train, 16, 0);
    await first.saveCheckpoint(path.join(dir, 'c.pt'));
    await first.close();
    const second = await make();
    expect((await second.loadCheckpoint(path.join(dir, 'c.pt'))).globalStep).toBe(6);
    const resumed = await second.trainEpoch(train, 16, 1);
    const stateB = await second.stateTensors();
    await second.close();
    // Without the checkpoint the same epoch goes elsewhere: the comparison below can fail.
    const fresh = await make();
    const unresumed = await fresh.trainEpoch(train, 16, 1);
    await fresh.close();
    expect(unresumed.loss).not.toEqual(end.loss);
    expect(resumed.probabilities).toEqual(end.probabilities);
    expect(resumed.loss).toEqual(end.loss);
    for (const [name, t] of Object.entries(stateA)) expect(Array.from(stateB[name])).toEqual(Array.from(t));
    // The search did move the distributions after the warm-up steps.
    expect(end.probabilities.flat().some((p) => Math.abs(p - 0.5) > 1e-3)).toBe(true);
  });

  test('a checkpoint of another task list, or none, is a typed error', async () => {
    const dir = tempDir();
    const three = await make();
    await three.saveCheckpoint(path.join(dir, 'three.pt'));
    await three.close();
    const one = await make({ tasks: ['cls'] });
    await expect(one.loadCheckpoint(path.join(dir, 'three.pt'))).rejects.toMatchObject({ code: 'E_DATA' });
    await expect(one.loadCheckpoint(path.join(dir, 'three.pt'))).rejects.toThrow(
      /cannot be loaded into this network/,
    );
    await expect(one.loadCheckpoint(path.join(dir, 'none.pt'))).rejects.toMatchObject({ code: 'E_IO' });
    await one.close();
  });

  test('the multitask network is refused on a session it cannot honour, with what to change', async () => {
    const session = new Session({ device: 'cpu', precision: 'fp64', threads: 1 });
    const net = await make();
    const spec = {
      space: nativeMultiresSpec(space),
      tasks: [...tasks],
      taskWeights: [1, 1, 1],
      blockMacs: Array(blockCount(space)).fill(1),
      fixedMacs: [1, 1, 1],
      targetMacs: [0, 0, 0],
    };
    await expect(session.native.buildMultitask(spec)).rejects.toThrow(/CPU in float32.*precision 'fp32'/);
    await session.close();
    // A multitask checkpoint restores the keep-probabilities, and a session whose model is no multitask
    // network says which call it lacks.
    const dir = tempDir();
    await net.setLogits(tasks.map(() => Array(blockCount(space)).fill(2)));
    await net.saveCheckpoint(path.join(dir, 'c.pt'));
    await net.setLogits(tasks.map(() => Array(blockCount(space)).fill(0)));
    await net.loadCheckpoint(path.join(dir, 'c.pt'));
    for (const row of await net.probabilities())
      for (const p of row) expect(p).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    await net.close();
    const plain = new Session({ device: 'cpu', threads: 1 });
    await expect(callNative(() => plain.native.keepProbabilities())).rejects.toMatchObject({
      code: 'E_STATE',
      message: expect.stringMatching(/buildMultitask/),
    });
    await plain.close();
  });

  test("a MACs target below every mask pushes every task's keep-probabilities down", async () => {
    const net = await make({
      warmupSteps: 0,
      costWeight: 20,
      archLr: 0.3,
      targetMacs: tasks.map((t) => trunkMacs(space) + headMacs(space, t)),
    });
    let last;
    for (let epoch = 0; epoch < 4; epoch++) last = await net.trainEpoch(train, 16, epoch);
    await net.close();
    for (const row of last!.probabilities)
      expect(row.reduce((a, b) => a + b, 0) / row.length).toBeLessThan(0.4);
  });

  test('the naive mode trains every task with its own mask; every loss is finite and falls', async () => {
    const net = await make({ mode: 'naive', warmupSteps: 0 });
    const first = await net.trainEpoch(train, 16, 0);
    let last = first;
    for (let epoch = 1; epoch < 4; epoch++) last = await net.trainEpoch(train, 16, epoch);
    await net.close();
    expect(last.loss.every(Number.isFinite)).toBe(true);
    expect(last.loss.reduce((a, b) => a + b)).toBeLessThan(first.loss.reduce((a, b) => a + b));
  });

  test('a derived network retrains alone on its task; random masks match its MACs', async () => {
    const keep = [true, false, true, true, false, true];
    const top1 = await retrainTask(
      space,
      'cls',
      keep,
      { epochs: 1, batchSize: 16, lr: 0.05, seed: 0, threads: 1 },
      { train, test: testSplit },
    );
    expect(top1).toBeGreaterThanOrEqual(0);
    expect(top1).toBeLessThanOrEqual(100);
    const macs = taskMacs(space, 'seg', keep);
    const random = matchedRandomMasks(space, 'seg', macs, 3, 5, 0.05, [keep]);
    expect(random).toHaveLength(3);
    for (const m of random) {
      expect(Math.abs(taskMacs(space, 'seg', m) - macs) / macs).toBeLessThanOrEqual(0.05);
      expect(m).not.toEqual(keep);
    }
    expect(blockCount(space)).toBe(6);
  });
});

describe('torchnas search fbnetv5 runs', () => {
  const small = {
    space: { imageSize: 32, widths: [4, 8], stages: 1, depth: 2, expand: 2, headWidth: 8 },
    canvas: { size: 32, minSide: 8, maxSide: 16 },
    trainCanvases: 64,
    testCanvases: 32,
    limitTrain: 300,
    batchSize: 16,
    epochs: 2,
    warmupEpochs: 1,
    threads: 1,
    dataDir: FASHION_DIR,
  };

  test('refuses run fields the multitask network cannot honour, before the run folder exists', async () => {
    const runDir = path.join(tempDir(), 'run');
    await expect(searchFbnetv5({ ...small, precision: 'bf16', runDir })).rejects.toThrow(
      /runs on the CPU in fp32, in one process with whole batches: precision "bf16" cannot be honoured/,
    );
    // --device cuda: no CUDA is E_NO_CUDA (never a CPU run); with CUDA, refused as not honoured.
    const cuda = info().cudaAvailable;
    await expect(searchFbnetv5({ ...small, device: 'cuda', runDir })).rejects.toMatchObject({
      code: cuda ? 'E_INVALID_ARGUMENT' : 'E_NO_CUDA',
      options: expect.arrayContaining(['device']),
    });
    await expect(searchFbnetv5({ ...small, microBatches: 2, runDir })).rejects.toThrow(
      /microBatches 2 cannot be honoured/,
    );
    expect(fs.existsSync(runDir)).toBe(false);
  });

  test('commits each epoch, derives one network per task, and resumes when extended', async () => {
    const runDir = path.join(tempDir(), 'run');
    const result = await searchFbnetv5({ ...small, tasks: ['cls', 'det'], runDir });
    expect(result.history.map((r) => r.searching)).toEqual([false, true]);
    expect(result.derived.map((d) => d.task)).toEqual(['cls', 'det']);
    const det = readDerivedArchitecture(runDir, 'det');
    expect(det.keep).toEqual(result.derived[1].keep);
    expect(det.macs).toBe(taskMacs(result.space, 'det', det.keep));
    expect(() => readDerivedArchitecture(runDir, 'seg')).toThrow(
      /task 'seg' was not searched in run .* \(searched: cls, det\): .* --tasks cls,det,seg/,
    );
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')).epochsDone).toBe(2);
    const extended = await searchFbnetv5({ ...small, tasks: ['cls', 'det'], epochs: 3, runDir });
    expect(extended.history).toHaveLength(3);
    expect(extended.history.slice(0, 2)).toEqual(result.history);
    await expect(
      searchFbnetv5({ ...small, tasks: ['cls', 'det'], epochs: 3, archLr: 0.5, runDir }),
    ).rejects.toThrow(/was started with other options: archLr 0.05 \(given 0.5\)/);
  });

  test('bad options are typed errors naming the option', async () => {
    await expect(searchFbnetv5({ ...small, tasks: ['cls', 'pose'] })).rejects.toThrow(
      /--tasks: unknown task 'pose'/,
    );
    await expect(searchFbnetv5({ ...small, canvas: { size: 12, maxSide: 16, minSide: 8 } })).rejects.toThrow(
      /canvas.size 12 is smaller than an item/,
    );
    await expect(searchFbnetv5({ ...small, warmupEpochs: 2 })).rejects.toThrow(
      /warmupEpochs 2 leaves no search epoch of 2/,
    );
  });
});
