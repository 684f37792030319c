// A native multitask supernet (or derived network) with its training state, as TypeScript uses it:
// every call goes through callNative, so native failures arrive as typed errors.
import type { NativeMultitaskEpoch, NativeMultitaskOptions } from '../../binding';
import type { Dataset } from '../data/datasets';
import { callNative, callNativeSync } from '../errors';
import { native } from '../native';
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
  private readonly handle;
  constructor(readonly options: MultitaskNetOptions) {
    const { space, tasks } = options;
    const nativeOptions: NativeMultitaskOptions = {
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
      lr: options.lr,
      momentum: options.momentum,
      weightDecay: options.weightDecay,
      seed: options.seed,
      threads: options.threads,
      channelsLast: options.channelsLast,
    };
    this.handle = callNativeSync(() => new (native().MultitaskSearch)(nativeOptions));
  }

  trainEpoch(
    split: CanvasSplit,
    batchSize: number,
    epoch: number,
    maxSteps = 0,
    onProgress?: (record: Record<string, number>) => void,
    progressEvery = 20,
  ): Promise<NativeMultitaskEpoch> {
    return callNative(() =>
      this.handle.trainEpoch({ ...request(split, batchSize, epoch), maxSteps, progressEvery }, onProgress),
    );
  }

  /** Each task's test metric; `keep` picks the supernet's blocks (omitted: the network as built). */
  async evaluate(split: CanvasSplit, batchSize: number, keep?: BlockMask): Promise<TaskMetrics> {
    const e = await callNative(() =>
      this.handle.evaluate({ ...request(split, batchSize), shuffle: false, keep: keep?.map(Number) }),
    );
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
    return callNative(() => this.handle.probabilities());
  }

  setLearningRate(lr: number): Promise<void> {
    return callNative(() => this.handle.setLearningRate({ lr }));
  }

  setLogits(logits: number[][]): Promise<void> {
    return callNative(() => this.handle.setLogits({ logits }));
  }

  saveCheckpoint(path: string): Promise<{ globalStep: number }> {
    return callNative(() => this.handle.save({ path }));
  }

  loadCheckpoint(path: string): Promise<{ globalStep: number }> {
    return callNative(() => this.handle.load({ path }));
  }

  stateTensors(): Promise<Record<string, Float32Array | Float64Array>> {
    return callNative(() => this.handle.stateTensors());
  }

  /** Stops the running epoch at its next step: it rejects with E_CLOSED (an abort); close() follows. */
  cancel(): void {
    this.handle.cancel();
  }

  close(): Promise<void> {
    return callNative(() => this.handle.close());
  }
}
