// FBNetV5's multi-resolution multitask space as plain data (native: spaces/multires_net.h): parallel
// branches at strides 2, 4, 8 (one width each), `stages` stages of `depth` skippable MBConv blocks per
// branch with a fusion after each stage, and one head per task. An architecture is one keep flag per
// block; from this description come the native spec, block names, each task's MACs under a mask, and
// the derived network of a mask.
import { z } from 'zod';
import type { NativeMultiresSpec, NativeTaskName } from '../../../binding';
import { fromZod, invalid } from '../../errors';

export const MULTITASK_TASKS = ['cls', 'seg', 'det'] as const;
export type MultitaskTask = NativeTaskName;

export const MultiresSpaceSchema = z
  .object({
    inChannels: z.number().int().positive().default(1),
    classes: z.number().int().min(2).default(10),
    /** Canvas side the costs are computed for. */
    imageSize: z.number().int().positive().default(64),
    widths: z.array(z.number().int().positive()).min(1).max(4).default([16, 32, 64]),
    stages: z.number().int().positive().default(3),
    depth: z.number().int().positive().default(2),
    kernel: z
      .number()
      .int()
      .positive()
      .refine((k) => k % 2 === 1, 'kernel must be odd')
      .default(3),
    expand: z.number().int().positive().default(3),
    headWidth: z.number().int().positive().default(32),
  })
  .strict();

export type MultiresSpace = z.output<typeof MultiresSpaceSchema>;
/** One flag per block, block b = (stage * branches + branch) * depth + position. */
export type BlockMask = readonly boolean[];

export function resolveMultiresSpace(input: unknown = {}): MultiresSpace {
  const parsed = MultiresSpaceSchema.safeParse(input);
  if (!parsed.success) throw fromZod('multi-resolution space', parsed.error);
  const space = parsed.data;
  const smallest = space.imageSize / 2 ** space.widths.length;
  if (!Number.isInteger(smallest) || smallest < 1) {
    throw invalid(
      `imageSize ${space.imageSize} must be divisible by 2^${space.widths.length} (one halving per branch)`,
    );
  }
  return space;
}

export function checkTasks(tasks: readonly string[]): MultitaskTask[] {
  if (!tasks.length) throw invalid('--tasks needs at least one of cls, seg, det');
  for (const t of tasks) {
    if (!(MULTITASK_TASKS as readonly string[]).includes(t))
      throw invalid(`--tasks: unknown task '${t}' (known: ${MULTITASK_TASKS.join(', ')})`);
  }
  if (new Set(tasks).size !== tasks.length) throw invalid(`--tasks lists a task twice: ${tasks.join(',')}`);
  return tasks as MultitaskTask[];
}

export function blockCount(space: MultiresSpace): number {
  return space.stages * space.widths.length * space.depth;
}

export interface BlockPlace {
  stage: number;
  branch: number;
  position: number;
}

export function blockPlace(space: MultiresSpace, block: number): BlockPlace {
  const r = space.widths.length;
  return {
    stage: Math.floor(block / (r * space.depth)),
    branch: Math.floor(block / space.depth) % r,
    position: block % space.depth,
  };
}

/** `s<stage>.b<branch>.<position>`, with the branch's stride: e.g. `s1.b0.1 (stride 2)`. */
export function blockName(space: MultiresSpace, block: number): string {
  const { stage, branch, position } = blockPlace(space, block);
  return `s${stage}.b${branch}.${position}`;
}

export function nativeMultiresSpec(space: MultiresSpace, present?: BlockMask): NativeMultiresSpec {
  const { inChannels, classes, widths, stages, depth, kernel, expand, headWidth } = space;
  return {
    inChannels,
    classes,
    widths,
    stages,
    depth,
    kernel,
    expand,
    headWidth,
    ...(present && { present: present.map(Number) }),
  };
}

const side = (space: MultiresSpace, branch: number) => space.imageSize / 2 ** (branch + 1);

/** MACs of one block (an MBConv at its branch's resolution: expand 1x1, depthwise, project 1x1). */
export function blockMacs(space: MultiresSpace, block: number): number {
  const { branch } = blockPlace(space, block);
  const w = space.widths[branch];
  const hidden = w * space.expand;
  const pixels = side(space, branch) ** 2;
  return pixels * (w * hidden + hidden * space.kernel ** 2 + hidden * w);
}

/** A chain of stride-2 3x3 convolutions from branch `from` (w_from channels) down to branch `to`. */
function downsampleMacs(space: MultiresSpace, from: number, to: number, inWidth: number): number {
  let macs = 0;
  for (let step = 1; step <= to - from; step++) {
    const out = step === to - from ? space.widths[to] : inWidth;
    macs += side(space, from + step) ** 2 * inWidth * out * 9;
  }
  return macs;
}

/** MACs outside the blocks that every task pays: stem, branch transitions, fusions. */
export function trunkMacs(space: MultiresSpace): number {
  const { widths } = space;
  let macs = side(space, 0) ** 2 * space.inChannels * widths[0] * 9;
  for (let r = 1; r < widths.length; r++) macs += downsampleMacs(space, 0, r, widths[0]);
  for (let to = 0; to < widths.length; to++) {
    for (let from = 0; from < widths.length; from++) {
      if (from > to) macs += space.stages * side(space, from) ** 2 * widths[from] * widths[to];
      if (from < to) macs += space.stages * downsampleMacs(space, from, to, widths[from]);
    }
  }
  return macs;
}

/** MACs of one task's head (segmentation and detection each count the shared high-resolution fusion). */
export function headMacs(space: MultiresSpace, task: MultitaskTask): number {
  const { widths, headWidth: h, classes } = space;
  const pixels = side(space, 0) ** 2;
  const fuse = pixels * widths.reduce((a, b) => a + b, 0) * h;
  switch (task) {
    case 'cls':
      return widths[widths.length - 1] * classes;
    case 'seg':
      return fuse + pixels * h * (classes + 1);
    case 'det':
      return fuse + pixels * (h * 9 + h * h + h * classes + h * 4);
  }
}

/** A task's network MACs under a mask: trunk + head + the kept blocks. */
export function taskMacs(space: MultiresSpace, task: MultitaskTask, keep: BlockMask): number {
  if (keep.length !== blockCount(space))
    throw invalid(`a mask needs ${blockCount(space)} flags, got ${keep.length}`);
  return keep.reduce(
    (sum, k, b) => sum + (k ? blockMacs(space, b) : 0),
    trunkMacs(space) + headMacs(space, task),
  );
}

/** FBNetV5's derivation: the blocks whose keep-probability is above one half. */
export function deriveMask(probabilities: readonly number[]): boolean[] {
  return probabilities.map((p) => p > 0.5);
}

/** The canonical string of a mask: one 0/1 per block, stages separated by '|'. */
export function maskString(space: MultiresSpace, keep: BlockMask): string {
  const perStage = space.widths.length * space.depth;
  const stages: string[] = [];
  for (let s = 0; s < space.stages; s++)
    stages.push(
      keep
        .slice(s * perStage, (s + 1) * perStage)
        .map((k) => (k ? '1' : '0'))
        .join(''),
    );
  return stages.join('|');
}
