// Thread counts a user can ask for: more LibTorch (or decoder) threads than cores only slow a run
// down, and thousands of them stall the machine (`--threads 5000` once drove the load to 874).
import * as os from 'os';
import { z } from 'zod';

/** The most threads one process may ask for: twice this machine's cores. */
export const maxThreads = () => 2 * os.availableParallelism();

const tooMany = () =>
  `at most ${maxThreads()} (twice this machine's ${os.availableParallelism()} cores): ` +
  'beyond the cores they only slow a run down';

export const ThreadsSchema = z.number().int().positive().max(maxThreads(), { error: tooMany });

/** Sessions side by side: each runs its own threads, so more of them than cores only contend. */
export const WorkersSchema = z
  .number()
  .int()
  .positive()
  .max(os.availableParallelism(), {
    error: () =>
      `at most ${os.availableParallelism()}, this machine's cores: each worker is a session of its own`,
  });
