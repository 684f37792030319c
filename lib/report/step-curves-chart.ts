// The epoch in progress, step by step (steps.jsonl): its loss, top-1 and whatever else the method's
// progress reports, one panel per figure, so a run page shows movement before an epoch commits.
import type { VegaLiteSpec } from './plot';

/** Counters and timings: the x axis or not a curve. */
const NOT_CURVES = new Set([
  'epoch',
  'step',
  'steps',
  'globalStep',
  'archSteps',
  'time',
  'leaf',
  'imagesPerSecond',
  'seconds',
]);
const MAX_PANELS = 4;

/** The figures to draw: loss and top-1 first, then the others in the order the method reports them. */
export function stepPanels(lines: readonly Record<string, number>[]): string[] {
  const keys = [...new Set(lines.flatMap((l) => Object.keys(l)))].filter((k) => !NOT_CURVES.has(k));
  const rank = (k: string) => (k === 'loss' ? 0 : k === 'top1' ? 1 : 2);
  return keys.sort((a, b) => rank(a) - rank(b)).slice(0, MAX_PANELS);
}

export function stepCurvesChart(lines: readonly Record<string, number>[], title: string): VegaLiteSpec {
  const panels = stepPanels(lines);
  const values = lines.flatMap((line, i) =>
    panels.flatMap((panel) =>
      line[panel] === undefined ? [] : [{ step: line.step ?? i + 1, panel, value: line[panel] }],
    ),
  );
  return {
    title: { text: title, anchor: 'start' },
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
    columns: 2,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 300,
      height: 140,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step', axis: { format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        tooltip: [
          { field: 'step', type: 'quantitative' },
          { field: 'value', type: 'quantitative', format: '.4f' },
        ],
      },
    },
  } as VegaLiteSpec;
}
