import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  architectureLayers,
  augmentationFor,
  buildLatencyTable,
  compareArchitectures,
  deriveArchitecture,
  edgeLatencies,
  estimateLatency,
  fitLatencyPredictor,
  LatencyProfiler,
  loadDataset,
  loadSpace,
  measureArchitecture,
  nb201Latency,
  nb201LatencyModel,
  parseChainSpace,
  predictLatency,
  readLatencyTable,
  resolveSpace,
  Session,
  spaceLayers,
  tableLatencyModel,
  TorchnasError,
  type LatencyTable,
  type TimingOptions,
} from '../lib';
import { mape, spearman } from '../lib/util/statistics';
import { registerLatencyCommand } from '../lib/latency/cli';
import { latencyTableOf, tempDir } from './helpers/fixtures';
import { runCommand } from './helpers/run-command';
import {
  archGradient,
  buildSupernet,
  configureSearch,
  setArchLogits,
} from '../lib/proxyless/proxyless-session';

const FAST: TimingOptions = { device: 'cpu', threads: 1, batch: 2, warmup: 1, repeats: 3 };
// A small space: one stride-2 edge (no Zero) and one stride-1 edge with a shortcut and Zero.
const TINY = parseChainSpace({
  name: 'tiny',
  input: [1, 16, 16],
  classes: 10,
  stem: ['conv_k3_s2_c8'],
  stages: [{ width: 8, depth: 2, stride: 2 }],
  candidates: ['mb_k3_e1', 'mb_k5_e3'],
  zero: true,
  head: ['gap', 'fc'],
});
const tiny = resolveSpace(TINY);

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string, message?: RegExp) {
  const run = typeof promise === 'function' ? Promise.resolve().then(promise) : promise;
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TorchnasError);
  expect((error as TorchnasError).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

describe('latency table keys', () => {
  test('come from the description: canonical block with explicit width at its input shape', () => {
    const layers = spaceLayers(resolveSpace(loadSpace('proxyless')));
    expect(layers.fixed.map((l) => l.key)).toEqual([
      'conv_k3_s2_c32@3x224x224',
      'mb_k3_s1_e1_c16@32x112x112',
      'conv_k1_s1_c1280@320x7x7',
      'gap@1280x7x7',
      'fc_c1000@1280',
    ]);
    expect(layers.edges[0].map((l) => l?.key)).toEqual([
      'mb_k3_s2_e3_c24@16x112x112',
      'mb_k3_s2_e6_c24@16x112x112',
      'mb_k5_s2_e3_c24@16x112x112',
      'mb_k5_s2_e6_c24@16x112x112',
      'mb_k7_s2_e3_c24@16x112x112',
      'mb_k7_s2_e6_c24@16x112x112',
    ]);
    // Zero costs nothing and needs no entry; the 2nd-4th blocks of a stage share their layers.
    expect(layers.edges[1][6]).toBeNull();
    expect(layers.edges[2].map((l) => l?.key)).toEqual(layers.edges[1].map((l) => l?.key));
    // 5 fixed layers; per stage 6 first-block and 6 repeated-block layers (the last stage has one block).
    expect(layers.distinct).toHaveLength(5 + 5 * 12 + 6);
  });

  test('are stable: the same description in another key order gives the same keys; a change of width changes them', () => {
    const spec = loadSpace('proxyless-28');
    const reordered = parseChainSpace(Object.fromEntries(Object.entries(spec).reverse()));
    const keys = (s: typeof spec) => spaceLayers(resolveSpace(s)).distinct.map((l) => l.key);
    expect(keys(reordered)).toEqual(keys(spec));
    const wider = { ...spec, stages: spec.stages.map((st, i) => (i === 1 ? { ...st, width: 48 } : st)) };
    expect(keys(wider)).not.toEqual(keys(spec));
    expect(keys(wider).some((k) => k.includes('_c48@'))).toBe(true);
  });

  test('a derived architecture has exactly the layers the space table holds for its choice', () => {
    const choice = ['mb_k5_s2_e3_c8', 'zero_s1'];
    const arch = deriveArchitecture(tiny, choice);
    const layers = spaceLayers(tiny);
    const expected = [
      layers.fixed[0].key,
      layers.edges[0][1]!.key,
      ...layers.fixed.slice(1).map((l) => l.key),
    ];
    expect(architectureLayers(arch).map((l) => l.key)).toEqual(expected);
  });
});

describe('latency profiler (CPU)', () => {
  test('times layers and networks with full statistics and records the conditions', async () => {
    const profiler = await LatencyProfiler.open({ ...FAST, repeats: 7 });
    try {
      const layers = spaceLayers(tiny).distinct;
      const stats = await profiler.layers(layers);
      expect(stats).toHaveLength(layers.length);
      for (const s of stats) {
        expect(s.count).toBe(7);
        expect(s.min).toBeLessThanOrEqual(s.p10);
        expect(s.p10).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.max);
        expect(s.iqr).toBeGreaterThanOrEqual(0);
        expect(s.median).toBeGreaterThan(0);
      }
      expect(profiler.conditions).toMatchObject({
        device: 'cpu',
        batch: 2,
        threads: 1,
        timer: 'steady-clock',
        precision: 'fp32',
        foldBatchNorm: false,
        repeats: 7,
      });
      expect(profiler.conditions.torchVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await profiler.close();
    }
  });

  test('whole networks: fp32, bf16, channels_last and folded BatchNorm all run', async () => {
    const arch = deriveArchitecture(tiny, ['mb_k3_s2_e1_c8', 'mb_k5_s1_e3_c8']);
    for (const variant of [
      {},
      { precision: 'bf16' as const },
      { channelsLast: true },
      { foldBatchNorm: true },
    ]) {
      const { stats, conditions } = await measureArchitecture(arch, { ...FAST, ...variant });
      expect(stats.count).toBe(3);
      expect(stats.median).toBeGreaterThan(0);
      expect(conditions).toMatchObject({
        precision: 'fp32',
        channelsLast: false,
        foldBatchNorm: false,
        ...variant,
      });
    }
  });
});

describe('networks side by side', () => {
  test('every round times each network; figures are round medians and per-round ratios to the first', async () => {
    const small = deriveArchitecture(tiny, ['mb_k3_s2_e1_c8', 'zero_s1']);
    const large = deriveArchitecture(tiny, ['mb_k5_s2_e3_c8', 'mb_k5_s1_e3_c8']);
    const progress: number[] = [];
    const { timings, rounds, conditions } = await compareArchitectures(
      [small, large],
      { ...FAST, rounds: 3 },
      (p) => progress.push(p.done),
    );
    expect(rounds).toBe(3);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(conditions.batch).toBe(FAST.batch);
    expect(timings.map((t) => t.roundMedians.length)).toEqual([3, 3]);
    expect(timings[0].ratioToFirst).toBe(1);
    for (const t of timings) expect(t.median).toBe([...t.roundMedians].sort((a, b) => a - b)[1]);
    const ratios = timings[1].roundMedians
      .map((m, r) => m / timings[0].roundMedians[r])
      .sort((a, b) => a - b);
    expect(timings[1].ratioToFirst).toBe(ratios[1]);
    await expectCode(compareArchitectures([], FAST), 'E_INVALID_ARGUMENT', /at least one/);
    await expectCode(compareArchitectures([small], { ...FAST, rounds: 0 }), 'E_INVALID_ARGUMENT', /rounds/);
  });

  test('torchnas latency measure with several networks prints one row each, told apart when they share a name', async () => {
    const dir = tempDir();
    const small = deriveArchitecture(tiny, ['mb_k3_s2_e1_c8', 'zero_s1'], 'same');
    const large = deriveArchitecture(tiny, ['mb_k5_s2_e3_c8', 'mb_k5_s1_e3_c8'], 'same');
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify(small));
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify(large));
    const args = [
      'latency',
      'measure',
      '--arch',
      path.join(dir, 'a.json'),
      path.join(dir, 'b.json'),
      '--device',
      'cpu',
      '--threads',
      '1',
      '--batch-size',
      '2',
      '--warmup',
      '1',
      '--repeats',
      '3',
      '--rounds',
      '2',
      '--progress',
      'none',
    ];
    const text = await runCommand(registerLatencyCommand, args);
    expect(text).toMatch(/2 networks, 2 rounds on .* batch 2, fp32/);
    expect(text).toContain(`| ${path.join(dir, 'a.json')} | `);
    expect(text).toMatch(
      new RegExp(`\\| ${path.join(dir, 'b.json').replace(/[/.]/g, '\\$&')} \\| [0-9.]+ \\| [0-9.]+ \\|`),
    );
    const json = JSON.parse(await runCommand(registerLatencyCommand, [...args, '--json']));
    expect(json.timings).toHaveLength(2);
    expect(json.timings[0].ratioToFirst).toBe(1);
  });
});

