// npm run bench:oneshot-throughput — sandwich training steps of the elastic-28 supernet, torchnas
// against the same sequence of forward/backward passes written in PyTorch's Python API
// (bench/python/oneshot_step.py) on the same LibTorch, measured side by side in rounds.
//
// Each round times one torchnas epoch of --steps sandwich steps (largest, --middle random subnets,
// smallest; in-place distillation, clipping, SGD) after a 2-step warm-up epoch, then the Python
// reference on exactly the subnets that epoch drew (read back through sampleSubnets).
//
//   npm run bench:oneshot-throughput -- [--steps 20] [--batch-size 64] [--threads 2] [--rounds 3]
//       [--middle 2] [--channels-last false] [--python /usr/bin/python3]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  largestSubnet,
  loadElasticSpace,
  nativeElasticSpec,
  nativeSubnet,
  Session,
  smallestSubnet,
  syntheticDataset,
} from '../lib';
import type { NativeSubnet } from '../binding';
import { buildElastic, sampleSubnets, supernetEpoch } from '../lib/supernet/elastic-session';
import { roundsTable } from './rounds-table';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    middle: { type: 'string', default: '2' },
    'channels-last': { type: 'string', default: 'false' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});

const SPACE = loadElasticSpace('elastic-28');
const STEPS = Number(args.steps);
const BATCH = Number(args['batch-size']);
const THREADS = Number(args.threads);
const MIDDLE = Number(args.middle);
const CHANNELS_LAST = args['channels-last'] === 'true';
const RECIPE = { lr: 0.05, momentum: 0.9, weightDecay: 3e-5, temperature: 1, clip: 1 };
const SAMPLER = {
  rule: 'sandwich' as const,
  middle: MIDDLE,
  distill: true,
  temperature: RECIPE.temperature,
  clip: RECIPE.clip,
};

/** One torchnas round: a 2-step warm-up epoch, then a timed epoch; returns steps/s and its subnets. */
async function torchnasRound(round: number): Promise<{ stepsPerSecond: number; steps: NativeSubnet[][] }> {
  const session = new Session({ device: 'cpu', threads: THREADS, seed: round, channelsLast: CHANNELS_LAST });
  try {
    await buildElastic(session, SPACE);
    await session.configureTraining({
      lr: RECIPE.lr,
      momentum: RECIPE.momentum,
      weightDecay: RECIPE.weightDecay,
      warmupSteps: 2,
      totalSteps: STEPS + 2,
    });
    const warm = syntheticDataset({ count: 2 * BATCH, shape: [1, 28, 28], classes: 10, seed: round });
    const timed = syntheticDataset({
      count: STEPS * BATCH,
      shape: [1, 28, 28],
      classes: 10,
      seed: round + 1,
    });
    await supernetEpoch(session, warm, { batchSize: BATCH, epoch: 0, sampler: SAMPLER, progressEvery: 1000 });
    const stats = await supernetEpoch(session, timed, {
      batchSize: BATCH,
      epoch: 1,
      sampler: SAMPLER,
      progressEvery: 1000,
    });
    const middles = await sampleSubnets(session, { rule: 'uniform' }, MIDDLE * STEPS, { epoch: 1 });
    const [largest, smallest] = [nativeSubnet(largestSubnet(SPACE)), nativeSubnet(smallestSubnet(SPACE))];
    const steps = Array.from({ length: STEPS }, (_, i) => [
      largest,
      ...middles.slice(i * MIDDLE, (i + 1) * MIDDLE),
      smallest,
    ]);
    return { stepsPerSecond: stats.steps / stats.seconds, steps };
  } finally {
    await session.close();
  }
}

/** The Python reference on the same subnets (its first 2 steps are its warm-up). */
function pythonRound(steps: NativeSubnet[][]): { stepsPerSecond: number; torch: string } {
  const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oneshot-')), 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      spec: nativeElasticSpec(SPACE),
      steps: [steps[0], steps[1], ...steps],
      batchSize: BATCH,
      threads: THREADS,
      ...RECIPE,
      channelsLast: CHANNELS_LAST,
      warmupSteps: 2,
      seed: 0,
    }),
  );
  const run = spawnSync(
    args.python,
    [path.join(__dirname, '..', '..', 'bench', 'python', 'oneshot_step.py'), config],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`the Python reference failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

async function main() {
  const ours: number[] = [];
  const theirs: number[] = [];
  let torchVersion = '';
  for (let round = 0; round < Number(args.rounds); round++) {
    const t = await torchnasRound(round);
    const p = pythonRound(t.steps);
    ours.push(t.stepsPerSecond);
    theirs.push(p.stepsPerSecond);
    torchVersion = p.torch;
    process.stderr.write(
      `round ${round + 1}: torchnas ${t.stepsPerSecond.toFixed(3)} steps/s, Python ${p.stepsPerSecond.toFixed(3)} steps/s, ` +
        `ratio ${(t.stepsPerSecond / p.stepsPerSecond).toFixed(2)}\n`,
    );
  }
  process.stdout.write(
    [
      `## Sandwich step throughput, elastic-28, ${new Date().toISOString().slice(0, 10)}`,
      '',
      `${os.cpus()[0]?.model ?? 'CPU'}, ${THREADS} threads, batch ${BATCH}, ${STEPS} timed steps per round, largest + ${MIDDLE} random + ` +
        `smallest per step, channels_last ${CHANNELS_LAST}; Python: torch ${torchVersion} (the same LibTorch build).`,
      '',
      ...roundsTable(['torchnas steps/s', 'Python steps/s', 'ratio'], ours, theirs, (o, t) => o / t),
    ].join('\n') + '\n',
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
