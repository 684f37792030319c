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
//   npm run bench:oneshot -- [--out runs/oneshot] [--arms uniform,sandwich,bestup-3,worstup-3]
//       [--epochs 4] [--limit-train 10000] [--batch-size 64] [--subnets 200] [--bins 8]
//       [--calib-batches 5] [--limit-valid 1000] [--kendall 20] [--retrain-epochs 2]
//       [--retrain-limit 6000] [--jobs 2] [--seed 1] [--plot DIR] [--threads 2] [--train-only]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { encodeSubnet, decodeSubnet, largestSubnet, loadElasticSpace, randomSubnet, smallestSubnet, subnetArchitecture, subnetCost, train, type Subnet, type TrainResult } from '../lib';
import { paretoChart, renderChart } from '../lib/report';
import { hypervolume, paretoFront } from '../lib/search/pareto';
import { loadSupernet, openSupernetRun } from '../lib/supernet/supernet-run';
import { macsBin } from '../lib/supernet/subnet-pool';
import { parseSupernetOptions, scoreSubnets, supernetData, trainSupernet, type SubnetScore } from '../lib/supernet/train-supernet';
import { Rng } from '../lib/strategies/rng';
import { writeJsonAtomic } from '../lib/util/atomic-file';
import { runPool } from '../lib/util/job-pool';
import { kendall } from '../lib/util/statistics';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/oneshot' },
    arms: { type: 'string', default: 'uniform,sandwich,bestup-3,worstup-3' },
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
    plot: { type: 'string' },
    // Train the arms only (several processes may train different arms side by side), then stop.
    'train-only': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
  },
});

const SPACE = loadElasticSpace('elastic-28');
const SEED = Number(args.seed);
const JOBS = Number(args.jobs);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const mmacs = (s: Subnet) => subnetCost(SPACE, s).macs / 1e6;

function readOr<T>(file: string, make: () => Promise<T>): Promise<T> {
  if (fs.existsSync(file)) return Promise.resolve(JSON.parse(fs.readFileSync(file, 'utf8')) as T);
  return make().then((value) => (writeJsonAtomic(file, value), value));
}

/**
 * `count` distinct subnets spread over `bins` MACs bins: drawn uniformly and bucketed, then taken from
 * the bins in turn, so each bin gives an equal share where it can; the extreme bins, rare under uniform
 * draws, may give fewer, and the others make up the count.
 */
function stratified(count: number, bins: number, seed: number): Subnet[] {
  const rng = new Rng(seed);
  const lo = mmacs(smallestSubnet(SPACE));
  const grid = Array.from({ length: bins + 1 }, (_, i) => lo + ((mmacs(largestSubnet(SPACE)) - lo) * i) / bins);
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
    for (const bucket of buckets) if (round < bucket.length && picked.length < count) picked.push(bucket[round]);
  }
  return picked;
}

function supernetOptions(arm: string) {
  return { space: 'elastic-28', sampler: arm, epochs: Number(args.epochs), limitTrain: Number(args['limit-train']),
    batchSize: Number(args['batch-size']), calibBatches: Number(args['calib-batches']), device: 'cpu', threads: Number(args.threads), seed: SEED,
    runDir: path.join(args.out, arm, 'supernet') };
}

async function trainArm(arm: string) {
  const result = await trainSupernet(supernetOptions(arm), (e) => {
    if (e.type === 'epoch') {
      log(`${arm} epoch ${e.record.epoch}: loss ${e.record.train.loss.toFixed(3)}, largest ${pct(e.record.largest.top1)}, ` +
        `smallest ${pct(e.record.smallest.top1)} in ${e.record.train.seconds.toFixed(0)} s`);
    }
  });
  return { seconds: result.history.reduce((t, r) => t + r.train.seconds, 0), steps: result.history.at(-1)!.globalStep, last: result.history.at(-1)! };
}

async function scoreArm(arm: string, subnets: Subnet[]): Promise<SubnetScore[]> {
  const run = openSupernetRun(path.join(args.out, arm, 'supernet'));
  const data = await supernetData(parseSupernetOptions(run.opts), SPACE);
  data.valid = data.valid.subset(Math.min(data.valid.size, Number(args['limit-valid'])), SEED + 7);
  const session = await loadSupernet(run, { threads: Number(args.threads) });
  try {
    return await scoreSubnets(session, SPACE, subnets, data, run.opts,
      (p) => { if (p.done % 25 === 0) log(`${arm}: ${p.done}/${p.total} subnets scored`); });
  } finally {
    await session.close();
  }
}

