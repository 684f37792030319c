// Builds a latency table for a search space: every distinct layer measured once, in chunks, the
// table rewritten atomically after each chunk so an interrupted build resumes where it stopped.
// Then, optionally, a predictor fitted on whole networks sampled from the space.
import * as fs from 'fs';
import type { Architecture } from '../arch';
import { invalid, TorchnasError } from '../errors';
import type { ResolvedSpace } from '../spaces/chain/chain-space';
import { Rng } from '../util/rng';
import {
  checkRounds,
  conditionDifferences,
  runtimeOf,
  type LatencyConditions,
  type TimingOptions,
} from './conditions';
import { architectureLayers } from './layer-keys';
import { chainSearchSpace } from '../spaces/chain/chain-search-space';
import type { SearchSpace } from '../spaces/search-space';
import {
  readLatencyTable,
  TABLE_FORMAT,
  writeLatencyTable,
  type LatencyEntry,
  type LatencyTable,
} from './latency-table';
import { fitLatencyPredictor } from './predictor';
import { withProfiler } from './profiler';
import { median as medianOf } from '../util/statistics';

export interface TableProgress {
  done: number;
  total: number;
  resumed: number; // entries that were already in the file
}

/** A chain space's description, or any search space (an elastic space's: elasticSearchSpace). */
export const tableSpaceOf = (space: ResolvedSpace | SearchSpace): SearchSpace =>
  'edges' in space ? chainSearchSpace(space) : space;

/** A random network of the space as a plain architecture (what the predictor is fitted on). */
function sampleArchitecture(space: SearchSpace, next: () => number): Architecture {
  const frozen = space.freeze(space.sample(next));
  if (frozen.kind !== 'network')
    throw invalid(`a latency table needs plain networks: '${space.name}' has none`);
  return frozen.architecture;
}

function resumable(
  file: string,
  space: SearchSpace,
  conditions: LatencyConditions,
): LatencyTable | undefined {
  if (!fs.existsSync(file)) return undefined;
  const table = readLatencyTable(file);
  const problems = conditionDifferences(table.conditions, conditions);
  if (table.space !== space.name) problems.unshift(`space: ${table.space} vs ${space.name}`);
  if (table.input.join('x') !== space.input.join('x'))
    problems.unshift(`input: ${table.input.join('x')} vs ${space.input.join('x')}`);
  if (problems.length) {
    throw new TorchnasError(
      'E_STATE',
      `'${file}' holds a table measured under other conditions (${problems.join('; ')}): write to another file or delete it`,
    );
  }
  return table;
}

export async function buildLatencyTable(
  resolved: ResolvedSpace | SearchSpace,
  file: string,
  options: TimingOptions & { chunk?: number; rounds?: number } = {},
  onProgress?: (p: TableProgress) => void,
): Promise<LatencyTable> {
  // On an agent every layer is committed as it comes back: a dropped connection loses nothing measured.
  const { chunk = options.remote ? 1 : 8, rounds = 1, ...timing } = options;
  checkRounds(rounds);
  const space = tableSpaceOf(resolved);
  const layers = space.latencyLayers();
  return withProfiler(timing, async (profiler) => {
    const table: LatencyTable = resumable(file, space, profiler.conditions) ?? {
      format: TABLE_FORMAT,
      unit: 'ms',
      space: space.name,
      input: [...space.input],
      conditions: profiler.conditions,
      complete: false,
      buildSeconds: 0,
      entries: {},
    };
    const roundsOf = (key: string) => {
      const entry = table.entries[key];
      return entry ? (entry.rounds?.length ?? 1) : 0;
    };
    const total = layers.length * rounds;
    const resumed = layers.reduce((sum, l) => sum + Math.min(rounds, roundsOf(l.key)), 0);
    let done = resumed;
    onProgress?.({ done, total, resumed });
    // Round r measures every layer that has fewer than r + 1 rounds, so the rounds of one layer are
    // spread over the whole build and a resumed build continues the round it stopped in.
    for (let round = 0; round < rounds; round++) {
      const todo = layers.filter((l) => roundsOf(l.key) <= round);
      for (let start = 0; start < todo.length; start += chunk) {
        const part = todo.slice(start, start + chunk);
        const began = Date.now();
        const before = done;
        const stats = await profiler.layers(part, (p) =>
          onProgress?.({ done: before + p.done, total, resumed }),
        );
        part.forEach((layer, i) => {
          table.entries[layer.key] = mergeRound(table.entries[layer.key], stats[i], rounds > 1);
        });
        done += part.length;
        table.buildSeconds += (Date.now() - began) / 1000;
        writeLatencyTable(file, table);
      }
    }
    table.complete = true;
    writeLatencyTable(file, table);
    return table;
  });
}

