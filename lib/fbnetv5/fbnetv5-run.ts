// `torchnas search fbnetv5`: one search for several tasks on the multitask canvas dataset, on the run
// skeleton every search shares (run directory, stored options checked on resume, per-epoch atomic
// commit, derive). Each epoch is one native call; the first `warmupEpochs` train weights only.
import * as fs from 'fs';
import * as path from 'path';
import { requireBatchFits } from '../data/batch-bounds';
import { z } from 'zod';
import { loadDataset, type Dataset } from '../data/datasets';
import { fromZod, invalid } from '../errors';
import { RUN_FIELDS } from '../run/run-fields';
import { openRunDir } from '../run/run-state';
import {
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { writeJsonAtomic } from '../util/atomic-file';
import { CanvasOptionsSchema, resolveCanvasOptions } from './canvas';
import { MultitaskNet, type CanvasSplit } from './multitask-net';
import {
  blockCount,
  blockMacs,
  checkTasks,
  deriveMask,
  maskString,
  MultiresSpaceSchema,
  resolveMultiresSpace,
  taskMacs,
  type MultiresSpace,
  type MultitaskTask,
} from '../spaces/multires/multires-space';
import { mostProbableWithin, requireReachableTarget, type CostTable } from '../search/target-derivation';

export const Fbnetv5OptionsSchema = z
  .object({
    tasks: z.array(z.string()).default(['cls', 'seg', 'det']),
    space: MultiresSpaceSchema.prefault({}),
    canvas: CanvasOptionsSchema.prefault({}),
    trainCanvases: z.number().int().positive().default(8000),
    testCanvases: z.number().int().positive().default(1000),
    dataDir: z.string().optional(),
    mode: z.enum(['importance', 'naive']).default('importance'),
    epochs: z.number().int().positive().default(6),
    warmupEpochs: z.number().int().min(0).default(2),
    batchSize: z.number().int().positive().default(32),
    lr: z.number().positive().default(0.05),
    momentum: z.number().min(0).lt(1).default(0.9),
    weightDecay: z.number().min(0).default(4e-5),
    archLr: z.number().min(0).default(0.05),
    /**
     * MACs each task's network is searched and derived at: one number for every task, or one per task
     * ({cls: 6e6, seg: 9e6}); default: halfway between the task's network with no block and with all.
     */
    targetMacs: z.union([z.number().positive(), z.record(z.string(), z.number().positive())]).optional(),
    /** The derived network's MACs lie within target * (1 ± targetTolerance). */
    targetTolerance: z.number().gt(0).lt(1).default(0.05),
    costWeight: z.number().min(0).default(1),
    taskWeights: z.array(z.number().positive()).optional(),
    weightClip: z.number().min(1).default(5),
    proposalFloor: z.number().min(0).lt(0.5).default(0.05),
    baselineDecay: z.number().min(0).lt(1).default(0.9),
    ...RUN_FIELDS,
  })
  .strict();

export type Fbnetv5Options = z.input<typeof Fbnetv5OptionsSchema>;
export type ResolvedFbnetv5Options = z.output<typeof Fbnetv5OptionsSchema>;

export interface Fbnetv5Record {
  type: 'epoch';
  epoch: number;
  globalStep: number;
  searching: boolean;
  seconds: number;
  loss: Record<string, number>;
  weight: Record<string, number>;
  /** [task][block] keep-probabilities after the epoch. */
  probabilities: Record<string, number[]>;
}

export interface DerivedTask {
  task: MultitaskTask;
  mask: string;
  keep: boolean[];
  macs: number;
  targetMacs: number;
  /** False when no mask lies within the tolerance of the target: the blocks above 0.5 are kept instead. */
  withinTarget: boolean;
  blocksKept: number;
  /** Kept blocks per branch, highest resolution first. */
  keptPerBranch: number[];
}

export interface Fbnetv5Result {
  runDir: string;
  options: ResolvedFbnetv5Options;
  space: MultiresSpace;
  epochs: number;
  derived: DerivedTask[];
  history: Fbnetv5Record[];
  /** Each task's keep-probability per block after the last epoch. */
  probabilities: number[][];
}

export interface Fbnetv5Events {
  onEpoch?: (record: Fbnetv5Record) => void;
  onProgress?: (epoch: number, record: Record<string, number>) => void;
}

export function resolveFbnetv5Options(options: Fbnetv5Options): ResolvedFbnetv5Options {
  const parsed = Fbnetv5OptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('fbnetv5 options', parsed.error);
  const o = parsed.data;
  checkTasks(o.tasks);
  resolveMultiresSpace(o.space);
  resolveCanvasOptions(o.canvas);
  if (o.warmupEpochs >= o.epochs)
    throw invalid(
      `warmupEpochs ${o.warmupEpochs} leaves no search epoch of ${o.epochs}: lower --warmup-epochs or raise --epochs`,
      ['warmupEpochs'],
    );
  if (o.taskWeights && o.taskWeights.length !== o.tasks.length) {
    throw invalid(`taskWeights has ${o.taskWeights.length} values for ${o.tasks.length} tasks`, [
      'taskWeights',
    ]);
  }
  if (o.targetMacs !== undefined && typeof o.targetMacs === 'object') {
    const unknown = Object.keys(o.targetMacs).filter((t) => !o.tasks.includes(t));
    const missing = o.tasks.filter((t) => !(t in (o.targetMacs as object)));
    if (unknown.length || missing.length) {
      throw invalid(
        `targetMacs needs one value per searched task (${o.tasks.join(', ')}): ` +
          (unknown.length ? `${unknown.join(', ')} not searched` : `${missing.join(', ')} missing`),
        ['targetMacs'],
      );
    }
  }
  if (o.canvas.size !== o.space.imageSize) {
    throw invalid(
      `canvas.size ${o.canvas.size} differs from space.imageSize ${o.space.imageSize}: the costs are computed for the canvas`,
      ['canvas'],
    );
  }
  taskTargets(o);
  requireBatchFits(o.batchSize, o.trainCanvases, { split: 'training canvases', sizeOption: 'trainCanvases' });
  return o;
}

/** The per-block cost table of a task: skip (0) or keep (the block's MACs), the trunk and head fixed. */
export function taskCostTable(space: MultiresSpace, task: MultitaskTask): CostTable {
  const n = blockCount(space);
  return {
    table: Array.from({ length: n }, (_, b) => [0, blockMacs(space, b)]),
    fixed: taskMacs(space, task, Array(n).fill(false)),
    unit: 'MACs',
  };
}

/** Each searched task's MACs target, in task order; targets no mask reaches are refused. */
export function taskTargets(o: ResolvedFbnetv5Options): number[] {
  return (o.tasks as MultitaskTask[]).map((task) => {
    const target =
      o.targetMacs === undefined
        ? defaultTargetMacs(o.space, task)
        : typeof o.targetMacs === 'number'
          ? o.targetMacs
          : o.targetMacs[task];
    requireReachableTarget(
      taskCostTable(o.space, task),
      { target, tolerance: o.targetTolerance },
      '--target-macs',
      `task ${task}'s space`,
    );
    return target;
  });
}

/** The default MACs target: halfway between a task's network with no block and with every block. */
export function defaultTargetMacs(space: MultiresSpace, task: MultitaskTask): number {
  const n = blockCount(space);
  return (taskMacs(space, task, Array(n).fill(false)) + taskMacs(space, task, Array(n).fill(true))) / 2;
}

export async function canvasSplits(
  o: ResolvedFbnetv5Options,
): Promise<{ train: CanvasSplit; test: CanvasSplit }> {
  let trainItems: Dataset = await loadDataset('fashion-mnist', 'train', o.dataDir);
  if (o.limitTrain) trainItems = trainItems.subset(Math.min(o.limitTrain, trainItems.size), o.seed + 1);
  const testItems = await loadDataset('fashion-mnist', 'test', o.dataDir);
  return {
    train: { items: trainItems, canvas: o.canvas, count: o.trainCanvases, seed: o.seed * 2 + 1 },
    test: { items: testItems, canvas: o.canvas, count: o.testCanvases, seed: o.seed * 2 + 2 },
  };
}

/** The multitask supernet of a search, on the core's per-step cosine schedule over the whole run. */
function openNet(o: ResolvedFbnetv5Options, stepsPerEpoch: number): Promise<MultitaskNet> {
  const tasks = o.tasks as MultitaskTask[];
  return MultitaskNet.open({
    space: o.space,
    tasks,
    mode: o.mode,
    taskWeights: o.taskWeights,
    targetMacs: taskTargets(o),
    costWeight: o.costWeight,
    archLr: o.archLr,
    weightClip: o.weightClip,
    proposalFloor: o.proposalFloor,
    baselineDecay: o.baselineDecay,
    warmupSteps: o.warmupEpochs * stepsPerEpoch,
    lr: o.lr,
    totalSteps: o.epochs * stepsPerEpoch,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    seed: o.seed,
    threads: o.threads,
    channelsLast: o.channelsLast,
  });
}

const byTask = <T>(tasks: readonly string[], values: readonly T[]) =>
  Object.fromEntries(tasks.map((t, i) => [t, values[i]]));

/**
 * Each task's most probable mask (independent blocks: the largest sum of log p or log(1 - p)) whose MACs
 * lie within the tolerance of the task's target; the blocks above one half where none does.
 */
export function deriveTasks(
  space: MultiresSpace,
  tasks: readonly MultitaskTask[],
  probabilities: readonly number[][],
  targets: readonly number[],
  tolerance: number,
): DerivedTask[] {
  return tasks.map((task, t) => {
    const p = probabilities[t].map((q) => [1 - q, q]);
    const near = mostProbableWithin(p, taskCostTable(space, task), { target: targets[t], tolerance });
    const keep = near ? near.map((j) => j === 1) : deriveMask(probabilities[t]);
    const perStage = space.widths.length * space.depth;
    const keptPerBranch = space.widths.map(
      (_, r) => keep.filter((k, b) => k && Math.floor((b % perStage) / space.depth) === r).length,
    );
    return {
      task,
      mask: maskString(space, keep),
      keep,
      macs: taskMacs(space, task, keep),
      targetMacs: targets[t],
      withinTarget: near !== undefined,
      blocksKept: keep.filter(Boolean).length,
      keptPerBranch,
    };
  });
}

/** A derived network as a plain description: the space, the task whose head it carries, the kept blocks. */
export interface DerivedArchitecture {
  format: 'torchnas/multires-derived@1';
  space: MultiresSpace;
  task: MultitaskTask;
  keep: boolean[];
  mask: string;
  macs: number;
}

export function derivedArchitecture(space: MultiresSpace, d: DerivedTask): DerivedArchitecture {
  return {
    format: 'torchnas/multires-derived@1',
    space,
    task: d.task,
    keep: d.keep,
    mask: d.mask,
    macs: d.macs,
  };
}

/** The derived network of `task` in a finished run; a task the run did not search is a typed error. */
export function readDerivedArchitecture(runDir: string, task: string): DerivedArchitecture {
  const opened = openRunDir<ResolvedFbnetv5Options, Fbnetv5Record>(runDir, 'fbnetv5', 'run');
  if (!opened)
    throw invalid(`run '${runDir}' holds no fbnetv5 search: run torchnas search fbnetv5 --out ${runDir}`, [
      'run',
    ]);
  const searched = opened.stored.options.tasks;
  if (!searched.includes(task)) {
    throw invalid(
      `task '${task}' was not searched in run '${runDir}' (searched: ${searched.join(', ')}): it has no ` +
        `architecture for that head; search it with --tasks ${[...searched, task].join(',')}`,
      ['task'],
    );
  }
  const file = path.join(runDir, `arch-${task}.json`);
  if (!fs.existsSync(file))
    throw invalid(
      `run '${runDir}' has not finished (no ${path.basename(file)}): resume it to the end first`,
      ['run'],
    );
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DerivedArchitecture;
}

export async function searchFbnetv5(
  options: Fbnetv5Options,
  events: Fbnetv5Events = {},
  control?: RunControl,
): Promise<Fbnetv5Result> {
  const emit = (event: Fbnetv5RunEvent) => {
    if (event.type === 'epoch') events.onEpoch?.(event.record);
    else events.onProgress?.(event.epoch, event.progress);
  };
  return runMethod(FBNETV5_METHOD, options, emit, control);
}

/** The run's events, handed to the two callbacks of Fbnetv5Events. */
type Fbnetv5RunEvent =
  | { type: 'epoch'; record: Fbnetv5Record }
  | { type: 'progress'; epoch: number; progress: Record<string, number> };

const FBNETV5_METHOD: RunMethod<ResolvedFbnetv5Options, Fbnetv5Record, Fbnetv5Result, Fbnetv5RunEvent> = {
  kind: 'fbnetv5',
  parse: (options) => resolveFbnetv5Options(options as Fbnetv5Options),
  // The multitask network runs on the CPU, in fp32, in one process, with whole batches.
  honours: { command: 'search fbnetv5', placement: false, parallel: false },
  folder: () => 'fbnetv5',
  open: openFbnetv5,
  summary: (result) => ({
    derived: result.derived,
    probabilities: byTask(result.options.tasks, result.probabilities),
  }),
};

/** The canvases and the multitask supernet of a search. */
async function openFbnetv5({
  opts: o,
  runDir,
  emit,
}: RunContext<ResolvedFbnetv5Options, Fbnetv5Record, Fbnetv5RunEvent>): Promise<
  OpenedRun<ResolvedFbnetv5Options, Fbnetv5Record, Fbnetv5Result>
> {
  const splits = await canvasSplits(o);
  const net = await openNet(o, Math.ceil(o.trainCanvases / o.batchSize));
  return {
    model: net,
    start: () => {},
    epoch: async (epoch) => {
      const stats = await net.trainEpoch(
        splits.train,
        o.batchSize,
        epoch,
        0,
        (progress) => emit({ type: 'progress', epoch: epoch + 1, progress }),
        o.progressEvery,
      );
      return {
        type: 'epoch',
        epoch: epoch + 1,
        globalStep: stats.globalStep,
        searching: epoch >= o.warmupEpochs,
        seconds: stats.seconds,
        loss: byTask(o.tasks, stats.loss),
        weight: byTask(o.tasks, stats.weight),
        probabilities: byTask(o.tasks, stats.probabilities),
      };
    },
    finish: async (state) => {
      const probabilities = await net.probabilities();
      const tasks = o.tasks as MultitaskTask[];
      const derived = deriveTasks(o.space, tasks, probabilities, taskTargets(o), o.targetTolerance);
      for (const d of derived)
        writeJsonAtomic(path.join(runDir, `arch-${d.task}.json`), derivedArchitecture(o.space, d));
      return {
        runDir,
        options: o,
        space: o.space,
        epochs: o.epochs,
        derived,
        history: state.history,
        probabilities,
      };
    },
    close: () => net.close(),
  };
}
