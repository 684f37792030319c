// npm run bench:oneshot-seeds — the seed-to-seed spread of the one-shot bench: for runs of
// `npm run bench:oneshot` with different --seed (the same scored subnets, --subnet-seed), the best
// held-out accuracy per MACs bin per arm: mean over seeds and spread (max - min); then, per bin,
// whether an arm's gain over a baseline arm exceeds both arms' spreads.
//
//   npm run bench:oneshot-seeds -- --dirs runs/oneshot,runs/oneshot-s2,runs/oneshot-s3 [--arms uniform,shiftnas]
//       [--baseline uniform] [--bins 8]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { macsBin } from '../lib/supernet/subnet-pool';
import type { SubnetScore } from '../lib/supernet/train-supernet';

const { values: args } = parseArgs({
  options: {
    dirs: { type: 'string', default: 'runs/oneshot,runs/oneshot-s2,runs/oneshot-s3' },
    arms: { type: 'string', default: 'uniform,shiftnas' },
    baseline: { type: 'string', default: 'uniform' },
    bins: { type: 'string', default: '8' },
  },
});

const pct = (x: number) => `${(100 * x).toFixed(2)}`;
const read = (file: string): SubnetScore[] => JSON.parse(fs.readFileSync(file, 'utf8')) as SubnetScore[];

function main() {
  const dirs = args.dirs.split(',');
  const arms = args.arms.split(',');
  const bins = Number(args.bins);
  const subnets = dirs.map((d) => fs.readFileSync(path.join(d, 'subnets.json'), 'utf8'));
  if (subnets.some((s) => s !== subnets[0]))
    throw new Error('the runs scored different subnets: use the same --subnet-seed');
  // scores[arm][seed]
  const scores = arms.map((arm) => dirs.map((d) => read(path.join(d, arm, 'scores.json'))));
  const all = scores.flat(2).map((s) => s.macs);
  const grid = Array.from(
    { length: bins + 1 },
    (_, i) => Math.min(...all) + ((Math.max(...all) - Math.min(...all)) * i) / bins,
  );
  // best[arm][bin][seed]
  const best = scores.map((bySeed) =>
    Array.from({ length: bins }, (_, b) =>
      bySeed.map((s) => Math.max(...s.filter((m) => macsBin(grid, m.macs) === b).map((m) => m.top1))),
    ),
  );
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  const base = arms.indexOf(args.baseline);
  const lines = [
    `Best held-out top-1 (%) per MACs bin over seeds (${dirs.join(', ')}): mean (spread = max - min)`,
    '',
    `| MACs bin (M) | ${arms.join(' | ')} |${arms
      .filter((_, a) => a !== base)
      .map((a) => ` ${a} - ${args.baseline} |`)
      .join('')}`,
    `| --- |${arms.map(() => ' --- |').join('')}${arms
      .filter((_, a) => a !== base)
      .map(() => ' --- |')
      .join('')}`,
  ];
  for (let b = 0; b < bins; b++) {
    const cells = arms.map((_, a) => `${pct(mean(best[a][b]))} (${pct(spread(best[a][b]))})`);
    const gains = arms.flatMap((_, a) => {
      if (a === base) return [];
      const gain = mean(best[a][b]) - mean(best[base][b]);
      const noise = Math.max(spread(best[a][b]), spread(best[base][b]));
      return [
        `${gain >= 0 ? '+' : ''}${pct(gain)} (${Math.abs(gain) > noise ? 'beyond' : 'within'} the spread)`,
      ];
    });
    lines.push(
      `| ${(grid[b] / 1e6).toFixed(1)}-${(grid[b + 1] / 1e6).toFixed(1)} | ${[...cells, ...gains].join(' | ')} |`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main();
