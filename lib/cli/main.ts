// The torchnas command line.
import { registerFbnetv5Command } from '../fbnetv5/cli';
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { packageRoot } from '../native';
import { loadArchitecture, PRESETS, resolveNetwork } from '../arch';
import { DATASET_NAMES } from '../data/datasets';
import { TorchnasError } from '../errors';
import { info } from '../info';
import { train } from '../train/trainer';
import { DEFAULT_LAMBDA, proxyless } from '../search/proxyless';
import { describeCost } from './progress';
import { printResumeLineOnStop } from './interrupt';
import { registerGmNasCommand } from '../gmnas/cli';
import { registerRandomSupernetCommand } from '../random-supernet/cli';
import { SPACES } from '../spaces';
import { registerBenchCommand } from '../benchmarks/cli';
import { registerLatencyCommand } from '../latency/cli';
import { registerPlotCommand } from '../report/cli';
import { registerExportCommand } from '../export/cli';
import { registerProxiesCommand } from '../proxies/cli';
import { registerSupernetCommand } from '../supernet/cli';
import { registerLaunchCommand } from '../dist/cli';
import { addParallelOptions, parallelOptions } from '../dist/parallel-options';
import { CHANNELS_LAST_HELP, channelsLastMode, finiteNumber, wholeNumber } from '../util/option-parsers';
import { createProgress, createSearchProgress, type ProgressMode } from './progress';

const int = wholeNumber;
const num = finiteNumber;

function packageVersion(): string {
  return (
    JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
}

export function buildProgram(): Command {
  const program = new Command('torchnas')
    .description('Neural architecture search and training on a native LibTorch engine')
    .version(packageVersion(), '-V, --version', 'print the torchnas version')
    .showHelpAfterError('(run with --help for usage)');

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
      const chosen = (key: string) => (command.getOptionValueSource(key) === 'default' ? undefined : o[key]);
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

  const search = program.command('search').description('architecture search');
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
      const chosen = (key: string) => (command.getOptionValueSource(key) === 'default' ? undefined : o[key]);
      const result = await proxyless(
        {
          space: chosen('space'),
          dataset: chosen('dataset'),
          dataDir: o.dataDir,
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

  registerFbnetv5Command(search);
  registerGmNasCommand(search);
  registerRandomSupernetCommand(search);

  program
    .command('arch <preset|file>')
    .description('show an architecture: blocks, output shapes, parameters and MACs')
    .action((source: string) => {
      const arch = loadArchitecture(source);
      const net = resolveNetwork(arch);
      process.stdout.write(`${arch.name}: input [${arch.input}], ${arch.classes} classes\n`);
      for (const l of net.layers) {
        process.stdout.write(
          `  ${l.block.padEnd(28)} -> [${l.output.join(', ')}]`.padEnd(52) +
            `${l.params.toString().padStart(10)} params ${(l.macs / 1e6).toFixed(2).padStart(9)} M MACs\n`,
        );
      }
      process.stdout.write(`total: ${net.params} params, ${(net.macs / 1e6).toFixed(2)} M MACs\n`);
    });

  program
    .command('info')
    .description('LibTorch version, CUDA availability and devices')
    .action(() => {
      process.stdout.write(JSON.stringify(info(), null, 2) + '\n');
    });
  registerBenchCommand(program);
  registerLatencyCommand(program);
  registerPlotCommand(program);
  registerExportCommand(program);
  registerProxiesCommand(program);
  registerSupernetCommand(program);
  registerLaunchCommand(program);
  return program;
}

// API option names that no flag spells the same way.
const FLAG_OF: Record<string, string> = {
  runDir: '--out',
  a: '--loss-a',
  b: '--loss-b',
  batch: '--batch-size',
  // The data-parallel group's fields (torchnas launch).
  masterAddr: '--master-addr',
  masterPort: '--master-port',
  timeoutMs: '--dist-timeout',
};

/** The error's message with the API option names it refers to written as the flags of `command`. */
export function withFlagNames(error: TorchnasError, command: Command | undefined): string {
  let message = error.message;
  for (const key of new Set(error.options)) {
    const option = command?.options.find((o) => o.attributeName() === key && !o.hidden);
    const flag = option?.long ?? FLAG_OF[key];
    if (!flag) continue;
    message = message.replace(new RegExp(`(^|[\\s(;,])${key}(?=[:\\s,;)])`, 'g'), `$1${flag}`);
  }
  return message;
}

export async function main(argv: string[]): Promise<void> {
  let running: Command | undefined;
  if (argv[2] !== 'launch') printResumeLineOnStop(argv.slice(2)); // launch relays signals to its ranks
  try {
    const program = buildProgram().hook('preAction', (_program, command) => {
      running = command;
    });
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof TorchnasError) {
      process.stderr.write(`torchnas: ${withFlagNames(error, running)} [${error.code}]\n`);
      process.exitCode = 2;
      return;
    }
    // Not a failure torchnas foresaw: one line for the user, the stack when asked for.
    const detail = process.env.TORCHNAS_DEBUG
      ? `\n${(error as Error)?.stack}`
      : ' (set TORCHNAS_DEBUG=1 for the stack trace)';
    process.stderr.write(
      `torchnas: internal error: ${(error as Error)?.message ?? String(error)}${detail}\n`,
    );
    process.exitCode = 1;
  }
}
