// TransNAS-Bench-101 as a search objective. Micro: six edges, four ops each, every genome trained.
// Macro: six module slots, each absent (0) or a module code 1..4; a genome is an architecture when its
// absent slots are trailing and it keeps 4 to 6 modules, and only the 3,256 the benchmark trained can be
// scored, so the others are infeasible (rejected for free, as a latency bound rejects in NB201).
// The shipped table holds one validation figure per task, so the search sees it and reports it too.
import type { CategoricalSpace, Genome, SearchObjective } from '../strategies';
import { cellLevels } from '../spaces/nb201/nb201-cell';
import { checkTnb101Task, tnb101Archs, tnb101Query, type Tnb101Space } from './tnb101';

const MICRO_OPS = 4;
const MACRO_SLOTS = 6;
const MACRO_CODES = 5; // 0 absent, 1..4

export function tnb101SpaceChoices(space: Tnb101Space): number[] {
  return space === 'micro' ? Array(6).fill(MICRO_OPS) : Array(MACRO_SLOTS).fill(MACRO_CODES);
}

/**
 * The strategies' view of a space. The micro cell is NAS-Bench-201's DAG (op 0 is `none`), so it grows
 * node by node as NB201's does; the macro space has no such progression.
 */
export function tnb101CategoricalSpace(space: Tnb101Space): CategoricalSpace {
  const choices = tnb101SpaceChoices(space);
  if (space === 'macro') return { choices };
  return { choices, progression: { levels: cellLevels(), absent: choices.map(() => 0) } };
}

/** The architecture string of a genome, or null for a macro genome that names no architecture. */
export function tnb101ArchOfGenome(space: Tnb101Space, genome: Genome): string | null {
  if (space === 'micro') {
    const [a, b, c, d, e, f] = genome;
    return `64-41414-${a}_${b}${c}_${d}${e}${f}`;
  }
  const kept = genome.findIndex((code) => code === 0);
  const length = kept < 0 ? genome.length : kept;
  if (length < 4 || genome.slice(length).some((code) => code !== 0)) return null;
  return `64-${genome.slice(0, length).join('')}-basic`;
}

const columns = new Map<string, Map<string, number>>();

/** The validation figure of every trained architecture of a space on one task, by architecture string. */
export function tnb101TaskColumn(space: Tnb101Space, task: string): Map<string, number> {
  const t = checkTnb101Task(task);
  const key = `${space}/${t}`;
  if (!columns.has(key))
    columns.set(key, new Map(tnb101Archs(space).map((arch) => [arch, tnb101Query(arch, t)])));
  return columns.get(key)!;
}

export function tnb101Objective(space: Tnb101Space, task: string): SearchObjective {
  const column = tnb101TaskColumn(space, task);
  const value = (genome: Genome) => column.get(tnb101ArchOfGenome(space, genome)!)!;
  return {
    space: tnb101CategoricalSpace(space),
    fidelities: [{ name: 'one trained network', cost: 1 }],
    defaultFidelity: 0,
    feasible: (genome) => column.has(tnb101ArchOfGenome(space, genome) ?? ''),
    score: value,
    report: value,
    describe: (genome) => tnb101ArchOfGenome(space, genome) ?? `(no architecture: ${genome.join(',')})`,
  };
}
