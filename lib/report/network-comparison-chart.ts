// Networks compared on one task and machine: test accuracy against measured latency, one point each,
// named, so a searched network that is both faster and at least as accurate sits up and to the left.
import type { VegaLiteSpec } from './plot';

export interface ComparedNetwork {
  name: string;
  /** e.g. 'hand-designed baseline' or 'searched'; one colour each. */
  kind: string;
  latencyMs: number;
  /** Test top-1, 0..1. */
  top1: number;
}

export function networkComparisonChart(
  networks: ComparedNetwork[],
  title: string,
  subtitle: string,
): VegaLiteSpec {
  const values = networks.map((n) => ({ ...n, top1: 100 * n.top1 }));
  const x = {
    field: 'latencyMs',
    type: 'quantitative',
    title: 'measured latency (ms)',
    scale: { zero: false, padding: 20 },
  };
  const y = {
    field: 'top1',
    type: 'quantitative',
    title: 'test top-1 (%)',
    scale: { zero: false, padding: 20 },
  };
  const kinds = [...new Set(networks.map((n) => n.kind))];
  const legend = { orient: 'bottom' };
  return {
    title: { text: title, subtitle, anchor: 'start' },
    width: 420,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          x,
          y,
          color: { field: 'kind', type: 'nominal', title: null, scale: { domain: kinds }, legend },
          shape: { field: 'kind', type: 'nominal', title: null, scale: { domain: kinds }, legend },
        },
      },
      {
        mark: { type: 'text', dx: 8, align: 'left', fontSize: 10 },
        encoding: { x, y, text: { field: 'name' } },
      },
    ],
  } as VegaLiteSpec;
}
