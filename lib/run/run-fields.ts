// Options every long run shares (training, search): where and how it runs, its seed and its folder.
import { z } from 'zod';
import { ThreadsSchema } from '../util/threads';
import { DistributedOptionsSchema, threadsPerRank } from '../dist/rendezvous';
import { ChannelsLastSchema, DeviceSchema } from '../train/session';

export const RUN_FIELDS = {
  limitTrain: z.number().int().positive().optional(),
  seed: z.number().int().min(0).default(0),
  device: DeviceSchema.default('auto'),
  threads: ThreadsSchema.default(() => threadsPerRank()),
  precision: z.enum(['fp32', 'bf16']).default('fp32'),
  channelsLast: ChannelsLastSchema,
  runDir: z.string().optional(),
  progressEvery: z.number().int().positive().default(20),
  /** Each batch as this many equal parts whose gradients are averaged (gradient accumulation). */
  microBatches: z.number().int().positive().default(1),
  /** This process's place in a data-parallel group (torchnas launch fills it from the environment). */
  distributed: DistributedOptionsSchema.optional(),
};
