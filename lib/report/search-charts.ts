// Plots of a ProxylessNAS search from its run directory (run.json, state.json, and summary.json once
// the search has finished), so a search can be looked at while it runs or long after: the
// architecture probabilities of every edge over the epochs, and where the derived (argmax) network
// of each epoch lies in latency and accuracy.
import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../errors';
import type { SearchRecord } from '../proxyless/proxyless';
import { parseChainSpace, resolveSpace } from '../spaces';
import { readRunState, RUN_FILE, SUMMARY_FILE } from '../run/run-state';
import { readJson } from '../util/json-file';
import { plotFormat, renderChart, type VegaLiteSpec } from './plot';
import { plural } from '../util/plural';

export interface SearchRun {
  runDir: string;
  space: string;
  dataset: string;
  /** Per edge: its label, its candidates, and each candidate's op (the space's template, or 'zero'). */
  edges: { label: string; candidates: string[]; ops: string[] }[];
  history: SearchRecord[];
  latencyUnit: string;
  target?: number;
  /** The derived network retrained from scratch: its latency and test top-1 (0..1). */
  retrained?: { latency: number; top1: number };
}

interface RunFile {
  options: { dataset: string; latencyLoss: string; target?: number };
  space: unknown;
  latencyUnit?: string;
}

interface SummaryFile {
  latency: number;
  retrain?: { test: { top1: number } };
}

export function readSearchRun(runDir: string): SearchRun {
  const run = readJson<RunFile>(path.join(runDir, RUN_FILE), 'search run description');
  const state = readRunState<SearchRecord>(runDir);
  if (!state?.history.length)
    throw new TorchnasError('E_IO', `'${runDir}' holds no finished search epoch yet`);
  if (state.history[0].type !== 'search-epoch')
    throw new TorchnasError('E_DATA', `'${runDir}' is a training run, not a search`);
  const space = parseChainSpace(run.space);
  const edges = resolveSpace(space).edges.map((edge) => ({
    label: edge.label,
    candidates: edge.candidates,
    ops: edge.candidates.map((_, j) => space.candidates[j] ?? 'zero'),
  }));
  const summaryFile = path.join(runDir, SUMMARY_FILE);
  const summary = fs.existsSync(summaryFile)
    ? readJson<SummaryFile>(summaryFile, 'search summary')
    : undefined;
  return {
    runDir,
    space: space.name,
    dataset: run.options.dataset,
    edges,
    history: state.history,
    latencyUnit: run.latencyUnit ?? 'table units',
    target: run.options.latencyLoss === 'none' ? undefined : run.options.target,
    retrained: summary?.retrain && { latency: summary.latency, top1: summary.retrain.test.top1 },
  };
}

/** At most `count` items, evenly spread, the first and the last always among them. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return [
    ...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (items.length - 1)) / (count - 1)))),
  ].map((i) => items[i]);
}

const CELL_PX = 16;

/** Heatmaps of edge × candidate probability, side by side for up to `maxEpochs` epochs; a dot marks each edge's argmax. */
export function probabilityChart(run: SearchRun, maxEpochs = 6): VegaLiteSpec {
  const records = spread(run.history, maxEpochs);
  const ops = [...new Set(run.edges.flatMap((edge) => edge.ops))];
  const rows = records.flatMap((record) =>
    run.edges.flatMap((edge, e) =>
      edge.ops.map((op, j) => ({
        epoch: record.epoch,
        panel: `epoch ${record.epoch}${record.updatedArch ? '' : ' (warm-up)'}`,
        edge: edge.label,
        op,
        probability: record.probabilities[e][j],
        argmax: record.derived[e] === edge.candidates[j],
      })),
    ),
  );
  const cell = {
    x: { field: 'op', type: 'nominal', title: 'candidate', sort: ops },
    y: {
      field: 'edge',
      type: 'nominal',
      title: 'edge (stage.block)',
      sort: run.edges.map((edge) => edge.label),
    },
  };
  return {
    title: { text: 'Architecture probabilities', fontSize: 12 },
    data: { values: rows },
    facet: { field: 'panel', type: 'ordinal', title: null, sort: { field: 'epoch' } },
    columns: records.length,
    spec: {
      width: CELL_PX * ops.length,
      height: CELL_PX * run.edges.length,
      layer: [
        {
          mark: 'rect',
          encoding: {
            ...cell,
            color: {
              field: 'probability',
              type: 'quantitative',
              title: 'probability',
              scale: { domainMin: 0, scheme: 'blues' },
            },
          },
        },
        {
          transform: [{ filter: 'datum.argmax' }],
          mark: { type: 'circle', size: 14, color: '#d62728', opacity: 1 },
          encoding: cell,
        },
      ],
    },
  } as VegaLiteSpec;
}

