// The session a long run (train, search, supernet) works in: one process, or one rank of a
// data-parallel group when the run's options carry `distributed`.
import { TorchnasError } from '../errors';
import { native } from '../native';
import { Session } from '../train/session';
import { deviceForRank, parseDistributed, type DistributedOptions } from './rendezvous';

export interface RunSessionOptions {
  device: string;
  threads: number;
  seed: number;
  precision: 'fp32' | 'bf16';
  channelsLast: boolean | 'auto';
  microBatches: number;
  /** Images per step on each rank; checked against microBatches. */
  batchSize?: number;
  distributed?: DistributedOptions;
}

export async function openRunSession(o: RunSessionOptions): Promise<Session> {
  if (o.batchSize !== undefined && o.batchSize % o.microBatches !== 0) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `batchSize ${o.batchSize} does not split into microBatches ` +
      `${o.microBatches} equal parts: give a batch size that is a multiple of it`, ['batchSize', 'microBatches']);
  }
  const group = o.distributed ? parseDistributed(o.distributed) : undefined;
  const cuda = group ? native().info().cudaAvailable : false;
  const session = new Session({
    device: group ? deviceForRank(o.device, group.localRank, cuda) : o.device,
    threads: o.threads, seed: o.seed, precision: o.precision, channelsLast: o.channelsLast, microBatches: o.microBatches,
  });
  if (!group) return session;
  try {
    await session.connectDistributed(group);
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}

/** Optimizer steps in an epoch of `size` images: each step takes batchSize images on every rank. */
export function stepsPerEpoch(size: number, batchSize: number, worldSize: number): number {
  return worldSize > 1 ? Math.floor(size / (batchSize * worldSize)) : Math.ceil(size / batchSize);
}
