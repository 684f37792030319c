// npm run bench:darts — DARTS first order against second order on the NAS-Bench-201 cell, trained on
// Fashion-MNIST, several seeds each: the derived cell, its skip connections (DARTS's collapse), its
// NB201 CIFAR-10 test accuracy as a transfer figure with its percentile, the supernet's held-out top-1
// of the last architecture steps, and the search's seconds per step. Each run is a resumable
// `torchnas search darts` run under --out, so a killed bench goes on where it stopped.
//
//   npm run bench:darts -- [--seeds 0,1,2] [--epochs 10] [--limit-train 10000] [--threads 1] [--out runs/bench-darts]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { searchDarts, type DartsResult } from '../lib/darts';
import { meanAndStd } from '../lib/util/statistics';
import { wholeFlag } from './flags';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '0,1,2' },
      epochs: { type: 'string', default: '10' },
      'limit-train': { type: 'string', default: '10000' },
      threads: { type: 'string', default: '1' },
      out: { type: 'string', default: 'runs/bench-darts' },
    },
  });
  const seeds = values.seeds!.split(',').map((s) => wholeFlag(s, 'seeds', 0));
  const epochs = wholeFlag(values.epochs, 'epochs');
  const limitTrain = wholeFlag(values['limit-train'], 'limit-train');
  const threads = wholeFlag(values.threads, 'threads');
  const rows: { order: number; seed: number; result: DartsResult; secondsPerStep: number }[] = [];
  for (const order of [1, 2] as const) {
    for (const seed of seeds) {
      const runDir = path.join(values.out!, `o${order}-s${seed}`);
      const result = await searchDarts(
        { order, seed, epochs, limitTrain, threads, device: 'cpu', runDir, progressEvery: 1000 },
        (e) => {
          if (e.type === 'epoch')
            process.stderr.write(
              `order ${order} seed ${seed}: epoch ${e.record.epoch} ${e.record.derived}\n`,
            );
        },
      );
      const steps = result.history.at(-1)!.globalStep;
      const seconds = result.history.reduce((s, r) => s + r.seconds, 0);
      rows.push({ order, seed, result, secondsPerStep: seconds / steps });
    }
  }
  const lines = [
    `DARTS on NB201 (C 8, N 1), Fashion-MNIST, ${limitTrain} training images halved, ${epochs} epochs, ${threads} thread(s)`,
    '',
    '| order | seed | derived cell | skip connections | NB201 CIFAR-10 test (percentile) | last epoch arch-step top-1 | s/step |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.order} | ${r.seed} | ${r.result.derived} | ${r.result.skipConnections} | ` +
        `${r.result.cifar10.accuracy.toFixed(2)} (${(100 * r.result.cifar10.percentile).toFixed(1)}%) | ` +
        `${(100 * r.result.history.at(-1)!.archTop1).toFixed(2)} | ${r.secondsPerStep.toFixed(3)} |`,
    ),
    '',
  ];
  for (const order of [1, 2]) {
    const mine = rows.filter((r) => r.order === order);
    const acc = meanAndStd(mine.map((r) => r.result.cifar10.accuracy));
    const skips = meanAndStd(mine.map((r) => r.result.skipConnections));
    const speed = meanAndStd(mine.map((r) => r.secondsPerStep));
    lines.push(
      `order ${order}: CIFAR-10 ${acc.mean.toFixed(2)} ± ${acc.std.toFixed(2)}, skip connections ${skips.mean.toFixed(1)}, ` +
        `${speed.mean.toFixed(3)} s/step`,
    );
  }
  const text = lines.join('\n') + '\n';
  fs.mkdirSync(values.out!, { recursive: true });
  fs.writeFileSync(path.join(values.out!, 'report.md'), text);
  process.stdout.write(text);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
