// Builds a latency table for a search space: every distinct layer measured once, in chunks, the
// table rewritten atomically after each chunk so an interrupted build resumes where it stopped.
// Then, optionally, a predictor fitted on whole networks sampled from the space.
import * as fs from 'fs';
import { TorchnasError } from '../errors';
import { deriveArchitecture, randomChoice, type ResolvedSpace } from '../spaces/chain-space';
import { Rng } from '../strategies/rng';
import { conditionDifferences, type LatencyConditions, type TimingOptions } from './conditions';
import { architectureLayers, spaceLayers } from './layer-keys';
import { readLatencyTable, TABLE_FORMAT, writeLatencyTable, type LatencyTable } from './latency-table';
import { fitLatencyPredictor } from './predictor';
import { withProfiler } from './profiler';

export interface TableProgress {
  done: number;
  total: number;
  resumed: number; // entries that were already in the file
}

function resumable(file: string, resolved: ResolvedSpace, conditions: LatencyConditions): LatencyTable | undefined {
  if (!fs.existsSync(file)) return undefined;
  const table = readLatencyTable(file);
  const problems = conditionDifferences(table.conditions, conditions);
  if (table.space !== resolved.space.name) problems.unshift(`space: ${table.space} vs ${resolved.space.name}`);
  if (table.input.join('x') !== resolved.space.input.join('x')) problems.unshift(`input: ${table.input.join('x')} vs ${resolved.space.input.join('x')}`);
  if (problems.length) {
    throw new TorchnasError('E_STATE', `'${file}' holds a table measured under other conditions (${problems.join('; ')}): write to another file or delete it`);
  }
  return table;
}

export async function buildLatencyTable(
  resolved: ResolvedSpace,
  file: string,
  options: TimingOptions & { chunk?: number } = {},
  onProgress?: (p: TableProgress) => void,
): Promise<LatencyTable> {
  const { chunk = 8, ...timing } = options;
  const layers = spaceLayers(resolved).distinct;
  return withProfiler(timing, async (profiler) => {
    const table: LatencyTable = resumable(file, resolved, profiler.conditions) ?? {
      format: TABLE_FORMAT, unit: 'ms', space: resolved.space.name, input: [...resolved.space.input],
      conditions: profiler.conditions, complete: false, buildSeconds: 0, entries: {},
    };
    const todo = layers.filter((l) => !table.entries[l.key]);
    const resumed = layers.length - todo.length;
    onProgress?.({ done: resumed, total: layers.length, resumed });
    for (let start = 0; start < todo.length; start += chunk) {
      const part = todo.slice(start, start + chunk);
      const began = Date.now();
      const stats = await profiler.layers(part, (p) => onProgress?.({ done: resumed + start + p.done, total: layers.length, resumed }));
      part.forEach((layer, i) => {
        const { count, mean, median, variance, p10, p90, iqr } = stats[i];
        table.entries[layer.key] = { count, mean, median, variance, p10, p90, iqr };
      });
      table.buildSeconds += (Date.now() - began) / 1000;
      writeLatencyTable(file, table);
    }
    table.complete = true;
    writeLatencyTable(file, table);
    return table;
  });
}

/** The timing options that reproduce a table's conditions (for measuring networks against it). */
export function timingOptionsOf(table: LatencyTable): TimingOptions {
  const c = table.conditions;
  return {
    device: c.device, batch: c.batch, precision: c.precision as 'fp32' | 'bf16', channelsLast: c.channelsLast,
    cudnnBenchmark: c.cudnnBenchmark, foldBatchNorm: c.foldBatchNorm, cudaGraph: c.cudaGraph, threads: c.threads,
    warmup: c.warmup, repeats: c.repeats,
  };
}

/**
 * Measures `networks` random architectures of the space end to end under the table's conditions and
 * fits the table's predictor on them; the table file is rewritten with it.
 */
export async function fitTablePredictor(
  resolved: ResolvedSpace,
  file: string,
  options: { networks?: number; seed?: number } = {},
  onProgress?: (p: { done: number; total: number }) => void,
): Promise<LatencyTable> {
  const { networks = 30, seed = 1 } = options;
  const table = readLatencyTable(file);
  if (!table.complete) throw new TorchnasError('E_STATE', `the table '${file}' is not complete: finish it with 'torchnas latency table' first`);
  const rng = new Rng(seed);
  const archs = Array.from({ length: networks }, () => deriveArchitecture(resolved, randomChoice(resolved, () => rng.next())));
  const samples = await withProfiler(timingOptionsOf(table), async (profiler) => {
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
