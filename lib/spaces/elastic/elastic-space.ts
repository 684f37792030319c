// An elastic (weight-sharing, one-shot) search space as plain data: fixed stem blocks, stages of
// MBConv blocks whose depth, width, kernel sizes and expand ratios are chosen per subnet, the input
// resolution, and fixed head blocks. From this one description come the supernet's native spec, a
// subnet's canonical string, its fixed architecture (the block grammar) and so its cost and
// latency-table keys, and the samplers.
import { z } from 'zod';
import type { NativeBlock, NativeElasticSpec, NativeSubnet } from '../../../binding';
import {
  ACTIVATIONS,
  canonicalBlock,
  decodeBlock,
  encodeBlock,
  parseArchitecture,
  resolveBlock,
  resolveNetwork,
  type Architecture,
  type Block,
  type Tensor,
} from '../../arch';
import { fromZod, invalid } from '../../errors';

const ints = z.array(z.number().int().positive()).min(1);
const StageSchema = z
  .object({
    widths: ints,
    depths: ints,
    kernels: ints.refine((ks) => ks.every((k) => k % 2 === 1), 'kernels must be odd (3, 5, 7...)'),
    expands: ints,
    stride: z.number().int().positive().default(1),
    // Squeeze-excite ratio of every block in the stage (0: none), as the block grammar's `se`.
    se: z.number().min(0).max(1).default(0),
    act: z.enum(ACTIVATIONS).default('relu6'),
  })
  .strict();

export const ElasticSpaceSchema = z
  .object({
    name: z.string().min(1),
    input: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    classes: z.number().int().min(2),
    // Input sizes a subnet may take (the batch is resized); defaults to the input's height.
    resolutions: ints.optional(),
    stem: z.array(z.string()),
    stages: z.array(StageSchema).min(1),
    head: z.array(z.string()).min(1),
  })
  .strict();

export type ElasticSpace = z.output<typeof ElasticSpaceSchema>;
export type ElasticStage = ElasticSpace['stages'][number];

/** One subnet: a resolution, and per stage a depth, a width, and a kernel and expand ratio per block. */
export interface Subnet {
  resolution: number;
  stages: { width: number; kernels: number[]; expands: number[] }[];
}

export interface ResolvedElasticSpace {
  space: ElasticSpace;
  resolutions: number[];
  stem: NativeBlock[];
  stemChannels: number;
  head: NativeBlock[];
}

const sorted = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);

export function parseElasticSpace(value: unknown): ElasticSpace {
  const parsed = ElasticSpaceSchema.safeParse(value);
  if (!parsed.success) throw fromZod('elastic search space', parsed.error);
  const space = parsed.data;
  const stages = space.stages.map((s) => ({
    ...s,
    widths: sorted(s.widths),
    depths: sorted(s.depths),
    kernels: sorted(s.kernels),
    expands: sorted(s.expands),
  }));
  for (const [i, s] of stages.entries()) {
    if (s.expands.includes(1) && s.expands.length > 1) {
      // Expand 1 has no expansion conv, so its depthwise channels are the input's: they cannot share
      // a prefix with the expanded blocks' channels.
      throw invalid(
        `stage ${i}: expand ratio 1 cannot be mixed with others (expands ${s.expands.join(', ')})`,
        ['stages'],
      );
    }
  }
  return { ...space, stages, resolutions: sorted(space.resolutions ?? [space.input[1]]) };
}

const largest = (values: number[]) => values[values.length - 1];

function mapShape(x: Tensor, where: string): { c: number; h: number; w: number } {
  if (x.kind !== 'map') throw invalid(`${where} must keep a feature map`);
  return x;
}