describe('latency tables', () => {
  test('cover every distinct layer, feed the search per edge, and sum to an architecture estimate', async () => {
    const file = path.join(tempDir(), 'tiny.json');
    const table = await buildLatencyTable(tiny, file, { ...FAST, chunk: 2 });
    expect(table.complete).toBe(true);
    expect(readLatencyTable(file)).toEqual(table);
    expect(Object.keys(table.entries).sort()).toEqual(
      spaceLayers(tiny)
        .distinct.map((l) => l.key)
        .sort(),
    );
    const perEdge = edgeLatencies(tiny, table);
    expect(perEdge.table.map((r) => r.length)).toEqual([2, 3]);
    expect(perEdge.table[1][2]).toBe(0); // Zero
    const arch = deriveArchitecture(tiny, ['mb_k5_s2_e3_c8', 'mb_k3_s1_e1_c8']);
    const { sum, predicted } = estimateLatency(table, arch);
    expect(sum).toBeCloseTo(perEdge.fixed + perEdge.table[0][1] + perEdge.table[1][0], 9);
    expect(predicted).toBe(sum); // no predictor yet
    expect(tableLatencyModel(table).latency(arch)).toBe(sum);
  });

  test('an interrupted build (process killed) resumes and measures only what is missing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'table.json');
    const cli = path.join(__dirname, '..', 'bin', 'torchnas.js');
    const args = [
      cli,
      'latency',
      'table',
      '--space',
      'proxyless-28',
      '--device',
      'cpu',
      '--threads',
      '1',
      '--batch-size',
      '16',
      '--repeats',
      '40',
      '--warmup',
      '1',
      '-o',
      file,
      '--progress',
      'none',
    ];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    // Kill it once the first chunk is on disk, well before the 41 layers are done.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (fs.existsSync(file)) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(poll);
        if (!fs.existsSync(file)) reject(new Error('the build ended before writing a partial table'));
        resolve();
      });
    });
    const partial = readLatencyTable(file);
    expect(partial.complete).toBe(false);
    const before = Object.keys(partial.entries).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(41);
    const progress: { done: number; total: number; resumed: number }[] = [];
    const done = await buildLatencyTable(
      resolveSpace(loadSpace('proxyless-28')),
      file,
      { device: 'cpu', threads: 1, batch: 16, repeats: 2, warmup: 0 },
      (p) => progress.push(p),
    );
    expect(progress[0]).toEqual({ done: before, total: 41, resumed: before });
    expect(done.complete).toBe(true);
    expect(Object.keys(done.entries)).toHaveLength(41);
    // Entries measured before the kill are kept as they were.
    for (const [key, entry] of Object.entries(partial.entries)) expect(done.entries[key]).toEqual(entry);
  }, 120_000);

  test('rounds: every layer measured in turn R times; the figure is the median of the rounds, and more rounds resume', async () => {
    const file = path.join(tempDir(), 'tiny.json');
    const layers = spaceLayers(tiny).distinct.length;
    const first = await buildLatencyTable(tiny, file, FAST);
    for (const entry of Object.values(first.entries)) expect(entry.rounds).toBeUndefined();
    const progress: { done: number; total: number; resumed: number }[] = [];
    const table = await buildLatencyTable(tiny, file, { ...FAST, rounds: 3, chunk: 2 }, (p) =>
      progress.push(p),
    );
    // The one-round entries count as the first round: two more rounds are measured.
    expect(progress[0]).toEqual({ done: layers, total: 3 * layers, resumed: layers });
    expect(progress.at(-1)!.done).toBe(3 * layers);
    for (const [key, entry] of Object.entries(table.entries)) {
      expect(entry.rounds).toHaveLength(3);
      expect(entry.rounds![0]).toBe(first.entries[key].median);
      expect(entry.count).toBe(3 * first.entries[key].count);
      expect(entry.median).toBe([...entry.rounds!].sort((a, b) => a - b)[1]);
      expect(entry.p10).toBeLessThanOrEqual(entry.p90);
    }
    expect(readLatencyTable(file)).toEqual(table);
    await expectCode(buildLatencyTable(tiny, file, { ...FAST, rounds: 0 }), 'E_INVALID_ARGUMENT', /rounds/);
  });

  test('a table measured under other conditions is not resumed into', async () => {
    const file = path.join(tempDir(), 'tiny.json');
    await buildLatencyTable(tiny, file, FAST);
    await expectCode(buildLatencyTable(tiny, file, { ...FAST, batch: 4 }), 'E_STATE', /batch: 2 vs 4/);
  });

  test('a layer the table lacks is a clear error', async () => {
    const file = path.join(tempDir(), 'tiny.json');
    const table = await buildLatencyTable(tiny, file, FAST);
    const other = deriveArchitecture(resolveSpace({ ...TINY, stem: ['conv_k3_s2_c16'] }), [
      'mb_k3_s2_e1_c8',
      'zero_s1',
    ]);
    expect(() => estimateLatency(table, other)).toThrow(/no entry for layer 'conv_k3_s2_c16@1x16x16'/);
  });
});

