export {
  gmNas,
  GmNasOptionsSchema,
  type GmNasOptions,
  type GmNasResult,
  type GmEvent,
  type GmEpochRecord,
} from './gm-run';
export {
  bestTwoWaySplit,
  randomTwoWaySplit,
  cosineDistances,
  meanCosineDistances,
  type TwoWaySplit,
} from './partition';
export { leaves, leafOf, rootNode, splitNode, countPaths, type GmNode, type SplitRecord } from './split-tree';
export { openPathSpace, describePath, type PathSpace } from './path-space';
export { samplePaths, type LeafResult, type ScoredPath } from './select-architectures';
export { nb201SubnetTensors } from './nb201-subnet-weights';
export {
  setPathMasks,
  pathMasks,
  oneShotEpoch,
  oneShotPaths,
  evaluateArchitectures,
  matchGradients,
  probePath,
  buildPathSupernet,
} from './path-session';
