// npm run bench:fmnist-search — ProxylessNAS on Fashion-MNIST for measured CPU latency, end to end,
// with the control every NAS result needs:
//
// 1. a latency table of the proxyless-28 space on this CPU (batch 1, one thread, in rounds), and its
//    predictor fitted on random networks measured end to end (the search's measure: end-to-end ms);
// 2. targets spread over the space's range in that measure (by default a quarter, a half and three
//    quarters of the way from the cheapest network to the largest);
// 3. one warm-up of the supernet, then one search per target from it (two-sided abs#ratio loss), on
//    the train split only (a validation part held out of it); each derives the most probable network
//    within --target-tolerance of its target;
// 4. per target, --random architectures drawn uniformly from the same space whose predicted latency is
//    within --tolerance of the searched network's;
// 5. every network (searched, its random peers, a hand-designed MobileNetV2-style baseline) retrained
//    from scratch with one recipe, once per seed of --seeds, then tested on the 10,000 test images;
//    the searched network's rank among its peers by the mean over seeds, and per seed;
// 6. all of them timed side by side in one process, round after round (this machine's speed drifts
//    between processes; see BENCHMARKS.md).
//
// Every step writes a run directory under --out and resumes from it. Jobs run --jobs at a time, one
// LibTorch thread each.
//
//   npm run bench:fmnist-search -- [--out runs/fmnist-search] [--fractions 0.25,0.5,0.75 | --targets ms,...]
//       [--latency-loss abs#ratio] [--lambda x] [--epochs 13] [--warmup-epochs 10] [--limit-train 30000]
//       [--arch-lr 0.02] [--arch-every 1] [--lr 0.1] [--augment false] [--label-smoothing 0]
//       [--random 8] [--tolerance 0.05] [--target-tolerance 0.05] [--predictor-networks 30]
//       [--retrain-epochs 3] [--retrain-limit 8000] [--seeds 1,2,3] [--jobs 2] [--rounds 5] [--plot DIR]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  buildLatencyTable,
  compareArchitectures,
  deriveArchitecture,
  estimateLatency,
  fitTablePredictor,
  loadSpace,
  proxyless,
  resolveSpace,
  train,
  type Architecture,
  type LatencyTable,
  type ResolvedSpace,
  type SearchEvent,
  type SearchRecord,
  type TrainResult,
} from '../lib';
import { readSearchLatencyTable } from '../lib/latency/search-latency-table';
import { costRange } from '../lib/search/target-derivation';
import { networkComparisonChart, renderChart } from '../lib/report';
import { Rng } from '../lib/util/rng';
import { runPool as pool } from '../lib/util/job-pool';
import { meanAndStd } from '../lib/util/statistics';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/fmnist-search' },
    targets: { type: 'string' },
    fractions: { type: 'string', default: '0.25,0.5,0.75' },
    'latency-loss': { type: 'string', default: 'abs#ratio' },
    lambda: { type: 'string' },
    'target-tolerance': { type: 'string', default: '0.05' },
    'predictor-networks': { type: 'string', default: '30' },
    epochs: { type: 'string', default: '13' },
    'warmup-epochs': { type: 'string', default: '10' },
    'limit-train': { type: 'string', default: '30000' },
    'arch-lr': { type: 'string', default: '0.02' },
    'arch-every': { type: 'string', default: '1' },
    // The warm-up measured to reach 85% sampled-path validation accuracy (BENCHMARKS.md): no crop or
    // flip and no label smoothing (the supernet underfits; both slow it), a higher learning rate.
    lr: { type: 'string', default: '0.1' },
    augment: { type: 'string', default: 'false' },
    'label-smoothing': { type: 'string', default: '0' },
    mode: { type: 'string', default: 'two' },
    random: { type: 'string', default: '8' },
    tolerance: { type: 'string', default: '0.05' },
    'retrain-epochs': { type: 'string', default: '3' },
    'retrain-limit': { type: 'string', default: '8000' },
    seeds: { type: 'string', default: '1,2,3' },
    jobs: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    plot: { type: 'string' },
  },
});

const SPACE = 'proxyless-28';
const SEED = 1;
// Latency conditions of the table, the search and the final timing: batch 1, one thread.
const TIMING = { device: 'cpu', batch: 1, threads: 1, warmup: 20, repeats: 100 };
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const tag = (t: number) => `t${String(Math.round(100 * t)).padStart(3, '0')}`;

