// ONNX export against a real runtime: every preset, 10 random networks of each space and 10 random
// NAS-Bench-201 networks, with randomized weights and BatchNorm statistics, exported from the
// description and run in onnxruntime-node (CPU); its output equals LibTorch's eval-mode logits of the
// same batch. The folded and unfolded exports agree; the file loads in onnxruntime with no warning.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  ELASTIC_SPACES,
  exportNb201Onnx,
  exportOnnx,
  loadArchitecture,
  loadElasticSpace,
  loadSpace,
  PRESETS,
  randomChoice,
  randomSubnet,
  resolveSpace,
  deriveArchitecture,
  resolveNetwork,
  Session,
  subnetArchitecture,
  syntheticDataset,
  tensorEntries,
  type Architecture,
} from '../../lib';
import { Rng } from '../../lib/util/rng';
import { randomizeWeights } from '../helpers/random-weights';
import { tempDir } from '../helpers/fixtures';
import { buildNb201 } from '../../lib/benchmarks/nb201-session';

const BATCH = 3;

interface Network {
  build: (s: Session) => Promise<unknown>;
  onnx: (weights: Record<string, Float32Array>, foldBatchNorm: boolean) => Uint8Array;
  input: number[];
  classes: number;
}

const chain = (arch: Architecture): Network => ({
  build: (s) => s.buildNetwork(arch),
  onnx: (w, foldBatchNorm) => exportOnnx(arch, w, { foldBatchNorm }),
  input: arch.input,
  classes: arch.classes,
});

// Random NAS-Bench-201 cells in the benchmark's skeleton (C = 16, N = 5, 3x32x32), and one at an odd
// size (15x15: the reduction's ceil-mode pooling).
function nb201Networks(): [string, Network][] {
  const rng = new Rng(13);
  const ops = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
  return Array.from({ length: 10 }, (_, i) => {
    const cell = Array.from({ length: 6 }, () => ops[rng.int(ops.length)]);
    const options = {
      arch: cell,
      ...(i === 9 ? { input: [3, 15, 15] as [number, number, number], cells: 2 } : {}),
    };
    const input = options.input ?? [3, 32, 32];
    return [
      `nb201 #${i} ${cell.join(',')}`,
      {
        build: (s) => buildNb201(s, options),
        onnx: (w, foldBatchNorm) => exportNb201Onnx(options, w, { foldBatchNorm }),
        input,
        classes: 10,
      },
    ];
  });
}

function networks(): [string, Network][] {
  return [
    ...randomArchitectures().map(([name, arch]) => [name, chain(arch)] as [string, Network]),
    ...nb201Networks(),
  ];
}

function randomArchitectures(): [string, Architecture][] {
  const out: [string, Architecture][] = Object.keys(PRESETS).map((p) => [`preset ${p}`, loadArchitecture(p)]);
  const rng = new Rng(11);
  const next = () => rng.next();
  for (const [name, space] of [
    ['proxyless@64', loadSpace('proxyless', 64)],
    ['proxyless-28', loadSpace('proxyless-28')],
    ['proxyless-32', loadSpace('proxyless-32')],
  ] as const) {
    const resolved = resolveSpace(space);
    for (let i = 0; i < 10; i++)
      out.push([`${name} #${i}`, deriveArchitecture(resolved, randomChoice(resolved, next))]);
  }
  for (const name of Object.keys(ELASTIC_SPACES)) {
    const resolved = loadElasticSpace(name);
    for (let i = 0; i < 10; i++)
      out.push([`${name} #${i}`, subnetArchitecture(resolved, randomSubnet(resolved, next))]);
  }
  return out;
}

const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

interface OrtJob {
  model: string;
  input: string;
  shape: number[];
  output: string;
}

/** Runs the jobs in onnxruntime in one child process (test/helpers/ort-batch.js). */
function runInOnnxruntime(dir: string, jobs: OrtJob[]) {
  fs.writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
  return spawnSync(
    process.execPath,
    [path.join(__dirname, '..', 'helpers', 'ort-batch.js'), path.join(dir, 'jobs.json')],
    { encoding: 'utf8' },
  );
}

