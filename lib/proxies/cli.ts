// `torchnas proxies`: zero-cost proxies of sampled NAS-Bench-201 networks, built and scored natively,
// rank-correlated with the benchmark's test accuracy. Registered on the main program by lib/cli/main.ts.
import { wholeNumber } from '../util/option-parsers';
import { Command, InvalidArgumentError, Option } from 'commander';
import { NB201_DATASETS } from '../benchmarks';
import { augmentationFor, DATASET_NAMES, loadDataset, type DatasetName } from '../data/datasets';
import { invalid } from '../errors';
import { createCountProgress, type ProgressMode } from '../util/count-progress';
import { runNb201ProxyStudy, type Nb201ProxyStudy } from './nb201-proxies';
import { DATA_PROXIES, PROXY_NAMES, type ProxyName } from './zero-cost';

/** `--proxy a,b --proxy c` -> [a, b, c]; `all` -> every proxy. */
function proxyList(value: string, previous: string[] = []): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (name !== 'all' && !(PROXY_NAMES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown proxy '${name}' (known: ${PROXY_NAMES.join(', ')}, all)`);
    }
  }
  return [...previous, ...names];
}

function normalization(dataset: DatasetName): { mean: number[]; std: number[] } {
  const { mean, std } = augmentationFor(dataset, false);
  return { mean, std };
}

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

function markdown(study: Nb201ProxyStudy, input: string, accuracyOf: string, split: string): string {
  const lines = [
    `Zero-cost proxies of ${study.archs.length} NAS-Bench-201 networks vs ${accuracyOf} ${split === 'valid' ? 'validation' : 'test'} accuracy (200 epochs); ${input}`,
    '',
    '| proxy | Spearman ρ | Kendall τ | s / network |',
    '| --- | --- | --- | --- |',
    ...study.correlations.map(
      (c) => `| ${c.proxy} | ${fixed(c.spearman, 3)} | ${fixed(c.kendall, 3)} | ${c.seconds.toFixed(3)} |`,
    ),
    '',
    `${study.seconds.toFixed(1)} s in all.`,
  ];
  return lines.join('\n') + '\n';
}

function csv(study: Nb201ProxyStudy, proxies: readonly ProxyName[]): string {
  const rows = study.archs.map((a) =>
    [a.index, a.arch, a.accuracy, ...proxies.map((p) => a.scores[p])].join(','),
  );
  return [['index', 'arch', 'accuracy', ...proxies].join(','), ...rows].join('\n') + '\n';
}

export function registerProxiesCommand(program: Command): void {
  program
    .command('proxies')
    .description(
      "zero-cost proxies of sampled NAS-Bench-201 networks (built natively) vs the benchmark's test accuracy",
    )
    .addHelpText(
      'after',
      `
Proxies: ${PROXY_NAMES.join(', ')} (or all). Data-dependent ones (${DATA_PROXIES.join(', ')}) read one
batch of --dataset, zero-padded to 32x32 with a single channel repeated; without --dataset they see
Gaussian noise and random labels. synflow, zen, params and flops need no data.
Examples:
  torchnas proxies --proxy synflow --sample 1000
  torchnas proxies --proxy snip,naswot,jacob_cov --sample 200 --dataset fashion-mnist --batch-size 32
  torchnas proxies --proxy all --sample 100 --format csv > scores.csv`,
    )
    .addOption(new Option('--space <name>', 'search space').choices(['nb201']).default('nb201'))
    .requiredOption('--proxy <names>', 'proxies, comma-separated or repeated', proxyList)
    .option(
      '--sample <n>',
      'architectures sampled (seeded, without replacement)',
      wholeNumber('--sample'),
      100,
    )
    .addOption(
      new Option('--dataset <name>', 'data for the data-dependent proxies (train split)').choices([
        ...DATASET_NAMES,
      ]),
    )
    .option('--data-dir <dir>', 'folder holding the dataset files')
    .option(
      '--image-size <n>',
      'image-folder: side of the square images decoded (default 224)',
      wholeNumber('--image-size'),
    )
    .option('--batch-size <n>', 'images in the batch', wholeNumber('--batch-size'), 64)
    .addOption(
      new Option('--accuracy-of <dataset>', 'NB201 accuracy table to correlate with')
        .choices([...NB201_DATASETS])
        .default('cifar10'),
    )
    .option('--seed <n>', 'seed of the sample, the batch and the weights', wholeNumber('--seed'), 0)
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--workers <n>', 'sessions scoring side by side', wholeNumber('--workers'), 1)
    .option(
      '--threads <n>',
      'CPU threads for LibTorch per session (default: cores / workers)',
      wholeNumber('--threads'),
    )
    .addOption(
      new Option(
        '--split <s>',
        'accuracy to correlate with: test, or validation (as zero-cost-nas published)',
      )
        .choices(['test', 'valid'])
        .default('test'),
    )
    .addOption(
      new Option('--format <f>', 'output: summary table, per-network CSV, or both as JSON')
        .choices(['md', 'csv', 'json'])
        .default('md'),
    )
    .addOption(
      new Option('--progress <mode>', 'progress display on stderr')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .action(async (o) => {
      const proxies = (
        o.proxy.includes('all') ? [...PROXY_NAMES] : [...new Set<string>(o.proxy)]
      ) as ProxyName[];
      if (o.sample < 2) throw invalid('--sample must be at least 2 to correlate');
      if (o.imageSize !== undefined && !o.dataset) throw invalid('--image-size needs --dataset image-folder');
      const data = o.dataset
        ? {
            dataset: await loadDataset(o.dataset as DatasetName, 'train', o.dataDir, {
              imageSize: o.imageSize,
            }),
            normalize: normalization(o.dataset),
          }
        : null;
      const classes = o.accuracyOf === 'cifar100' ? 100 : o.accuracyOf === 'ImageNet16-120' ? 120 : 10;
      const bar = createCountProgress(o.progress as ProgressMode, 'networks scored');
      const study = await runNb201ProxyStudy(
        {
          proxies,
          sample: o.sample,
          seed: o.seed,
          batchSize: o.batchSize,
          accuracyOf: o.accuracyOf,
          split: o.split,
          classes,
          device: o.device,
          workers: o.workers,
          threads: o.threads,
        },
        data,
        (done, total) => bar.update(done, total),
      );
      bar.stop();
      const input = !proxies.some((p) => DATA_PROXIES.includes(p))
        ? 'data-free proxies'
        : data
          ? `data-dependent proxies on a batch of ${o.batchSize} ${o.dataset} images`
          : `data-dependent proxies on Gaussian noise (batch ${o.batchSize})`;
      if (o.format === 'json')
        process.stdout.write(
          JSON.stringify({ correlations: study.correlations, archs: study.archs, seconds: study.seconds }) +
            '\n',
        );
      else if (o.format === 'csv') process.stdout.write(csv(study, proxies));
      else process.stdout.write(markdown(study, input, o.accuracyOf, o.split));
    });
}
