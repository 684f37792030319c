// The native addon's exports (native/bindings/*). lib/native.ts loads it; everything else in lib/
// goes through the typed wrappers in lib/, which validate arguments first.

export interface NativeInfo {
  torchVersion: string;
  builtWithCuda: boolean;
  cudaAvailable: boolean;
  cudnnAvailable: boolean;
  /** c10d with Gloo built in: data-parallel runs are possible. */
  distributedAvailable: boolean;
  interopThreads: number;
  parallelInfo: string;
  devices: { id: string; name: string; memoryBytes?: number; capability?: string }[];
  // The caching CPU allocator (native/common/caching_cpu_allocator.h): large blocks kept for reuse.
  cpuAllocator: { cachedBytes: number; hits: number; misses: number };
}

export interface NativeAugment {
  pad?: number;
  flip?: boolean;
  mean?: number | number[];
  std?: number | number[];
  /**
   * Image folders: torchvision's RandomResizedCrop (true: scale [0.08, 1], ratio [3/4, 4/3]);
   * without it each image is resized (shorter side size * 256 / 224) and centre-cropped.
   */
  randomResizedCrop?: boolean | { scale?: [number, number]; ratio?: [number, number] };
  /** Image folders: torchvision's ColorJitter strengths (absent or 0: off). */
  colorJitter?: { brightness?: number; contrast?: number; saturation?: number };
}

export interface NativeLoaderOptions {
  batchSize: number;
  shuffle?: boolean;
  dropLast?: boolean;
  seed?: number;
  epoch?: number;
  prefetch?: number;
  /** Threads making batches (0 or absent: min(4, cores) for image folders, 1 otherwise). */
  decodeThreads?: number;
  augment?: NativeAugment;
}

export interface NativeDatasetDescription {
  name: string;
  size: number;
  classes: number;
  shape: [number, number, number];
  classCounts: number[];
  /** Image folders: the class subfolder names, in label order. */
  classNames?: string[];
  /** Image folders: files that could not be decoded so far (each once, over all splits of the folder). */
  skippedImages?: number;
  /** Image folders: the first few of them, as "path: why". */
  skippedFiles?: string[];
}

export declare class NativeDataset {
  private constructor();
  describe(): NativeDatasetDescription;
  split(options: { fraction: number; seed?: number }): [NativeDataset, NativeDataset];
  subset(options: { count: number; seed?: number }): NativeDataset;
  previewBatch(
    options: NativeLoaderOptions,
    index: number,
  ): { images: Float32Array; labels: Int32Array; shape: [number, number, number, number] };
}

export interface NativeBlock {
  op: 'conv' | 'mbconv' | 'identity' | 'zero' | 'maxpool' | 'avgpool' | 'gap' | 'linear' | 'dropout';
  in: number;
  out: number;
  kernel?: number;
  stride?: number;
  expand?: number;
  se?: number;
  p?: number;
  act?: string;
  /** MBConv: add the block's input where it can (default true); off for candidates on shortcut edges. */
  residual?: boolean;
}

export interface NativeNetworkSpec {
  input: { channels: number; height: number; width: number };
  classes: number;
  blocks: NativeBlock[];
}

export interface NativeNb201Spec {
  /** The six edge ops, in architecture-string order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2). */
  ops: string[];
  classes?: number;
  channels?: number;
  cells?: number;
  inputChannels?: number;
}

export interface NativeProxyOptions extends NativeLoaderOptions {
  proxies: string[];
  input: { channels: number; height: number; width: number };
}

export interface NativeProxyScore {
  total: number;
  layers: Record<string, number>;
  seconds: number;
}

export interface NativeDistributedOptions {
  masterAddr: string;
  masterPort: number;
  rank: number;
  worldSize: number;
  timeoutMs: number;
  /** BatchNorm in weight steps normalizes over every rank's images (SyncBatchNorm). */
  syncBatchNorm?: boolean;
}

