// npm run bench:gm-nas — GM-NAS against its controls on Fashion-MNIST, on the NB201 cell space with
// the network reduced to fit 2 cores (C = 8, N = 1 cell per stage by default; the benchmark's is
// C = 16, N = 5), at equal total supernet epochs:
//
// 1. ground truth: --gt architectures drawn uniformly from the 15625 (seeded), each trained alone with
//    one short recipe (--gt-epochs on the same training subset, SGD, cosine) with two seeds and tested
//    on the same held-out images the supernets score on; its own noise, the Kendall tau between its two
//    seeds, is printed as the ceiling, and it is written with its recipe to --truth-file (one artifact
//    every ranking figure on these cells reports against);
// 2. per seed, three arms on the same data: one-shot (RSPS, no split), a random split (a random edge
//    into two random groups) and the GM split (gradient matching), every arm for --epochs per lineage
//    (the reference trains each final leaf for the full schedule), the split arms splitting after
//    --split-epochs (E/2 by default); the supernet epochs each arm costs are printed;
// 3. per run: Kendall tau between the supernet accuracy of the ground-truth architectures (each in the
//    sub-supernet holding it) and their stand-alone accuracy; the same over only the pairs that share a
//    leaf (where supernet scores are comparable), beside the one-shot supernet's on those pairs; top-5
//    regret (the best stand-alone accuracy minus the best stand-alone accuracy among the 5 the
//    supernet ranks highest); the run's
//    chosen architecture's NB201 CIFAR-10 test accuracy (200 epochs) from the table, a transfer figure,
//    with its percentile among all 15,625;
// 4. the control every search needs: each run's chosen architecture trained alone with the
//    ground-truth recipe and ranked among the ground-truth (random) architectures within +-25% of its
//    FLOPs (at the network size searched), whatever the rank.
//
// Every step writes under --out and is skipped when found finished, so the bench resumes.
//
//   npm run bench:gm-nas -- [--out runs/gm-bench] [--seeds 0,1,2] [--gt 60] [--gt-epochs 5]
//       [--epochs 8] [--split-epochs 4] [--limit-train 10000] [--eval-images 2000] [--score-images N] [--channels 8]
//       [--cells 1] [--repeats 32] [--samples 20] [--jobs 2] [--threads 2] [--only truth|arms]
//       [--truth-file bench/data/nb201-fmnist-truth.json]
//
// --eval-images is the ground truth's test set; --score-images (default: the same) the held-out images the
// supernets score the cells on: the first --eval-images of them (one seeded order), so a larger scoring
// set holds the truth's test images and the scores are less noisy without retraining the truth.
//
// --only truth trains the ground truth and stops; --only arms runs the searches and stops (they need only
// the ground truth's cells, not its accuracies): the two can run side by side, in two processes with one
// core each (--jobs 1, --threads 1), and a last run without --only reads both back and reports.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  gmNas,
  nb201Accuracy,
  nb201AccuracyColumn,
  nb201NetworkCost,
  NB201_OPS,
  Session,
  type GmNasResult,
  type Nb201Cell,
} from '../lib';
import { gmData, type GmData } from '../lib/gmnas/gm-data';
import { Rng } from '../lib/util/rng';
import { runPool } from '../lib/util/job-pool';
import { bootstrapStatistic, kendall, meanAndStd } from '../lib/util/statistics';
import { wholeFlag } from './flags';
import { readOr } from './step-cache';
import { writeJsonAtomic } from '../lib/util/atomic-file';
import { buildNb201 } from '../lib/benchmarks/nb201-session';
import { markdownCell } from './markdown-cell';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/gm-bench' },
    seeds: { type: 'string', default: '0,1,2' },
    gt: { type: 'string', default: '60' },
    'gt-epochs': { type: 'string', default: '5' },
    epochs: { type: 'string', default: '8' },
    'split-epochs': { type: 'string', default: '4' },
    'limit-train': { type: 'string', default: '10000' },
    'eval-images': { type: 'string', default: '2000' },
    'score-images': { type: 'string' },
    channels: { type: 'string', default: '8' },
    cells: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '32' }, // gm-nas's default (the reference: 100)
    samples: { type: 'string', default: '20' },
    jobs: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string' },
    'truth-file': { type: 'string', default: 'bench/data/nb201-fmnist-truth.json' },
  },
});

