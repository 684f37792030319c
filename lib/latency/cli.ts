// `torchnas latency table|fit|measure`: latency tables for a search space, their predictor, and
// end-to-end timing of architectures. Registered on the main program by lib/cli/main.ts.
import { wholeNumber } from '../util/option-parsers';
import { Command, Option } from 'commander';
import { loadArchitecture } from '../arch';
import { createCountProgress, type ProgressMode } from '../util/count-progress';
import { SPACES } from '../spaces';
import { readRemote, readTiming, remoteOptions, spaceFor, spaceOptions, timingOptions } from './cli-options';
import { prepareOutputFile } from '../util/output-file';
import { runtimeOf, type LatencyConditions, type TimingOptions } from './conditions';
import { estimateLatency, readLatencyTable } from './latency-table';
import { compareArchitectures, measureArchitecture } from './profiler';
import { buildLatencyTable, fitTablePredictor } from './table-builder';
import { registerAgentCommand } from './remote/agent-cli';
import { fitFewShotCommand, refuseFewShotFlags, registerSampleCommand } from './few-shot/cli';

const whole = wholeNumber;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

export function registerLatencyCommand(program: Command): void {
  const latency = program
    .command('latency')
    .description('latency tables, predictors and end-to-end timing (GPU: CUDA events; CPU: steady clock)');
  registerAgentCommand(latency);

  spaceOptions(timingOptions(latency.command('table')))
    .description('measure every distinct layer of a search space once and write a lookup table (resumable)')
    .addHelpText(
      'after',
      `
Examples:
  torchnas latency table --space proxyless --batch-size 8 --device cuda -o table.json
  torchnas latency table --space proxyless-28 --batch-size 64 --device cpu -o cpu64.json --fit 30
Keys come from the space description ("mb_k3_s2_e6_c24@16x112x112"); the file records the device,
batch, precision, timer and LibTorch version. Run the same command again to resume a build.
Spaces: ${Object.keys(SPACES).join(', ')}.`,
    )
    .option(
      '--space <name|file>',
      'search space (chain or elastic): a built-in name or a JSON space file',
      'proxyless-28',
    )
    .requiredOption('-o, --out <file>', 'table file (JSON)')
    .option(
      '--rounds <n>',
      'measure every layer in n rounds over the whole table; the median of the rounds is the figure (for machines with bursts of load)',
      whole('--rounds'),
      1,
    )
    .option(
      '--fit <n>',
      'then measure n random networks of the space and fit the predictor',
      whole('--fit'),
      0,
    )
    .option('--seed <n>', 'seed of the networks sampled for --fit', whole('--seed'), 1)
    .action(async (o) => {
      const resolved = await spaceFor(o);
      prepareOutputFile(o.out, '--out');
      const progress = createCountProgress(o.progress as ProgressMode, 'layers');
      const table = await buildLatencyTable(resolved, o.out, { ...readTiming(o), rounds: o.rounds }, (p) =>
        progress.update(p.done, p.total),
      );
      progress.stop();
      process.stdout.write(
        `${Object.keys(table.entries).length} layers of '${table.space}' on ${table.conditions.deviceName} ` +
          `(batch ${table.conditions.batch}, ${runtimeOf(table.conditions)}, ${table.conditions.timer}) measured in ${table.buildSeconds.toFixed(1)} s; written to ${o.out}\n`,
      );
      if (o.fit > 0) await fit(resolved, o.out, o.fit, o.seed, o.progress, readRemote(o));
    });

  spaceOptions(remoteOptions(latency.command('fit'), 'the latency agent the table was measured on'))
    .description(
      "measure random networks of the space end to end and fit the table's predictor; or, with --few-shot, " +
        "adapt a prior from devices with many samples to a device's few (files of 'torchnas latency sample')",
    )
    .addHelpText(
      'after',
      `
Examples:
  torchnas latency fit --space proxyless-28 --table cpu1.json --networks 30
  torchnas latency sample --space proxyless-28 --runtime libtorch --batch-size 1 --networks 300 -o here.json
  torchnas latency sample --space proxyless-28 --runtime onnxruntime --batch-size 1 --networks 20 \\
      --remote http://pi.local:7070 --token <token> -o pi20.json
  torchnas latency fit --few-shot --space proxyless-28 --source here.json --target pi20.json -o pi.json
  torchnas search proxyless --space proxyless-28 --latency-table pi.json --target 12`,
    )
    .option('--space <name|file>', 'search space the table was built for', 'proxyless-28')
    .option('--table <file>', 'table file (JSON)')
    .option('--few-shot', 'adapt a few-shot predictor instead (--source, --target, --out)', false)
    .option('--source <files...>', 'samples of devices with many networks measured (the prior)')
    .option('--target <file>', 'samples of the device to predict (10 to 20 networks)')
    .option('-o, --out <file>', 'the few-shot predictor file to write')
    .option('--networks <n>', 'networks to measure', whole('--networks'), 30)
    .option('--seed <n>', 'seed of the sampled networks', whole('--seed'), 1)
    .addOption(
      new Option('--progress <mode>', 'progress display')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .action(async (o, command: Command) => {
      if (o.fewShot) return fitFewShotCommand(await spaceFor(o), o, command);
      refuseFewShotFlags(o);
      await fit(await spaceFor(o), o.table, o.networks, o.seed, o.progress, readRemote(o));
    });
  registerSampleCommand(latency);

  timingOptions(latency.command('measure'))
    .description(
      'time architectures end to end (several side by side in rounds), and compare with a table when given one',
    )
    .addHelpText(
      'after',
      `
Examples:
  torchnas latency measure --arch arch.json --batch-size 8 --device cuda
  torchnas latency measure --arch runs/s1/arch.json --batch-size 8 --device cpu --table cpu8.json
  torchnas latency measure --arch base.json runs/s1/arch.json runs/s2/arch.json --batch-size 1 --threads 1 --rounds 15
With several architectures or --rounds, every round times each network in turn; the figure is the
median of the rounds and "x first" the per-round ratio to the first network (steady on a shared machine).`,
    )
    .requiredOption('--arch <preset|file...>', 'architecture presets or JSON files')
    .option('--rounds <n>', 'rounds of timing every architecture in turn', whole('--rounds'))
    .option('--table <file>', "also report the table sum and the predictor's estimate")
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (o) => {
      const archs = (o.arch as string[]).map((a) => loadArchitecture(a));
      const table = o.table ? readLatencyTable(o.table) : undefined;
      if (archs.length === 1 && o.rounds === undefined) {
        const arch = archs[0];
        const estimate = table ? estimateLatency(table, arch) : undefined;
        const { stats, conditions } = await measureArchitecture(arch, readTiming(o));
        if (o.json) {
          process.stdout.write(JSON.stringify({ arch: arch.name, stats, conditions, estimate }) + '\n');
          return;
        }
        process.stdout.write(
          `${describeConditions(arch.name, conditions)}\n` +
            `median ${fmt(stats.median)}  p10 ${fmt(stats.p10)}  p90 ${fmt(stats.p90)}  IQR ${fmt(stats.iqr)}  (${stats.count} runs)\n`,
        );
        if (estimate)
          process.stdout.write(`table sum ${fmt(estimate.sum)}, predicted ${fmt(estimate.predicted)}\n`);
        return;
      }
      const progress = createCountProgress(o.progress as ProgressMode, 'timings', process.stderr, 1);
      const { timings, rounds, conditions } = await compareArchitectures(
        archs,
        { ...readTiming(o), rounds: o.rounds },
        (p) => progress.update(p.done, p.total),
      );
      progress.stop();
      // A network outside the table's space gets no estimate (the others still do).
      const estimates = table
        ? archs.map((a) => {
            try {
              return estimateLatency(table, a);
            } catch {
              return undefined;
            }
          })
        : undefined;
      // Networks that share a name (two searches with one seed) are told apart by what was given.
      const names = archs.map((a) => a.name);
      const labels = new Set(names).size === names.length ? names : (o.arch as string[]);
      if (o.json) {
        process.stdout.write(JSON.stringify({ timings, rounds, conditions, estimates }) + '\n');
        return;
      }
      const lines = [`${describeConditions(`${archs.length} networks, ${rounds} rounds`, conditions)}`, ''];
      lines.push(
        `| network | median (ms) | x first |${estimates ? ' table sum (ms) | predicted (ms) |' : ''}`,
      );
      lines.push(`| --- | --- | --- |${estimates ? ' --- | --- |' : ''}`);
      timings.forEach((t, i) => {
        const e = estimates?.[i];
        const extra = estimates
          ? e
            ? ` ${e.sum.toFixed(3)} | ${e.predicted.toFixed(3)} |`
            : ' — | — |'
          : '';
        lines.push(`| ${labels[i]} | ${t.median.toFixed(3)} | ${t.ratioToFirst.toFixed(3)} |${extra}`);
      });
      process.stdout.write(lines.join('\n') + '\n');
    });
}

function describeConditions(subject: string, c: LatencyConditions): string {
  return (
    `${subject} on ${c.deviceName} (${c.device}), batch ${c.batch}, ${c.precision}` +
    `${c.channelsLast ? ', channels_last' : ''}${c.foldBatchNorm ? ', BN folded' : ''}, ${c.timer}, ` +
    `${c.threads} threads, ${runtimeOf(c) === 'libtorch' ? `LibTorch ${c.torchVersion}` : runtimeOf(c)}`
  );
}

async function fit(
  resolved: Awaited<ReturnType<typeof spaceFor>>,
  file: string,
  networks: number,
  seed: number,
  mode: ProgressMode,
  remote: TimingOptions['remote'],
) {
  const progress = createCountProgress(mode, 'networks', process.stderr, 5);
  const table = await fitTablePredictor(resolved, file, { networks, seed, remote }, (p) =>
    progress.update(p.done, p.total),
  );
  progress.stop();
  process.stdout.write(
    `predictor fitted on ${table.predictor!.fittedOn} networks (fit MAPE ${table.predictor!.fitMape.toFixed(2)}%); written to ${file}\n`,
  );
}
