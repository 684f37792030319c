// Anytime curves: how good the incumbent (the best-so-far architecture by the search's own signal)
// is after each step of a search, as mean ± std over seeded runs, one curve per strategy.
import { invalid } from '../errors';
import { nb201Best } from '../benchmarks/nb201';
import { TNB101_METRICS, type Tnb101Task } from '../benchmarks/tnb101';
import type { Tnb101ExperimentResult } from '../benchmarks/tnb101-experiment';
import { meanAndStd, type Nb201ExperimentResult } from '../benchmarks/nb201-experiment';
import { isMultiFidelity, reportedAt, type AnytimeAxis, type SearchResult } from '../strategies';
import type { VegaLiteSpec } from './plot';

export interface AnytimeSummaryPoint {
  x: number;
  mean: number;
  std: number;
  /** Runs that had an incumbent by `x` (the mean is over these). */
  runs: number;
}

export interface AnytimeSeries {
  name: string;
  points: AnytimeSummaryPoint[];
}

export interface ReferenceLine {
  label: string;
  value: number;
}

export interface AnytimeChartOptions {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  /** Dashed horizontal lines, e.g. the optimum of the table. */
  references?: ReferenceLine[];
}

/**
 * Mean and std over runs of the incumbent's reported figure on a grid of at most `gridSize` steps up
 * to the longest run (a run that stopped earlier keeps its last incumbent). By cost is the fairer
 * axis where strategies evaluate at different fidelities.
 */
export function anytimeSeries(
  name: string,
  runs: readonly SearchResult[],
  axis: AnytimeAxis = 'evaluations',
  gridSize = 100,
): AnytimeSeries {
  if (!runs.length) throw invalid(`anytime series '${name}' needs at least one run`);
  const end = Math.max(...runs.map((run) => run.curve.at(-1)?.[axis] ?? 0));
  const grid = [
    ...new Set(Array.from({ length: gridSize }, (_, i) => Math.round((end * (i + 1)) / gridSize))),
  ].filter((x) => x > 0);
  const points: AnytimeSummaryPoint[] = [];
  for (const x of grid) {
    const values = runs.map((run) => reportedAt(run, axis, x)).filter((v) => !Number.isNaN(v));
    if (values.length) points.push({ x, ...meanAndStd(values), runs: values.length });
  }
  return { name, points };
}

/** The share of the x axis whose values do not set the y axis. */
const WARM_UP_SHARE = 0.1;

/**
 * One line per series with its ± std band, and the reference lines dashed and labelled at the right.
 * The y axis spans the bands from a tenth of the way on: the first evaluations, a few random
 * architectures with a spread of tens of points, would otherwise squash where the curves differ.
 */
