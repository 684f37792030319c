// npm run bench:shiftnas-margin — the margin of the ShiftNAS generator test across seeds and threads:
// the space, bins and pre-training of test/supernet/shiftnas.test.ts, repeated for each --seeds
// pre-training seed and --threads count; per run, the worst relative MACs error of the generated
// subnets against the bin centres, and per bin the error of the nearest subnet the space can build.
// A test asserting a training outcome must hold with a margin over all of these, not on one CPU.
//
//   npm run bench:shiftnas-margin -- [--seeds 0,1,2,3,4,5,6,7] [--threads 1,2] [--steps 600] [--pool 4000]
import { parseArgs } from 'util';
import { Session, subnetCost } from '../lib';
import { randomSubnet } from '../lib/spaces';
import { binCentres } from '../lib/supernet/shiftnas/shiftnas-run';
import { macsCostTerms, nativeCostTerms } from '../lib/supernet/shiftnas/cost-model';
import { Rng } from '../lib/util/rng';
import { DATA, EDGES, SMALL } from './shiftnas-small';
import {
  attachShiftNas,
  generatorSubnets,
  pretrainGenerator,
} from '../lib/supernet/shiftnas/shiftnas-session';
import { buildElastic } from '../lib/supernet/elastic-session';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2,3,4,5,6,7' },
    threads: { type: 'string', default: '1,2' },
    steps: { type: 'string', default: '600' },
    pool: { type: 'string', default: '4000' },
  },
});

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function worstError(seed: number, threads: number, steps: number): Promise<number[]> {
  const s = new Session({ device: 'cpu', precision: 'fp64', threads, seed: 3 });
  await buildElastic(s, SMALL);
  await attachShiftNas(s, DATA, {
    edges: EDGES,
    cost: nativeCostTerms(macsCostTerms(SMALL)),
    valid: { batchSize: 8 },
    generatorLr: 5e-3,
  });
  const targets = binCentres(EDGES);
  if (steps > 0) await pretrainGenerator(s, { steps, batch: 64, seed });
  const generated = await generatorSubnets(s, targets);
  await s.close();
  return generated.map((g, i) => Math.abs(subnetCost(SMALL, g.subnet).macs - targets[i]) / targets[i]);
}

function nearestReachable(targets: number[], pool: number): number[] {
  const rng = new Rng(11);
  const macs = Array.from(
    { length: pool },
    () =>
      subnetCost(
        SMALL,
        randomSubnet(SMALL, () => rng.next()),
      ).macs,
  );
  return targets.map((t) => Math.min(...macs.map((m) => Math.abs(m - t) / t)));
}

async function main() {
  const targets = binCentres(EDGES);
  console.log(`bin centres: ${targets.map((t) => t.toFixed(0)).join(', ')}`);
  console.log(
    `nearest reachable subnet (of ${args.pool} sampled): ${nearestReachable(targets, Number(args.pool)).map(pct).join(', ')}`,
  );
  console.log('| seed | threads | error per bin | worst |');
  console.log('| --- | --- | --- | --- |');
  console.log(`untrained: ${(await worstError(0, 1, 0)).map(pct).join(', ')}`);
  const worst: number[] = [];
  for (const threads of args.threads.split(',').map(Number)) {
    for (const seed of args.seeds.split(',').map(Number)) {
      const errors = await worstError(seed, threads, Number(args.steps));
      worst.push(Math.max(...errors));
      console.log(
        `| ${seed} | ${threads} | ${errors.map(pct).join(', ')} | ${pct(worst[worst.length - 1])} |`,
      );
    }
  }
  console.log(
    `worst over all runs: ${pct(Math.max(...worst))}; runs over 5%: ${worst.filter((w) => w > 0.05).length}/${worst.length}`,
  );
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
