// npm run bench:darts — EnTranNAS against DARTS on the NAS-Bench-201 cell, trained on Fashion-MNIST,
// side by side over the same seeds: DARTS first and second order, EnTranNAS with its sparse and its
// top-alpha derivation and, as the ablation of its feature sharing, sparse with per-edge operations
// (entrannas-unshared), all on the same supernet skeleton (C 8, N cells per stage; EnTranNAS's first
// cell of each stage is its Engine-cell). Per run: the derived cell, its skip connections (DARTS's
// collapse), its NB201 CIFAR-10 test accuracy as a transfer figure, the cell retrained alone on
// Fashion-MNIST and tested, the search's seconds per step and the peak resident memory it added.
// Each (arm, seed) runs in a fresh child process (so one run's freed memory cannot hide the next one's
// peak), seed by seed so that the arms share the machine's load; each is a resumable run under --out,
// and a finished one is read back from its bench.json.
//
//   npm run bench:darts -- [--arms darts-o1,entrannas-sparse,entrannas-top,entrannas-unshared (and darts-o2)]
//       [--seeds 0,1,2]
//       [--epochs 10] [--cells 2] [--limit-train 10000] [--retrain-epochs 3] [--threads 1] [--out runs/bench-darts]
//       [--device cpu|cuda] (on CUDA the peak-memory column is left empty: it reads the host's resident set)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { searchDarts, searchEntranNas, type DartsEvent, type DartsResult } from '../lib/darts';
import { writeJsonAtomic } from '../lib/util/atomic-file';
import { meanAndStd } from '../lib/util/statistics';
import { wholeFlag } from './flags';
import { residentKiB } from './process-memory';
import { markdownCell } from './markdown-cell';

// EnTranNAS shares features unless the arm says unshared (the strategy's ablation).
const ARMS = ['darts-o1', 'darts-o2', 'entrannas-sparse', 'entrannas-top', 'entrannas-unshared'] as const;
type Arm = (typeof ARMS)[number];

interface RunFigures {
  arm: Arm;
  seed: number;
  result: DartsResult;
  secondsPerStep: number;
  /** Resident memory the search's epochs added at their peak, over the process before the search. */
  peakMiB: number | null;
}

