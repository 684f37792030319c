// `torchnas latency sample` (measure random networks of a space on a device, here or on an agent) and
// `torchnas latency fit --few-shot` (adapt a prior from devices with many samples to a device's few).
import type { Command } from 'commander';
import { invalid } from '../../errors';
import { writeJsonAtomic } from '../../util/atomic-file';
import { createCountProgress, type ProgressMode } from '../../util/count-progress';
import { positiveWholeNumber, wholeNumber } from '../../util/option-parsers';
import { prepareOutputFile } from '../../util/output-file';
import { mape, spearman } from '../../util/statistics';
import { readTiming, spaceOptions, timingOptions, spaceFor } from '../cli-options';
import { runtimeOf } from '../conditions';
import { tableSpaceOf } from '../table-builder';
import { FEW_SHOT_FORMAT, type FewShotFile } from './few-shot-file';
import { adaptPrior, metaLearnPrior, predictFewShot } from './few-shot-predictor';
import { checkSameSpace, readLatencySamples, sampleLatencies, type LatencySamples } from './latency-samples';

const MIN_TARGET = 5;

export function registerSampleCommand(latency: Command): void {
  spaceOptions(timingOptions(latency.command('sample')))
    .description(
      "time random networks of a space end to end (a few-shot prior's source, or its target's few)",
    )
    .option('--space <name|file>', 'search space (chain or elastic)', 'proxyless-28')
    .requiredOption('-o, --out <file>', 'samples file (JSON; run again to continue it)')
    .option('--networks <n>', 'networks to measure', positiveWholeNumber('--networks'), 20)
    .option('--seed <n>', 'seed of the sampled networks', wholeNumber('--seed'), 1)
    .action(async (o) => {
      const space = tableSpaceOf(await spaceFor(o));
      prepareOutputFile(o.out, '--out');
      const progress = createCountProgress(o.progress as ProgressMode, 'networks', process.stderr, 5);
      const samples = await sampleLatencies(
        space,
        o.out,
        { ...readTiming(o), networks: o.networks, seed: o.seed },
        (p) => progress.update(p.done, p.total),
      );
      progress.stop();
      const c = samples.conditions;
      process.stdout.write(
        `${samples.networks.length} networks of '${space.name}' on ${c.agent ?? c.deviceName} ` +
          `(batch ${c.batch}, ${runtimeOf(c)}, ${c.threads} threads); written to ${o.out}\n`,
      );
    });
}

const FEW_SHOT_ONLY = ['source', 'target', 'out'] as const;

/** --source, --target and --out belong to --few-shot: refused without it, never ignored. */
export function refuseFewShotFlags(o: Record<string, unknown>): void {
  const given = FEW_SHOT_ONLY.filter((k) => o[k] !== undefined);
  if (given.length)
    throw invalid(`--${given[0]} is for --few-shot: add --few-shot, or drop it`, [`--${given[0]}`]);
  if (o.table === undefined) throw invalid('give the table to fit with --table (or --few-shot)', ['--table']);
}

/** The target's own samples predicted with each left out: how the predictor does on what it has not seen. */
function leaveOneOut(prior: ReturnType<typeof metaLearnPrior>, target: LatencySamples['networks']) {
  const predicted = target.map((_, i) => {
    const rest = target.filter((__, j) => j !== i);
    return predictFewShot(adaptPrior(prior, rest), target[i].indices);
  });
  const measured = target.map((t) => t.ms);
  return { spearman: spearman(predicted, measured), mape: mape(predicted, measured) };
}

export async function fitFewShotCommand(
  resolved: Awaited<ReturnType<typeof spaceFor>>,
  o: Record<string, unknown>,
  command: Command,
): Promise<void> {
  for (const flag of ['table', 'remote'] as const)
    if (o[flag] !== undefined)
      throw invalid(`--few-shot reads samples files, not --${flag}: drop --${flag}`, [`--${flag}`]);
  for (const flag of ['networks', 'seed'] as const)
    if (command.getOptionValueSource(flag) === 'cli')
      throw invalid(`--few-shot measures nothing: drop --${flag} (measure with 'torchnas latency sample')`, [
        `--${flag}`,
      ]);
  const sources = o.source as string[] | undefined;
  if (!sources?.length)
    throw invalid('--few-shot needs --source: samples files of devices with many networks', ['--source']);
  if (o.target === undefined)
    throw invalid('--few-shot needs --target: the samples file of the new device', ['--target']);
  if (o.out === undefined) throw invalid('--few-shot needs --out: the predictor file to write', ['--out']);
  const space = tableSpaceOf(resolved);
  const read = (file: string) => {
    const samples = readLatencySamples(file);
    checkSameSpace(space, samples, file);
    return samples;
  };
  const source = sources.map((file) => ({ file, samples: read(file) }));
  const target = read(o.target as string);
  if (target.networks.length < MIN_TARGET)
    throw invalid(
      `--target has ${target.networks.length} networks: measure at least ${MIN_TARGET} (10 to 20 is the aim)`,
      ['--target'],
    );
  prepareOutputFile(o.out as string, '--out');
  const counts = space.decisions.map((d) => d.options.length);
  const prior = metaLearnPrior(
    counts,
    source.map((s) => ({
      device: s.samples.conditions.agent ?? s.samples.conditions.deviceName + ` (${s.file})`,
      samples: s.samples.networks,
    })),
    Math.min(target.networks.length, 20),
  );
  const predictor = adaptPrior(prior, target.networks);
  const file: FewShotFile = {
    format: FEW_SHOT_FORMAT,
    unit: 'ms',
    space: space.name,
    input: [...space.input],
    decisions: space.decisions.map((d) => ({ name: d.name, options: [...d.options] })),
    intercept: predictor.intercept,
    weights: predictor.weights,
    samples: predictor.samples,
    conditions: target.conditions,
    prior: { sources: prior.sources, tau: prior.tau },
    leaveOneOut: leaveOneOut(prior, target.networks),
  };
  writeJsonAtomic(o.out as string, file);
  const c = target.conditions;
  process.stdout.write(
    `few-shot predictor for ${c.agent ?? c.deviceName} (${runtimeOf(c)}) ` +
      `from ${target.networks.length} networks and a prior of ${source.length} device(s) (tau ${prior.tau}); ` +
      `on its own networks left out one at a time: Spearman ${file.leaveOneOut!.spearman.toFixed(3)}, ` +
      `MAPE ${file.leaveOneOut!.mape.toFixed(1)}%; written to ${o.out}\n`,
  );
}
