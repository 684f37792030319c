// A torchnas session: one native worker thread that owns a device, a model and its optimizer. Every
// call returns a Promise, calls run in order, and errors arrive as TorchnasError.
import { z } from 'zod';
import { ThreadsSchema, maxThreads } from '../util/threads';
import type {
  NativeBlock,
  NativeEpochStats,
  NativeEvalStats,
  NativeLoaderOptions,
  NativeLossProbe,
  NativeNetworkSpec,
  NativeProfileOptions,
  NativeMemoryStats,
  NativeOpTime,
  NativeSession,
  NativeTimingStats,
  NativeTrainProgress,
} from '../../binding';
import { resolveNetwork, type Architecture, type ResolvedNetwork } from '../arch';
import { AugmentSchema, Dataset } from '../data/datasets';
import { callNative, callNativeSync, fromZod, invalid } from '../errors';
import { native } from '../native';
import * as os from 'os';
import { parseDistributed, type DistributedOptions } from '../dist/rendezvous';

export const DeviceSchema = z
  .string()
  .regex(/^(auto|cpu|cuda|cuda:\d+)$/, "device must be 'auto', 'cpu', 'cuda' or 'cuda:N'");

// true, false, or 'auto': channels_last where it is faster (CPU fp32/bf16, CUDA bf16), NCHW otherwise.
export const ChannelsLastSchema = z.union([z.boolean(), z.literal('auto')]).default('auto');

export const SessionOptionsSchema = z
  .object({
    device: DeviceSchema.default('auto'),
    // fp64: the whole model in double, for exactness checks on CPU (not for speed).
    precision: z.enum(['fp32', 'bf16', 'fp64']).default('fp32'),
    channelsLast: ChannelsLastSchema,
    threads: ThreadsSchema.default(() => os.availableParallelism()),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 53 - 1)
      .default(0),
    cudnnBenchmark: z.boolean().default(true),
    /** Each batch as this many equal parts whose gradients are averaged (gradient accumulation). */
    microBatches: z.number().int().positive().default(1),
  })
  .strict();
export type SessionOptions = z.input<typeof SessionOptionsSchema>;

export const TrainingConfigSchema = z
  .object({
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
    lr: z.number().positive(),
    momentum: z.number().min(0).max(1).default(0.9),
    nesterov: z.boolean().default(true),
    weightDecay: z.number().min(0).default(5e-5),
    warmupSteps: z.number().int().min(0).default(0),
    totalSteps: z.number().int().positive(),
    finalLrRatio: z.number().min(0).max(1).default(0),
    restartStep: z.number().int().min(0).default(0),
    labelSmoothing: z.number().min(0).lt(1).default(0),
  })
  .strict()
  .refine((c) => c.optimizer !== 'sgd' || !c.nesterov || c.momentum > 0, {
    message: 'Nesterov momentum needs momentum > 0: give a momentum, or nesterov: false for plain SGD',
    path: ['nesterov'],
  });
export type TrainingConfig = z.input<typeof TrainingConfigSchema>;

export const LoaderOptionsSchema = z
  .object({
    batchSize: z.number().int().positive(),
    shuffle: z.boolean().optional(),
    dropLast: z.boolean().optional(),
    seed: z.number().int().min(0).optional(),
    epoch: z.number().int().min(0).optional(),
    prefetch: z.number().int().min(0).optional(),
    decodeThreads: z
      .number()
      .int()
      .min(0)
      .max(maxThreads(), { error: () => `at most ${maxThreads()} (twice this machine's cores)` })
      .optional(),
    augment: AugmentSchema.optional(),
  })
  .strict();

/** Loader options checked strictly (a misspelled `shufle` is refused), with what a call adds to them. */
/** @internal A loader's options checked with a family's extra fields. */
export function loaderOptions<T extends object>(options: T, extra: z.ZodRawShape, what: string): T {
  const parsed = LoaderOptionsSchema.extend(extra).strict().safeParse(options);
  if (!parsed.success) throw fromZod(what, parsed.error);
  return options;
}
export const PROGRESS = { progressEvery: z.number().int().positive().optional() };

