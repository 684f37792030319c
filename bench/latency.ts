// npm run bench:latency — how well latency tables predict measured networks. For each batch size:
// build (or resume) a table of the ProxylessNAS space, fit its predictor on networks sampled with one
// seed, then measure networks sampled with another seed end to end, twice, and report the table
// sum's and the predictor's error (MAPE, Spearman) and the run-to-run spread. Then the timer against
// torch.utils.benchmark.Timer (Python) on the same layers, side by side.
//
//   npm run bench:latency -- [--device auto] [--batches 8] [--archs 100] [--fit 30] [--space proxyless]
//                            [--resolution 224] [--repeats 20] [--warmup 5] [--threads N] [--channels-last] [--tables DIR]
//                            [--reference-layers 12] [--python /usr/bin/python3] [--runtime libtorch|onnxruntime]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  buildLatencyTable,
  deriveArchitecture,
  estimateLatency,
  fitTablePredictor,
  info,
  loadSpace,
  randomChoice,
  resolveSpace,
  Rng,
  spaceLayers,
  timingOptionsOf,
  withProfiler,
  type LatencyTable,
  type ResolvedSpace,
  type TimingOptions,
} from '../lib';
import { packageRoot } from '../lib/native';
import { mape, median, spearman } from '../lib/util/statistics';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    device: { type: 'string', default: 'auto' },
    batches: { type: 'string' },
    archs: { type: 'string', default: '100' },
    fit: { type: 'string', default: '30' },
    space: { type: 'string', default: 'proxyless' },
    resolution: { type: 'string' },
    repeats: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    'channels-last': { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'libtorch' },
    tables: { type: 'string', default: path.join(os.tmpdir(), 'torchnas-bench-latency') },
    'reference-layers': { type: 'string', default: '12' },
    python: { type: 'string', default: fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
  },
});

const device = values.device === 'auto' ? (info().cudaAvailable ? 'cuda' : 'cpu') : values.device;
const batches = (values.batches ?? (device.startsWith('cuda') ? '1,8,64' : '8')).split(',').map(Number);
const archCount = Number(values.archs);
const fitCount = Number(values.fit);
const threads = Number(values.threads);
const resolved: ResolvedSpace = resolveSpace(
  loadSpace(values.space, values.resolution ? Number(values.resolution) : undefined),
);
fs.mkdirSync(values.tables, { recursive: true });

const pct = (x: number) => `${x.toFixed(2)}%`;

async function measureAll(
  table: LatencyTable,
  seed: number,
): Promise<{ sums: number[]; predicted: number[]; first: number[]; second: number[] }> {
  const rng = new Rng(seed);
  const archs = Array.from({ length: archCount }, () =>
    deriveArchitecture(
      resolved,
      randomChoice(resolved, () => rng.next()),
    ),
  );
  const first: number[] = [];
  const second: number[] = [];
  await withProfiler(timingOptionsOf(table), async (profiler) => {
    for (const arch of archs) first.push((await profiler.network(arch)).median);
    for (const arch of archs) second.push((await profiler.network(arch)).median); // the same measurement, repeated
  });
  const estimates = archs.map((a) => estimateLatency(table, a));
  return { sums: estimates.map((e) => e.sum), predicted: estimates.map((e) => e.predicted), first, second };
}

