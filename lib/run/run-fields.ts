// Options every long run shares (training, search): where and how it runs, its seed and its folder.
import { z } from 'zod';
import { ThreadsSchema } from '../util/threads';
import { DistributedOptionsSchema, threadsPerRank } from '../dist/rendezvous';
import { ChannelsLastSchema, DeviceSchema } from '../train/session';
import { TorchnasError } from '../errors';
import { native } from '../native';

/** Where a run executes: a method runs on the CUDA device and in bf16 when asked, or refuses them. */
export const PLACEMENT_FIELDS = {
  device: DeviceSchema.default('auto'),
  threads: ThreadsSchema.default(() => threadsPerRank()),
  precision: z.enum(['fp32', 'bf16']).default('fp32'),
  channelsLast: ChannelsLastSchema,
};

/** How a run's batches are split: over micro-batches and over the ranks of a data-parallel group. */
export const PARALLEL_FIELDS = {
  /** Each batch as this many equal parts whose gradients are averaged (gradient accumulation). */
  microBatches: z.number().int().positive().default(1),
  /** This process's place in a data-parallel group (torchnas launch fills it from the environment). */
  distributed: DistributedOptionsSchema.optional(),
};

export const RUN_FIELDS = {
  limitTrain: z.number().int().positive().optional(),
  seed: z.number().int().min(0).default(0),
  runDir: z.string().optional(),
  progressEvery: z.number().int().positive().default(20),
  ...PLACEMENT_FIELDS,
  ...PARALLEL_FIELDS,
};

/** What a method honours of the run fields (default: all of them). */
export interface Honoured {
  /** False: the CPU in fp32 only. */
  placement?: boolean;
  /** False: one process, whole batches. */
  parallel?: boolean;
}

type RunFieldValues = {
  device?: string;
  precision?: string;
  microBatches?: number;
  distributed?: unknown;
};

/**
 * Refuses the run fields `method` (its command's name) cannot honour, naming them, before any work: a
 * device, precision or parallel split it would ignore is never dropped without a word. CUDA asked for
 * where there is none is E_NO_CUDA first, as for every command.
 */
export function refuseUnhonoured(method: string, o: RunFieldValues, honoured: Honoured): void {
  if (o.device?.startsWith('cuda') && !native().info().cudaAvailable) {
    throw new TorchnasError(
      'E_NO_CUDA',
      `device '${o.device}' was asked for, but this LibTorch sees no CUDA device (CPU build or no GPU): ` +
        'use device cpu or auto',
      ['device'],
    );
  }
  const placement = honoured.placement === false;
  const parallel = honoured.parallel === false;
  const refused = [
    ...(placement && o.device !== undefined && o.device !== 'auto' && o.device !== 'cpu' ? ['device'] : []),
    ...(placement && o.precision !== undefined && o.precision !== 'fp32' ? ['precision'] : []),
    ...(parallel && (o.microBatches ?? 1) !== 1 ? ['microBatches'] : []),
    ...(parallel && o.distributed !== undefined ? ['distributed'] : []),
  ];
  if (!refused.length) return;
  const shown = (key: string) =>
    key === 'distributed' ? key : `${key} ${JSON.stringify((o as Record<string, unknown>)[key])}`;
  const where = [placement ? 'on the CPU in fp32' : '', parallel ? 'in one process with whole batches' : '']
    .filter(Boolean)
    .join(', ');
  throw new TorchnasError(
    'E_INVALID_ARGUMENT',
    `${method} runs ${where}: ${refused.map(shown).join(', ')} cannot be honoured; leave it out`,
    refused,
  );
}
