// One-shot supernet training on a dataset: every step trains several subnets of an elastic space
// (the sampling rule) on one batch and makes one optimizer step; after each epoch the largest and
// smallest subnets are BN-recalibrated and scored on a held-out part, and the epoch is committed
// (checkpoint + state.json), so a killed run resumes exactly where it stopped.
import { z } from 'zod';
import type { NativeSamplerOptions } from '../../binding';
import { augmentationFor, DATASET_NAMES, loadDataset, requireShape, type Dataset } from '../data/datasets';
import { searchSplits } from '../data/search-splits';
import { fromZod } from '../errors';
import {
  dataShapeOf,
  encodeSubnet,
  largestSubnet,
  loadElasticSpace,
  nativeSubnet,
  smallestSubnet,
  subnetCost,
  type ResolvedElasticSpace,
  type Subnet,
} from '../spaces';
import { RUN_FIELDS } from '../run/run-fields';
import { trainFigures } from '../run/run-state';
import { guardedEpoch } from '../run/divergence';
import { Session } from '../train/session';
import {
  closingOnError,
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { openRunSession, stepsPerEpoch } from '../dist/run-session';
import { parseSamplerRule, SAMPLER_PATTERN } from './sampler-rule';
import { attentivePrior, nativePrior } from './attentive-prior';
import { checkCollapse } from './collapse';
import {
  configureShiftNas,
  SHIFTNAS_FIELDS,
  shiftNasRecord,
  type ShiftNasRecord,
} from './shiftnas/shiftnas-run';
import { pretrainGenerator } from './shiftnas/shiftnas-session';
import { buildElastic, scoreRecalibrated, supernetEpoch } from './elastic-session';

export const SupernetTrainOptionsSchema = z
  .object({
    space: z.union([z.string(), z.record(z.string(), z.unknown())]).default('elastic-28'),
    dataset: z.enum(DATASET_NAMES).default('fashion-mnist'),
    dataDir: z.string().optional(),
    /** image-folder: side of the square images (training crops, evaluation centre crops); default 224. */
    imageSize: z.number().int().min(1).max(4096).optional(),
    sampler: z
      .string()
      .regex(SAMPLER_PATTERN, 'use uniform, sandwich, bestup-<k>, worstup-<k> or shiftnas')
      .default('sandwich'),
    // Subnets between the largest and the smallest in a sandwich step (random, or AttentiveNAS picks).
    middle: z.number().int().min(0).default(2),
    distill: z.boolean().default(true),
    temperature: z.number().positive().default(1),
    clip: z.number().min(0).default(1),
    /** Clip each gradient entry (the AttentiveNAS reference's clip_grad_value_) or the gradient's norm. */
    clipBy: z.enum(['value', 'norm']).default('value'),
    // Once-for-all's kernel transformation matrices: a smaller kernel is a learnt map of the larger's centre.
    kernelTransform: z.boolean().default(false),
    epochs: z.number().int().positive().default(10),
    batchSize: z.number().int().positive().default(64),
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
    lr: z.number().positive().default(0.05),
    weightDecay: z.number().min(0).default(3e-5),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    augment: z.boolean().default(false),
    validFraction: z.number().gt(0).lt(1).default(0.1),
    calibBatches: z.number().int().positive().default(20),
    /** bestup/worstup: subnets drawn for the MACs prior, and how near its target each candidate lies. */
    poolSize: z.number().int().positive().default(10000),
    candidateTolerance: z.number().positive().max(0.5).default(0.02),
    ...SHIFTNAS_FIELDS,
    /** Start over in runDir: the run it holds is removed first. */
    restart: z.boolean().default(false),
    ...RUN_FIELDS,
  })
  .strict();

export type SupernetTrainOptions = z.input<typeof SupernetTrainOptionsSchema>;
type Resolved = z.output<typeof SupernetTrainOptionsSchema>;

export interface SubnetScore {
  subnet: string;
  macs: number;
  top1: number;
  loss: number;
}

export interface SupernetRecord {
  type: 'supernet-epoch';
  epoch: number;
  globalStep: number;
  train: { loss: number; top1: number; lr: number; seconds: number; imagesPerSecond: number };
  /** Held-out accuracy of the largest and smallest subnets, each BN-recalibrated first. */
  largest: SubnetScore;
  smallest: SubnetScore;
  /** The shiftnas sampler's state after the epoch. */
  shiftnas?: ShiftNasRecord;
}

export type SupernetEvent =
  | {
      type: 'start';
      runDir: string;
      space: string;
      sampler: string;
      params: number;
      startEpoch: number;
      epochs: number;
      macsRange: [number, number];
    }
  | {
      type: 'step';
      epoch: number;
      step: number;
      steps: number;
      loss: number;
      top1: number;
      imagesPerSecond: number;
    }
  | { type: 'epoch'; record: SupernetRecord };

export interface SupernetTrainResult {
  runDir: string;
  history: SupernetRecord[];
  seconds: number;
}

/** The split a supernet run trains on and the held-out part it scores subnets on (also for search). */
export async function supernetData(
  opts: Resolved,
  resolved: ResolvedElasticSpace,
  loaded?: Dataset,
): Promise<{ train: Dataset; valid: Dataset }> {
  const full =
    loaded ?? (await loadDataset(opts.dataset, 'train', opts.dataDir, { imageSize: opts.imageSize }));
  requireShape(
    `elastic space '${resolved.space.name}'`,
    resolved.space.input,
    resolved.space.classes,
    full,
    opts.dataset,
  );
  return searchSplits(full, opts);
}

export function parseSupernetOptions(options: SupernetTrainOptions): Resolved {
  const parsed = SupernetTrainOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('supernet options', parsed.error);
  return parsed.data;
}

function samplerOptions(opts: Resolved, resolved: ResolvedElasticSpace): NativeSamplerOptions {
  const { rule, candidates } = parseSamplerRule(opts.sampler);
  const base = {
    rule,
    middle: opts.middle,
    candidates,
    distill: opts.distill,
    temperature: opts.temperature,
    clip: opts.clip,
    clipBy: opts.clipBy,
  };
  if (rule !== 'bestup' && rule !== 'worstup') return base;
  return {
    ...base,
    ...nativePrior(attentivePrior(resolved, opts.poolSize, opts.candidateTolerance, opts.seed + 11)),
  };
}

/** Scores subnets after BN recalibration on the train part; accuracy on the held-out part. */
export async function scoreSubnets(
  session: Session,
  resolved: ResolvedElasticSpace,
  subnets: Subnet[],
  data: { train: Dataset; valid: Dataset },
  opts: { batchSize: number; dataset: Resolved['dataset']; seed: number; calibBatches: number },
  onProgress?: (p: { done: number; total: number }) => void,
): Promise<SubnetScore[]> {
  const { mean, std } = augmentationFor(opts.dataset, false);
  const loader = { batchSize: opts.batchSize, augment: { mean, std } };
  const stats = await scoreRecalibrated(
    session,
    data.train,
    data.valid,
    {
      subnets: subnets.map(nativeSubnet),
      calib: { ...loader, seed: opts.seed + 5 },
      calibBatches: opts.calibBatches,
      valid: loader,
    },
    onProgress,
  );
  return stats.map((s, i) => ({
    subnet: encodeSubnet(subnets[i]),
    macs: subnetCost(resolved, subnets[i]).macs,
    top1: s.top1,
    loss: s.loss,
  }));
}

export async function trainSupernet(
  options: SupernetTrainOptions,
  onEvent?: (e: SupernetEvent) => void,
  control?: RunControl,
): Promise<SupernetTrainResult> {
  return runMethod(SUPERNET_METHOD, options, onEvent, control);
}

const SUPERNET_METHOD: RunMethod<Resolved, SupernetRecord, SupernetTrainResult, SupernetEvent> = {
  kind: 'supernet',
  parse: (options) => parseSupernetOptions(options as SupernetTrainOptions),
  folder: () => 'supernet',
  open: openSupernetTraining,
};

async function openSupernetTraining({
  opts,
  runDir,
  emit,
  started,
}: RunContext<Resolved, SupernetRecord, SupernetEvent>): Promise<
  OpenedRun<Resolved, SupernetRecord, SupernetTrainResult>
> {
  const full = await loadDataset(opts.dataset, 'train', opts.dataDir, { imageSize: opts.imageSize });
  const resolved = loadElasticSpace(opts.space, dataShapeOf(full));
  const sampler = samplerOptions(opts, resolved);
  const session = await openRunSession(opts);
  const root = session.isRoot;
  return closingOnError(session, async () => {
    const data = await supernetData(opts, resolved, full);
    const { parameters } = await buildElastic(session, resolved, { kernelTransform: opts.kernelTransform });
    const steps = stepsPerEpoch(data.train.size, opts.batchSize, session.worldSize);
    await session.configureTraining({
      optimizer: opts.optimizer,
      lr: opts.lr,
      weightDecay: opts.weightDecay,
      labelSmoothing: opts.labelSmoothing,
      totalSteps: opts.epochs * steps,
      warmupSteps: Math.min(steps, 200),
    });
    const augment = augmentationFor(opts.dataset, opts.augment);
    // ShiftNAS's generator and bins, configured before the checkpoint is read so that it restores them.
    const shift =
      opts.sampler === 'shiftnas'
        ? await configureShiftNas(
            session,
            resolved,
            opts,
            data.valid,
            augmentationFor(opts.dataset, false),
            steps,
          )
        : undefined;
    const ends = [smallestSubnet(resolved), largestSubnet(resolved)];
    return {
      model: session,
      root,
      stored: { space: resolved.space },
      // Before the first epoch (a run killed during it starts over from here): the generator learns to
      // hit targets on the resource loss alone.
      ready: async (state) => {
        if (shift && state.epochsDone === 0)
          await pretrainGenerator(session, { steps: opts.generatorWarmup, batch: 64, seed: opts.seed + 29 });
      },
      start: (startEpoch) =>
        emit({
          type: 'start',
          runDir,
          space: resolved.space.name,
          sampler: opts.sampler,
          params: parameters,
          startEpoch,
          epochs: opts.epochs,
          macsRange: [subnetCost(resolved, ends[0]).macs, subnetCost(resolved, ends[1]).macs],
        }),
      epoch: async (epoch, state) => {
        const guard = { runDir, epoch: epoch + 1, lr: opts.lr, classes: resolved.space.classes, root };
        const loader = { batchSize: opts.batchSize, seed: opts.seed, epoch, augment };
        const stats = await guardedEpoch(guard, () =>
          supernetEpoch(session, data.train, { ...loader, progressEvery: opts.progressEvery, sampler }, (p) =>
            emit({
              type: 'step',
              epoch,
              step: p.step,
              steps: p.steps,
              loss: p.loss,
              top1: p.top1,
              imagesPerSecond: p.imagesPerSecond,
            }),
          ),
        );
        const [smallest, largest] = await scoreSubnets(session, resolved, ends, data, opts);
        checkCollapse(state.history, epoch + 1, largest.top1, resolved.space.classes);
        return {
          type: 'supernet-epoch',
          epoch: epoch + 1,
          globalStep: state.globalStep + stats.steps,
          train: trainFigures(stats, session.worldSize),
          largest,
          smallest,
          ...(shift ? { shiftnas: await shiftNasRecord(session, resolved, shift) } : {}),
        };
      },
      finish: async (state) => ({ runDir, history: state.history, seconds: (Date.now() - started) / 1000 }),
      close: () => session.close(),
    };
  });
}
