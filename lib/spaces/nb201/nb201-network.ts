// The NAS-Bench-201 cell network (the benchmark's TinyNetwork, built natively by
// native/spaces/nb201_network.cc) described layer by layer: parameters and FLOPs of any cell without
// building it. Layer names are the native module paths, so the native `params` and `flops` proxies
// report the same layers. FLOPs are counted as NAS-Bench-201 counts them (flop_benchmark.py): a
// multiply-add per weight use in convolutions and the classifier, one add per bias, kernel-area
// operations per output of average pooling; BatchNorm, ReLU, additions and global pooling are free.
import { z } from 'zod';
import { fromZod } from '../../errors';
import { formatNb201Cell, parseNb201Cell, type Nb201Cell } from './nb201-cell';

export const Nb201NetworkOptionsSchema = z
  .object({
    classes: z.number().int().positive().default(10),
    /** C: the first stage's width (16 in the benchmark). */
    channels: z.number().int().positive().default(16),
    /** N: cells per stage (5 in the benchmark). */
    cells: z.number().int().positive().default(5),
    /** [channels, height, width] of the input images. */
    input: z
      .tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
      .default([3, 32, 32]),
  })
  .strict();
export type Nb201NetworkOptions = z.input<typeof Nb201NetworkOptionsSchema>;

export interface Nb201Layer {
  name: string;
  params: number;
  flops: number;
}

export interface Nb201NetworkCost {
  params: number;
  flops: number;
  /** Modules with parameters, and `pooling` for the FLOPs of all pooling. */
  layers: Nb201Layer[];
}

export function parseNb201NetworkOptions(
  options: Nb201NetworkOptions = {},
): z.output<typeof Nb201NetworkOptionsSchema> {
  const parsed = Nb201NetworkOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('NB201 network options', parsed.error);
  return parsed.data;
}

/** Output size of a convolution or pooling window (a ceil-mode window always starts inside the input). */
const spatial = (size: number, kernel: number, stride: number, padding: number, ceil = false) => {
  const steps = (size + 2 * padding - kernel) / stride;
  return (ceil ? Math.ceil(steps) : Math.floor(steps)) + 1;
};

class LayerList {
  readonly layers: Nb201Layer[] = [];
  pooling = 0;

  conv(name: string, cin: number, cout: number, kernel: number, h: number, w: number): void {
    this.layers.push({
      name,
      params: cin * cout * kernel * kernel,
      flops: h * w * cout * cin * kernel * kernel,
    });
  }

  batchNorm(name: string, channels: number): void {
    this.layers.push({ name, params: 2 * channels, flops: 0 });
  }

  /** ReLU -> conv (no bias) -> affine BatchNorm, as `name.conv` and `name.bn`. */
  reluConvBn(name: string, cin: number, cout: number, kernel: number, h: number, w: number): void {
    this.conv(`${name}.conv`, cin, cout, kernel, h, w);
    this.batchNorm(`${name}.bn`, cout);
  }

  linear(name: string, inputs: number, outputs: number): void {
    this.layers.push({ name, params: inputs * outputs + outputs, flops: inputs * outputs + outputs });
  }
}

/** Parameters and FLOPs (one image) of the NB201 network of a cell (its string or its six ops), layer by layer. */
export function nb201CellCost(arch: string | Nb201Cell, options: Nb201NetworkOptions = {}): Nb201NetworkCost {
  // Through the canonical string: a list of ops is checked as a string is.
  const cell: Nb201Cell = parseNb201Cell(typeof arch === 'string' ? arch : formatNb201Cell(arch));
  const o = parseNb201NetworkOptions(options);
  const list = new LayerList();
  let [width, h, w] = [o.channels, o.input[1], o.input[2]];
  list.conv('stem.0', o.input[0], width, 3, h, w);
  list.batchNorm('stem.1', width);
  let index = 0;
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      const name = `cells.${index++}`;
      const [h2, w2] = [spatial(h, 3, 2, 1), spatial(w, 3, 2, 1)];
      list.reluConvBn(`${name}.conv_a`, width, 2 * width, 3, h2, w2);
      list.reluConvBn(`${name}.conv_b`, 2 * width, 2 * width, 3, h2, w2);
      // The shortcut: 2x2 average pooling (ceil mode, as the strided conv rounds up), then a 1x1 conv.
      list.pooling += 4 * width * spatial(h, 2, 2, 0, true) * spatial(w, 2, 2, 0, true);
      list.conv(`${name}.downsample`, width, 2 * width, 1, h2, w2);
      [width, h, w] = [2 * width, h2, w2];
    }
    for (let c = 0; c < o.cells; c++) {
      const name = `cells.${index++}`;
      cell.forEach((op, e) => {
        if (op === 'nor_conv_1x1') list.reluConvBn(`${name}.edges.${e}`, width, width, 1, h, w);
        else if (op === 'nor_conv_3x3') list.reluConvBn(`${name}.edges.${e}`, width, width, 3, h, w);
        else if (op === 'avg_pool_3x3') list.pooling += 9 * width * h * w;
      });
    }
  }
  list.batchNorm('lastact', width);
  list.linear('classifier', width, o.classes);
  const layers =
    list.pooling > 0 ? [...list.layers, { name: 'pooling', params: 0, flops: list.pooling }] : list.layers;
  return {
    params: layers.reduce((sum, l) => sum + l.params, 0),
    flops: layers.reduce((sum, l) => sum + l.flops, 0),
    layers,
  };
}
