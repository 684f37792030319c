// One-shot elastic supernets: training with a sampling rule (ShiftNAS included), Pareto search, extraction.
export {
  trainSupernet,
  SupernetTrainOptionsSchema,
  scoreSubnets,
  supernetData,
  type SupernetTrainOptions,
  type SupernetTrainResult,
  type SupernetRecord,
  type SupernetEvent,
  type SubnetScore,
} from './train-supernet';
export {
  searchSupernet,
  frontChart,
  SupernetSearchOptionsSchema,
  type SupernetSearchOptions,
  type SupernetSearchResult,
  type ParetoMember,
} from './search-supernet';
export {
  extractSubnet,
  exportSubnet,
  SupernetExtractOptionsSchema,
  type SupernetExtractOptions,
} from './extract-subnet';
export { openSupernetRun, loadSupernet, shiftNasEdges } from './supernet-run';
export { parseSamplerRule, type SamplerRule } from './sampler-rule';
export { buildSubnetPool, type SubnetPool } from './subnet-pool';
export {
  configureShiftNas,
  generateSubnets,
  shiftNasChartOf,
  type ShiftNasRecord,
  type GeneratedSubnet,
} from './shiftnas/shiftnas-run';
export { complexityBins, type ComplexityBins } from './shiftnas/bins';
export { decisionLayout, macsCostTerms, nativeCostTerms } from './shiftnas/cost-model';
export * from './elastic-session';
export {
  attachShiftNas,
  shiftNasStatus,
  generatorSubnets,
  pretrainGenerator,
  generatorGradientCheck,
} from './shiftnas/shiftnas-session';
