// ProxylessNAS on a dataset: warm-up epochs train the supernet's weights on sampled paths; then each
// epoch alternates weight steps on the train part with architecture steps on a held-out validation
// part (every `archEvery` weight steps), under a hardware-aware loss on the expected latency. The
// argmax architecture is exported and, if asked, retrained from scratch and tested.
import * as path from 'path';
import { z } from 'zod';
import type { NativeSearchEpochStats } from '../../binding';
import type { Architecture } from '../arch';
import { augmentationFor, DATASET_NAMES, loadDataset, requireShape } from '../data/datasets';
import { searchSplits } from '../data/search-splits';
import { TorchnasError } from '../errors';
import { dataShapeOf, deriveArchitecture, loadSpaceFor, resolveSpace, type ResolvedSpace } from '../spaces';
import { adoptWarmup } from './warm-start';
import { RUN_FIELDS } from '../run/run-fields';
import { guardedEpoch } from '../run/divergence';
import type { Session } from '../train/session';
import {
  closingOnError,
  parseWith,
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { train, type TrainEvent, type TrainResult } from '../train/trainer';
import { writeJsonAtomic } from '../util/atomic-file';
import { openRunSession, stepsPerEpoch } from '../dist/run-session';
import { readSearchLatencyTable, type SearchCostTable } from '../latency/search-latency-table';
import { costRange, mostProbableWithin, requireReachableTarget } from '../search/target-derivation';
import { archState, buildSupernet, configureSearch, evaluatePaths, searchEpoch } from './proxyless-session';

/**
 * lambda's default per loss: the reference's for add#linear; for abs#ratio, large enough that the
 * penalty's kink holds E[LAT] at the target against the cross-entropy's pull (an exact penalty),
 * measured on Fashion-MNIST (BENCHMARKS.md).
 */
export const DEFAULT_LAMBDA = { 'add#linear': 0.1, 'abs#ratio': 1 } as const;

export const ProxylessOptionsSchema = z
  .object({
    space: z.union([z.string(), z.record(z.string(), z.unknown())]).default('proxyless-28'),
    dataset: z.enum(DATASET_NAMES).default('fashion-mnist'),
    dataDir: z.string().optional(),
    /** image-folder: side of the square images (training crops, evaluation centre crops); default 224. */
    imageSize: z.number().int().min(1).max(4096).optional(),
    epochs: z.number().int().positive().default(6),
    warmupEpochs: z.number().int().min(0).default(1),
    // Measured on Fashion-MNIST (BENCHMARKS.md): supernet warm-up is limited by its step count, so
    // smaller batches than a fixed network's train it faster per image.
    batchSize: z.number().int().positive().default(32),
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
    // Measured on Fashion-MNIST (BENCHMARKS.md, "A warm-up that reaches 85%"): the supernet underfits,
    // so crop, flip and label smoothing slow its warm-up; a higher learning rate speeds it.
    lr: z.number().positive().default(0.1),
    weightDecay: z.number().min(0).default(4e-5),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    augment: z.boolean().default(false),
    method: z.enum(['gradient', 'reinforce']).default('gradient'),
    mode: z.enum(['full', 'two', 'full_v2']).default('two'),
    archLr: z.number().positive().default(0.02),
    archEvery: z.number().int().positive().default(1),
    samples: z.number().int().positive().default(8),
    // abs#ratio: CE + lambda |E[LAT]/T - 1| (REINFORCE: acc - lambda |LAT/T - 1|), two-sided, so the
    // target is reached from either side; mul#log and add#linear are the reference's losses.
    latencyLoss: z.enum(['none', 'mul#log', 'add#linear', 'abs#ratio']).default('abs#ratio'),
    // In the latency table's unit; without a table, the table is MACs in millions.
    target: z.number().positive().optional(),
    // The derived network's cost lies within target * (1 ± targetTolerance) in the table's measure.
    targetTolerance: z.number().gt(0).lt(1).default(0.05),
    a: z.number().default(0.2),
    b: z.number().default(0.3),
    lambda: z.number().min(0).optional(),
    zeroActiveGradient: z.enum(['keep', 'drop']).default('keep'),
    latencyTable: z.string().optional(),
    validFraction: z.number().gt(0).lt(1).default(0.2),
    ...RUN_FIELDS,
    retrainEpochs: z.number().int().min(0).default(0),
    retrainLr: z.number().positive().default(0.1),
    /** A finished warm-up-only run to start from instead of warming up (see warm-start.ts). */
    warmupFrom: z.string().optional(),
    /** Start over in runDir: the run it holds is removed first. */
    restart: z.boolean().default(false),
  })
  .strict()
  .refine((o) => o.latencyLoss === 'none' || o.target !== undefined, {
    message: 'a latency loss needs a target',
    path: ['target'],
  });

export type ProxylessOptions = z.input<typeof ProxylessOptionsSchema>;

export interface SearchRecord {
  type: 'search-epoch';
  epoch: number;
  updatedArch: boolean;
  train: { loss: number; top1: number; seconds: number };
  arch: { steps: number; loss: number; top1: number };
  /**
   * On the held-out validation part, with the supernet's weights and batch statistics: a path
   * sampled per batch, and the argmax path.
   */
  valid: { sampledTop1: number; argmaxTop1: number };
  expectedLatency: number;
  entropy: number;
  /** Mean over edges of the largest candidate probability (1/N: undecided, 1: decided). */
  maxProbability: number;
  probabilities: number[][];
  /** The network derived now: the most probable one within the target's tolerance (argmax without a target). */
  derived: string[];
  /** Latency of the derived network, in the table's unit. */
  derivedLatency: number;
  /** The most probable candidate of every edge, and its latency. */
  argmax: string[];
  argmaxLatency: number;
}

export type SearchEvent =
  | {
      type: 'start';
      runDir: string;
      space: string;
      edges: number;
      candidates: number;
      params: number;
      startEpoch: number;
      epochs: number;
      latencyUnit: string;
    }
  | {
      type: 'step';
      epoch: number;
      step: number;
      steps: number;
      loss: number;
      top1: number;
      archSteps: number;
      entropy: number;
      imagesPerSecond: number;
    }
  | { type: 'epoch'; record: SearchRecord }
  | { type: 'derived'; arch: Architecture; latency: number; cost: DerivedCost; edges: DerivedEdge[] }
  | { type: 'retrain'; event: TrainEvent };

/** An edge's derived candidate and its probability, beside the edge's most probable one. */
export interface DerivedEdge {
  choice: string;
  p: number;
  uniform: number;
  mostProbable: string;
  pMostProbable: number;
}

/** What the derived network costs in the search's measure, beside what was asked and what the space allows. */
export interface DerivedCost {
  value: number;
  unit: string;
  /** 'MACs', 'table sum', 'predictor' (a torchnas table's fitted predictor) or 'plain table'. */
  measure: string;
  target?: number;
  tolerance?: number;
  /** False when no network near the target was found: the argmax is derived instead. */
  withinTarget?: boolean;
  cheapest: number;
  largest: number;
}

export interface ProxylessResult {
  runDir: string;
  arch: Architecture;
  choice: string[];
  latency: number; // of the derived network, in the table's unit
  cost: DerivedCost;
  history: SearchRecord[];
  retrain?: TrainResult;
  seconds: number;
}

/** The latency of a choice: the fixed part plus each edge's chosen candidate. */
function choiceLatency(
  resolved: ResolvedSpace,
  latency: { table: number[][]; fixed: number },
  choice: string[],
): number {
  return (
    latency.fixed +
    choice.reduce((sum, c, e) => sum + latency.table[e][resolved.edges[e].candidates.indexOf(c)], 0)
  );
}

type SearchOptions = z.infer<typeof ProxylessOptionsSchema>;
const band = (opts: SearchOptions) => ({ target: opts.target!, tolerance: opts.targetTolerance });

/** The argmax, and the network to derive: the most probable within the target's band (argmax without a target). */
function deriveChoices(
  resolved: ResolvedSpace,
  latency: SearchCostTable,
  opts: SearchOptions,
  probabilities: number[][],
) {
  const names = (choice: number[]) => choice.map((j, e) => resolved.edges[e].candidates[j]);
  const argmax = probabilities.map((p) => p.indexOf(Math.max(...p)));
  const near = opts.target === undefined ? argmax : mostProbableWithin(probabilities, latency, band(opts));
  return {
    argmax: names(argmax),
    derived: names(near ?? argmax),
    withinTarget: opts.target === undefined ? undefined : near !== undefined,
  };
}

/** Refuses, before any work, losses a table cannot serve and targets no network of the space reaches. */
function checkTarget(resolved: ResolvedSpace, latency: SearchCostTable, opts: SearchOptions): void {
  const range = costRange(latency);
  const unit = latency.unit;
  if (opts.latencyLoss === 'mul#log' && !(range.cheapest > 1 && opts.target! > 1)) {
    // (log E[LAT] / log T)^b is only defined while E[LAT] > 1 and T > 1 in the table's unit.
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `--latency-loss mul#log takes log(E[LAT]) and log(target), which must stay ` +
        `positive, but the cheapest network of this space costs ${range.cheapest.toPrecision(3)} ${unit} and --target is ` +
        `${opts.target} ${unit}: use --latency-loss abs#ratio (the default) or add#linear, which depend only on the ratio to ` +
        `the target, or give the table in a smaller unit`,
      ['latencyLoss'],
    );
  }
  if (opts.target !== undefined)
    requireReachableTarget(latency, band(opts), '--target', `space '${resolved.space.name}'`);
}
export async function proxyless(
  options: ProxylessOptions,
  onEvent?: (e: SearchEvent) => void,
  control?: RunControl,
): Promise<ProxylessResult> {
  return runMethod(PROXYLESS_METHOD, options, onEvent, control);
}

