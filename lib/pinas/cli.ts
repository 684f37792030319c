// `torchnas search pinas`: Pi-NAS on the NAS-Bench-201 supernet, trained on Fashion-MNIST.
import { Command, Option } from 'commander';
import { pinasChart, plotFormat, renderChart } from '../report';
import { finiteNumber, positiveWholeNumber, wholeNumber, givenOptions } from '../util/option-parsers';
import { searchPinas, type PinasEvent } from './pinas-run';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function progressLine(e: PinasEvent): string | undefined {
  if (e.type === 'start')
    return `pinas (${e.supervised ? 'supervised' : 'unsupervised'}): epoch ${e.startEpoch}/${e.epochs}, run ${e.runDir}\n`;
  if (e.type !== 'epoch') return undefined;
  const r = e.record;
  return `epoch ${r.epoch}: contrastive loss ${r.contrastive.toFixed(4)}, positive cosine ${r.positive.toFixed(3)}\n`;
}

export function registerPinasCommand(search: Command): void {
  search
    .command('pinas')
    .description(
      'Pi-NAS on the NAS-Bench-201 supernet: two paths per batch against an EMA teacher, without labels',
    )
    .option('--supervised', "add both paths' cross-entropy on the labels", false)
    .option('--epochs <n>', 'supernet training epochs, each committed', positiveWholeNumber('--epochs'), 10)
    .option('--batch-size <n>', 'images per step (four views each)', positiveWholeNumber('--batch-size'), 64)
    .option('--lr <x>', 'SGD learning rate, cosine to 0', finiteNumber('--lr'), 0.03)
    .option('--teacher-momentum <x>', "the teacher's EMA momentum", finiteNumber('--teacher-momentum'), 0.999)
    .option('--temperature <x>', 'InfoNCE temperature', finiteNumber('--temperature'), 0.2)
    .option('--queue-size <n>', 'keys held as negatives', positiveWholeNumber('--queue-size'), 4096)
    .option('--candidates <n>', 'connected cells scored at the end', positiveWholeNumber('--candidates'), 100)
    .option(
      '--score-images <n>',
      'held-out images each is scored on',
      positiveWholeNumber('--score-images'),
      1000,
    )
    .option('--channels <C>', 'NB201 network: first stage width', positiveWholeNumber('--channels'), 8)
    .option('--cells <N>', 'NB201 network: cells per stage', positiveWholeNumber('--cells'), 1)
    .option('--limit-train <n>', 'use only this many training images', positiveWholeNumber('--limit-train'))
    .option('--data-dir <dir>', 'Fashion-MNIST folder (default: the Debian package)')
    .option('--seed <n>', 'seed', wholeNumber('--seed'), 0)
    .option('--threads <n>', 'CPU threads for LibTorch', positiveWholeNumber('--threads'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N')
    .option(
      '--truth-file <file>',
      'stand-alone accuracies of NB201 cells: Kendall tau each epoch against them',
    )
    .option('--plot <file>', 'draw the consistency loss (and tau) over the epochs to this .svg or .png file')
    .option('--out <dir>', 'run directory; if it holds a pinas run, that run resumes')
    .option('--restart', 'start over in --out: the run it holds is removed first', false)
    .addOption(new Option('--progress <mode>', 'progress lines').choices(['lines', 'none']).default('lines'))
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      if (o.plot !== undefined) plotFormat(o.plot); // a bad file name is refused before the search
      const chosen = givenOptions(command);
      const keys = ['epochs', 'batchSize', 'lr', 'teacherMomentum', 'temperature', 'queueSize', 'candidates'];
      const result = await searchPinas(
        {
          ...Object.fromEntries(
            [...keys, 'scoreImages', 'channels', 'cells', 'seed'].map((k) => [k, chosen(k)]),
          ),
          supervised: o.supervised,
          truthFile: o.truthFile,
          limitTrain: o.limitTrain,
          dataDir: o.dataDir,
          threads: o.threads,
          device: o.device,
          runDir: o.out,
          restart: o.restart,
        },
        (e) => {
          const line = o.progress === 'none' ? undefined : progressLine(e);
          if (line) process.stderr.write(line);
        },
      );
      if (o.plot !== undefined)
        await renderChart(pinasChart(result.history, `Pi-NAS: ${result.runDir}`), o.plot);
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else
        process.stdout.write(
          `derived cell: ${result.derived} (best of ${result.candidates.length} by ${result.scoring})\n` +
            `NB201 CIFAR-10 test accuracy of that cell: ${result.cifar10.accuracy.toFixed(2)}% ` +
            `(percentile ${pct(result.cifar10.percentile)})\n` +
            (result.truth
              ? `Kendall tau against the ground truth: ${result.truth.tau.toFixed(3)} ` +
                `(its own seed-to-seed tau: ${result.truth.ceiling.toFixed(3)})\n`
              : '') +
            `run ${result.runDir}\n`,
        );
    });
}
