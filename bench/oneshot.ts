// npm run bench:oneshot — one-shot supernet training rules compared on Fashion-MNIST, at equal
// optimizer steps, with the control every NAS result needs:
//
// 1. per arm (uniform, sandwich, bestup-3, worstup-3): the elastic-28 supernet trained on the same
//    training subset for the same epochs (so the same optimizer steps), seed and recipe; wall time kept;
// 2. the same --subnets subnets for every arm, stratified over --bins MACs bins, each BN-recalibrated
//    and scored on the held-out part: the best accuracy per bin and the front's hypervolume per arm;
// 3. per arm, 3 subnets of its Pareto front (low, middle and high MACs) retrained from scratch with one
//    recipe and seed, so the weight-sharing accuracy stands beside the stand-alone one;
// 4. --kendall subnets (spread over the bins, the same for every arm) retrained once, and the Kendall
//    tau between each arm's supernet accuracy and their stand-alone accuracy.
//
// Every step writes under --out and is skipped when found finished, so the bench resumes step by step.
//
// 5. for the shiftnas arm (B moves every --shift-every steps): the generator's MACs error at its bin
//    centres, how B moved, and at each centre the generator's subnet against NSGA-II's best within ±5%
//    (--evolution-population x --evolution-iterations scored subnets), both rescored on the same images.
//
// Every step writes under --out and is skipped when found finished, so the bench resumes step by step.
// Other seeds (--seed 2 --out runs/oneshot-s2 --skip-retrain) score the same subnets (--subnet-seed),
// for the seed-to-seed spread that `npm run bench:oneshot-seeds` reports.
//
//   npm run bench:oneshot -- [--out runs/oneshot] [--arms uniform,sandwich,bestup-3,worstup-3,shiftnas]
//       [--epochs 4] [--limit-train 10000] [--batch-size 64] [--subnets 200] [--bins 8]
//       [--calib-batches 5] [--limit-valid 1000] [--kendall 20] [--retrain-epochs 2]
//       [--retrain-limit 6000] [--jobs 2] [--seed 1] [--subnet-seed 1] [--plot DIR] [--threads 2] [--train-only]
//       [--skip-retrain] [--shift-every 7] [--evolution-population 16] [--evolution-iterations 4]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  encodeSubnet,
  decodeSubnet,
  largestSubnet,
  loadElasticSpace,
  randomSubnet,
  smallestSubnet,
  subnetArchitecture,
  subnetCost,
  train,
  type Subnet,
  type TrainResult,
} from '../lib';
import { paretoChart, renderChart } from '../lib/report';
import { hypervolume, paretoFront } from '../lib/search/pareto';
import { searchSupernet } from '../lib/supernet/search-supernet';
import {
  binCentres,
  generateSubnets,
  shiftNasChartOf,
  type GeneratedSubnet,
} from '../lib/supernet/shiftnas/shiftnas-run';
import { loadSupernet, openSupernetRun, shiftNasEdges } from '../lib/supernet/supernet-run';
import { macsBin } from '../lib/supernet/subnet-pool';
import {
  parseSupernetOptions,
  scoreSubnets,
  supernetData,
  trainSupernet,
  type SubnetScore,
} from '../lib/supernet/train-supernet';
import { Rng } from '../lib/util/rng';
import { readOr } from './step-cache';
import { runPool } from '../lib/util/job-pool';
import { kendall } from '../lib/util/statistics';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/oneshot' },
    arms: { type: 'string', default: 'uniform,sandwich,bestup-3,worstup-3,shiftnas' },
    epochs: { type: 'string', default: '4' },
    'limit-train': { type: 'string', default: '10000' },
    'batch-size': { type: 'string', default: '64' },
    subnets: { type: 'string', default: '200' },
    bins: { type: 'string', default: '8' },
    'calib-batches': { type: 'string', default: '5' },
    'limit-valid': { type: 'string', default: '1000' },
    kendall: { type: 'string', default: '20' },
    'retrain-epochs': { type: 'string', default: '2' },
    'retrain-limit': { type: 'string', default: '6000' },
    jobs: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    // The seed of the stratified subnets every arm is scored on: the same across --seed runs.
    'subnet-seed': { type: 'string', default: '1' },
    // Train and score only (no stand-alone retraining, no Kendall tau): the runs of further seeds.
    'skip-retrain': { type: 'boolean', default: false },
    plot: { type: 'string' },
    // Train the arms only (several processes may train different arms side by side), then stop.
    'train-only': { type: 'boolean', default: false },
    // ShiftNAS: the NSGA-II budget at each bin centre, and how often B moves (>= 60 updates: the shift acts).
    'evolution-population': { type: 'string', default: '16' },
    'evolution-iterations': { type: 'string', default: '4' },
    'shift-every': { type: 'string', default: '7' },
    threads: { type: 'string', default: '2' },
  },
});