const PROXYLESS_METHOD: RunMethod<SearchOptions, SearchRecord, ProxylessResult, SearchEvent> = {
  kind: 'search',
  parse: parseWith(ProxylessOptionsSchema, 'search options'),
  folder: () => 'search',
  open: openSearch,
  after: retrainDerived,
  afterKeys: ['retrainEpochs', 'retrainLr'],
  summary: (result) => ({ ...result, latencyUnit: result.cost.unit }),
};

/** The supernet, its architecture parameters and the data of a ProxylessNAS search. */
async function openSearch({
  opts,
  runDir,
  previous,
  emit,
  started,
}: RunContext<SearchOptions, SearchRecord, SearchEvent>): Promise<
  OpenedRun<SearchOptions, SearchRecord, ProxylessResult>
> {
  const full = await loadDataset(opts.dataset, 'train', opts.dataDir, { imageSize: opts.imageSize });
  const resolved = resolveSpace(loadSpaceFor(opts.space, dataShapeOf(full)));
  const latency = readSearchLatencyTable(resolved, opts.latencyTable);
  checkTarget(resolved, latency, opts);
  const adopted =
    !previous && opts.warmupFrom !== undefined
      ? adoptWarmup<SearchOptions, SearchRecord>(opts.warmupFrom, opts, runDir)
      : undefined;
  const session = await openRunSession(opts);
  const root = session.isRoot;
  return closingOnError(session, async () => {
    requireShape(
      `search space '${resolved.space.name}'`,
      resolved.space.input,
      resolved.space.classes,
      full,
      opts.dataset,
    );
    const { train: trainSet, valid: validSet } = searchSplits(full, opts);
    const { parameters } = await buildSupernet(session, resolved);
    await configureProxylessRun(
      session,
      opts,
      latency,
      stepsPerEpoch(trainSet.size, opts.batchSize, session.worldSize),
    );
    const augment = augmentationFor(opts.dataset, opts.augment);
    const validLoader = {
      batchSize: opts.batchSize,
      seed: opts.seed + 3,
      augment: { mean: augment.mean, std: augment.std },
    };
    return {
      model: session,
      root,
      initialState: adopted,
      stored: { space: resolved.space, latencyUnit: latency.unit },
      start: (startEpoch) =>
        emit({
          type: 'start',
          runDir,
          space: resolved.space.name,
          edges: resolved.edges.length,
          candidates: Math.max(...resolved.edges.map((e) => e.candidates.length)),
          params: parameters,
          startEpoch,
          epochs: opts.epochs,
          latencyUnit: latency.unit,
        }),
      epoch: async (epoch) => {
        const updateArch = epoch >= opts.warmupEpochs;
        const guard = { runDir, epoch: epoch + 1, lr: opts.lr, classes: resolved.space.classes, root };
        const stats: NativeSearchEpochStats = await guardedEpoch(guard, () =>
          searchEpoch(
            session,
            trainSet,
            validSet,
            {
              train: { batchSize: opts.batchSize, seed: opts.seed, epoch, augment },
              valid: validLoader,
              archEvery: opts.archEvery,
              updateArch,
              progressEvery: opts.progressEvery,
            },
            (p) =>
              emit({
                type: 'step',
                epoch,
                step: p.step,
                steps: p.steps,
                loss: p.loss,
                top1: p.top1,
                archSteps: p.archSteps,
                entropy: p.entropy,
                imagesPerSecond: p.imagesPerSecond,
              }),
          ),
        );
        const arch = await archState(session);
        const { argmax, derived } = deriveChoices(resolved, latency, opts, arch.probabilities);
        const valid = {
          sampledTop1: (await evaluatePaths(session, validSet, { ...validLoader, sampled: true })).top1,
          argmaxTop1: (await evaluatePaths(session, validSet, { ...validLoader, sampled: false })).top1,
        };
        return {
          type: 'search-epoch',
          epoch: epoch + 1,
          updatedArch: updateArch,
          train: { loss: stats.loss, top1: stats.top1, seconds: stats.seconds },
          arch: { steps: stats.archSteps, loss: stats.archLoss, top1: stats.archTop1 },
          valid,
          expectedLatency: stats.expectedLatency,
          entropy: stats.entropy,
          probabilities: arch.probabilities,
          maxProbability:
            arch.probabilities.reduce((sum, row) => sum + Math.max(...row), 0) / arch.probabilities.length,
          derived,
          derivedLatency: choiceLatency(resolved, latency, derived),
          argmax,
          argmaxLatency: choiceLatency(resolved, latency, argmax),
        };
      },
      finish: async (state) =>
        derive(state.history, { resolved, latency, opts, runDir, root, emit, started }),
      close: () => session.close(),
    };
  });
}

