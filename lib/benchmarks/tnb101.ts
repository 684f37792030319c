// TransNAS-Bench-101: one validation figure per architecture on each of seven tasks, for two spaces.
// Micro (cell) space: `64-41414-a_bc_def`, a fixed 64-channel macro skeleton `41414` and a cell whose
// six edges (into nodes 1, 2, 3 as in NB201) are 0 none, 1 skip, 2 conv1x1, 3 conv3x3: 4,096 cells.
// Macro space: `64-<digits>-basic`, 4 to 6 modules each coded 1..4 (1 plain, 2 downsample, 3 double
// channels, 4 both); 3,256 of them were trained. The figure's meaning differs per task (higher is
// better for all of them): see TNB101_METRICS.
import { z } from 'zod';
import { invalid } from '../errors';
import { readTableFile } from './table-files';

export const TNB101_TASKS = [
  'class_scene',
  'class_object',
  'room_layout',
  'jigsaw',
  'segmentsemantic',
  'normal',
  'autoencoder',
] as const;
export type Tnb101Task = (typeof TNB101_TASKS)[number];
export type Tnb101Space = 'micro' | 'macro';

export const TNB101_METRICS: Record<Tnb101Task, string> = {
  class_scene: 'top-1 accuracy (%)',
  class_object: 'top-1 accuracy (%)',
  room_layout: 'negative L2 loss',
  jigsaw: 'top-1 accuracy (%)',
  segmentsemantic: 'pixel accuracy (%)',
  normal: 'SSIM',
  autoencoder: 'SSIM',
};

const MICRO_EXAMPLE = '64-41414-3_33_333';
const MACRO_EXAMPLE = '64-1412-basic';

/** Which space an architecture string belongs to; throws, naming the bad part, if it is neither. */
export function tnb101SpaceOf(arch: string): Tnb101Space {
  if (typeof arch !== 'string')
    throw invalid(
      `a TransNAS-Bench-101 architecture is a string like '${MICRO_EXAMPLE}' or '${MACRO_EXAMPLE}'`,
    );
  const parts = arch.split('-');
  if (parts.length !== 3) {
    throw invalid(
      `TransNAS-Bench-101 architecture '${arch}': expected 3 parts joined by '-' ('${MICRO_EXAMPLE}' or '${MACRO_EXAMPLE}'), found ${parts.length}`,
    );
  }
  const [width, skeleton, cell] = parts;
  if (width !== '64')
    throw invalid(
      `TransNAS-Bench-101 architecture '${arch}': the width '${width}' must be 64 (the benchmark trained only 64-channel networks)`,
    );
  if (cell === 'basic') {
    if (!/^[1-4]{4,6}$/.test(skeleton)) {
      throw invalid(
        `TransNAS-Bench-101 macro architecture '${arch}': modules '${skeleton}' must be 4 to 6 digits 1..4 (1 plain, 2 downsample, 3 double channels, 4 both)`,
      );
    }
    return 'macro';
  }
  if (skeleton !== '41414') {
    throw invalid(
      `TransNAS-Bench-101 architecture '${arch}': a micro architecture has skeleton '41414', got '${skeleton}' (a macro one ends in '-basic')`,
    );
  }
  if (!/^[0-3]_[0-3]{2}_[0-3]{3}$/.test(cell)) {
    throw invalid(
      `TransNAS-Bench-101 micro architecture '${arch}': cell '${cell}' must be 'a_bc_def' with ops 0 none, 1 skip, 2 conv1x1, 3 conv3x3`,
    );
  }
  return 'micro';
}

export function checkTnb101Task(task: string): Tnb101Task {
  if (!(TNB101_TASKS as readonly string[]).includes(task))
    throw invalid(`unknown TransNAS-Bench-101 task '${task}' (known: ${TNB101_TASKS.join(', ')})`);
  return task as Tnb101Task;
}

const Tnb101FileSchema = z
  .object({
    format: z.literal('torchnas/tnb101@1'),
    space: z.enum(['micro', 'macro']),
    archs: z.array(z.string()).min(1),
    values: z.record(z.enum(TNB101_TASKS), z.array(z.number())),
  })
  .refine((file) => TNB101_TASKS.every((t) => file.values[t].length === file.archs.length), {
    message: 'every task needs one value per architecture',
  });

const rowOfArch = new Map<Tnb101Space, Map<string, number>>();

function tnb101Table(space: Tnb101Space) {
  const file = readTableFile(`tnb101-${space}.json.gz`, Tnb101FileSchema);
  if (!rowOfArch.has(space)) rowOfArch.set(space, new Map(file.archs.map((a, i) => [a, i])));
  return { file, rows: rowOfArch.get(space)! };
}

/** Every benchmarked architecture string of a space, sorted. */
export function tnb101Archs(space: Tnb101Space): readonly string[] {
  if (space !== 'micro' && space !== 'macro')
    throw invalid(`TransNAS-Bench-101 space must be 'micro' or 'macro', got '${space}'`);
  return tnb101Table(space).file.archs;
}

/** The validation figure of `arch` on `task` (see TNB101_METRICS for its meaning). */
export function tnb101Query(arch: string, task: string): number {
  const space = tnb101SpaceOf(arch);
  const t = checkTnb101Task(task);
  const { file, rows } = tnb101Table(space);
  const row = rows.get(arch);
  if (row === undefined) {
    throw invalid(
      `TransNAS-Bench-101 ${space} architecture '${arch}' is well formed but not among the ${file.archs.length} the benchmark trained`,
    );
  }
  return file.values[t][row];
}
