// npm run bench:train — training throughput of one network and batch in torchnas (native LibTorch
// through the addon) and in PyTorch's Python API on the same LibTorch build (Debian's python3-torch
// is the same 1.13 as libtorch-dev), run alternately in one script so both see the same machine.
//
//   npm run bench:train -- [--arch fmnist-cnn,fmnist-mbconv] [--batch 128] [--steps 60] [--rounds 2]
//                          [--threads N] [--channels-last] [--precision fp32|bf16]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { info, loadArchitecture, loadDataset, resolveNetwork, Session, type Dataset } from '../lib';
import { packageRoot } from '../lib/native';

interface Args {
  archs: string[];
  batch: number;
  steps: number;
  warmup: number;
  rounds: number;
  threads: number;
  channelsLast: boolean;
  precision: 'fp32' | 'bf16';
  python: string;
}

function readArgs(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      arch: { type: 'string', default: 'fmnist-cnn,fmnist-mbconv' },
      batch: { type: 'string', default: '128' },
      steps: { type: 'string', default: '60' },
      warmup: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
      threads: { type: 'string', default: String(os.availableParallelism()) },
      'channels-last': { type: 'boolean', default: false },
      precision: { type: 'string', default: 'fp32' },
      python: { type: 'string', default: '/usr/bin/python3' },
    },
  });
  return {
    archs: values.arch.split(','),
    batch: Number(values.batch),
    steps: Number(values.steps),
    warmup: Number(values.warmup),
    rounds: Number(values.rounds),
    threads: Number(values.threads),
    channelsLast: values['channels-last'],
    precision: values.precision as 'fp32' | 'bf16',
    python: values.python,
  };
}

// The same loop as the Python side: SGD (lr 0.05, momentum 0.9, Nesterov, wd 5e-5), label
// smoothing 0.1, fp32 loss. torchnas's epoch also makes its batches (Fashion-MNIST, normalized) on
// its prefetch thread; the Python side cycles pre-made random tensors, which favours Python.
async function torchnasImagesPerSecond(args: Args, archName: string, data: Dataset): Promise<number> {
  const session = new Session({
    device: 'cpu',
    threads: args.threads,
    seed: 1,
    channelsLast: args.channelsLast,
    precision: args.precision,
  });
  try {
    await session.buildNetwork(loadArchitecture(archName));
    await session.configureTraining({
      lr: 0.05,
      momentum: 0.9,
      nesterov: true,
      weightDecay: 5e-5,
      labelSmoothing: 0.1,
      totalSteps: 1_000_000,
    });
    const loader = { batchSize: args.batch, seed: 1, augment: { mean: 0.286, std: 0.353 } };
    await session.trainEpoch(data.subset(args.warmup * args.batch), loader);
    const timed = await session.trainEpoch(data.subset(args.steps * args.batch, 7), loader);
    return timed.images / timed.seconds;
  } finally {
    await session.close();
  }
}

function pythonImagesPerSecond(args: Args, archName: string): number {
  const spec = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'torchnas-bench-')), 'spec.json');
  fs.writeFileSync(spec, JSON.stringify(resolveNetwork(loadArchitecture(archName)).spec));
  const script = path.join(packageRoot(), 'bench', 'python', 'train_throughput.py');
  const cli = [
    '--spec',
    spec,
    '--batch-size',
    String(args.batch),
    '--steps',
    String(args.steps),
    '--warmup',
    String(args.warmup),
    '--threads',
    String(args.threads),
    '--seed',
    '1',
    '--precision',
    args.precision,
    ...(args.channelsLast ? ['--channels-last'] : []),
  ];
  const r = spawnSync(args.python, [script, ...cli], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `the Python side failed (${args.python}; install python3-torch or TORCHNAS_SETUP_BENCH=1 scripts/setup.sh):\n${r.stderr}`,
    );
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!).imagesPerSecond;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = readArgs(process.argv.slice(2));
  const data = await loadDataset('fashion-mnist', 'train');
  const i = info();
  console.log(
    `torchnas bench:train — ${new Date().toISOString()} — LibTorch ${i.torchVersion}, ${os.cpus()[0].model}, ` +
      `${args.threads} threads, batch ${args.batch}, ${args.steps} timed steps, ${args.precision}${args.channelsLast ? ', channels_last' : ''}, ${args.rounds} rounds alternating`,
  );
  console.log('| network | torchnas img/s | PyTorch (Python) img/s | ratio torchnas/Python |');
  console.log('| --- | --- | --- | --- |');
  for (const arch of args.archs) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < args.rounds; round++) {
      ours.push(await torchnasImagesPerSecond(args, arch, data));
      theirs.push(pythonImagesPerSecond(args, arch));
    }
    const [a, b] = [median(ours), median(theirs)];
    console.log(
      `| ${arch} | ${a.toFixed(0)} (${ours.map((x) => x.toFixed(0)).join(', ')}) | ${b.toFixed(0)} (${theirs.map((x) => x.toFixed(0)).join(', ')}) | ${(a / b).toFixed(2)} |`,
    );
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