/** The optimizer (a cosine cycle each for warm-up and search, as the reference's two phases) and the search. */
async function configureProxylessRun(
  session: Session,
  opts: SearchOptions,
  latency: SearchCostTable,
  steps: number,
) {
  const restartStep =
    opts.warmupEpochs > 0 && opts.warmupEpochs < opts.epochs ? opts.warmupEpochs * steps : 0;
  await session.configureTraining({
    optimizer: opts.optimizer,
    lr: opts.lr,
    weightDecay: opts.weightDecay,
    labelSmoothing: opts.labelSmoothing,
    totalSteps: opts.epochs * steps,
    restartStep,
  });
  await configureSearch(session, {
    method: opts.method,
    mode: opts.mode,
    lr: opts.archLr,
    latency: latency.table,
    fixedLatency: latency.fixed,
    latencyLoss: opts.latencyLoss,
    target: opts.target,
    a: opts.a,
    b: opts.b,
    samples: opts.samples,
    lambda:
      opts.lambda ??
      (opts.latencyLoss === 'add#linear' ? DEFAULT_LAMBDA['add#linear'] : DEFAULT_LAMBDA['abs#ratio']),
    zeroActiveGradient: opts.zeroActiveGradient,
  });
}

/** The derived network of the last epoch's probabilities: written as arch.json and announced. */
function derive(
  history: SearchRecord[],
  c: {
    resolved: ResolvedSpace;
    latency: SearchCostTable;
    opts: SearchOptions;
    runDir: string;
    root: boolean;
    emit: (e: SearchEvent) => void;
    started: number;
  },
): ProxylessResult {
  const { resolved, latency, opts } = c;
  const last = history.at(-1)!;
  const { derived: choice, withinTarget } = deriveChoices(resolved, latency, opts, last.probabilities);
  const arch = deriveArchitecture(resolved, choice, `${resolved.space.name}-${opts.dataset}-s${opts.seed}`);
  const derivedLatency = choiceLatency(resolved, latency, choice);
  const cost: DerivedCost = {
    value: derivedLatency,
    unit: latency.unit,
    measure: latency.measure,
    ...costRange(latency),
    ...(opts.target === undefined
      ? {}
      : { target: opts.target, tolerance: opts.targetTolerance, withinTarget }),
  };
  if (c.root) writeJsonAtomic(path.join(c.runDir, 'arch.json'), arch);
  const edges = choice.map((chosen, e): DerivedEdge => {
    const p = last.probabilities[e];
    const top = p.indexOf(Math.max(...p));
    const options = resolved.edges[e].candidates;
    return {
      choice: chosen,
      p: p[options.indexOf(chosen)],
      uniform: 1 / p.length,
      mostProbable: options[top],
      pMostProbable: p[top],
    };
  });
  c.emit({ type: 'derived', arch, latency: derivedLatency, cost, edges });
  const seconds = (Date.now() - c.started) / 1000;
  return { runDir: c.runDir, arch, choice, latency: derivedLatency, cost, history, seconds };
}

/** Retrains the derived network from scratch when asked (its own run, under the search's folder). */
async function retrainDerived(
  result: ProxylessResult,
  { opts, runDir, emit, started, signal }: RunContext<SearchOptions, SearchRecord, SearchEvent>,
): Promise<ProxylessResult> {
  if (opts.retrainEpochs <= 0) return result;
  const retrain = await train(
    {
      arch: result.arch,
      dataset: opts.dataset,
      dataDir: opts.dataDir,
      imageSize: opts.imageSize,
      epochs: opts.retrainEpochs,
      batchSize: 128,
      lr: opts.retrainLr,
      labelSmoothing: opts.labelSmoothing,
      augment: opts.augment,
      warmupEpochs: Math.min(1, opts.retrainEpochs / 10),
      seed: opts.seed,
      device: opts.device,
      threads: opts.threads,
      precision: opts.precision,
      channelsLast: opts.channelsLast,
      runDir: path.join(runDir, 'retrain'),
      microBatches: opts.microBatches,
      distributed: opts.distributed,
    },
    (event) => emit({ type: 'retrain', event }),
    { signal },
  );
  return { ...result, retrain, seconds: (Date.now() - started) / 1000 };
}
