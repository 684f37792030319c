// `torchnas bench tnb101`: seeded runs of random search, REA and REINFORCE on TransNAS-Bench-101, per
// task and space, and the cross-task table (the architecture chosen on task A, ranked on task B).
import { Command, Option } from 'commander';
import * as path from 'path';
import { createCountProgress, type ProgressMode } from '../util/count-progress';
import { wholeNumber } from '../util/option-parsers';
import { invalid } from '../errors';
import { plotFormat, renderChart, tnb101AnytimeChart } from '../report';
import { TNB101_TASKS, type Tnb101Space } from './tnb101';
import {
  checkTnb101Options,
  runTnb101Experiment,
  TNB101_DEFAULT_QUERIES,
  TNB101_DEFAULT_STRATEGIES,
  TNB101_STRATEGIES,
  type Tnb101ExperimentResult,
} from './tnb101-experiment';

const list = (flag: string, known: readonly string[]) => (value: string) => {
  const items =
    value === 'all'
      ? [...known]
      : value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const unknown = items.filter((item) => !known.includes(item));
  if (!items.length || unknown.length)
    throw invalid(`${flag}: unknown '${unknown.join(', ')}' (known: ${known.join(', ')}, or all)`);
  return items;
};

export function registerTnb101Command(bench: Command): void {
  bench
    .command('tnb101')
    .description(
      'search strategies on TransNAS-Bench-101 (7 tasks, micro and macro spaces) and a cross-task table',
    )
    .addHelpText(
      'after',
      `
Examples:
  torchnas bench tnb101 --space micro --runs 100
  torchnas bench tnb101 --space macro --tasks class_object,segmentsemantic --strategies rea --queries 50
  torchnas bench tnb101 --space both --json > tnb101.json
  torchnas bench tnb101 --space micro --tasks jigsaw --plot jigsaw.svg
Each run may query ${TNB101_DEFAULT_QUERIES} trained networks by default (--queries); the shipped tables hold one
validation figure per task, which the search sees and which is reported. Ranks are 1 = best of the space.
--plot draws each task's anytime curves; with several tasks or spaces the file name gets -<space>-<task>.`,
    )
    .addOption(
      new Option('--space <name>', 'search space').choices(['micro', 'macro', 'both']).default('both'),
    )
    .option('--tasks <list>', 'comma-separated tasks, or all', list('--tasks', TNB101_TASKS), [
      ...TNB101_TASKS,
    ])
    .option(
      '--strategies <list>',
      'comma-separated strategies, or all',
      list('--strategies', TNB101_STRATEGIES),
      [...TNB101_DEFAULT_STRATEGIES],
    )
    .option('--runs <n>', 'seeded runs per task and strategy', wholeNumber('--runs'), 100)
    .option(
      '--queries <n>',
      'architectures each run may look up',
      wholeNumber('--queries'),
      TNB101_DEFAULT_QUERIES,
    )
    .option('--seed <n>', 'seed of the first run (run r uses seed + r)', wholeNumber('--seed'), 0)
    .option('--plot <file>', 'also draw anytime curves to this .svg or .png file')
    .option('--json', 'print the result as JSON on stdout', false)
    .addOption(
      new Option('--progress <mode>', 'progress display on stderr')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .action(async (o) => {
      if (o.plot !== undefined) plotFormat(o.plot);
      const spaces: Tnb101Space[] = o.space === 'both' ? ['micro', 'macro'] : [o.space];
      // Every space's options checked before the first one's runs.
      for (const space of spaces)
        checkTnb101Options({ space, tasks: o.tasks, strategies: o.strategies, runs: o.runs });
      const bar = createCountProgress(o.progress as ProgressMode, 'runs');
      const results = spaces.map((space, i) =>
        runTnb101Experiment({
          space,
          tasks: o.tasks,
          strategies: o.strategies,
          runs: o.runs,
          queries: o.queries,
          seed: o.seed,
          onRun: (done, total) => bar.update(i * total + done, total * spaces.length),
        }),
      );
      bar.stop();
      const plots = o.plot === undefined ? [] : await drawPlots(results, o.plot);
      if (o.json)
        process.stdout.write(
          JSON.stringify({ runs: o.runs, seed: o.seed, results: results.map(summaryOf), plots }) + '\n',
        );
      else for (const result of results) process.stdout.write(formatTnb101(result, o.runs, o.seed));
      if (!o.json && plots.length) process.stdout.write(`plots written: ${plots.join(', ')}\n`);
    });
}

async function drawPlots(results: readonly Tnb101ExperimentResult[], file: string): Promise<string[]> {
  const one = results.length === 1 && results[0].references.length === 1;
  const ext = path.extname(file);
  const written: string[] = [];
  for (const result of results) {
    for (const { task } of result.references) {
      const out = one ? file : `${file.slice(0, file.length - ext.length)}-${result.space}-${task}${ext}`;
      await renderChart(tnb101AnytimeChart(result, task), out);
      written.push(out);
    }
  }
  return written;
}

function summaryOf(result: Tnb101ExperimentResult) {
  return {
    space: result.space,
    queries: result.queries,
    references: result.references,
    cross: result.cross,
    cells: result.cells.map((c) => ({
      task: c.task,
      strategy: c.strategy,
      value: c.value,
      meanRank: c.rank,
      chosen: c.runs.map((run) => run.incumbent?.arch ?? null),
    })),
  };
}

/** Two decimals for percentages, four for losses and SSIM; a spread is shown like its mean. */
const figure = (v: number, like = v) => (Math.abs(like) >= 10 ? v.toFixed(2) : v.toFixed(4));

/** Markdown: per task each strategy's mean ± std (mean rank), then the cross-task rank table per strategy. */
export function formatTnb101(result: Tnb101ExperimentResult, runs: number, seed: number): string {
  const strategies = [...new Set(result.cells.map((c) => c.strategy))];
  const lines = [
    `## TransNAS-Bench-101 ${result.space}: ${runs} runs (seeds ${seed}..${seed + runs - 1}), ${result.queries} queries each`,
    '',
    `| task | ${strategies.join(' | ')} | best in space | space mean |`,
    `| --- | ${strategies.map(() => '---').join(' | ')} | --- | --- |`,
  ];
  for (const ref of result.references) {
    const cells = strategies.map((s) => result.cells.find((c) => c.task === ref.task && c.strategy === s)!);
    const shown = cells.map(
      (c) => `${figure(c.value.mean)} ± ${figure(c.value.std, c.value.mean)} (rank ${c.rank.toFixed(1)})`,
    );
    lines.push(`| ${ref.task} | ${shown.join(' | ')} | ${figure(ref.best)} | ${figure(ref.spaceMean)} |`);
  }
  const tasks = result.references.map((r) => r.task);
  for (const strategy of strategies) {
    lines.push(
      '',
      `Cross-task, ${strategy}: mean rank (of ${result.references[0].architectures}) on the column's task of the architecture chosen on the row's task`,
      '',
    );
    lines.push(`| searched on | ${tasks.join(' | ')} |`, `| --- | ${tasks.map(() => '---').join(' | ')} |`);
    for (const a of tasks)
      lines.push(`| ${a} | ${tasks.map((b) => result.cross[strategy][a][b].toFixed(1)).join(' | ')} |`);
  }
  return lines.join('\n') + '\n\n';
}
