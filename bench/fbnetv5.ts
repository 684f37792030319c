// npm run bench:fbnetv5 — FBNetV5 on the multitask canvas dataset, with its controls:
//
// 1. search-step wall time for 1, 2 and 3 tasks and for the naive one-forward-per-task step, measured
//    side by side: the configurations take turns, a few steps each, for several rounds, on the same
//    masks; medians;
// 2. one search of cls, seg and det (the run skeleton: resumes if --out holds it), each task at its own
//    MACs target (default halfway), derived as its most probable mask within ±5% of it;
// 3. the check that the keep-probabilities mean something: on fixed held-out canvases, each block's
//    marginal effect on each task's metric (with the block minus without it, paired on --marginal-masks
//    random masks of the trained supernet), ranked against the task's keep-probabilities (Spearman);
// 4. each task's derived network retrained alone with one recipe, beside --random random masks of the
//    same task's MACs (within 3%), each with every seed of --retrain-seeds: its rank by the mean over
//    seeds, and per seed.
//
// Every step writes under --out and is skipped when found finished.
//
//   npm run bench:fbnetv5 -- [--out runs/fbnetv5] [--epochs 6] [--warmup-epochs 2] [--train-canvases 8000]
//       [--batch-size 32] [--rounds 5] [--steps 4] [--random 8] [--retrain-seeds 0,1] [--retrain-epochs 2]
//       [--retrain-canvases 4000] [--test-canvases 1000] [--marginal-masks 8] [--marginal-canvases 500]
//       [--retrain-tasks cls,seg,det] [--threads 2] [--seed 0] [--only timing] [--skip-timing] [--channels-last]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  canvasSplits,
  matchedRandomMasks,
  MultitaskNet,
  resolveFbnetv5Options,
  retrainTask,
  searchFbnetv5,
  type DerivedTask,
} from '../lib/fbnetv5';
import { blockCount, maskString, taskMacs, type MultitaskTask } from '../lib/spaces';
import { Rng } from '../lib/util/rng';
import { writeJsonAtomic } from '../lib/util/atomic-file';
import { readOr } from './step-cache';
import { median, meanAndStd, spearman } from '../lib/util/statistics';
import { markdownCell } from './markdown-cell';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/fbnetv5' },
    epochs: { type: 'string', default: '6' },
    'warmup-epochs': { type: 'string', default: '2' },
    'train-canvases': { type: 'string', default: '8000' },
    'batch-size': { type: 'string', default: '32' },
    rounds: { type: 'string', default: '5' },
    steps: { type: 'string', default: '4' },
    random: { type: 'string', default: '8' },
    'retrain-seeds': { type: 'string', default: '0,1' },
    'retrain-tasks': { type: 'string', default: 'cls,seg,det' },
    'marginal-masks': { type: 'string', default: '8' },
    'marginal-canvases': { type: 'string', default: '500' },
    'skip-timing': { type: 'boolean', default: false },
    'retrain-epochs': { type: 'string', default: '2' },
    'retrain-canvases': { type: 'string', default: '4000' },
    'test-canvases': { type: 'string', default: '1000' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    seed: { type: 'string', default: '0' },
    only: { type: 'string' },
    'channels-last': { type: 'boolean', default: false },
  },
});
const num = (key: keyof typeof args) => Number(args[key]);
const out = args.out!;
fs.mkdirSync(out, { recursive: true });
const TASKS: MultitaskTask[] = ['cls', 'seg', 'det'];

const cached = <T>(file: string, make: () => Promise<T>) => readOr(path.join(out, file), make);

const base = () =>
  resolveFbnetv5Options({
    epochs: num('epochs'),
    warmupEpochs: num('warmup-epochs'),
    trainCanvases: num('train-canvases'),
    testCanvases: num('test-canvases'),
    batchSize: num('batch-size'),
    threads: num('threads'),
    seed: num('seed'),
    channelsLast: args['channels-last'],
  });

interface Timing {
  config: string;
  tasks: number;
  mode: string;
  secondsPerStep: number;
  rounds: number[];
}

