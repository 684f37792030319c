// Tabular NAS benchmarks shipped with torchnas (NAS-Bench-201 accuracies, latencies, costs and stored
// zero-cost proxies, TransNAS-Bench-101), the NB201 network's cost model, and NB201 as an objective
// for the search strategies in ../strategies.
// The cell's encoding and cost live with the space (lib/spaces/nb201); the benchmark re-exports them.
export * from '../spaces/nb201/nb201-cell';
export * from '../spaces/nb201/nb201-network';
export * from './nb201';
export * from './nb201-latency';
export * from './nb201-hardware';
export * from './nb201-objective';
export * from './nb201-experiment';
export * from './nb201-session';
export * from './nb201-zero-cost';
export * from './tnb101';
export * from './tnb101-objective';
export * from './tnb101-experiment';
export { benchmarkDataDir } from './table-files';