// One recipe for every network: SGD (Nesterov) 0.1, 1 warm-up epoch then cosine, label smoothing
// 0.1, crop + flip, batch 128, --retrain-limit training images, 2% of the train split for
// validation, then the 10,000 test images.
function retrain(arch: Architecture, runDir: string, seed: number): Promise<TrainResult> {
  return train(
    {
      arch,
      dataset: 'fashion-mnist',
      epochs: Number(args['retrain-epochs']),
      limitTrain: Number(args['retrain-limit']),
      validFraction: 0.02,
      lr: 0.1,
      labelSmoothing: 0.1,
      warmupEpochs: 1,
      batchSize: 128,
      device: 'cpu',
      threads: 1,
      seed,
      runDir,
    },
    (e) => {
      if (e.type === 'epoch')
        log(
          `${path.basename(runDir)} epoch ${e.record.epoch}: train top-1 ${(100 * e.record.train.top1).toFixed(2)}%`,
        );
    },
  );
}

/** `count` distinct choices, drawn uniformly per edge, whose predicted latency is within `tolerance` of `latency`. */
function sameLatencyChoices(
  resolved: ResolvedSpace,
  table: LatencyTable,
  latency: number,
  count: number,
  tolerance: number,
  seed: number,
  exclude: string[],
) {
  const rng = new Rng(seed);
  const found: string[][] = [];
  const seen = new Set([exclude.join(' ')]);
  for (let draws = 0; found.length < count && draws < 2_000_000; draws++) {
    const choice = resolved.edges.map((e) => e.candidates[rng.int(e.candidates.length)]);
    const predicted = estimateLatency(table, deriveArchitecture(resolved, choice)).predicted;
    if (Math.abs(predicted - latency) <= tolerance * latency && !seen.has(choice.join(' '))) {
      seen.add(choice.join(' '));
      found.push(choice);
    }
  }
  if (found.length < count)
    throw new Error(
      `only ${found.length} random networks within ${100 * tolerance}% of ${latency.toFixed(3)} ms`,
    );
  return found;
}

interface Entry {
  arch: Architecture;
  choice: string[];
  role: 'baseline' | 'searched' | 'random';
  target?: number;
}

