// Timing one ONNX model in onnxruntime's CPU provider: wall clock around `run`, the median of `repeats`
// after `warmup`, `threads` intra-op threads and one inter-op thread, all graph optimizations on. Used
// by this machine's onnxruntime profiler and by a latency agent on another device, so both time alike.
// onnxruntime-node is loaded on first use (install it to time this runtime).
import type { NativeTimingStats } from '../../binding';
import { TorchnasError } from '../errors';
import { median } from '../util/statistics';

export type Ort = typeof import('onnxruntime-node');

export interface OnnxTiming {
  threads: number;
  warmup: number;
  repeats: number;
}

export function loadOnnxruntimeOrNull(): Ort | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as Ort;
  } catch {
    return null;
  }
}

export function loadOnnxruntime(): Ort {
  const ort = loadOnnxruntimeOrNull();
  if (ort) return ort;
  throw new TorchnasError(
    'E_INVALID_ARGUMENT',
    '--runtime onnxruntime needs the onnxruntime-node package: ' +
      'npm install onnxruntime-node (ONNXRUNTIME_NODE_INSTALL=skip keeps its installer from fetching CUDA binaries)',
    ['--runtime'],
  );
}

export function statsOf(times: number[]): NativeTimingStats {
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

export async function timeOnnxModel(
  ort: Ort,
  model: Uint8Array,
  shape: number[],
  timing: OnnxTiming,
): Promise<NativeTimingStats> {
  const settings = {
    intraOpNumThreads: timing.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all' as const,
  };
  const session = await ort.InferenceSession.create(model, settings);
  try {
    const name = session.inputNames[0];
    const input = new ort.Tensor(
      'float32',
      new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5),
      shape,
    );
    for (let i = 0; i < timing.warmup; i++) await session.run({ [name]: input });
    const times: number[] = [];
    for (let i = 0; i < timing.repeats; i++) {
      const started = process.hrtime.bigint();
      await session.run({ [name]: input });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return statsOf(times);
  } finally {
    await session.release();
  }
}