/** The space's native parts at their largest: stem, head (built for the widest last stage). */
export function resolveElasticSpace(space: ElasticSpace): ResolvedElasticSpace {
  const resolutions = space.resolutions ?? [space.input[1]];
  let x = { kind: 'map', c: space.input[0], h: space.input[1], w: space.input[2] } as Tensor;
  const stem: NativeBlock[] = [];
  for (const [i, source] of space.stem.entries()) {
    const [next, , , spec] = resolveBlock(
      decodeBlock(source),
      x,
      space.classes,
      `stem block ${i} '${source}'`,
    );
    stem.push(spec);
    x = next;
  }
  const stemChannels = mapShape(x, 'the stem').c;
  x = { kind: 'map', c: largest(space.stages.at(-1)!.widths), h: 1, w: 1 };
  const head: NativeBlock[] = [];
  for (const [i, source] of space.head.entries()) {
    const [next, , , spec] = resolveBlock(
      decodeBlock(source),
      x,
      space.classes,
      `head block ${i} '${source}'`,
    );
    head.push(spec);
    x = next;
  }
  if (x.kind !== 'vector' || x.f !== space.classes) {
    throw invalid(`the head must end in ${space.classes} class scores: finish with 'gap' and 'fc'`, ['head']);
  }
  if (!head.some((b) => b.op === 'conv' || b.op === 'linear'))
    throw invalid(`the head needs a 'conv' or 'fc' block`, ['head']);
  return { space, resolutions: sorted(resolutions), stem, stemChannels, head };
}

// ---- subnets: canonical strings, checking, architectures ----

function allowed(name: string, value: number, values: number[]): void {
  if (!values.includes(value)) {
    throw invalid(`subnet: ${name} is ${value}, not one of the space's values (${values.join(', ')})`, [
      'subnet',
    ]);
  }
}

/** Checks a subnet against the space; errors name the decision and its allowed values. */
export function checkSubnet(resolved: ResolvedElasticSpace, subnet: Subnet): Subnet {
  const { space } = resolved;
  allowed('the resolution', subnet.resolution, resolved.resolutions);
  if (subnet.stages.length !== space.stages.length) {
    throw invalid(
      `subnet: '${space.name}' has ${space.stages.length} stages, the subnet gives ${subnet.stages.length}: ` +
        `is it a subnet of another space?`,
      ['subnet'],
    );
  }
  subnet.stages.forEach((s, i) => {
    const stage = space.stages[i];
    if (s.kernels.length !== s.expands.length)
      throw invalid(
        `subnet: stage ${i} gives ${s.kernels.length} kernels but ${s.expands.length} expand ratios`,
        ['subnet'],
      );
    allowed(`stage ${i}'s depth`, s.kernels.length, stage.depths);
    allowed(`stage ${i}'s width`, s.width, stage.widths);
    s.kernels.forEach((k, b) => allowed(`stage ${i} block ${b}'s kernel`, k, stage.kernels));
    s.expands.forEach((e, b) => allowed(`stage ${i} block ${b}'s expand ratio`, e, stage.expands));
  });
  return subnet;
}

/** `r28|w16:k3e4,k5e6|w32:k7e3`: the resolution, then per stage its width and a kernel/expand per block. */
export function encodeSubnet(subnet: Subnet): string {
  const stages = subnet.stages.map(
    (s) => `w${s.width}:` + s.kernels.map((k, b) => `k${k}e${s.expands[b]}`).join(','),
  );
  return [`r${subnet.resolution}`, ...stages].join('|');
}

export function decodeSubnet(resolved: ResolvedElasticSpace, text: string): Subnet {
  if (typeof text !== 'string')
    throw invalid('subnet: expected a string like r28|w16:k3e4,k5e6|...', ['subnet']);
  const [res, ...stages] = text.trim().split('|');
  const r = /^r([1-9][0-9]*)$/.exec(res ?? '');
  if (!r)
    throw invalid(
      `subnet '${text}': it must start with the resolution, e.g. 'r${resolved.resolutions.at(-1)}|'`,
      ['subnet'],
    );
  const subnet: Subnet = { resolution: Number(r[1]), stages: [] };
  for (const [i, stage] of stages.entries()) {
    const m = /^w([1-9][0-9]*):((?:k[1-9][0-9]*e[1-9][0-9]*)(?:,k[1-9][0-9]*e[1-9][0-9]*)*)$/.exec(stage);
    if (!m)
      throw invalid(
        `subnet '${text}': cannot read stage ${i} '${stage}' (expected w<width>:k<kernel>e<expand>,...)`,
        ['subnet'],
      );
    const blocks = m[2].split(',').map((b) => /^k(\d+)e(\d+)$/.exec(b)!);
    subnet.stages.push({
      width: Number(m[1]),
      kernels: blocks.map((b) => Number(b[1])),
      expands: blocks.map((b) => Number(b[2])),
    });
  }
  return checkSubnet(resolved, subnet);
}