function referenceTimer(table: LatencyTable, batch: number, opts: TimingOptions) {
  const count = Number(values['reference-layers']);
  if (count === 0) return;
  const pool = spaceLayers(resolved).distinct;
  const rng = new Rng(11);
  const layers = Array.from({ length: Math.min(count, pool.length) }, () => pool[rng.int(pool.length)]);
  const file = path.join(values.tables, 'reference-layers.json');
  fs.writeFileSync(file, JSON.stringify(layers.map(({ block, input }) => ({ block, input }))));
  const script = path.join(packageRoot(), 'bench', 'python', 'latency_reference.py');
  const run = spawnSync(
    values.python,
    [
      script,
      '--layers',
      file,
      '--batch',
      String(batch),
      '--threads',
      String(threads),
      '--device',
      table.conditions.device,
      ...(opts.channelsLast ? ['--channels-last'] : []),
    ],
    {
      encoding: 'utf8',
      // glibc keeps freed memory for reuse, as torchnas's caching CPU allocator does: otherwise the
      // reference pays page faults on every large activation and the comparison measures the allocator.
      env: {
        ...process.env,
        MALLOC_MMAP_THRESHOLD_: String(2 ** 32),
        MALLOC_TRIM_THRESHOLD_: String(2 ** 32),
      },
    },
  );
  if (run.status !== 0) {
    console.log(
      `  reference timer: skipped (${values.python} with torch failed: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()})`,
    );
    return;
  }
  const reference = JSON.parse(run.stdout.trim().split('\n').pop()!) as { torch: string; medianMs: number[] };
  return withProfiler(opts, async (profiler) => {
    const ours = await profiler.layers(layers);
    const ratios = ours.map((s, i) => s.median / reference.medianMs[i]);
    console.log(
      `  timer vs torch.utils.benchmark.Timer (PyTorch ${reference.torch}), ${layers.length} layers at batch ${batch}:`,
    );
    layers.forEach((l, i) =>
      console.log(
        `    ${l.key.padEnd(34)} torchnas ${ours[i].median.toFixed(3).padStart(8)} ms  reference ${reference.medianMs[i].toFixed(3).padStart(8)} ms  ratio ${ratios[i].toFixed(3)}`,
      ),
    );
    const within = ratios.filter((r) => Math.abs(r - 1) <= 0.03).length;
    console.log(`    median ratio ${median(ratios).toFixed(3)}; ${within}/${ratios.length} layers within 3%`);
  });
}

async function main() {
  const n = info();
  console.log(
    `bench:latency — ${resolved.space.name} at ${resolved.space.input.join('x')}, device ${device}, ${threads} threads, ` +
      `${values.runtime === 'onnxruntime' ? 'onnxruntime (CPU provider)' : `LibTorch ${n.torchVersion}`}`,
  );
  console.log(
    `  ${archCount} evaluated networks (seed 2), predictor fitted on ${fitCount} others (seed 1), repeats ${values.repeats}, warm-up ${values.warmup}`,
  );
  for (const batch of batches) {
    const channelsLast = values['channels-last'];
    const runtime = values.runtime as 'libtorch' | 'onnxruntime';
    const opts: TimingOptions = {
      device,
      runtime,
      batch,
      threads,
      channelsLast,
      repeats: Number(values.repeats),
      warmup: Number(values.warmup),
    };
    const file = path.join(
      values.tables,
      `${resolved.space.name}-${resolved.space.input[1]}-${device.replace(':', '')}-b${batch}${channelsLast ? '-cl' : ''}` +
        `${runtime === 'onnxruntime' ? '-ort' : ''}.json`,
    );
    const started = Date.now();
    let table = await buildLatencyTable(resolved, file, opts);
    console.log(
      `\nbatch ${batch}: table of ${Object.keys(table.entries).length} layers on ${table.conditions.deviceName} (${table.conditions.timer}): ` +
        `${table.buildSeconds.toFixed(1)} s of measuring (${((Date.now() - started) / 1000).toFixed(1)} s this run; ${file})`,
    );
    if (fitCount >= 4) table = await fitTablePredictor(resolved, file, { networks: fitCount, seed: 1 });
    const r = await measureAll(table, 2);
    const repeatDiff = r.first.map((m, i) => (100 * Math.abs(r.second[i] - m)) / m);
    console.log(
      `  measured: median ${median(r.first).toFixed(3)} ms (range ${Math.min(...r.first).toFixed(3)}–${Math.max(...r.first).toFixed(3)} ms)`,
    );
    console.log(
      `  table sum:  MAPE ${pct(mape(r.sums, r.first))}  Spearman ${spearman(r.sums, r.first).toFixed(3)}`,
    );
    if (table.predictor)
      console.log(
        `  predictor:  MAPE ${pct(mape(r.predicted, r.first))}  Spearman ${spearman(r.predicted, r.first).toFixed(3)}  (fit MAPE ${pct(table.predictor.fitMape)})`,
      );
    console.log(
      `  repeated measurement: median difference ${pct(median(repeatDiff))}; ${repeatDiff.filter((d) => d <= 2).length}/${repeatDiff.length} within 2%`,
    );
    if (runtime === 'libtorch') await referenceTimer(table, batch, opts);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
