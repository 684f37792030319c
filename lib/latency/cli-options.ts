// The flags latency commands share: how to time (device, runtime, batch, repeats, an agent to time on)
// and which space (a built-in one fitted to a dataset, or a space file), read into API options.
import { Command, Option } from 'commander';
import { DATASET_NAMES, loadDataset, type DatasetName } from '../data/datasets';
import {
  dataShapeOf,
  ELASTIC_SPACES,
  loadElasticSpace,
  loadSpace,
  loadSpaceFor,
  resolveSpace,
  SPACES,
  type DataShape,
} from '../spaces';
import { invalid } from '../errors';
import { readJson } from '../util/json-file';
import { wholeNumber } from '../util/option-parsers';
import { elasticSearchSpace } from '../spaces/elastic/elastic-search-space';
import type { TimingOptions } from './conditions';

const whole = wholeNumber;

/** --remote, --token and --remote-wait: where a latency agent measures instead of this machine. */
export function remoteOptions(
  command: Command,
  remoteHelp = 'measure on a latency agent (torchnas latency agent on the target device)',
): Command {
  return command
    .option('--remote <url>', remoteHelp)
    .option('--token <token>', "the agent's token (or set TORCHNAS_AGENT_TOKEN)")
    .option(
      '--remote-wait <s>',
      'seconds to keep retrying an agent that cannot be reached',
      whole('--remote-wait'),
      60,
    );
}

export function timingOptions(command: Command): Command {
  command
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .addOption(
      new Option(
        '--runtime <r>',
        'libtorch (the addon), or onnxruntime (the exported ONNX in its CPU provider)',
      )
        .choices(['libtorch', 'onnxruntime'])
        .default('libtorch'),
    )
    .option('--batch-size <n>', 'batch size', whole('--batch-size'), 8)
    .addOption(new Option('--batch <n>', 'old name of --batch-size').argParser(whole('--batch')).hideHelp())
    .addOption(
      new Option('--precision <p>', 'fp32, or bf16 autocast').choices(['fp32', 'bf16']).default('fp32'),
    )
    .option('--channels-last', 'channels_last memory format', false)
    .option('--fold-bn', 'fold BatchNorm into the convolutions first (as deployment does)', false)
    .option('--cuda-graph', 'replay each measured module as one CUDA graph (no launch overhead)', false)
    .option('--no-cudnn-benchmark', 'turn off cuDNN autotuning')
    .option('--warmup <n>', 'untimed runs first', whole('--warmup'), 10)
    .option('--repeats <n>', 'timed runs (the median is the figure)', whole('--repeats'), 50)
    .option('--threads <n>', 'CPU threads (default: all cores of the measuring machine)', whole('--threads'));
  return remoteOptions(command).addOption(
    new Option('--progress <mode>', 'progress display')
      .choices(['auto', 'bar', 'lines', 'none'])
      .default('auto'),
  );
}

/** --remote, --token and --remote-wait; a token or a wait without an agent is refused, not ignored. */
export function readRemote(o: Record<string, unknown>): TimingOptions['remote'] {
  const token = (o.token as string | undefined) ?? process.env.TORCHNAS_AGENT_TOKEN;
  if (o.remote === undefined) {
    if (o.token !== undefined)
      throw invalid('--token is for a latency agent: give its address with --remote too', ['--token']);
    return undefined;
  }
  if (!/^https?:\/\/[^/]/.test(o.remote as string))
    throw invalid(
      `--remote '${o.remote}' is not an address: give it as the agent printed it, http://host:port`,
      ['--remote'],
    );
  if (token === undefined)
    throw invalid('--remote needs the token the agent printed: give --token (or set TORCHNAS_AGENT_TOKEN)', [
      '--token',
    ]);
  return { url: o.remote as string, token, waitSeconds: o.remoteWait as number };
}

export function readTiming(o: Record<string, unknown>): TimingOptions {
  return {
    remote: readRemote(o),
    device: o.device as string,
    runtime: o.runtime as 'libtorch' | 'onnxruntime',
    batch: (o.batch ?? o.batchSize) as number,
    precision: o.precision as 'fp32' | 'bf16',
    channelsLast: o.channelsLast as boolean,
    foldBatchNorm: o.foldBn as boolean,
    cudaGraph: o.cudaGraph as boolean,
    cudnnBenchmark: o.cudnnBenchmark as boolean,
    warmup: o.warmup as number,
    repeats: o.repeats as number,
    threads: o.threads as number | undefined,
  };
}

/** An elastic space by name, or a space file that describes one (stages with `widths`). */
function isElastic(name: string): boolean {
  if (Object.hasOwn(ELASTIC_SPACES, name)) return true;
  if (Object.hasOwn(SPACES, name) || !name.endsWith('.json')) return false;
  const value = readJson<{ stages?: { widths?: unknown }[] }>(name, 'search space file');
  return Array.isArray(value?.stages) && value.stages.some((s) => s?.widths !== undefined);
}

interface SpaceFlags {
  space: string;
  imageSize?: number;
  dataset?: DatasetName;
  dataDir?: string;
  resolution?: unknown;
}

/**
 * The space as a search would run it: with --dataset, a built-in space fitted to that data (decoded at
 * --image-size for image folders), so the table's keys are the search's; otherwise with --image-size
 * its input resized (a chain space; an elastic one lists its resolutions itself).
 */
export async function spaceFor(o: SpaceFlags) {
  if (o.resolution !== undefined)
    throw invalid('--resolution is now --image-size, the name every command uses', ['resolution']);
  let shape: DataShape | undefined;
  if (o.dataset !== undefined)
    shape = dataShapeOf(await loadDataset(o.dataset, 'train', o.dataDir, { imageSize: o.imageSize }));
  if (!isElastic(o.space))
    return resolveSpace(shape ? loadSpaceFor(o.space, shape) : loadSpace(o.space, o.imageSize));
  if (o.imageSize && !shape)
    throw invalid(
      `--image-size without --dataset is for chain spaces: '${o.space}' is elastic and lists its resolutions itself`,
      ['imageSize'],
    );
  return elasticSearchSpace(loadElasticSpace(o.space, shape));
}

/** --image-size, --dataset and --data-dir: the same as on the search commands. */
export function spaceOptions(command: Command): Command {
  return command
    .option(
      '--image-size <n>',
      "input height and width (default: the space's; image folders: the decode size)",
      whole('--image-size'),
    )
    .addOption(
      new Option('--dataset <name>', 'fit a built-in space to this dataset, as a search on it does').choices([
        ...DATASET_NAMES,
      ]),
    )
    .option('--data-dir <dir>', "the dataset's folder (image-folder: the folder with train/ and val/)")
    .addOption(new Option('--resolution <n>').hideHelp());
}