describe('expected latency', () => {
  test('its gradient in the logits is p_j (L_j - E[L]) per edge (add#linear: scaled by lambda / target)', async () => {
    const data = (await loadDataset('fashion-mnist', 'train')).subset(32, 4);
    const aug = augmentationFor('fashion-mnist', false);
    const space = resolveSpace(parseChainSpace({ ...TINY, input: [1, 28, 28] }));
    const latency = [
      [1.5, 4.0],
      [0.7, 2.9, 0],
    ];
    const logits = [
      [0.2, -0.4],
      [0.5, 0.1, -0.3],
    ];
    const target = 5;
    const lambda = 2;
    const gradient = async (withLatency: boolean) => {
      const s = new Session({ device: 'cpu', threads: 2, seed: 3 });
      await buildSupernet(s, space);
      await s.configureTraining({ lr: 0.05, totalSteps: 10 });
      await configureSearch(
        s,
        withLatency
          ? { mode: 'full_v2', latency, fixedLatency: 1, latencyLoss: 'add#linear', target, lambda }
          : { mode: 'full_v2' },
      );
      await setArchLogits(s, logits);
      const path = logits.map((row) => ({ active: 0, members: row.map((_, i) => i) }));
      const g = await archGradient(s, data, { batchSize: 32, augment: aug, mode: 'full_v2', path });
      await s.close();
      return g.map((e) => e.alpha);
    };
    const plain = await gradient(false);
    const aware = await gradient(true);
    logits.forEach((row, e) => {
      const z = row.map(Math.exp);
      const p = z.map((v) => v / z.reduce((a, b) => a + b, 0));
      const expected = p.reduce((a, pi, i) => a + pi * latency[e][i], 0);
      row.forEach((_, j) => {
        expect(aware[e][j] - plain[e][j]).toBeCloseTo(
          (lambda / target) * p[j] * (latency[e][j] - expected),
          5,
        );
      });
    });
  });
});

