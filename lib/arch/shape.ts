// Shape inference over an architecture: resolves every block's input and output channels, checks
// that the blocks fit together, and counts parameters and multiply-accumulates (MACs). The result
// is both the cost report and the spec the native builder takes.
import type { NativeBlock, NativeNetworkSpec } from '../../binding';
import { invalid } from '../errors';
import type { Architecture } from './architecture';
import { blocksOf } from './architecture';
import type { Block } from './block';

export type Tensor = { kind: 'map'; c: number; h: number; w: number } | { kind: 'vector'; f: number };

/** SE bottleneck width as the addon rounds it: max(1, lround(in * ratio)). */
export const seChannels = (inChannels: number, ratio: number) =>
  Math.max(1, Math.floor(inChannels * ratio + 0.5));

export interface LayerCost {
  block: string;
  output: number[]; // [C, H, W] or [F]
  params: number;
  macs: number;
}

export interface ResolvedNetwork {
  spec: NativeNetworkSpec;
  layers: LayerCost[];
  params: number;
  macs: number;
}

const spatial = (size: number, kernel: number, stride: number, padding: number) =>
  Math.floor((size + 2 * padding - kernel) / stride) + 1;
const bn = (c: number) => 2 * c;

export function resolveNetwork(arch: Architecture): ResolvedNetwork {
  const blocks = blocksOf(arch);
  let x = { kind: 'map', c: arch.input[0], h: arch.input[1], w: arch.input[2] } as Tensor;
  const layers: LayerCost[] = [];
  const native: NativeBlock[] = [];
  for (const [i, block] of blocks.entries()) {
    const where = `block ${i} '${arch.blocks[i]}'`;
    const [next, params, macs, spec] = resolveBlock(block, x, arch.classes, where);
    layers.push({
      block: arch.blocks[i],
      output: next.kind === 'map' ? [next.c, next.h, next.w] : [next.f],
      params,
      macs,
    });
    native.push(spec);
    x = next as Tensor;
  }
  if (x.kind !== 'vector' || x.f !== arch.classes) {
    const got = x.kind === 'map' ? `a feature map [${x.c}, ${x.h}, ${x.w}]` : `${x.f} features`;
    throw invalid(
      `the network ends in ${got}, but must end in ${arch.classes} class scores: finish with 'gap' and 'fc'`,
    );
  }
  return {
    spec: {
      input: { channels: arch.input[0], height: arch.input[1], width: arch.input[2] },
      classes: arch.classes,
      blocks: native,
    },
    layers,
    params: layers.reduce((a, l) => a + l.params, 0),
    macs: layers.reduce((a, l) => a + l.macs, 0),
  };
}

function needMap(x: Tensor, where: string): { c: number; h: number; w: number } {
  if (x.kind !== 'map')
    throw invalid(`${where} needs a feature map, but comes after 'gap': move it before 'gap'`);
  return x;
}

/** One block applied to a tensor shape: [output shape, params, MACs, native spec]. */
export function resolveBlock(
  block: Block,
  x: Tensor,
  classes: number,
  where: string,
): [Tensor, number, number, NativeBlock] {
  switch (block.op) {
    case 'conv': {
      const { c, h, w } = needMap(x, where);
      const p = (block.kernel - 1) / 2;
      const [ho, wo] = [spatial(h, block.kernel, block.stride, p), spatial(w, block.kernel, block.stride, p)];
      if (ho < 1 || wo < 1)
        throw invalid(`${where}: the feature map (${h}x${w}) is too small for this stride`);
      const params = block.kernel * block.kernel * c * block.out + bn(block.out);
      const macs = ho * wo * block.kernel * block.kernel * c * block.out;
      return [
        { kind: 'map', c: block.out, h: ho, w: wo },
        params,
        macs,
        { op: 'conv', in: c, out: block.out, kernel: block.kernel, stride: block.stride, act: block.act },
      ];
    }
    case 'mbconv': {
      const { c, h, w } = needMap(x, where);
      const mid = c * block.expand;
      const p = (block.kernel - 1) / 2;
      const [ho, wo] = [spatial(h, block.kernel, block.stride, p), spatial(w, block.kernel, block.stride, p)];
      if (ho < 1 || wo < 1)
        throw invalid(`${where}: the feature map (${h}x${w}) is too small for this stride`);
      let params = 0;
      let macs = 0;
      if (block.expand !== 1) {
        params += c * mid + bn(mid);
        macs += h * w * c * mid;
      }
      params += block.kernel * block.kernel * mid + bn(mid);
      macs += ho * wo * block.kernel * block.kernel * mid;
      if (block.se > 0) {
        const r = seChannels(c, block.se);
        params += mid * r + r + r * mid + mid;
        macs += 2 * mid * r + ho * wo * mid;
      }
      params += mid * block.out + bn(block.out);
      macs += ho * wo * mid * block.out;
      return [
        { kind: 'map', c: block.out, h: ho, w: wo },
        params,
        macs,
        {
          op: 'mbconv',
          in: c,
          out: block.out,
          kernel: block.kernel,
          stride: block.stride,
          expand: block.expand,
          se: block.se,
          act: block.act,
        },
      ];
    }
    case 'identity': {
      const { c } = needMap(x, where);
      return [x, 0, 0, { op: 'identity', in: c, out: c }];
    }
    case 'zero': {
      const { c, h, w } = needMap(x, where);
      const out = block.out ?? c;
      return [
        { kind: 'map', c: out, h: Math.ceil(h / block.stride), w: Math.ceil(w / block.stride) },
        0,
        0,
        { op: 'zero', in: c, out, stride: block.stride },
      ];
    }
    case 'maxpool':
    case 'avgpool': {
      const { c, h, w } = needMap(x, where);
      const p = Math.floor((block.kernel - 1) / 2);
      const [ho, wo] = [spatial(h, block.kernel, block.stride, p), spatial(w, block.kernel, block.stride, p)];
      if (ho < 1 || wo < 1)
        throw invalid(`${where}: the feature map (${h}x${w}) is too small for this pooling`);
      return [
        { kind: 'map', c, h: ho, w: wo },
        0,
        0,
        { op: block.op, in: c, out: c, kernel: block.kernel, stride: block.stride },
      ];
    }
    case 'gap': {
      const { c } = needMap(x, where);
      return [{ kind: 'vector', f: c }, 0, 0, { op: 'gap', in: c, out: c }];
    }
    case 'linear': {
      if (x.kind !== 'vector') throw invalid(`${where}: 'fc' needs a feature vector: put 'gap' before it`);
      const out = block.out ?? classes;
      return [{ kind: 'vector', f: out }, x.f * out + out, x.f * out, { op: 'linear', in: x.f, out }];
    }
    case 'dropout': {
      const c = x.kind === 'map' ? x.c : x.f;
      return [x, 0, 0, { op: 'dropout', in: c, out: c, p: block.p }];
    }
  }
}
