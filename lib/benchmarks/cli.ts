// `torchnas bench nb201`: seeded runs of one search strategy on the NAS-Bench-201 tables, reported as
// the benchmark does (mean +- std of the chosen architectures' test accuracy). Registered on the main
// program by lib/cli/main.ts.
import { wholeNumber } from '../util/option-parsers';
import { Command, InvalidArgumentError, Option } from 'commander';
import { invalid } from '../errors';
import { createCountProgress, type ProgressMode } from '../util/count-progress';
import { nb201AnytimeChart, nb201ParetoChart, nb201ParetoPanel, plotFormat, renderChart } from '../report';
import { STRATEGY_NAMES } from '../strategies';
import { NB201_DATASETS } from './nb201';
import { NB201_DEVICES } from './nb201-latency';
import {
  NB201_DEFAULT_BUDGET_EPOCHS,
  runNb201Experiment,
  type Nb201ExperimentResult,
} from './nb201-experiment';
import { registerTnb101Command } from './tnb101-cli';

const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

export function registerBenchCommand(program: Command): void {
  const bench = program
    .command('bench')
    .description('search strategies on tabular NAS benchmarks (NAS-Bench-201, TransNAS-Bench-101)');
  bench
    .command('nb201')
    .description(
      'seeded runs of a search strategy on NAS-Bench-201: search on validation, report test accuracy',
    )
    .addHelpText(
      'after',
      `
Examples:
  torchnas bench nb201 --strategy rea --runs 100 --dataset cifar10
  torchnas bench nb201 --strategy reinforce --dataset ImageNet16-120 --budget-epochs 2400
  torchnas bench nb201 --strategy rea --hardware pixel3 --max-latency 6.5 --json
  torchnas bench nb201 --strategy reinforce --runs 50 --plot anytime.svg
  torchnas bench nb201 --strategy rea --hardware pixel3 --max-latency 6.5 --plot pareto.png
--plot draws the anytime curve (test accuracy of the best architecture so far, mean ± std over the
runs); with --hardware, the accuracy-latency Pareto front on that device with the bound and the runs' choices.
Single-fidelity strategies see 12-epoch validation accuracy (12 epochs per evaluation), hyperband
12- and 200-epoch validation accuracy. The default budget, ${NB201_DEFAULT_BUDGET_EPOCHS} epochs, is 100 architectures at 12 epochs.`,
    )
    .addOption(new Option('--strategy <name>', 'search strategy').choices([...STRATEGY_NAMES]).default('rea'))
    .addOption(
      new Option('--dataset <name>', 'NB201 dataset').choices([...NB201_DATASETS]).default('cifar10'),
    )
    .option('--runs <n>', 'seeded runs', wholeNumber('--runs'), 100)
    .option(
      '--budget-epochs <n>',
      'simulated training epochs per run',
      wholeNumber('--budget-epochs'),
      NB201_DEFAULT_BUDGET_EPOCHS,
    )
    .option('--seed <n>', 'seed of the first run (run r uses seed + r)', wholeNumber('--seed'), 0)
    .addOption(
      new Option(
        '--hardware <name>',
        'latency hardware for a hardware-aware search (needs --max-latency)',
      ).choices([...NB201_DEVICES]),
    )
    .option(
      '--max-latency <ms>',
      'latency bound on --hardware, in milliseconds',
      positiveNumber('--max-latency'),
    )
    .option('--plot <file>', 'also draw the result to this .svg or .png file (see below)')
    .option('--json', 'print the result as JSON on stdout', false)
    .addOption(
      new Option('--progress <mode>', 'progress display on stderr')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .action(async (o) => {
      if ((o.hardware === undefined) !== (o.maxLatency === undefined)) {
        throw invalid(
          '--hardware and --max-latency go together: give both for a hardware-aware search, or neither',
        );
      }
      if (o.plot !== undefined) plotFormat(o.plot); // a bad name fails now, not after the runs
      const bar = createCountProgress(o.progress as ProgressMode, 'runs');
      const result = runNb201Experiment({
        strategy: o.strategy,
        dataset: o.dataset,
        runs: o.runs,
        budgetEpochs: o.budgetEpochs,
        seed: o.seed,
        latency: o.hardware ? { device: o.hardware, maxMs: o.maxLatency } : undefined,
        onRun: (done, total) => bar.update(done, total),
      });
      bar.stop();
      if (o.plot !== undefined) await renderChart(chartOf(result, o.hardware, o.maxLatency), o.plot);
      const { mean, std, values } = result.testAccuracy;
      if (o.json) {
        process.stdout.write(
          JSON.stringify({
            strategy: result.strategy,
            dataset: result.dataset,
            budgetEpochs: result.budgetEpochs,
            runs: values.length,
            meanEvaluations: result.meanEvaluations,
            testAccuracy: { mean, std },
            chosen: result.runs.map(
              (run) =>
                run.incumbent && {
                  arch: run.incumbent.arch,
                  validAccuracy: run.incumbent.score,
                  testAccuracy: run.incumbent.reported,
                },
            ),
            ...(o.plot !== undefined && { plot: o.plot }),
          }) + '\n',
        );
      } else {
        const bound = o.hardware ? `, latency <= ${o.maxLatency} ms on ${o.hardware}` : '';
        const found =
          values.length < result.runs.length
            ? ` (${values.length} of ${result.runs.length} runs found one)`
            : '';
        process.stdout.write(
          `${result.strategy} on ${result.dataset}${bound}: test accuracy ${mean.toFixed(2)} ± ${std.toFixed(2)} % ` +
            `over ${values.length} runs of ${result.budgetEpochs} simulated epochs (${result.meanEvaluations.toFixed(0)} evaluations per run)${found}\n`,
        );
        if (o.plot !== undefined) process.stdout.write(`plot written to ${o.plot}\n`);
      }
    });
  registerTnb101Command(bench);
}

/** A hardware-aware experiment is drawn on its device's Pareto front, any other as its anytime curve. */
function chartOf(result: Nb201ExperimentResult, device?: string, maxLatency?: number) {
  if (!device) return nb201AnytimeChart([result]);
  const panel = nb201ParetoPanel(result.dataset, device, { bound: maxLatency, runs: result.runs });
  return nb201ParetoChart(result.dataset, [panel], `${result.strategy}, ${result.runs.length} runs`);
}
