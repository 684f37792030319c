// A fixed network as an ONNX model (opset 17), written from its description and its weights with
// onnx-proto's generated protobuf classes: every block of the grammar maps to the ONNX operators that
// compute what the addon's module computes in eval mode (running BatchNorm statistics, no dropout).
// BatchNorm can be folded into the preceding convolution (scale into the weights, shift into a bias).
import { onnx } from 'onnx-proto';
import type { NativeBlock, NativeNetworkSpec } from '../../binding';
import { ONNX_OPSET, type OnnxExportOptions } from './onnx-options';
import { seChannels } from '../arch/shape';
import { checkWeights } from './tensor-names';

const BN_EPSILON = 1e-5; // LibTorch's BatchNorm2d default, which the addon keeps
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;

type Attribute = onnx.IAttributeProto;
export const ints = (name: string, values: number[]): Attribute => ({ name, type: A.INTS, ints: values });
export const int = (name: string, value: number): Attribute => ({ name, type: A.INT, i: value });
export const float = (name: string, value: number): Attribute => ({ name, type: A.FLOAT, f: value });

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private count = 0;

  constant(name: string, dims: number[], values: ArrayLike<number>): string {
    const data = Float32Array.from(values);
    this.initializers.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A float scalar initializer, written once however often it is used. */
  scalar(name: string, value: number): string {
    if (!this.initializers.some((t) => t.name === name)) this.constant(name, [], [value]);
    return name;
  }

  int64s(name: string, values: number[]): string {
    const data = BigInt64Array.from(values.map(BigInt));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  node(opType: string, inputs: string[], attribute: Attribute[] = [], hint = opType.toLowerCase()): string {
    const output = `${hint}_${this.count++}`;
    this.nodes.push({ opType, input: inputs, output: [output], attribute, name: output });
    return output;
  }
}

export interface ConvBnNames {
  conv: string; // the convolution's module name (`<conv>.weight`)
  bn: string; // the BatchNorm's module name (`<bn>.weight`, `.bias`, `.running_mean`, `.running_var`)
  cin: number;
  cout: number;
  kernel: number;
  stride: number;
  groups: number;
}

/** A bias-free convolution and the BatchNorm after it, folded into one Conv or as two nodes. */
export function convBn(
  g: GraphBuilder,
  weights: Record<string, ArrayLike<number>>,
  fold: boolean,
  x: string,
  c: ConvBnNames,
): string {
  const w = weights[`${c.conv}.weight`];
  const dims = [c.cout, c.cin / c.groups, c.kernel, c.kernel];
  const attrs = [
    ints('kernel_shape', [c.kernel, c.kernel]),
    ints('strides', [c.stride, c.stride]),
    ints('pads', Array(4).fill(Math.floor(c.kernel / 2))),
    int('group', c.groups),
  ];
  const bn = (k: string) => weights[`${c.bn}.${k}`];
  if (fold) {
    const scale = Float64Array.from(bn('weight'), (v, i) => v / Math.sqrt(bn('running_var')[i] + BN_EPSILON));
    const per = w.length / c.cout;
    const folded = Float32Array.from(w, (v, i) => v * scale[Math.floor(i / per)]);
    const bias = Float32Array.from(scale, (v, i) => bn('bias')[i] - bn('running_mean')[i] * v);
    return g.node(
      'Conv',
      [x, g.constant(`${c.conv}.weight`, dims, folded), g.constant(`${c.conv}.bias`, [c.cout], bias)],
      attrs,
    );
  }
  const y = g.node('Conv', [x, g.constant(`${c.conv}.weight`, dims, w)], attrs);
  return batchNorm(g, weights, y, c.bn, c.cout);
}

/** BatchNormalization with a module's running statistics (eval mode). */
export function batchNorm(
  g: GraphBuilder,
  weights: Record<string, ArrayLike<number>>,
  x: string,
  prefix: string,
  channels: number,
): string {
  const stats = ['weight', 'bias', 'running_mean', 'running_var'].map((k) =>
    g.constant(`${prefix}.${k}`, [channels], weights[`${prefix}.${k}`]),
  );
  return g.node('BatchNormalization', [x, ...stats], [float('epsilon', BN_EPSILON)]);
}

// A feature map [C, H, W], or features [F] after global pooling or a linear layer (f set).
interface MapShape {
  c: number;
  h: number;
  w: number;
  f?: number;
}

class NetworkWriter {
  private readonly g = new GraphBuilder();

  constructor(
    private readonly weights: Record<string, ArrayLike<number>>,
    private readonly fold: boolean,
  ) {}

  get graph() {
    return this.g;
  }

  private activation(x: string, act: string | undefined): string {
    switch (act ?? 'relu') {
      case 'none':
        return x;
      case 'relu':
        return this.g.node('Relu', [x]);
      case 'relu6':
        return this.g.node('Clip', [x, this.g.scalar('zero', 0), this.g.scalar('six', 6)]);
      case 'hswish':
        return this.g.node('HardSwish', [x]);
      case 'swish':
        return this.g.node('Mul', [x, this.g.node('Sigmoid', [x])], [], 'swish');
      default:
        throw new Error(`unknown activation '${act}'`);
    }
  }

  /** conv (no bias) -> BatchNorm -> activation, the addon's ConvBnAct. */
  convBnAct(
    prefix: string,
    x: string,
    cin: number,
    cout: number,
    kernel: number,
    stride: number,
    groups: number,
    act?: string,
  ) {
    const y = convBn(this.g, this.weights, this.fold, x, {
      conv: `${prefix}.conv`,
      bn: `${prefix}.bn`,
      cin,
      cout,
      kernel,
      stride,
      groups,
    });
    return this.activation(y, act);
  }

  private squeezeExcite(prefix: string, x: string, mid: number, reduced: number): string {
    const p = (k: string) => this.weights[`${prefix}.${k}`];
    let s = this.g.node('ReduceMean', [x], [ints('axes', [2, 3]), int('keepdims', 1)]);
    s = this.g.node(
      'Conv',
      [
        s,
        this.g.constant(`${prefix}.reduce.weight`, [reduced, mid, 1, 1], p('reduce.weight')),
        this.g.constant(`${prefix}.reduce.bias`, [reduced], p('reduce.bias')),
      ],
      [ints('kernel_shape', [1, 1])],
    );
    s = this.g.node('Relu', [s]);
    s = this.g.node(
      'Conv',
      [
        s,
        this.g.constant(`${prefix}.expand.weight`, [mid, reduced, 1, 1], p('expand.weight')),
        this.g.constant(`${prefix}.expand.bias`, [mid], p('expand.bias')),
      ],
      [ints('kernel_shape', [1, 1])],
    );
    // PyTorch's hardsigmoid: relu6(x + 3) / 6.
    s = this.g.node('HardSigmoid', [s], [float('alpha', 1 / 6), float('beta', 0.5)]);
    return this.g.node('Mul', [x, s]);
  }

  private mbconv(prefix: string, x: string, b: NativeBlock): string {
    const expand = b.expand ?? 1;
    const kernel = b.kernel ?? 3;
    const stride = b.stride ?? 1;
    const mid = b.in * expand;
    let y = expand !== 1 ? this.convBnAct(`${prefix}.conv_pw`, x, b.in, mid, 1, 1, 1, b.act ?? 'relu6') : x;
    y = this.convBnAct(`${prefix}.conv_dw`, y, mid, mid, kernel, stride, mid, b.act ?? 'relu6');
    if ((b.se ?? 0) > 0) y = this.squeezeExcite(`${prefix}.se`, y, mid, seChannels(b.in, b.se ?? 0));
    y = this.convBnAct(`${prefix}.conv_pwl`, y, mid, b.out, 1, 1, 1, 'none');
    const shortcut = (b.residual ?? true) && stride === 1 && b.in === b.out;
    return shortcut ? this.g.node('Add', [y, x]) : y;
  }

  /** Zeros of [batch, out, ceil(h / s), ceil(w / s)], the batch taken from the input. */
  private zeros(x: string, b: NativeBlock, shape: MapShape): string {
    const s = b.stride ?? 1;
    const first = [this.g.int64s(`zero_start_${b.out}`, [0]), this.g.int64s(`zero_end_${b.out}`, [1])];
    const batch = this.g.node('Slice', [this.g.node('Shape', [x]), ...first]);
    const rest = this.g.int64s(`zero_dims_${b.out}_${s}_${shape.h}_${shape.w}`, [
      b.out,
      Math.ceil(shape.h / s),
      Math.ceil(shape.w / s),
    ]);
    const dims = this.g.node('Concat', [batch, rest], [int('axis', 0)]);
    return this.g.node(
      'ConstantOfShape',
      [dims],
      [{ name: 'value', type: A.TENSOR, t: { dims: [1], dataType: FLOAT, floatData: [0] } }],
    );
  }

  block(i: number, x: string, b: NativeBlock, shape: MapShape): [string, MapShape] {
    const prefix = `body.${i}`;
    const k = b.kernel ?? 1;
    const s = b.stride ?? 1;
    const out = (kernel: number, padding: number) => ({
      c: b.out,
      h: Math.floor((shape.h + 2 * padding - kernel) / s) + 1,
      w: Math.floor((shape.w + 2 * padding - kernel) / s) + 1,
    });
    switch (b.op) {
      case 'conv':
        return [this.convBnAct(prefix, x, b.in, b.out, k, s, 1, b.act), out(k, Math.floor(k / 2))];
      case 'mbconv':
        return [this.mbconv(prefix, x, b), out(b.kernel ?? 3, Math.floor((b.kernel ?? 3) / 2))];
      case 'identity':
      case 'dropout':
        return [x, shape];
      case 'zero':
        return [this.zeros(x, b, shape), { c: b.out, h: Math.ceil(shape.h / s), w: Math.ceil(shape.w / s) }];
      case 'maxpool':
      case 'avgpool': {
        const p = Math.floor((k - 1) / 2);
        const attrs = [ints('kernel_shape', [k, k]), ints('strides', [s, s]), ints('pads', [p, p, p, p])];
        if (b.op === 'avgpool') attrs.push(int('count_include_pad', 0));
        return [
          this.g.node(b.op === 'maxpool' ? 'MaxPool' : 'AveragePool', [x], attrs),
          { ...out(k, p), c: shape.c },
        ];
      }
      case 'gap':
        return [
          this.g.node('ReduceMean', [x], [ints('axes', [2, 3]), int('keepdims', 0)]),
          { ...shape, f: shape.c },
        ];
      case 'linear': {
        const w = this.g.constant(`${prefix}.weight`, [b.out, b.in], this.weights[`${prefix}.weight`]);
        const bias = this.g.constant(`${prefix}.bias`, [b.out], this.weights[`${prefix}.bias`]);
        return [this.g.node('Gemm', [x, w, bias], [int('transB', 1)]), { ...shape, f: b.out }];
      }
    }
    throw new Error(`unsupported block op '${b.op}'`);
  }
}

/**
 * The ONNX model (serialized ModelProto) of a fixed network with these weights. `features` gives a
 * graph whose input is a feature vector [batch, F] instead of the spec's map (a lone linear layer,
 * as latency tables time it).
 */
export function onnxModel(
  spec: NativeNetworkSpec,
  weights: Record<string, ArrayLike<number>>,
  options: OnnxExportOptions & { features?: number } = {},
): Uint8Array {
  checkWeights(spec, weights);
  const writer = new NetworkWriter(weights, options.foldBatchNorm ?? true);
  let x = 'input';
  let shape: MapShape = {
    c: spec.input.channels,
    h: spec.input.height,
    w: spec.input.width,
    f: options.features,
  };
  for (const [i, b] of spec.blocks.entries()) [x, shape] = writer.block(i, x, b, shape);
  const g = writer.graph;
  const output = shape.f !== undefined && spec.blocks.at(-1)?.op === 'linear' ? 'logits' : 'output';
  const dims = (m: MapShape) => (m.f !== undefined ? [m.f] : [m.c, m.h, m.w]);
  const inputShape: MapShape = {
    c: spec.input.channels,
    h: spec.input.height,
    w: spec.input.width,
    f: options.features,
  };
  return serializeModel(g, options.name ?? 'torchnas', x, dims(inputShape), output, dims(shape));
}

/** The graph as a serialized ModelProto: input `input` and output `output` with a symbolic batch. */
export function serializeModel(
  g: GraphBuilder,
  name: string,
  last: string,
  inputDims: number[],
  output: string,
  outputDims: number[],
): Uint8Array {
  g.nodes.push({ opType: 'Identity', input: [last], output: [output], name: output });
  const dims = (d: number[]) => ({ dim: [{ dimParam: 'batch' }, ...d.map((v) => ({ dimValue: v }))] });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'torchnas',
    graph: {
      name,
      node: g.nodes,
      initializer: g.initializers,
      input: [{ name: 'input', type: { tensorType: { elemType: FLOAT, shape: dims(inputDims) } } }],
      output: [{ name: output, type: { tensorType: { elemType: FLOAT, shape: dims(outputDims) } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
