// `torchnas search fbnetv5`: the multitask search on the canvas dataset, with progress lines, a run
// directory that resumes, and a plot of each task's keep-probabilities.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  CHANNELS_LAST_HELP,
  channelsLastMode,
  finiteNumber,
  macsCount,
  wholeNumber,
  givenOptions,
} from '../util/option-parsers';
import { keepProbabilityChart, plotFormat, renderChart } from '../report';
import * as path from 'path';
import { writeJsonAtomic } from '../util/atomic-file';
import { canvasSplits, searchFbnetv5, type Fbnetv5Record, type Fbnetv5Result } from './fbnetv5-run';
import { retrainTask } from './retrain';
import { blockCount, blockName } from '../spaces/multires/multires-space';

const int = wholeNumber;
const num = finiteNumber;

function epochLine(r: Fbnetv5Record): string {
  const losses = Object.entries(r.loss)
    .map(([t, l]) => `${t} ${l.toFixed(3)}`)
    .join(', ');
  const kept = Object.entries(r.probabilities)
    .map(([t, p]) => `${t} ${p.filter((x) => x > 0.5).length}/${p.length}`)
    .join(', ');
  return `epoch ${r.epoch}${r.searching ? '' : ' (warm-up)'}: loss ${losses}; blocks above 0.5: ${kept}; ${r.seconds.toFixed(0)} s\n`;
}

const METRIC_NAMES: Record<string, string> = {
  cls: 'test top-1 %',
  seg: 'test mean IoU %',
  det: 'test box mAP@0.5 %',
};

/** Each derived network retrained alone with the search's recipe, tested on the test canvases. */
async function retrainDerived(result: Fbnetv5Result, epochs: number): Promise<Record<string, number>> {
  const o = result.options;
  const splits = await canvasSplits(o);
  const tested: Record<string, number> = {};
  for (const d of result.derived) {
    process.stderr.write(`retraining the ${d.task} network for ${epochs} epochs\n`);
    tested[d.task] = await retrainTask(
      o.space,
      d.task,
      d.keep,
      { epochs, batchSize: o.batchSize, lr: o.lr, seed: o.seed, threads: o.threads },
      splits,
    );
  }
  writeJsonAtomic(path.join(result.runDir, 'retrain.json'), { epochs, tested });
  return tested;
}

/** `--target-macs 6M` (every task) or `--target-macs cls=5M,seg=9M` (per task). */
function taskMacsTargets(value: string): number | Record<string, number> {
  if (!value.includes('=')) return macsCount(value);
  return Object.fromEntries(
    value.split(',').map((part) => {
      const [task, macs, extra] = part.split('=');
      if (!task?.trim() || macs === undefined || extra !== undefined)
        throw new InvalidArgumentError(
          `give task=MACs pairs separated by commas, e.g. cls=5M,seg=9M (not '${part}')`,
        );
      return [task.trim(), macsCount(macs)];
    }),
  );
}

