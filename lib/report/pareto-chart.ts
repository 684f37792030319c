// Accuracy against latency, one panel per device: the architectures as a faint cloud, the Pareto
// front as a staircase (the best accuracy reachable within each latency), and, where given, the
// latency bound of a hardware-aware search and the architectures its runs chose.
import { invalid } from '../errors';
import { nb201AccuracyColumn } from '../benchmarks/nb201';
import { nb201ParetoFront } from '../benchmarks/nb201-hardware';
import { nb201Latency, nb201LatencyColumn } from '../benchmarks/nb201-latency';
import type { SearchResult } from '../strategies';
import type { VegaLiteSpec } from './plot';

export interface LatencyAccuracy {
  latencyMs: number;
  accuracy: number;
  /** Shown on hover in a page (a subnet's encoding, an architecture string). */
  label?: string;
}

export interface ParetoPanel {
  device: string;
  /** The architectures to show as the cloud (a sample will do: the front is given whole). */
  points: LatencyAccuracy[];
  /** The Pareto front, by increasing latency. */
  front: LatencyAccuracy[];
  /** A search's latency bound (ms), drawn as a dashed vertical line. */
  bound?: number;
  /** The architectures a search chose, one per run. */
  chosen?: LatencyAccuracy[];
}

export interface ParetoChartOptions {
  title: string;
  subtitle?: string;
  accuracyTitle: string;
  /** The cost axis's title (default 'latency (ms)'): the `latencyMs` field may hold MACs too. */
  costTitle?: string;
  /** The accuracy axis starts here, what lies below out of view (the broken networks of a space pile up near chance). */
  accuracyFloor?: number;
}

export interface Nb201ParetoPanelOptions {
  /** Show every `sampleEvery`-th architecture of the 15,625 in the cloud (the front is always whole); default 16. */
  sampleEvery?: number;
  bound?: number;
  /** Runs of a search on this device and dataset: their chosen architectures are marked. */
  runs?: readonly SearchResult[];
}

/** A panel from the NB201 tables: 200-epoch test accuracy on `dataset` against latency on `device`. */
export function nb201ParetoPanel(
  dataset: string,
  device: string,
  options: Nb201ParetoPanelOptions = {},
): ParetoPanel {
  const sampleEvery = options.sampleEvery ?? 16;
  if (!Number.isInteger(sampleEvery) || sampleEvery < 1)
    throw invalid(`sampleEvery must be a positive integer, got ${sampleEvery}`);
  const accuracy = nb201AccuracyColumn(dataset, 'test', 200);
  const latency = nb201LatencyColumn(device);
  const points = [];
  for (let i = 0; i < accuracy.length; i += sampleEvery)
    points.push({ latencyMs: latency[i], accuracy: accuracy[i] });
  const chosen = options.runs?.flatMap((run) =>
    run.incumbent
      ? [{ latencyMs: nb201Latency(run.incumbent.arch, device), accuracy: run.incumbent.reported }]
      : [],
  );
  return { device, points, front: nb201ParetoFront(dataset, device), bound: options.bound, chosen };
}

type LayerKind = 'architecture' | 'front' | 'chosen' | 'bound';

