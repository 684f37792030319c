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
  NativeSearchEpochStats,
  NativeMemoryStats,
  NativeOpTime,
  NativeSamplerOptions,
  NativeSearchOptions,
  NativeSession,
  NativeSubnet,
  NativeTimingStats,
  NativeTrainProgress,
} from '../../binding';
import { nativeElasticSpec, type ResolvedElasticSpace } from '../spaces/elastic-space';
import type { ResolvedSpace } from '../spaces/chain-space';
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
  .strict();
export type TrainingConfig = z.input<typeof TrainingConfigSchema>;

// Checked here, so a misspelled key (`latencyLos`) is refused instead of silently left at its default.
export const SearchConfigSchema = z
  .object({
    method: z.enum(['gradient', 'reinforce']).optional(),
    mode: z.enum(['full', 'two', 'full_v2']).optional(),
    lr: z.number().positive().optional(),
    beta1: z.number().min(0).lt(1).optional(),
    beta2: z.number().min(0).lt(1).optional(),
    weightDecay: z.number().min(0).optional(),
    latency: z.array(z.array(z.number().min(0))).optional(),
    fixedLatency: z.number().min(0).optional(),
    latencyLoss: z.enum(['none', 'mul#log', 'add#linear', 'abs#ratio']).optional(),
    target: z.number().positive().optional(),
    a: z.number().optional(),
    b: z.number().optional(),
    lambda: z.number().optional(),
    zeroActiveGradient: z.enum(['keep', 'drop']).optional(),
    samples: z.number().int().positive().optional(),
    rewardExponent: z.number().optional(),
    baselineDecay: z.number().min(0).max(1).optional(),
  })
  .strict();

// Candidate indices are whole numbers: the native side would truncate 1.5 to 1 without a word.
const ReinforceBatchSchema = z.object({
  paths: z.array(z.array(z.number().int().min(0))).min(1),
  rewards: z.array(z.number()),
});

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

