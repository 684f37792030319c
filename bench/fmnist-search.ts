// npm run bench:fmnist-search — ProxylessNAS on Fashion-MNIST for measured CPU latency, end to end:
//
// 1. a latency table of the proxyless-28 space on this CPU (batch 1, one thread, in rounds);
// 2. one search per latency target, on the train split only (a validation part held out of it);
// 3. each derived network and a hand-designed baseline (MobileNetV2-style: MBConv k3 e6 on every
//    edge of the same skeleton) retrained from scratch with one recipe, then tested on the test split;
// 4. all of them timed side by side in one process, round after round (this machine's speed drifts
//    between processes; see BENCHMARKS.md), against the baseline.
//
// Every step writes a run directory under --out and resumes from it, so an interrupted run (or one
// whose steps were run before) continues where it stopped. Searches and retrainings run side by side,
// one thread each.
//
//   npm run bench:fmnist-search -- [--out runs/fmnist-search] [--targets 0.75,0.55] [--lambda 0.2]
//       [--epochs 8] [--warmup-epochs 4] [--limit-train 30000] [--retrain-epochs 12] [--rounds 15] [--plot DIR]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  buildLatencyTable, compareArchitectures, deriveArchitecture, estimateLatency, loadSpace, proxyless, resolveSpace, train,
  type Architecture, type TrainResult,
} from '../lib';
import { networkComparisonChart, renderChart } from '../lib/report';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/fmnist-search' },
    targets: { type: 'string', default: '0.75,0.55' },
    lambda: { type: 'string', default: '0.2' },
    epochs: { type: 'string', default: '8' },
    'warmup-epochs': { type: 'string', default: '4' },
    'limit-train': { type: 'string', default: '30000' },
    'retrain-epochs': { type: 'string', default: '12' },
    rounds: { type: 'string', default: '15' },
    plot: { type: 'string' },
  },
});

const SPACE = 'proxyless-28';
// Latency conditions of the table, the search and the final timing: batch 1, one thread.
const TIMING = { device: 'cpu', batch: 1, threads: 1, warmup: 20, repeats: 100 };
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function retrain(arch: Architecture, runDir: string, epochs: number): Promise<TrainResult> {
  // One recipe for every network: SGD (Nesterov) 0.1, 1 warm-up epoch then cosine, label smoothing 0.1,
  // crop + flip, batch 128, 54,000 training images (6,000 held out), then the 10,000 test images.
  return train(
    { arch, dataset: 'fashion-mnist', epochs, lr: 0.1, labelSmoothing: 0.1, warmupEpochs: 1, batchSize: 128, device: 'cpu', threads: 1, runDir },
    (e) => { if (e.type === 'epoch') log(`${path.basename(runDir)} epoch ${e.record.epoch}: valid top-1 ${(100 * (e.record.valid?.top1 ?? 0)).toFixed(2)}%`); },
  );
}

async function main() {
  const out = args.out;
  const targets = args.targets.split(',').map(Number);
  const retrainEpochs = Number(args['retrain-epochs']);
  fs.mkdirSync(out, { recursive: true });
  const started = Date.now();
  const resolved = resolveSpace(loadSpace(SPACE));

  const tableFile = path.join(out, 'cpu-b1.json');
  const table = await buildLatencyTable(resolved, tableFile, { ...TIMING, rounds: 9 });
  log(`latency table: ${Object.keys(table.entries).length} layers, ${table.buildSeconds.toFixed(1)} s`);

  const baselineChoice = resolved.edges.map((e) => e.candidates.find((c) => /^mb_k3_s\d_e6_/.test(c))!);
  const baseline = deriveArchitecture(resolved, baselineChoice, 'fmnist-mbv2-baseline');
  const tag = (t: number) => `t${String(Math.round(100 * t)).padStart(3, '0')}`;
  const searched = targets.map(async (target) => {
    const search = await proxyless({
      space: SPACE, dataset: 'fashion-mnist', latencyTable: tableFile, latencyLoss: 'add#linear', target, lambda: Number(args.lambda),
      mode: 'two', archEvery: 5, epochs: Number(args.epochs), warmupEpochs: Number(args['warmup-epochs']), limitTrain: Number(args['limit-train']),
      device: 'cpu', threads: 1, runDir: path.join(out, `search-${tag(target)}`),
    }, (e) => { if (e.type === 'epoch') log(`search ${tag(target)} epoch ${e.record.epoch}: E[latency] ${e.record.expectedLatency.toFixed(3)} ms`); });
    const arch = { ...search.arch, name: `searched-${tag(target)}` };
    return { target, search, arch, result: await retrain(arch, path.join(out, `retrain-${tag(target)}`), retrainEpochs) };
  });
  const [base, ...found] = await Promise.all([retrain(baseline, path.join(out, 'retrain-baseline'), retrainEpochs), ...searched]);

  const archs = [baseline, ...found.map((f) => f.arch)];
  const timed = await compareArchitectures(archs, { ...TIMING, rounds: Number(args.rounds) });
  const results = [base, ...found.map((f) => f.result)];
  const choices = [baselineChoice, ...found.map((f) => f.search.choice)];
  const lines = [
    `## ProxylessNAS on Fashion-MNIST, ${SPACE}, CPU latency at batch 1 (one thread), ${new Date().toISOString().slice(0, 10)}\n`,
    `Latency: ${timed.rounds} rounds of ${TIMING.repeats} timed runs each, all networks in turn, in one process (${timed.conditions.deviceName}, LibTorch ${timed.conditions.torchVersion}).\n`,
    '| network | target (ms) | choice per edge | params | MACs (M) | table sum (ms) | measured (ms) | x baseline | test top-1 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  archs.forEach((arch, i) => {
    const r = results[i];
    const target = i === 0 ? '—' : String(found[i - 1].target);
    const blocks = choices[i].join(' ');
    lines.push(`| ${arch.name} | ${target} | ${blocks} | ${r.params} | ${(r.macs / 1e6).toFixed(2)} | ${estimateLatency(table, arch).sum.toFixed(3)} | ` +
      `${timed.timings[i].median.toFixed(3)} | ${timed.timings[i].ratioToFirst.toFixed(3)} | ${(100 * r.test.top1).toFixed(2)}% |`);
  });
  lines.push('', `${((Date.now() - started) / 1000).toFixed(0)} s in this invocation (steps found finished in ${out} are not redone).`);
  process.stdout.write(lines.join('\n') + '\n');
  if (args.plot) {
    const points = archs.map((a, i) => ({ name: a.name, kind: i === 0 ? 'hand-designed baseline' : 'searched', latencyMs: timed.timings[i].median, top1: results[i].test.top1 }));
    const spec = networkComparisonChart(points, 'ProxylessNAS on Fashion-MNIST: searched networks vs a hand-designed baseline',
      `${SPACE}, retrained ${retrainEpochs} epochs each; latency on ${timed.conditions.deviceName}, batch 1, one thread, measured side by side`);
    for (const ext of ['svg', 'png']) await renderChart(spec, path.join(args.plot, `fmnist-search-comparison.${ext}`));
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