export interface NativeSessionOptions {
  device?: string;
  precision?: 'fp32' | 'bf16' | 'fp64';
  // 'auto': channels_last on a CPU (fp32, bf16) and for CUDA bf16; NCHW otherwise.
  channelsLast?: boolean | 'auto';
  threads?: number;
  seed?: number;
  cudnnBenchmark?: boolean;
  /** Each batch as this many equal parts whose gradients are averaged (default 1). */
  microBatches?: number;
}

// One operator's share of a profiled stretch of work (LibTorch's profiler, CPU side).
export interface NativeOpTime {
  name: string;
  calls: number;
  selfMs: number;
  totalMs: number;
}

export interface NativeTrainingOptions {
  optimizer?: 'sgd' | 'adam' | 'adamw';
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  warmupSteps?: number;
  totalSteps: number;
  finalLrRatio?: number;
  /** When > 0, a second cosine cycle starts at this step (a supernet's search phase after its warm-up). */
  restartStep?: number;
  labelSmoothing?: number;
}

export interface NativeTrainProgress {
  step: number;
  steps: number;
  globalStep: number;
  loss: number;
  top1: number;
  lr: number;
  imagesPerSecond: number;
  /** Data parallel: seconds so far this session waiting on gradient all-reduces backward did not hide. */
  allReduceSeconds?: number;
}

export interface NativeEpochStats {
  steps: number;
  /** Images this process trained on (data parallel: its shard; loss and top1 are over every rank). */
  images: number;
  loss: number;
  top1: number;
  seconds: number;
  lr: number;
}

export interface NativeEvalStats {
  images: number;
  loss: number;
  top1: number;
  top5: number;
  seconds: number;
}

export interface NativeSupernetSpec {
  input: { channels: number };
  classes: number;
  stem: NativeBlock[];
  edges: { candidates: NativeBlock[]; shortcut: boolean }[];
  head: NativeBlock[];
}

export interface NativeSearchOptions {
  method?: 'gradient' | 'reinforce';
  mode?: 'full' | 'two' | 'full_v2';
  lr?: number;
  beta1?: number;
  beta2?: number;
  weightDecay?: number;
  latency?: number[][];
  fixedLatency?: number;
  latencyLoss?: 'none' | 'mul#log' | 'add#linear' | 'abs#ratio';
  target?: number;
  /** `drop`: as the official code, no architecture gradient for an edge while its Zero candidate is active. */
  zeroActiveGradient?: 'keep' | 'drop';
  a?: number;
  b?: number;
  lambda?: number;
  samples?: number;
  rewardExponent?: number;
  baselineDecay?: number;
}

export interface NativeSearchEpochStats extends NativeEpochStats {
  archSteps: number;
  /** Wall time of the architecture steps, measured apart from the weight steps. */
  archSeconds: number;
  archLoss: number;
  archTop1: number;
  expectedLatency: number;
  entropy: number;
}

export interface NativeTimingStats {
  count: number;
  mean: number;
  median: number;
  variance: number;
  p10: number;
  p90: number;
  iqr: number;
  min: number;
  max: number;
}

export interface NativeProfileOptions {
  batch?: number;
  warmup?: number;
  repeats?: number;
  cudaGraph?: boolean;
  foldBatchNorm?: boolean;
}

/** An elastic supernet at its largest (lib/spaces/elastic-space.ts, nativeElasticSpec). */
export interface NativeElasticSpec {
  input: { channels: number; height: number };
  classes: number;
  stem: NativeBlock[];
  stages: {
    inMax: number;
    widths: number[];
    depths: number[];
    kernels: number[];
    expands: number[];
    stride: number;
    se: number;
    act: string;
    kernelTransform?: boolean;
  }[];
  head: NativeBlock[];
  resolutions: number[];
}

/** One subnet of an elastic supernet: per stage a width and a kernel and expand ratio per block. */
export interface NativeSubnet {
  resolution: number;
  stages: { width: number; kernels: number[]; expands: number[] }[];
}

