// `torchnas supernet train|search|extract`: one-shot elastic supernets from the command line.
// Registered on the main program by lib/cli/main.ts.
import * as path from 'path';
import { addParallelOptions, parallelOptions } from '../dist/parallel-options';
import { Command, InvalidArgumentError, Option } from 'commander';
import { finiteNumber, macsCount, wholeNumber, givenOptions } from '../util/option-parsers';
import { DATASET_NAMES } from '../data/datasets';
import { plotFormat, renderChart } from '../report/plot';
import { ELASTIC_SPACES } from '../spaces';
import { extractSubnet } from './extract-subnet';
import { searchSupernet, type SupernetSearchResult } from './search-supernet';
import { trainSupernet, type SupernetEvent } from './train-supernet';
import { SAMPLER_PATTERN } from './sampler-rule';
import { meanError, shiftNasChartOf } from './shiftnas/shiftnas-run';
import { openSupernetRun, shiftNasEdges } from './supernet-run';

const int = wholeNumber;
const num = finiteNumber;
const sampler = (value: string) => {
  if (!SAMPLER_PATTERN.test(value))
    throw new InvalidArgumentError(
      'use uniform, sandwich, bestup-<k> or worstup-<k> (e.g. bestup-3), or shiftnas',
    );
  return value;
};
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function lines(mode: string, stream: NodeJS.WriteStream = process.stderr) {
  return (e: SupernetEvent) => {
    if (mode === 'none') return;
    if (e.type === 'start') {
      if (e.startEpoch > 0) stream.write(`resuming after epoch ${e.startEpoch}\n`);
      stream.write(
        `supernet ${e.space} (${e.params} parameters, subnets ${(e.macsRange[0] / 1e6).toFixed(2)}-` +
          `${(e.macsRange[1] / 1e6).toFixed(2)} MMACs), sampler ${e.sampler}, epochs ${e.startEpoch + 1}-${e.epochs} -> ${e.runDir}\n`,
      );
    } else if (e.type === 'step' && mode !== 'epochs') {
      stream.write(
        `  epoch ${e.epoch + 1} step ${e.step}/${e.steps} loss ${e.loss.toFixed(4)} top-1 ${pct(e.top1)} ` +
          `${e.imagesPerSecond.toFixed(0)} img/s\n`,
      );
    } else if (e.type === 'epoch') {
      const r = e.record;
      stream.write(
        `epoch ${r.epoch}: train loss ${r.train.loss.toFixed(4)} (largest) in ${r.train.seconds.toFixed(0)} s; ` +
          `held-out top-1 largest ${pct(r.largest.top1)}, smallest ${pct(r.smallest.top1)}\n`,
      );
      if (r.shiftnas) {
        stream.write(
          `  shiftnas: B ${r.shiftnas.probabilities.map((p) => p.toFixed(3)).join(' ')} (${r.shiftnas.updates} updates); ` +
            `generator MACs error ${pct(meanError(r.shiftnas.generated))} at the bin centres\n`,
        );
      }
    }
  };
}

/** The answer at the target, its cost beside the target with units, or the nearest subnet when none landed. */
function targetLine(r: SupernetSearchResult): string {
  const f = (x: number) => `${Number(x.toPrecision(4))} ${r.costUnit}`;
  if (r.atTarget) {
    const t = r.atTarget;
    return (
      `at the target ${f(t.target)}: ${t.subnet}, ${f(t.cost)} (${(100 * (t.cost / t.target - 1)).toFixed(1)}%, within ` +
      `±${Number((100 * t.tolerance).toPrecision(3))}%), top-1 ${pct(t.top1)} -> ${path.join(r.run, t.arch!)}\n`
    );
  }
  if (r.targetMissed) {
    const m = r.targetMissed;
    return (
      `no scored subnet lies within ±${Number((100 * m.tolerance).toPrecision(3))}% of the target ${f(m.target)}; the nearest: ` +
      `${m.nearest.subnet}, ${f(m.nearest.cost)}, top-1 ${pct(m.nearest.top1)} (raise --iterations or --population)\n`
    );
  }
  return '';
}

