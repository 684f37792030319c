// `torchnas search pnas`: PNAS on the NAS-Bench-201 cell with real training on Fashion-MNIST.
import { Command, Option } from 'commander';
import { finiteNumber, positiveWholeNumber, wholeNumber, givenOptions } from '../util/option-parsers';
import { searchPnas, type PnasSearchEvent } from './pnas-run';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function progressLine(e: PnasSearchEvent): string {
  if (e.type === 'start') return `pnas: model ${e.startEpoch}/${e.epochs}, run ${e.runDir}\n`;
  const r = e.record;
  const predicted = r.predicted === null ? '' : ` (predicted ${pct(r.predicted)})`;
  return `model ${r.epoch} (level ${r.level}): ${r.arch} held-out top-1 ${pct(r.validTop1)}${predicted}\n`;
}

export function registerPnasCommand(search: Command): void {
  search
    .command('pnas')
    .description('PNAS: NAS-Bench-201 cells of increasing complexity, a surrogate choosing which to train')
    .option(
      '--models <n>',
      'models to train, each committed (level 1 trains 5)',
      positiveWholeNumber('--models'),
      21,
    )
    .option(
      '--beam <k>',
      "models trained per level after the first (PNAS's K)",
      positiveWholeNumber('--beam'),
      4,
    )
    .option(
      '--epochs-per-model <n>',
      'training epochs of each model',
      positiveWholeNumber('--epochs-per-model'),
      1,
    )
    .option('--batch-size <n>', 'batch size', positiveWholeNumber('--batch-size'), 128)
    .option('--lr <x>', 'learning rate (SGD, cosine to 0 over each model)', finiteNumber('--lr'), 0.05)
    .option('--channels <C>', 'NB201 network: first stage width', positiveWholeNumber('--channels'), 8)
    .option('--cells <N>', 'NB201 network: cells per stage', positiveWholeNumber('--cells'), 1)
    .option('--limit-train <n>', 'train on only this many images', positiveWholeNumber('--limit-train'))
    .option('--data-dir <dir>', 'Fashion-MNIST folder (default: the Debian package)')
    .option('--seed <n>', 'seed', wholeNumber('--seed'), 0)
    .option('--threads <n>', 'CPU threads for LibTorch', positiveWholeNumber('--threads'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N')
    .option('--out <dir>', 'run directory; if it holds a pnas run, that run resumes')
    .option('--restart', 'start over in --out: the run it holds is removed first', false)
    .addOption(new Option('--progress <mode>', 'progress lines').choices(['lines', 'none']).default('lines'))
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      const chosen = givenOptions(command);
      const result = await searchPnas(
        {
          epochs: chosen('models'),
          beam: chosen('beam'),
          epochsPerModel: chosen('epochsPerModel'),
          batchSize: chosen('batchSize'),
          lr: chosen('lr'),
          channels: chosen('channels'),
          cells: chosen('cells'),
          limitTrain: o.limitTrain,
          dataDir: o.dataDir,
          seed: chosen('seed'),
          threads: o.threads,
          device: o.device,
          runDir: o.out,
          restart: o.restart,
        },
        (e) => {
          if (o.progress !== 'none') process.stderr.write(progressLine(e));
        },
      );
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        const { best } = result;
        process.stdout.write(
          `best of ${result.history.length}: ${best.arch}  held-out top-1 ${pct(best.validTop1)}\n` +
            `run ${result.runDir}\n`,
        );
      }
    });
}