const { values } = parseArgs({
  options: {
    // DARTS second order is the slowest arm by far (three forward-backward passes per architecture step):
    // --arms adds it.
    arms: { type: 'string', default: 'darts-o1,entrannas-sparse,entrannas-top,entrannas-unshared' },
    seeds: { type: 'string', default: '0,1,2' },
    epochs: { type: 'string', default: '10' },
    cells: { type: 'string', default: '2' },
    'limit-train': { type: 'string', default: '10000' },
    'retrain-epochs': { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
    device: { type: 'string', default: 'cpu' },
    out: { type: 'string', default: 'runs/bench-darts' },
    // internal: one run in this process
    child: { type: 'boolean', default: false },
    arm: { type: 'string' },
    seed: { type: 'string' },
  },
});

const common = () => ({
  epochs: wholeFlag(values.epochs, 'epochs'),
  cells: wholeFlag(values.cells, 'cells'),
  limitTrain: wholeFlag(values['limit-train'], 'limit-train'),
  retrainEpochs: wholeFlag(values['retrain-epochs'], 'retrain-epochs', 0),
  threads: wholeFlag(values.threads, 'threads'),
  device: values.device!,
  progressEvery: 1000,
});

const runDirOf = (arm: string, seed: number) => path.join(values.out!, `${arm}-s${seed}`);

/** One search in this process; its figures go to the run's bench.json. */
async function child(arm: Arm, seed: number): Promise<void> {
  const runDir = runDirOf(arm, seed);
  let startKiB = 0;
  let peakKiB = 0;
  const onEvent = (e: DartsEvent) => {
    if (e.type === 'start') {
      fs.writeFileSync('/proc/self/clear_refs', '5'); // the high-water mark restarts here
      startKiB = residentKiB('VmRSS');
    }
    if (e.type === 'epoch') {
      peakKiB = Math.max(peakKiB, residentKiB('VmHWM'));
      process.stderr.write(`${arm} seed ${seed}: epoch ${e.record.epoch} ${e.record.derived}\n`);
    }
  };
  const options = { ...common(), seed, runDir };
  const result = arm.startsWith('darts')
    ? await searchDarts({ ...options, order: arm === 'darts-o2' ? 2 : 1 }, onEvent)
    : await searchEntranNas(
        {
          ...options,
          derivation: arm === 'entrannas-top' ? 'top' : 'sparse',
          featureSharing: arm !== 'entrannas-unshared',
        },
        onEvent,
      );
  const steps = result.history.at(-1)!.globalStep;
  const seconds = result.history.reduce((s, r) => s + r.seconds, 0);
  // A resumed run's figures cover only the epochs this process ran.
  const figures: RunFigures = {
    arm,
    seed,
    result,
    secondsPerStep: seconds / steps,
    peakMiB: peakKiB > 0 && values.device === 'cpu' ? (peakKiB - startKiB) / 1024 : null,
  };
  writeJsonAtomic(path.join(runDir, 'bench.json'), figures);
}

function runOne(arm: Arm, seed: number): RunFigures {
  const file = path.join(runDirOf(arm, seed), 'bench.json');
  if (!fs.existsSync(file)) {
    const args = [__filename, '--child', '--arm', arm, '--seed', String(seed)];
    for (const key of [
      'epochs',
      'cells',
      'limit-train',
      'retrain-epochs',
      'threads',
      'device',
      'out',
    ] as const)
      args.push(`--${key}`, String(values[key]));
    // Freed tensors leave the resident set at once, so the high-water mark is the search's own peak.
    const env = { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536' };
    const run = spawnSync(process.execPath, args, { stdio: 'inherit', env });
    if (run.status !== 0) throw new Error(`${arm} seed ${seed} failed (exit ${run.status})`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunFigures;
}

const fmt = (values: (number | null)[], digits = 2) => {
  const known = values.filter((v): v is number => v !== null);
  if (!known.length) return '-';
  const { mean, std } = meanAndStd(known);
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
};

function report(rows: RunFigures[], arms: Arm[]): string {
  const o = common();
  const lines = [
    `NB201 cell searches (C 8, N ${o.cells}), Fashion-MNIST, ${o.limitTrain} images train the weights ` +
      `and ${o.limitTrain / 2} held-out ones the architecture, ` +
      `${o.epochs} epochs, ${o.device === 'cpu' ? `${o.threads} thread(s)` : o.device}; derived cells retrained ${o.retrainEpochs} epochs`,
    '',
    '| arm | seed | derived cell | skip | NB201 CIFAR-10 test | retrained FMNIST test top-1 | s/step | peak MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.arm} | ${r.seed} | ${markdownCell(r.result.derived)} | ${r.result.skipConnections} | ` +
        `${r.result.cifar10.accuracy.toFixed(2)} | ${r.result.retrain ? (100 * r.result.retrain.testTop1).toFixed(2) : '-'} | ` +
        `${r.secondsPerStep.toFixed(3)} | ${r.peakMiB === null ? '-' : r.peakMiB.toFixed(1)} |`,
    ),
    '',
    '| arm | CIFAR-10 (table) | retrained FMNIST top-1 | skip connections | s/step | peak MiB |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const arm of arms) {
    const mine = rows.filter((r) => r.arm === arm);
    const retrained = mine.filter((r) => r.result.retrain).map((r) => 100 * r.result.retrain!.testTop1);
    lines.push(
      `| ${arm} | ${fmt(mine.map((r) => r.result.cifar10.accuracy))} | ${retrained.length ? fmt(retrained) : '-'} | ` +
        `${fmt(
          mine.map((r) => r.result.skipConnections),
          1,
        )} | ${fmt(
          mine.map((r) => r.secondsPerStep),
          3,
        )} | ` +
        `${fmt(
          mine.map((r) => r.peakMiB),
          1,
        )} |`,
    );
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const arms = values.arms!.split(',') as Arm[];
  for (const arm of arms)
    if (!ARMS.includes(arm)) throw new Error(`--arms: unknown arm '${arm}' (${ARMS.join(', ')})`);
  const seeds = values.seeds!.split(',').map((s) => wholeFlag(s, 'seeds', 0));
  if (values.child) return child(values.arm as Arm, wholeFlag(values.seed, 'seed', 0));
  common(); // bad flags stop the bench before any work
  const rows: RunFigures[] = [];
  for (const seed of seeds) for (const arm of arms) rows.push(runOne(arm, seed));
  const text = report(rows, arms);
  fs.mkdirSync(values.out!, { recursive: true });
  fs.writeFileSync(path.join(values.out!, 'report.md'), text);
  process.stdout.write(text);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