describe('latency predictor', () => {
  const table = (medians: Record<string, number>): LatencyTable => latencyTableOf(medians);
  const layer = (key: string, h: number) => ({
    key,
    block: { op: 'identity' as const, in: 1, out: 1 },
    input: [1, h, h],
  });

  test('learns what the plain sum misses (here: a fixed overhead per layer and a scale)', () => {
    const t = table({ a: 1, b: 2.5, c: 0.4, d: 3.1 });
    const pool = [layer('a', 8), layer('b', 8), layer('c', 4), layer('d', 4)];
    const truth = (ls: typeof pool) =>
      0.8 * ls.reduce((s, l) => s + t.entries[l.key].median, 0) + 0.3 * ls.length + 0.2;
    const samples = [[0], [1], [0, 1], [2, 3], [0, 2], [1, 3], [0, 1, 2], [1, 2, 3], [0, 1, 2, 3], [3]].map(
      (ix) => {
        const ls = ix.map((i) => pool[i]);
        return { layers: ls, measured: truth(ls) };
      },
    );
    const predictor = fitLatencyPredictor(t, samples, 1e-9);
    expect(predictor.fitMape).toBeLessThan(0.01);
    const unseen = [pool[0], pool[3]];
    expect(predictLatency(predictor, t, unseen)).toBeCloseTo(truth(unseen), 6);
  });

  test('needs a few networks', () => {
    expect(() => fitLatencyPredictor(table({ a: 1 }), [{ layers: [layer('a', 8)], measured: 1 }])).toThrow(
      /at least 4/,
    );
  });
});