const cfg = {
  out: args.out,
  seeds: args.seeds.split(',').map((s) => wholeFlag(s, 'seeds', 0)),
  gt: wholeFlag(args.gt, 'gt', 6),
  gtEpochs: wholeFlag(args['gt-epochs'], 'gt-epochs'),
  epochs: wholeFlag(args.epochs, 'epochs', 2),
  splitEpochs: args['split-epochs'].split(',').map((s) => wholeFlag(s, 'split-epochs')),
  limitTrain: wholeFlag(args['limit-train'], 'limit-train', 64),
  evalImages: wholeFlag(args['eval-images'], 'eval-images', 64),
  scoreImages: wholeFlag(args['score-images'] ?? args['eval-images'], 'score-images', 64),
  channels: wholeFlag(args.channels, 'channels'),
  cells: wholeFlag(args.cells, 'cells'),
  repeats: wholeFlag(args.repeats, 'repeats'),
  samples: wholeFlag(args.samples, 'samples'),
  jobs: wholeFlag(args.jobs, 'jobs', 1),
  threads: wholeFlag(args.threads, 'threads', 1),
  only: onlyStage(args.only),
  truthFile: args['truth-file'],
};
function onlyStage(value: string | undefined): 'truth' | 'arms' | undefined {
  if (value === undefined || value === 'truth' || value === 'arms') return value;
  process.stderr.write(
    `--only must be 'truth' or 'arms' (given '${value}'); leave it out to run every stage\n`,
  );
  process.exit(2);
}

/** The ground truth's two training seeds: the first one's files keep their old names. */
const TRUTH_SEEDS = [1, 2] as const;
const BATCH = 64;
const LR = 0.05;
const WEIGHT_DECAY = 3e-4;
const DATA_SEED = 0; // the same train subset and held-out images for every arm, seed and ground-truth network

/** Supernet epochs summed over the tree: E before the first split, then 2^k leaves for the rest. */
function totalSupernetEpochs(epochs: number, splits: number[]): number {
  const bounds = [0, ...splits, epochs];
  return bounds.slice(1).reduce((sum, end, k) => sum + 2 ** k * (end - bounds[k]), 0);
}

function groundTruthPaths(count: number): number[][] {
  const rng = new Rng(20261202);
  const seen = new Map<string, number[]>();
  while (seen.size < count) {
    const p = Array.from({ length: 6 }, () => rng.int(5));
    seen.set(p.join(','), p);
  }
  return [...seen.values()];
}

async function trainStandalone(p: number[], data: GmData, threads: number, seed = 1): Promise<number> {
  const s = new Session({ device: 'cpu', threads, seed });
  try {
    await buildNb201(s, {
      arch: p.map((j) => NB201_OPS[j]),
      channels: cfg.channels,
      cells: cfg.cells,
      input: data.input,
      classes: data.classes,
    });
    const steps = Math.ceil(data.train.size / BATCH);
    await s.configureTraining({
      optimizer: 'sgd',
      lr: LR,
      weightDecay: WEIGHT_DECAY,
      totalSteps: cfg.gtEpochs * steps,
    });
    for (let epoch = 0; epoch < cfg.gtEpochs; epoch++)
      await s.trainEpoch(data.train, { batchSize: BATCH, seed, epoch, augment: data.augment });
    return (
      await s.evaluate(data.evaluation, {
        batchSize: 256,
        augment: { mean: data.augment.mean, std: data.augment.std },
      })
    ).top1;
  } finally {
    await s.close();
  }
}

interface Truth {
  path: number[];
  arch: string;
  /** The mean over the two training seeds. */
  top1: number;
  bySeed: number[];
  flops: number;
}

const flopsOf = (p: number[], data: GmData) =>
  nb201NetworkCost(p.map((j) => NB201_OPS[j]) as unknown as Nb201Cell, {
    channels: cfg.channels,
    cells: cfg.cells,
    input: data.input,
    classes: data.classes,
  }).flops;

