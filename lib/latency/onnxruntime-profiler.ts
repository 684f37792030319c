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
import { conditionsFor, type LatencyConditions, type ResolvedTimingOptions } from './conditions';
import type { LayerProbe } from './layer-keys';
import { loadOnnxruntime, timeOnnxModel } from './onnx-timing';

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

/** What onnxruntime's CPU provider cannot honour, refused by flag (here and on an agent). */
export function checkOnnxOptions(options: ResolvedTimingOptions): void {
  const refuse = (why: string, flag: string) =>
    new TorchnasError('E_INVALID_ARGUMENT', `--runtime onnxruntime ${why}`, [flag]);
  if (options.device !== 'cpu' && options.device !== 'auto')
    throw refuse('times the CPU execution provider: use --device cpu', '--device');
  if (options.precision !== 'fp32') throw refuse('times fp32 models: drop --precision bf16', '--precision');
  if (options.cudaGraph) throw refuse('has no CUDA graphs: drop --cuda-graph', '--cuda-graph');
  if (options.channelsLast) throw refuse('chooses its own layouts: drop --channels-last', '--channels-last');
}

/** Times one ONNX model at an input shape: in this process, or on a latency agent. */
export type OnnxTimer = (model: Uint8Array, shape: number[]) => Promise<NativeTimingStats>;

export class OnnxRuntimeProfiler {
  constructor(
    private readonly timeModel: OnnxTimer,
    readonly options: ResolvedTimingOptions,
    readonly conditions: LatencyConditions,
  ) {}

  static open(options: ResolvedTimingOptions): OnnxRuntimeProfiler {
    checkOnnxOptions(options);
    const ort = loadOnnxruntime();
    const conditions = conditionsFor(
      { ...options, device: 'cpu' },
      'cpu',
      options.threads,
      `onnxruntime ${ort.env.versions.node}`,
    );
    const timing = { threads: options.threads, warmup: options.warmup, repeats: options.repeats };
    return new OnnxRuntimeProfiler(
      (model, shape) => timeOnnxModel(ort, model, shape, timing),
      options,
      conditions,
    );
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
      const stats = await this.timeModel(this.layerModel(block, input), shape);
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
        (await this.timeModel(this.layerModel(identity, input), [this.options.batch, ...input])).median,
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
    return this.timeModel(model, [this.options.batch, ...arch.input]);
  }

  async close(): Promise<void> {}
}
