// A chain search space (ProxylessNAS style) as plain data: fixed stem blocks, stages of searchable
// edges, fixed head blocks. Each edge picks one candidate block; where an edge keeps stride 1 and its
// channels, it carries an identity shortcut and may also pick Zero (skip the block). From this one
// description come the supernet spec, per-candidate costs (the latency-table keys and FLOPs), a
// derived fixed architecture, and its export.
import { z } from 'zod';
import type { NativeBlock } from '../../../binding';
import {
  decodeBlock,
  encodeBlock,
  parseArchitecture,
  resolveBlock,
  type Architecture,
  type Tensor,
} from '../../arch';
import { fromZod, invalid } from '../../errors';

export const ChainSpaceSchema = z
  .object({
    name: z.string().min(1),
    input: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
    classes: z.number().int().min(2),
    stem: z.array(z.string()),
    stages: z
      .array(
        z
          .object({
            width: z.number().int().positive(),
            depth: z.number().int().positive(),
            stride: z.number().int().positive(),
          })
          .strict(),
      )
      .min(1),
    // Candidate blocks without stride and channels, e.g. "mb_k3_e6"; each edge fills in its own.
    candidates: z.array(z.string()).min(1),
    zero: z.boolean().default(true),
    head: z.array(z.string()).min(1),
    widthMultiplier: z.number().positive().default(1),
  })
  .strict();

export type ChainSpace = z.output<typeof ChainSpaceSchema>;

export interface Edge {
  label: string; // "s<stage>.b<block>"
  candidates: string[]; // canonical block strings ("zero" last where allowed)
  shortcut: boolean;
  inShape: [number, number, number];
  macs: number[]; // per candidate
  params: number[];
  native: NativeBlock[];
}

export interface ResolvedSpace {
  space: ChainSpace;
  edges: Edge[];
  stem: NativeBlock[];
  head: NativeBlock[];
  fixedMacs: number;
}

// Channels rounded to a multiple of 8, as MobileNet-family width multipliers do.
const roundChannels = (c: number) => Math.max(8, Math.round(c / 8) * 8);

export function parseChainSpace(value: unknown): ChainSpace {
  const parsed = ChainSpaceSchema.safeParse(value);
  if (!parsed.success) throw fromZod('search space', parsed.error);
  return parsed.data;
}

function resolveFixed(blocks: string[], x: Tensor, classes: number, part: string) {
  const native: NativeBlock[] = [];
  let macs = 0;
  for (const [i, source] of blocks.entries()) {
    const [next, , m, spec] = resolveBlock(decodeBlock(source), x, classes, `${part} block ${i} '${source}'`);
    native.push(spec);
    macs += m;
    x = next;
  }
  return { native, macs, x };
}

export function resolveSpace(space: ChainSpace): ResolvedSpace {
  let x = { kind: 'map', c: space.input[0], h: space.input[1], w: space.input[2] } as Tensor;
  const stem = resolveFixed(space.stem, x, space.classes, 'stem');
  x = stem.x;
  const edges: Edge[] = [];
  for (const [s, stage] of space.stages.entries()) {
    const out = roundChannels(stage.width * space.widthMultiplier);
    for (let b = 0; b < stage.depth; b++) {
      if (x.kind !== 'map') throw invalid('the stem must keep a feature map');
      const stride = b === 0 ? stage.stride : 1;
      const shortcut = stride === 1 && x.c === out;
      const candidates = space.candidates.map((template) => {
        const block = decodeBlock(`${template}_s${stride}_c${out}`);
        if (block.op !== 'mbconv' && block.op !== 'conv')
          throw invalid(`candidate '${template}' must be a conv or mb block`);
        return encodeBlock(block);
      });
      if (space.zero && shortcut) candidates.push('zero_s1');
      const inShape: [number, number, number] = [x.c, x.h, x.w];
      const resolved = candidates.map((c, i) =>
        resolveBlock(decodeBlock(c), x, space.classes, `edge s${s}.b${b} candidate ${i} '${c}'`),
      );
      edges.push({
        label: `s${s}.b${b}`,
        candidates,
        shortcut,
        inShape,
        macs: resolved.map((r) => r[2]),
        params: resolved.map((r) => r[1]),
        // The edge adds its input itself, so its candidates must not add it again.
        native: resolved.map((r) => (shortcut ? { ...r[3], residual: false } : r[3])),
      });
      x = resolved[0][0];
    }
  }
  const head = resolveFixed(space.head, x, space.classes, 'head');
  if (head.x.kind !== 'vector' || head.x.f !== space.classes)
    throw invalid(`the head must end in ${space.classes} class scores: finish with 'gap' and 'fc'`);
  return { space, edges, stem: stem.native, head: head.native, fixedMacs: stem.macs + head.macs };
}

/** One choice per edge, by candidate string; validated against the space. */
export type SpaceChoice = string[];

/** Each edge's candidate index for a choice, checked against the space. */
export function choiceIndices(resolved: ResolvedSpace, choice: SpaceChoice): number[] {
  if (choice.length !== resolved.edges.length) {
    throw invalid(
      `a choice for '${resolved.space.name}' needs ${resolved.edges.length} entries, got ${choice.length}`,
    );
  }
  return choice.map((c, e) => {
    const j = resolved.edges[e].candidates.indexOf(c);
    if (j < 0)
      throw invalid(
        `edge ${resolved.edges[e].label}: '${c}' is not a candidate (${resolved.edges[e].candidates.join(', ')})`,
      );
    return j;
  });
}

/** The fixed network a choice describes: Zero edges vanish (their shortcut carries the input). */
export function deriveArchitecture(
  resolved: ResolvedSpace,
  choice: SpaceChoice,
  name = `${resolved.space.name}-derived`,
): Architecture {
  choiceIndices(resolved, choice);
  const blocks = [
    ...resolved.space.stem,
    ...choice.filter((c) => !c.startsWith('zero')),
    ...resolved.space.head,
  ];
  return parseArchitecture({ name, input: resolved.space.input, classes: resolved.space.classes, blocks });
}

/** MACs (in millions) per edge and candidate, plus the fixed part: the FLOPs stand-in for a latency table. */
export function macsTable(resolved: ResolvedSpace): { table: number[][]; fixed: number } {
  return { table: resolved.edges.map((e) => e.macs.map((m) => m / 1e6)), fixed: resolved.fixedMacs / 1e6 };
}

/** A uniformly random choice (each edge independently), for sampling architectures of the space. */
export function randomChoice(resolved: ResolvedSpace, next: () => number): SpaceChoice {
  return resolved.edges.map((e) => e.candidates[Math.floor(next() * e.candidates.length)]);
}