// One recipe for every stand-alone network: SGD 0.1, 1 warm-up epoch then cosine, crop + flip,
// batch 128, --retrain-limit images, 2% held out, then the 10,000 test images.
function retrain(subnet: Subnet, name: string): Promise<TrainResult> {
  return train({ arch: subnetArchitecture(SPACE, subnet, name), dataset: 'fashion-mnist', epochs: Number(args['retrain-epochs']),
    limitTrain: Number(args['retrain-limit']), validFraction: 0.02, lr: 0.1, warmupEpochs: 1, batchSize: 128, device: 'cpu',
    threads: 1, seed: SEED, runDir: path.join(args.out, 'retrain', name) });
}

/** Front members nearest the 20%, 50% and 80% points of the front's MACs range. */
function threeOfFront(front: SubnetScore[]): SubnetScore[] {
  const lo = front[0].macs;
  const hi = front.at(-1)!.macs;
  const picks = [0.2, 0.5, 0.8].map((q) => front.reduce((best, m) =>
    Math.abs(m.macs - (lo + q * (hi - lo))) < Math.abs(best.macs - (lo + q * (hi - lo))) ? m : best));
  return [...new Map(picks.map((p) => [p.subnet, p])).values()];
}

async function main() {
  const started = Date.now();
  const arms = args.arms.split(',');
  fs.mkdirSync(args.out, { recursive: true });
  const subnets = await readOr(path.join(args.out, 'subnets.json'), async () =>
    stratified(Number(args.subnets), Number(args.bins), SEED + 100).map(encodeSubnet));
  const trained = [];
  for (const arm of arms) trained.push(await trainArm(arm));
  if (args['train-only']) return;
  const scores: SubnetScore[][] = [];
  for (const arm of arms) {
    scores.push(await readOr(path.join(args.out, arm, 'scores.json'), () => scoreArm(arm, subnets.map((s) => decodeSubnet(SPACE, s)))));
  }
  const fronts = scores.map((s) => paretoFront(s, (m) => ({ accuracy: m.top1, cost: m.macs })));
  if (args.plot) await plotFronts(arms, scores, fronts, args.plot);
  // Evenly spaced in MACs: the subnets sorted by MACs, every (200 / 20)-th.
  const byMacs = [...subnets].sort((a, b) => mmacs(decodeSubnet(SPACE, a)) - mmacs(decodeSubnet(SPACE, b)));
  const step = byMacs.length / Number(args.kendall);
  const kendallSet = Array.from({ length: Number(args.kendall) }, (_, i) => byMacs[Math.floor(i * step + step / 2)]);
  const jobs = [
    ...kendallSet.map((s, i) => ({ subnet: s, name: `kendall-${String(i).padStart(2, '0')}` })),
    ...arms.flatMap((arm, a) => threeOfFront(fronts[a]).map((m, k) => ({ subnet: m.subnet, name: `${arm}-front-${k}` }))),
  ];
  const retrained = await runPool(jobs.map((j) => () => retrain(decodeSubnet(SPACE, j.subnet), j.name).then((r) => {
    log(`${j.name}: test ${pct(r.test.top1)}`);
    return r;
  })), JOBS);
  const standalone = new Map(jobs.map((j, i) => [j.name, retrained[i].test.top1]));
  report(arms, trained, scores, fronts, jobs, standalone, kendallSet, started);
}

async function plotFronts(arms: string[], scores: SubnetScore[][], fronts: SubnetScore[][], dir: string) {
  const point = (m: SubnetScore) => ({ latencyMs: m.macs / 1e6, accuracy: 100 * m.top1 });
  const spec = paretoChart(arms.map((arm, a) => ({ device: arm, points: scores[a].map(point), front: fronts[a].map(point) })), {
    title: 'One-shot supernet sampling rules on Fashion-MNIST (elastic-28)',
    subtitle: `the same ${scores[0].length} subnets per arm, BN-recalibrated and scored on held-out images; equal optimizer steps`,
    accuracyTitle: 'held-out top-1 (%)', costTitle: 'MACs (M)' });
  for (const ext of ['svg', 'png']) await renderChart(spec, path.join(dir, `oneshot-fronts.${ext}`));
}

