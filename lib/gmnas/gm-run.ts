// GM-NAS (Hu et al., ICLR 2022) as a run: a weight-sharing supernet trained one uniformly drawn path
// per step (RSPS); at each split epoch every sub-supernet splits one decision by gradient matching
// (or at random, the control), the children inheriting weights and optimizer state; every leaf trains
// to the end of the budget; then each leaf scores sampled architectures on held-out data and the best
// leaf's best is the result. The split tree is committed with each epoch's checkpoints, so a run
// resumes exactly.
import * as path from 'path';
import { z } from 'zod';
import { DATASET_NAMES } from '../data/datasets';
import { invalid, TorchnasError } from '../errors';
import { stepsPerEpoch } from '../dist/run-session';
import { freshRunState, type RunState } from '../run/run-state';
import {
  closingOnError,
  parseWith,
  runMethod,
  type OpenedRun,
  type RunContext,
  type RunControl,
  type RunMethod,
} from '../run/run-method';
import { RUN_FIELDS } from '../run/run-fields';
import { optionCounts } from '../spaces/search-space';
import { writeJsonAtomic } from '../util/atomic-file';
import { chooseSplit, unsplitDecisions } from './choose-split';
import { gmData, requireSpaceShape, type GmData } from './gm-data';
import { LeafSessions } from './leaf-sessions';
import { oneShotEpoch } from './path-session';
import { openPathSpace, type PathSpace } from './path-space';
import { selectArchitectures, type LeafResult, type ScoredPath } from './select-architectures';
import { leaves, rootNode, splitNode, type GmNode, type SplitRecord } from './split-tree';

export const GmNasOptionsSchema = z
  .object({
    /** 'nb201', or a chain space (proxyless-28, ...) whose searchable edges are the decisions. */
    space: z.string().default('nb201'),
    dataset: z.enum(DATASET_NAMES).default('fashion-mnist'),
    dataDir: z.string().optional(),
    /** image-folder: side of the square images (training crops, evaluation centre crops); default 224. */
    imageSize: z.number().int().min(1).max(4096).optional(),
    /** NB201 network size: C and cells per stage (the benchmark's 16 and 5, reduced to fit 2 cores). */
    channels: z.number().int().positive().default(8),
    cells: z.number().int().positive().default(1),
    epochs: z.number().int().positive().default(6),
    /** Epochs done when every sub-supernet splits once more ([]: one-shot, no split). */
    splitEpochs: z.array(z.number().int().positive()).default([2]),
    criterion: z.enum(['gradient', 'random']).default('gradient'),
    /**
     * Batches per decision in gradient matching (the reference: 100). 32 by default: at the default
     * network and schedule, 100 would cost about 3.5 training epochs per split on 2 cores.
     */
    repeats: z.number().int().positive().default(32),
    restart: z.boolean().default(false),
    batchSize: z.number().int().positive().default(64),
    optimizer: z.enum(['sgd', 'adam', 'adamw']).default('sgd'),
    lr: z.number().positive().default(0.05),
    weightDecay: z.number().min(0).default(3e-4),
    augment: z.boolean().default(false),
    validFraction: z.number().gt(0).lt(1).default(0.2),
    /** Held-out images each architecture is scored on. */
    evalImages: z.number().int().positive().default(2000),
    /** Architectures sampled and scored in each sub-supernet. */
    samples: z.number().int().positive().default(20),
    /** The seed of the train / held-out split and subsets (default: seed), to compare seeds on the same data. */
    dataSeed: z.number().int().min(0).optional(),
    /** Extra paths to score, each in the sub-supernet that holds it (a ranking study's ground truth). */
    evaluate: z.array(z.array(z.number().int().min(0))).optional(),
    ...RUN_FIELDS,
  })
  .strict()
  .superRefine((o, ctx) => {
    const sorted = o.splitEpochs.every((e, i) => i === 0 || e > o.splitEpochs[i - 1]);
    if (!sorted || o.splitEpochs.some((e) => e >= o.epochs)) {
      const message = `split epochs must increase and stay below epochs (${o.epochs})`;
      ctx.addIssue({ code: 'custom', path: ['splitEpochs'], message });
    }
  });

export type GmNasOptions = z.input<typeof GmNasOptionsSchema>;
type Opts = z.output<typeof GmNasOptionsSchema>;

export interface GmEpochRecord {
  type: 'gm-epoch';
  epoch: number;
  splits: (SplitRecord & { node: number })[];
  leaves: { id: number; loss: number; top1: number; seconds: number; globalStep: number }[];
}

export type GmEvent =
  | {
      type: 'start';
      runDir: string;
      space: string;
      decisions: number;
      startEpoch: number;
      epochs: number;
      leaves: number;
    }
  | { type: 'split'; node: number; split: SplitRecord; children: [number, number] }
  | { type: 'step'; epoch: number; leaf: number; step: number; steps: number; loss: number; top1: number }
  | { type: 'epoch'; record: GmEpochRecord }
  | { type: 'selected'; leaf: LeafResult };

