// `torchnas search gm-nas`: GM-NAS on the NB201 or a chain supernet, with progress lines on stderr, a
// run directory that resumes, and an optional plot of the split tree.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  CHANNELS_LAST_HELP,
  channelsLastMode,
  finiteNumber,
  wholeNumber,
  givenOptions,
} from '../util/option-parsers';
import { DATASET_NAMES } from '../data/datasets';
import { plotFormat, renderChart, splitTreeChart } from '../report';
import { readJson } from '../util/json-file';
import * as path from 'path';
import { RUN_FILE } from '../run/run-state';
import { gmNas, type GmEvent, type GmNasResult } from './gm-run';

const int = wholeNumber;
const num = finiteNumber;

/** `--split-epochs 2,4` -> [2, 4]; `none` -> [] (one-shot). */
export const splitEpochList = (value: string): number[] => {
  if (value.trim() === 'none') return [];
  const parts = value.split(',').map((s) => s.trim());
  if (!parts.every((p) => /^\d+$/.test(p) && Number(p) > 0)) {
    throw new InvalidArgumentError(
      `--split-epochs takes positive whole numbers separated by commas, or none (got '${value}')`,
    );
  }
  return parts.map(Number);
};

function progressLine(e: GmEvent): string | undefined {
  switch (e.type) {
    case 'start':
      return `gm-nas on ${e.space}: ${e.decisions} decisions, ${e.leaves} sub-supernet(s), epoch ${e.startEpoch}/${e.epochs}, run ${e.runDir}\n`;
    case 'split': {
      const score = e.split.score !== undefined ? ` (score ${e.split.score.toFixed(3)})` : ' (random)';
      return `split n${e.node} on decision ${e.split.decision}: [${e.split.groups[0]}] | [${e.split.groups[1]}]${score} -> n${e.children[0]}, n${e.children[1]}\n`;
    }
    case 'epoch':
      return (
        `epoch ${e.record.epoch}: ` +
        e.record.leaves
          .map((l) => `n${l.id} loss ${l.loss.toFixed(3)} top-1 ${(100 * l.top1).toFixed(1)}%`)
          .join('; ') +
        '\n'
      );
    case 'selected':
      return `n${e.leaf.id}: best ${e.leaf.best.arch} held-out top-1 ${(100 * e.leaf.best.top1).toFixed(2)}% of ${e.leaf.sampled.length} sampled\n`;
    default:
      return undefined;
  }
}

async function plotTree(result: GmNasResult, file: string): Promise<void> {
  const stored = readJson<{ decisions: { name: string; options: string[] }[] }>(
    path.join(result.runDir, RUN_FILE),
    'run description',
  );
  const leafTop1 = Object.fromEntries(result.leaves.map((l) => [l.id, l.best.top1]));
  await renderChart(
    splitTreeChart(
      result.tree,
      { decisions: stored.decisions, leafTop1 },
      `GM-NAS split tree, ${result.runDir}`,
    ),
    file,
  );
}