const SPACE = loadElasticSpace('elastic-28');
const SEED = Number(args.seed);
const JOBS = Number(args.jobs);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const mmacs = (s: Subnet) => subnetCost(SPACE, s).macs / 1e6;

/**
 * `count` distinct subnets spread over `bins` MACs bins: drawn uniformly and bucketed, then taken from
 * the bins in turn, so each bin gives an equal share where it can; the extreme bins, rare under uniform
 * draws, may give fewer, and the others make up the count.
 */
function stratified(count: number, bins: number, seed: number): Subnet[] {
  const rng = new Rng(seed);
  const lo = mmacs(smallestSubnet(SPACE));
  const grid = Array.from(
    { length: bins + 1 },
    (_, i) => lo + ((mmacs(largestSubnet(SPACE)) - lo) * i) / bins,
  );
  const buckets: Subnet[][] = Array.from({ length: bins }, () => []);
  const seen = new Set<string>();
  for (let tries = 0; tries < 200 * count; tries++) {
    const s = randomSubnet(SPACE, () => rng.next());
    const bucket = buckets[macsBin(grid, mmacs(s))];
    if (bucket.length < count && !seen.has(encodeSubnet(s))) {
      bucket.push(s);
      seen.add(encodeSubnet(s));
    }
  }
  const picked: Subnet[] = [];
  for (let round = 0; picked.length < count && round < count; round++) {
    for (const bucket of buckets)
      if (round < bucket.length && picked.length < count) picked.push(bucket[round]);
  }
  return picked;
}

function supernetOptions(arm: string) {
  return {
    space: 'elastic-28',
    sampler: arm,
    epochs: Number(args.epochs),
    limitTrain: Number(args['limit-train']),
    batchSize: Number(args['batch-size']),
    calibBatches: Number(args['calib-batches']),
    device: 'cpu',
    threads: Number(args.threads),
    seed: SEED,
    ...(arm === 'shiftnas' ? { shiftEvery: Number(args['shift-every']) } : {}),
    runDir: path.join(args.out, arm, 'supernet'),
  };
}

async function trainArm(arm: string) {
  const result = await trainSupernet(supernetOptions(arm), (e) => {
    if (e.type === 'epoch') {
      log(
        `${arm} epoch ${e.record.epoch}: loss ${e.record.train.loss.toFixed(3)}, largest ${pct(e.record.largest.top1)}, ` +
          `smallest ${pct(e.record.smallest.top1)} in ${e.record.train.seconds.toFixed(0)} s`,
      );
    }
  });
  return {
    seconds: result.history.reduce((t, r) => t + r.train.seconds, 0),
    steps: result.history.at(-1)!.globalStep,
    last: result.history.at(-1)!,
  };
}

/**
 * A run's training part (for BN recalibration) and --limit-valid scoring images from the whole held-out
 * part (not shrunk with --limit-train, never trained on), the same images for every arm of a seed.
 */