export interface NativeSamplerOptions {
  /** shiftnas: the middle subnets come from ShiftNAS's generator (configureShiftNas first). */
  rule: 'uniform' | 'sandwich' | 'bestup' | 'worstup' | 'shiftnas';
  middle?: number;
  candidates?: number;
  distill?: boolean;
  temperature?: number;
  clip?: number;
  /** 'norm' (default): clip the gradient's norm; 'value': each entry to [-clip, clip] (AttentiveNAS). */
  clipBy?: 'norm' | 'value';
  /** Subnets per MACs bin, and each bin's prior weight (bestup, worstup). */
  pool?: NativeSubnet[][];
  binWeights?: number[];
}

/** A cost as a sum of terms, each a value times the product of some decision columns (ShiftNAS). */
export interface NativeCostTerms {
  values: number[];
  /** `width` column indices per term, -1 for none. */
  factors: number[];
  width: number;
}

export interface NativeShiftNasOptions {
  /** K + 1 increasing bin edges of the cost. */
  edges: number[];
  cost: NativeCostTerms;
  hidden?: number;
  resourceWeight?: number;
  resourceBatch?: number;
  generatorLr?: number;
  temperature?: number;
  betaLr?: number;
  shiftStart?: number;
  shiftEvery?: number;
  fdEpsilon?: number;
  valid: NativeLoaderOptions;
}

export interface NativeShiftNasStatus {
  probabilities: number[];
  beta: number[];
  estimate: number[];
  updates: number;
  constraintError: number;
  samples: number;
}

export interface NativeLossProbe {
  /** Logits of the batch in eval mode (running statistics), then in train mode (batch statistics). */
  evalLogits: Float64Array;
  trainLogits: Float64Array;
  /** Plain cross-entropy of the train-mode pass. */
  loss: number;
  /** dloss/dparameter for every parameter the pass reached. */
  gradients: Record<string, Float64Array>;
  /** Sum of squares of every parameter gradient of the model (a subnet probe maps only its slices). */
  gradientSquareSum: number;
}

export interface NativeMemoryStats {
  available: boolean;
  allocatedBytes: number;
  peakAllocatedBytes: number;
  reservedBytes: number;
  peakReservedBytes: number;
}

