// Tabular NAS benchmarks shipped with torchnas (NAS-Bench-201 accuracies and latencies,
// TransNAS-Bench-101), and NB201 as an objective for the search strategies in ../strategies.
export * from './nb201-cell';
export * from './nb201';
export * from './nb201-latency';
export * from './nb201-hardware';
export * from './nb201-objective';
export * from './nb201-experiment';
export * from './tnb101';
export { benchmarkDataDir } from './table-files';
