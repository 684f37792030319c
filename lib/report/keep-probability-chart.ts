// FBNetV5 after a search: each task's keep-probability of every block, as a grid (blocks across,
// tasks down, colour = probability, a dot where the derived network keeps the block), and how the
// probabilities moved over the epochs, one line per block, faceted by task.
import type { VegaLiteSpec } from './plot';

export interface KeepProbabilityEpoch {
  epoch: number;
  /** [task] -> probability per block */
  probabilities: Record<string, number[]>;
}

export function keepProbabilityChart(
  blockNames: string[],
  epochs: KeepProbabilityEpoch[],
  title: string,
): VegaLiteSpec {
  const last = epochs[epochs.length - 1];
  const tasks = Object.keys(last.probabilities);
  const cells = tasks.flatMap((task) =>
    last.probabilities[task].map((p, b) => ({ task, block: blockNames[b], p, kept: p > 0.5 })),
  );
  const lines = epochs.flatMap((e) =>
    tasks.flatMap((task) =>
      e.probabilities[task].map((p, b) => ({ epoch: e.epoch, task, block: blockNames[b], p })),
    ),
  );
  return {
    title: { text: title, anchor: 'start' },
    vconcat: [
      {
        title: 'keep-probability after the last epoch (dot: kept by the derived network)',
        width: Math.max(240, 18 * blockNames.length),
        height: 28 * tasks.length,
        data: { values: cells },
        encoding: {
          x: {
            field: 'block',
            type: 'ordinal',
            sort: blockNames,
            title: 'block (stage.branch.position; branch 0 = highest resolution)',
          },
          y: { field: 'task', type: 'nominal', sort: tasks, title: null },
        },
        layer: [
          {
            mark: 'rect',
            encoding: {
              color: {
                field: 'p',
                type: 'quantitative',
                title: 'keep p',
                scale: { domain: [0, 1], scheme: 'blues' },
              },
            },
          },
          {
            transform: [{ filter: 'datum.kept' }],
            mark: { type: 'point', filled: true, color: 'black', size: 20 },
          },
        ],
      },
      {
        data: { values: lines },
        facet: { column: { field: 'task', type: 'nominal', sort: tasks, title: null } },
        spec: {
          width: 200,
          height: 160,
          mark: { type: 'line', opacity: 0.7 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1, format: 'd' } },
            y: { field: 'p', type: 'quantitative', title: 'keep-probability', scale: { domain: [0, 1] } },
            color: { field: 'block', type: 'nominal', sort: blockNames, legend: null },
          },
        },
      },
    ],
  } as VegaLiteSpec;
}