export function registerFbnetv5Command(search: Command): void {
  search
    .command('fbnetv5')
    .description(
      'FBNetV5: search one architecture per task (cls, seg, det) in one run on the multitask canvas dataset',
    )
    .addHelpText(
      'after',
      `
Each step draws one block mask from a proposal over the tasks' keep-probabilities, runs the supernet
once with every task's head, weights each task's loss by its importance weight, and updates every
task's distribution with REINFORCE; --mode naive runs one forward per task instead. A task's network
is its most probable mask (blocks independent) whose MACs lie within --target-tolerance of its target;
the cost term in each task's reward is two-sided, |MACs / target - 1|.
Examples:
  torchnas search fbnetv5 --out runs/fb1
  torchnas search fbnetv5 --tasks cls,seg --target-macs 6M --epochs 8 --plot keep.svg --out runs/fb2
  torchnas search fbnetv5 --tasks cls,seg --target-macs cls=5M,seg=9M --out runs/fb3
  torchnas search fbnetv5 --out runs/fb1 --epochs 10     # resumes runs/fb1 and extends it`,
    )
    .option('--tasks <list>', 'comma-separated tasks: cls, seg, det', 'cls,seg,det')
    .addOption(new Option('--mode <m>', 'search step').choices(['importance', 'naive']).default('importance'))
    .option('--epochs <n>', 'epochs, warm-up included', int('--epochs'), 6)
    .option('--warmup-epochs <n>', 'epochs that train weights only', int('--warmup-epochs'), 2)
    .option('--batch-size <n>', 'canvases per step', int('--batch-size'), 32)
    .option('--lr <x>', 'weight learning rate (cosine decay)', num('--lr'), 0.05)
    .option('--arch-lr <x>', 'step size of the keep-probability logits', num('--arch-lr'), 0.05)
    .option(
      '--target-macs <n|task=n,...>',
      'MACs target of every task, or one per task (default: halfway)',
      taskMacsTargets,
    )
    .option(
      '--target-tolerance <x>',
      'derived networks lie within target * (1 ± x)',
      num('--target-tolerance'),
      0.05,
    )
    .option(
      '--cost-weight <x>',
      'weight of the two-sided MACs term in each task reward',
      num('--cost-weight'),
      1,
    )
    .option('--train-canvases <n>', 'canvases per training epoch', int('--train-canvases'), 8000)
    .option('--canvas-size <n>', 'canvas side in pixels', int('--canvas-size'), 64)
    .option(
      '--limit-train <n>',
      'make canvases from only this many Fashion-MNIST items',
      int('--limit-train'),
    )
    .option('--data-dir <dir>', 'folder holding the Fashion-MNIST files')
    .option('--threads <n>', 'CPU threads for LibTorch', int('--threads'))
    .option('--channels-last [mode]', CHANNELS_LAST_HELP, channelsLastMode)
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--out <dir>', 'run directory; if it holds an fbnetv5 run, that run resumes')
    .option(
      '--retrain-epochs <n>',
      "then retrain each task's derived network alone for n epochs and test it",
      int('--retrain-epochs'),
      0,
    )
    .option('--plot <file>', "draw each task's keep-probabilities to this .svg or .png file")
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      const chosen = givenOptions(command);
      if (o.plot !== undefined) plotFormat(o.plot);
      const size = chosen('canvasSize');
      const result = await searchFbnetv5(
        {
          tasks: chosen('tasks')
            ?.split(',')
            .map((t: string) => t.trim()),
          mode: chosen('mode'),
          epochs: chosen('epochs'),
          warmupEpochs: chosen('warmupEpochs'),
          batchSize: chosen('batchSize'),
          lr: chosen('lr'),
          archLr: chosen('archLr'),
          targetMacs: o.targetMacs,
          targetTolerance: chosen('targetTolerance'),
          costWeight: chosen('costWeight'),
          trainCanvases: chosen('trainCanvases'),
          ...(size !== undefined && { canvas: { size }, space: { imageSize: size } }),
          limitTrain: o.limitTrain,
          dataDir: o.dataDir,
          threads: o.threads,
          channelsLast: o.channelsLast,
          seed: chosen('seed'),
          runDir: o.out,
        },
        { onEpoch: (r) => process.stderr.write(epochLine(r)) },
      );
      if (o.plot !== undefined) {
        const space = result.space;
        const names = Array.from({ length: blockCount(space) }, (_, b) => blockName(space, b));
        await renderChart(
          keepProbabilityChart(names, result.history, `FBNetV5 keep-probabilities, ${result.runDir}`),
          o.plot,
        );
      }
      const tested = o.retrainEpochs > 0 ? await retrainDerived(result, o.retrainEpochs) : undefined;
      if (o.json)
        process.stdout.write(
          JSON.stringify({ runDir: result.runDir, derived: result.derived, tested }) + '\n',
        );
      else {
        for (const d of result.derived) {
          const test = tested ? `; retrained: ${METRIC_NAMES[d.task]} ${tested[d.task].toFixed(2)}` : '';
          process.stdout.write(
            `${d.task}: ${d.mask}  ${d.blocksKept} blocks (per branch ${d.keptPerBranch.join('/')}), ` +
              `${(d.macs / 1e6).toFixed(2)} M MACs, ${(100 * (d.macs / d.targetMacs - 1)).toFixed(1)}% from the target ` +
              `${(d.targetMacs / 1e6).toFixed(2)} M MACs${d.withinTarget ? '' : ' (no mask within the tolerance: blocks above 0.5 kept)'}${test}\n`,
          );
        }
        process.stdout.write(
          `saved in ${result.runDir}${o.plot !== undefined ? `; plot written to ${o.plot}` : ''}\n`,
        );
      }
    });
}
