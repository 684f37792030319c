// npm run bench:oneshot-paired — training rules compared subnet by subnet: for runs of
// `npm run bench:oneshot` with different --seed that scored the same subnets (--subnet-seed), each
// arm's held-out accuracy minus the baseline arm's on the same subnet and seed, averaged over the
// seeds, per MACs bin and over all subnets, with a paired bootstrap 95% interval (subnets resampled).
// Per-bin maxima (bench:oneshot-seeds) compare one subnet per arm; pairing compares all of them.
//
//   npm run bench:oneshot-paired -- --dirs runs/attentive-s1,runs/attentive-s2,runs/attentive-s3
//       [--arms bestup-3,worstup-3] [--baseline sandwich] [--bins 8]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { macsBin } from '../lib/supernet/subnet-pool';
import type { SubnetScore } from '../lib/supernet/train-supernet';
import { pairedBootstrap, type Interval } from '../lib/util/statistics';

const { values: args } = parseArgs({
  options: {
    dirs: { type: 'string', default: 'runs/attentive-s1,runs/attentive-s2,runs/attentive-s3' },
    arms: { type: 'string', default: 'bestup-3,worstup-3' },
    baseline: { type: 'string', default: 'sandwich' },
    bins: { type: 'string', default: '8' },
  },
});

const points = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
const interval = (i: Interval) => `${points(i.mean)} [${points(i.lo)}, ${points(i.hi)}]`;
const verdict = (i: Interval) => (i.lo > 0 ? 'above' : i.hi < 0 ? 'below' : 'no difference shown');

/** Per subnet (in scores.json order), the arm's top-1 on each seed. */
function scoresOf(dirs: string[], arm: string): { macs: number[]; top1: number[][] } {
  const bySeed = dirs.map(
    (d) => JSON.parse(fs.readFileSync(path.join(d, arm, 'scores.json'), 'utf8')) as SubnetScore[],
  );
  const names = bySeed[0].map((s) => s.subnet);
  if (bySeed.some((s) => s.map((m) => m.subnet).join() !== names.join())) {
    throw new Error(`the runs scored different subnets for ${arm}: use the same --subnet-seed`);
  }
  return { macs: bySeed[0].map((s) => s.macs), top1: names.map((_, i) => bySeed.map((s) => s[i].top1)) };
}

function main() {
  const dirs = args.dirs.split(',');
  const base = scoresOf(dirs, args.baseline);
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const baseMean = base.top1.map(mean);
  const bins = Number(args.bins);
  const lo = Math.min(...base.macs);
  const hi = Math.max(...base.macs);
  const grid = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const binOf = base.macs.map((m) => macsBin(grid, m));
  const mm = (x: number) => (x / 1e6).toFixed(1);
  console.log(
    `${dirs.length} seeds (${dirs.join(', ')}); ${base.macs.length} subnets; differences in top-1 points ` +
      `against ${args.baseline}, mean over seeds per subnet, paired bootstrap 95% interval over subnets\n`,
  );
  for (const arm of args.arms.split(',')) {
    const own = scoresOf(dirs, arm).top1.map(mean);
    console.log(`| ${arm} - ${args.baseline}: MACs bin (M) | subnets | difference [95% interval] | |`);
    console.log('| --- | --- | --- | --- |');
    for (let b = 0; b < bins; b++) {
      const members = binOf.flatMap((x, i) => (x === b ? [i] : []));
      if (members.length < 2) continue;
      const d = pairedBootstrap(
        members.map((i) => own[i]),
        members.map((i) => baseMean[i]),
        { seed: b + 1 },
      );
      console.log(
        `| ${mm(grid[b])}-${mm(grid[b + 1])} | ${members.length} | ${interval(d)} | ${verdict(d)} |`,
      );
    }
    const all = pairedBootstrap(own, baseMean);
    console.log(`| all | ${own.length} | ${interval(all)} | ${verdict(all)} |\n`);
  }
}

main();
