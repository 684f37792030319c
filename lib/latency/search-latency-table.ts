// The per-edge costs a search's expected latency is made of, from the file a user names: a torchnas
// latency table (ms, from `torchnas latency table`; its fitted predictor's terms when it has one, so
// that the target is in end-to-end milliseconds), a plain per-edge JSON table, or, with neither, MACs.
// Every entry is checked finite and non-negative before a search step sees it.
import { z } from 'zod';
import { TorchnasError } from '../errors';
import { macsTable, type ResolvedSpace } from '../spaces';
import { readJson } from '../util/json-file';
import { edgeLatencies, parseLatencyTable, TABLE_FORMAT } from './latency-table';
import { FEW_SHOT_FORMAT, parseFewShotFile, type FewShotFile } from './few-shot/few-shot-file';

const PlainTableSchema = z.object({
  table: z.array(z.array(z.number().min(0))),
  fixed: z.number().min(0).default(0),
  unit: z.string().default('table units'),
});

export interface SearchCostTable {
  table: number[][];
  fixed: number;
  unit: string;
  measure: 'MACs' | 'table sum' | 'predictor' | 'plain table' | 'few-shot predictor';
}

export function readSearchLatencyTable(resolved: ResolvedSpace, file?: string): SearchCostTable {
  if (!file) return { ...macsTable(resolved), unit: 'M MACs', measure: 'MACs' };
  const json = readJson<{ format?: string }>(file, 'latency table');
  if (json?.format === TABLE_FORMAT) {
    const table = parseLatencyTable(json, file);
    const input = resolved.space.input;
    if (table.input.join() !== input.join())
      throw new TorchnasError(
        'E_INVALID_ARGUMENT',
        `latency table '${file}' was measured for input [${table.input}], but this search's space takes ` +
          `[${input}] (a built-in space fits itself to the data): measure a table at this input size`,
        ['latencyTable'],
      );
    return {
      ...edgeLatencies(resolved, table, true),
      unit: 'ms',
      measure: table.predictor ? 'predictor' : 'table sum',
    };
  }
  if (json?.format === FEW_SHOT_FORMAT) return fewShotCosts(resolved, parseFewShotFile(json, file), file);
  const plain = PlainTableSchema.safeParse(json);
  if (!plain.success) {
    const issue = plain.error.issues[0];
    throw new TorchnasError(
      'E_DATA',
      `latency table '${file}': ${issue.path.join('.') || 'file'}: ${issue.message} ` +
        `(a plain table is {"table": [[non-negative finite numbers per candidate] per edge], "fixed": x})`,
    );
  }
  const { table } = plain.data;
  if (
    table.length !== resolved.edges.length ||
    table.some((row, e) => row.length !== resolved.edges[e].candidates.length)
  ) {
    throw new TorchnasError(
      'E_DATA',
      `latency table '${file}' does not match the space: it needs one row per edge (${resolved.edges.length}) with one value per candidate`,
    );
  }
  return { ...plain.data, measure: 'plain table' };
}

/**
 * A few-shot predictor's weights as per-edge costs: each edge's cheapest option moved into the fixed
 * part, so every entry is >= 0 and every network's total is the predictor's.
 */
function fewShotCosts(resolved: ResolvedSpace, f: FewShotFile, file: string): SearchCostTable {
  const mine = JSON.stringify(resolved.edges.map((e) => [e.label, e.candidates]));
  if (JSON.stringify(f.decisions.map((d) => [d.name, d.options])) !== mine)
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `few-shot predictor '${file}' was made for space '${f.space}', whose edges differ from this search's: ` +
        'measure and adapt one for this space (a built-in space fits itself to the data)',
      ['latencyTable'],
    );
  const floors = f.weights.map((row) => Math.min(...row));
  const fixed = f.intercept + floors.reduce((a, b) => a + b, 0);
  if (!(fixed > 0))
    throw new TorchnasError(
      'E_DATA',
      `few-shot predictor '${file}' predicts ${fixed.toFixed(3)} ms for the space's cheapest network: adapt it from more networks`,
    );
  return {
    table: f.weights.map((row, e) => row.map((v) => v - floors[e])),
    fixed,
    unit: 'ms',
    measure: 'few-shot predictor',
  };
}
