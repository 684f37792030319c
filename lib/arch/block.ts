// A block of a fixed network, as data. `grammar.ts` reads and writes it as a short string
// (timm-style: `mb_k5_s2_e6_c40_se0.25`), `shape.ts` resolves channels and counts its cost.

export const ACTIVATIONS = ['none', 'relu', 'relu6', 'hswish', 'swish'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export type Block =
  | { op: 'conv'; kernel: number; stride: number; out: number; act: Activation }
  | { op: 'mbconv'; kernel: number; stride: number; expand: number; out: number; se: number; act: Activation }
  | { op: 'identity' }
  | { op: 'zero'; stride: number; out?: number }
  | { op: 'maxpool' | 'avgpool'; kernel: number; stride: number }
  | { op: 'gap' }
  | { op: 'linear'; out?: number } // out defaults to the number of classes
  | { op: 'dropout'; p: number };

export type BlockOp = Block['op'];
