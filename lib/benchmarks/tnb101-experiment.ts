// Seeded runs of search strategies on TransNAS-Bench-101, one task at a time, and the cross-task
// table: where the architecture chosen on task A ranks on every task B. The budget is counted in
// queries (trained networks looked up); run r uses seed `seed + r`, so any run can be replayed alone.
import { invalid } from '../errors';
import { createStrategy, runSearch, type SearchResult, type StrategyName } from '../strategies';
import { meanAndStd } from '../util/statistics';
import { checkTnb101Task, type Tnb101Space, type Tnb101Task } from './tnb101';
import { tnb101Objective, tnb101TaskColumn } from './tnb101-objective';

/** The strategies that run on a table: the benchmark study's sample-based ones, and PNAS (micro only). */
export const TNB101_STRATEGIES = ['random', 'rea', 'reinforce', 'pnas'] as const;
/** What `torchnas bench tnb101` runs when no strategy is named: the benchmark study's. */
export const TNB101_DEFAULT_STRATEGIES = ['random', 'rea', 'reinforce'] as const;
/** Queries per run: our choice (100 trained networks, as for NAS-Bench-201 here); see README. */
export const TNB101_DEFAULT_QUERIES = 100;

export interface Tnb101ExperimentOptions {
  space: Tnb101Space;
  tasks: readonly string[];
  strategies: readonly string[];
  runs: number;
  queries?: number;
  seed?: number;
  onRun?: (done: number, total: number) => void;
}

export interface Tnb101Cell {
  task: Tnb101Task;
  strategy: StrategyName;
  runs: SearchResult[];
  /** The chosen architectures' figures (the task's metric). */
  value: { mean: number; std: number };
  /** Their rank in the space on the task, 1 = best, mean over runs. */
  rank: number;
}

export interface Tnb101TaskReference {
  task: Tnb101Task;
  best: number;
  spaceMean: number;
  architectures: number;
}

export interface Tnb101ExperimentResult {
  space: Tnb101Space;
  queries: number;
  cells: Tnb101Cell[];
  references: Tnb101TaskReference[];
  /** cross[strategy][searchedOn][reportedOn]: mean rank on `reportedOn` of the archs chosen on `searchedOn`. */
  cross: Record<string, Record<string, Record<string, number>>>;
}

const rankColumns = new Map<string, Map<string, number>>();

/** Rank of `arch` among all trained architectures on a task: 1 plus how many score strictly higher. */
export function tnb101Rank(space: Tnb101Space, task: string, arch: string): number {
  const key = `${space}/${task}`;
  if (!rankColumns.has(key)) {
    const entries = [...tnb101TaskColumn(space, task)].sort((a, b) => b[1] - a[1]);
    const rankOf = new Map<string, number>();
    entries.forEach(([a, v], i) =>
      rankOf.set(a, i > 0 && v === entries[i - 1][1] ? rankOf.get(entries[i - 1][0])! : i + 1),
    );
    rankColumns.set(key, rankOf);
  }
  const rank = rankColumns.get(key)!.get(arch);
  if (rank === undefined)
    throw invalid(`'${arch}' is not a trained TransNAS-Bench-101 ${space} architecture`);
  return rank;
}

export function checkTnb101Options(options: Tnb101ExperimentOptions): void {
  if (options.space !== 'micro' && options.space !== 'macro')
    throw invalid(`--space must be micro or macro, got '${options.space}'`);
  if (!options.tasks.length) throw invalid('--tasks needs at least one TransNAS-Bench-101 task');
  options.tasks.forEach(checkTnb101Task);
  for (const s of options.strategies) {
    if (!(TNB101_STRATEGIES as readonly string[]).includes(s)) {
      throw invalid(`--strategies: '${s}' is not one of ${TNB101_STRATEGIES.join(', ')}`);
    }
  }
  if (options.space === 'macro' && options.strategies.includes('pnas')) {
    throw invalid(
      '--strategies pnas: PNAS grows cells node by node, which the micro space has and the macro space ' +
        'does not; run it with --space micro',
      ['strategies'],
    );
  }
  if (!Number.isInteger(options.runs) || options.runs < 1)
    throw invalid(`--runs must be a positive integer, got ${options.runs}`);
}

export function runTnb101Experiment(options: Tnb101ExperimentOptions): Tnb101ExperimentResult {
  checkTnb101Options(options);
  const queries = options.queries ?? TNB101_DEFAULT_QUERIES;
  if (!Number.isInteger(queries) || queries < 1)
    throw invalid(`--queries must be a positive integer, got ${queries}`);
  const tasks = options.tasks as Tnb101Task[];
  const total = tasks.length * options.strategies.length * options.runs;
  const cells: Tnb101Cell[] = [];
  for (const task of tasks) {
    const objective = tnb101Objective(options.space, task);
    for (const strategy of options.strategies as StrategyName[]) {
      const runs: SearchResult[] = [];
      for (let r = 0; r < options.runs; r++) {
        const search = createStrategy(strategy, {
          space: objective.space,
          fidelities: objective.fidelities,
          seed: (options.seed ?? 0) + r,
        });
        runs.push(runSearch(search, objective, { maxCost: queries }));
        options.onRun?.(cells.length * options.runs + r + 1, total);
      }
      const chosen = runs.map((run) => run.incumbent!);
      const ranks = chosen.map((c) => tnb101Rank(options.space, task, c.arch));
      cells.push({
        task,
        strategy,
        runs,
        value: meanAndStd(chosen.map((c) => c.reported)),
        rank: meanAndStd(ranks).mean,
      });
    }
  }
  return {
    space: options.space,
    queries,
    cells,
    references: tasks.map((t) => referenceOf(options.space, t)),
    cross: crossTable(options.space, cells),
  };
}

function referenceOf(space: Tnb101Space, task: Tnb101Task): Tnb101TaskReference {
  const values = [...tnb101TaskColumn(space, task).values()];
  return {
    task,
    best: Math.max(...values),
    spaceMean: meanAndStd(values).mean,
    architectures: values.length,
  };
}

function crossTable(space: Tnb101Space, cells: readonly Tnb101Cell[]): Tnb101ExperimentResult['cross'] {
  const cross: Tnb101ExperimentResult['cross'] = {};
  const tasks = [...new Set(cells.map((c) => c.task))];
  for (const cell of cells) {
    const row: Record<string, number> = {};
    for (const other of tasks) {
      row[other] = meanAndStd(cell.runs.map((run) => tnb101Rank(space, other, run.incumbent!.arch))).mean;
    }
    (cross[cell.strategy] ??= {})[cell.task] = row;
  }
  return cross;
}
