// torchnas: neural architecture search for Node.js on a native LibTorch addon.
export * from './errors';
export * from './arch';
export {
  Dataset,
  DATASETS,
  DATASET_NAMES,
  loadDataset,
  augmentationFor,
  syntheticDataset,
  type DatasetName,
  type Split,
  type SyntheticDatasetOptions,
} from './data/datasets';
export {
  loadImageFolder,
  IMAGENET_MEAN,
  IMAGENET_STD,
  AugmentSchema,
  type ImageFolderOptions,
  type FileDatasetName,
  type DatasetAugment,
} from './data/datasets';
export { reportSkippedImages } from './data/skipped-images';
export { Session, type SessionOptions, type TrainingConfig } from './train/session';
export {
  train,
  resolveTrainOptions,
  TrainOptionsSchema,
  type TrainOptions,
  type TrainResult,
  type TrainEvent,
} from './train/trainer';
export { info } from './info';
export * from './spaces';
export {
  proxyless,
  ProxylessOptionsSchema,
  type ProxylessOptions,
  type ProxylessResult,
  type SearchEvent,
  type SearchRecord,
} from './proxyless/proxyless';
export * from './proxyless/proxyless-session';
export * from './benchmarks';
export * from './strategies';
export * from './latency';
export * from './report';
export * from './proxies';
export * from './supernet';
export * from './fbnetv5';
export * from './random-supernet';
export * from './pnas';
export * from './darts';
export * from './pinas';
export { eventStream, type EventStream } from './run/event-stream';
export type { RunControl } from './run/run-method';
export * from './export';
export {
  dominates,
  nondominatedSort,
  crowdingDistance,
  hypervolume,
  paretoFront as objectivesParetoFront,
  type Objectives,
} from './search/pareto';
export {
  paretoEvolution,
  type EvolutionOperators,
  type ParetoEvolutionOptions,
  type Evaluated,
} from './search/pareto-evolution';
export * from './dist';
export * from './gmnas';