/** Configurations take turns, `steps` steps each per round, so load on the machine hits them alike. */
async function measureTiming(): Promise<Timing[]> {
  const o = base();
  const { train } = await canvasSplits(o);
  const configs: { name: string; tasks: MultitaskTask[]; mode: 'importance' | 'naive' }[] = [
    { name: 'cls', tasks: ['cls'], mode: 'importance' },
    { name: 'seg', tasks: ['seg'], mode: 'importance' },
    { name: 'det', tasks: ['det'], mode: 'importance' },
    { name: 'cls+seg', tasks: ['cls', 'seg'], mode: 'importance' },
    { name: 'cls+seg+det', tasks: TASKS, mode: 'importance' },
    { name: 'naive cls+seg+det', tasks: TASKS, mode: 'naive' },
  ];
  // archLr 0: the REINFORCE update runs (its cost is counted) but the keep-probabilities stay at 1/2, so
  // every configuration draws the same masks at the same step and the comparison is of equal networks.
  const nets: MultitaskNet[] = [];
  for (const c of configs) {
    nets.push(
      await MultitaskNet.open({
        space: o.space,
        tasks: c.tasks,
        mode: c.mode,
        lr: 0.05,
        totalSteps: 1e9, // a flat rate: timing only
        seed: o.seed,
        threads: o.threads,
        channelsLast: o.channelsLast,
        warmupSteps: 0,
        archLr: 0,
      }),
    );
  }
  const rounds = configs.map(() => [] as number[]);
  const steps = num('steps');
  try {
    for (const net of nets) await net.trainEpoch(train, o.batchSize, 0, 2); // warm-up: allocator, first-call costs
    for (let r = 0; r < num('rounds'); r++) {
      for (let c = 0; c < configs.length; c++) {
        const stats = await nets[c].trainEpoch(train, o.batchSize, r + 1, steps);
        rounds[c].push(stats.seconds / stats.steps);
      }
      process.stderr.write(
        `timing round ${r + 1}: ${configs.map((c, i) => `${c.name} ${rounds[i][r].toFixed(3)}`).join(', ')} s/step\n`,
      );
    }
  } finally {
    for (const net of nets) await net.close();
  }
  return configs.map((c, i) => ({
    config: c.name,
    tasks: c.tasks.length,
    mode: c.mode,
    secondsPerStep: median(rounds[i]),
    rounds: rounds[i],
  }));
}

interface RetrainRow {
  task: MultitaskTask;
  kind: 'derived' | 'random';
  mask: string;
  macs: number;
  seed: number;
  metric: number;
}

