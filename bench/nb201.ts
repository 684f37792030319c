// npm run bench:nb201 — search strategies on the NAS-Bench-201 tables, under the benchmark's protocol:
// search on validation accuracy, report the test accuracy (200 epochs) of the chosen architecture,
// mean +- std over seeded runs (500 by default, as in the paper). Single-fidelity strategies see 12-epoch validation accuracy, as the
// paper's baselines did; Hyperband sees 12- and 200-epoch validation accuracy. The budget is counted in
// simulated training epochs (the shipped tables have no training times): 1,200 epochs is 100
// architectures at 12 epochs, about what the paper's 12,000 simulated seconds bought (a 12-epoch
// training of a NB201 cell on CIFAR-10 takes on the order of 100 s in NATS-Bench's timings).
// Then a hardware-aware section, and Pareto fronts and anytime curves written as JSON; with --plots, the
// anytime curves of each dataset and the hardware-aware Pareto fronts drawn as PNGs in that folder.
//
//   npm run bench:nb201 -- [--runs 500] [--budget-epochs 1200] [--seed 0] [--out runs/bench-nb201] [--plots docs/plots]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import {
  NB201_DATASETS,
  NB201_DEFAULT_BUDGET_EPOCHS,
  NB201_DEVICES,
  nb201Best,
  nb201BestUnderLatency,
  nb201LatencyColumn,
  nb201ParetoFront,
  runNb201Experiment,
  type Nb201ExperimentResult,
} from '../lib/benchmarks';
import {
  anytimeSeries,
  nb201AnytimeChart,
  nb201ParetoChart,
  nb201ParetoPanel,
  renderChart,
  type ParetoPanel,
  type VegaLiteSpec,
} from '../lib/report';
import { STRATEGY_NAMES } from '../lib/strategies';
import { markdownCell } from './markdown-cell';

// Dong & Yang, NAS-Bench-201, ICLR 2020, Table 5: CIFAR-10 test accuracy, mean +- std over 500 runs.
const PAPER_CIFAR10: Record<string, string> = {
  random: '93.70 ± 0.36',
  rea: '93.92 ± 0.30',
  reinforce: '93.85 ± 0.37',
  hyperband: '93.61 ± 0.52 (BOHB)',
};
const PAPER_OPTIMUM: Record<string, string> = {
  cifar10: '94.37',
  cifar100: '73.51',
  'ImageNet16-120': '47.31',
};

// Hardware-aware section: a GPU, a phone and an FPGA, chosen before looking at the results; the bound
// keeps the fastest quarter of the space on each device.
const HARDWARE_DEVICES = ['titan_rtx_1', 'pixel3', 'fpga'];
const HARDWARE_DATASET = 'cifar10';
const LATENCY_QUANTILE = 0.25;

interface Args {
  runs: number;
  budgetEpochs: number;
  seed: number;
  out: string;
  plots?: string;
}

function readArgs(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '500' },
      'budget-epochs': { type: 'string', default: String(NB201_DEFAULT_BUDGET_EPOCHS) },
      seed: { type: 'string', default: '0' },
      out: { type: 'string', default: 'runs/bench-nb201' },
      plots: { type: 'string' },
    },
  });
  return {
    runs: Number(values.runs),
    budgetEpochs: Number(values['budget-epochs']),
    seed: Number(values.seed),
    out: values.out,
    plots: values.plots,
  };
}

const pm = (x: { mean: number; std: number }) => `${x.mean.toFixed(2)} ± ${x.std.toFixed(2)}`;
const cell = (arch: string) => `\`${markdownCell(arch)}\``;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}

/** Mean and std of the incumbent's test accuracy at 100 points of the budget, over the runs that have one by then. */
function anytimeCurve(
  result: Nb201ExperimentResult,
): { epochs: number; testAccuracy: number; std: number }[] {
  const round = (x: number) => Number(x.toFixed(4));
  return anytimeSeries(result.strategy, result.runs, 'cost').points.map((p) => ({
    epochs: p.x,
    testAccuracy: round(p.mean),
    std: round(p.std),
  }));
}

