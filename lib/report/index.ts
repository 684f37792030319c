// Plots of what torchnas measures: anytime curves of search strategies, accuracy-latency Pareto
// fronts, and ProxylessNAS searches, as vega-lite specs rendered to SVG or PNG.
export * from './plot';
export * from './anytime-chart';
export * from './pareto-chart';
export * from './search-charts';
export * from './network-comparison-chart';
export * from './shiftnas-chart';
export * from './keep-probability-chart';
export * from './split-tree-chart';
export * from './darts-chart';
export * from './pinas-chart';