function report(arms: string[], trained: Awaited<ReturnType<typeof trainArm>>[], scores: SubnetScore[][], fronts: SubnetScore[][],
  jobs: { subnet: string; name: string }[], standalone: Map<string, number>, kendallSet: string[], started: number) {
  const bins = Number(args.bins);
  const all = scores.flat().map((s) => s.macs);
  const grid = Array.from({ length: bins + 1 }, (_, i) => Math.min(...all) + ((Math.max(...all) - Math.min(...all)) * i) / bins);
  const reference = { accuracy: 0.1, cost: Math.max(...all) * 1.01 };
  const lines = [
    `## One-shot supernet sampling rules on Fashion-MNIST, elastic-28, ${new Date().toISOString().slice(0, 10)}\n`,
    `Each arm: ${args.epochs} epochs on ${args['limit-train']} training images, batch ${args['batch-size']}, seed ${SEED}, 2 threads; ` +
      `${args.subnets} subnets (the same for every arm, stratified over ${bins} MACs bins) BN-recalibrated on ${args['calib-batches']} batches ` +
      `and scored on ${args['limit-valid']} held-out images. Hypervolume: accuracy above 10% (chance) times MACs below ${(reference.cost / 1e6).toFixed(1)} M.\n`,
    '| arm | optimizer steps | train wall time (s) | largest | smallest | front size | hypervolume (M MACs x acc) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...arms.map((arm, a) => `| ${arm} | ${trained[a].steps} | ${trained[a].seconds.toFixed(0)} | ${pct(trained[a].last.largest.top1)} | ` +
      `${pct(trained[a].last.smallest.top1)} | ${fronts[a].length} | ` +
      `${(hypervolume(fronts[a].map((m) => ({ accuracy: m.top1, cost: m.macs })), reference) / 1e6).toFixed(3)} |`),
    '', `| MACs bin (M) | ${arms.join(' | ')} |`, `| --- |${arms.map(() => ' --- |').join('')}`,
  ];
  for (let b = 0; b < bins; b++) {
    const best = scores.map((s) => Math.max(...s.filter((m) => macsBin(grid, m.macs) === b).map((m) => m.top1)));
    lines.push(`| ${(grid[b] / 1e6).toFixed(1)}-${(grid[b + 1] / 1e6).toFixed(1)} | ${best.map((x) => (Number.isFinite(x) ? pct(x) : '—')).join(' | ')} |`);
  }
  lines.push('', '| arm | subnet | MMACs | supernet top-1 (held-out) | stand-alone test top-1 |', '| --- | --- | --- | --- | --- |');
  for (const [a, arm] of arms.entries()) {
    for (const j of jobs.filter((x) => x.name.startsWith(`${arm}-front`))) {
      const s = scores[a].find((m) => m.subnet === j.subnet)!;
      lines.push(`| ${arm} | ${j.subnet} | ${(s.macs / 1e6).toFixed(2)} | ${pct(s.top1)} | ${pct(standalone.get(j.name)!)} |`);
    }
  }
  const truth = kendallSet.map((_, i) => standalone.get(`kendall-${String(i).padStart(2, '0')}`)!);
  lines.push('', `Kendall tau between supernet and stand-alone accuracy on ${kendallSet.length} subnets (stand-alone: ` +
    `${args['retrain-epochs']} epochs on ${args['retrain-limit']} images, test top-1 ${pct(Math.min(...truth))}-${pct(Math.max(...truth))}):`, '');
  lines.push('| arm | Kendall tau |', '| --- | --- |');
  for (const [a, arm] of arms.entries()) {
    const supernet = kendallSet.map((s) => scores[a].find((m) => m.subnet === s)!.top1);
    lines.push(`| ${arm} | ${kendall(supernet, truth).toFixed(3)} |`);
  }
  lines.push('', `${((Date.now() - started) / 1000).toFixed(0)} s in this invocation (steps found finished in ${args.out} are not redone).`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
