export { DistributedOptionsSchema, parseDistributed, parseDistUrl, distributedFromEnv, threadsPerRank, deviceForRank,
  type DistributedOptions, type ResolvedDistributed } from './rendezvous';
export { openRunSession, stepsPerEpoch, type RunSessionOptions } from './run-session';
export { launch, rankEnvironment, LaunchOptionsSchema, type LaunchOptions, type LaunchOutcome } from './launch';
