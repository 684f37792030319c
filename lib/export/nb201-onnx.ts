// A NAS-Bench-201 network (CIFAR skeleton: stem, 3 stages of N cells joined by ResNet reduction
// blocks, BN-ReLU, global pooling, classifier) as an ONNX model, from its cell and the addon's
// weights, computing what native/spaces/nb201_network.cc computes in eval mode.
import { Nb201BuildOptionsSchema, type Nb201BuildOptions } from '../benchmarks/nb201-session';
import { fromZod } from '../errors';
import { nb201ArchString, type Nb201Arch } from '../benchmarks';
import { NB201_EDGES, parseNb201Cell } from '../spaces/nb201/nb201-cell';
import { batchNorm, convBn, GraphBuilder, int, ints, serializeModel } from './onnx';
import type { OnnxExportOptions } from './onnx-options';
import { checkWeights, nb201TensorEntries } from './tensor-names';

// avg_pool_3x3 as the addon's Pool2d: padding 1, padded cells not counted.
const AVG_POOL_3X3 = [
  ints('kernel_shape', [3, 3]),
  ints('strides', [1, 1]),
  ints('pads', [1, 1, 1, 1]),
  int('count_include_pad', 0),
];

class Nb201Writer {
  readonly g = new GraphBuilder();

  constructor(
    private readonly weights: Record<string, ArrayLike<number>>,
    private readonly fold: boolean,
  ) {}

  /** ReLU -> conv (no bias) -> BatchNorm: the addon's ReluConvBn. */
  reluConvBn(prefix: string, x: string, cin: number, cout: number, kernel: number, stride = 1): string {
    const relu = this.g.node('Relu', [x]);
    return convBn(this.g, this.weights, this.fold, relu, {
      conv: `${prefix}.conv`,
      bn: `${prefix}.bn`,
      cin,
      cout,
      kernel,
      stride,
      groups: 1,
    });
  }

  cell(prefix: string, x: string, ops: readonly string[], c: number): string {
    const nodes: (string | undefined)[] = [x, undefined, undefined, undefined];
    const zeros = () => this.g.node('Mul', [x, this.g.scalar('zero', 0)], [], 'zeros');
    NB201_EDGES.forEach(([to, from], e) => {
      nodes[from] ??= zeros(); // a node no edge reached is zero
      if (ops[e] === 'none') return;
      const input = nodes[from] as string;
      let y: string;
      if (ops[e] === 'skip_connect') y = input;
      else if (ops[e] === 'avg_pool_3x3') y = this.g.node('AveragePool', [input], AVG_POOL_3X3);
      else y = this.reluConvBn(`${prefix}.edges.${e}`, input, c, c, ops[e] === 'nor_conv_1x1' ? 1 : 3);
      nodes[to] = nodes[to] === undefined ? y : this.g.node('Add', [nodes[to] as string, y]);
    });
    return nodes[3] ?? zeros();
  }

  reduction(prefix: string, x: string, cin: number, cout: number): string {
    const a = this.reluConvBn(`${prefix}.conv_a`, x, cin, cout, 3, 2);
    const b = this.reluConvBn(`${prefix}.conv_b`, a, cout, cout, 3);
    // ceil_mode as the addon: odd sizes pool to what the strided convolution gives.
    const pooled = this.g.node(
      'AveragePool',
      [x],
      [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), int('ceil_mode', 1)],
    );
    const name = `${prefix}.downsample.weight`;
    const projection = this.g.constant(name, [cout, cin, 1, 1], this.weights[name]);
    const residual = this.g.node('Conv', [pooled, projection], [ints('kernel_shape', [1, 1])]);
    return this.g.node('Add', [residual, b]);
  }
}

/** The ONNX model of a NAS-Bench-201 network (build options as `Session.buildNb201`) with these weights. */
export function exportNb201Onnx(
  options: Nb201BuildOptions,
  weights: Record<string, ArrayLike<number>>,
  exportOptions: OnnxExportOptions = {},
): Uint8Array {
  const parsed = Nb201BuildOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('NB201 network options', parsed.error);
  const { arch, channels, cells, classes, input } = parsed.data;
  const ops = parseNb201Cell(nb201ArchString(arch as Nb201Arch));
  checkWeights(nb201TensorEntries(ops, channels, cells, classes, input[0]), weights);
  const w = new Nb201Writer(weights, exportOptions.foldBatchNorm ?? true);
  let width = channels;
  const stem = { conv: 'stem.0', bn: 'stem.1', cin: input[0], cout: width, kernel: 3, stride: 1, groups: 1 };
  let x = convBn(w.g, weights, exportOptions.foldBatchNorm ?? true, 'input', stem);
  let index = 0;
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      x = w.reduction(`cells.${index++}`, x, width, 2 * width);
      width *= 2;
    }
    for (let i = 0; i < cells; i++) x = w.cell(`cells.${index++}`, x, ops, width);
  }
  x = w.g.node('Relu', [batchNorm(w.g, weights, x, 'lastact', width)]);
  x = w.g.node('ReduceMean', [x], [ints('axes', [2, 3]), int('keepdims', 0)]);
  const fc = (k: string) =>
    w.g.constant(
      `classifier.${k}`,
      k === 'weight' ? [classes, width] : [classes],
      weights[`classifier.${k}`],
    );
  x = w.g.node('Gemm', [x, fc('weight'), fc('bias')], [int('transB', 1)]);
  return serializeModel(w.g, exportOptions.name ?? `nb201-${ops.join('-')}`, x, [...input], 'logits', [
    classes,
  ]);
}