interface Case {
  name: string;
  reference: Float64Array;
  folded?: Float32Array;
  unfolded?: Float32Array;
}
const cases: Case[] = [];

// Every network is exported and its batch written here; one child process runs them all in onnxruntime.
beforeAll(async () => {
  const dir = tempDir('torchnas-onnx-');
  const jobs: OrtJob[] = [];
  for (const [i, [name, net]] of networks().entries()) {
    const s = new Session({ device: 'cpu', threads: 2, seed: 4, channelsLast: false });
    await net.build(s);
    await randomizeWeights(s, 5); // BatchNorm statistics far from identity, linear layers not near zero
    const weights = await s.stateTensors(); // read before the probe: its train-mode pass moves the statistics
    const data = syntheticDataset({
      count: BATCH,
      shape: net.input as [number, number, number],
      classes: net.classes,
      seed: 2,
    });
    const std = Array(net.input[0]).fill(0.25);
    const loader = {
      batchSize: BATCH,
      shuffle: false,
      augment: { mean: Array(net.input[0]).fill(0.5), std },
    };
    cases.push({ name, reference: (await s.probeLoss(data, loader)).evalLogits });
    await s.close();
    const batch = data.handle.previewBatch(loader, 0);
    const input = path.join(dir, `${i}.input`);
    fs.writeFileSync(
      input,
      Buffer.from(batch.images.buffer, batch.images.byteOffset, batch.images.byteLength),
    );
    for (const fold of [true, false]) {
      const model = path.join(dir, `${i}-${fold}.onnx`);
      fs.writeFileSync(model, net.onnx(weights, fold));
      jobs.push({ model, input, shape: batch.shape, output: path.join(dir, `${i}-${fold}.logits`) });
    }
  }
  const run = runInOnnxruntime(dir, jobs);
  if (run.status !== 0) throw new Error(`onnxruntime failed: ${run.stderr}`);
  const read = (file: string) => {
    const b = fs.readFileSync(file);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  };
  cases.forEach((c, i) => {
    c.folded = read(path.join(dir, `${i}-true.logits`));
    c.unfolded = read(path.join(dir, `${i}-false.logits`));
  });
}, 300_000);

describe('ONNX export equals LibTorch in onnxruntime', () => {
  test.each(networks().map(([name]) => [name]))('%s', (name) => {
    const c = cases.find((x) => x.name === name) as Case;
    const { reference, folded = new Float32Array(), unfolded = new Float32Array() } = c;
    const scale = Math.max(1, maxAbs(reference));
    expect(maxAbs(reference)).toBeGreaterThan(1e-3); // the comparison has something to compare
    expect(folded.length).toBe(reference.length);
    expect(maxDiff(folded, reference) / scale).toBeLessThan(1e-4);
    expect(maxDiff(unfolded, reference) / scale).toBeLessThan(1e-4);
    expect(maxDiff(folded, unfolded) / scale).toBeLessThan(1e-5);
  });
});

test('an exported file loads in onnxruntime with no warning', () => {
  const dir = tempDir('torchnas-onnx-');
  const file = path.join(dir, 'net.onnx');
  const arch = loadArchitecture('fmnist-mbconv');
  const weights = Object.fromEntries(
    tensorEntries(resolveNetwork(arch).spec).map((e) => [
      e.name,
      new Float32Array(e.shape.reduce((a, b) => a * b, 1)).fill(e.name.endsWith('running_var') ? 1 : 0.1),
    ]),
  );
  fs.writeFileSync(file, exportOnnx(arch, weights));
  const input = path.join(dir, 'input');
  fs.writeFileSync(input, Buffer.alloc(784 * 2 * 4));
  // Warnings and above (severity 2) are what onnxruntime writes to stderr; the child prints the output shape.
  const run = runInOnnxruntime(dir, [
    { model: file, input, shape: [2, 1, 28, 28], output: path.join(dir, 'logits') },
  ]);
  expect(run.status).toBe(0);
  expect(run.stdout.trim()).toBe('2x10');
  expect(run.stderr).toBe('');
});
