// One-shot elastic supernets: training with a sampling rule, Pareto search, extraction.
export { trainSupernet, SupernetTrainOptionsSchema, scoreSubnets, supernetData, type SupernetTrainOptions, type SupernetTrainResult,
  type SupernetRecord, type SupernetEvent, type SubnetScore } from './train-supernet';
export { searchSupernet, extractSubnet, exportSubnet, openSupernetRun, loadSupernet, frontChart, SupernetSearchOptionsSchema,
  SupernetExtractOptionsSchema, type SupernetSearchOptions, type SupernetSearchResult, type SupernetExtractOptions, type ParetoMember } from './search-supernet';
export { parseSamplerRule, type SamplerRule } from './sampler-rule';
export { buildSubnetPool, type SubnetPool } from './subnet-pool';