const SearchEpochOptionsSchema = z
  .object({
    train: LoaderOptionsSchema,
    valid: LoaderOptionsSchema,
    archEvery: z.number().int().positive().optional(),
    updateArch: z.boolean().optional(),
    progressEvery: z.number().int().positive().optional(),
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

export const SamplerOptionsSchema = z
  .object({
    rule: z.enum(['uniform', 'sandwich', 'bestup', 'worstup', 'shiftnas']),
    middle: z.number().int().min(0).optional(),
    candidates: z.number().int().positive().optional(),
    distill: z.boolean().optional(),
    temperature: z.number().positive().optional(),
    clip: z.number().min(0).optional(),
    clipBy: z.enum(['norm', 'value']).optional(),
    pool: z.array(z.array(z.unknown())).optional(),
    binWeights: z.array(z.number().min(0)).optional(),
  })
  .strict();

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

  /** Builds the supernet of a resolved search space (one mixed op per edge). */
  buildSupernet(resolved: ResolvedSpace): Promise<{ parameters: number }> {
    const { space, stem, head, edges } = resolved;
    return callNative(() =>
      this.handle.buildSupernet({
        input: { channels: space.input[0] },
        classes: space.classes,
        stem,
        head,
        edges: edges.map((e) => ({ candidates: e.native, shortcut: e.shortcut })),
      }),
    );
  }

  async configureSearch(options: NativeSearchOptions): Promise<void> {
    const parsed = SearchConfigSchema.safeParse(options);
    if (!parsed.success) throw fromZod('search options', parsed.error);
    await callNative(() => this.handle.configureSearch(parsed.data));
  }

  async searchEpoch(
    train: Dataset,
    valid: Dataset,
    options: {
      train: LoaderOptions;
      valid: LoaderOptions;
      archEvery?: number;
      updateArch?: boolean;
      progressEvery?: number;
    },
    onProgress?: (p: NativeTrainProgress & { archSteps: number; archTop1: number; entropy: number }) => void,
  ): Promise<NativeSearchEpochStats> {
    const parsed = SearchEpochOptionsSchema.safeParse(options);
    if (!parsed.success) throw fromZod('search epoch options', parsed.error);
    return callNative(() =>
      this.handle.searchEpoch(
        handleOf(train, 'train'),
        handleOf(valid, 'valid'),
        options,
        guardCallback(onProgress),
      ),
    );
  }

  /** Per-edge candidate probabilities and logits, and the argmax choice. */
  archState(): Promise<{ probabilities: number[][]; logits: number[][]; derived: number[] }> {
    return callNative(() => this.handle.archState());
  }

  setArchLogits(logits: number[][]): Promise<void> {
    return callNative(() => this.handle.setArchLogits({ logits }));
  }

  /**
   * One batch's architecture gradient for an explicit path, computed by the search's own
   * architecture step (forward through the gates, architecture loss, backward) without its update;
   * BatchNorm running statistics of the active path move as in a step.
   */
  archGradient(
    data: Dataset,
    options: LoaderOptions & {
      mode: 'full' | 'two' | 'full_v2';
      path: { active: number; members: number[] }[];
    },
  ): Promise<{ gate: number[]; alpha: number[] }[]> {
    return callNative(() => this.handle.archGradient(handleOf(data, 'data'), options));
  }

  /**
   * Cross-entropy of the first unshuffled batch with every edge's output the weighted sum of its
   * candidates' outputs (plus the shortcut): the finite-difference reference of the gate gradient.
   */
  edgeMixtureLoss(data: Dataset, options: LoaderOptions & { weights: number[][] }): Promise<number> {
    return callNative(() => this.handle.edgeMixtureLoss(handleOf(data, 'data'), options));
  }

  /**
   * A REINFORCE update of the architecture logits for sampled paths (a candidate index per edge)
   * and their rewards, as the search's REINFORCE step makes it; returns the updated baseline.
   */
  /** The REINFORCE reward the configured search gives a network of this accuracy and table latency. */
  archReward(accuracy: number, latency: number): Promise<number> {
    return callNative(() => this.handle.archReward({ accuracy, latency }));
  }

  async reinforceUpdate(paths: number[][], rewards: number[]): Promise<{ baseline: number }> {
    const parsed = ReinforceBatchSchema.safeParse({ paths, rewards });
    if (!parsed.success) throw fromZod('reinforceUpdate', parsed.error);
    if (paths.length !== rewards.length)
      throw invalid(`reinforceUpdate: ${paths.length} paths but ${rewards.length} rewards`);
    return callNative(() => this.handle.reinforceUpdate(parsed.data));
  }

  /**
   * A supernet's paths on `data`: one sampled from the architecture distribution per batch, or the
   * argmax path (`sampled: false`); BatchNorm uses batch statistics, as in architecture steps.
   */
  async evaluatePaths(
    data: Dataset,
    loader: LoaderOptions & { sampled?: boolean },
  ): Promise<NativeEvalStats> {
    const options = loaderOptions(loader, { sampled: z.boolean().optional() }, 'loader options');
    return callNative(() => this.handle.evaluatePaths(handleOf(data, 'data'), options));
  }

  async evaluate(data: Dataset, loader: LoaderOptions): Promise<NativeEvalStats> {
    const options = loaderOptions(loader, {}, 'loader options');
    return callNative(() => this.handle.evaluate(handleOf(data, 'data'), options));
  }

  /**
   * Builds the one-shot supernet of a resolved elastic space (every block at its largest); with
   * `kernelTransform`, smaller kernels go through once-for-all's learnt transformation matrices.
   */
  buildElastic(
    resolved: ResolvedElasticSpace,
    options: { kernelTransform?: boolean } = {},
  ): Promise<{ parameters: number }> {
    const { input } = resolved.space;
    this.inputShape = [input[0], input[1], input[2]];
    return callNative(() =>
      this.handle.buildElastic(nativeElasticSpec(resolved, options.kernelTransform ?? false)),
    );
  }

  /** One epoch of supernet training: per batch, the sampler's subnets' losses summed, then one step. */
  async supernetEpoch(
    data: Dataset,
    options: LoaderOptions & { progressEvery?: number; sampler: NativeSamplerOptions },
    onProgress?: (p: NativeTrainProgress) => void,
  ): Promise<NativeEpochStats> {
    const { sampler, ...loader } = options;
    loaderOptions(loader, PROGRESS, 'loader options');
    const parsed = SamplerOptionsSchema.safeParse(sampler);
    if (!parsed.success) throw fromZod('sampler options', parsed.error);
    return callNative(() =>
      this.handle.supernetEpoch(handleOf(data, 'data'), options, guardCallback(onProgress)),
    );
  }

  /** Each subnet's accuracy on `valid` after its BatchNorm statistics are recalibrated on `calib`. */
  scoreSubnets(
    calib: Dataset,
    valid: Dataset,
    options: { subnets: NativeSubnet[]; calib: LoaderOptions; calibBatches: number; valid: LoaderOptions },
    onProgress?: (p: { done: number; total: number }) => void,
  ): Promise<NativeEvalStats[]> {
    loaderOptions(options.calib, {}, 'calibration loader options');
    loaderOptions(options.valid, {}, 'validation loader options');
    if (!Number.isInteger(options.calibBatches) || options.calibBatches < 1)
      throw invalid('calibBatches must be a positive integer', ['calibBatches']);
    return callNative(() =>
      this.handle.scoreSubnets(
        handleOf(calib, 'calib'),
        handleOf(valid, 'valid'),
        options,
        guardCallback(onProgress),
      ),
    );
  }

  /** A subnet's tensors under the standalone network's names, as float64. */
  subnetTensors(subnet: NativeSubnet): Promise<Record<string, Float64Array>> {
    return callNative(() => this.handle.subnetTensors({ subnet }));
  }

  /** Writes the subnet as a standalone network's weights (what `train --init` loads). */
  exportSubnet(subnet: NativeSubnet, arch: Architecture, path: string): Promise<{ parameters: number }> {
    const network = resolveNetwork(arch).spec;
    return callNative(() => this.handle.exportSubnet({ subnet, network, path }));
  }

  /** probeLoss on one subnet; gradients under the standalone network's names. */
  probeSubnet(data: Dataset, options: LoaderOptions & { subnet: NativeSubnet; masked?: boolean }) {
    return callNative(() => this.handle.probeSubnet(handleOf(data, 'data'), options));
  }

  /** AttentiveNAS's pick among candidates on the first batch: their losses and the best (or worst). */
  attentivePick(data: Dataset, options: LoaderOptions & { candidates: NativeSubnet[]; worst?: boolean }) {
    return callNative(() => this.handle.attentivePick(handleOf(data, 'data'), options));
  }

  /** Sorts each elastic block's middle channels by importance (the optimizer restarts). */
  reorderChannels(): Promise<void> {
    return callNative(() => this.handle.reorderChannels());
  }

  /**
   * Subnets as the training step's sampler draws them (for checking its frequencies); with
   * `{ epoch }`, the uniform draws a supernetEpoch of that epoch makes, in order.
   */
  sampleSubnets(
    sampler: NativeSamplerOptions,
    count: number,
    from: { seed?: number; epoch?: number } = {},
  ): Promise<NativeSubnet[]> {
    return callNative(() => this.handle.sampleSubnets({ sampler, count, ...from }));
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
   * train-mode cross-entropy and every weight gradient. On a supernet, `path` picks a candidate per edge.
   */
  probeLoss(data: Dataset, options: LoaderOptions & { path?: number[] }): Promise<NativeLossProbe> {
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