/** A subnet from its string or object form, checked against the space. */
export function parseSubnet(resolved: ResolvedElasticSpace, value: string | Subnet): Subnet {
  if (typeof value === 'string') return decodeSubnet(resolved, value);
  const parsed = z
    .object({
      resolution: z.number().int(),
      stages: z.array(
        z
          .object({
            width: z.number().int(),
            kernels: z.array(z.number().int()),
            expands: z.array(z.number().int()),
          })
          .strict(),
      ),
    })
    .strict()
    .safeParse(value);
  if (!parsed.success) throw fromZod('subnet', parsed.error);
  return checkSubnet(resolved, parsed.data);
}

/** Block `block` of a stage in one form, in the block grammar (only a stage's first block strides). */
export function stageBlock(
  stage: ElasticStage,
  block: number,
  width: number,
  kernel: number,
  expand: number,
): string {
  return encodeBlock({
    op: 'mbconv',
    kernel,
    stride: block === 0 ? stage.stride : 1,
    expand,
    out: width,
    se: stage.se,
    act: stage.act,
  });
}

/** The fixed network a subnet describes, in the block grammar: what `torchnas train` takes. */
export function subnetArchitecture(
  resolved: ResolvedElasticSpace,
  subnet: Subnet,
  name?: string,
): Architecture {
  checkSubnet(resolved, subnet);
  const { space } = resolved;
  const blocks = subnet.stages.flatMap((s, i) => {
    const stage = space.stages[i];
    return s.kernels.map((k, b) => stageBlock(stage, b, s.width, k, s.expands[b]));
  });
  return parseArchitecture({
    name: name ?? `${space.name}:${encodeSubnet(subnet)}`,
    input: [space.input[0], subnet.resolution, subnet.resolution],
    classes: space.classes,
    blocks: [...space.stem, ...blocks, ...space.head],
  });
}

/**
 * The subnet a plain architecture is, read back from the block grammar: its stem and head must be the
 * space's, and its MBConv blocks must split into the space's stages (each stage's depth, width, stride,
 * kernels, expand ratios, SE and activation allowed there).
 */
export function architectureSubnet(resolved: ResolvedElasticSpace, arch: Architecture): Subnet {
  const { space } = resolved;
  const blocks = arch.blocks;
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const body = blocks.slice(space.stem.length, blocks.length - space.head.length);
  if (
    !same(blocks.slice(0, space.stem.length), space.stem.map(canonicalBlock)) ||
    !same(blocks.slice(blocks.length - space.head.length), space.head.map(canonicalBlock)) ||
    arch.input[1] !== arch.input[2]
  ) {
    throw invalid(
      `architecture '${arch.name}' does not have the stem and head of '${space.name}' (${space.stem.join(' ')} ... ` +
        `${space.head.join(' ')}): it is not a subnet of this space`,
      ['subnet'],
    );
  }
  const stages = splitStages(space, body.map(decodeBlock), 0, 0);
  if (!stages)
    throw invalid(`architecture '${arch.name}': its blocks do not split into the stages of '${space.name}'`, [
      'subnet',
    ]);
  return checkSubnet(resolved, { resolution: arch.input[1], stages });
}

/** Stages s.. from blocks i..; undefined when they do not fit (tries each allowed depth in turn). */
function splitStages(
  space: ElasticSpace,
  blocks: Block[],
  i: number,
  s: number,
): Subnet['stages'] | undefined {
  if (s === space.stages.length) return i === blocks.length ? [] : undefined;
  const stage = space.stages[s];
  for (const depth of stage.depths) {
    const part = blocks.slice(i, i + depth);
    if (part.length < depth || !part.every((b, k) => fitsStage(b, stage, k === 0, part[0]))) continue;
    const rest = splitStages(space, blocks, i + depth, s + 1);
    if (rest) {
      const mb = part as Extract<Block, { op: 'mbconv' }>[];
      return [
        { width: mb[0].out, kernels: mb.map((b) => b.kernel), expands: mb.map((b) => b.expand) },
        ...rest,
      ];
    }
  }
  return undefined;
}

function fitsStage(b: Block, stage: ElasticStage, first: boolean, head: Block): boolean {
  return (
    b.op === 'mbconv' &&
    head.op === 'mbconv' &&
    b.out === head.out &&
    stage.widths.includes(b.out) &&
    b.stride === (first ? stage.stride : 1) &&
    b.se === stage.se &&
    b.act === stage.act &&
    stage.kernels.includes(b.kernel) &&
    stage.expands.includes(b.expand)
  );
}

