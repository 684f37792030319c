// The torchnas command line.
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadArchitecture, PRESETS, resolveNetwork } from '../arch';
import { DATASET_NAMES } from '../data/datasets';
import { TorchnasError } from '../errors';
import { info } from '../info';
import { train } from '../train/trainer';
import { createProgress, type ProgressMode } from './progress';

const int = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(value);
};
const num = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
  return n;
};

export function buildProgram(): Command {
  const program = new Command('torchnas')
    .description('Neural architecture search and training on a native LibTorch engine')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('train')
    .description('train a fixed architecture, with a held-out validation split, checkpoints and a final test')
    .addHelpText('after', `
Examples:
  torchnas train                                   # fmnist-cnn on Fashion-MNIST, 1 epoch
  torchnas train --arch fmnist-mbconv --epochs 20 --lr 0.2 --label-smoothing 0.1
  torchnas train --arch my-net.json --device cuda --precision bf16 --channels-last
  torchnas train --out runs/a --epochs 10           # then, after a crash: torchnas train --out runs/a
Presets: ${Object.keys(PRESETS).join(', ')}. An architecture file is JSON:
  {"name": "net", "input": [1, 28, 28], "classes": 10, "blocks": ["conv_k3_s1_c32", "gap", "fc"]}`)
    .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASET_NAMES]).default('fashion-mnist'))
    .option('--data-dir <dir>', 'folder holding the dataset files (default: where Debian installs them)')
    .option('--arch <preset|file>', 'architecture preset or JSON file', 'fmnist-cnn')
    .option('--epochs <n>', 'epochs', int('--epochs'), 1)
    .option('--batch-size <n>', 'batch size', int('--batch-size'), 128)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam', 'adamw']).default('sgd'))
    .option('--lr <x>', 'peak learning rate (cosine decay after warm-up)', num('--lr'), 0.1)
    .option('--weight-decay <x>', 'weight decay (not applied to BN and biases)', num('--weight-decay'), 5e-5)
    .option('--warmup-epochs <x>', 'linear warm-up length in epochs', num('--warmup-epochs'), 0)
    .option('--label-smoothing <x>', 'label smoothing', num('--label-smoothing'), 0)
    .option('--no-augment', 'turn off random crop and flip')
    .option('--valid-fraction <x>', 'part of the train split held out for validation', num('--valid-fraction'), 0.1)
    .option('--limit-train <n>', 'train on only this many images (quick checks)', int('--limit-train'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--threads <n>', 'CPU threads for LibTorch (default: all cores)', int('--threads'))
    .addOption(new Option('--precision <p>', 'fp32, or bf16 autocast').choices(['fp32', 'bf16']).default('fp32'))
    .option('--channels-last', 'channels_last memory format', false)
    .option('--seed <n>', 'seed for initialization, split, order and augmentation', int('--seed'), 0)
    .option('--out <dir>', 'run directory; if it holds a run, that run resumes')
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'lines', 'none']).default('auto'))
    .option('--json', 'print the final result as JSON on stdout', false)
    .action(async (o) => {
      const result = await train(
        {
          arch: o.arch, dataset: o.dataset, dataDir: o.dataDir, epochs: o.epochs, batchSize: o.batchSize,
          optimizer: o.optimizer, lr: o.lr, weightDecay: o.weightDecay, warmupEpochs: o.warmupEpochs,
          labelSmoothing: o.labelSmoothing, augment: o.augment, validFraction: o.validFraction,
          limitTrain: o.limitTrain, device: o.device, threads: o.threads, precision: o.precision,
          channelsLast: o.channelsLast, seed: o.seed, runDir: o.out,
        },
        createProgress(o.progress as ProgressMode),
      );
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(`${result.arch.name} on ${o.dataset}: test top-1 ${(100 * result.test.top1).toFixed(2)}% ` +
          `in ${result.seconds.toFixed(1)} s; run saved in ${result.runDir}\n`);
      }
    });

  program
    .command('arch <preset|file>')
    .description('show an architecture: blocks, output shapes, parameters and MACs')
    .action((source: string) => {
      const arch = loadArchitecture(source);
      const net = resolveNetwork(arch);
      process.stdout.write(`${arch.name}: input [${arch.input}], ${arch.classes} classes\n`);
      for (const l of net.layers) {
        process.stdout.write(`  ${l.block.padEnd(28)} -> [${l.output.join(', ')}]`.padEnd(52) +
          `${l.params.toString().padStart(10)} params ${(l.macs / 1e6).toFixed(2).padStart(9)} M MACs\n`);
      }
      process.stdout.write(`total: ${net.params} params, ${(net.macs / 1e6).toFixed(2)} M MACs\n`);
    });

  program
    .command('info')
    .description('LibTorch version, CUDA availability and devices')
    .action(() => {
      process.stdout.write(JSON.stringify(info(), null, 2) + '\n');
    });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof TorchnasError) {
      process.stderr.write(`torchnas: ${error.message} [${error.code}]\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
