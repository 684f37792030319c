// `torchnas search darts`: DARTS (first or second order) on the NAS-Bench-201 cell, trained on
// Fashion-MNIST: half the training split trains the weights, the other half the architecture, as in
// the paper. A method on the run skeleton: each epoch commits the session's checkpoint (weights,
// optimizers and alpha); the derived cell (the largest alpha per edge) is looked up in the NB201
// CIFAR-10 table as a transfer figure, and its skip connections counted (DARTS's known collapse).
// `torchnas search entrannas` is the same run with EnTranNAS's supernet (Engine- and Transit-cells).
import * as path from 'path';
import { z } from 'zod';
import { nb201Cifar10Transfer } from '../benchmarks/nb201';
import {
  nb201RetrainData,
  nb201SearchData,
  trainNb201Cell,
  type RunningSession,
} from '../benchmarks/nb201-training';
import { formatNb201Cell, NB201_OPS, parseNb201Cell, type Nb201Cell } from '../spaces/nb201/nb201-cell';
import { RUN_FIELDS } from '../run/run-fields';
import {
  closingOnError,
  parseWith,
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { openRunSession } from '../dist/run-session';
import { writeJsonAtomic } from '../util/atomic-file';
import { buildDartsSupernet, dartsAlphas, dartsEpoch } from './darts-session';
import { plural } from '../util/plural';

const SEARCH_FIELDS = {
  epochs: z.number().int().positive().default(10),
  batchSize: z.number().int().positive().default(64),
  /** The weights: SGD with momentum, cosine from lr to minLr, as NAS-Bench-201's DARTS. */
  lr: z.number().positive().default(0.025),
  minLr: z.number().min(0).default(0.001),
  momentum: z.number().min(0).lt(1).default(0.9),
  weightDecay: z.number().min(0).default(3e-4),
  archLr: z.number().positive().default(3e-4),
  archWeightDecay: z.number().min(0).default(1e-3),
  gradClip: z.number().min(0).default(5),
  channels: z.number().int().positive().default(8),
  cells: z.number().int().positive().default(1),
  /** The share of the training split that trains the architecture (the paper: half). */
  validFraction: z.number().gt(0).lt(1).default(0.5),
  /** After the search: the derived cell trained alone for this many epochs and tested (0: not). */
  retrainEpochs: z.number().int().min(0).default(0),
  retrainLr: z.number().positive().default(0.05),
  dataDir: z.string().optional(),
  restart: z.boolean().default(false),
  ...RUN_FIELDS,
};
const lrOrder = { message: 'minLr must not exceed lr', path: ['minLr'] };

export const DartsOptionsSchema = z
  .object({ order: z.union([z.literal(1), z.literal(2)]).default(1), ...SEARCH_FIELDS })
  .strict()
  .refine((o) => o.minLr <= o.lr, lrOrder);

export const EntranNasOptionsSchema = z
  .object({
    /** Engine-cells at the start of each stage (the rest of the stage's cells are Transit-cells). */
    engineCells: z.number().int().positive().default(1),
    /** 'sparse': differentiable sparsification with learned thresholds; 'top': the largest alpha. */
    derivation: z.enum(['sparse', 'top']).default('sparse'),
    /** 'sparse': weight of the l_1/2 sparsity term on softmax(alpha) in the architecture loss. */
    sparsity: z.number().min(0).optional(),
    /** Feature sharing: each operation runs once per source node, for every edge leaving it (the paper's). */
    featureSharing: z.boolean().default(true),
    ...SEARCH_FIELDS,
    cells: z.number().int().positive().default(2),
  })
  .strict()
  .refine((o) => o.minLr <= o.lr, lrOrder)
  .refine((o) => o.sparsity === undefined || o.derivation === 'sparse', {
    message: "sparsity weighs the 'sparse' derivation's term: drop it or use derivation 'sparse'",
    path: ['sparsity'],
  })
  .refine((o) => o.cells > o.engineCells, {
    message: 'EnTranNAS needs Transit-cells: cells (per stage) must exceed engineCells',
    path: ['cells'],
  });

export type DartsOptions = z.input<typeof DartsOptionsSchema>;
export type EntranNasOptions = z.input<typeof EntranNasOptionsSchema>;
type Resolved = z.output<typeof DartsOptionsSchema> | z.output<typeof EntranNasOptionsSchema>;

export interface DartsRecord {
  type: 'darts-epoch';
  epoch: number;
  globalStep: number;
  loss: number;
  top1: number;
  archLoss: number;
  archTop1: number;
  /** [edge][op] architecture logits after the epoch. */
  alphas: number[][];
  /** [edge][op] the weights the (Engine-)cells run: softmax(alpha), or EnTranNAS's sparse weights. */
  weights: number[][];
  /** EnTranNAS: the operations the Transit-cells run (the derived sub-graph's size; 6 = one per edge). */
  transitOps?: number;
  /** EnTranNAS's learned threshold logits, one per edge. */
  thresholds?: number[];
  derived: string;
  skipConnections: number;
  seconds: number;
}

export interface DartsResult {
  runDir: string;
  derived: string;
  skipConnections: number;
  /** The derived cell's NB201 CIFAR-10 test accuracy (200 epochs) and its percentile: a transfer figure. */
  cifar10: { accuracy: number; percentile: number };
  history: DartsRecord[];
  /** The derived cell trained alone on the training split and tested on Fashion-MNIST's test split. */
  retrain?: { epochs: number; testTop1: number };
}

export type DartsEvent =
  | { type: 'start'; runDir: string; startEpoch: number; epochs: number; method: string }
  | { type: 'step'; epoch: number; progress: Record<string, number> }
  | { type: 'epoch'; record: DartsRecord };

export function searchDarts(
  options: DartsOptions,
  onEvent?: (e: DartsEvent) => void,
  control?: RunControl,
): Promise<DartsResult> {
  return runMethod(DARTS_METHOD, options, onEvent, control);
}

/** EnTranNAS (Yang et al., CVPR 2021) on the NB201 cell: the same run as DARTS on its own supernet. */
export function searchEntranNas(
  options: EntranNasOptions,
  onEvent?: (e: DartsEvent) => void,
  control?: RunControl,
): Promise<DartsResult> {
  return runMethod(ENTRANNAS_METHOD, options, onEvent, control);
}

const isEntran = (o: Resolved): o is z.output<typeof EntranNasOptionsSchema> => 'engineCells' in o;

/** The method's name and its supernet options. */
function architectureOf(o: Resolved) {
  if (isEntran(o))
    return {
      name:
        `entrannas (${o.derivation}, ${plural(o.engineCells, 'Engine-cell')} per stage` +
        `${o.featureSharing ? ', features shared' : ''})`,
      net: {
        method: 'entrannas' as const,
        engineCells: o.engineCells,
        derivation: o.derivation,
        // A run stored before the option existed has none: it ran unshared, and resumes so.
        featureSharing: o.featureSharing === true,
        ...(o.sparsity === undefined ? {} : { sparsity: o.sparsity }),
      },
    };
  return { name: `darts (order ${o.order})`, net: { method: 'darts' as const, order: o.order } };
}

/** A finished search may be retrained again with other retraining options. */
const RETRAIN_KEYS = ['retrainEpochs', 'retrainLr'];

const DARTS_METHOD: RunMethod<Resolved, DartsRecord, DartsResult, DartsEvent> = {
  kind: 'darts',
  parse: parseWith(DartsOptionsSchema, 'darts options') as (o: object) => Resolved,
  honours: { command: 'search darts', parallel: false },
  folder: (o) => `darts-o${(o as z.output<typeof DartsOptionsSchema>).order}`,
  open: openDarts,
  after: retrainDerived,
  afterKeys: RETRAIN_KEYS,
};

const ENTRANNAS_METHOD: RunMethod<Resolved, DartsRecord, DartsResult, DartsEvent> = {
  kind: 'entrannas',
  parse: parseWith(EntranNasOptionsSchema, 'entrannas options') as (o: object) => Resolved,
  honours: { command: 'search entrannas', parallel: false },
  folder: (o) =>
    isEntran(o) ? `entrannas-${o.derivation}${o.featureSharing ? '' : '-unshared'}` : 'entrannas',
  open: openDarts,
  after: retrainDerived,
  afterKeys: RETRAIN_KEYS,
};

/**
 * The derived cell trained alone (SGD, cosine) on the whole training split (or --limit-train of it) and
 * tested on the test split. Not checkpointed: it is short, and an interrupted one is redone on rerun.
 */
async function retrainDerived(
  result: DartsResult,
  { opts: o, signal }: RunContext<Resolved, DartsRecord, DartsEvent>,
) {
  if (o.retrainEpochs <= 0) return result;
  const data = await nb201RetrainData(o);
  const recipe = {
    epochs: o.retrainEpochs,
    batchSize: 128,
    lr: o.retrainLr,
    channels: o.channels,
    cells: o.cells,
    seed: o.seed,
  };
  const running: RunningSession = {};
  const stop = () => running.session?.cancel(); // an abort stops the retraining at its next step
  signal?.addEventListener('abort', stop);
  try {
    const { top1 } = await trainNb201Cell(parseNb201Cell(result.derived), data, recipe, o, running);
    return { ...result, retrain: { epochs: o.retrainEpochs, testTop1: top1 } };
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

const cellOf = (derived: number[]) => derived.map((j) => NB201_OPS[j]) as unknown as Nb201Cell;

async function openDarts({
  opts: o,
  runDir,
  emit,
}: RunContext<Resolved, DartsRecord, DartsEvent>): Promise<OpenedRun<Resolved, DartsRecord, DartsResult>> {
  const data = await nb201SearchData(o);
  const session = await openRunSession(o);
  const architecture = architectureOf(o);
  return closingOnError(session, async () => {
    await buildDartsSupernet(session, {
      ...architecture.net,
      archLr: o.archLr,
      archWeightDecay: o.archWeightDecay,
      gradClip: o.gradClip,
      channels: o.channels,
      cells: o.cells,
      input: data.input,
      classes: data.classes,
    });
    const steps = Math.ceil(data.train.size / o.batchSize);
    await session.configureTraining({
      lr: o.lr,
      momentum: o.momentum,
      nesterov: false,
      weightDecay: o.weightDecay,
      totalSteps: o.epochs * steps,
      finalLrRatio: o.minLr / o.lr,
    });
    return {
      model: session,
      start: (startEpoch) =>
        emit({ type: 'start', runDir, startEpoch, epochs: o.epochs, method: architecture.name }),
      epoch: async (epoch) => {
        const t0 = Date.now();
        const loader = { batchSize: o.batchSize, augment: data.augment, epoch };
        const stats = await dartsEpoch(
          session,
          data.train,
          data.valid,
          {
            train: { ...loader, seed: o.seed },
            valid: { ...loader, seed: o.seed + 1 },
            progressEvery: o.progressEvery,
          },
          (p) => emit({ type: 'step', epoch, progress: p as unknown as Record<string, number> }),
        );
        const arch = await dartsAlphas(session);
        const { alphas, derived } = arch;
        return {
          type: 'darts-epoch',
          epoch: epoch + 1,
          globalStep: (epoch + 1) * steps,
          loss: stats.loss,
          top1: stats.top1,
          archLoss: stats.archLoss,
          archTop1: stats.archTop1,
          alphas,
          weights: arch.engineWeights,
          ...(isEntran(o)
            ? {
                transitOps: arch.transitWeights.flat().filter((w) => w !== 0).length,
                ...(arch.thresholds.length ? { thresholds: arch.thresholds } : {}),
              }
            : {}),
          derived: formatNb201Cell(cellOf(derived)),
          skipConnections: derived.filter((j) => NB201_OPS[j] === 'skip_connect').length,
          seconds: (Date.now() - t0) / 1000,
        };
      },
      finish: async (state) => {
        const { derived } = await dartsAlphas(session);
        const cell = cellOf(derived);
        const arch = formatNb201Cell(cell);
        writeJsonAtomic(path.join(runDir, 'arch.json'), { space: 'nb201', arch, ops: [...cell] });
        return {
          runDir,
          derived: arch,
          skipConnections: cell.filter((op) => op === 'skip_connect').length,
          cifar10: nb201Cifar10Transfer(cell),
          history: state.history,
        };
      },
      cancel: () => session.cancel(),
      close: () => session.close(),
    };
  });
}