async function groundTruth(data: GmData): Promise<Truth[]> {
  const dir = path.join(cfg.out, 'ground-truth');
  fs.mkdirSync(dir, { recursive: true });
  const threads = cfg.jobs > 1 ? 1 : cfg.threads;
  const paths = groundTruthPaths(cfg.gt);
  const file = (p: number[], seed: number) =>
    path.join(dir, seed === TRUTH_SEEDS[0] ? `${p.join('')}.json` : `${p.join('')}-s${seed}.json`);
  const started = Date.now();
  let done = 0;
  const partial = readPartialTruth();
  const trained = await runPool(
    paths.flatMap((p) =>
      TRUTH_SEEDS.map((seed) => async () => {
        const key = `${p.join('')}-s${seed}`;
        const top1 = await readOr(
          file(p, seed),
          async () => partial[key] ?? trainStandalone(p, data, threads, seed),
        );
        partial[key] = top1;
        writePartialTruth(partial);
        done++;
        process.stderr.write(
          `ground truth ${done}/${2 * paths.length}: ${p.join('')} seed ${seed} ${(100 * top1).toFixed(2)}% ` +
            `(${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
        );
        return top1;
      }),
    ),
    cfg.jobs,
  );
  return paths.map((p, i) => {
    const bySeed = [trained[2 * i], trained[2 * i + 1]];
    const arch = p.map((j) => NB201_OPS[j]).join(',');
    return { path: p, arch, top1: (bySeed[0] + bySeed[1]) / 2, bySeed, flops: flopsOf(p, data) };
  });
}

// Every finished training is also kept beside the truth file (committed), so a bench folder lost with
// its machine does not cost the hours of ground truth already trained; the recipe is in the key's file.
const partialTruthFile = () => cfg.truthFile.replace(/\.json$/, '') + '.partial.json';

function readPartialTruth(): Record<string, number> {
  const file = partialTruthFile();
  if (!fs.existsSync(file)) return {};
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    command: string;
    top1: Record<string, number>;
  };
  if (saved.command !== truthCommand())
    throw new Error(
      `${file} was trained by '${saved.command}', not '${truthCommand()}': move it away to retrain`,
    );
  return saved.top1;
}

function writePartialTruth(top1: Record<string, number>): void {
  fs.mkdirSync(path.dirname(cfg.truthFile), { recursive: true });
  writeJsonAtomic(partialTruthFile(), { command: truthCommand(), top1 });
}

const truthCommand = () =>
  `npm run bench:gm-nas -- --gt-epochs ${cfg.gtEpochs} --limit-train ${cfg.limitTrain} ` +
  `--eval-images ${cfg.evalImages} --channels ${cfg.channels} --cells ${cfg.cells}`;

/** The ground truth's own noise: Kendall tau between its two training seeds (what no supernet can beat). */
const truthCeiling = (truth: Truth[]) =>
  kendall(
    truth.map((t) => t.bySeed[0]),
    truth.map((t) => t.bySeed[1]),
  );

/** The ground truth with its recipe, as the one artifact every ranking figure on these cells uses. */
function writeTruthFile(truth: Truth[]): void {
  fs.mkdirSync(path.dirname(cfg.truthFile), { recursive: true });
  const recipe = {
    dataset: 'fashion-mnist',
    network: { space: 'nb201', channels: cfg.channels, cells: cfg.cells },
    data: { limitTrain: cfg.limitTrain, validFraction: 0.2, evalImages: cfg.evalImages, dataSeed: DATA_SEED },
    training: {
      epochs: cfg.gtEpochs,
      batchSize: BATCH,
      optimizer: 'sgd',
      lr: LR,
      weightDecay: WEIGHT_DECAY,
      schedule: 'cosine',
    },
    seeds: TRUTH_SEEDS,
    command: `npm run bench:gm-nas -- --gt ${cfg.gt} --gt-epochs ${cfg.gtEpochs} --limit-train ${cfg.limitTrain} --eval-images ${cfg.evalImages}`,
  };
  const networks = truth.map((t) => ({ arch: t.arch, path: t.path, top1: t.bySeed, flops: t.flops }));
  fs.writeFileSync(
    cfg.truthFile,
    JSON.stringify({ recipe, seedToSeedKendallTau: truthCeiling(truth), networks }, null, 1) + '\n',
  );
}

const ARMS = ['oneshot', 'random', 'gradient'] as const;
type Arm = (typeof ARMS)[number];

async function runArm(arm: Arm, seed: number, cells: number[][]): Promise<GmNasResult> {
  const split = arm !== 'oneshot';
  return readOr(path.join(cfg.out, `${arm}-s${seed}.json`), () =>
    gmNas(
      {
        space: 'nb201',
        channels: cfg.channels,
        cells: cfg.cells,
        epochs: cfg.epochs,
        splitEpochs: split ? cfg.splitEpochs : [],
        criterion: arm === 'random' ? 'random' : 'gradient',
        repeats: cfg.repeats,
        batchSize: BATCH,
        lr: LR,
        weightDecay: WEIGHT_DECAY,
        limitTrain: cfg.limitTrain,
        evalImages: cfg.scoreImages,
        samples: cfg.samples,
        evaluate: cells,
        seed,
        dataSeed: DATA_SEED,
        device: 'cpu',
        threads: cfg.threads,
        progressEvery: 1000,
        runDir: path.join(cfg.out, 'runs', `${arm}-s${seed}`),
      },
      (e) => {
        if (e.type === 'split' || e.type === 'epoch')
          process.stderr.write(
            `${arm} s${seed}: ${e.type === 'split' ? `split n${e.node} on edge ${e.split.decision} [${e.split.groups[0]}]|[${e.split.groups[1]}]` : `epoch ${e.record.epoch}`}\n`,
          );
      },
    ),
  );
}

/**
 * Kendall's tau over chosen pairs only ((concordant - discordant) / pairs; ties count as neither): the
 * ranking quality among architectures that share a sub-supernet, where scores are comparable.
 */
function pairTau(pairs: [number, number][], supernet: number[], truth: Truth[]): number {
  let sum = 0;
  for (const [i, j] of pairs)
    sum += Math.sign(supernet[i] - supernet[j]) * Math.sign(truth[i].top1 - truth[j].top1);
  return pairs.length ? sum / pairs.length : NaN;
}

/** Pairs of ground-truth architectures that the run scored in the same leaf. */
function sameLeafPairs(result: GmNasResult): [number, number][] {
  const leaf = result.scored.map((s) => s.leaf);
  return leaf.flatMap((a, i) =>
    leaf.slice(i + 1).flatMap((b, k) => (a === b ? [[i, i + 1 + k] as [number, number]] : [])),
  );
}

function topRegret(truth: Truth[], supernet: number[], k: number): number {
  const order = truth.map((t, i) => ({ t, s: supernet[i] })).sort((a, b) => b.s - a.s);
  return Math.max(...truth.map((t) => t.top1)) - Math.max(...order.slice(0, k).map((o) => o.t.top1));
}

interface ArmRow {
  arm: Arm;
  seed: number;
  tau: number;
  sameLeafTau: number;
  sameLeafPairs: number;
  oneShotOnPairs?: number;
  regret5: number;
  chosen: string;
  chosenHeldOut: number;
  cifar10: number;
  cifar10Percentile: number;
  leaves: number;
  standalone: number;
  peers: number;
  rank: number;
  /** The supernet's top-1 of each ground-truth cell, in the truth's order. */
  scores: number[];
}

const CIFAR10 = nb201AccuracyColumn('cifar10', 'test');

/** The chosen network trained alone like the ground truth; its rank among random ones of +-25% FLOPs. */
async function randomPickControl(result: GmNasResult, truth: Truth[], data: GmData) {
  const dir = path.join(cfg.out, 'chosen');
  fs.mkdirSync(dir, { recursive: true });
  const p = result.chosen.path;
  const standalone = await readOr(path.join(dir, `${p.join('')}.json`), () => trainStandalone(p, data, 2));
  const flops = flopsOf(p, data);
  const peers = truth.filter((t) => Math.abs(t.flops - flops) <= 0.25 * flops && t.path.join() !== p.join());
  return { standalone, peers: peers.length, rank: 1 + peers.filter((t) => t.top1 > standalone).length };
}

async function rowOf(
  arm: Arm,
  seed: number,
  result: GmNasResult,
  truth: Truth[],
  data: GmData,
  oneShot?: GmNasResult,
): Promise<ArmRow> {
  const supernet = result.scored.map((s) => s.top1);
  const pairs = sameLeafPairs(result);
  const cifar10 = nb201Accuracy(result.chosen.arch, 'cifar10', 'test');
  return {
    arm,
    seed,
    tau: kendall(
      supernet,
      truth.map((t) => t.top1),
    ),
    regret5: topRegret(truth, supernet, 5),
    sameLeafTau: pairTau(pairs, supernet, truth),
    sameLeafPairs: pairs.length,
    oneShotOnPairs:
      oneShot && arm !== 'oneshot'
        ? pairTau(
            pairs,
            oneShot.scored.map((x) => x.top1),
            truth,
          )
        : undefined,
    chosen: result.chosen.arch,
    chosenHeldOut: result.chosen.top1,
    cifar10,
    cifar10Percentile: CIFAR10.filter((a) => a <= cifar10).length / CIFAR10.length,
    leaves: result.leaves.length,
    scores: supernet,
    ...(await randomPickControl(result, truth, data)),
  };
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

/**
 * GM's tau minus a control's, averaged over the seeds both ran, with a bootstrap interval over the
 * ground-truth cells: which cells were drawn is the noise this measures (the seeds' is the spread).
 */
function tauDifferenceOverCells(rows: ArmRow[], control: Arm, truth: Truth[]) {
  const seeds = [...new Set(rows.map((r) => r.seed))];
  const scores = (arm: Arm) =>
    seeds.map((seed) => rows.find((r) => r.arm === arm && r.seed === seed)!.scores);
  const gm = scores('gradient');
  const other = scores(control);
  const top1 = truth.map((t) => t.top1);
  return bootstrapStatistic(
    truth.length,
    (at) => {
      const pick = (xs: number[]) => at.map((i) => xs[i]);
      const tau = (xs: number[]) => kendall(pick(xs), pick(top1));
      return seeds.reduce((sum, _, k) => sum + tau(gm[k]) - tau(other[k]), 0) / seeds.length;
    },
    { resamples: 2000 },
  );
}

function report(rows: ArmRow[], truth: Truth[]): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  const lines = [
    `GM-NAS bench (${new Date().toISOString().slice(0, 10)}): NB201 C=${cfg.channels} N=${cfg.cells} on Fashion-MNIST, ` +
      `${cfg.limitTrain} training images, ${cfg.evalImages} held-out (the truth's test set; the supernets score on ` +
      `${cfg.scoreImages}); ${truth.length} ground-truth architectures ` +
      `(${cfg.gtEpochs} epochs each, 2 seeds, stand-alone top-1 ${pct(Math.min(...truth.map((t) => t.top1)))}..${pct(Math.max(...truth.map((t) => t.top1)))}%); ` +
      `every arm ${cfg.epochs} epochs per lineage, the split arms splitting after ${cfg.splitEpochs}: ` +
      `${totalSupernetEpochs(cfg.epochs, cfg.splitEpochs)} supernet epochs against one-shot's ${cfg.epochs}`,
    `ceiling: the ground truth's own seed-to-seed Kendall tau is ${truthCeiling(truth).toFixed(3)}`,
    '',
    '| arm | seed | Kendall tau | tau on same-leaf pairs (pairs) | one-shot on those pairs | top-5 regret (pts) | leaves | chosen | supernet held-out top-1 | stand-alone top-1 | rank among random peers (+-25% FLOPs) | NB201 CIFAR-10 test (transfer), percentile |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.arm} | ${r.seed} | ${r.tau.toFixed(3)} | ${r.sameLeafTau.toFixed(3)} (${r.sameLeafPairs}) | ` +
        `${r.oneShotOnPairs === undefined ? '' : r.oneShotOnPairs.toFixed(3)} | ${pct(r.regret5)} | ${r.leaves} | ${markdownCell(r.chosen)} | ${pct(r.chosenHeldOut)} | ` +
        `${pct(r.standalone)} | ${r.rank} of ${r.peers + 1} | ${r.cifar10.toFixed(2)}, ${pct(r.cifar10Percentile)} |`,
    ),
    '',
    '| arm | tau mean | tau std | tau spread (max-min) | same-leaf tau mean | one-shot on those pairs, mean | regret mean (pts) | CIFAR-10 mean |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const stats = ARMS.map((arm) => {
    const mine = rows.filter((r) => r.arm === arm);
    const taus = mine.map((r) => r.tau);
    const { mean, std } = meanAndStd(taus);
    const leafTau = meanAndStd(mine.map((r) => r.sameLeafTau)).mean;
    const oneShotPairs = arm === 'oneshot' ? NaN : meanAndStd(mine.map((r) => r.oneShotOnPairs!)).mean;
    return {
      arm,
      mean,
      std,
      spread: Math.max(...taus) - Math.min(...taus),
      leafTau,
      oneShotPairs,
      regret: meanAndStd(mine.map((r) => r.regret5)).mean,
      cifar: meanAndStd(mine.map((r) => r.cifar10)).mean,
    };
  });
  for (const s of stats)
    lines.push(
      `| ${s.arm} | ${s.mean.toFixed(3)} | ${s.std.toFixed(3)} | ${s.spread.toFixed(3)} | ${s.leafTau.toFixed(3)} | ` +
        `${Number.isNaN(s.oneShotPairs) ? '' : s.oneShotPairs.toFixed(3)} | ${pct(s.regret)} | ${s.cifar.toFixed(2)} |`,
    );
  const gm = stats.find((s) => s.arm === 'gradient')!;
  for (const control of stats.filter((s) => s.arm !== 'gradient')) {
    const margin = gm.mean - control.mean;
    const spread = Math.max(gm.spread, control.spread);
    const cells = tauDifferenceOverCells(rows, control.arm, truth);
    lines.push(
      `GM vs ${control.arm}: tau ${signed(margin)}, seed spread ${spread.toFixed(3)}: ` +
        (margin > spread ? 'above the spread' : 'NOT above the spread') +
        `; 95% interval over the ${truth.length} cells (resampled, the same in both arms, seeds averaged): ` +
        `[${signed(cells.lo)}, ${signed(cells.hi)}]`,
    );
  }
  return lines.join('\n') + '\n';
}

async function main() {
  fs.mkdirSync(cfg.out, { recursive: true });
  // The searches load their own data: only the truth and the report need this one.
  if (cfg.only === 'arms') {
    const cells = groundTruthPaths(cfg.gt);
    for (const seed of cfg.seeds) for (const arm of ARMS) await runArm(arm, seed, cells);
    return;
  }
  const data = await gmData({
    dataset: 'fashion-mnist',
    validFraction: 0.2,
    evalImages: cfg.evalImages,
    limitTrain: cfg.limitTrain,
    batchSize: BATCH,
    augment: false,
    seed: DATA_SEED,
  });
  const truth = await groundTruth(data);
  writeTruthFile(truth);
  process.stderr.write(`ground truth: seed-to-seed Kendall tau ${truthCeiling(truth).toFixed(3)}\n`);
  if (cfg.only === 'truth') return;
  const cells = truth.map((t) => t.path);
  const rows: ArmRow[] = [];
  for (const seed of cfg.seeds) {
    const oneShot = await runArm('oneshot', seed, cells);
    for (const arm of ARMS)
      rows.push(await rowOf(arm, seed, await runArm(arm, seed, cells), truth, data, oneShot));
  }
  const text = report(rows, truth);
  fs.writeFileSync(path.join(cfg.out, 'report.md'), text);
  process.stdout.write(text);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
