// Every parameter and buffer a fixed network holds, by the name the addon gives it and with its shape,
// derived from the network's description alone: the ONNX and safetensors writers check the weights
// they are given against it, so a checkpoint of another architecture is refused, not half-exported.
import type { NativeBlock, NativeNetworkSpec } from '../../binding';
import { seChannels } from '../arch/shape';
import { TorchnasError } from '../errors';

/** A tensor's name in a safetensors file: PyTorch's nn.Sequential of the blocks, without the addon's `body.`. */
export const stateDictName = (name: string): string => name.replace(/^body\./, '');

export interface TensorEntry {
  name: string;
  shape: number[];
  /** BatchNorm's step counter is an integer in PyTorch's state_dict. */
  integer?: boolean;
}

const batchNorm = (prefix: string, c: number): TensorEntry[] => [
  { name: `${prefix}.weight`, shape: [c] },
  { name: `${prefix}.bias`, shape: [c] },
  { name: `${prefix}.running_mean`, shape: [c] },
  { name: `${prefix}.running_var`, shape: [c] },
  { name: `${prefix}.num_batches_tracked`, shape: [], integer: true },
];

const convBn = (prefix: string, cin: number, cout: number, kernel: number, groups = 1): TensorEntry[] => [
  { name: `${prefix}.conv.weight`, shape: [cout, cin / groups, kernel, kernel] },
  ...batchNorm(`${prefix}.bn`, cout),
];

function blockEntries(prefix: string, b: NativeBlock): TensorEntry[] {
  switch (b.op) {
    case 'conv':
      return convBn(prefix, b.in, b.out, b.kernel ?? 1);
    case 'mbconv': {
      const mid = b.in * (b.expand ?? 1);
      const out: TensorEntry[] = [];
      if ((b.expand ?? 1) !== 1) out.push(...convBn(`${prefix}.conv_pw`, b.in, mid, 1));
      out.push(...convBn(`${prefix}.conv_dw`, mid, mid, b.kernel ?? 3, mid));
      if ((b.se ?? 0) > 0) {
        const r = seChannels(b.in, b.se ?? 0);
        out.push(
          { name: `${prefix}.se.reduce.weight`, shape: [r, mid, 1, 1] },
          { name: `${prefix}.se.reduce.bias`, shape: [r] },
          { name: `${prefix}.se.expand.weight`, shape: [mid, r, 1, 1] },
          { name: `${prefix}.se.expand.bias`, shape: [mid] },
        );
      }
      out.push(...convBn(`${prefix}.conv_pwl`, mid, b.out, 1));
      return out;
    }
    case 'linear':
      return [
        { name: `${prefix}.weight`, shape: [b.out, b.in] },
        { name: `${prefix}.bias`, shape: [b.out] },
      ];
    case 'identity':
    case 'zero':
    case 'maxpool':
    case 'avgpool':
    case 'gap':
    case 'dropout':
      return [];
    default:
      throw new TorchnasError(
        'E_INVALID_ARGUMENT',
        `cannot export block op '${(b as NativeBlock).op}': ` +
          'known ops are conv, mbconv, identity, zero, maxpool, avgpool, gap, linear, dropout',
      );
  }
}

/** The network's tensors in block order, named as the addon's state tensors (`body.<i>.…`). */
export function tensorEntries(spec: NativeNetworkSpec): TensorEntry[] {
  return spec.blocks.flatMap((b, i) => blockEntries(`body.${i}`, b));
}

/** A NAS-Bench-201 network's tensors (native/spaces/nb201_network.cc), from its cell and skeleton. */
export function nb201TensorEntries(
  ops: readonly string[],
  channels: number,
  cells: number,
  classes: number,
  inChannels: number,
): TensorEntry[] {
  const out: TensorEntry[] = [
    { name: 'stem.0.weight', shape: [channels, inChannels, 3, 3] },
    ...batchNorm('stem.1', channels),
  ];
  let width = channels;
  let index = 0;
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      const p = `cells.${index++}`;
      out.push(
        ...convBn(`${p}.conv_a`, width, 2 * width, 3),
        ...convBn(`${p}.conv_b`, 2 * width, 2 * width, 3),
        { name: `${p}.downsample.weight`, shape: [2 * width, width, 1, 1] },
      );
      width *= 2;
    }
    for (let i = 0; i < cells; i++, index++) {
      ops.forEach((op, e) => {
        const kernel = { nor_conv_1x1: 1, nor_conv_3x3: 3 }[op as 'nor_conv_1x1'];
        if (kernel) out.push(...convBn(`cells.${index}.edges.${e}`, width, width, kernel));
      });
    }
  }
  out.push(
    ...batchNorm('lastact', width),
    { name: 'classifier.weight', shape: [classes, width] },
    { name: 'classifier.bias', shape: [classes] },
  );
  return out;
}

/** Checks `weights` holds exactly the network's tensors with their sizes; names the first mismatch. */
export function checkWeights(
  spec: NativeNetworkSpec | TensorEntry[],
  weights: Record<string, ArrayLike<number>>,
): TensorEntry[] {
  const entries = Array.isArray(spec) ? spec : tensorEntries(spec);
  const expected = new Set(entries.map((e) => e.name));
  const extra = Object.keys(weights).filter((n) => !expected.has(n));
  for (const e of entries) {
    const values = weights[e.name];
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (!values)
      throw new TorchnasError(
        'E_DATA',
        `the weights lack '${e.name}' of this architecture: were they saved from another network?`,
      );
    if (values.length !== size) {
      throw new TorchnasError(
        'E_DATA',
        `'${e.name}' holds ${values.length} values, the architecture needs ${size} ` +
          `(shape [${e.shape.join(', ')}]): the weights are of another network`,
      );
    }
  }
  if (extra.length) {
    throw new TorchnasError(
      'E_DATA',
      `the weights hold '${extra[0]}', which this architecture has no place for: they are of another network`,
    );
  }
  return entries;
}
