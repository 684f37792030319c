export * from './conditions';
export * from './layer-keys';
export * from './latency-table';
export * from './predictor';
export * from './profiler';
export * from './table-builder';
export * from './latency-model';
export * from './search-latency-table';