export declare class NativeSession {
  constructor(options: NativeSessionOptions);
  describe(): Promise<{
    device: string;
    precision: string;
    channelsLast: boolean;
    threads: number;
    globalStep: number;
  }>;
  /** Joins a data-parallel group; resolves once every rank has joined. */
  connectDistributed(options: NativeDistributedOptions): Promise<{ rank: number; worldSize: number }>;
  barrier(): Promise<void>;
  startProfile(): Promise<void>;
  stopProfile(): Promise<{ seconds: number; ops: NativeOpTime[] }>;
  buildNetwork(spec: NativeNetworkSpec): Promise<{ parameters: number }>;
  buildNb201(spec: NativeNb201Spec): Promise<{ parameters: number }>;
  zeroCostProxies(
    data: NativeDataset | null,
    options: NativeProxyOptions,
  ): Promise<Record<string, NativeProxyScore>>;
  configureTraining(options: NativeTrainingOptions): Promise<void>;
  trainEpoch(
    data: NativeDataset,
    options: NativeLoaderOptions & { progressEvery?: number },
    onProgress?: (p: NativeTrainProgress) => void,
  ): Promise<NativeEpochStats>;
  evaluate(data: NativeDataset, options: NativeLoaderOptions): Promise<NativeEvalStats>;
  evaluatePaths(
    data: NativeDataset,
    options: NativeLoaderOptions & { sampled?: boolean },
  ): Promise<NativeEvalStats>;
  saveCheckpoint(options: { path: string }): Promise<{ globalStep: number }>;
  loadCheckpoint(options: { path: string }): Promise<{ globalStep: number }>;
  stateTensors(options?: { float64?: boolean }): Promise<Record<string, Float32Array | Float64Array>>;
  setStateTensors(options: { tensors: Record<string, ArrayLike<number>> }): Promise<void>;
  probeLoss(data: NativeDataset, options: NativeLoaderOptions): Promise<NativeLossProbe>;
  /** probeLoss through one path of a path supernet (an option index per decision). */
  probePath(data: NativeDataset, options: NativeLoaderOptions & { path: number[] }): Promise<NativeLossProbe>;
  buildSupernet(spec: NativeSupernetSpec): Promise<{ parameters: number }>;
  /**
   * DARTS's NB201 supernet (the cells' BatchNorm without affine parameters) and its architecture; with
   * method 'entrannas', EnTranNAS's: Engine-cells first in each stage, Transit-cells after them.
   */
  buildDartsSupernet(
    spec: Omit<NativeNb201Spec, 'ops'> & {
      order?: number;
      archLr?: number;
      archWeightDecay?: number;
      gradClip?: number;
      hessianStep?: number;
      method?: 'darts' | 'entrannas';
      engineCells?: number;
      derivation?: 'sparse' | 'top';
      sparsity?: number;
      /** EnTranNAS: operations per source node, run once for all its edges (default: on for EnTranNAS). */
      featureSharing?: boolean;
    },
  ): Promise<{ parameters: number }>;
  dartsEpoch(
    train: NativeDataset,
    valid: NativeDataset,
    options: { train: NativeLoaderOptions; valid: NativeLoaderOptions; progressEvery?: number },
    onProgress?: (p: NativeTrainProgress) => void,
  ): Promise<NativeDartsEpoch>;
  /** The architecture (logits [edge][op], EnTranNAS's threshold logits), the derived cell, the cells' weights. */
  dartsAlphas(): Promise<NativeDartsArchitecture>;
  setDartsAlphas(options: { alphas: number[][]; thresholds?: number[] }): Promise<void>;
  /** The step's architecture gradient on the first batch of each part (no update; the model left as it was). */
  dartsArchGradient(
    train: NativeDataset,
    valid: NativeDataset,
    loader: NativeLoaderOptions,
  ): Promise<{ alphas: number[][]; thresholds: number[] }>;
  /** Second order's objective L_val(w - xi grad_w L_train(w, alphas), alphas) on the same batches. */
  dartsUnrolledLoss(
    train: NativeDataset,
    valid: NativeDataset,
    options: NativeLoaderOptions & { alphas: number[][]; thresholds?: number[] },
  ): Promise<number>;
  /** The memory format of the supernet's feature map on the first batch of `data` (eval mode). */
  dartsFeatureLayout(
    data: NativeDataset,
    loader: NativeLoaderOptions,
  ): Promise<'channels_last' | 'nchw' | 'strided'>;
  /** Pi-NAS's NB201 supernet with its projector, EMA teacher and queue of keys. */
  buildPinasSupernet(
    spec: Omit<NativeNb201Spec, 'ops'> & {
      momentum?: number;
      temperature?: number;
      queueSize?: number;
      projectionDim?: number;
      supervised?: boolean;
      minCrop?: number;
    },
  ): Promise<{ parameters: number }>;
  pinasEpoch(
    data: NativeDataset,
    options: NativeLoaderOptions & { progressEvery?: number },
    onProgress?: (p: NativeTrainProgress) => void,
  ): Promise<NativePinasEpoch>;
  /** The two paths the step at globalStep draws. */
  pinasPaths(options: { globalStep: number }): Promise<[number[], number[]]>;
  /** Per path: weighted kNN top-1 (cosine on pooled features, batch statistics) of query against reference. */
  pinasKnnScores(
    reference: NativeDataset,
    query: NativeDataset,
    options: NativeLoaderOptions & { paths: number[][]; k?: number },
  ): Promise<number[]>;
  /** ParZC's predictor (mixer with Bayesian layers over zero-cost values, edge-token encoder) as the model. */
  buildParzc(spec: NativeParzcSpec): Promise<{ parameters: number }>;
  /** One seeded pass over the rows in batches, each a step on the batch's DiffKendall loss. */
  parzcEpoch(
    options: {
      rows: number[][];
      targets: number[];
      batchSize?: number;
      alpha?: number;
      epoch: number;
      progressEvery?: number;
    },
    onProgress?: (p: { step: number; loss: number; lr: number }) => void,
  ): Promise<{ steps: number; rows: number; loss: number; seconds: number; lr: number }>;
  /** `samples` forwards per row, dropout off, weight noise from `seed`: their mean and spread. */
  parzcPredict(options: {
    rows: number[][];
    samples?: number;
    seed?: number;
  }): Promise<{ mean: number[]; std: number[] }>;
  /** FBNetV5's multitask network (CPU, fp32, one process) with its search state. */
  buildMultitask(options: NativeMultitaskOptions): Promise<{ parameters: number }>;
  multitaskEpoch(
    options: NativeCanvasRequest & { maxSteps?: number; progressEvery?: number },
    onProgress?: (record: Record<string, number>) => void,
  ): Promise<NativeMultitaskEpoch>;
  evaluateMultitask(options: NativeCanvasRequest & { keep?: number[] }): Promise<NativeMultitaskEval>;
  /** [task][block] keep-probabilities. */
  keepProbabilities(): Promise<number[][]>;
  setKeepLogits(options: { logits: number[][] }): Promise<void>;
  /** The NB201 weight-sharing supernet: every cell holds all five ops on each edge. */
  buildNb201Supernet(spec: Omit<NativeNb201Spec, 'ops'>): Promise<{ parameters: number }>;
  /** The options each decision of a path supernet may take; [] allows all. */
  setPathMasks(options: { masks: number[][] }): Promise<void>;
  pathMasks(): Promise<number[][]>;
  /** One RSPS epoch: one path drawn uniformly inside the masks per step. */
  oneShotEpoch(
    data: NativeDataset,
    options: NativeLoaderOptions & { progressEvery?: number },
    onProgress?: (p: NativeTrainProgress) => void,
  ): Promise<NativeEpochStats>;
  oneShotPaths(options: { epoch: number; count: number }): Promise<number[][]>;
  evaluateArchitectures(
    data: NativeDataset,
    options: NativeLoaderOptions & { paths: number[][] },
  ): Promise<NativeEvalStats[]>;
  matchGradients(
    data: NativeDataset,
    options: NativeLoaderOptions & { decisions: number[]; repeats: number },
  ): Promise<NativeGradientMatch[]>;
  configureSearch(options: NativeSearchOptions): Promise<void>;
  searchEpoch(
    train: NativeDataset,
    valid: NativeDataset,
    options: {
      train: NativeLoaderOptions;
      valid: NativeLoaderOptions;
      archEvery?: number;
      updateArch?: boolean;
      progressEvery?: number;
    },
    onProgress?: (p: NativeTrainProgress & { archSteps: number; archTop1: number; entropy: number }) => void,
  ): Promise<NativeSearchEpochStats>;
  archState(): Promise<{ probabilities: number[][]; logits: number[][]; derived: number[] }>;
  setArchLogits(options: { logits: number[][] }): Promise<void>;
  archGradient(
    data: NativeDataset,
    options: NativeLoaderOptions & {
      mode: 'full' | 'two' | 'full_v2';
      path: { active: number; members: number[] }[];
    },
  ): Promise<{ gate: number[]; alpha: number[] }[]>;
  edgeMixtureLoss(
    data: NativeDataset,
    options: NativeLoaderOptions & { weights: number[][] },
  ): Promise<number>;
  reinforceUpdate(options: { paths: number[][]; rewards: number[] }): Promise<{ baseline: number }>;
  archReward(options: { accuracy: number; latency: number }): Promise<number>;
  profileLayers(
    options: NativeProfileOptions & { layers: { block: NativeBlock; input: number[] }[] },
    onProgress?: (p: { done: number; total: number }) => void,
  ): Promise<{ layers: NativeTimingStats[]; method: string; threads: number }>;
  profileNetwork(
    options: NativeProfileOptions & { network: NativeNetworkSpec },
  ): Promise<{ stats: NativeTimingStats; method: string; threads: number }>;
  // One-shot elastic supernet (native/bindings/elastic_binding.cc).
  buildElastic(spec: NativeElasticSpec): Promise<{ parameters: number }>;
  supernetEpoch(
    data: NativeDataset,
    options: NativeLoaderOptions & { progressEvery?: number; sampler: NativeSamplerOptions },
    onProgress?: (p: NativeTrainProgress) => void,
  ): Promise<NativeEpochStats>;
  scoreSubnets(
    calib: NativeDataset,
    valid: NativeDataset,
    options: {
      subnets: NativeSubnet[];
      calib: NativeLoaderOptions;
      calibBatches: number;
      valid: NativeLoaderOptions;
    },
    onProgress?: (p: { done: number; total: number }) => void,
  ): Promise<NativeEvalStats[]>;
  subnetTensors(options: { subnet: NativeSubnet }): Promise<Record<string, Float64Array>>;
  exportSubnet(options: {
    subnet: NativeSubnet;
    network: NativeNetworkSpec;
    path: string;
  }): Promise<{ parameters: number }>;
  probeSubnet(
    data: NativeDataset,
    options: NativeLoaderOptions & { subnet: NativeSubnet; masked?: boolean },
  ): Promise<NativeLossProbe>;
  attentivePick(
    data: NativeDataset,
    options: NativeLoaderOptions & { candidates: NativeSubnet[]; worst?: boolean },
  ): Promise<{ losses: number[]; index: number }>;
  reorderChannels(): Promise<void>;
  sampleSubnets(options: {
    sampler: NativeSamplerOptions;
    count: number;
    seed?: number;
    epoch?: number;
  }): Promise<NativeSubnet[]>;
  loadWeights(options: { path: string }): Promise<void>;
  // ShiftNAS (native/bindings/shiftnas_binding.cc).
  configureShiftNas(valid: NativeDataset, options: NativeShiftNasOptions): Promise<void>;
  shiftNasStatus(): Promise<NativeShiftNasStatus>;
  generateSubnets(options: { targets: number[] }): Promise<{ subnet: NativeSubnet; cost: number }[]>;
  pretrainGenerator(options: { steps: number; batch?: number; seed?: number }): Promise<{ error: number }>;
  generatorGradientCheck(
    data: NativeDataset,
    options: NativeLoaderOptions & { target: number; seed?: number; epsilon?: number },
  ): Promise<{ analytic: number; numeric: number }>;
  /** The device's caching-allocator counters (available: false on CPU); resetPeak restarts the peaks. */
  memoryStats(options?: { resetPeak?: boolean }): Promise<NativeMemoryStats>;
  /** Stops the running epoch at its next step (it rejects with E_CLOSED); close() still follows. */
  cancel(): void;
  close(): Promise<void>;
}

