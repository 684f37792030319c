// `torchnas search proxyless`: ProxylessNAS with a hardware-aware loss, then export (and retrain).
import { Command, Option } from 'commander';
import { DATASET_NAMES } from '../data/datasets';
import { addParallelOptions, parallelOptions } from '../dist/parallel-options';
import {
  CHANNELS_LAST_HELP,
  channelsLastMode,
  finiteNumber,
  wholeNumber,
  givenOptions,
} from '../util/option-parsers';
import { SPACES } from '../spaces';
import { createSearchProgress, describeCost } from './search-progress';
import type { ProgressMode } from '../util/count-progress';
import { DEFAULT_LAMBDA, proxyless } from './proxyless';

const int = wholeNumber;
const num = finiteNumber;

export function registerProxylessCommand(search: Command): void {
  addParallelOptions(search.command('proxyless'))
    .description(
      'ProxylessNAS: binarized-gate search with a hardware-aware loss, then export (and retrain) the result',
    )
    .addHelpText(
      'after',
      `
The latency table is, until you give one (--latency-table), the MACs (millions) of every candidate:
--target is in the table's unit. A table is one built by 'torchnas latency table' for the same space
(milliseconds), or JSON {"table": [[per candidate] per edge], "fixed": x}.
Spaces: ${Object.keys(SPACES).join(', ')}.
Examples:
  torchnas search proxyless --target 4 --epochs 6 --retrain-epochs 10
  torchnas latency table --space proxyless-28 --batch-size 1 --device cpu -o cpu1.json
  torchnas search proxyless --latency-table cpu1.json --target 2.5
  torchnas search proxyless --mode two --latency-loss add#linear --target 3 --out runs/s1   # resumes if runs/s1 exists`,
    )
    .option('--space <name|file>', 'search space: a built-in name or a JSON space file', 'proxyless-28')
    .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASET_NAMES]).default('fashion-mnist'))
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .option(
      '--image-size <n>',
      'image-folder: side of the square images the search decodes (default 224); the space fits itself to it',
      int('--image-size'),
    )
    .option('--epochs <n>', 'search epochs (warm-up included)', int('--epochs'), 6)
    .option('--warmup-epochs <n>', 'epochs that train weights only', int('--warmup-epochs'), 1)
    .option(
      '--batch-size <n>',
      'batch size of weight and architecture steps (retraining uses 128)',
      int('--batch-size'),
      32,
    )
    .addOption(
      new Option('--optimizer <name>', 'weight optimizer').choices(['sgd', 'adam', 'adamw']).default('sgd'),
    )
    .option('--lr <x>', 'weight learning rate', num('--lr'), 0.1)
    .option('--weight-decay <x>', 'weight decay (not applied to BN and biases)', num('--weight-decay'), 4e-5)
    .option('--label-smoothing <x>', 'label smoothing of weight steps', num('--label-smoothing'), 0)
    .option('--augment', 'random crop and flip for weight steps (off: the supernet underfits)')
    .option('--arch-lr <x>', 'architecture (Adam) learning rate', num('--arch-lr'), 0.02)
    .addOption(
      new Option('--method <m>', 'architecture update')
        .choices(['gradient', 'reinforce'])
        .default('gradient'),
    )
    .addOption(
      new Option('--mode <m>', 'gate mode of gradient steps')
        .choices(['full', 'two', 'full_v2'])
        .default('two'),
    )
    .option('--arch-every <k>', 'an architecture step every k weight steps', int('--arch-every'), 1)
    .addOption(
      new Option(
        '--latency-loss <l>',
        "hardware-aware loss: abs#ratio (two-sided, lands on the target) or the reference's mul#log, add#linear",
      )
        .choices(['none', 'mul#log', 'add#linear', 'abs#ratio'])
        .default('abs#ratio'),
    )
    .option(
      '--target <x>',
      'latency target in the table unit (M MACs without --latency-table)',
      num('--target'),
    )
    .option(
      '--target-tolerance <x>',
      'the derived network lies within target * (1 ± x)',
      num('--target-tolerance'),
      0.05,
    )
    .option(
      '--lambda <x>',
      `weight of the latency term (default ${DEFAULT_LAMBDA['abs#ratio']} for abs#ratio, ${DEFAULT_LAMBDA['add#linear']} for add#linear)`,
      num('--lambda'),
    )
    .addOption(
      new Option(
        '--zero-active-gradient <g>',
        'drop: as the official code, no architecture gradient for an edge while Zero is active',
      )
        .choices(['keep', 'drop'])
        .default('keep'),
    )
    .option('--loss-a <x>', 'a of mul#log: CE * a * (log E[LAT] / log T)^b', num('--loss-a'), 0.2)
    .option('--loss-b <x>', 'b of mul#log', num('--loss-b'), 0.3)
    .option('--latency-table <file>', 'latency table JSON for the space')
    .option(
      '--valid-fraction <x>',
      'part of the train split held out for architecture steps',
      num('--valid-fraction'),
      0.2,
    )
    .option('--limit-train <n>', 'search on only this many images', int('--limit-train'))
    .option(
      '--warmup-from <dir>',
      'start from this finished warm-up-only search run (same options) instead of warming up',
    )
    .option(
      '--retrain-epochs <n>',
      'retrain the derived network from scratch for n epochs and test it',
      int('--retrain-epochs'),
      0,
    )
    .option('--retrain-lr <x>', 'learning rate of the retraining', num('--retrain-lr'), 0.1)
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--threads <n>', 'CPU threads for LibTorch', int('--threads'))
    .option('--channels-last [mode]', CHANNELS_LAST_HELP, channelsLastMode)
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--out <dir>', 'run directory; if it holds a search, that search resumes')
    .option('--restart', 'start over in --out: the search it holds is removed first')
    .addOption(
      new Option('--progress <mode>', 'progress display')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      // Options left at their defaults are left out, so that resuming a run compares only what was typed.
      const chosen = givenOptions(command);
      const result = await proxyless(
        {
          space: chosen('space'),
          dataset: chosen('dataset'),
          dataDir: o.dataDir,
          imageSize: o.imageSize,
          epochs: chosen('epochs'),
          warmupEpochs: chosen('warmupEpochs'),
          batchSize: chosen('batchSize'),
          optimizer: chosen('optimizer'),
          lr: chosen('lr'),
          weightDecay: chosen('weightDecay'),
          labelSmoothing: chosen('labelSmoothing'),
          augment: o.augment,
          archLr: chosen('archLr'),
          method: chosen('method'),
          mode: chosen('mode'),
          archEvery: chosen('archEvery'),
          latencyLoss: chosen('latencyLoss'),
          target: o.target,
          targetTolerance: chosen('targetTolerance'),
          lambda: o.lambda,
          zeroActiveGradient: chosen('zeroActiveGradient'),
          a: chosen('lossA'),
          b: chosen('lossB'),
          latencyTable: o.latencyTable,
          validFraction: chosen('validFraction'),
          limitTrain: o.limitTrain,
          retrainEpochs: chosen('retrainEpochs'),
          retrainLr: chosen('retrainLr'),
          device: o.device,
          threads: o.threads,
          channelsLast: o.channelsLast,
          seed: chosen('seed'),
          runDir: o.out,
          restart: o.restart,
          warmupFrom: o.warmupFrom,
          ...parallelOptions(o),
        },
        createSearchProgress(o.progress as ProgressMode),
      );
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        const test = result.retrain
          ? `, retrained test top-1 ${(100 * result.retrain.test.top1).toFixed(2)}%`
          : '';
        process.stdout.write(
          `derived ${result.arch.name}: ${result.arch.blocks.join(' ')}\n${describeCost(result.cost)}${test}; saved in ${result.runDir}\n`,
        );
      }
    });
}
