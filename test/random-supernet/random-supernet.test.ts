// Random search on a trained supernet at a MACs target (the method built on the run skeleton alone):
// every scored subnet lies in the band, the winner is the most accurate of them and is exported as a
// standalone network with the score the supernet gave it, an aborted run resumes to the same end, and
// targets or bands it cannot serve are refused with the option named.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { augmentationFor, loadArchitecture, loadElasticSpace, randomSupernet, Session } from '../../lib';
import { openSupernetRun } from '../../lib/supernet/supernet-run';
import { parseSupernetOptions, supernetData, trainSupernet } from '../../lib/supernet/train-supernet';
import { tempDir } from '../helpers/fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
let base: string;
let supernet: string;
// Between elastic-28's smallest and largest subnets (1.95 and 22.9 M MACs on 28x28 inputs).
const TARGET = 6;
// The shared supernet: one epoch (the last test trains it on).
const SUPERNET = {
  sampler: 'sandwich',
  epochs: 1,
  limitTrain: 96,
  batchSize: 32,
  calibBatches: 1,
  threads: 2,
  seed: 4,
  progressEvery: 1000,
};

beforeAll(async () => {
  base = tempDir('torchnas-random-');
  supernet = path.join(base, 'supernet');
  await trainSupernet({ ...SUPERNET, runDir: supernet });
}, 300_000);

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const options = (runDir: string) => ({
  supernet,
  target: TARGET,
  targetTolerance: 0.1,
  epochs: 2,
  perRound: 3,
  limitValid: 128,
  threads: 2,
  seed: 1,
  runDir,
});

test('scores subnets in the band only, exports the best, and its standalone network scores the same', async () => {
  const result = await randomSupernet(options(path.join(base, 'search')));
  const scored = result.history.flatMap((r) => r.scored);
  expect(scored).toHaveLength(6);
  expect(new Set(scored.map((s) => s.subnet)).size).toBe(6);
  for (const s of scored) expect(Math.abs(s.macs / 1e6 / TARGET - 1)).toBeLessThanOrEqual(0.1);
  expect(result.best.top1).toBe(Math.max(...scored.map((s) => s.top1)));

  const run = openSupernetRun(supernet);
  const data = await supernetData(parseSupernetOptions(run.opts), loadElasticSpace(run.opts.space));
  const valid = data.valid.subset(128, 1 + 7);
  const session = new Session({ device: 'cpu', threads: 2 });
  try {
    await session.buildNetwork(loadArchitecture(path.join(result.runDir, result.best.arch)));
    await session.loadWeights(path.join(result.runDir, result.best.weights));
    const { mean, std } = augmentationFor('fashion-mnist', false);
    const alone = await session.evaluate(valid, { batchSize: run.opts.batchSize, augment: { mean, std } });
    expect(alone.top1).toBeCloseTo(result.best.top1, 6);
  } finally {
    await session.close();
  }
}, 300_000);

test('an abort inside the second round resumes to the end the uninterrupted run reaches', async () => {
  const straight = await randomSupernet(options(path.join(base, 'straight')));
  const runDir = path.join(base, 'aborted');
  const controller = new AbortController();
  const aborted = randomSupernet(
    options(runDir),
    (e) => {
      if (e.type === 'scored' && e.epoch === 1) controller.abort();
    },
    { signal: controller.signal },
  );
  await expect(aborted).rejects.toMatchObject({ code: 'E_ABORTED' });
  expect(JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8')).epochsDone).toBe(1);
  const resumed = await randomSupernet(options(runDir));
  const strip = (r: typeof straight) => r.history.map((h) => h.scored);
  expect(strip(resumed)).toEqual(strip(straight));
  expect(resumed.best.subnet).toBe(straight.best.subnet);
}, 300_000);

test('refuses a target no subnet reaches and a band too small for the rounds, naming the flag', () => {
  const cli = (...a: string[]) =>
    spawnSync(process.execPath, [CLI, 'search', 'random-supernet', '--supernet', supernet, ...a], {
      encoding: 'utf8',
    });
  const far = cli('--target', '900', '--out', path.join(base, 'far'));
  expect(far.status).not.toBe(0);
  expect(far.stderr).toMatch(/--target 900 M MACs: no subnet of 'elastic-28'.*largest/);
  expect(fs.existsSync(path.join(base, 'far'))).toBe(false);
  const narrow = cli(
    '--target',
    String(TARGET),
    '--target-tolerance',
    '0.0001',
    '--out',
    path.join(base, 'narrow'),
  );
  expect(narrow.status).not.toBe(0);
  expect(narrow.stderr).toMatch(/--target-tolerance/);
  expect(narrow.stderr).not.toMatch(/\n\s+at /); // no stack trace
});

// Last: it trains the shared supernet on.
test('a supernet trained on since the search began is refused on resume, naming --supernet', async () => {
  const runDir = path.join(base, 'pinned');
  await randomSupernet({ ...options(runDir), epochs: 1 });
  await trainSupernet({ ...SUPERNET, epochs: 2, runDir: supernet });
  await expect(randomSupernet({ ...options(runDir), epochs: 2 })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    options: ['supernet'],
    message: expect.stringMatching(/has changed since this run began/),
  });
}, 300_000);
