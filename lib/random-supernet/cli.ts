// `torchnas search random-supernet`: the random-search control on a trained supernet at a MACs target.
import { Command, Option } from 'commander';
import { finiteNumber, wholeNumber, givenOptions } from '../util/option-parsers';
import { randomSupernet, type RandomSupernetEvent } from './random-supernet-run';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function progressLine(e: RandomSupernetEvent): string | undefined {
  if (e.type === 'start') {
    const [lo, hi] = e.band.map((m) => (m / 1e6).toFixed(3));
    return `random search on ${e.space} within ${lo}-${hi} M MACs, round ${e.startEpoch}/${e.epochs}, run ${e.runDir}\n`;
  }
  if (e.type !== 'epoch') return undefined;
  const best = e.record.scored.reduce((a, b) => (b.top1 > a.top1 ? b : a));
  return `round ${e.record.epoch}: ${e.record.scored.length} subnets scored, best ${pct(best.top1)} ${best.subnet}\n`;
}

export function registerRandomSupernetCommand(search: Command): void {
  search
    .command('random-supernet')
    .description('random search on a trained supernet at a MACs target: the control for a one-shot search')
    .requiredOption('--supernet <dir>', 'a supernet run directory (torchnas supernet train --out)')
    .requiredOption('--target <M>', 'MACs target in millions', finiteNumber('--target'))
    .option(
      '--target-tolerance <x>',
      'subnets lie within target * (1 ± x)',
      finiteNumber('--target-tolerance'),
      0.05,
    )
    .option('--epochs <n>', 'rounds, each committed', wholeNumber('--epochs'), 4)
    .option('--per-round <n>', 'subnets scored per round', wholeNumber('--per-round'), 8)
    .option('--calib-batches <n>', 'BN recalibration batches per subnet', wholeNumber('--calib-batches'))
    .option('--limit-valid <n>', 'score on only this many held-out images', wholeNumber('--limit-valid'))
    .option('--seed <n>', 'seed', wholeNumber('--seed'), 0)
    .option('--threads <n>', 'CPU threads for LibTorch', wholeNumber('--threads'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N')
    .option('--out <dir>', 'run directory; if it holds a random-supernet run, that run resumes')
    .option('--restart', 'start over in --out: the run it holds is removed first', false)
    .addOption(new Option('--progress <mode>', 'progress lines').choices(['lines', 'none']).default('lines'))
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o, command: Command) => {
      const chosen = givenOptions(command);
      const result = await randomSupernet(
        {
          supernet: o.supernet,
          target: o.target,
          targetTolerance: chosen('targetTolerance'),
          epochs: chosen('epochs'),
          perRound: chosen('perRound'),
          calibBatches: o.calibBatches,
          limitValid: o.limitValid,
          seed: chosen('seed'),
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
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        const { best } = result;
        process.stdout.write(
          `best of ${result.scored}: ${best.subnet}  ${(best.macs / 1e6).toFixed(3)} M MACs  ` +
            `held-out top-1 ${pct(best.top1)}\nexported to ${result.runDir}/${best.arch} (and weights.pt)\n`,
        );
      }
    });
}
