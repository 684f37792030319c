// `torchnas search darts` and `torchnas search entrannas`: differentiable searches of the NAS-Bench-201
// cell, trained on Fashion-MNIST. The two share every option but their supernet's.
import { Command, Option } from 'commander';
import { dartsAlphaChart, plotFormat, renderChart } from '../report';
import { finiteNumber, positiveWholeNumber, wholeNumber, givenOptions } from '../util/option-parsers';
import { searchDarts, searchEntranNas, type DartsEvent, type DartsResult } from './darts-run';
import { plural } from '../util/plural';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function progressLine(e: DartsEvent): string | undefined {
  if (e.type === 'start') return `${e.method}: epoch ${e.startEpoch}/${e.epochs}, run ${e.runDir}\n`;
  if (e.type !== 'epoch') return undefined;
  const r = e.record;
  const transit = r.transitOps === undefined ? '' : `, Transit-cells run ${r.transitOps} ops`;
  return (
    `epoch ${r.epoch}: train top-1 ${pct(r.top1)}, architecture steps top-1 ${pct(r.archTop1)}, ` +
    `cell ${r.derived} (${r.skipConnections} skip)${transit}\n`
  );
}

/** The options both searches take. */
function addSearchOptions(command: Command, cells: number): Command {
  return command
    .option('--epochs <n>', 'search epochs, each committed', positiveWholeNumber('--epochs'), 10)
    .option('--batch-size <n>', 'batch size of both halves', positiveWholeNumber('--batch-size'), 64)
    .option('--lr <x>', 'weights: SGD learning rate, cosine to --min-lr', finiteNumber('--lr'), 0.025)
    .option('--min-lr <x>', 'the final learning rate', finiteNumber('--min-lr'), 0.001)
    .option('--arch-lr <x>', 'architecture: Adam learning rate', finiteNumber('--arch-lr'), 3e-4)
    .option(
      '--retrain-epochs <n>',
      'then train the derived cell alone and test it',
      wholeNumber('--retrain-epochs'),
      0,
    )
    .option('--retrain-lr <x>', 'learning rate of that training', finiteNumber('--retrain-lr'), 0.05)
    .option('--channels <C>', 'NB201 network: first stage width', positiveWholeNumber('--channels'), 8)
    .option('--cells <N>', 'NB201 network: cells per stage', positiveWholeNumber('--cells'), cells)
    .option('--limit-train <n>', 'use only this many training images', positiveWholeNumber('--limit-train'))
    .option('--data-dir <dir>', 'Fashion-MNIST folder (default: the Debian package)')
    .option('--seed <n>', 'seed', wholeNumber('--seed'), 0)
    .option('--threads <n>', 'CPU threads for LibTorch', positiveWholeNumber('--threads'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N')
    .option('--plot <file>', "draw each edge's operation weights over the epochs to this .svg or .png file")
    .option('--out <dir>', 'run directory; if it holds a run of this method, that run resumes')
    .option('--restart', 'start over in --out: the run it holds is removed first', false)
    .addOption(new Option('--progress <mode>', 'progress lines').choices(['lines', 'none']).default('lines'))
    .option('--json', 'print the result as JSON on stdout', false);
}

type Search = (options: never, onEvent: (e: DartsEvent) => void) => Promise<DartsResult>;

/** Runs a search from the parsed flags: `own` holds the method's own options. */
async function runSearch(
  search: Search,
  o: Record<string, unknown>,
  command: Command,
  own: object,
  title: string,
) {
  if (o.plot !== undefined) plotFormat(o.plot as string); // a bad file name is refused before the search
  const chosen = givenOptions(command);
  const keys = ['epochs', 'batchSize', 'lr', 'minLr', 'archLr', 'retrainEpochs', 'retrainLr', 'channels'];
  const result = await search(
    {
      ...own,
      ...Object.fromEntries(keys.map((k) => [k, chosen(k)])),
      cells: chosen('cells'),
      seed: chosen('seed'),
      limitTrain: o.limitTrain,
      dataDir: o.dataDir,
      threads: o.threads,
      device: o.device,
      runDir: o.out,
      restart: o.restart,
    } as never,
    (e) => {
      const line = o.progress === 'none' ? undefined : progressLine(e);
      if (line) process.stderr.write(line);
    },
  );
  if (o.plot !== undefined)
    await renderChart(dartsAlphaChart(result.history, `${title}: ${result.runDir}`), o.plot as string);
  if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
  else
    process.stdout.write(
      `derived cell: ${result.derived} (${result.skipConnections} skip connections)\n` +
        `NB201 CIFAR-10 test accuracy of that cell: ${result.cifar10.accuracy.toFixed(2)}% ` +
        `(percentile ${pct(result.cifar10.percentile)})\n` +
        (result.retrain
          ? `retrained alone for ${plural(result.retrain.epochs, 'epoch')}: ` +
            `Fashion-MNIST test top-1 ${pct(result.retrain.testTop1)}\n`
          : '') +
        `run ${result.runDir}\n`,
    );
}

export function registerDartsCommand(search: Command): void {
  addSearchOptions(
    search
      .command('darts')
      .description('DARTS on the NAS-Bench-201 cell (first or second order), trained on Fashion-MNIST')
      .addOption(
        new Option('--order <n>', 'architecture gradient: 1 first order, 2 second order')
          .choices(['1', '2'])
          .default('1'),
      ),
    1,
  ).action((o, command: Command) =>
    runSearch(searchDarts as Search, o, command, { order: Number(o.order) }, `DARTS (order ${o.order})`),
  );
  addSearchOptions(
    search
      .command('entrannas')
      .description(
        'EnTranNAS on the NAS-Bench-201 cell: Engine-cells search, Transit-cells run the derived cell',
      )
      .option(
        '--engine-cells <n>',
        'Engine-cells at the start of each stage (the rest are Transit-cells)',
        positiveWholeNumber('--engine-cells'),
        1,
      )
      .addOption(
        new Option('--derivation <kind>', 'sparse: learned thresholds; top: the largest alpha per edge')
          .choices(['sparse', 'top'])
          .default('sparse'),
      )
      .option(
        '--sparsity <x>',
        'sparse derivation: weight of the sparsity term in the architecture loss',
        finiteNumber('--sparsity'),
        0.05,
      )
      .option('--no-feature-sharing', 'each edge its own operations (feature sharing is on by default)'),
    2,
  ).action((o, command: Command) => {
    const chosen = givenOptions(command);
    const own = {
      engineCells: chosen('engineCells'),
      derivation: o.derivation,
      sparsity: chosen('sparsity'),
      featureSharing: chosen('featureSharing'),
    };
    return runSearch(searchEntranNas as Search, o, command, own, `EnTranNAS (${o.derivation})`);
  });
}