/**
 * One more round of a layer's measurement: counts add up, the mean and variance are pooled, and the
 * median and percentiles are the median over rounds of each round's figure.
 */
function mergeRound(
  previous: LatencyEntry | undefined,
  stats: Omit<LatencyEntry, 'rounds'>,
  keepRounds: boolean,
): LatencyEntry {
  const { count, mean, median, variance, p10, p90, iqr } = stats;
  const fresh: LatencyEntry = { count, mean, median, variance, p10, p90, iqr };
  if (!keepRounds) return fresh;
  if (!previous) return { ...fresh, rounds: [median] };
  const n = previous.rounds?.length ?? 1;
  const roundMedians = [...(previous.rounds ?? [previous.median]), median];
  const pooledCount = previous.count + count;
  const pooledMean = (previous.mean * previous.count + mean * count) / pooledCount;
  const pooledVariance =
    (previous.count * (previous.variance + (previous.mean - pooledMean) ** 2) +
      count * (variance + (mean - pooledMean) ** 2)) /
    pooledCount;
  // p10, p90 and IQR are averaged over the rounds, each round weighing the same.
  const blend = (old: number, now: number) => (old * n + now) / (n + 1);
  return {
    count: pooledCount,
    mean: pooledMean,
    median: medianOf(roundMedians),
    variance: pooledVariance,
    p10: blend(previous.p10, p10),
    p90: blend(previous.p90, p90),
    iqr: blend(previous.iqr, iqr),
    rounds: roundMedians,
  };
}

/** The timing options that reproduce a table's conditions (for measuring networks against it). */
export function timingOptionsOf(table: LatencyTable): TimingOptions {
  const c = table.conditions;
  return {
    device: c.device,
    batch: c.batch,
    precision: c.precision as 'fp32' | 'bf16',
    channelsLast: c.channelsLast,
    cudnnBenchmark: c.cudnnBenchmark,
    foldBatchNorm: c.foldBatchNorm,
    cudaGraph: c.cudaGraph,
    threads: c.threads,
    warmup: c.warmup,
    repeats: c.repeats,
    runtime: runtimeOf(c).startsWith('onnxruntime') ? 'onnxruntime' : 'libtorch',
  };
}

/**
 * Measures `networks` random architectures of the space end to end under the table's conditions and
 * fits the table's predictor on them; the table file is rewritten with it.
 */
export async function fitTablePredictor(
  resolved: ResolvedSpace | SearchSpace,
  file: string,
  options: { networks?: number; seed?: number; remote?: TimingOptions['remote'] } = {},
  onProgress?: (p: { done: number; total: number }) => void,
): Promise<LatencyTable> {
  const { networks = 30, seed = 1, remote } = options;
  const table = readLatencyTable(file);
  if (!table.complete)
    throw new TorchnasError(
      'E_STATE',
      `the table '${file}' is not complete: finish it with 'torchnas latency table' first`,
    );
  const rng = new Rng(seed);
  const space = tableSpaceOf(resolved);
  const archs = Array.from({ length: networks }, () => sampleArchitecture(space, () => rng.next()));
  const samples = await withProfiler({ ...timingOptionsOf(table), remote }, async (profiler) => {
    const elsewhere = conditionDifferences(table.conditions, profiler.conditions);
    if (elsewhere.length)
      throw new TorchnasError(
        'E_STATE',
        `the table '${file}' was measured under other conditions than these networks would be (${elsewhere.join('; ')}): ` +
          'fit it where it was measured (--remote with the same agent, or none)',
      );
    const out = [];
    for (const [i, arch] of archs.entries()) {
      out.push({ layers: architectureLayers(arch), measured: (await profiler.network(arch)).median });
      onProgress?.({ done: i + 1, total: archs.length });
    }
    return out;
  });
  table.predictor = fitLatencyPredictor(table, samples);
  writeLatencyTable(file, table);
  return table;
}
