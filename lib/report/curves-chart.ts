// Loss and top-1 per epoch of one run or several overlaid (training and, where the run measured it,
// validation), one panel per figure: the curves of every run page and of `torchnas runs` comparisons.
import type { VegaLiteSpec } from './plot';

export interface CurveRun {
  name: string;
  history: readonly Record<string, unknown>[];
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The points of one epoch record: train figures at the top level or under `train`, valid under `valid`. */
function points(
  run: CurveRun,
): { run: string; epoch: number; panel: string; split: string; value: number }[] {
  return run.history.flatMap((r, i) => {
    const epoch = num(r.epoch) ?? i + 1;
    const train = (r.train ?? {}) as Record<string, unknown>;
    const valid = (r.valid ?? {}) as Record<string, unknown>;
    const found: [string, string, number | undefined][] = [
      ['loss', 'train', num(r.loss) ?? num(train.loss)],
      ['top-1', 'train', num(r.top1) ?? num(train.top1)],
      ['loss', 'valid', num(valid.loss)],
      ['top-1', 'valid', num(valid.top1)],
    ];
    return found.flatMap(([panel, split, value]) =>
      value === undefined ? [] : [{ run: run.name, epoch, panel, split, value }],
    );
  });
}

/** Whole-epoch ticks, at most about ten (vega's own ticks fall between epochs on short runs). */
function epochTicks(values: { epoch: number }[]): number[] {
  const last = Math.max(1, ...values.map((v) => v.epoch));
  const step = Math.ceil(last / 10);
  return Array.from({ length: Math.floor(last / step) }, (_, i) => (i + 1) * step);
}

export function epochCurvesChart(runs: readonly CurveRun[], title: string): VegaLiteSpec {
  const values = runs.flatMap(points);
  return {
    title: { text: title, anchor: 'start' },
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: ['loss', 'top-1'] },
    columns: 2,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 300,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'epoch',
          type: 'quantitative',
          title: 'epoch',
          axis: { values: epochTicks(values), format: 'd' },
        },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: {
          field: 'run',
          type: 'nominal',
          title: runs.length > 1 ? 'run' : null,
          legend: runs.length > 1 ? {} : null,
        },
        strokeDash: {
          field: 'split',
          type: 'nominal',
          title: 'split',
          legend: {
            symbolOpacity: 0,
            labelExpr: "datum.label == 'valid' ? 'valid (dashed)' : 'train (solid)'",
          },
        },
        tooltip: [
          { field: 'run', type: 'nominal' },
          { field: 'epoch', type: 'quantitative' },
          { field: 'split', type: 'nominal' },
          { field: 'value', type: 'quantitative', format: '.4f' },
        ],
      },
    },
  } as VegaLiteSpec;
}
