// What a run page shows, read from the run's folder (never written): its index entry, its epochs as
// metrics.jsonl has them so far (a torn last line while a run writes is skipped), its summary, and its
// charts as compiled vega specs built by lib/report's spec functions (kind-charts.ts), so a page and the
// static plots draw the same thing.
import * as fs from 'fs';
import * as path from 'path';
import { compile } from 'vega-lite';
import { parseArchitecture, type Architecture } from '../arch/architecture';
import { readLatencyTable } from '../latency/latency-table';
import { architectureLayers } from '../latency/layer-keys';
import { resolveNetwork, type LayerCost } from '../arch/shape';
import { epochCurvesChart } from '../report/curves-chart';
import { stepCurvesChart } from '../report/step-curves-chart';
import { CHART_CONFIG, type VegaLiteSpec } from '../report/plot';
import { METRICS_FILE, STEPS_FILE, SUMMARY_FILE } from '../run/run-state';
import { readRun, type RunEntry } from '../runs/run-index';
import { kindCharts } from './kind-charts';

export interface RunPageData {
  entry: RunEntry;
  history: Record<string, unknown>[];
  /** The epoch in progress, step by step (steps.jsonl), while a run writes it. */
  steps: Record<string, number>[];
  summary?: unknown;
  /** Compiled vega specs (what a page hands to vega.View). */
  charts: object[];
  /** Charts a damaged or unusual run could not draw, with why. */
  chartErrors: string[];
  /** The network the run trained or derived (its arch.json), block by block with its cost. */
  network?: RunNetwork;
}

export interface RunNetwork {
  name?: string;
  params: number;
  macs: number;
  layers: LayerCost[];
  /** Per block, in ms, from the run's latency table. */
  latency?: { table: string; conditions: object; layers: (number | null)[] };
}

/**
 * Each block's median from the latency table the run searched against (its latencyTable option), where
 * that table is readable and has the block; null for a block it lacks.
 */
function blockLatencies(arch: Architecture, options: Record<string, unknown>): RunNetwork['latency'] {
  if (typeof options.latencyTable !== 'string') return undefined;
  try {
    const table = readLatencyTable(options.latencyTable);
    const layers = architectureLayers(arch).map((l) => table.entries[l.key]?.median ?? null);
    return { table: options.latencyTable, conditions: table.conditions, layers };
  } catch {
    return undefined; // moved or deleted since the run: the page shows costs without it
  }
}

/** arch.json's network resolved block by block; none when the run has no (readable) arch.json. */
function networkOf(dir: string, options: Record<string, unknown>): RunNetwork | undefined {
  const file = path.join(dir, 'arch.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    const arch = parseArchitecture(JSON.parse(fs.readFileSync(file, 'utf8')));
    const { params, macs, layers } = resolveNetwork(arch);
    return { name: arch.name, params, macs, layers, latency: blockLatencies(arch, options) };
  } catch {
    return undefined; // not a chain architecture (an NB201 cell), or torn
  }
}

/** The records of a JSONL file: every whole line that parses (a torn last line while a run writes is not). */
function readJsonLines(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line being written
    }
  }
  return out;
}

/** Epoch records from metrics.jsonl, the final record left out. */
export const readHistory = (dir: string) =>
  readJsonLines(path.join(dir, METRICS_FILE)).filter((r) => r.type !== 'final');

/** The running epoch's steps; none once the run ended (it removes the file). */
export const readSteps = (dir: string) =>
  readJsonLines(path.join(dir, STEPS_FILE)) as Record<string, number>[];

export const compileChart = (spec: VegaLiteSpec) => compile(spec, { config: CHART_CONFIG }).spec;

export function runPageData(dir: string): RunPageData {
  const entry = readRun(dir);
  const history = readHistory(dir);
  const steps = entry.status === 'running' ? readSteps(dir) : [];
  const data: RunPageData = {
    entry,
    history,
    steps,
    charts: [],
    chartErrors: [],
    network: networkOf(dir, entry.options),
  };
  try {
    data.summary = JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8'));
  } catch {
    // running, stopped or failed: no summary yet
  }
  const specs: VegaLiteSpec[] = [];
  if (steps.length)
    specs.push(stepCurvesChart(steps, `epoch ${history.length + 1} in progress, by step: ${dir}`));
  if (history.length) specs.push(epochCurvesChart([{ name: dir, history }], `loss and top-1: ${dir}`));
  try {
    specs.push(...kindCharts(entry, history));
  } catch (error) {
    data.chartErrors.push(`the ${entry.kind} chart could not be drawn: ${(error as Error).message}`);
  }
  for (const spec of specs) {
    try {
      data.charts.push(compileChart(spec));
    } catch (error) {
      data.chartErrors.push((error as Error).message);
    }
  }
  return data;
}

/** Folders less their common leading path, so a legend shows what tells them apart. */
function distinctNames(dirs: readonly string[]): string[] {
  const parts = dirs.map((d) => d.split(path.sep));
  let common = 0;
  while (parts.every((p) => p.length > common + 1 && p[common] === parts[0][common])) common++;
  return parts.map((p) => p.slice(common).join(path.sep));
}

/** Two or more runs: their entries, and their curves overlaid in one chart. */
export function comparePageData(dirs: readonly string[]) {
  const runs = dirs.map((dir) => ({ entry: readRun(dir), history: readHistory(dir) }));
  const names = distinctNames(dirs);
  const chart = compileChart(
    epochCurvesChart(
      runs.map((r, i) => ({ name: names[i], history: r.history })),
      'runs overlaid',
    ),
  );
  return { runs: runs.map((r) => r.entry), charts: [chart] };
}