/** Parameters and multiply-accumulates of a subnet, from its architecture. */
export function subnetCost(resolved: ResolvedElasticSpace, subnet: Subnet): { params: number; macs: number } {
  const { params, macs } = resolveNetwork(subnetArchitecture(resolved, subnet));
  return { params, macs };
}

// ---- sampling ----

const pick = (values: number[], next: () => number) => values[Math.floor(next() * values.length)];

export function largestSubnet(resolved: ResolvedElasticSpace): Subnet {
  const depth = (s: ElasticStage) => largest(s.depths);
  return {
    resolution: largest(resolved.resolutions),
    stages: resolved.space.stages.map((s) => ({
      width: largest(s.widths),
      kernels: Array(depth(s)).fill(largest(s.kernels)),
      expands: Array(depth(s)).fill(largest(s.expands)),
    })),
  };
}

export function smallestSubnet(resolved: ResolvedElasticSpace): Subnet {
  return {
    resolution: resolved.resolutions[0],
    stages: resolved.space.stages.map((s) => ({
      width: s.widths[0],
      kernels: Array(s.depths[0]).fill(s.kernels[0]),
      expands: Array(s.depths[0]).fill(s.expands[0]),
    })),
  };
}

/** Every decision drawn uniformly and independently (what the native `uniform` sampler does). */
export function randomSubnet(resolved: ResolvedElasticSpace, next: () => number): Subnet {
  return {
    resolution: pick(resolved.resolutions, next),
    stages: resolved.space.stages.map((s) => {
      const depth = pick(s.depths, next);
      const width = pick(s.widths, next);
      const blocks = Array.from({ length: depth }, () => [pick(s.kernels, next), pick(s.expands, next)]);
      return { width, kernels: blocks.map((b) => b[0]), expands: blocks.map((b) => b[1]) };
    }),
  };
}

/** Each decision redrawn with `probability` (a deeper stage takes new blocks at random). */
export function mutateSubnet(
  resolved: ResolvedElasticSpace,
  subnet: Subnet,
  next: () => number,
  probability: number,
): Subnet {
  const maybe = (value: number, values: number[]) => (next() < probability ? pick(values, next) : value);
  return {
    resolution: maybe(subnet.resolution, resolved.resolutions),
    stages: subnet.stages.map((s, i) => {
      const stage = resolved.space.stages[i];
      const depth = maybe(s.kernels.length, stage.depths);
      const kernels = Array.from({ length: depth }, (_, b) =>
        maybe(s.kernels[b] ?? pick(stage.kernels, next), stage.kernels),
      );
      const expands = Array.from({ length: depth }, (_, b) =>
        maybe(s.expands[b] ?? pick(stage.expands, next), stage.expands),
      );
      return { width: maybe(s.width, stage.widths), kernels, expands };
    }),
  };
}

/** Uniform crossover: the resolution and each stage (depth, width and blocks together) from either parent. */
export function crossoverSubnets(a: Subnet, b: Subnet, next: () => number): Subnet {
  return {
    resolution: next() < 0.5 ? a.resolution : b.resolution,
    stages: a.stages.map((s, i) => structuredClone(next() < 0.5 ? s : b.stages[i])),
  };
}

// ---- native form ----

/** The supernet's native spec; `kernelTransform` adds once-for-all's kernel transformation matrices. */
export function nativeElasticSpec(
  resolved: ResolvedElasticSpace,
  kernelTransform = false,
): NativeElasticSpec {
  const { space } = resolved;
  let inMax = resolved.stemChannels;
  const stages = space.stages.map((s) => {
    const out = {
      inMax,
      widths: s.widths,
      depths: s.depths,
      kernels: s.kernels,
      expands: s.expands,
      stride: s.stride,
      se: s.se,
      act: s.act,
      kernelTransform,
    };
    inMax = largest(s.widths);
    return out;
  });
  return {
    input: { channels: space.input[0], height: space.input[1] },
    classes: space.classes,
    stem: resolved.stem,
    stages,
    head: resolved.head,
    resolutions: resolved.resolutions,
  };
}

/** The subnet as the native side reads it. */
export function nativeSubnet(subnet: Subnet): NativeSubnet {
  return {
    resolution: subnet.resolution,
    stages: subnet.stages.map((s) => ({ width: s.width, kernels: s.kernels, expands: s.expands })),
  };
}
