// FBNetV5's multitask supernet (or a derived network) on a core Session: the session's optimizer,
// schedule, epoch loop and checkpoints train it; its multitask extension (native/train/
// multitask_training.h) holds the per-task keep-probabilities. Native failures arrive as typed errors.
import type { NativeMultitaskEpoch, NativeMultitaskOptions } from '../../binding';
import type { Dataset } from '../data/datasets';
import { callNative } from '../errors';
import { Session } from '../train/session';
import { nativeCanvasSpec, type CanvasOptions } from './canvas';
import { meanAveragePrecision, detectionsOf, meanIoU, truthsOf } from './metrics';
import {
  blockMacs,
  blockCount,
  headMacs,
  nativeMultiresSpec,
  trunkMacs,
  type BlockMask,
  type MultiresSpace,
  type MultitaskTask,
} from '../spaces/multires/multires-space';

export interface CanvasSplit {
  items: Dataset;
  canvas: CanvasOptions;
  count: number;
  seed: number;
}

export interface TaskMetrics {
  /** Classification top-1 (%), segmentation mean IoU (%), detection box mAP@0.5 (%). */
  cls?: number;
  seg?: number;
  det?: number;
}

export interface MultitaskNetOptions {
  space: MultiresSpace;
  tasks: MultitaskTask[];
  mode: 'importance' | 'naive' | 'fixed';
  present?: BlockMask;
  taskWeights?: number[];
  targetMacs?: number[];
  costWeight?: number;
  archLr?: number;
  weightClip?: number;
  proposalFloor?: number;
  baselineDecay?: number;
  warmupSteps?: number;
  lr: number;
  /** The cosine schedule's length: the learning rate decays from `lr` to 0 over this many steps. */
  totalSteps: number;
  momentum?: number;
  weightDecay?: number;
  seed: number;
  threads?: number;
  channelsLast?: boolean | 'auto';
}

const request = (split: CanvasSplit, batchSize: number, epoch = 0) => ({
  items: split.items.handle,
  canvas: nativeCanvasSpec(split.canvas, split.count, split.seed),
  batchSize,
  epoch,
});

export class MultitaskNet {
  private constructor(
    readonly options: MultitaskNetOptions,
    /** The core session that trains the network (its model, optimizer, schedule and checkpoints). */
    readonly session: Session,
  ) {}

  /** Builds the network on a new CPU session and configures its training; the session is closed on failure. */
  static async open(options: MultitaskNetOptions): Promise<MultitaskNet> {
    const session = new Session({
      device: 'cpu',
      precision: 'fp32',
      seed: options.seed,
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.channelsLast !== undefined && { channelsLast: options.channelsLast }),
    });
    try {
      await callNative(() => session.native.buildMultitask(nativeOptions(options)));
      await session.configureTraining({
        lr: options.lr,
        totalSteps: options.totalSteps,
        momentum: options.momentum ?? 0.9,
        nesterov: (options.momentum ?? 0.9) > 0, // momentum 0 is plain SGD
        weightDecay: options.weightDecay ?? 4e-5,
      });
      return new MultitaskNet(options, session);
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  trainEpoch(
    split: CanvasSplit,
    batchSize: number,
    epoch: number,
    maxSteps = 0,
    onProgress?: (record: Record<string, number>) => void,
    progressEvery = 20,
  ): Promise<NativeMultitaskEpoch> {
    const options = { ...request(split, batchSize, epoch), maxSteps, progressEvery };
    return callNative(() => this.session.native.multitaskEpoch(options, onProgress));
  }

  /** Each task's test metric; `keep` picks the supernet's blocks (omitted: the network as built). */
  async evaluate(split: CanvasSplit, batchSize: number, keep?: BlockMask): Promise<TaskMetrics> {
    const options = { ...request(split, batchSize), shuffle: false, keep: keep?.map(Number) };
    const e = await callNative(() => this.session.native.evaluateMultitask(options));
    const tasks = this.options.tasks;
    const classes = this.options.space.classes + 1;
    return {
      ...(tasks.includes('cls') && { cls: (100 * e.correct) / e.images }),
      ...(tasks.includes('seg') && { seg: 100 * meanIoU(e.confusion, classes) }),
      ...(tasks.includes('det') && {
        det: 100 * meanAveragePrecision(detectionsOf(e.detections), truthsOf(e.truths)),
      }),
    };
  }

  probabilities(): Promise<number[][]> {
    return callNative(() => this.session.native.keepProbabilities());
  }

  setLogits(logits: number[][]): Promise<void> {
    return callNative(() => this.session.native.setKeepLogits({ logits }));
  }

  saveCheckpoint(path: string): Promise<{ globalStep: number }> {
    return this.session.saveCheckpoint(path);
  }

  loadCheckpoint(path: string): Promise<{ globalStep: number }> {
    return this.session.loadCheckpoint(path);
  }

  stateTensors(): Promise<Record<string, Float32Array>> {
    return this.session.stateTensors();
  }

  /** Stops the running epoch at its next step: it rejects with E_CLOSED (an abort); close() follows. */
  cancel(): void {
    this.session.cancel();
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

function nativeOptions(options: MultitaskNetOptions): NativeMultitaskOptions {
  const { space, tasks } = options;
  return {
    space: nativeMultiresSpec(space, options.present),
    tasks,
    taskWeights: options.taskWeights ?? tasks.map(() => 1),
    mode: options.mode,
    blockMacs: Array.from({ length: blockCount(space) }, (_, b) => blockMacs(space, b)),
    fixedMacs: tasks.map((t) => trunkMacs(space) + headMacs(space, t)),
    targetMacs: options.targetMacs ?? tasks.map(() => 0),
    costWeight: options.costWeight,
    archLr: options.archLr,
    weightClip: options.weightClip,
    proposalFloor: options.proposalFloor,
    baselineDecay: options.baselineDecay,
    warmupSteps: options.warmupSteps,
  };
}
