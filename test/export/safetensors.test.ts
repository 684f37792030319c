// safetensors: a round trip through the file gives back every tensor exactly and loads into a fresh
// network that computes what the original did; `torchnas export` from a run folder; bad input is a
// typed error that leaves no file behind.
import * as fs from 'fs';
import * as path from 'path';
import {
  exportNetwork,
  exportOnnx,
  exportSafetensors,
  loadArchitecture,
  readSafetensors,
  safetensorsBytes,
  Session,
  syntheticDataset,
  train,
  TorchnasError,
} from '../../lib';
import { loadInitWeights } from '../../lib/export/safetensors-init';
import { networkOfRun, readNetworkWeights } from '../../lib/export/export-network';
import { randomizeWeights } from '../helpers/random-weights';
import { tempDir } from '../helpers/fixtures';

const arch = loadArchitecture('fmnist-mbconv');
const dir = tempDir('torchnas-export-');
const data = syntheticDataset({ count: 4, shape: [1, 28, 28], classes: 10, seed: 3 });
const loader = { batchSize: 4, shuffle: false, augment: { mean: [0.5], std: [0.25] } };

async function randomNetwork(seed: number) {
  const s = new Session({ device: 'cpu', threads: 2, seed, channelsLast: false });
  await s.buildNetwork(arch);
  await randomizeWeights(s, seed);
  return s;
}

test('a safetensors round trip gives back every tensor and the same network', async () => {
  const s = await randomNetwork(3);
  const weights = await s.stateTensors();
  const before = (await s.probeLoss(data, loader)).evalLogits;
  await s.close();
  const { tensors, metadata } = readSafetensors(exportSafetensors(arch, weights));
  expect(JSON.parse(metadata.arch)).toEqual(arch);
  expect(JSON.parse(metadata.spec).blocks).toHaveLength(arch.blocks.length);
  expect(Object.keys(tensors)).toHaveLength(Object.keys(weights).length);
  expect(tensors['0.conv.weight'].shape).toEqual([32, 1, 3, 3]); // PyTorch's layout, without the addon's 'body.' prefix
  expect(tensors['0.bn.num_batches_tracked'].dtype).toBe('I64');
  const restored: Record<string, Float64Array> = {};
  for (const [name, t] of Object.entries(tensors)) {
    expect({ name, same: Array.from(t.values).every((v, i) => v === weights[`body.${name}`][i]) }).toEqual({
      name,
      same: true,
    });
    restored[`body.${name}`] = t.values;
  }
  const fresh = await randomNetwork(9); // other weights until the file's are set
  await fresh.setStateTensors(restored);
  const after = (await fresh.probeLoss(data, loader)).evalLogits;
  await fresh.close();
  expect(Array.from(after)).toEqual(Array.from(before));
});

test('a damaged safetensors file is E_DATA', async () => {
  const s = await randomNetwork(2);
  const good = exportSafetensors(arch, await s.stateTensors());
  await s.close();
  const brokenHeader = Uint8Array.from([...good.subarray(0, 8), ...Buffer.from('{"a":')]);
  for (const bad of [good.subarray(0, 4), good.subarray(0, good.length - 4), brokenHeader]) {
    expect(() => readSafetensors(bad, 'net.safetensors')).toThrow(
      expect.objectContaining({ code: 'E_DATA', message: expect.stringMatching(/net.safetensors/) }),
    );
  }
});

