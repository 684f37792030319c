// Options every long run shares (training, search): where and how it runs, its seed and its folder.
import * as os from 'os';
import { z } from 'zod';
import { ChannelsLastSchema, DeviceSchema } from './session';

export const RUN_FIELDS = {
  limitTrain: z.number().int().positive().optional(),
  seed: z.number().int().min(0).default(0),
  device: DeviceSchema.default('auto'),
  threads: z.number().int().positive().default(() => os.availableParallelism()),
  precision: z.enum(['fp32', 'bf16']).default('fp32'),
  channelsLast: ChannelsLastSchema,
  runDir: z.string().optional(),
  progressEvery: z.number().int().positive().default(20),
};