/** Panels side by side, each with its own latency axis (devices differ by orders of magnitude). */
export function paretoChart(panels: readonly ParetoPanel[], options: ParetoChartOptions): VegaLiteSpec {
  if (!panels.length) throw invalid('a Pareto chart needs at least one device');
  // One table with a `kind` column: a faceted chart's layers all read the facet's data.
  const rows = panels.flatMap((panel) => {
    const row = (kind: LayerKind) => (p: LatencyAccuracy) => ({
      device: panel.device,
      kind,
      latencyMs: p.latencyMs,
      accuracy: p.accuracy,
      label: p.label ?? null,
    });
    return [
      ...panel.points.map(row('architecture')),
      ...panel.front.map(row('front')),
      ...(panel.chosen ?? []).map(row('chosen')),
      ...(panel.bound === undefined
        ? []
        : [{ device: panel.device, kind: 'bound', latencyMs: panel.bound, accuracy: null }]),
    ];
  });
  const only = (kind: LayerKind) => [{ filter: { field: 'kind', equal: kind } }];
  // Marks below the floor are dropped, not clipped: resvg 2.6.2 aborts the process on a mark wholly
  // outside the picture (thx/resvg-js#415). The front's line keeps every point and is clipped.
  const visible = (kind: LayerKind) => [
    ...only(kind),
    ...(options.accuracyFloor === undefined
      ? []
      : [{ filter: { field: 'accuracy', gte: options.accuracyFloor } }]),
  ];
  const latency = {
    field: 'latencyMs',
    type: 'quantitative',
    title: options.costTitle ?? 'latency (ms)',
    scale: { zero: false, nice: false },
  } as const;
  const accuracy = {
    field: 'accuracy',
    type: 'quantitative',
    title: options.accuracyTitle,
    scale: { zero: false, domainMin: options.accuracyFloor },
  } as const;
  // The legend names the layers; its colours are fixed here, so every panel and chart reads alike.
  // A chart without a search's choices leaves them out of its legend.
  const domain = ['architecture', 'front', ...(panels.some((p) => p.chosen?.length) ? ['chosen'] : [])];
  const legend = {
    labelExpr:
      "datum.label == 'front' ? 'Pareto front' : datum.label == 'chosen' ? 'chosen by a search run' : 'architectures (sample)'",
  };
  const color = {
    field: 'kind',
    type: 'nominal',
    title: null,
    scale: { domain, range: ['#c3cddb', '#d62728', '#1f77b4'].slice(0, domain.length) },
    legend,
  } as const;
  // Colour and shape on one field with one legend: vega-lite merges them into a single legend.
  const shape = {
    field: 'kind',
    type: 'nominal',
    title: null,
    scale: { domain, range: ['circle', 'circle', 'diamond'].slice(0, domain.length) },
    legend,
  } as const;
  // Labelled points name themselves on hover in a page (vega's tooltip; static renderers ignore it).
  const labelled = panels.some((p) => [...p.points, ...p.front].some((x) => x.label !== undefined));
  const tooltip = labelled
    ? [{ field: 'label', type: 'nominal', title: 'architecture' }, latency, accuracy]
    : undefined;
  const layers: object[] = [
    {
      transform: visible('architecture'),
      mark: { type: 'point', filled: true, size: 8, opacity: 1 },
      encoding: { x: latency, y: accuracy, color, shape, tooltip },
    },
    {
      transform: only('front'),
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5, clip: true },
      encoding: { x: latency, y: accuracy, color },
    },
    {
      transform: visible('front'),
      mark: { type: 'point', filled: true, size: 22, opacity: 1 },
      encoding: { x: latency, y: accuracy, color, shape, tooltip },
    },
  ];
  if (panels.some((p) => p.chosen?.length)) {
    layers.push({
      transform: visible('chosen'),
      mark: { type: 'point', size: 60, filled: true, opacity: 0.8 },
      encoding: { x: latency, y: accuracy, color, shape },
    });
  }
  if (panels.some((p) => p.bound !== undefined)) {
    layers.push({
      transform: only('bound'),
      mark: { type: 'rule', strokeDash: [6, 4], color: '#444' },
      encoding: { x: latency },
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, subtitle: options.subtitle },
    data: { values: rows },
    facet: {
      column: {
        field: 'device',
        type: 'nominal',
        title: null,
        sort: panels.map((p) => p.device),
        header: { labelFontSize: 13 },
      },
    },
    spec: { width: 260, height: 260, layer: layers },
    resolve: { scale: { x: 'independent' } },
  } as VegaLiteSpec;
}

/** The share of the cloud an NB201 chart leaves below its accuracy axis. */
const NB201_HIDDEN_SHARE = 0.1;

/**
 * NB201 panels (one dataset) under one title, the worst tenth of the cloud below the axis. `search`
 * names the search whose bound and choices the panels carry, e.g. "rea, 500 runs".
 */
export function nb201ParetoChart(
  dataset: string,
  panels: readonly ParetoPanel[],
  search?: string,
): VegaLiteSpec {
  const accuracies = panels.flatMap((p) => p.points.map((point) => point.accuracy)).sort((a, b) => a - b);
  const floor = Math.floor(accuracies[Math.floor(NB201_HIDDEN_SHARE * accuracies.length)] / 5) * 5;
  const bounded = panels.some((p) => p.bound !== undefined);
  return paretoChart(panels, {
    title: `NAS-Bench-201 ${dataset}: test accuracy against latency`,
    subtitle:
      `Pareto front over all 15,625 architectures; below ${floor} % (the worst ${100 * NB201_HIDDEN_SHARE} %) out of view` +
      (bounded ? `; dashed: the latency bound of the search${search ? ` (${search})` : ''}` : ''),
    accuracyTitle: 'test accuracy, 200 epochs (%)',
    accuracyFloor: floor,
  });
}
