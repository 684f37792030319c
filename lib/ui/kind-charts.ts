// The charts of a run's own method, rebuilt from its folder with the spec functions its command's
// --plot uses: ProxylessNAS probabilities and derived networks, DARTS/EnTranNAS operation weights,
// Pi-NAS consistency, ShiftNAS bins and generator, a supernet's Pareto front, FBNetV5 keep-probabilities
// and the GM-NAS split tree. A kind or a run too young for a chart gets none.
import * as fs from 'fs';
import * as path from 'path';
import { dartsAlphaChart, type DartsAlphaEpoch } from '../report/darts-chart';
import { keepProbabilityChart, type KeepProbabilityEpoch } from '../report/keep-probability-chart';
import { pinasChart, type PinasChartEpoch } from '../report/pinas-chart';
import type { VegaLiteSpec } from '../report/plot';
import { readSearchRun, searchRunChart } from '../report/search-charts';
import { splitTreeChart, type SplitTreeNode } from '../report/split-tree-chart';
import { RUN_FILE, SUMMARY_FILE } from '../run/run-state';
import type { RunEntry } from '../runs/run-index';
import { blockCount, blockName, type MultiresSpace } from '../spaces/multires/multires-space';
import { frontChart } from '../supernet/search-supernet';
import { shiftNasChartOf } from '../supernet/shiftnas/shiftnas-run';
import { openSupernetRun, shiftNasEdges } from '../supernet/supernet-run';

const readJson = <T>(file: string): T | undefined =>
  fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;

function supernetCharts(entry: RunEntry, history: Record<string, unknown>[]): VegaLiteSpec[] {
  const charts: VegaLiteSpec[] = [];
  if (history.at(-1)?.shiftnas) {
    const run = openSupernetRun(entry.dir);
    charts.push(shiftNasChartOf(history as never, shiftNasEdges(run, 'ui'), `ShiftNAS: ${entry.dir}`));
  }
  const pareto = readJson<{ costUnit: string; front: never[]; evaluatedSubnets?: never[] }>(
    path.join(entry.dir, 'pareto.json'),
  );
  if (pareto)
    charts.push(
      frontChart(entry.dir, pareto.costUnit, pareto.evaluatedSubnets ?? pareto.front, pareto.front),
    );
  return charts;
}

function gmNasCharts(entry: RunEntry): VegaLiteSpec[] {
  const summary = readJson<{ tree: SplitTreeNode[]; leaves: { id: number; best: { top1: number } }[] }>(
    path.join(entry.dir, SUMMARY_FILE),
  );
  const stored = readJson<{ decisions: { name: string; options: string[] }[] }>(
    path.join(entry.dir, RUN_FILE),
  );
  if (!summary?.tree || !stored?.decisions) return [];
  const leafTop1 = Object.fromEntries(summary.leaves.map((l) => [l.id, l.best.top1]));
  return [
    splitTreeChart(
      summary.tree,
      { decisions: stored.decisions, leafTop1 },
      `GM-NAS split tree: ${entry.dir}`,
    ),
  ];
}

function fbnetv5Charts(entry: RunEntry, history: Record<string, unknown>[]): VegaLiteSpec[] {
  const space = entry.options.space as MultiresSpace | undefined;
  if (!space || !history.every((r) => r.probabilities)) return [];
  const names = Array.from({ length: blockCount(space) }, (_, b) => blockName(space, b));
  return [keepProbabilityChart(names, history as unknown as KeepProbabilityEpoch[], `FBNetV5: ${entry.dir}`)];
}

export function kindCharts(entry: RunEntry, history: Record<string, unknown>[]): VegaLiteSpec[] {
  // These two read files beside the history (summary.json, pareto.json) that a run may have without it.
  if (entry.kind === 'gm-nas') return gmNasCharts(entry);
  if (entry.kind === 'supernet') return supernetCharts(entry, history);
  if (history.length === 0) return [];
  switch (entry.kind) {
    case 'search':
      return [searchRunChart(readSearchRun(entry.dir))];
    case 'darts':
    case 'entrannas':
      return history.every((r) => Array.isArray(r.alphas))
        ? [dartsAlphaChart(history as unknown as DartsAlphaEpoch[], `operation weights: ${entry.dir}`)]
        : [];
    case 'pinas':
      return [pinasChart(history as unknown as PinasChartEpoch[], `Pi-NAS: ${entry.dir}`)];
    case 'fbnetv5':
      return fbnetv5Charts(entry, history);
    default:
      return [];
  }
}
