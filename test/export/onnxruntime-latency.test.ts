// onnxruntime as a latency target: `latency table --runtime onnxruntime` times every layer of a space
// as a one-block ONNX graph and records the runtime in the table's conditions; `latency measure` times
// whole networks; the runtime is part of what a resumed or reused table must match. onnxruntime runs
// in child processes (the CLI): inside jest's module realm it cannot create its output tensors.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  conditionDifferences,
  readLatencyTable,
  resolveSpace,
  loadSpace,
  spaceLayers,
  withProfiler,
  type LatencyConditions,
} from '../../lib';
import { tempDir } from '../helpers/fixtures';

const CLI = path.join(__dirname, '..', '..', 'bin', 'torchnas.js');
const dir = tempDir('torchnas-ort-latency-');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir });
const FAST = ['--device', 'cpu', '--threads', '1', '--warmup', '1', '--repeats', '3', '--progress', 'none'];

test('a table of every layer, measured in onnxruntime, with the runtime in its conditions', () => {
  const file = path.join(dir, 'ort.json');
  const run = cli([
    'latency',
    'table',
    '--space',
    'proxyless-28',
    '--runtime',
    'onnxruntime',
    '--batch-size',
    '2',
    ...FAST,
    '-o',
    file,
  ]);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/onnxruntime \d+\.\d+/);
  const table = readLatencyTable(file);
  expect(table.conditions.runtime).toMatch(/^onnxruntime \d+\.\d+\.\d+$/);
  expect(table.complete).toBe(true);
  const layers = spaceLayers(resolveSpace(loadSpace('proxyless-28'))).distinct;
  expect(Object.keys(table.entries).sort()).toEqual(layers.map((l) => l.key).sort());
  // Each figure is the layer's run less an identity graph's at its shape: never negative, and the
  // table as a whole costs something (a single small layer can come out at 0 under load: 3 repeats).
  for (const entry of Object.values(table.entries)) expect(entry.median).toBeGreaterThanOrEqual(0);
  expect(Object.values(table.entries).reduce((sum, e) => sum + e.median, 0)).toBeGreaterThan(0);
  // The same file cannot be resumed with LibTorch: the runtime is one of the conditions.
  const again = cli([
    'latency',
    'table',
    '--space',
    'proxyless-28',
    '--batch-size',
    '2',
    ...FAST,
    '-o',
    file,
  ]);
  expect(again.status).not.toBe(0);
  expect(again.stderr).toMatch(/runtime: onnxruntime \S+ vs libtorch/);
}, 120_000);

test('latency measure times whole networks in onnxruntime', () => {
  const run = cli([
    'latency',
    'measure',
    '--arch',
    'fmnist-mbconv',
    '--runtime',
    'onnxruntime',
    '--batch-size',
    '4',
    ...FAST,
    '--json',
  ]);
  expect(run.status).toBe(0);
  const result = JSON.parse(run.stdout);
  expect(JSON.stringify(result)).toMatch(/onnxruntime/);
}, 60_000);

test('what onnxruntime cannot time is refused by name, before loading it', async () => {
  const refused: [object, RegExp][] = [
    [{ device: 'cuda' }, /--device cpu/],
    [{ precision: 'bf16' }, /--precision/],
    [{ channelsLast: true }, /--channels-last/],
  ];
  for (const [extra, message] of refused) {
    await expect(withProfiler({ runtime: 'onnxruntime', ...extra }, async () => 0)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(message),
    });
  }
  const run = cli([
    'latency',
    'table',
    '--space',
    'proxyless-28',
    '--runtime',
    'tflite',
    '-o',
    path.join(dir, 'x.json'),
  ]);
  expect(run.status).not.toBe(0);
  expect(fs.existsSync(path.join(dir, 'x.json'))).toBe(false);
});

test('tables from before the runtime was recorded count as LibTorch ones', () => {
  const base = {
    device: 'cpu',
    deviceName: 'cpu',
    batch: 1,
    precision: 'fp32',
    channelsLast: false,
    cudnnBenchmark: false,
    foldBatchNorm: false,
    cudaGraph: false,
    threads: 1,
    timer: 'steady-clock',
    warmup: 0,
    repeats: 1,
    torchVersion: '1.13',
  } as LatencyConditions;
  expect(conditionDifferences(base, { ...base, runtime: 'libtorch' })).toEqual([]);
  expect(conditionDifferences(base, { ...base, runtime: 'onnxruntime 1.30.0' })).toEqual([
    'runtime: libtorch vs onnxruntime 1.30.0',
  ]);
});
