// Options every training-like command shares for data parallelism and gradient accumulation.
import { Command } from 'commander';
import { distributedFromEnv, type ResolvedDistributed } from './rendezvous';
import { wholeNumber as int } from '../util/option-parsers';

export function addParallelOptions(command: Command): Command {
  return command
    .option(
      '--micro-batches <k>',
      'run each batch as k equal parts, gradients averaged (gradient accumulation)',
      int('--micro-batches'),
    )
    .option(
      '--dist-url <url>',
      'rank 0 as tcp://host:port (default: MASTER_ADDR/MASTER_PORT; see torchnas launch)',
    )
    .option(
      '--dist-timeout <s>',
      'seconds a rank waits for its peers before the run fails (default 300)',
      int('--dist-timeout'),
    )
    .option('--sync-bn', "data parallel: BatchNorm normalizes over every rank's images (SyncBatchNorm)");
}

/** The run options these flags give: micro-batches, and the group from torchrun's environment. */
export function parallelOptions(o: {
  microBatches?: number;
  distUrl?: string;
  distTimeout?: number;
  syncBn?: boolean;
}): { microBatches?: number; distributed?: ResolvedDistributed } {
  const distributed = distributedFromEnv(
    process.env,
    o.distUrl,
    o.distTimeout !== undefined ? o.distTimeout * 1000 : undefined,
    o.syncBn,
  );
  return { microBatches: o.microBatches, ...(distributed ? { distributed } : {}) };
}
