// npm run bench:pinas — Pi-NAS against its control, the RSPS one-shot supernet, on the NB201 cell
// trained on Fashion-MNIST: how well each supernet ranks the shared ground truth (the stand-alone
// accuracies bench:gm-nas trains and writes to bench/data/nb201-fmnist-truth.json, 2 seeds each), by
// Kendall tau against their mean, with the truth's own seed-to-seed tau printed as the ceiling. Arms:
// Pi-NAS without labels (scored by kNN on each path's features), Pi-NAS supervised (its classifier),
// RSPS (one path per step, its classifier). All on the same data (data seed 0), the same supernet, the
// same epochs and batch; per seed, each arm's tau and the paired difference to RSPS. Each run is a
// resumable run under --out and its figures are cached, so a killed bench goes on where it stopped.
//
//   npm run bench:pinas -- [--seeds 0,1,2] [--epochs 8] [--limit-train 10000] [--score-images 2000]
//       [--arms pinas,pinas-supervised,rsps] [--truth-file bench/data/nb201-fmnist-truth.json] [--out runs/bench-pinas]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { gmNas, nb201Accuracy, NB201_OPS, searchPinas, type Nb201Cell } from '../lib';
import { readTruthFile, type TruthFile } from '../lib/pinas/pinas-run';
import { kendall, meanAndStd } from '../lib/util/statistics';
import { wholeFlag } from './flags';
import { readOr } from './step-cache';

const ARMS = ['pinas', 'pinas-supervised', 'rsps'] as const;
type Arm = (typeof ARMS)[number];

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    epochs: { type: 'string', default: '8' },
    'limit-train': { type: 'string', default: '10000' },
    'score-images': { type: 'string', default: '2000' },
    arms: { type: 'string', default: ARMS.join(',') },
    'truth-file': { type: 'string', default: 'bench/data/nb201-fmnist-truth.json' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string', default: 'runs/bench-pinas' },
  },
});

const cfg = {
  seeds: args.seeds.split(',').map((s) => wholeFlag(s, 'seeds', 0)),
  epochs: wholeFlag(args.epochs, 'epochs'),
  limitTrain: wholeFlag(args['limit-train'], 'limit-train', 64),
  scoreImages: wholeFlag(args['score-images'], 'score-images', 64),
  arms: args.arms.split(',') as Arm[],
  truthFile: args['truth-file'],
  threads: wholeFlag(args.threads, 'threads'),
  out: args.out,
};
const BATCH = 64;
const DATA_SEED = 0;

interface ArmRun {
  arm: Arm;
  seed: number;
  /** The supernet's score of each ground-truth cell, in the truth file's order. */
  scores: number[];
  /** Pi-NAS: tau after each epoch. */
  tauByEpoch?: number[];
  seconds: number;
}

async function runArm(arm: Arm, seed: number, truth: TruthFile): Promise<ArmRun> {
  const runDir = path.join(cfg.out, 'runs', `${arm}-s${seed}`);
  const common = {
    seed,
    dataSeed: DATA_SEED,
    limitTrain: cfg.limitTrain,
    epochs: cfg.epochs,
    batchSize: BATCH,
  };
  const place = { device: 'cpu', threads: cfg.threads, progressEvery: 1000, runDir };
  const log = (e: { type: string; record?: { epoch: number; tau?: number } }) => {
    if (e.type === 'epoch')
      process.stderr.write(
        `${arm} s${seed}: epoch ${e.record!.epoch}${e.record!.tau === undefined ? '' : ` tau ${e.record!.tau.toFixed(3)}`}\n`,
      );
  };
  if (arm === 'rsps') {
    const result = await gmNas(
      {
        ...common,
        ...place,
        space: 'nb201',
        channels: 8,
        cells: 1,
        splitEpochs: [],
        evalImages: cfg.scoreImages,
        samples: 1,
        evaluate: truth.networks.map((n) => n.path),
      },
      log,
    );
    const byPath = new Map(result.scored.map((s) => [s.path.join(), s.top1]));
    return {
      arm,
      seed,
      scores: truth.networks.map((n) => byPath.get(n.path.join())!),
      seconds: result.seconds,
    };
  }
  const result = await searchPinas(
    {
      ...common,
      ...place,
      supervised: arm === 'pinas-supervised',
      scoreImages: cfg.scoreImages,
      candidates: 1,
      truthFile: cfg.truthFile,
    },
    log,
  );
  return {
    arm,
    seed,
    scores: result.truth!.scores,
    tauByEpoch: result.history.map((r) => r.tau!),
    seconds: result.history.reduce((s, r) => s + r.seconds, 0),
  };
}