/** FBNetV5's multi-resolution space as the addon reads it (lib/fbnetv5/space.ts makes it). */
export interface NativeMultiresSpec {
  inChannels?: number;
  classes?: number;
  widths: number[];
  stages: number;
  depth: number;
  kernel?: number;
  expand?: number;
  headWidth?: number;
  /** A derived network: 1 for each block it holds (empty or absent: the supernet). */
  present?: number[];
}

export type NativeTaskName = 'cls' | 'seg' | 'det';

export interface NativeCanvasSpec {
  size?: number;
  minItems?: number;
  maxItems?: number;
  minSide?: number;
  maxSide?: number;
  foreground?: number;
  count?: number;
  seed?: number;
  mean?: number;
  std?: number;
}

export interface NativeCanvasRequest {
  items: NativeDataset;
  canvas: NativeCanvasSpec;
  batchSize?: number;
  epoch?: number;
  shuffle?: boolean;
}

export interface NativeMultitaskOptions {
  space: NativeMultiresSpec;
  tasks: NativeTaskName[];
  taskWeights: number[];
  mode?: 'importance' | 'naive' | 'fixed';
  blockMacs: number[];
  fixedMacs: number[];
  targetMacs: number[];
  costWeight?: number;
  archLr?: number;
  baselineDecay?: number;
  weightClip?: number;
  proposalFloor?: number;
  warmupSteps?: number;
}

