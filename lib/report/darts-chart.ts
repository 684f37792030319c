// DARTS after a search: each edge's operation weights, softmax(alpha), over the epochs, one panel per
// edge (where a collapse to skip connections shows as the skip line rising on every edge). EnTranNAS's
// records carry the weights its cells ran (sparse ones), drawn as they are.
import { NB201_EDGES, NB201_OPS } from '../spaces/nb201/nb201-cell';
import type { VegaLiteSpec } from './plot';

export interface DartsAlphaEpoch {
  epoch: number;
  /** [edge][op] architecture logits after the epoch. */
  alphas: number[][];
  /** [edge][op] the weights the cells ran, drawn instead of softmax(alpha) where given (EnTranNAS). */
  weights?: number[][];
}

const softmax = (row: readonly number[]) => {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
};

export function dartsAlphaChart(epochs: readonly DartsAlphaEpoch[], title: string): VegaLiteSpec {
  const edgeName = (e: number) => `edge ${NB201_EDGES[e][1]} -> ${NB201_EDGES[e][0]}`;
  const values = epochs.flatMap(({ epoch, alphas, weights }) =>
    alphas.flatMap((row, e) =>
      (weights ? weights[e] : softmax(row)).map((weight, o) => ({
        epoch,
        edge: edgeName(e),
        op: NB201_OPS[o],
        weight,
      })),
    ),
  );
  const drawn = epochs.some((e) => e.weights) ? 'operation weight' : 'softmax(alpha)';
  return {
    title: { text: title, anchor: 'start' },
    data: { values },
    facet: { field: 'edge', type: 'nominal', title: null, sort: NB201_EDGES.map((_, e) => edgeName(e)) },
    columns: 3,
    spec: {
      width: 200,
      height: 140,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        // Not from 0: early in a search the weights sit near 1/5 and move by little.
        y: { field: 'weight', type: 'quantitative', title: drawn, scale: { zero: false } },
        color: { field: 'op', type: 'nominal', sort: [...NB201_OPS], title: 'operation' },
      },
    },
  } as VegaLiteSpec;
}