async function main() {
  const out = args.out;
  const jobs = Number(args.jobs);
  const seeds = args.seeds.split(',').map(Number);
  fs.mkdirSync(out, { recursive: true });
  const started = Date.now();
  const resolved = resolveSpace(loadSpace(SPACE));

  const tableFile = path.join(out, 'cpu-b1.json');
  let table = await buildLatencyTable(resolved, tableFile, { ...TIMING, rounds: 9 });
  log(`latency table: ${Object.keys(table.entries).length} layers, ${table.buildSeconds.toFixed(1)} s`);
  if (!table.predictor)
    table = await fitTablePredictor(resolved, tableFile, { networks: Number(args['predictor-networks']) });
  log(
    `predictor fitted on ${table.predictor!.fittedOn} networks, fit MAPE ${table.predictor!.fitMape.toFixed(2)}%`,
  );
  const costs = readSearchLatencyTable(resolved, tableFile);
  const range = costRange(costs);
  const targets = args.targets
    ? args.targets.split(',').map(Number)
    : args.fractions
        .split(',')
        .map((f) => Number((range.cheapest + Number(f) * (range.largest - range.cheapest)).toFixed(3)));
  log(
    `space: ${range.cheapest.toFixed(3)}-${range.largest.toFixed(3)} ms predicted; targets ${targets.join(', ')} ms`,
  );

  // One warm-up serves every target (warmupFrom): a search from it ends exactly as one that warmed up
  // by itself (test/search/warm-start.test.ts).
  const shared = {
    space: SPACE,
    dataset: 'fashion-mnist' as const,
    mode: args.mode as 'two',
    archLr: Number(args['arch-lr']),
    archEvery: Number(args['arch-every']),
    warmupEpochs: Number(args['warmup-epochs']),
    limitTrain: Number(args['limit-train']),
    lr: Number(args.lr),
    augment: args.augment === 'true',
    labelSmoothing: Number(args['label-smoothing']),
    device: 'cpu',
    threads: jobs,
    seed: SEED,
  };
  const onEpoch = (name: string) => (e: SearchEvent) => {
    if (e.type !== 'epoch') return;
    const r = e.record;
    log(
      `search ${name} epoch ${r.epoch}: supernet train top-1 ${(100 * r.train.top1).toFixed(1)}%, valid sampled ${(100 * r.valid.sampledTop1).toFixed(1)}%, ` +
        `E[latency] ${r.expectedLatency.toFixed(3)} ms, derived ${r.derivedLatency.toFixed(3)} ms, entropy ${r.entropy.toFixed(3)}, mean max-p ${r.maxProbability.toFixed(3)}`,
    );
  };
  const warmupDir = path.join(out, 'search-warmup');
  await proxyless(
    { ...shared, epochs: shared.warmupEpochs, latencyLoss: 'none', runDir: warmupDir },
    onEpoch('warm-up'),
  );
  const searches = await pool(
    targets.map(
      (target) => () =>
        proxyless(
          {
            ...shared,
            threads: 1,
            latencyTable: tableFile,
            latencyLoss: args['latency-loss'] as 'abs#ratio',
            target,
            targetTolerance: Number(args['target-tolerance']),
            lambda: args.lambda === undefined ? undefined : Number(args.lambda),
            epochs: Number(args.epochs),
            warmupFrom: warmupDir,
            runDir: path.join(out, `search-${tag(target)}`),
          },
          onEpoch(tag(target)),
        ),
    ),
    jobs,
  );

  const baselineChoice = resolved.edges.map((e) => e.candidates.find((c) => /^mb_k3_s\d_e6_/.test(c))!);
  const entries: Entry[] = [
    {
      arch: deriveArchitecture(resolved, baselineChoice, 'mbv2-baseline'),
      choice: baselineChoice,
      role: 'baseline',
    },
  ];
  searches.forEach((search, t) => {
    const target = targets[t];
    const latency = estimateLatency(table, search.arch).predicted;
    entries.push({
      arch: { ...search.arch, name: `searched-${tag(target)}` },
      choice: search.choice,
      role: 'searched',
      target,
    });
    sameLatencyChoices(
      resolved,
      table,
      latency,
      Number(args.random),
      Number(args.tolerance),
      1000 + t,
      search.choice,
    ).forEach((choice, k) => {
      entries.push({
        arch: deriveArchitecture(resolved, choice, `random-${tag(target)}-${k + 1}`),
        choice,
        role: 'random',
        target,
      });
    });
  });
  const runs = entries.flatMap((e, i) => seeds.map((seed) => ({ i, seed })));
  const trained = await pool(
    runs.map(
      (r) => () =>
        retrain(entries[r.i].arch, path.join(out, `retrain-${entries[r.i].arch.name}-seed${r.seed}`), r.seed),
    ),
    jobs,
  );
  const results = entries.map((_, i) =>
    runs.map((r, k) => (r.i === i ? trained[k] : undefined)).filter((x): x is TrainResult => x !== undefined),
  );

  const timed = await compareArchitectures(
    entries.map((e) => e.arch),
    { ...TIMING, rounds: Number(args.rounds) },
  );
  report(
    entries,
    results,
    timed,
    table,
    searches.map((s) => s.history),
    targets,
    seeds,
    range,
    started,
  );
  if (args.plot) {
    // Random peers unlabelled: 24 labels over one another hide the searched networks.
    const points = entries.map((e, i) => ({
      name: e.role === 'random' ? '' : e.arch.name,
      kind:
        e.role === 'baseline'
          ? 'hand-designed baseline'
          : e.role === 'random'
            ? 'random, same latency'
            : 'searched',
      latencyMs: timed.timings[i].median,
      top1: meanAndStd(results[i].map((r) => r.test.top1)).mean,
    }));
    const spec = networkComparisonChart(
      points,
      'ProxylessNAS on Fashion-MNIST: searched vs random networks of the same latency',
      `${SPACE}, each retrained ${args['retrain-epochs']} epochs on ${args['retrain-limit']} images, mean of ${seeds.length} seeds; latency measured side by side (batch 1, one thread)`,
    );
    for (const ext of ['svg', 'png'])
      await renderChart(spec, path.join(args.plot, `fmnist-search-comparison.${ext}`));
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function report(
  entries: Entry[],
  results: TrainResult[][],
  timed: Awaited<ReturnType<typeof compareArchitectures>>,
  table: LatencyTable,
  histories: SearchRecord[][],
  targets: number[],
  seeds: number[],
  range: { cheapest: number; largest: number },
  started: number,
) {
  const top1 = (i: number) => results[i].map((r) => r.test.top1);
  const lines = [
    `## ProxylessNAS on Fashion-MNIST, ${SPACE}, CPU latency at batch 1 (one thread), ${new Date().toISOString().slice(0, 10)}\n`,
    `Latency: ${timed.rounds} rounds of ${TIMING.repeats} timed runs each, all networks in turn, in one process (${timed.conditions.deviceName}, LibTorch ${timed.conditions.torchVersion}).`,
    `Predictor: fitted on ${table.predictor!.fittedOn} random networks (fit MAPE ${table.predictor!.fitMape.toFixed(2)}%); the space spans ${range.cheapest.toFixed(3)}-${range.largest.toFixed(3)} ms predicted.`,
    `Retraining: ${args['retrain-epochs']} epochs on ${args['retrain-limit']} images, seeds ${seeds.join(', ')} for every network; test top-1 on 10,000 images.\n`,
    `| network | role | choice per edge | MACs (M) | table sum (ms) | predicted (ms) | measured (ms) | test top-1 per seed | mean ± std |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  entries.forEach((e, i) => {
    const est = estimateLatency(table, e.arch);
    const spread = meanAndStd(top1(i));
    lines.push(
      `| ${e.arch.name} | ${e.role} | ${e.choice.map((c) => c.replace(/_s\d|_c\d+/g, '')).join(' ')} | ${(results[i][0].macs / 1e6).toFixed(2)} | ` +
        `${est.sum.toFixed(3)} | ${est.predicted.toFixed(3)} | ${timed.timings[i].median.toFixed(3)} | ${top1(i).map(pct).join(' / ')} | ` +
        `${(100 * spread.mean).toFixed(2)} ± ${(100 * spread.std).toFixed(2)}% |`,
    );
  });
  lines.push(
    '',
    '| target (ms) | searched: predicted, measured (off target) | searched top-1, mean ± std | random means: mean ± std (n) | random min-max | rank of searched by mean | rank per seed |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const target of targets) {
    const idx = (role: string) =>
      entries
        .map((e, i) => ({ e, i }))
        .filter((x) => x.e.target === target && x.e.role === role)
        .map((x) => x.i);
    const [s] = idx('searched');
    const random = idx('random');
    const mean = (i: number) => meanAndStd(top1(i)).mean;
    const randomMeans = random.map(mean);
    const rank = 1 + randomMeans.filter((m) => m > mean(s)).length;
    const perSeed = seeds.map((_, k) => 1 + random.filter((i) => top1(i)[k] > top1(s)[k]).length);
    const predicted = estimateLatency(table, entries[s].arch).predicted;
    const measured = timed.timings[s].median;
    const off = (x: number) => `${x >= target ? '+' : ''}${(100 * (x / target - 1)).toFixed(1)}%`;
    const spread = meanAndStd(randomMeans);
    const searched = meanAndStd(top1(s));
    lines.push(
      `| ${target} | ${predicted.toFixed(3)} (${off(predicted)}), ${measured.toFixed(3)} (${off(measured)}) | ` +
        `${(100 * searched.mean).toFixed(2)} ± ${(100 * searched.std).toFixed(2)}% | ${(100 * spread.mean).toFixed(2)} ± ${(100 * spread.std).toFixed(2)}% (${random.length}) | ` +
        `${pct(Math.min(...randomMeans))}-${pct(Math.max(...randomMeans))} | ${rank} of ${random.length + 1} | ${perSeed.join(', ')} |`,
    );
  }
  lines.push(
    '',
    '| search | epoch | supernet train top-1 | valid top-1, sampled paths | valid top-1, argmax path | arch-step top-1 | E[latency] (ms) | derived (ms) | entropy | mean max-p |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  histories.forEach((history, t) =>
    history
      .filter((r) => r.updatedArch)
      .forEach((r) => {
        lines.push(
          `| ${tag(targets[t])} | ${r.epoch} | ${(100 * r.train.top1).toFixed(1)}% | ${(100 * r.valid.sampledTop1).toFixed(1)}% | ${(100 * r.valid.argmaxTop1).toFixed(1)}% | ` +
            `${(100 * r.arch.top1).toFixed(1)}% | ${r.expectedLatency.toFixed(3)} | ${r.derivedLatency.toFixed(3)} | ${r.entropy.toFixed(3)} | ${r.maxProbability.toFixed(3)} |`,
        );
      }),
  );
  lines.push(
    '',
    `${((Date.now() - started) / 1000).toFixed(0)} s in this invocation (steps found finished in ${args.out} are not redone).`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