export function registerSupernetCommand(program: Command): void {
  const supernet = program
    .command('supernet')
    .description('one-shot elastic supernets: train once, then search and extract subnets');
  addParallelOptions(supernet.command('train'))
    .description(
      'train an elastic supernet with a sampling rule (sandwich, AttentiveNAS bestup-k/worstup-k, ShiftNAS, uniform)',
    )
    .addHelpText(
      'after',
      `
Examples:
  torchnas supernet train --out runs/ofa --epochs 10            # elastic-28 on Fashion-MNIST, sandwich rule
  torchnas supernet train --sampler bestup-3 --out runs/best    # AttentiveNAS BestUp-3
  torchnas supernet train --sampler shiftnas --out runs/shift --plot shift.png   # ShiftNAS
  torchnas supernet extract --run runs/shift --target-macs 8M -o nets/8m          # its generator's subnet
  torchnas supernet search --run runs/ofa                        # Pareto family of subnets, each exported
  torchnas supernet extract --run runs/ofa --subnet smallest -o nets/small
Built-in spaces: ${Object.keys(ELASTIC_SPACES).join(', ')}; or a JSON space file (README, "One-shot supernets").`,
    )
    .option('--space <name|file>', 'elastic space: a built-in name or a JSON file', 'elastic-28')
    .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASET_NAMES]).default('fashion-mnist'))
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .option(
      '--image-size <n>',
      'image-folder: side of the square images the search decodes (default 224); the space fits itself to it',
      int('--image-size'),
    )
    .option('--sampler <rule>', 'uniform, sandwich, bestup-<k>, worstup-<k> or shiftnas', sampler, 'sandwich')
    .option('--middle <n>', 'subnets between the largest and smallest in a step', int('--middle'), 2)
    .option('--no-distill', 'train every subnet on the labels (no in-place distillation from the largest)')
    .option('--temperature <x>', 'distillation temperature', num('--temperature'), 1)
    .option('--clip <x>', 'gradient clipping (0: none)', num('--clip'), 1)
    .addOption(
      new Option('--clip-by <how>', 'clip each gradient entry (value, as AttentiveNAS) or the norm')
        .choices(['value', 'norm'])
        .default('value'),
    )
    .option(
      '--kernel-transform',
      'smaller kernels through learnt transformation matrices (once-for-all)',
      false,
    )
    .option('--epochs <n>', 'epochs', int('--epochs'), 10)
    .option('--batch-size <n>', 'batch size', int('--batch-size'), 64)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam', 'adamw']).default('sgd'))
    .option('--lr <x>', 'peak learning rate (cosine)', num('--lr'), 0.05)
    .option('--weight-decay <x>', 'weight decay', num('--weight-decay'), 3e-5)
    .option('--label-smoothing <x>', 'label smoothing of the largest subnet', num('--label-smoothing'), 0)
    .option('--augment', 'random crop and flip', false)
    .option(
      '--valid-fraction <x>',
      'part of the train split held out for scoring subnets',
      num('--valid-fraction'),
      0.1,
    )
    .option(
      '--calib-batches <n>',
      'batches for BN recalibration of a scored subnet',
      int('--calib-batches'),
      20,
    )
    .option(
      '--pool-size <n>',
      'subnets drawn for the MACs prior (bestup, worstup)',
      int('--pool-size'),
      10000,
    )
    .option(
      '--candidate-tolerance <x>',
      'bestup/worstup: candidates within this fraction of the drawn MACs target',
      num('--candidate-tolerance'),
      0.02,
    )
    .option(
      '--shift-bins <n>',
      'shiftnas: complexity bins (default: the most, up to 8, all reachable)',
      int('--shift-bins'),
    )
    .option('--resource-weight <x>', 'shiftnas: lambda of the resource loss', num('--resource-weight'), 10)
    .option(
      '--resource-batch <n>',
      'shiftnas: extra generated samples a step in the resource loss',
      int('--resource-batch'),
      32,
    )
    .option(
      '--generator-lr <x>',
      'shiftnas: Adam learning rate of the generator',
      num('--generator-lr'),
      2e-3,
    )
    .option(
      '--generator-hidden <n>',
      "shiftnas: the generator LSTM's hidden size",
      int('--generator-hidden'),
      64,
    )
    .option(
      '--gumbel-temperature <x>',
      'shiftnas: Gumbel-softmax temperature',
      num('--gumbel-temperature'),
      1,
    )
    .option('--beta-lr <x>', 'shiftnas: Adam learning rate of the bin logits beta', num('--beta-lr'), 0.05)
    .option(
      '--shift-every <n>',
      'shiftnas: optimizer steps between updates of beta',
      int('--shift-every'),
      20,
    )
    .option(
      '--shift-warmup-epochs <n>',
      'shiftnas: epochs with B uniform first (default: a quarter)',
      int('--shift-warmup-epochs'),
    )
    .option(
      '--generator-warmup <n>',
      'shiftnas: resource-loss-only generator steps before training',
      int('--generator-warmup'),
      500,
    )
    .option(
      '--plot <file>',
      "shiftnas: plot B over training and the generator's achieved vs target MACs (.svg or .png)",
    )
    .option('--limit-train <n>', 'train on only this many images', int('--limit-train'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--threads <n>', 'CPU threads for LibTorch', int('--threads'))
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--out <dir>', 'run directory; if it holds a supernet run, that run resumes')
    .option('--restart', 'start over in --out: the supernet run it holds is removed first')
    .addOption(
      new Option('--progress <mode>', 'progress lines').choices(['steps', 'epochs', 'none']).default('steps'),
    )
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      const chosen = givenOptions(command);
      const keys = [
        'space',
        'dataset',
        'sampler',
        'middle',
        'distill',
        'temperature',
        'clip',
        'clipBy',
        'kernelTransform',
        'epochs',
        'batchSize',
        'optimizer',
        'lr',
        'weightDecay',
        'labelSmoothing',
        'augment',
        'validFraction',
        'calibBatches',
        'poolSize',
        'candidateTolerance',
        'seed',
        'shiftBins',
        'resourceWeight',
        'resourceBatch',
        'generatorLr',
        'generatorHidden',
        'gumbelTemperature',
        'betaLr',
        'shiftEvery',
        'shiftWarmupEpochs',
        'generatorWarmup',
      ];
      if (o.plot) plotFormat(o.plot);
      const given = Object.fromEntries(keys.map((k) => [k, chosen(k)]));
      const result = await trainSupernet(
        {
          ...given,
          dataDir: o.dataDir,
          imageSize: o.imageSize,
          limitTrain: o.limitTrain,
          device: o.device,
          threads: o.threads,
          runDir: o.out,
          restart: o.restart,
          ...parallelOptions(o),
        },
        lines(o.progress),
      );
      const last = result.history.at(-1);
      if (o.plot && last?.shiftnas) {
        await renderChart(
          shiftNasChartOf(
            result.history,
            shiftNasEdges(openSupernetRun(result.runDir), 'plot'),
            `ShiftNAS: ${result.runDir}`,
          ),
          o.plot,
        );
      }
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else if (last) {
        process.stdout.write(
          `supernet trained: largest ${pct(last.largest.top1)}, smallest ${pct(last.smallest.top1)} held-out top-1; ` +
            `saved in ${result.runDir}\n`,
        );
      }
    });

  supernet
    .command('search')
    .description(
      'evolutionary Pareto search on a trained supernet (accuracy vs MACs or latency); exports the front',
    )
    .requiredOption('--run <dir>', 'a supernet run directory (torchnas supernet train --out)')
    .addOption(
      new Option('--constraint <kind>', 'cost to trade accuracy against')
        .choices(['macs', 'latency'])
        .default('macs'),
    )
    .option('--latency-table <file>', 'torchnas latency table (for --constraint latency)')
    .option(
      '--target <x>',
      'search at this cost (M MACs, or ms with --constraint latency): the most accurate subnet within the tolerance',
      num('--target'),
    )
    .option(
      '--target-tolerance <x>',
      'the answer lies within target * (1 ± x)',
      num('--target-tolerance'),
      0.05,
    )
    .option('--population <n>', 'population', int('--population'), 16)
    .option('--iterations <n>', 'generations, the first included', int('--iterations'), 6)
    .option(
      '--mutation-probability <x>',
      'per-decision mutation probability',
      num('--mutation-probability'),
      0.2,
    )
    .option(
      '--crossover-fraction <x>',
      'share of children made by crossover',
      num('--crossover-fraction'),
      0.5,
    )
    .option('--calib-batches <n>', 'BN recalibration batches per candidate', int('--calib-batches'))
    .option('--limit-valid <n>', 'score on only this many held-out images', int('--limit-valid'))
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--threads <n>', 'CPU threads for LibTorch', int('--threads'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N')
    .option('--plot <file>', 'plot the scored subnets and the front (.svg or .png)')
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o) => {
      if (o.plot) plotFormat(o.plot);
      const result = await searchSupernet(
        {
          plot: o.plot,
          run: o.run,
          constraint: o.constraint,
          latencyTable: o.latencyTable,
          target: o.target,
          targetTolerance: o.targetTolerance,
          population: o.population,
          iterations: o.iterations,
          mutationProbability: o.mutationProbability,
          crossoverFraction: o.crossoverFraction,
          calibBatches: o.calibBatches,
          limitValid: o.limitValid,
          seed: o.seed,
          threads: o.threads,
          device: o.device,
        },
        (e) => {
          if (e.type === 'iteration')
            process.stderr.write(
              `generation ${e.iteration}: ${e.evaluated} subnets scored, front ${e.front}\n`,
            );
        },
      );
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(
          `Pareto front (${result.evaluated} subnets scored, hypervolume ${result.hypervolume.toFixed(3)}):\n` +
            result.front
              .map(
                (m) =>
                  `  ${m.cost.toFixed(3)} ${result.costUnit}  top-1 ${pct(m.top1)}  ${m.subnet}` +
                  (m.arch ? `  -> ${path.join(result.run, m.arch)}` : ''),
              )
              .join('\n') +
            '\n' +
            targetLine(result),
        );
      }
    });

  supernet
    .command('extract')
    .description('take one subnet out as a standalone network (arch.json + weights.pt, BN recalibrated)')
    .requiredOption('--run <dir>', 'a supernet run directory')
    .option(
      '--subnet <s>',
      "'largest', 'smallest', a subnet string like r28|w16:k3e4|..., or a subnet's arch.json",
    )
    .option(
      '--target-macs <x>',
      "a shiftnas run's generator subnet for this many MACs (e.g. 8e6 or 8M) instead of --subnet",
      macsCount,
    )
    .requiredOption('-o, --out <dir>', 'folder for arch.json and weights.pt')
    .option('--calib-batches <n>', 'BN recalibration batches', int('--calib-batches'))
    .option('--threads <n>', 'CPU threads for LibTorch', int('--threads'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N')
    .action(async (o) => {
      const r = await extractSubnet({
        run: o.run,
        subnet: o.subnet,
        targetMacs: o.targetMacs,
        out: o.out,
        calibBatches: o.calibBatches,
        threads: o.threads,
        device: o.device,
      });
      if (r.generated) {
        process.stdout.write(
          `generator: target ${(r.generated.target / 1e6).toFixed(2)} MMACs -> ${(r.generated.macs / 1e6).toFixed(2)} MMACs ` +
            `(${pct(r.generated.error)} off)\n`,
        );
      }
      process.stdout.write(
        `${r.score.subnet}: ${(r.score.macs / 1e6).toFixed(2)} MMACs, ${r.params} parameters, held-out top-1 ` +
          `${pct(r.score.top1)}\n  ${r.arch}\n  ${r.weights}  (torchnas train --arch ${r.arch} --init ${r.weights})\n`,
      );
    });
}
