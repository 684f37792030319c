// What a run page shows, read from the run's folder (never written): its index entry, its epochs as
// metrics.jsonl has them so far (a torn last line while a run writes is skipped), its summary, and its
// charts as compiled vega specs built by lib/report's spec functions, so a page and the static plots
// draw the same thing. Kinds without charts of their own get the epoch curves only.
import * as fs from 'fs';
import * as path from 'path';
import { compile } from 'vega-lite';
import { epochCurvesChart } from '../report/curves-chart';
import { dartsAlphaChart, type DartsAlphaEpoch } from '../report/darts-chart';
import { pinasChart, type PinasChartEpoch } from '../report/pinas-chart';
import { CHART_CONFIG, type VegaLiteSpec } from '../report/plot';
import { readSearchRun, searchRunChart } from '../report/search-charts';
import { METRICS_FILE, SUMMARY_FILE } from '../run/run-state';
import { readRun, type RunEntry } from '../runs/run-index';

export interface RunPageData {
  entry: RunEntry;
  history: Record<string, unknown>[];
  summary?: unknown;
  /** Compiled vega specs (what a page hands to vega.View). */
  charts: object[];
  /** Charts a damaged or unusual run could not draw, with why. */
  chartErrors: string[];
}

/** Epoch records from metrics.jsonl: every whole line that parses, the final record left out. */
export function readHistory(dir: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, METRICS_FILE), 'utf8');
  } catch {
    return [];
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (record.type !== 'final') out.push(record);
    } catch {
      // a line being written
    }
  }
  return out;
}

function kindCharts(entry: RunEntry, history: Record<string, unknown>[]): VegaLiteSpec[] {
  if (history.length === 0) return [];
  if (entry.kind === 'search') return [searchRunChart(readSearchRun(entry.dir))];
  if ((entry.kind === 'darts' || entry.kind === 'entrannas') && history.every((r) => Array.isArray(r.alphas)))
    return [dartsAlphaChart(history as unknown as DartsAlphaEpoch[], `operation weights: ${entry.dir}`)];
  if (entry.kind === 'pinas')
    return [pinasChart(history as unknown as PinasChartEpoch[], `Pi-NAS: ${entry.dir}`)];
  return [];
}

export const compileChart = (spec: VegaLiteSpec) => compile(spec, { config: CHART_CONFIG }).spec;

export function runPageData(dir: string): RunPageData {
  const entry = readRun(dir);
  const history = readHistory(dir);
  const data: RunPageData = { entry, history, charts: [], chartErrors: [] };
  try {
    data.summary = JSON.parse(fs.readFileSync(path.join(dir, SUMMARY_FILE), 'utf8'));
  } catch {
    // running, stopped or failed: no summary yet
  }
  const specs: VegaLiteSpec[] = [];
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

/** Two or more runs: their entries, and their curves overlaid in one chart. */
export function comparePageData(dirs: readonly string[]) {
  const runs = dirs.map((dir) => ({ entry: readRun(dir), history: readHistory(dir) }));
  const chart = compileChart(
    epochCurvesChart(
      runs.map((r) => ({ name: r.entry.dir, history: r.history })),
      'runs overlaid',
    ),
  );
  return { runs: runs.map((r) => r.entry), charts: [chart] };
}
