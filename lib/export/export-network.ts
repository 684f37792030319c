// Taking a trained network out of torchnas: from a run folder (a `train` run, a search's `retrain/`
// run, or a `supernet extract` folder) or from an architecture and weights in hand, to an ONNX model
// or a safetensors file. The weights are read through a CPU session (fp32, NCHW) and checked against
// the architecture's tensor list before anything is written; the file is written atomically.
import * as fs from 'fs';
import * as path from 'path';
import { loadArchitecture, parseArchitecture, resolveNetwork, type Architecture } from '../arch';
import { TorchnasError } from '../errors';
import { Session } from '../train/session';
import { readRunState, RUN_FILE } from '../run/run-state';
import { writeFileAtomic } from '../util/atomic-file';
import { readJson } from '../util/json-file';
import { prepareOutputFile } from '../util/output-file';
import { onnxModel } from './onnx';
import { ONNX_OPSET, type OnnxExportOptions } from './onnx-options';
import { safetensorsBytes, type NamedTensor } from './safetensors';
import { checkWeights, stateDictName } from './tensor-names';

export const EXPORT_FORMATS = ['onnx', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Where a run folder keeps its network: the architecture and the file holding its weights. */
export interface NetworkSource {
  arch: Architecture;
  weightsFile: string;
}

/** The network a run folder holds, or a typed error saying what the folder lacks. */
export function networkOfRun(runDir: string, flag = '--run'): NetworkSource {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) {
    throw new TorchnasError(
      'E_IO',
      `${flag} '${runDir}' is not a folder: give a train run, a search run or a \`supernet extract\` folder`,
      [flag],
    );
  }
  const extracted = path.join(runDir, 'weights.pt');
  if (fs.existsSync(extracted) && fs.existsSync(path.join(runDir, 'arch.json'))) {
    return { arch: loadArchitecture(path.join(runDir, 'arch.json')), weightsFile: extracted };
  }
  if (fs.existsSync(path.join(runDir, 'retrain', RUN_FILE)))
    return networkOfRun(path.join(runDir, 'retrain'), flag);
  const runFile = path.join(runDir, RUN_FILE);
  const stored = fs.existsSync(runFile)
    ? readJson<{ kind?: string; arch?: unknown }>(runFile, 'run description')
    : undefined;
  const state = readRunState(runDir);
  if (!stored || !state?.checkpoint) {
    throw new TorchnasError(
      'E_IO',
      `${flag} '${runDir}' holds no trained weights ` +
        '(no weights.pt + arch.json, no retrain/ run, no committed epoch): ' +
        'train the network first, or give a search run started with --retrain-epochs',
      [flag],
    );
  }
  if (!stored.arch) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `${flag} '${runDir}' is a ${stored.kind ?? 'search'} run with no fixed network to export: ` +
        'export its retrain/ run (search with --retrain-epochs) or a `supernet extract` folder',
      [flag],
    );
  }
  return { arch: parseArchitecture(stored.arch), weightsFile: path.join(runDir, state.checkpoint) };
}

/** The network's parameters and buffers as the addon names them, read from a weights or checkpoint file. */
export async function readNetworkWeights(source: NetworkSource): Promise<Record<string, Float32Array>> {
  const session = new Session({ device: 'cpu', threads: 1, channelsLast: false });
  try {
    await session.buildNetwork(source.arch);
    await session.loadWeights(source.weightsFile);
    return await session.stateTensors();
  } finally {
    await session.close();
  }
}

/** An ONNX model of `arch` with `weights` (state tensors as the addon names them). */
export function exportOnnx(
  arch: Architecture,
  weights: Record<string, ArrayLike<number>>,
  options: OnnxExportOptions = {},
): Uint8Array {
  return onnxModel(resolveNetwork(arch).spec, weights, { name: arch.name, ...options });
}

/**
 * A safetensors file of the network's state_dict: names without the addon's `body.` prefix, so they
 * are those of `nn.Sequential` of the blocks (README: loading it into PyTorch); the architecture and
 * its resolved block list (`spec`, what bench/python/train_throughput.py builds from) travel in the
 * header's metadata.
 */
export function exportSafetensors(
  arch: Architecture,
  weights: Record<string, ArrayLike<number>>,
): Uint8Array {
  const spec = resolveNetwork(arch).spec;
  const entries = checkWeights(spec, weights);
  const tensors: Record<string, NamedTensor> = {};
  for (const e of entries) {
    tensors[stateDictName(e.name)] = {
      shape: e.shape,
      dtype: e.integer ? 'I64' : 'F32',
      values: weights[e.name],
    };
  }
  return safetensorsBytes(tensors, {
    format: 'torchnas/safetensors@1',
    arch: JSON.stringify(arch),
    spec: JSON.stringify(spec),
  });
}

export interface ExportOptions {
  run: string;
  format: ExportFormat;
  out: string;
  /** ONNX only: fold BatchNorm into the convolutions (default true). */
  foldBatchNorm?: boolean;
}

export interface ExportResult {
  file: string;
  format: ExportFormat;
  bytes: number;
  arch: string;
  opset?: number;
}

/** `torchnas export`: a run folder's network written as ONNX or safetensors. */
export async function exportNetwork(options: ExportOptions): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `unknown export format '${options.format}': use ${EXPORT_FORMATS.join(' or ')}`,
      ['--format'],
    );
  }
  prepareOutputFile(options.out, '--out');
  const source = networkOfRun(options.run);
  const weights = await readNetworkWeights(source);
  const bytes =
    options.format === 'onnx'
      ? exportOnnx(source.arch, weights, { foldBatchNorm: options.foldBatchNorm })
      : exportSafetensors(source.arch, weights);
  writeFileAtomic(options.out, bytes);
  const opset = options.format === 'onnx' ? { opset: ONNX_OPSET } : {};
  return { file: options.out, format: options.format, bytes: bytes.length, arch: source.arch.name, ...opset };
}
