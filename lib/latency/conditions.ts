// What a latency figure was measured under. Every table and every measurement carries these, since a
// number without them (batch, precision, CUDA graph or eager, BN folded...) cannot be compared.
import * as os from 'os';
import { z } from 'zod';
import { ThreadsSchema } from '../util/threads';
import { DeviceSchema } from '../train/session';
import { fromZod, TorchnasError } from '../errors';
import { info } from '../info';

const MAX_TIMED_BATCH = 1024;

export const RemoteSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// address of a latency agent' }),
    token: z.string().min(8, { error: 'the token the agent printed (at least 8 characters)' }),
    // How long to keep retrying an agent that cannot be reached before giving up with a typed error.
    waitSeconds: z.number().positive().max(3600).default(60),
  })
  .strict();
export type RemoteOptions = z.input<typeof RemoteSchema>;
const MAX_RUNS = 10000;

export const TimingOptionsSchema = z
  .object({
    device: DeviceSchema.default('auto'),
    // libtorch: the addon's eager modules; onnxruntime: the exported ONNX in onnxruntime's CPU provider.
    runtime: z.enum(['libtorch', 'onnxruntime']).default('libtorch'),
    // Deployment batch sizes: one input of 1e5 images at 224 px alone needs 60 GB.
    batch: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMED_BATCH, {
        error: `at most ${MAX_TIMED_BATCH}: latency is timed at deployed batches, not training ones`,
      })
      .default(1),
    precision: z.enum(['fp32', 'bf16']).default('fp32'),
    channelsLast: z.boolean().default(false),
    cudnnBenchmark: z.boolean().default(true),
    foldBatchNorm: z.boolean().default(false),
    cudaGraph: z.boolean().default(false),
    threads: ThreadsSchema.default(() => os.availableParallelism()),
    // A median needs tens of runs, not millions: beyond these bounds a table would take days.
    warmup: z
      .number()
      .int()
      .min(0)
      .max(MAX_RUNS, { error: `at most ${MAX_RUNS}` })
      .default(10),
    repeats: z
      .number()
      .int()
      .positive()
      .max(MAX_RUNS, { error: `at most ${MAX_RUNS}: a median needs tens of runs` })
      .default(50),
    seed: z.number().int().min(0).default(0),
    // Measure on a latency agent (`torchnas latency agent` on the target device) instead of here.
    remote: RemoteSchema.optional(),
  })
  .strict();
export type TimingOptions = z.input<typeof TimingOptionsSchema>;
export type ResolvedTimingOptions = z.output<typeof TimingOptionsSchema>;

export function parseTimingOptions(options: unknown): ResolvedTimingOptions {
  const parsed = TimingOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) throw fromZod('timing options', parsed.error);
  return parsed.data;
}

export const LatencyConditionsSchema = z
  .object({
    device: z.string(), // "cpu", "cuda:0"
    deviceName: z.string(), // "NVIDIA H100 80GB HBM3", the CPU model
    batch: z.number().int().positive(),
    precision: z.string(),
    channelsLast: z.boolean(),
    cudnnBenchmark: z.boolean(),
    foldBatchNorm: z.boolean(),
    cudaGraph: z.boolean(),
    threads: z.number().int().positive(),
    timer: z.string(), // "steady-clock", "cuda-events", "cuda-events+graph"
    warmup: z.number().int().min(0),
    repeats: z.number().int().positive(),
    torchVersion: z.string(),
    // "libtorch" or "onnxruntime <version>"; absent in tables written before it was recorded (LibTorch).
    runtime: z.string().optional(),
    // The machine a latency agent measured on ("pi4 (linux arm64, 4 cores)"); absent when measured here.
    agent: z.string().optional(),
  })
  .strict();
export type LatencyConditions = z.infer<typeof LatencyConditionsSchema>;

/** How the native timer measures on a device (see native/latency/timer.h). */
export const timerFor = (device: string, cudaGraph: boolean) =>
  device.startsWith('cuda') ? (cudaGraph ? 'cuda-events+graph' : 'cuda-events') : 'steady-clock';

/** The conditions a measurement on `device` (as the session resolved it) runs under, on this machine. */
export function conditionsFor(
  options: ResolvedTimingOptions,
  device: string,
  threads: number,
  runtime = 'libtorch',
): LatencyConditions {
  const native = info();
  const deviceName = device.startsWith('cuda')
    ? (native.devices.find((d) => d.id === (device === 'cuda' ? 'cuda:0' : device))?.name ?? device)
    : (os.cpus()[0]?.model?.trim() ?? 'CPU');
  return measuredConditions(options, {
    device,
    deviceName,
    threads,
    torchVersion: native.torchVersion,
    runtime,
  });
}

/** The conditions of a measurement on a described machine (this one, or a latency agent's). */
export function measuredConditions(
  options: ResolvedTimingOptions,
  machine: {
    device: string;
    deviceName: string;
    threads: number;
    torchVersion: string;
    runtime: string;
    agent?: string;
  },
): LatencyConditions {
  const { device, deviceName, threads, torchVersion, runtime, agent } = machine;
  return {
    device,
    deviceName,
    batch: options.batch,
    precision: options.precision,
    channelsLast: options.channelsLast,
    cudnnBenchmark: device.startsWith('cuda') ? options.cudnnBenchmark : false,
    foldBatchNorm: options.foldBatchNorm,
    cudaGraph: options.cudaGraph,
    threads,
    timer: timerFor(device, options.cudaGraph),
    warmup: options.warmup,
    repeats: options.repeats,
    torchVersion,
    runtime,
    ...(agent === undefined ? {} : { agent }),
  };
}

/** The runtime a table or measurement ran in ('libtorch' when it predates the field). */
export const runtimeOf = (c: LatencyConditions) => c.runtime ?? 'libtorch';

/** The fields where two sets of conditions differ (timer, warm-up and repeats do not count). */
export function conditionDifferences(a: LatencyConditions, b: LatencyConditions): string[] {
  const compared: (keyof LatencyConditions)[] = [
    'device',
    'deviceName',
    'batch',
    'precision',
    'channelsLast',
    'cudnnBenchmark',
    'foldBatchNorm',
    'cudaGraph',
    'threads',
    'torchVersion',
  ];
  const differences = compared
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: ${String(a[k])} vs ${String(b[k])}`);
  if (runtimeOf(a) !== runtimeOf(b)) differences.unshift(`runtime: ${runtimeOf(a)} vs ${runtimeOf(b)}`);
  const where = (c: LatencyConditions) => c.agent ?? 'this machine';
  if (where(a) !== where(b)) differences.unshift(`measured on: ${where(a)} vs ${where(b)}`);
  return differences;
}

/** Rounds of a measurement repeated over all its items (tables, side-by-side timing): a whole number >= 1. */
export function checkRounds(rounds: number): void {
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new TorchnasError('E_INVALID_ARGUMENT', `rounds must be a whole number >= 1 (got ${rounds})`);
}
