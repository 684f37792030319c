// Where a data-parallel rank finds its group: torchrun's environment (MASTER_ADDR, MASTER_PORT,
// WORLD_SIZE, RANK, LOCAL_RANK), or a `tcp://host:port` URL with the rank and size given apart.
import * as os from 'os';
import { z } from 'zod';
import { fromZod, TorchnasError } from '../errors';

export const DistributedOptionsSchema = z
  .object({
    masterAddr: z.string().min(1).default('127.0.0.1'),
    masterPort: z.number().int().min(1).max(65535).default(29500),
    rank: z.number().int().min(0),
    worldSize: z.number().int().min(1),
    /** The rank's index on its machine: its CUDA device. */
    localRank: z.number().int().min(0).default(0),
    /** Ranks on this machine: the CPU threads are shared among them. */
    localWorldSize: z.number().int().min(1).default(1),
    /** How long a rank waits for a peer (rendezvous, collectives) before the run fails. */
    timeoutMs: z.number().int().positive().default(300_000),
    /** BatchNorm in weight steps normalizes over the global batch (every rank's images). */
    syncBatchNorm: z.boolean().default(false),
  })
  .strict()
  .refine((o) => o.rank < o.worldSize, { message: 'rank must be below worldSize', path: ['rank'] });
export type DistributedOptions = z.input<typeof DistributedOptionsSchema>;
export type ResolvedDistributed = z.output<typeof DistributedOptionsSchema>;

export function parseDistributed(options: DistributedOptions): ResolvedDistributed {
  const parsed = DistributedOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('distributed options', parsed.error);
  return parsed.data;
}

function envInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `environment variable ${name}='${text}' is not a whole number: ` +
      'set it as torchrun does (torchnas launch sets it for you)', [name]);
  }
  return Number(text);
}

/** `tcp://host:port` -> address and port. */
export function parseDistUrl(url: string): { masterAddr: string; masterPort: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `--dist-url '${url}' is not tcp://host:port (port 1-65535): ` +
      'give the address and port of rank 0, e.g. tcp://10.0.0.1:29500', ['--dist-url']);
  }
  return { masterAddr: m[1].replace(/^\[|\]$/g, ''), masterPort: Number(m[2]) };
}

/**
 * The group this process belongs to, read from torchrun's variables (and `distUrl` for the master);
 * undefined when WORLD_SIZE is unset or 1 (one process).
 */
export function distributedFromEnv(env: NodeJS.ProcessEnv = process.env, distUrl?: string,
  timeoutMs?: number, syncBatchNorm?: boolean): ResolvedDistributed | undefined {
  const worldSize = envInteger(env, 'WORLD_SIZE');
  if (worldSize === undefined || worldSize <= 1) {
    if (distUrl) {
      throw new TorchnasError('E_INVALID_ARGUMENT', '--dist-url needs WORLD_SIZE (above 1) and RANK in the ' +
        'environment: start the ranks with torchnas launch, or set them', ['--dist-url']);
    }
    return undefined;
  }
  const rank = envInteger(env, 'RANK');
  if (rank === undefined) {
    throw new TorchnasError('E_INVALID_ARGUMENT', 'WORLD_SIZE is set but RANK is not: set RANK (0 on the ' +
      'first process) or start the ranks with torchnas launch', ['RANK']);
  }
  const master = distUrl ? parseDistUrl(distUrl) : {
    masterAddr: env.MASTER_ADDR || '127.0.0.1',
    masterPort: envInteger(env, 'MASTER_PORT') ?? 29500,
  };
  return parseDistributed({
    ...master,
    rank,
    worldSize,
    localRank: envInteger(env, 'LOCAL_RANK') ?? 0,
    localWorldSize: envInteger(env, 'LOCAL_WORLD_SIZE') ?? 1,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(syncBatchNorm !== undefined ? { syncBatchNorm } : {}),
  });
}

/** CPU threads for one rank: the machine's shared by the ranks on it (torchrun's OMP default is 1). */
export function threadsPerRank(env: NodeJS.ProcessEnv = process.env): number {
  const local = Number(env.LOCAL_WORLD_SIZE);
  const share = Number.isInteger(local) && local > 1 ? local : 1;
  return Math.max(1, Math.floor(os.availableParallelism() / share));
}

/** A rank's CUDA device: `cuda` (or `auto` on a CUDA machine) becomes `cuda:<localRank>`. */
export function deviceForRank(device: string, localRank: number, cudaAvailable: boolean): string {
  if (device === 'cuda' || (device === 'auto' && cudaAvailable)) return `cuda:${localRank}`;
  return device;
}
