export * from './conditions';
export * from './layer-keys';
export * from './latency-table';
export * from './predictor';
export * from './profiler';
export * from './table-builder';
export * from './latency-model';
export * from './search-latency-table';
export { startLatencyAgent, type AgentOptions, type LatencyAgent } from './remote/agent';
export type { AgentDevice, AgentLimits } from './remote/agent-protocol';
export {
  adaptPrior,
  fitAlone,
  metaLearnPrior,
  predictFewShot,
  type FewShotPredictor,
  type FewShotPrior,
  type LatencySample,
} from './few-shot/few-shot-predictor';
export { readLatencySamples, sampleLatencies, type LatencySamples } from './few-shot/latency-samples';
export { readFewShotFile, type FewShotFile } from './few-shot/few-shot-file';