async function scoringData(run: ReturnType<typeof openSupernetRun>) {
  const opts = parseSupernetOptions(run.opts);
  const data = await supernetData(opts, SPACE);
  const heldOut = (await supernetData({ ...opts, limitTrain: undefined }, SPACE)).valid;
  const images = Math.min(heldOut.size, Number(args['limit-valid']));
  return { ...data, valid: heldOut.subset(images, Number(args['subnet-seed']) + 7) };
}

async function scoreArm(arm: string, subnets: Subnet[]): Promise<SubnetScore[]> {
  const run = openSupernetRun(path.join(args.out, arm, 'supernet'));
  const data = await scoringData(run);
  const session = await loadSupernet(run, { threads: Number(args.threads) });
  try {
    return await scoreSubnets(session, SPACE, subnets, data, run.opts, (p) => {
      if (p.done % 25 === 0) log(`${arm}: ${p.done}/${p.total} subnets scored`);
    });
  } finally {
    await session.close();
  }
}

// One recipe for every stand-alone network: SGD 0.1, 1 warm-up epoch then cosine, crop + flip,
// batch 128, --retrain-limit images, 2% held out, then the 10,000 test images.
function retrain(subnet: Subnet, name: string): Promise<TrainResult> {
  return train({
    arch: subnetArchitecture(SPACE, subnet, name),
    dataset: 'fashion-mnist',
    epochs: Number(args['retrain-epochs']),
    limitTrain: Number(args['retrain-limit']),
    validFraction: 0.02,
    lr: 0.1,
    warmupEpochs: 1,
    batchSize: 128,
    device: 'cpu',
    threads: 1,
    seed: SEED,
    runDir: path.join(args.out, 'retrain', name),
  });
}

/** Front members nearest the 20%, 50% and 80% points of the front's MACs range. */
function threeOfFront(front: SubnetScore[]): SubnetScore[] {
  const lo = front[0].macs;
  const hi = front.at(-1)!.macs;
  const picks = [0.2, 0.5, 0.8].map((q) =>
    front.reduce((best, m) =>
      Math.abs(m.macs - (lo + q * (hi - lo))) < Math.abs(best.macs - (lo + q * (hi - lo))) ? m : best,
    ),
  );
  return [...new Map(picks.map((p) => [p.subnet, p])).values()];
}

async function main() {
  const started = Date.now();
  const arms = args.arms.split(',');
  fs.mkdirSync(args.out, { recursive: true });
  const subnets = await readOr(path.join(args.out, 'subnets.json'), async () =>
    stratified(Number(args.subnets), Number(args.bins), Number(args['subnet-seed']) + 100).map(encodeSubnet),
  );
  const trained = [];
  for (const arm of arms) trained.push(await trainArm(arm));
  if (args['train-only']) return;
  const scores: SubnetScore[][] = [];
  for (const arm of arms) {
    scores.push(
      await readOr(path.join(args.out, arm, 'scores.json'), () =>
        scoreArm(
          arm,
          subnets.map((s) => decodeSubnet(SPACE, s)),
        ),
      ),
    );
  }
  const fronts = scores.map((s) => paretoFront(s, (m) => ({ accuracy: m.top1, cost: m.macs })));
  if (args.plot) await plotFronts(arms, scores, fronts, args.plot);
  const shift = arms.includes('shiftnas')
    ? await readOr(path.join(args.out, 'shiftnas', 'extras.json'), shiftNasExtras)
    : undefined;
  if (shift && args.plot) await plotShiftNas(args.plot);
  if (args['skip-retrain']) return report(arms, trained, scores, fronts, [], new Map(), [], started, shift);
  // Evenly spaced in MACs: the subnets sorted by MACs, every (200 / 20)-th.
  const byMacs = [...subnets].sort((a, b) => mmacs(decodeSubnet(SPACE, a)) - mmacs(decodeSubnet(SPACE, b)));
  const step = byMacs.length / Number(args.kendall);
  const kendallSet = Array.from(
    { length: Number(args.kendall) },
    (_, i) => byMacs[Math.floor(i * step + step / 2)],
  );
  const jobs = [
    ...kendallSet.map((s, i) => ({ subnet: s, name: `kendall-${String(i).padStart(2, '0')}` })),
    ...arms.flatMap((arm, a) =>
      threeOfFront(fronts[a]).map((m, k) => ({ subnet: m.subnet, name: `${arm}-front-${k}` })),
    ),
    ...(shift?.pairs ?? []).flatMap((p, k) => [
      ...(p.evolution ? [{ subnet: p.evolution.subnet, name: `shiftnas-evolution-${k}` }] : []),
      { subnet: p.generator.subnet, name: `shiftnas-generator-${k}` },
    ]),
  ];
  const retrained = await runPool(
    jobs.map(
      (j) => () =>
        retrain(decodeSubnet(SPACE, j.subnet), j.name).then((r) => {
          log(`${j.name}: test ${pct(r.test.top1)}`);
          return r;
        }),
    ),
    JOBS,
  );
  const standalone = new Map(jobs.map((j, i) => [j.name, retrained[i].test.top1]));
  report(arms, trained, scores, fronts, jobs, standalone, kendallSet, started, shift);
}

