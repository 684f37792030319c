// What a latency agent and its host say to each other (lib/latency/remote): the device description, the
// bounds an agent enforces, and the requests it measures. Both sides validate with these schemas, so a
// host learns of a bound before it sends, and an agent refuses what lies outside them.
import { z } from 'zod';

export const AGENT_PROTOCOL = 'torchnas/latency-agent@1';

/** The bounds an agent enforces; `torchnas latency agent` can lower (or raise) the model size. */
export interface AgentLimits {
  /** Largest ONNX model a request may carry, in bytes. */
  maxModelBytes: number;
  /** Largest JSON request body (block descriptions), in bytes. */
  maxJsonBytes: number;
  /** Most timed runs (and most warm-up runs) one request may ask for. */
  maxRepeats: number;
  /** Largest batch a request may time. */
  maxBatch: number;
  /** Requests waiting behind the one being measured before more are refused as busy. */
  maxQueue: number;
}

export const DEFAULT_AGENT_LIMITS: AgentLimits = {
  maxModelBytes: 64 * 1024 * 1024,
  maxJsonBytes: 1024 * 1024,
  maxRepeats: 1000,
  maxBatch: 256,
  maxQueue: 8,
};

/** GET /device: the measuring machine, what it can run, and its bounds. */
export interface AgentDevice {
  protocol: typeof AGENT_PROTOCOL;
  hostname: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  node: string;
  /** onnxruntime-node's version, or null where it is not installed. */
  onnxruntime: string | null;
  /** LibTorch's version through the torchnas addon, or null where the addon is absent. */
  libtorch: string | null;
  limits: AgentLimits;
}

/** How a request is timed: runs after warm-up, and CPU threads. */
export function timingSchema(limits: AgentLimits) {
  return z
    .object({
      threads: z.number().int().positive().max(1024),
      warmup: z.number().int().min(0).max(limits.maxRepeats),
      repeats: z.number().int().positive().max(limits.maxRepeats),
    })
    .strict();
}

/** POST /onnx?shape=1,3,32,32&threads=&warmup=&repeats= with the model's bytes as the body. */
export function onnxQuerySchema(limits: AgentLimits) {
  const shape = z
    .string()
    .regex(/^\d+(,\d+){0,4}$/, 'a comma-separated list of 1 to 5 whole numbers')
    .transform((s) => s.split(',').map(Number))
    .refine((dims) => dims.every((d) => d >= 1), 'every dimension >= 1')
    .refine((dims) => dims[0] <= limits.maxBatch, `a batch of at most ${limits.maxBatch}`)
    .refine((dims) => dims.reduce((a, b) => a * b, 1) <= 64 * 1024 * 1024, 'an input of at most 64 M values');
  const count = z.coerce.number();
  return z
    .object({ shape, threads: count, warmup: count, repeats: count })
    .strict()
    .transform(({ shape, ...timing }) => ({ shape, timing }))
    .pipe(z.object({ shape: z.array(z.number()), timing: timingSchema(limits) }));
}

/** POST /libtorch: block descriptions timed by the addon (layers, or one whole network). */
export function libtorchRequestSchema(limits: AgentLimits) {
  return z
    .object({
      options: z
        .object({
          device: z.string().max(16),
          batch: z.number().int().positive().max(limits.maxBatch),
          precision: z.enum(['fp32', 'bf16']),
          channelsLast: z.boolean(),
          cudnnBenchmark: z.boolean(),
          foldBatchNorm: z.boolean(),
          cudaGraph: z.boolean(),
          threads: z.number().int().positive().max(1024),
          warmup: z.number().int().min(0).max(limits.maxRepeats),
          repeats: z.number().int().positive().max(limits.maxRepeats),
        })
        .strict(),
      layers: z
        .array(z.object({ block: z.record(z.string(), z.unknown()), input: z.array(z.number()) }))
        .max(256)
        .optional(),
      network: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .refine(
      (r) => (r.layers === undefined) !== (r.network === undefined),
      'give layers or a network, not both',
    );
}