async function writePlot(spec: VegaLiteSpec, dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.png`);
  await renderChart(spec, file);
  return file;
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  const started = Date.now();
  fs.mkdirSync(args.out, { recursive: true });

  const results = new Map<string, Nb201ExperimentResult>();
  for (const strategy of STRATEGY_NAMES) {
    for (const dataset of NB201_DATASETS) {
      results.set(
        `${strategy}/${dataset}`,
        runNb201Experiment({
          strategy,
          dataset,
          runs: args.runs,
          budgetEpochs: args.budgetEpochs,
          seed: args.seed,
        }),
      );
    }
  }

  const out: string[] = [];
  out.push(
    `## NAS-Bench-201: test accuracy (%) of the chosen architecture, ${args.runs} runs, ${args.budgetEpochs} simulated epochs each\n`,
  );
  out.push('| strategy | evaluations | CIFAR-10 | paper CIFAR-10 | CIFAR-100 | ImageNet16-120 |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const strategy of STRATEGY_NAMES) {
    const r = (dataset: string) => results.get(`${strategy}/${dataset}`)!;
    out.push(
      `| ${strategy} | ${r('cifar10').meanEvaluations.toFixed(0)} | ${pm(r('cifar10').testAccuracy)} | ${PAPER_CIFAR10[strategy]} | ` +
        `${pm(r('cifar100').testAccuracy)} | ${pm(r('ImageNet16-120').testAccuracy)} |`,
    );
  }
  const optimum = (dataset: string) =>
    `${nb201Best(dataset).accuracy.toFixed(2)} (paper ${PAPER_OPTIMUM[dataset]})`;
  out.push(
    `| optimum (table) | 15625 | ${optimum('cifar10')} | 94.37 | ${optimum('cifar100')} | ${optimum('ImageNet16-120')} |`,
  );
  out.push('');
  out.push('Single-fidelity strategies search on 12-epoch validation accuracy (12 epochs per evaluation);');
  out.push(
    'Hyperband on 12- and 200-epoch validation accuracy (eta 17); the paper ran BOHB on the 12-epoch schedule only.\n',
  );

  out.push(
    `## Hardware-aware: best ${HARDWARE_DATASET} architecture within a latency bound (fastest ${LATENCY_QUANTILE * 100}% of the space)\n`,
  );
  out.push(
    '| device | bound (ms) | best within bound (exhaustive, chosen on 200-ep validation) | latency (ms) | test | REA within bound, test |',
  );
  out.push('| --- | --- | --- | --- | --- | --- |');
  const hardwarePanels: ParetoPanel[] = [];
  for (const device of HARDWARE_DEVICES) {
    const maxMs = quantile(nb201LatencyColumn(device), LATENCY_QUANTILE);
    const best = nb201BestUnderLatency(HARDWARE_DATASET, device, maxMs)!;
    const rea = runNb201Experiment({
      strategy: 'rea',
      dataset: HARDWARE_DATASET,
      runs: args.runs,
      budgetEpochs: args.budgetEpochs,
      seed: args.seed,
      latency: { device, maxMs },
    });
    out.push(
      `| ${device} | ${maxMs.toFixed(3)} | #${best.index} ${cell(best.arch)} | ${best.latencyMs.toFixed(3)} | ${best.accuracy.toFixed(2)} | ${pm(rea.testAccuracy)} |`,
    );
    hardwarePanels.push(nb201ParetoPanel(HARDWARE_DATASET, device, { bound: maxMs, runs: rea.runs }));
  }

  const pareto = Object.fromEntries(
    NB201_DATASETS.map((dataset) => [
      dataset,
      Object.fromEntries(NB201_DEVICES.map((device) => [device, nb201ParetoFront(dataset, device)])),
    ]),
  );
  const paretoFile = path.join(args.out, 'nb201-pareto.json');
  fs.writeFileSync(
    paretoFile,
    JSON.stringify({
      what: 'Pareto front of 200-epoch test accuracy (%) vs latency (ms), per dataset and device',
      fronts: pareto,
    }) + '\n',
  );
  const anytime = Object.fromEntries([...results].map(([key, result]) => [key, anytimeCurve(result)]));
  const anytimeFile = path.join(args.out, 'nb201-anytime.json');
  fs.writeFileSync(
    anytimeFile,
    JSON.stringify({
      what: 'mean and std over runs of the test accuracy (%) of the incumbent vs simulated training epochs',
      runs: args.runs,
      curves: anytime,
    }) + '\n',
  );
  out.push('');
  out.push(`Pareto fronts (27 devices x 3 datasets): ${paretoFile}; anytime curves: ${anytimeFile}.`);
  if (args.plots) {
    const plotFiles = [];
    for (const dataset of NB201_DATASETS) {
      const chart = nb201AnytimeChart(
        STRATEGY_NAMES.map((strategy) => results.get(`${strategy}/${dataset}`)!),
      );
      plotFiles.push(await writePlot(chart, args.plots, `nb201-anytime-${dataset}`));
    }
    plotFiles.push(
      await writePlot(
        nb201ParetoChart(HARDWARE_DATASET, hardwarePanels, `rea, ${args.runs} runs`),
        args.plots,
        'nb201-pareto-hardware',
      ),
    );
    out.push(`Plots: ${plotFiles.join(', ')}.`);
  }
  out.push(`${((Date.now() - started) / 1000).toFixed(1)} s.`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : error}\n`);
  process.exitCode = 1;
});
