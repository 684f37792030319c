// Latency measurement from TypeScript: a session on the chosen device that times layers (for tables)
// and whole networks, and reports the conditions of every figure.
import type { NativeNetworkSpec, NativeProfileOptions, NativeTimingStats } from '../../binding';
import { resolveNetwork, type Architecture } from '../arch';
import { TorchnasError } from '../errors';
import { Session } from '../train/session';
import {
  checkRounds,
  conditionsFor,
  parseTimingOptions,
  type LatencyConditions,
  type ResolvedTimingOptions,
  type TimingOptions,
} from './conditions';
import type { LayerProbe } from './layer-keys';
import { median } from '../util/statistics';
import { OnnxRuntimeProfiler } from './onnxruntime-profiler';
import { openRemoteProfiler } from './remote/remote-profiler';

export type TimingStats = NativeTimingStats;

export class LatencyProfiler {
  private constructor(
    private readonly session: Session,
    readonly options: ResolvedTimingOptions,
    readonly conditions: LatencyConditions,
  ) {}

  static async open(options: TimingOptions = {}): Promise<LatencyProfiler> {
    const resolved = parseTimingOptions(options);
    const { device, precision, channelsLast, threads, seed, cudnnBenchmark } = resolved;
    if (resolved.cudaGraph && device === 'cpu') {
      throw new TorchnasError(
        'E_INVALID_ARGUMENT',
        'CUDA-graph timing needs a CUDA device: drop --cuda-graph or use --device cuda',
      );
    }
    const session = new Session({ device, precision, channelsLast, threads, seed, cudnnBenchmark });
    try {
      const described = await session.describe();
      return new LatencyProfiler(
        session,
        resolved,
        conditionsFor(resolved, described.device, described.threads),
      );
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  private get native(): NativeProfileOptions {
    const { batch, warmup, repeats, cudaGraph, foldBatchNorm } = this.options;
    return { batch, warmup, repeats, cudaGraph, foldBatchNorm };
  }

  /** One timing per layer, in order. */
  async layers(
    probes: LayerProbe[],
    onProgress?: (p: { done: number; total: number }) => void,
  ): Promise<TimingStats[]> {
    const result = await this.session.profileLayers(
      probes.map(({ block, input }) => ({ block, input })),
      this.native,
      onProgress,
    );
    this.checkMethod(result.method);
    return result.layers;
  }

  /** The whole network, end to end, as one forward pass. */
  network(arch: Architecture): Promise<TimingStats> {
    return this.networkSpec(resolveNetwork(arch).spec);
  }

  /** A network already resolved to the addon's description (what a latency agent is sent). */
  async networkSpec(spec: NativeNetworkSpec): Promise<TimingStats> {
    const result = await this.session.profileNetwork(spec, this.native);
    this.checkMethod(result.method);
    return result.stats;
  }

  close(): Promise<void> {
    return this.session.close();
  }

  private checkMethod(method: string) {
    if (method && method !== this.conditions.timer) {
      throw new TorchnasError(
        'E_NATIVE',
        `the native timer used '${method}', expected '${this.conditions.timer}'`,
      );
    }
  }
}

/** What tables and measurements time with: the addon's LibTorch modules, or onnxruntime. */
export type LatencyTimer = Pick<LatencyProfiler, 'options' | 'conditions' | 'layers' | 'network' | 'close'>;

/** Opens a profiler for the options' runtime, runs `work` with it, and closes it whatever happens. */
export async function withProfiler<T>(
  options: TimingOptions,
  work: (profiler: LatencyTimer) => Promise<T>,
): Promise<T> {
  const resolved = parseTimingOptions(options);
  const profiler: LatencyTimer = resolved.remote
    ? await openRemoteProfiler(resolved, resolved.remote, options.threads !== undefined)
    : resolved.runtime === 'onnxruntime'
      ? OnnxRuntimeProfiler.open(resolved)
      : await LatencyProfiler.open(resolved);
  try {
    return await work(profiler);
  } finally {
    await profiler.close();
  }
}

/** End-to-end latency of one architecture, with its conditions. */
export function measureArchitecture(
  arch: Architecture,
  options: TimingOptions = {},
): Promise<{ stats: TimingStats; conditions: LatencyConditions }> {
  return withProfiler(options, async (profiler) => ({
    stats: await profiler.network(arch),
    conditions: profiler.conditions,
  }));
}

export interface ArchitectureTiming {
  name: string;
  /** The median of the rounds' medians (ms). */
  median: number;
  roundMedians: number[];
  /** Median over rounds of this network's median divided by the first network's in the same round. */
  ratioToFirst: number;
}

/**
 * Times several architectures side by side: `rounds` rounds, each measuring every network in turn
 * (the order rotated each round), in one session. A figure is the median of its rounds, and the
 * ratio to the first network is taken within each round, so a burst of load on a shared machine
 * moves one round of every network alike rather than one network's figure.
 */
export async function compareArchitectures(
  archs: Architecture[],
  options: TimingOptions & { rounds?: number } = {},
  onProgress?: (p: { done: number; total: number }) => void,
): Promise<{ timings: ArchitectureTiming[]; rounds: number; conditions: LatencyConditions }> {
  const { rounds = 5, ...timing } = options;
  if (archs.length === 0)
    throw new TorchnasError('E_INVALID_ARGUMENT', 'give at least one architecture to time');
  checkRounds(rounds);
  return withProfiler(timing, async (profiler) => {
    const medians = archs.map(() => [] as number[]);
    let done = 0;
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < archs.length; k++) {
        const i = (k + round) % archs.length;
        medians[i].push((await profiler.network(archs[i])).median);
        onProgress?.({ done: ++done, total: rounds * archs.length });
      }
    }
    const timings = archs.map((arch, i) => ({
      name: arch.name,
      median: median(medians[i]),
      roundMedians: medians[i],
      ratioToFirst: median(medians[i].map((m, r) => m / medians[0][r])),
    }));
    return { timings, rounds, conditions: profiler.conditions };
  });
}