async function retrainAll(derived: DerivedTask[]): Promise<RetrainRow[]> {
  const o = base();
  const splits = await canvasSplits({ ...o, trainCanvases: num('retrain-canvases') });
  const seeds = args['retrain-seeds']!.split(',').map(Number);
  const file = path.join(out, 'retrain-rows.json');
  const rows: RetrainRow[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
  const tasks = args['retrain-tasks']!.split(',');
  for (const d of derived.filter((x) => tasks.includes(x.task))) {
    const random = matchedRandomMasks(o.space, d.task, d.macs, num('random'), o.seed + 17, 0.03, [d.keep]);
    const jobs = [
      { kind: 'derived' as const, keep: d.keep },
      ...random.map((keep) => ({ kind: 'random' as const, keep })),
    ];
    for (const seed of seeds) {
      for (const job of jobs) {
        const mask = maskString(o.space, job.keep);
        if (rows.some((r) => r.task === d.task && r.mask === mask && r.seed === seed)) continue;
        const recipe = {
          epochs: num('retrain-epochs'),
          batchSize: o.batchSize,
          lr: o.lr,
          seed,
          threads: o.threads,
        };
        const metric = await retrainTask(o.space, d.task, job.keep, recipe, splits);
        rows.push({
          task: d.task,
          kind: job.kind,
          mask,
          macs: taskMacs(o.space, d.task, job.keep),
          seed,
          metric,
        });
        writeJsonAtomic(file, rows);
        process.stderr.write(`retrained ${d.task} ${job.kind} ${mask} seed ${seed}: ${metric.toFixed(2)}\n`);
      }
    }
  }
  return rows;
}

interface MarginalCheck {
  task: MultitaskTask;
  probabilities: number[];
  effect: number[];
  spearman: number;
}

/**
 * Each block's marginal effect on each task's metric in the trained supernet: for random masks m
 * (every block kept with probability 1/2), metric(m with the block) - metric(m without it), on fixed
 * held-out canvases; against the task's keep-probabilities.
 */
async function marginalEffects(
  searchDir: string,
  probabilities: Record<string, number[]>,
): Promise<MarginalCheck[]> {
  const o = base();
  const state = JSON.parse(fs.readFileSync(path.join(searchDir, 'state.json'), 'utf8')) as {
    checkpoint: string;
  };
  const net = await MultitaskNet.open({
    space: o.space,
    tasks: TASKS,
    mode: 'importance',
    lr: o.lr,
    totalSteps: 1e9, // evaluation only
    seed: o.seed,
    threads: o.threads,
  });
  const n = blockCount(o.space);
  const effect = TASKS.map(() => new Array(n).fill(0));
  try {
    await net.loadCheckpoint(path.join(searchDir, state.checkpoint));
    const { test } = await canvasSplits({ ...o, testCanvases: num('marginal-canvases') });
    const held = { ...test, seed: test.seed + 1000 }; // canvases neither the search nor the retraining tests on
    const rng = new Rng(o.seed + 29);
    const masks = num('marginal-masks');
    for (let k = 0; k < masks; k++) {
      const mask = Array.from({ length: n }, () => rng.next() < 0.5);
      const withMask = await net.evaluate(held, o.batchSize, mask);
      for (let b = 0; b < n; b++) {
        const flipped = await net.evaluate(
          held,
          o.batchSize,
          mask.map((x, i) => (i === b ? !x : x)),
        );
        TASKS.forEach((t, ti) => {
          effect[ti][b] += ((mask[b] ? 1 : -1) * (withMask[t]! - flipped[t]!)) / masks;
        });
      }
      process.stderr.write(`marginal effects: mask ${k + 1} of ${masks}\n`);
    }
  } finally {
    await net.close();
  }
  return TASKS.map((task, ti) => ({
    task,
    probabilities: probabilities[task],
    effect: effect[ti],
    spearman: spearman(probabilities[task], effect[ti]),
  }));
}

function report(
  timing: Timing[] | undefined,
  derived: DerivedTask[] | undefined,
  rows: RetrainRow[] | undefined,
  marginal?: MarginalCheck[],
): string {
  const lines: string[] = [];
  if (timing) {
    const one = timing.find((t) => t.config === 'cls')!.secondsPerStep;
    const meanSingle = timing.filter((t) => t.tasks === 1).reduce((a, t) => a + t.secondsPerStep, 0) / 3;
    lines.push(
      `## FBNetV5 search step (${os.cpus().length} CPUs, ${new Date().toISOString().slice(0, 10)}, ${num('rounds')} rounds of ${num('steps')} steps, batch ${base().batchSize})`,
      '',
      '| step | tasks | s/step (median) | vs cls alone | vs mean single task |',
      '| --- | --- | --- | --- | --- |',
      ...timing.map(
        (t) =>
          `| ${t.config} (${t.mode}) | ${t.tasks} | ${t.secondsPerStep.toFixed(3)} | ${(t.secondsPerStep / one).toFixed(2)}x | ${(t.secondsPerStep / meanSingle).toFixed(2)}x |`,
      ),
    );
  }
  if (derived) {
    lines.push(
      '',
      "## Derived networks (most probable mask within ±5% of the task's MACs target)",
      '',
      '| task | mask (stage\\|stage\\|stage; per stage branch 0 first) | blocks | per branch (stride 2/4/8) | MACs (M) | target (M) | off target |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const d of derived) {
      lines.push(
        `| ${d.task} | \`${markdownCell(d.mask)}\` | ${d.blocksKept}/${blockCount(base().space)} | ${d.keptPerBranch.join(' / ')} | ` +
          `${(d.macs / 1e6).toFixed(2)} | ${(d.targetMacs / 1e6).toFixed(2)} | ${(100 * (d.macs / d.targetMacs - 1)).toFixed(1)}%${d.withinTarget ? '' : ' (missed)'} |`,
      );
    }
  }
  if (marginal) {
    lines.push(
      '',
      `## Keep-probabilities against each block's marginal effect on the task's metric (${num('marginal-masks')} paired masks, ` +
        `${num('marginal-canvases')} held-out canvases)`,
      '',
      '| task | Spearman | effects (metric points, block order) |',
      '| --- | --- | --- |',
    );
    for (const m of marginal)
      lines.push(
        `| ${m.task} | ${m.spearman.toFixed(3)} | ${m.effect.map((e) => e.toFixed(2)).join(', ')} |`,
      );
  }
  if (rows) {
    const metric: Record<string, string> = { cls: 'top-1 %', seg: 'mean IoU %', det: 'box mAP@0.5 %' };
    lines.push(
      '',
      '## Retrained alone, beside random masks of the same MACs (identical recipe, every seed)',
      '',
      '| task | metric | derived per seed | derived mean | random means: mean ± std (n) | random min-max | rank of derived by mean | rank per seed |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const task of TASKS) {
      const of = (kind: string) => rows.filter((r) => r.task === task && r.kind === kind);
      const seeds = [...new Set(of('derived').map((r) => r.seed))].sort((a, b) => a - b);
      if (!seeds.length) continue;
      const masks = [...new Set(of('random').map((r) => r.mask))];
      const complete = (mask: string) =>
        seeds.every((seed) => rows.some((r) => r.task === task && r.mask === mask && r.seed === seed));
      const meanOf = (mask: string, kind: string) =>
        meanAndStd(
          of(kind)
            .filter((r) => r.mask === mask)
            .map((r) => r.metric),
        ).mean;
      const mine = of('derived')[0].mask;
      const randomMeans = masks.filter(complete).map((m) => meanOf(m, 'random'));
      const perSeed = seeds.map(
        (seed) =>
          1 +
          of('random').filter(
            (r) => r.seed === seed && r.metric > of('derived').find((d) => d.seed === seed)!.metric,
          ).length,
      );
      const { mean, std } = meanAndStd(randomMeans);
      lines.push(
        `| ${task} | ${metric[task]} | ${seeds
          .map((seed) =>
            of('derived')
              .find((d) => d.seed === seed)!
              .metric.toFixed(2),
          )
          .join(' / ')} | ` +
          `${meanOf(mine, 'derived').toFixed(2)} | ${mean.toFixed(2)} ± ${std.toFixed(2)} (${randomMeans.length}) | ` +
          `${Math.min(...randomMeans).toFixed(2)}-${Math.max(...randomMeans).toFixed(2)} | ${1 + randomMeans.filter((m) => m > meanOf(mine, 'derived')).length} of ${randomMeans.length + 1} | ${perSeed.join(', ')} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const timing = args['skip-timing'] ? undefined : await cached('timing.json', measureTiming);
  if (args.only === 'timing') {
    process.stdout.write(report(timing, undefined, undefined));
    return;
  }
  const search = await cached('search.json', async () => {
    const result = await searchFbnetv5(
      {
        epochs: num('epochs'),
        warmupEpochs: num('warmup-epochs'),
        trainCanvases: num('train-canvases'),
        batchSize: num('batch-size'),
        threads: num('threads'),
        seed: num('seed'),
        runDir: path.join(out, 'search'),
      },
      {
        onEpoch: (r) =>
          process.stderr.write(
            `search epoch ${r.epoch}: loss ${JSON.stringify(r.loss)} in ${r.seconds.toFixed(0)} s\n`,
          ),
      },
    );
    return { derived: result.derived, history: result.history };
  });
  const marginal = await cached('marginal.json', () =>
    marginalEffects(path.join(out, 'search'), search.history.at(-1)!.probabilities),
  );
  process.stderr.write(report(undefined, search.derived, undefined, marginal));
  const rows = await cached('retrain.json', () => retrainAll(search.derived));
  process.stdout.write(report(timing, search.derived, rows, marginal));
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