describe('published tables through the same interface', () => {
  test('NAS-Bench-201 latencies on the 27 devices', () => {
    const arch =
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
    const model = nb201LatencyModel('pixel3');
    expect(model.unit).toBe('ms');
    expect(model.latency(arch)).toBe(nb201Latency(arch, 'pixel3'));
    expect(model.latency(arch)).toBeGreaterThan(0);
    expect(() => nb201LatencyModel('gtx9000')).toThrow(/unknown NB201 latency device/);
  });
});

describe('bad input', () => {
  test('unknown op, impossible shape, CUDA without CUDA, CUDA graph on CPU', async () => {
    expect(() => resolveSpace(parseChainSpace({ ...TINY, candidates: ['mb_k3_e1', 'warp_k3'] }))).toThrow(
      TorchnasError,
    );
    expect(() => resolveSpace(parseChainSpace({ ...TINY, stem: ['conv_k3_s2_c8', 'gap'] }))).toThrow(
      /feature map/,
    );
    await expectCode(LatencyProfiler.open({ device: 'cuda' }), 'E_NO_CUDA', /use device cpu/);
    await expectCode(
      LatencyProfiler.open({ device: 'cpu', cudaGraph: true }),
      'E_INVALID_ARGUMENT',
      /CUDA device/,
    );
    await expectCode(() => LatencyProfiler.open({ device: 'cpu', batch: 0 }), 'E_INVALID_ARGUMENT', /batch/);
    await expectCode(() => readLatencyTable(path.join(tempDir(), 'missing.json')), 'E_IO');
    const bogus = path.join(tempDir(), 'bogus.json');
    fs.writeFileSync(bogus, JSON.stringify({ format: 'torchnas/latency-table@1', entries: {} }));
    await expectCode(() => readLatencyTable(bogus), 'E_DATA', /not a torchnas table/);
  });
});

describe('agreement statistics', () => {
  test('MAPE and Spearman (ties share their rank)', () => {
    expect(mape([110, 90], [100, 100])).toBeCloseTo(10, 12);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]) = 0.9486832980505138
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(0.9486832980505138, 12);
  });
});
