// `torchnas search darts` refuses what it cannot do before any work, naming the option.
import * as fs from 'fs';
import * as path from 'path';
import { dartsAlphaChart, searchDarts, searchEntranNas } from '../../lib';
import { tempDir } from '../helpers/fixtures';

test('bad DARTS options are typed errors naming the option', async () => {
  const runDir = tempDir('torchnas-darts-');
  const refused = (options: object, pattern: RegExp) =>
    expect(searchDarts({ runDir, ...options } as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(pattern),
    });
  await refused({ order: 3 }, /order/);
  await refused({ lr: 0.01, minLr: 0.1 }, /minLr must not exceed lr/);
  await refused({ archLr: -1 }, /archLr/);
  await refused({ microBatches: 2 }, /micro/i);
  const entran = (options: object, pattern: RegExp) =>
    expect(searchEntranNas({ runDir, ...options } as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(pattern),
    });
  await entran({ cells: 1 }, /cells/);
  await entran({ cells: 3, engineCells: 3 }, /cells/);
  await entran({ order: 2 }, /order/);
  await entran({ derivation: 'top', sparsity: 0.1 }, /sparsity/);
  await entran({ derivation: 'rule' }, /derivation/);
});

test('an EnTranNAS search records the weights its cells ran and the derived sub-graph', async () => {
  const runDir = tempDir('torchnas-entrannas-');
  const result = await searchEntranNas({ runDir, epochs: 1, limitTrain: 160, channels: 4, threads: 1 });
  const [record] = result.history;
  expect(record.thresholds).toHaveLength(6);
  expect(record.transitOps).toBeGreaterThanOrEqual(6);
  for (const row of record.weights) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  const kept = record.weights.flat().filter((w) => w > 0).length;
  expect(record.transitOps).toBe(kept); // the Transit-cells run the Engine-cells' surviving operations
}, 120_000);

test("the alpha chart draws each edge's softmax over the epochs", () => {
  const alphas = Array.from({ length: 6 }, (_, e) => [e, 0, 0, 0, -e]);
  const spec = dartsAlphaChart(
    [
      { epoch: 1, alphas },
      { epoch: 2, alphas },
    ],
    'DARTS',
  ) as unknown as {
    data: { values: { epoch: number; edge: string; op: string; weight: number }[] };
  };
  const values = spec.data.values;
  expect(values).toHaveLength(2 * 6 * 5);
  for (const edge of new Set(values.map((v) => v.edge))) {
    const sum = values.filter((v) => v.edge === edge && v.epoch === 1).reduce((s, v) => s + v.weight, 0);
    expect(sum).toBeCloseTo(1, 12);
  }
  const last = values.filter((v) => v.edge === 'edge 2 -> 3' && v.epoch === 1);
  expect(last.find((v) => v.op === 'none')!.weight).toBeGreaterThan(
    last.find((v) => v.op === 'avg_pool_3x3')!.weight,
  );
});

test('a search with --retrain-epochs trains the derived cell alone and tests it', async () => {
  const runDir = tempDir('torchnas-darts-');
  const result = await searchDarts({
    runDir,
    epochs: 1,
    limitTrain: 160,
    channels: 4,
    threads: 1,
    retrainEpochs: 1,
  });
  expect(result.retrain?.epochs).toBe(1);
  expect(result.retrain!.testTop1).toBeGreaterThanOrEqual(0);
  expect(result.retrain!.testTop1).toBeLessThanOrEqual(1);
  expect(result.history).toHaveLength(1);
}, 120_000);

test('an EnTranNAS run stored before featureSharing existed resumes unshared, as it ran', async () => {
  const runDir = tempDir('torchnas-entrannas-');
  const tiny = { runDir, limitTrain: 160, channels: 4, threads: 1 };
  await searchEntranNas({ ...tiny, epochs: 1, featureSharing: false });
  const runFile = path.join(runDir, 'run.json');
  const stored = JSON.parse(fs.readFileSync(runFile, 'utf8'));
  delete stored.options.featureSharing; // what such a run's run.json holds
  fs.writeFileSync(runFile, JSON.stringify(stored));
  const result = await searchEntranNas({ ...tiny, epochs: 2 });
  expect(result.history.map((r) => r.epoch)).toEqual([1, 2]);
}, 120_000);

test('a finished search given other retraining options retrains again; a search option is still refused', async () => {
  const runDir = tempDir('torchnas-darts-');
  const tiny = { runDir, epochs: 1, limitTrain: 160, channels: 4, threads: 1 };
  const searched = await searchDarts(tiny);
  expect(searched.retrain).toBeUndefined();
  const retrained = await searchDarts({ ...tiny, retrainEpochs: 1 });
  expect(retrained.retrain?.epochs).toBe(1);
  expect(retrained.derived).toBe(searched.derived);
  expect(retrained.history).toEqual(searched.history); // no epoch ran again
  const stored = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  expect(stored.options.retrainEpochs).toBe(1); // run.json says what the retraining in summary.json used
  await expect(searchDarts({ ...tiny, retrainEpochs: 1, archLr: 0.01 })).rejects.toMatchObject({
    code: 'E_INVALID_ARGUMENT',
    message: expect.stringMatching(/archLr/),
  });
}, 120_000);