export interface GmNasResult {
  runDir: string;
  space: string;
  tree: GmNode[];
  leaves: LeafResult[];
  chosen: { leaf: number; path: number[]; arch: string; top1: number };
  /** The `evaluate` paths' scores, each from the sub-supernet holding it. */
  scored: ScoredPath[];
  history: GmEpochRecord[];
  seconds: number;
}

type GmState = RunState<GmEpochRecord> & { tree: GmNode[] };

// Gradient matching averages the options' distances over `repeats` batches; more batches than the
// training part holds would count the same images twice, not give a better estimate. The default
// shrinks to them (recorded in run.json); a count the user gave is refused.
function distinctRepeats(repeats: number, given: boolean, batchSize: number, images: number): number {
  const batches = Math.ceil(images / batchSize);
  if (repeats <= batches) return repeats;
  if (!given) return batches;
  throw invalid(
    `repeats ${repeats} asks for more batches than the ${batches} of ${batchSize} images in the training part: ` +
      `give at most ${batches}`,
    ['repeats'],
  );
}

export async function gmNas(
  options: GmNasOptions,
  onEvent?: (e: GmEvent) => void,
  control?: RunControl,
): Promise<GmNasResult> {
  return runMethod(GM_METHOD, options, onEvent, control);
}

const GM_METHOD: RunMethod<Opts, GmEpochRecord, GmNasResult, GmEvent> = {
  kind: 'gm-nas',
  parse: parseWith(GmNasOptionsSchema, 'gm-nas options'),
  // Each leaf trains in one process with whole batches.
  honours: { command: 'search gm-nas', parallel: false },
  folder: () => 'gm-nas',
  // Its `restart` is how children start (fresh weights), not a new run.
  startOver: () => false,
  open: openGmNas,
};

/** The data, the path space and a session per leaf of the split tree (each from its checkpoint). */
async function openGmNas({
  opts: parsed,
  runDir,
  given,
  previous,
  emit,
  started,
}: RunContext<Opts, GmEpochRecord, GmEvent>): Promise<OpenedRun<Opts, GmEpochRecord, GmNasResult>> {
  const data = await gmData({ ...parsed, seed: parsed.dataSeed ?? parsed.seed });
  const space = openPathSpace(parsed.space, parsed, data);
  requireSpaceShape(space, data.train, parsed.dataset);
  // A resumed run keeps its recorded count: refused there as a given one would be.
  const givenRepeats = previous !== undefined || (given as GmNasOptions).repeats !== undefined;
  const opts = {
    ...parsed,
    repeats: distinctRepeats(parsed.repeats, givenRepeats, parsed.batchSize, data.train.size),
  };
  checkEvaluatePaths(space, opts.evaluate);
  const counts = optionCounts(space);
  const first = (previous as GmState | undefined) ?? {
    ...freshRunState<GmEpochRecord>(),
    tree: [rootNode(counts)],
  };
  const steps = stepsPerEpoch(data.train.size, opts.batchSize, 1);
  const sessions = new LeafSessions(space, { ...opts, stepsPerEpoch: steps }, runDir);
  const ctx = { opts, data, sessions, emit };
  return closingOnError(sessions.asModel(), async () => {
    for (const leaf of leaves(first.tree)) {
      await sessions.open(leaf, first.tree, leaf.checkpoint && path.join(runDir, leaf.checkpoint));
    }
    let splits: GmNode[] = first.tree;
    return {
      options: opts,
      initialState: previous ? undefined : first,
      stored: { decisions: space.decisions },
      start: (startEpoch) =>
        emit({
          type: 'start',
          runDir,
          space: space.name,
          decisions: space.decisions.length,
          startEpoch,
          epochs: opts.epochs,
          leaves: leaves(first.tree).length,
        }),
      epoch: async (epoch, state) => {
        const split = await splitDueLeaves(state as GmState, epoch, { ...ctx, optionCounts: counts });
        splits = split.tree;
        const trained = await trainLeaves(split.tree, epoch, ctx);
        return { type: 'gm-epoch', epoch: epoch + 1, splits: split.records, leaves: trained };
      },
      saveEpoch: (state, record) => saveLeaves(runDir, state as GmState, splits, sessions, record),
      finish: async (state) => {
        const tree = (state as GmState).tree;
        const selected = await selectArchitectures(tree, sessions, space, data, opts);
        for (const leaf of selected.leaves) emit({ type: 'selected', leaf });
        const seconds = (Date.now() - started) / 1000;
        const result = { runDir, space: space.name, tree, ...selected, history: state.history, seconds };
        writeArchitecture(runDir, space, opts, result);
        return result;
      },
      cancel: () => sessions.cancelAll(),
      close: () => sessions.closeAll(),
    };
  });
}