export function registerGmNasCommand(search: Command): void {
  search
    .command('gm-nas')
    .description(
      "GM-NAS: train a weight-sharing supernet, split it where its children's gradients disagree, pick the best sub-supernet's best architecture",
    )
    .addHelpText(
      'after',
      `
Each step trains one path drawn uniformly inside a sub-supernet (RSPS; NB201: connected cells only).
At every split epoch each sub-supernet measures, for every edge not yet split, how far apart the
shared weights' gradients (NB201: the cells') point with the edge fixed to each op (1 - cosine per
batch, averaged over --repeats batches), splits the edge that disagrees most into two groups of two or more (NB201: 2 + 3
ops), and both children go on from its weights. --criterion random splits a random edge into random
groups of those sizes (the control); --split-epochs none trains one supernet (one-shot).
Examples:
  torchnas search gm-nas --out runs/gm1
  torchnas search gm-nas --epochs 8 --split-epochs 2,4 --plot tree.png --out runs/gm2
  torchnas search gm-nas --space proxyless-28 --epochs 4 --split-epochs 2 --limit-train 6000`,
    )
    .option('--space <name>', 'nb201, or a chain space (proxyless-28, ...)', 'nb201')
    .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASET_NAMES]).default('fashion-mnist'))
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .option(
      '--image-size <n>',
      'image-folder: side of the square images the search decodes (default 224); the space fits itself to it',
      int('--image-size'),
    )
    .option('--channels <n>', 'NB201 first-stage width C (benchmark: 16)', int('--channels'), 8)
    .option('--cells <n>', 'NB201 cells per stage N (benchmark: 5)', int('--cells'), 1)
    .option('--epochs <n>', 'supernet epochs of every lineage', int('--epochs'), 6)
    .option(
      '--split-epochs <list>',
      'epochs after which every sub-supernet splits once (comma list, or none)',
      splitEpochList,
      [2],
    )
    .addOption(
      new Option('--criterion <c>', 'how to split').choices(['gradient', 'random']).default('gradient'),
    )
    .option('--repeats <n>', 'batches per edge in gradient matching (reference: 100)', int('--repeats'), 32)
    .option('--restart', "children start from fresh weights instead of the parent's")
    .option('--batch-size <n>', 'batch size', int('--batch-size'), 64)
    .option('--lr <x>', 'learning rate (cosine decay)', num('--lr'), 0.05)
    .option('--weight-decay <x>', 'weight decay', num('--weight-decay'), 3e-4)
    .option('--augment', 'random crop and flip')
    .option(
      '--valid-fraction <x>',
      'part of the train split held out for scoring architectures',
      num('--valid-fraction'),
      0.2,
    )
    .option('--eval-images <n>', 'held-out images each architecture is scored on', int('--eval-images'), 2000)
    .option('--samples <n>', 'architectures scored in each sub-supernet', int('--samples'), 20)
    .option('--limit-train <n>', 'train on only this many images', int('--limit-train'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--threads <n>', 'CPU threads for LibTorch', int('--threads'))
    .option('--channels-last [mode]', CHANNELS_LAST_HELP, channelsLastMode)
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--out <dir>', 'run directory; if it holds a gm-nas run, that run resumes')
    .option('--plot <file>', 'draw the split tree to this .svg or .png file')
    .addOption(new Option('--progress <mode>', 'progress lines').choices(['lines', 'none']).default('lines'))
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      const chosen = givenOptions(command);
      if (o.plot !== undefined) plotFormat(o.plot);
      const result = await gmNas(
        {
          space: chosen('space'),
          dataset: chosen('dataset'),
          dataDir: o.dataDir,
          imageSize: o.imageSize,
          channels: chosen('channels'),
          cells: chosen('cells'),
          epochs: chosen('epochs'),
          splitEpochs: chosen('splitEpochs'),
          criterion: chosen('criterion'),
          repeats: chosen('repeats'),
          restart: o.restart,
          batchSize: chosen('batchSize'),
          lr: chosen('lr'),
          weightDecay: chosen('weightDecay'),
          augment: o.augment,
          validFraction: chosen('validFraction'),
          evalImages: chosen('evalImages'),
          samples: chosen('samples'),
          limitTrain: o.limitTrain,
          device: o.device,
          threads: o.threads,
          channelsLast: o.channelsLast,
          seed: chosen('seed'),
          runDir: o.out,
        },
        (e) => {
          const line = o.progress === 'none' ? undefined : progressLine(e);
          if (line) process.stderr.write(line);
        },
      );
      if (o.plot !== undefined) await plotTree(result, o.plot);
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(
          `chosen (n${result.chosen.leaf}): ${result.chosen.arch}  held-out top-1 ${(100 * result.chosen.top1).toFixed(2)}%\n` +
            `saved in ${result.runDir}${o.plot !== undefined ? `; split tree drawn to ${o.plot}` : ''}\n`,
        );
      }
    });
}
