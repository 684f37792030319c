// An AbortSignal stops every method's run inside an epoch: the call rejects with E_ABORTED, the last
// committed epoch stands, and rerunning ends exactly where the uninterrupted run ends.
import * as fs from 'fs';
import * as path from 'path';
import {
  gmNas,
  proxyless,
  searchDarts,
  searchEntranNas,
  searchPinas,
  searchFbnetv5,
  train,
  trainSupernet,
  parseChainSpace,
} from '../../lib';
import type { RunControl } from '../../lib/run/run-method';
import { FASHION_DIR, tempDir, TINY_ARCH, tinySpaceDescription } from '../helpers/fixtures';

type Method = (options: object, onStep: (epoch: number) => void, control?: RunControl) => Promise<unknown>;

const step = (onStep: (epoch: number) => void) => (e: { type: string; epoch?: number }) => {
  if (e.type === 'step') onStep(e.epoch!);
};

// Each method, small, with 2 epochs of at least 4 steps and a progress event at every step.
const METHODS: [string, Method][] = [
  [
    'train',
    (o, on, c) =>
      train(
        { ...o, arch: TINY_ARCH, epochs: 2, limitTrain: 256, batchSize: 32, progressEvery: 1 },
        step(on),
        c,
      ),
  ],
  [
    'proxyless',
    (o, on, c) =>
      proxyless(
        {
          ...o,
          space: parseChainSpace(tinySpaceDescription()),
          epochs: 2,
          warmupEpochs: 1,
          limitTrain: 160,
          latencyLoss: 'none',
        },
        step(on),
        c,
      ),
  ],
  [
    'trainSupernet',
    (o, on, c) =>
      trainSupernet({ ...o, sampler: 'sandwich', epochs: 2, limitTrain: 160, calibBatches: 1 }, step(on), c),
  ],
  [
    'gmNas',
    (o, on, c) =>
      gmNas(
        {
          ...o,
          channels: 4,
          cells: 1,
          epochs: 2,
          splitEpochs: [1],
          limitTrain: 160,
          evalImages: 64,
          samples: 2,
          repeats: 2,
        },
        step(on),
        c,
      ),
  ],
  [
    'searchDarts',
    (o, on, c) =>
      searchDarts(
        { ...o, order: 2, channels: 4, cells: 1, epochs: 2, limitTrain: 160, progressEvery: 1 },
        step(on),
        c,
      ),
  ],
  [
    'searchEntranNas',
    (o, on, c) =>
      searchEntranNas(
        { ...o, channels: 4, cells: 2, epochs: 2, limitTrain: 160, progressEvery: 1 },
        step(on),
        c,
      ),
  ],
  [
    'searchPinas',
    (o, on, c) =>
      searchPinas(
        {
          ...o,
          channels: 4,
          epochs: 2,
          limitTrain: 160,
          queueSize: 64,
          candidates: 3,
          scoreImages: 32,
          progressEvery: 1,
        },
        step(on),
        c,
      ),
  ],
  [
    'searchFbnetv5',
    (o, on, c) =>
      searchFbnetv5(
        {
          ...o,
          space: { imageSize: 32, widths: [4, 8], stages: 1, depth: 2, expand: 2, headWidth: 8 },
          canvas: { size: 32, minSide: 8, maxSide: 16 },
          trainCanvases: 64,
          testCanvases: 32,
          limitTrain: 300,
          epochs: 2,
          warmupEpochs: 1,
          progressEvery: 1,
          dataDir: FASHION_DIR,
        },
        { onProgress: (epoch) => on(epoch - 1) },
        c,
      ),
  ],
];

/** A run's history without its timings, which differ between any two runs. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value === null || typeof value !== 'object') return value;
  const timing = new Set(['seconds', 'imagesPerSecond']);
  return Object.fromEntries(
    Object.entries(value).flatMap(([k, v]) => (timing.has(k) ? [] : [[k, withoutTimings(v)]])),
  );
}

const epochsDone = (runDir: string) =>
  JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')).epochsDone as number;

describe.each(METHODS)('aborting %s', (_name, run) => {
  test('inside its second epoch rejects with E_ABORTED, and the rerun ends where an uninterrupted run ends', async () => {
    const base = tempDir('torchnas-abort-');
    const common = { threads: 1, seed: 3, batchSize: 16 };
    try {
      const straight = (await run({ ...common, runDir: path.join(base, 'straight') }, () => {})) as {
        history: unknown[];
      };

      const runDir = path.join(base, 'aborted');
      const controller = new AbortController();
      let abortedIn: number | undefined;
      const aborted = run(
        { ...common, runDir },
        (epoch) => {
          if (epoch === 1 && abortedIn === undefined) {
            abortedIn = epoch;
            controller.abort();
          }
        },
        { signal: controller.signal },
      );
      await expect(aborted).rejects.toMatchObject({
        code: 'E_ABORTED',
        message: expect.stringMatching(/resume/),
      });
      expect(abortedIn).toBe(1);
      expect(epochsDone(runDir)).toBe(1); // the second epoch stopped before it committed
      expect(fs.existsSync(path.join(runDir, 'summary.json'))).toBe(false);

      const resumed = (await run({ ...common, runDir }, () => {})) as { history: unknown[] };
      expect(resumed.history).toHaveLength(2);
      expect(withoutTimings(resumed.history)).toEqual(withoutTimings(straight.history));
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  }, 300_000);
});

test('a signal aborted before the call starts nothing', async () => {
  const runDir = path.join(tempDir('torchnas-abort-'), 'run');
  const controller = new AbortController();
  controller.abort();
  await expect(
    train({ arch: TINY_ARCH, runDir }, undefined, { signal: controller.signal }),
  ).rejects.toMatchObject({
    code: 'E_ABORTED',
  });
  expect(fs.existsSync(runDir)).toBe(false);
});

test('an abort while the run opens (before any native work) stops before run.json is written', async () => {
  const runDir = path.join(tempDir('torchnas-abort-'), 'run');
  // A signal that turns aborted once the skeleton has read it once (the check before the lock).
  let reads = 0;
  const signal = {
    get aborted() {
      return reads++ > 0;
    },
    addEventListener: () => {},
    removeEventListener: () => {},
  } as unknown as AbortSignal;
  await expect(
    train({ arch: TINY_ARCH, epochs: 1, limitTrain: 64, batchSize: 32, threads: 1, runDir }, undefined, {
      signal,
    }),
  ).rejects.toMatchObject({ code: 'E_ABORTED' });
  expect(fs.existsSync(path.join(runDir, 'run.json'))).toBe(false);
});

test("an abort during a search's retraining stops it too, and the rerun finishes the retraining", async () => {
  const runDir = path.join(tempDir('torchnas-abort-'), 'search');
  const options = {
    space: parseChainSpace(tinySpaceDescription()),
    epochs: 1,
    warmupEpochs: 0,
    limitTrain: 128,
    latencyLoss: 'none' as const,
    retrainEpochs: 2,
    threads: 1,
    batchSize: 32,
    runDir,
  };
  const controller = new AbortController();
  const aborted = proxyless(
    options,
    (e) => {
      if (e.type === 'retrain' && e.event.type === 'epoch') controller.abort();
    },
    { signal: controller.signal },
  );
  await expect(aborted).rejects.toMatchObject({ code: 'E_ABORTED' });
  expect(fs.existsSync(path.join(runDir, 'summary.json'))).toBe(false);
  const resumed = await proxyless(options);
  expect(resumed.retrain?.history).toHaveLength(2);
});