function checkEvaluatePaths(space: PathSpace, paths: number[][] | undefined): void {
  for (const p of paths ?? []) {
    if (p.length !== space.decisions.length || p.some((j, d) => j >= space.decisions[d].options.length)) {
      throw new TorchnasError(
        'E_INVALID_ARGUMENT',
        `evaluate: path [${p}] is not a path of ${space.name} ` +
          `(${space.decisions.length} decisions, options per decision: ${space.decisions.map((d) => d.options.length).join(',')})`,
        ['evaluate'],
      );
    }
  }
}

interface StepContext {
  opts: Opts;
  data: GmData;
  sessions: LeafSessions;
  emit: (e: GmEvent) => void;
}

/** At a split epoch, every leaf not yet split that many times splits once (children open in its place). */
async function splitDueLeaves(state: GmState, epoch: number, ctx: StepContext & { optionCounts: number[] }) {
  const due = ctx.opts.splitEpochs.filter((e) => e <= epoch).length;
  let tree = state.tree;
  const records: (SplitRecord & { node: number })[] = [];
  for (const leaf of leaves(tree)) {
    const candidates = unsplitDecisions(leaf, ctx.optionCounts);
    if (leaf.depth >= due || candidates.length === 0) continue;
    const { opts, data } = ctx;
    const split = await chooseSplit(ctx.sessions.get(leaf.id), leaf, candidates, {
      criterion: opts.criterion,
      epoch,
      seed: opts.seed,
      repeats: opts.repeats,
      data: data.train,
      loader: { batchSize: opts.batchSize, seed: opts.seed + 5, augment: data.augment },
    });
    tree = splitNode(tree, leaf.id, split);
    const parent = tree.find((n) => n.id === leaf.id)!;
    await ctx.sessions.splitInto(parent, tree);
    records.push({ ...split, node: leaf.id });
    ctx.emit({ type: 'split', node: leaf.id, split, children: parent.children! });
  }
  return { tree, records };
}

async function trainLeaves(
  tree: GmNode[],
  epoch: number,
  ctx: StepContext,
): Promise<GmEpochRecord['leaves']> {
  const out: GmEpochRecord['leaves'] = [];
  for (const leaf of leaves(tree)) {
    const { batchSize, seed, progressEvery } = ctx.opts;
    const loader = { batchSize, seed, epoch, augment: ctx.data.augment, progressEvery };
    const stats = await oneShotEpoch(ctx.sessions.get(leaf.id), ctx.data.train, loader, (p) =>
      ctx.emit({
        type: 'step',
        epoch,
        leaf: leaf.id,
        step: p.step,
        steps: p.steps,
        loss: p.loss,
        top1: p.top1,
      }),
    );
    out.push({ id: leaf.id, loss: stats.loss, top1: stats.top1, seconds: stats.seconds, globalStep: 0 });
  }
  return out;
}

/** Every leaf's checkpoint, the state naming them, and the leaves' checkpoints it supersedes. */
async function saveLeaves(
  runDir: string,
  state: GmState,
  tree: GmNode[],
  sessions: LeafSessions,
  record: GmEpochRecord,
): Promise<{ next: GmState; superseded: string[] }> {
  const committed = new Set(state.tree.flatMap((n) => (n.checkpoint ? [n.checkpoint] : [])));
  const saved = new Map<number, { checkpoint: string; globalStep: number }>();
  for (const leaf of leaves(tree)) {
    const checkpoint = `checkpoint-e${record.epoch}-n${leaf.id}.pt`;
    const { globalStep } = await sessions.get(leaf.id).saveCheckpoint(path.join(runDir, checkpoint));
    saved.set(leaf.id, { checkpoint, globalStep });
  }
  const nextTree = tree.map((n) => (saved.has(n.id) ? { ...n, ...saved.get(n.id)! } : n));
  for (const leaf of record.leaves) leaf.globalStep = saved.get(leaf.id)!.globalStep;
  const globalStep = Math.max(...[...saved.values()].map((s) => s.globalStep));
  const next: GmState = {
    ...state,
    epochsDone: record.epoch,
    globalStep,
    checkpoint: '',
    history: [...state.history, record],
    tree: nextTree,
  };
  const kept = new Set([...saved.values()].map((s) => s.checkpoint));
  return { next, superseded: [...committed].filter((file) => !kept.has(file)) };
}

function writeArchitecture(runDir: string, space: PathSpace, opts: Opts, result: GmNasResult): void {
  const { path: chosen, arch } = result.chosen;
  const frozen = space.freeze(space.decode(chosen), `gm-nas-${space.name}-s${opts.seed}`);
  const described =
    frozen.kind === 'network'
      ? frozen.architecture
      : { nb201: arch, channels: opts.channels, cells: opts.cells };
  writeJsonAtomic(path.join(runDir, 'arch.json'), described);
}
