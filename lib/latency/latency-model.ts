// One interface for "what is this architecture's latency on that device": a table measured here
// (layer sums, corrected by its predictor when fitted), or a published whole-network table such as
// the NAS-Bench-201 latencies on 27 devices, so a search can target hardware that is not here.
import type { Architecture } from '../arch';
import { nb201Latency, checkNb201Device } from '../benchmarks/nb201-latency';
import type { Nb201Arch } from '../benchmarks/nb201';
import type { LatencyConditions } from './conditions';
import { estimateLatency, type LatencyTable } from './latency-table';

export interface LatencyModel<A> {
  readonly unit: 'ms';
  readonly source: string; // where the figures come from
  readonly conditions?: LatencyConditions; // for tables measured by torchnas
  latency(arch: A): number;
}

/** A torchnas table: the predictor's estimate when the table has one, else the layer sum. */
export function tableLatencyModel(table: LatencyTable): LatencyModel<Architecture> {
  return {
    unit: 'ms',
    source: `torchnas table for '${table.space}' on ${table.conditions.deviceName}, batch ${table.conditions.batch}`,
    conditions: table.conditions,
    latency: (arch) => estimateLatency(table, arch).predicted,
  };
}

/** Measured NAS-Bench-201 network latency on one of the 27 published device settings. */
export function nb201LatencyModel(device: string): LatencyModel<Nb201Arch> {
  const checked = checkNb201Device(device);
  return {
    unit: 'ms',
    source: `NAS-Bench-201 latency on ${checked} (HELP / HW-NAS-Bench, data/benchmarks/ATTRIBUTION.md)`,
    latency: (arch) => nb201Latency(arch, checked),
  };
}