export interface NativeDartsArchitecture {
  alphas: number[][];
  /** The derived cell: the largest alpha's operation index per edge. */
  derived: number[];
  /** EnTranNAS's learned threshold logits, one per edge (empty otherwise). */
  thresholds: number[];
  /** [edge][op] weights the Engine-cells run (DARTS: every cell). */
  engineWeights: number[][];
  /** [edge][op] weights the Transit-cells run; their zeros are not run (empty for DARTS). */
  transitWeights: number[][];
}

export interface NativeParzcSpec {
  zcDim?: number;
  edges?: number;
  ops?: number;
  projectDim?: number;
  patch?: number;
  mixerDim?: number;
  mixerBlocks?: number;
  modelDim?: number;
  heads?: number;
  ffDim?: number;
  encoderLayers?: number;
  rhoInit?: number;
  dropout?: number;
}

export interface NativePinasEpoch extends NativeEpochStats {
  /** Mean of the two crossed InfoNCE terms' sum over the epoch's steps. */
  contrastive: number;
  /** Mean cosine of the crossed positives (student path A with teacher path B, and B with A). */
  positive: number;
}

export interface NativeDartsEpoch {
  steps: number;
  images: number;
  loss: number;
  top1: number;
  seconds: number;
  lr: number;
  /** Mean validation loss and top-1 of the epoch's architecture steps. */
  archLoss: number;
  archTop1: number;
}

