// A latency lookup table: the median time of every distinct layer of a space, keyed from the
// description (layer-keys.ts), with the conditions it was measured under and, once fitted, a
// predictor for what a plain sum misses. JSON on disk; `complete: false` marks a build in progress.
import { z } from 'zod';
import type { Architecture } from '../arch';
import { TorchnasError } from '../errors';
import type { ResolvedSpace } from '../spaces/chain/chain-space';
import { readJson } from '../util/json-file';
import { writeJsonAtomic } from '../util/atomic-file';
import { LatencyConditionsSchema } from './conditions';
import { architectureLayers, spaceLayers, type LayerProbe } from './layer-keys';
import { LatencyPredictorSchema, predictLatency, predictorTerms } from './predictor';

export const TABLE_FORMAT = 'torchnas/latency-table@1';

export const LatencyEntrySchema = z
  .object({
    count: z.number().int().positive(),
    mean: z.number().min(0),
    median: z.number().min(0),
    variance: z.number().min(0),
    p10: z.number().min(0),
    p90: z.number().min(0),
    iqr: z.number().min(0),
    // With `--rounds R`, the median of each round (all layers measured in turn, R times over);
    // `median` is then the median of these, so a burst of load touches one round, not one layer.
    rounds: z.array(z.number().min(0)).optional(),
  })
  .strict();
export type LatencyEntry = z.infer<typeof LatencyEntrySchema>;

export const LatencyTableSchema = z
  .object({
    format: z.literal(TABLE_FORMAT),
    unit: z.literal('ms'),
    space: z.string(), // the space's name, or "custom"
    input: z.array(z.number().int().positive()), // [C, H, W] of the network input
    conditions: LatencyConditionsSchema,
    complete: z.boolean(),
    buildSeconds: z.number().min(0),
    entries: z.record(z.string(), LatencyEntrySchema),
    predictor: LatencyPredictorSchema.optional(),
  })
  .strict();
export type LatencyTable = z.infer<typeof LatencyTableSchema>;

export function readLatencyTable(file: string): LatencyTable {
  return parseLatencyTable(readJson<unknown>(file, 'latency table'), file);
}

/** A table already read as JSON (from `file`), validated. */
export function parseLatencyTable(value: unknown, file: string): LatencyTable {
  const parsed = LatencyTableSchema.safeParse(value);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new TorchnasError(
      'E_DATA',
      `latency table '${file}' is not a torchnas table (${problem.path.join('.') || 'file'}: ${problem.message}); build one with 'torchnas latency table'`,
    );
  }
  return parsed.data;
}

export function writeLatencyTable(file: string, table: LatencyTable): void {
  writeJsonAtomic(file, table);
}

/** The median of one layer; a clear error when the table lacks it. */
export function layerLatency(table: LatencyTable, key: string): number {
  const entry = table.entries[key];
  if (!entry) {
    throw new TorchnasError(
      'E_DATA',
      `the latency table (space '${table.space}') has no entry for layer '${key}': it was measured for another ` +
        'space, input size or class count; build a table for this space as the search fits it',
    );
  }
  return entry.median;
}

export const tableSum = (table: LatencyTable, layers: LayerProbe[]) =>
  layers.reduce((sum, l) => sum + layerLatency(table, l.key), 0);

/**
 * Per edge and candidate (Zero costs 0) and the fixed stem + head: what the search's expected latency
 * takes. With `predictor` and a table that has one, the predictor's terms instead of the layer sums;
 * each edge's cheapest candidate then moves into the fixed part, so every entry stays >= 0 and every
 * network's total is unchanged.
 */
export function edgeLatencies(
  resolved: ResolvedSpace,
  table: LatencyTable,
  predictor = false,
): { table: number[][]; fixed: number } {
  const layers = spaceLayers(resolved);
  if (!predictor || !table.predictor) {
    return {
      table: layers.edges.map((edge) => edge.map((probe) => (probe ? layerLatency(table, probe.key) : 0))),
      fixed: tableSum(table, layers.fixed),
    };
  }
  const terms = predictorTerms(table.predictor, table);
  const raw = layers.edges.map((edge) => edge.map((probe) => (probe ? terms.layer(probe) : 0)));
  const floors = raw.map((row) => Math.min(...row));
  return {
    table: raw.map((row, e) => row.map((v) => v - floors[e])),
    fixed:
      layers.fixed.reduce((sum, probe) => sum + terms.layer(probe), terms.constant) +
      floors.reduce((a, b) => a + b, 0),
  };
}

/** An architecture's latency from the table: the sum of its layers, and the predictor's estimate. */
export function estimateLatency(table: LatencyTable, arch: Architecture): { sum: number; predicted: number } {
  const layers = architectureLayers(arch);
  const sum = tableSum(table, layers);
  return { sum, predicted: table.predictor ? predictLatency(table.predictor, table, layers) : sum };
}