export type LoaderOptions = NativeLoaderOptions;

/** A dataset argument's native handle; anything else is a clear E_INVALID_ARGUMENT, not a TypeError. */
export function handleOf(data: Dataset, name: string) {
  if (!(data instanceof Dataset)) {
    throw invalid(
      `${name} must be a Dataset (from loadDataset or syntheticDataset), got ${data === null ? 'null' : typeof data}`,
    );
  }
  return data.handle;
}

// A throwing progress callback must not take the native worker down with it: progress is advisory.
export function guardCallback<T>(callback?: (p: T) => void): ((p: T) => void) | undefined {
  if (!callback) return undefined;
  return (p: T) => {
    try {
      callback(p);
    } catch {
      /* ignored */
    }
  };
}

export class Session {
  private readonly handle: NativeSession;
  readonly options: z.output<typeof SessionOptionsSchema>;
  /** [channels, height, width] of the network built last: the default input of zero-cost proxies. */
  private inputShape?: [number, number, number];
  private group?: { rank: number; worldSize: number };

  constructor(options: SessionOptions = {}) {
    const parsed = SessionOptionsSchema.safeParse(options);
    if (!parsed.success) throw fromZod('session options', parsed.error);
    this.options = parsed.data;
    this.handle = callNativeSync(() => new (native().Session)(parsed.data));
  }

  /**
   * @internal The native session, for the family modules that extend a session with their own calls
   * (lib/benchmarks/nb201-session.ts, lib/proxies/zero-cost-session.ts).
   */
  get native(): NativeSession {
    return this.handle;
  }

  /** @internal [channels, height, width] of the network built last (a family module records its own). */
  get builtInput(): [number, number, number] | undefined {
    return this.inputShape;
  }

  set builtInput(shape: [number, number, number] | undefined) {
    this.inputShape = shape;
  }

  describe() {
    return callNative(() => this.handle.describe());
  }

  /** Builds a fixed network from an architecture description; returns its resolved form. */
  async buildNetwork(arch: Architecture): Promise<ResolvedNetwork & { nativeParams: number }> {
    const resolved = resolveNetwork(arch);
    const { parameters } = await callNative(() => this.handle.buildNetwork(resolved.spec));
    const { channels, height, width } = resolved.spec.input;
    this.inputShape = [channels, height, width];
    return { ...resolved, nativeParams: parameters };
  }

  async configureTraining(config: TrainingConfig): Promise<void> {
    const parsed = TrainingConfigSchema.safeParse(config);
    if (!parsed.success) throw fromZod('training options', parsed.error);
    await callNative(() => this.handle.configureTraining(parsed.data));
  }

  async trainEpoch(
    data: Dataset,
    loader: LoaderOptions & { progressEvery?: number },
    onProgress?: (p: NativeTrainProgress) => void,
  ): Promise<NativeEpochStats> {
    const options = loaderOptions(loader, PROGRESS, 'loader options');
    return callNative(() =>
      this.handle.trainEpoch(handleOf(data, 'data'), options, guardCallback(onProgress)),
    );
  }

  async evaluate(data: Dataset, loader: LoaderOptions): Promise<NativeEvalStats> {
    const options = loaderOptions(loader, {}, 'loader options');
    return callNative(() => this.handle.evaluate(handleOf(data, 'data'), options));
  }

  /** Loads only the network's weights from a checkpoint (an exported subnet, for fine-tuning). */
  loadWeights(path: string): Promise<void> {
    return callNative(() => this.handle.loadWeights({ path }));
  }

  saveCheckpoint(path: string) {
    return callNative(() => this.handle.saveCheckpoint({ path }));
  }