interface ShiftNasExtras {
  binCentres: number[];
  /** The generator's subnets at the run's bin centres after training, with their MACs error. */
  generated: GeneratedSubnet[];
  firstB: number[];
  lastB: number[];
  updates: number;
  /**
   * ShiftNAS's own claim, at each bin centre: the generator's subnet against NSGA-II's best subnet within
   * ±5% of the centre (--evolution-population x --evolution-iterations scored subnets, not seeded by
   * the generator), both rescored on the same held-out images.
   */
  pairs: { evolution?: SubnetScore; generator: SubnetScore & { target: number }; evaluated: number }[];
}

async function shiftNasExtras(): Promise<ShiftNasExtras> {
  const runDir = path.join(args.out, 'shiftnas', 'supernet');
  const run = openSupernetRun(runDir);
  const records = run.history.map((r) => r.shiftnas!);
  const centres = binCentres(shiftNasEdges(run, 'shiftnas'));
  const answers = [];
  for (const [b, centre] of centres.entries()) {
    const evolved = await searchSupernet({
      run: runDir,
      population: Number(args['evolution-population']),
      iterations: Number(args['evolution-iterations']),
      target: centre / 1e6,
      targetTolerance: 0.05,
      calibBatches: Number(args['calib-batches']),
      limitValid: 1000,
      seed: SEED + b,
      threads: Number(args.threads),
      exportFront: false,
      generatorSeeds: false,
    });
    log(`shiftnas: NSGA-II at ${(centre / 1e6).toFixed(2)} M: ${evolved.evaluated} scored`);
    answers.push({ subnet: evolved.atTarget?.subnet, evaluated: evolved.evaluated });
  }
  const data = await scoringData(run);
  const session = await loadSupernet(run, { threads: Number(args.threads) }, data.valid);
  try {
    const generated = await generateSubnets(session, SPACE, centres);
    const found = answers.flatMap((a) => (a.subnet ? [decodeSubnet(SPACE, a.subnet)] : []));
    const scored = await scoreSubnets(
      session,
      SPACE,
      [...generated.map((g) => g.value), ...found],
      data,
      run.opts,
    );
    const evolutionScores = scored.slice(generated.length);
    let next = 0;
    return {
      binCentres: centres,
      generated: records.at(-1)!.generated,
      firstB: records[0].probabilities,
      lastB: records.at(-1)!.probabilities,
      updates: records.at(-1)!.updates,
      pairs: answers.map((a, b) => ({
        generator: { ...scored[b], target: centres[b] },
        evaluated: a.evaluated,
        ...(a.subnet ? { evolution: evolutionScores[next++] } : {}),
      })),
    };
  } finally {
    await session.close();
  }
}