function report(runs: ArmRun[], truth: TruthFile): string {
  const accuracy = truth.networks.map((n) => n.top1.reduce((a, b) => a + b, 0) / n.top1.length);
  const cifar = truth.networks.map((n) =>
    nb201Accuracy(n.path.map((j) => NB201_OPS[j]) as unknown as Nb201Cell, 'cifar10', 'test'),
  );
  const tau = (r: ArmRun) => kendall(r.scores, accuracy);
  const fmt = (xs: number[]) => `${meanAndStd(xs).mean.toFixed(3)} ± ${meanAndStd(xs).std.toFixed(3)}`;
  const lines = [
    `Pi-NAS vs RSPS on NB201 (C 8, N 1), Fashion-MNIST: ${cfg.limitTrain} training images, ${cfg.epochs} epochs, ` +
      `batch ${BATCH}; ${truth.networks.length} ground-truth cells scored on ${cfg.scoreImages} held-out images`,
    `ceiling: the ground truth's own seed-to-seed Kendall tau is ${truth.seedToSeedKendallTau.toFixed(3)}`,
    '',
    '| arm | seed | Kendall tau vs ground truth | tau vs NB201 CIFAR-10 (transfer) | tau after each epoch | paired diff to RSPS | seconds |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of runs) {
    const control = runs.find((c) => c.arm === 'rsps' && c.seed === r.seed);
    const diff = control && r.arm !== 'rsps' ? (tau(r) - tau(control)).toFixed(3) : '';
    lines.push(
      `| ${r.arm} | ${r.seed} | ${tau(r).toFixed(3)} | ${kendall(r.scores, cifar).toFixed(3)} | ` +
        `${r.tauByEpoch ? r.tauByEpoch.map((t) => t.toFixed(2)).join(' ') : ''} | ${diff} | ${r.seconds.toFixed(0)} |`,
    );
  }
  lines.push('', '| arm | tau mean ± std | paired diff to RSPS, mean (per seed) |', '| --- | --- | --- |');
  for (const arm of cfg.arms) {
    const mine = runs.filter((r) => r.arm === arm);
    const diffs = mine.flatMap((r) => {
      const c = runs.find((x) => x.arm === 'rsps' && x.seed === r.seed);
      return c && arm !== 'rsps' ? [tau(r) - tau(c)] : [];
    });
    lines.push(
      `| ${arm} | ${fmt(mine.map(tau))} | ${diffs.length ? `${meanAndStd(diffs).mean.toFixed(3)} (${diffs.map((d) => d.toFixed(3)).join(', ')})` : ''} |`,
    );
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  for (const arm of cfg.arms)
    if (!ARMS.includes(arm)) throw new Error(`--arms: unknown arm '${arm}' (${ARMS.join(', ')})`);
  if (!fs.existsSync(cfg.truthFile))
    throw new Error(
      `--truth-file: ${cfg.truthFile} does not exist: npm run bench:gm-nas trains the ground truth and writes it`,
    );
  const truth = readTruthFile(cfg.truthFile);
  const runs: ArmRun[] = [];
  for (const seed of cfg.seeds)
    for (const arm of cfg.arms)
      runs.push(await readOr(path.join(cfg.out, `${arm}-s${seed}.json`), () => runArm(arm, seed, truth)));
  const text = report(runs, truth);
  fs.mkdirSync(cfg.out, { recursive: true });
  fs.writeFileSync(path.join(cfg.out, 'report.md'), text);
  process.stdout.write(text);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
