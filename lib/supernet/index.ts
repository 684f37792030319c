// One-shot elastic supernets: training with a sampling rule, Pareto search, extraction.
export { trainSupernet, SupernetTrainOptionsSchema, scoreSubnets, supernetData, type SupernetTrainOptions, type SupernetTrainResult,
  type SupernetRecord, type SupernetEvent, type SubnetScore } from './train-supernet';
export { searchSupernet, frontChart, SupernetSearchOptionsSchema, type SupernetSearchOptions, type SupernetSearchResult,
  type ParetoMember } from './search-supernet';
export { extractSubnet, exportSubnet, SupernetExtractOptionsSchema, type SupernetExtractOptions } from './extract-subnet';
export { openSupernetRun, loadSupernet } from './supernet-run';
export { parseSamplerRule, type SamplerRule } from './sampler-rule';
export { buildSubnetPool, type SubnetPool } from './subnet-pool';
