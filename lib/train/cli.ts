// `torchnas train`: a fixed architecture trained with a validation split, checkpoints and a final test.
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
import { PRESETS } from '../arch';
import type { ProgressMode } from '../util/count-progress';
import { createProgress } from './train-progress';
import { train } from './trainer';

const int = wholeNumber;
const num = finiteNumber;

export function registerTrainCommand(program: Command): void {
  addParallelOptions(program.command('train'))
    .description('train a fixed architecture, with a held-out validation split, checkpoints and a final test')
    .addHelpText(
      'after',
      `
Examples:
  torchnas train                                   # fmnist-cnn on Fashion-MNIST, 1 epoch, its tuned recipe
  torchnas train --arch fmnist-mbconv               # the MBConv preset with its recipe (see BENCHMARKS.md)
  torchnas train --arch my-net.json --device cuda --precision bf16 --channels-last
  torchnas train --out runs/a --epochs 10           # then, after a crash: torchnas train --out runs/a
Presets: ${Object.keys(PRESETS).join(', ')}; a preset brings the recipe it was tuned with, and the
options you give override it. An architecture file is JSON:
  {"name": "net", "input": [1, 28, 28], "classes": 10, "blocks": ["conv_k3_s1_c32", "gap", "fc"]}`,
    )
    .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASET_NAMES]).default('fashion-mnist'))
    .option(
      '--data-dir <dir>',
      'folder holding the dataset files (default: where Debian installs them; image-folder: ' +
        'the folder with train/ and val/)',
    )
    .option(
      '--image-size <n>',
      'image-folder: side of the square training crops and evaluation centre crops (default 224)',
      int('--image-size'),
    )
    .option('--arch <preset|file>', 'architecture preset or JSON file', 'fmnist-cnn')
    .option(
      '--init <weights>',
      'start from these weights (.pt of torchnas supernet extract, or .safetensors of torchnas export) instead of a random initialization',
    )
    .option('--epochs <n>', 'epochs', int('--epochs'), 1)
    .option('--batch-size <n>', 'batch size', int('--batch-size'), 128)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam', 'adamw']).default('sgd'))
    .option('--lr <x>', 'peak learning rate (cosine decay after warm-up)', num('--lr'), 0.1)
    .option('--weight-decay <x>', 'weight decay (not applied to BN and biases)', num('--weight-decay'), 5e-5)
    .option('--warmup-epochs <x>', 'linear warm-up length in epochs', num('--warmup-epochs'), 0)
    .option('--label-smoothing <x>', 'label smoothing', num('--label-smoothing'), 0)
    .option('--no-augment', 'turn off random crop and flip')
    .option(
      '--valid-fraction <x>',
      'part of the train split held out for validation',
      num('--valid-fraction'),
      0.1,
    )
    .option(
      '--limit-train <n>',
      'train on only this many images (quick checks; see --limit-eval)',
      int('--limit-train'),
    )
    .option(
      '--limit-eval <n>',
      'validate and test on only this many images each (quick checks)',
      int('--limit-eval'),
    )
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--threads <n>', 'CPU threads for LibTorch (default: all cores)', int('--threads'))
    .addOption(
      new Option('--precision <p>', 'fp32, or bf16 autocast').choices(['fp32', 'bf16']).default('fp32'),
    )
    .option('--channels-last [mode]', CHANNELS_LAST_HELP, channelsLastMode)
    .option('--seed <n>', 'seed for initialization, split, order and augmentation', int('--seed'), 0)
    .option('--out <dir>', 'run directory; if it holds a run, that run resumes')
    .addOption(
      new Option('--progress <mode>', 'progress display')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .option('--restart', 'start over in --out: the run it holds is removed first')
    .option('--json', 'print the final result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      // Options left at their defaults give way to the preset's recipe (see lib/arch/presets.ts).
      const chosen = givenOptions(command);
      const result = await train(
        {
          arch: chosen('arch'),
          dataset: chosen('dataset'),
          dataDir: o.dataDir,
          imageSize: o.imageSize,
          epochs: chosen('epochs'),
          batchSize: chosen('batchSize'),
          optimizer: chosen('optimizer'),
          lr: chosen('lr'),
          weightDecay: chosen('weightDecay'),
          warmupEpochs: chosen('warmupEpochs'),
          labelSmoothing: chosen('labelSmoothing'),
          augment: chosen('augment'),
          validFraction: chosen('validFraction'),
          limitTrain: o.limitTrain,
          limitEval: o.limitEval,
          device: o.device,
          threads: o.threads,
          precision: chosen('precision'),
          channelsLast: chosen('channelsLast'),
          seed: chosen('seed'),
          runDir: o.out,
          init: o.init,
          restart: o.restart,
          ...parallelOptions(o),
        },
        createProgress(o.progress as ProgressMode),
      );
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(
          `${result.arch.name} on ${o.dataset}: test top-1 ${(100 * result.test.top1).toFixed(2)}% ` +
            `in ${result.seconds.toFixed(1)} s; run saved in ${result.runDir}\n`,
        );
      }
    });
}
