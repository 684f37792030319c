// Pi-NAS after a supernet training: per epoch the consistency loss (the crossed InfoNCE terms), the
// crossed positives' cosine and, with a ground truth, Kendall tau of the supernet's ranking; one panel
// each, since their scales differ.
import type { VegaLiteSpec } from './plot';

export interface PinasChartEpoch {
  epoch: number;
  contrastive: number;
  positive: number;
  tau?: number;
}

const PANELS = ['consistency loss', 'positive cosine', 'Kendall tau vs ground truth'] as const;

export function pinasChart(epochs: readonly PinasChartEpoch[], title: string): VegaLiteSpec {
  const values = epochs.flatMap((e) => [
    { epoch: e.epoch, panel: PANELS[0], value: e.contrastive },
    { epoch: e.epoch, panel: PANELS[1], value: e.positive },
    ...(e.tau === undefined ? [] : [{ epoch: e.epoch, panel: PANELS[2], value: e.tau }]),
  ]);
  return {
    title: { text: title, anchor: 'start' },
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: [...PANELS] },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220,
      height: 150,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
      },
    },
  } as VegaLiteSpec;
}