/**
 * The derived network of each epoch that updated the architecture: its latency against the top-1 of
 * that epoch's architecture steps (validation images, through sampled paths), epochs joined in order;
 * the latency target dashed; the retrained network's test top-1, once there is one.
 */
export function derivedChart(run: SearchRun): VegaLiteSpec {
  const searched = 'search epoch (validation, sampled paths)';
  const retrain = 'retrained from scratch (test)';
  // Runs written before records carried derivedLatency have none to show.
  const epochs = run.history
    .filter((r) => r.arch.steps > 0 && typeof r.derivedLatency === 'number')
    .map((r) => ({
      kind: searched,
      epoch: r.epoch,
      latency: r.derivedLatency,
      top1: 100 * r.arch.top1,
      label: `${r.epoch}`,
    }));
  const retrained = run.retrained
    ? [{ kind: retrain, latency: run.retrained.latency, top1: 100 * run.retrained.top1, label: 'retrained' }]
    : [];
  const x = {
    field: 'latency',
    type: 'quantitative',
    title: `latency of the derived network (${run.latencyUnit})`,
    scale: { zero: false },
  };
  const y = { field: 'top1', type: 'quantitative', title: 'top-1 accuracy (%)', scale: { zero: false } };
  // Colour and shape on one field, one legend, naming only what is drawn.
  const legend = { orient: 'bottom' };
  const kinds = retrained.length ? [searched, retrain] : [searched];
  const color = {
    field: 'kind',
    type: 'nominal',
    title: null,
    scale: { domain: kinds, range: ['#1f77b4', '#d62728'] },
    legend,
  };
  const shape = {
    field: 'kind',
    type: 'nominal',
    title: null,
    scale: { domain: kinds, range: ['circle', 'square'] },
    legend,
  };
  const layers: object[] = [
    {
      data: { values: epochs },
      mark: { type: 'line', color: '#9bbbd9' },
      encoding: { x, y, order: { field: 'epoch' } },
    },
    {
      data: { values: [...epochs, ...retrained] },
      mark: { type: 'point', filled: true, size: 60 },
      encoding: { x, y, color, shape },
    },
    {
      data: { values: [...epochs, ...retrained] },
      mark: { type: 'text', dx: 7, align: 'left', fontSize: 10 },
      encoding: { x, y, text: { field: 'label' } },
    },
  ];
  if (run.target !== undefined) {
    layers.push({
      data: { values: [{ target: run.target, label: `target ${run.target}` }] },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [6, 4], color: '#444' },
          encoding: { x: { field: 'target', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', y: 0, dy: 8, dx: 4, align: 'left', color: '#444', fontSize: 10 },
          encoding: { x: { field: 'target', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
    });
  }
  return {
    title: { text: 'The derived (most likely) network after each epoch', fontSize: 12 },
    width: 420,
    height: 260,
    layer: layers,
  } as VegaLiteSpec;
}

/** Both charts of a search, one above the other. */
export function searchRunChart(run: SearchRun): VegaLiteSpec {
  const epochs = run.history.length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `ProxylessNAS search: ${run.space} on ${run.dataset}`,
      subtitle: `${plural(epochs, 'epoch')} from ${run.runDir}; the dot marks each edge's most likely candidate`,
    },
    vconcat: [probabilityChart(run), derivedChart(run)],
    resolve: {
      legend: { color: 'independent', shape: 'independent' },
      scale: { color: 'independent', shape: 'independent' },
    },
  } as VegaLiteSpec;
}

export async function plotSearchRun(runDir: string, out: string): Promise<void> {
  plotFormat(out); // before reading the run
  await renderChart(searchRunChart(readSearchRun(runDir)), out);
}
