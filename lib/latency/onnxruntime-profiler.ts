// Latency in onnxruntime's CPU execution provider, for users who deploy there: each layer of a table,
// or a whole network, is exported to ONNX (lib/export) with random weights and timed by wall clock
// around `run` (median of `repeats` after `warmup`), with `threads` intra-op threads and one inter-op
// thread, all graph optimizations on. onnxruntime-node is loaded on first use (a development
// dependency of torchnas: install it to time this runtime).
import type { NativeBlock, NativeNetworkSpec, NativeTimingStats } from '../../binding';
import { resolveNetwork, type Architecture } from '../arch';
import { TorchnasError } from '../errors';
import { onnxModel } from '../export/onnx';
import { tensorEntries } from '../export/tensor-names';
import { Rng } from '../util/rng';
import { median } from '../util/statistics';
import { conditionsFor, type LatencyConditions, type ResolvedTimingOptions } from './conditions';
import type { LayerProbe } from './layer-keys';

type Ort = typeof import('onnxruntime-node');

function loadOnnxruntime(): Ort {
  try {
    return require('onnxruntime-node') as Ort;
  } catch {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      '--runtime onnxruntime needs the onnxruntime-node package: ' +
        'npm install onnxruntime-node (ONNXRUNTIME_NODE_INSTALL=skip keeps its installer from fetching CUDA binaries)',
      ['--runtime'],
    );
  }
}

/** Seeded random weights for a spec; BatchNorm variances positive. Latency does not depend on the values. */
function randomWeights(spec: NativeNetworkSpec, seed: number): Record<string, Float32Array> {
  const rng = new Rng(seed);
  const out: Record<string, Float32Array> = {};
  for (const e of tensorEntries(spec)) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    const variance = e.name.endsWith('running_var');
    out[e.name] = Float32Array.from({ length: size }, () =>
      variance ? 1 + 0.1 * rng.next() : 0.2 * (rng.next() - 0.5),
    );
  }
  return out;
}

function statsOf(times: number[]): NativeTimingStats {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const variance = s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1);
  const iqr = at(0.75) - at(0.25);
  return {
    count: s.length,
    mean,
    median: median(s),
    variance,
    p10: at(0.1),
    p90: at(0.9),
    iqr,
    min: s[0],
    max: s.at(-1) as number,
  };
}

export class OnnxRuntimeProfiler {
  private constructor(
    private readonly ort: Ort,
    readonly options: ResolvedTimingOptions,
    readonly conditions: LatencyConditions,
  ) {}

  static open(options: ResolvedTimingOptions): OnnxRuntimeProfiler {
    const refuse = (why: string, flag: string) =>
      new TorchnasError('E_INVALID_ARGUMENT', `--runtime onnxruntime ${why}`, [flag]);
    if (options.device !== 'cpu' && options.device !== 'auto')
      throw refuse('times the CPU execution provider: use --device cpu', '--device');
    if (options.precision !== 'fp32') throw refuse('times fp32 models: drop --precision bf16', '--precision');
    if (options.cudaGraph) throw refuse('has no CUDA graphs: drop --cuda-graph', '--cuda-graph');
    if (options.channelsLast)
      throw refuse('chooses its own layouts: drop --channels-last', '--channels-last');
    const ort = loadOnnxruntime();
    const conditions = conditionsFor(
      { ...options, device: 'cpu' },
      'cpu',
      options.threads,
      `onnxruntime ${ort.env.versions.node}`,
    );
    return new OnnxRuntimeProfiler(ort, options, conditions);
  }

  private async time(model: Uint8Array, shape: number[]): Promise<NativeTimingStats> {
    const { ort, options } = this;
    const settings = {
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all' as const,
    };
    const session = await ort.InferenceSession.create(model, settings);
    try {
      const input = new ort.Tensor(
        'float32',
        new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5),
        shape,
      );
      for (let i = 0; i < options.warmup; i++) await session.run({ input });
      const times: number[] = [];
      for (let i = 0; i < options.repeats; i++) {
        const started = process.hrtime.bigint();
        await session.run({ input });
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return statsOf(times);
    } finally {
      await session.release();
    }
  }

  /**
   * One timing per layer, in order: each layer alone as a one-block ONNX graph at its input shape, less
   * the median of an identity graph at the same shape (the cost of a `run` call itself, which a network
   * pays once, not once per layer; without it a batch-1 table's sum was 3.2x the measured networks).
   */
  async layers(
    probes: LayerProbe[],
    onProgress?: (p: { done: number; total: number }) => void,
  ): Promise<NativeTimingStats[]> {
    const out: NativeTimingStats[] = [];
    for (const [i, { block, input }] of probes.entries()) {
      const shape = [this.options.batch, ...input];
      const call = await this.callCost(input);
      const stats = await this.time(this.layerModel(block, input), shape);
      const less = (v: number) => Math.max(0, v - call);
      out.push({
        ...stats,
        mean: less(stats.mean),
        median: less(stats.median),
        p10: less(stats.p10),
        p90: less(stats.p90),
        min: less(stats.min),
        max: less(stats.max),
      });
      onProgress?.({ done: i + 1, total: probes.length });
    }
    return out;
  }

  private readonly callCosts = new Map<string, number>();

  private async callCost(input: number[]): Promise<number> {
    const key = input.join('x');
    if (!this.callCosts.has(key)) {
      const identity: NativeBlock = { op: 'identity', in: input[0], out: input[0] };
      this.callCosts.set(
        key,
        (await this.time(this.layerModel(identity, input), [this.options.batch, ...input])).median,
      );
    }
    return this.callCosts.get(key) as number;
  }

  private layerModel(block: NativeBlock, input: number[]): Uint8Array {
    const [c, h = 1, w = 1] = input;
    const spec: NativeNetworkSpec = {
      input: { channels: c, height: h, width: w },
      classes: 1,
      blocks: [block],
    };
    const features = input.length === 1 ? c : undefined; // a linear layer's input is a feature vector
    return onnxModel(spec, randomWeights(spec, this.options.seed), {
      foldBatchNorm: this.options.foldBatchNorm,
      features,
    });
  }

  /** The whole network, end to end, as one run. */
  async network(arch: Architecture): Promise<NativeTimingStats> {
    const { spec } = resolveNetwork(arch);
    const model = onnxModel(spec, randomWeights(spec, this.options.seed), {
      foldBatchNorm: this.options.foldBatchNorm,
    });
    return this.time(model, [this.options.batch, ...arch.input]);
  }

  async close(): Promise<void> {}
}
