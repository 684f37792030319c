// ShiftNAS over a training run: the bin probabilities B after each epoch (one line per MACs bin), and
// the generator's subnets at the bin centres after the last epoch: achieved MACs against the target,
// beside the line where they are equal.
import type { VegaLiteSpec } from './plot';

export interface ShiftNasEpochPoint {
  epoch: number;
  probabilities: number[];
}

export interface GeneratorPoint {
  targetMmacs: number;
  achievedMmacs: number;
}

export function shiftNasChart(
  epochs: ShiftNasEpochPoint[],
  binLabels: string[],
  generated: GeneratorPoint[],
  title: string,
): VegaLiteSpec {
  const probabilities = epochs.flatMap((e) =>
    e.probabilities.map((p, b) => ({ epoch: e.epoch, bin: binLabels[b], probability: p })),
  );
  const top = Math.max(...generated.flatMap((g) => [g.targetMmacs, g.achievedMmacs]));
  const diagonal = [
    { targetMmacs: 0, achievedMmacs: 0 },
    { targetMmacs: top, achievedMmacs: top },
  ];
  const mmacs = { type: 'quantitative', scale: { zero: true } };
  return {
    title: { text: title, anchor: 'start' },
    hconcat: [
      {
        title: 'bin probabilities B after each epoch',
        width: 320,
        height: 240,
        data: { values: probabilities },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'probability', type: 'quantitative', title: 'B (sampling probability)' },
          color: {
            field: 'bin',
            type: 'nominal',
            title: 'MACs bin (M)',
            sort: binLabels,
            legend: { orient: 'bottom', columns: 4 },
          },
        },
      },
      {
        title: "the generator's subnet at each bin centre",
        width: 240,
        height: 240,
        layer: [
          {
            data: { values: diagonal },
            mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
            encoding: { x: { field: 'targetMmacs', ...mmacs }, y: { field: 'achievedMmacs', ...mmacs } },
          },
          {
            data: { values: generated },
            mark: { type: 'point', filled: true, size: 70 },
            encoding: {
              x: { field: 'targetMmacs', ...mmacs, title: 'target MACs (M)' },
              y: { field: 'achievedMmacs', ...mmacs, title: 'achieved MACs (M)' },
            },
          },
        ],
      },
    ],
  } as VegaLiteSpec;
}