async function plotShiftNas(dir: string) {
  const run = openSupernetRun(path.join(args.out, 'shiftnas', 'supernet'));
  const spec = shiftNasChartOf(
    run.history,
    shiftNasEdges(run, 'shiftnas'),
    'ShiftNAS on elastic-28 (Fashion-MNIST)',
  );
  for (const ext of ['svg', 'png']) await renderChart(spec, path.join(dir, `oneshot-shiftnas.${ext}`));
}

function shiftNasLines(shift: ShiftNasExtras, standalone: Map<string, number>): string[] {
  const mm = (x: number) => (x / 1e6).toFixed(2);
  const error = shift.generated.reduce((a, g) => a + g.error, 0) / shift.generated.length;
  const lines = [
    '',
    `ShiftNAS generator at its ${shift.binCentres.length} bin centres after training: mean |MACs - C| / C ` +
      `${pct(error)}, largest ${pct(Math.max(...shift.generated.map((g) => g.error)))}. B after the first epoch ` +
      `${shift.firstB.map((p) => p.toFixed(3)).join(' ')}; after the last (${shift.updates} updates of beta) ` +
      `${shift.lastB.map((p) => p.toFixed(3)).join(' ')}.`,
    '',
    '| target C (M) | generator subnet MMACs | error |',
    '| --- | --- | --- |',
    ...shift.generated.map((g) => `| ${mm(g.target)} | ${mm(g.macs)} | ${pct(g.error)} |`),
    '',
    `At each bin centre: the generator's subnet against NSGA-II's best within ±5% of it (${args['evolution-population']} x ` +
      `${args['evolution-iterations']}, not seeded by the generator), both rescored on the same held-out images:`,
    '',
    '| centre (M) | generator MMACs | generator top-1 | stand-alone | NSGA-II MMACs | NSGA-II top-1 | stand-alone | generator - NSGA-II |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const alone = (name: string) => (standalone.has(name) ? pct(standalone.get(name)!) : '—');
  shift.pairs.forEach((p, k) =>
    lines.push(
      `| ${mm(p.generator.target)} | ${mm(p.generator.macs)} | ${pct(p.generator.top1)} | ` +
        `${alone(`shiftnas-generator-${k}`)} | ${p.evolution ? mm(p.evolution.macs) : 'none in band'} | ` +
        `${p.evolution ? pct(p.evolution.top1) : '—'} | ${alone(`shiftnas-evolution-${k}`)} | ` +
        `${p.evolution ? (100 * (p.generator.top1 - p.evolution.top1)).toFixed(2) : '—'} |`,
    ),
  );
  return lines;
}

async function plotFronts(arms: string[], scores: SubnetScore[][], fronts: SubnetScore[][], dir: string) {
  const point = (m: SubnetScore) => ({ latencyMs: m.macs / 1e6, accuracy: 100 * m.top1 });
  const spec = paretoChart(
    arms.map((arm, a) => ({ device: arm, points: scores[a].map(point), front: fronts[a].map(point) })),
    {
      title: 'One-shot supernet sampling rules on Fashion-MNIST (elastic-28)',
      subtitle: `the same ${scores[0].length} subnets per arm, BN-recalibrated and scored on held-out images; equal optimizer steps`,
      accuracyTitle: 'held-out top-1 (%)',
      costTitle: 'MACs (M)',
    },
  );
  for (const ext of ['svg', 'png']) await renderChart(spec, path.join(dir, `oneshot-fronts.${ext}`));
}

function report(
  arms: string[],
  trained: Awaited<ReturnType<typeof trainArm>>[],
  scores: SubnetScore[][],
  fronts: SubnetScore[][],
  jobs: { subnet: string; name: string }[],
  standalone: Map<string, number>,
  kendallSet: string[],
  started: number,
  shift?: ShiftNasExtras,
) {
  const bins = Number(args.bins);
  const all = scores.flat().map((s) => s.macs);
  const grid = Array.from(
    { length: bins + 1 },
    (_, i) => Math.min(...all) + ((Math.max(...all) - Math.min(...all)) * i) / bins,
  );
  const reference = { accuracy: 0.1, cost: Math.max(...all) * 1.01 };
  const lines = [
    `## One-shot supernet sampling rules on Fashion-MNIST, elastic-28, ${new Date().toISOString().slice(0, 10)}\n`,
    `Each arm: ${args.epochs} epochs on ${args['limit-train']} training images, batch ${args['batch-size']}, seed ${SEED}, ${args.threads} thread(s); ` +
      `${args.subnets} subnets (the same for every arm, stratified over ${bins} MACs bins) BN-recalibrated on ${args['calib-batches']} batches ` +
      `and scored on ${args['limit-valid']} held-out images. Hypervolume: accuracy above 10% (chance) times MACs below ${(reference.cost / 1e6).toFixed(1)} M.\n`,
    '| arm | optimizer steps | train wall time (s) | largest | smallest | front size | hypervolume (M MACs x acc) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...arms.map(
      (arm, a) =>
        `| ${arm} | ${trained[a].steps} | ${trained[a].seconds.toFixed(0)} | ${pct(trained[a].last.largest.top1)} | ` +
        `${pct(trained[a].last.smallest.top1)} | ${fronts[a].length} | ` +
        `${(
          hypervolume(
            fronts[a].map((m) => ({ accuracy: m.top1, cost: m.macs })),
            reference,
          ) / 1e6
        ).toFixed(3)} |`,
    ),
    '',
    `| MACs bin (M) | ${arms.join(' | ')} |`,
    `| --- |${arms.map(() => ' --- |').join('')}`,
  ];
  for (let b = 0; b < bins; b++) {
    const best = scores.map((s) =>
      Math.max(...s.filter((m) => macsBin(grid, m.macs) === b).map((m) => m.top1)),
    );
    lines.push(
      `| ${(grid[b] / 1e6).toFixed(1)}-${(grid[b + 1] / 1e6).toFixed(1)} | ${best.map((x) => (Number.isFinite(x) ? pct(x) : '—')).join(' | ')} |`,
    );
  }
  if (shift) lines.push(...shiftNasLines(shift, standalone));
  if (!kendallSet.length) {
    process.stdout.write(lines.join('\n') + '\n');
    return;
  }
  lines.push(
    '',
    '| arm | subnet | MMACs | supernet top-1 (held-out) | stand-alone test top-1 |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const [a, arm] of arms.entries()) {
    for (const j of jobs.filter((x) => x.name.startsWith(`${arm}-front`))) {
      const s = scores[a].find((m) => m.subnet === j.subnet)!;
      lines.push(
        `| ${arm} | ${j.subnet} | ${(s.macs / 1e6).toFixed(2)} | ${pct(s.top1)} | ${pct(standalone.get(j.name)!)} |`,
      );
    }
  }
  const truth = kendallSet.map((_, i) => standalone.get(`kendall-${String(i).padStart(2, '0')}`)!);
  lines.push(
    '',
    `Kendall tau between supernet and stand-alone accuracy on ${kendallSet.length} subnets (stand-alone: ` +
      `${args['retrain-epochs']} epochs on ${args['retrain-limit']} images, test top-1 ${pct(Math.min(...truth))}-${pct(Math.max(...truth))}):`,
    '',
  );
  lines.push('| arm | Kendall tau |', '| --- | --- |');
  for (const [a, arm] of arms.entries()) {
    const supernet = kendallSet.map((s) => scores[a].find((m) => m.subnet === s)!.top1);
    lines.push(`| ${arm} | ${kendall(supernet, truth).toFixed(3)} |`);
  }
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