export function anytimeChart(series: readonly AnytimeSeries[], options: AnytimeChartOptions): VegaLiteSpec {
  if (!series.length || series.every((s) => !s.points.length))
    throw invalid('an anytime chart needs at least one series with points');
  const points = series.flatMap((s) => s.points.map((p) => ({ series: s.name, ...p })));
  const references = options.references ?? [];
  const end = Math.max(...points.map((p) => p.x));
  const settled = points.filter((p) => p.x >= WARM_UP_SHARE * end);
  const low = Math.min(...settled.map((p) => p.mean - p.std));
  const high = Math.max(...settled.map((p) => p.mean + p.std), ...references.map((r) => r.value));
  const margin = 0.03 * (high - low || 1);
  const yDomain = [low - margin, high + margin];
  // Bands are cut to the axis here rather than clipped: resvg fills an area reaching far outside the
  // picture wrongly (its edge drawn across the chart).
  const within = (y: number) => Math.min(Math.max(y, yDomain[0]), yDomain[1]);
  const rows = points.map((p) => ({
    series: p.series,
    x: p.x,
    mean: p.mean,
    lower: within(p.mean - p.std),
    upper: within(p.mean + p.std),
    runs: p.runs,
  }));
  const x = { field: 'x', type: 'quantitative', title: options.xTitle } as const;
  // Band and line share one colour encoding, legend included, so vega-lite draws a single legend.
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: series.map((s) => s.name),
    legend: {
      orient: 'bottom-right',
      fillColor: 'white',
      padding: 6,
      strokeColor: '#ccc',
      symbolType: 'stroke',
      symbolStrokeWidth: 2,
      symbolOpacity: 1,
    },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, subtitle: options.subtitle },
    width: 520,
    height: 320,
    layer: [
      {
        data: { values: rows },
        layer: [
          {
            mark: { type: 'area', opacity: 0.15 },
            encoding: { x, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, color },
          },
          {
            // Clipping a line is safe (see pareto-chart.ts): it is one path, and always partly in view.
            mark: { type: 'line', strokeWidth: 2, clip: true },
            encoding: {
              x,
              y: {
                field: 'mean',
                type: 'quantitative',
                title: options.yTitle,
                scale: { domain: yDomain, nice: false, zero: false },
              },
              color,
            },
          },
        ],
      },
      ...(references.length
        ? ([
            {
              data: { values: references },
              layer: [
                {
                  mark: { type: 'rule', strokeDash: [6, 4], color: '#444' },
                  encoding: { y: { field: 'value', type: 'quantitative' } },
                },
                {
                  mark: {
                    type: 'text',
                    align: 'right',
                    baseline: 'bottom',
                    dy: -3,
                    x: 'width',
                    color: '#444',
                  },
                  encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' } },
                },
              ],
            },
          ] as VegaLiteSpec[])
        : []),
    ],
  } as VegaLiteSpec;
}

/**
 * Experiments of several strategies on one NB201 dataset, with the table's optimum dashed. Read
 * against evaluations, unless a strategy evaluates at several fidelities: then against simulated
 * training epochs, where a 200-epoch evaluation weighs what it costs.
 */
export function nb201AnytimeChart(results: readonly Nb201ExperimentResult[]): VegaLiteSpec {
  if (!results.length) throw invalid('an anytime chart needs at least one experiment');
  const { dataset, budgetEpochs } = results[0];
  if (results.some((r) => r.dataset !== dataset))
    throw invalid('an anytime chart compares strategies on one dataset');
  const axis: AnytimeAxis = results.some((r) => isMultiFidelity(r.strategy)) ? 'cost' : 'evaluations';
  const runs = [...new Set(results.map((r) => r.runs.length))].join(' or ');
  const optimum = nb201Best(dataset).accuracy;
  return anytimeChart(
    results.map((r) => anytimeSeries(r.strategy, r.runs, axis)),
    {
      title: `NAS-Bench-201 ${dataset}: test accuracy of the best architecture so far`,
      subtitle: `best by validation accuracy; mean ± std over ${runs} seeded runs of ${budgetEpochs} simulated training epochs`,
      xTitle: axis === 'cost' ? 'simulated training epochs' : 'architectures evaluated',
      yTitle: 'test accuracy, 200 epochs (%)',
      references: [{ label: `optimum ${optimum.toFixed(2)}`, value: optimum }],
    },
  );
}

/** One TransNAS-Bench-101 task of an experiment: each strategy's incumbent figure over queries. */
export function tnb101AnytimeChart(result: Tnb101ExperimentResult, task: string): VegaLiteSpec {
  const cells = result.cells.filter((c) => c.task === task);
  const reference = result.references.find((r) => r.task === task);
  if (!cells.length || !reference) throw invalid(`the experiment did not search task '${task}'`);
  const runs = cells[0].runs.length;
  return anytimeChart(
    cells.map((c) => anytimeSeries(c.strategy, c.runs, 'evaluations')),
    {
      title: `TransNAS-Bench-101 ${result.space}, ${task}: best architecture so far`,
      subtitle: `mean ± std over ${runs} seeded runs of ${result.queries} queries`,
      xTitle: 'architectures queried',
      yTitle: TNB101_METRICS[task as Tnb101Task],
      references: [{ label: `optimum ${reference.best.toFixed(3)}`, value: reference.best }],
    },
  );
}
