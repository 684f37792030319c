// npm run bench:darts-step — DARTS (first order) search steps on the NB201 supernet, torchnas against
// the same network and step written in PyTorch's Python API (bench/python/darts_step.py) on the same
// LibTorch, measured side by side in rounds: is torchnas's search step as fast as PyTorch's?
//
// Each round times one torchnas epoch of --steps steps (an Adam step of the alphas on a held-out batch,
// then an SGD step of the weights) after a 2-step warm-up epoch, on synthetic 1x28x28 images, then the
// Python reference's --steps steps after its own 2 warm-up steps.
//
//   npm run bench:darts-step -- [--steps 20] [--batch-size 64] [--channels 8] [--cells 2] [--threads 1]
//       [--rounds 3] [--channels-last off|on] [--python /usr/bin/python3]
// --channels-last sets both sides' memory format (torchnas's own default on a CPU is on).
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { buildDartsSupernet, dartsEpoch, Session, syntheticDataset } from '../lib';
import { channelsLastMode } from '../lib/util/option-parsers';
import { wholeFlag } from './flags';
import { roundsTable } from './rounds-table';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '64' },
    channels: { type: 'string', default: '8' },
    cells: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
    'channels-last': { type: 'string', default: 'off' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const cfg = {
  steps: wholeFlag(args.steps, 'steps'),
  batch: wholeFlag(args['batch-size'], 'batch-size'),
  channels: wholeFlag(args.channels, 'channels'),
  cells: wholeFlag(args.cells, 'cells'),
  threads: wholeFlag(args.threads, 'threads'),
  rounds: wholeFlag(args.rounds, 'rounds'),
  channelsLast: channelsLastMode(args['channels-last']!) === true,
};

/** Seconds per step of one torchnas epoch of `count` steps. */
async function epochSeconds(session: Session, count: number, seed: number, epoch: number) {
  const images = (s: number) =>
    syntheticDataset({ count: count * cfg.batch, shape: [1, 28, 28], classes: 10, seed: s });
  const loader = { batchSize: cfg.batch, epoch, seed };
  const t0 = process.hrtime.bigint();
  await dartsEpoch(session, images(seed), images(seed + 1), {
    train: loader,
    valid: loader,
    progressEvery: 1000,
  });
  return Number(process.hrtime.bigint() - t0) / 1e9 / count;
}

async function torchnasRound(round: number): Promise<number> {
  const session = new Session({
    device: 'cpu',
    threads: cfg.threads,
    seed: round,
    channelsLast: cfg.channelsLast,
  });
  try {
    await buildDartsSupernet(session, { channels: cfg.channels, cells: cfg.cells, input: [1, 28, 28] });
    await session.configureTraining({
      lr: 0.025,
      momentum: 0.9,
      weightDecay: 3e-4,
      totalSteps: cfg.steps + 2,
    });
    await epochSeconds(session, 2, 10 * round, 0); // warm-up
    return await epochSeconds(session, cfg.steps, 10 * round + 2, 1);
  } finally {
    await session.close();
  }
}

function pythonRound(): { secondsPerStep: number; torch: string } {
  const script = path.join(__dirname, '..', '..', 'bench', 'python', 'darts_step.py');
  const flags = [
    '--steps',
    cfg.steps,
    '--batch',
    cfg.batch,
    '--channels',
    cfg.channels,
    '--cells',
    cfg.cells,
  ];
  if (cfg.channelsLast) flags.push('--channels-last');
  const run = spawnSync(args.python, [script, ...flags.map(String), '--threads', String(cfg.threads)], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the Python reference failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

async function main() {
  const ours: number[] = [];
  const theirs: number[] = [];
  let torchVersion = '';
  for (let round = 0; round < cfg.rounds; round++) {
    ours.push(await torchnasRound(round));
    const p = pythonRound();
    theirs.push(p.secondsPerStep);
    torchVersion = p.torch;
    process.stderr.write(
      `round ${round + 1}: torchnas ${ours[round].toFixed(3)} s/step, Python ${p.secondsPerStep.toFixed(3)} s/step\n`,
    );
  }
  process.stdout.write(
    [
      `## DARTS search step, NB201 supernet, ${new Date().toISOString().slice(0, 10)}`,
      '',
      `${os.cpus()[0]?.model ?? 'CPU'}, ${cfg.threads} thread(s), batch ${cfg.batch}, C ${cfg.channels}, ` +
        `N ${cfg.cells}, channels_last ${cfg.channelsLast ? 'on' : 'off'} on both sides, ${cfg.steps} timed steps per round; Python: torch ${torchVersion} (the same LibTorch build).`,
      '',
      // Python's time over torchnas's: above 1, torchnas is faster.
      ...roundsTable(
        ['torchnas s/step', 'Python s/step', 'Python / torchnas'],
        ours,
        theirs,
        (o, t) => t / o,
      ),
    ].join('\n') + '\n',
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
