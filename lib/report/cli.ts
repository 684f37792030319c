// `torchnas plot`: charts of what torchnas has written to disk. Registered on the main program by
// lib/cli/main.ts.
import * as path from 'path';
import type { Command } from 'commander';
import { plotSearchRun } from './search-charts';

export function registerPlotCommand(program: Command): void {
  const plot = program.command('plot').description('charts (SVG or PNG) of runs on disk');
  plot
    .command('search <runDir>')
    .description(
      'a ProxylessNAS search: architecture probabilities per epoch, and latency and accuracy of each derived network',
    )
    .addHelpText(
      'after',
      `
Works on a finished search or one still running (it reads the epochs committed so far).
Examples:
  torchnas plot search runs/s1                  # writes runs/s1/search.png
  torchnas plot search runs/s1 -o probs.svg`,
    )
    .option('-o, --out <file>', 'output file, .svg or .png (default: search.png in the run directory)')
    .action(async (runDir: string, o: { out?: string }) => {
      const out = o.out ?? path.join(runDir, 'search.png');
      await plotSearchRun(runDir, out);
      process.stdout.write(`plot written to ${out}\n`);
    });
}