export interface NativeMultitaskEpoch {
  steps: number;
  seconds: number;
  globalStep: number;
  /** Per task, means over the epoch's steps. */
  loss: number[];
  weight: number[];
  keptBlocks: number[];
  /** [task][block] keep-probabilities after the epoch. */
  probabilities: number[][];
}

export interface NativeMultitaskEval {
  images: number;
  correct: number;
  /** (classes + 1)^2 pixel counts, rows = truth. */
  confusion: Float64Array;
  /** Rows of 7: image, x0, y0, x1, y1, score, class. */
  detections: Float32Array;
  /** Rows of 6: image, x0, y0, x1, y1, class. */
  truths: Float32Array;
}

export interface NativeCanvasBatch {
  images: Float32Array;
  labels: Float64Array;
  segments: Float64Array;
  boxes: Float32Array;
  boxLabels: Float64Array;
}

export interface NativeMultiresProbe {
  outputs: Record<string, Float64Array>;
  gradients: Record<string, Float64Array>;
  state: Record<string, Float64Array>;
}

/** GM-NAS's measurement on one decision: 1 - cos between the shared weights' gradients per option. */
export interface NativeGradientMatch {
  decision: number;
  options: number[];
  /** 1 - cos of the options' gradients (NB201: the cells' edges but this one, BN left out, and the residual blocks), per batch, averaged. */
  distances: number[][];
  /** The norm of each option's gradient averaged over the batches. */
  norms: number[];
}

export interface NativeBinding {
  info(): NativeInfo;
  /** 1 - cos of each pair of `vectors`; with `batches`, each batch's matrix averaged over the batches. */
  cosineDistances(options: { vectors: number[][] } | { batches: number[][][] }): number[][];
  loadIdx(options: {
    images: string;
    labels: string;
    classes?: number;
    name?: string;
  }): Promise<NativeDataset>;
  loadCifar(options: {
    files: string[];
    kind: 'cifar10' | 'cifar100';
    name?: string;
  }): Promise<NativeDataset>;
  loadImageFolder(options: {
    root: string;
    list?: string;
    size?: number;
    classes?: number;
    name?: string;
  }): Promise<NativeDataset>;
  syntheticDataset(options: {
    count: number;
    channels: number;
    height: number;
    width: number;
    classes: number;
    seed?: number;
    name?: string;
  }): NativeDataset;
  Dataset: typeof NativeDataset;
  Session: typeof NativeSession;
  canvasBatch(options: NativeCanvasRequest & { indices: number[] }): NativeCanvasBatch;
  fbnetv5Estimate(options: {
    probabilities: number[][];
    floor?: number;
    mask: number[];
    advantages: number[];
  }): { proposal: number[]; logWeights: number[]; gradients: number[][] };
  multiresProbe(options: {
    space: NativeMultiresSpec;
    tasks: NativeTaskName[];
    keep?: number[];
    seed?: number;
    inputSeed?: number;
    batch?: number;
    size?: number;
    weights?: Record<string, ArrayLike<number>>;
  }): NativeMultiresProbe;
}