describe('torchnas export from a run folder', () => {
  let runDir: string;
  beforeAll(async () => {
    runDir = path.join(dir, 'run');
    await train({
      arch: 'fmnist-mbconv',
      epochs: 1,
      limitTrain: 128,
      limitEval: 64,
      batchSize: 32,
      runDir,
      threads: 2,
    });
  }, 120_000);

  test("writes ONNX and safetensors of the run's trained weights", async () => {
    const onnx = await exportNetwork({ run: runDir, format: 'onnx', out: path.join(dir, 'net.onnx') });
    expect(onnx).toMatchObject({ format: 'onnx', opset: 17, arch: 'fmnist-mbconv' });
    expect(fs.statSync(onnx.file).size).toBe(onnx.bytes);
    const st = await exportNetwork({
      run: runDir,
      format: 'safetensors',
      out: path.join(dir, 'net.safetensors'),
    });
    const { tensors } = readSafetensors(fs.readFileSync(st.file));
    expect(tensors['0.bn.num_batches_tracked'].values[0]).toBeGreaterThan(0); // the trained weights, not initial ones
  });

  test('train --init reads the exported safetensors: the network starts from exactly those weights', async () => {
    const file = path.join(dir, 'init.safetensors');
    await exportNetwork({ run: runDir, format: 'safetensors', out: file });
    const trained = await readNetworkWeights(networkOfRun(runDir));
    const s = await randomNetwork(5);
    try {
      await loadInitWeights(s, file, arch);
      const loaded = await s.stateTensors();
      const differing = Object.keys(trained).filter((k) => trained[k].some((v, i) => v !== loaded[k][i]));
      expect(differing).toEqual([]);
    } finally {
      await s.close();
    }
    // A whole run from it: one more epoch, resumable like any other.
    const tuned = await train({
      arch: 'fmnist-mbconv',
      init: file,
      epochs: 1,
      limitTrain: 128,
      limitEval: 64,
      batchSize: 32,
      runDir: path.join(dir, 'tuned'),
      threads: 2,
    });
    expect(tuned.history).toHaveLength(1);
  }, 120_000);

  test('a safetensors file of another network is E_DATA naming init and what does not fit', async () => {
    const other = path.join(dir, 'other.safetensors');
    const cnn = loadArchitecture('fmnist-cnn');
    const s = new Session({ device: 'cpu', threads: 1 });
    await s.buildNetwork(cnn);
    fs.writeFileSync(other, exportSafetensors(cnn, await s.stateTensors()));
    await s.close();
    const fresh = await randomNetwork(6);
    try {
      await expect(loadInitWeights(fresh, other, arch)).rejects.toMatchObject({
        code: 'E_DATA',
        options: ['init'],
        message: expect.stringMatching(/init '.*other.safetensors' does not fit this network \(missing /),
      });
      // The same numbers in another shape (a transposed tensor) do not fit either.
      const own = readSafetensors(exportSafetensors(arch, await fresh.stateTensors())).tensors;
      const named = Object.fromEntries(
        Object.entries(own).map(([k, t]) => [k, { ...t, dtype: t.dtype as 'F32' | 'I64' }]),
      );
      named['0.conv.weight'] = { ...named['0.conv.weight'], shape: [1, 32, 3, 3] };
      const transposed = path.join(dir, 'transposed.safetensors');
      fs.writeFileSync(transposed, safetensorsBytes(named));
      await expect(loadInitWeights(fresh, transposed, arch)).rejects.toMatchObject({
        code: 'E_DATA',
        message: expect.stringMatching(/of another shape 0\.conv\.weight\)/),
      });
      await expect(loadInitWeights(fresh, path.join(dir, 'none.safetensors'), arch)).rejects.toMatchObject({
        code: 'E_IO',
      });
    } finally {
      await fresh.close();
    }
  });

  test('bad input is a typed error and leaves no file behind', async () => {
    const out = path.join(dir, 'bad.onnx');
    const cases: [Promise<unknown>, string, RegExp][] = [
      [
        exportNetwork({ run: path.join(dir, 'none'), format: 'onnx', out }),
        'E_IO',
        /--run .* is not a folder/,
      ],
      [exportNetwork({ run: dir, format: 'onnx', out }), 'E_IO', /holds no trained weights/],
      [
        exportNetwork({ run: runDir, format: 'onnx', out: path.join(runDir, 'run.json', 'x.onnx') }),
        'E_IO',
        /--out .*cannot write/,
      ],
      [
        exportNetwork({ run: runDir, format: 'tflite' as 'onnx', out }),
        'E_INVALID_ARGUMENT',
        /unknown export format 'tflite'/,
      ],
    ];
    for (const [promise, code, message] of cases)
      await expect(promise).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // Weights of another network are refused before anything is written.
    const other = loadArchitecture('fmnist-cnn');
    const s = await randomNetwork(1);
    const weights = await s.stateTensors();
    await s.close();
    expect(() => exportOnnx(other, weights)).toThrow(TorchnasError);
    expect(() => exportOnnx(other, weights)).toThrow(/weights (lack|hold)/);
  });
});
