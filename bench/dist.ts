// npm run bench:dist: data-parallel training steps per second for one process and for two Gloo ranks
// at the same global batch, side by side in one run (rounds alternate), with the all-reduce time that
// backward did not hide measured apart. Flags: --arch <preset> (fmnist-mbconv), --global-batch (128),
// --steps per measurement (20), --rounds (3), --port (29800).
import { spawn } from 'child_process';
import { parseArgs } from 'util';
import type { NativeTrainProgress } from '../binding';
import { loadDataset, Session } from '../lib';
import { loadArchitecture } from '../lib/arch';
import { median } from '../lib/util/statistics';
import { wholeFlag } from './flags';

interface Measure {
  steps: number;
  seconds: number;
  allReduceSeconds: number;
}
interface WorkerConfig {
  arch: string;
  batch: number;
  steps: number;
  threads: number;
  rank: number;
  worldSize: number;
  port: number;
}

async function worker(o: WorkerConfig): Promise<Measure> {
  const session = new Session({ device: 'cpu', threads: o.threads, seed: 1, channelsLast: 'auto' });
  if (o.worldSize > 1)
    await session.connectDistributed({ rank: o.rank, worldSize: o.worldSize, masterPort: o.port });
  const data = (await loadDataset('fashion-mnist', 'train')).subset(o.batch * o.worldSize * o.steps, 5);
  await session.buildNetwork(loadArchitecture(o.arch));
  await session.configureTraining({ lr: 0.05, totalSteps: 10 * o.steps });
  const epoch = async (e: number): Promise<Measure> => {
    let last: NativeTrainProgress | undefined;
    const stats = await session.trainEpoch(
      data,
      { batchSize: o.batch, seed: 2, epoch: e, progressEvery: o.steps },
      (p) => (last = p),
    );
    return { steps: stats.steps, seconds: stats.seconds, allReduceSeconds: last?.allReduceSeconds ?? 0 };
  };
  await epoch(0); // warm-up: allocator, oneDNN primitives, Gloo connections
  const before = await epoch(1);
  const measured = await epoch(2);
  await session.close();
  return { ...measured, allReduceSeconds: measured.allReduceSeconds - before.allReduceSeconds };
}

function runRanks(config: Omit<WorkerConfig, 'rank'>): Promise<Measure[]> {
  return Promise.all(
    Array.from(
      { length: config.worldSize },
      (_, rank) =>
        new Promise<Measure>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [__filename, '--worker', JSON.stringify({ ...config, rank })],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', (code) =>
            code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`rank ${rank} exited with ${code}`)),
          );
        }),
    ),
  );
}

async function bench(): Promise<void> {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string', default: 'fmnist-mbconv' },
      'global-batch': { type: 'string', default: '128' },
      steps: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '3' },
      port: { type: 'string', default: '29800' },
    },
  });
  const arch = values.arch!;
  const global = wholeFlag(values['global-batch'], 'global-batch', 2);
  const steps = wholeFlag(values.steps, 'steps');
  const rounds = wholeFlag(values.rounds, 'rounds');
  let port = wholeFlag(values.port, 'port');
  const cores = 2;
  const setups = [
    { name: '1 process, 2 threads', worldSize: 1, threads: cores, batch: global },
    { name: '2 Gloo ranks, 1 thread each', worldSize: 2, threads: 1, batch: global / 2 },
  ];
  const rates: number[][] = setups.map(() => []);
  const exposed: number[][] = setups.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of setups.entries()) {
      const measures = await runRanks({
        arch,
        batch: s.batch,
        steps,
        threads: s.threads,
        worldSize: s.worldSize,
        port: port++,
      });
      const slowest = Math.max(...measures.map((m) => m.seconds));
      rates[i].push(measures[0].steps / slowest);
      exposed[i].push(Math.max(...measures.map((m) => m.allReduceSeconds)) / measures[0].steps);
      process.stdout.write(`round ${r + 1} ${s.name}: ${(measures[0].steps / slowest).toFixed(2)} steps/s\n`);
    }
  }
  process.stdout.write(
    `\n${arch}, global batch ${global}, ${steps} steps per measurement, medians of ${rounds} rounds\n`,
  );
  process.stdout.write(
    '| setup | steps/s | vs 1 process | all-reduce not hidden (ms/step) |\n| --- | --- | --- | --- |\n',
  );
  const base = median(rates[0]);
  setups.forEach((s, i) =>
    process.stdout.write(
      `| ${s.name} | ${median(rates[i]).toFixed(2)} | ` +
        `${(median(rates[i]) / base).toFixed(2)}x | ${(1000 * median(exposed[i])).toFixed(1)} |\n`,
    ),
  );
}

if (process.argv[2] === '--worker') {
  worker(JSON.parse(process.argv[3])).then(
    (m) => process.stdout.write(JSON.stringify(m)),
    (e) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
} else {
  bench().catch((e) => {
    process.stderr.write(`bench:dist: ${e.message}\n`);
    process.exitCode = 1;
  });
}