  loadCheckpoint(path: string) {
    return callNative(() => this.handle.loadCheckpoint({ path }));
  }

  /** Parameters and buffers by name (CPU float32 copies), for inspection and tests. */
  stateTensors(): Promise<Record<string, Float32Array>> {
    return callNative(() => this.handle.stateTensors()) as Promise<Record<string, Float32Array>>;
  }

  /** Parameters and buffers by name as float64 copies (exact in an fp64 session). */
  stateTensors64(): Promise<Record<string, Float64Array>> {
    return callNative(() => this.handle.stateTensors({ float64: true })) as Promise<
      Record<string, Float64Array>
    >;
  }

  /** Sets every parameter and buffer by name; the names must match the model's exactly. */
  setStateTensors(tensors: Record<string, ArrayLike<number>>): Promise<void> {
    return callNative(() => this.handle.setStateTensors({ tensors }));
  }

  /**
   * One batch (the first, unshuffled) through the model: eval-mode and train-mode logits, the
   * train-mode cross-entropy and every weight gradient (a path supernet's: probePath).
   */
  probeLoss(data: Dataset, options: LoaderOptions): Promise<NativeLossProbe> {
    return callNative(() => this.handle.probeLoss(handleOf(data, 'data'), options));
  }

  /** Times single layers on this session's device (see lib/latency for tables built on it). */
  profileLayers(
    layers: { block: NativeBlock; input: number[] }[],
    options: NativeProfileOptions,
    onProgress?: (p: { done: number; total: number }) => void,
  ): Promise<{ layers: NativeTimingStats[]; method: string; threads: number }> {
    return callNative(() => this.handle.profileLayers({ ...options, layers }, guardCallback(onProgress)));
  }

  /** Times a whole network, built fresh from its spec, on this session's device. */
  profileNetwork(
    network: NativeNetworkSpec,
    options: NativeProfileOptions,
  ): Promise<{ stats: NativeTimingStats; method: string; threads: number }> {
    return callNative(() => this.handle.profileNetwork({ ...options, network }));
  }

  /**
   * The device's caching-allocator counters, read after the work queued before this call (on a CPU
   * session `available` is false: read the process's memory instead). `resetPeak` restarts the peaks.
   */
  memoryStats(options: { resetPeak?: boolean } = {}): Promise<NativeMemoryStats> {
    return callNative(() => this.handle.memoryStats(options));
  }

  /**
   * Starts an operator profile of the work queued after this call (LibTorch's profiler, CPU side);
   * `stopProfile` ends it and returns each operator's calls, self and total milliseconds.
   */
  /**
   * Joins a data-parallel group (c10d, Gloo): resolves once every rank has joined. The network built
   * next starts from rank 0's weights; each epoch trains on this rank's shard, gradients averaged.
   */
  async connectDistributed(options: DistributedOptions): Promise<{ rank: number; worldSize: number }> {
    const o = parseDistributed(options);
    const joined = await callNative(() => this.handle.connectDistributed(o));
    this.group = joined;
    return joined;
  }

  /** This process's rank (0 in one process) and the group's size. */
  get rank(): number {
    return this.group?.rank ?? 0;
  }

  get worldSize(): number {
    return this.group?.worldSize ?? 1;
  }

  /** Whether this process writes the run's files (rank 0, or the only process). */
  get isRoot(): boolean {
    return this.rank === 0;
  }

  barrier(): Promise<void> {
    return callNative(() => this.handle.barrier());
  }

  startProfile(): Promise<void> {
    return callNative(() => this.handle.startProfile());
  }

  stopProfile(): Promise<{ seconds: number; ops: NativeOpTime[] }> {
    return callNative(() => this.handle.stopProfile());
  }

  /** Stops the running epoch at its next step: it rejects with E_CLOSED (an abort); close() follows. */
  cancel(): void {
    this.handle.cancel();
  }

  close(): Promise<void> {
    return callNative(() => this.handle.close());
  }
}
