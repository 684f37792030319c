// `torchnas search pinas`: Pi-NAS (Peng et al., ICCV 2021) on the NAS-Bench-201 supernet, trained on
// Fashion-MNIST without labels (or with them, --supervised). A method on the run skeleton: each epoch
// commits the session's checkpoint (weights, optimizer, teacher, queue). At the end, distinct connected
// cells drawn from the seed are scored on the supernet (unsupervised: weighted kNN on each path's
// features; supervised: the classifier's accuracy, batch statistics) on held-out images; the best is
// the derived cell, looked up in the NB201 CIFAR-10 table as a transfer figure.
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { nb201Cifar10Transfer } from '../benchmarks/nb201';
import { nb201SearchData } from '../benchmarks/nb201-training';
import { openRunSession } from '../dist/run-session';
import { evaluateArchitectures } from '../gmnas/path-session';
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
import { formatNb201Cell, NB201_OPS, type Nb201Cell } from '../spaces/nb201/nb201-cell';
import { nb201Connected } from '../spaces/nb201/nb201-search-space';
import { invalid } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import { Rng } from '../util/rng';
import { kendall } from '../util/statistics';
import { buildPinasSupernet, pinasEpoch, pinasKnnScores } from './pinas-session';

export const PinasOptionsSchema = z
  .object({
    epochs: z.number().int().positive().default(10),
    batchSize: z.number().int().positive().default(64),
    /** The weights: SGD with momentum, cosine from lr to 0, as the official MoCo-v2 recipe. */
    lr: z.number().positive().default(0.03),
    momentum: z.number().min(0).lt(1).default(0.9),
    weightDecay: z.number().min(0).default(1e-4),
    /** The teacher's EMA momentum. */
    teacherMomentum: z.number().min(0).lt(1).default(0.999),
    temperature: z.number().positive().default(0.2),
    queueSize: z.number().int().positive().default(4096),
    supervised: z.boolean().default(false),
    channels: z.number().int().positive().default(8),
    cells: z.number().int().positive().default(1),
    /** The share of the training split held out for scoring architectures. */
    validFraction: z.number().gt(0).lt(1).default(0.2),
    /** Distinct connected cells scored at the end. */
    candidates: z.number().int().positive().max(15625).default(100),
    /** Held-out images each candidate is scored on (and, unsupervised, reference images for kNN). */
    scoreImages: z.number().int().positive().default(1000),
    k: z.number().int().positive().default(20),
    /**
     * A ground truth of stand-alone accuracies on these cells (the format bench:gm-nas writes): each epoch
     * then scores its cells and records Kendall tau against their mean accuracy.
     */
    truthFile: z.string().optional(),
    /** The seed of the train / held-out split and subsets (default: seed), to compare seeds on the same data. */
    dataSeed: z.number().int().min(0).optional(),
    dataDir: z.string().optional(),
    restart: z.boolean().default(false),
    ...RUN_FIELDS,
  })
  .strict();

export type PinasOptions = z.input<typeof PinasOptionsSchema>;
type Resolved = z.output<typeof PinasOptionsSchema>;

export interface PinasRecord {
  type: 'pinas-epoch';
  epoch: number;
  globalStep: number;
  /** The whole loss (supervised: with both paths' cross-entropy). */
  loss: number;
  /** The two crossed InfoNCE terms' sum. */
  contrastive: number;
  /** Mean cosine of the crossed positives. */
  positive: number;
  /** Kendall tau of the supernet's scores of the ground-truth cells against their accuracy (truthFile). */
  tau?: number;
  seconds: number;
}

export interface PinasCandidate {
  arch: string;
  path: number[];
  /** kNN top-1 (unsupervised) or the classifier's top-1 (supervised) on the held-out images. */
  score: number;
}

export interface PinasResult {
  runDir: string;
  derived: string;
  /** How the candidates were scored. */
  scoring: 'knn' | 'classifier';
  candidates: PinasCandidate[];
  /** The derived cell's NB201 CIFAR-10 test accuracy (200 epochs) and its percentile: a transfer figure. */
  cifar10: { accuracy: number; percentile: number };
  history: PinasRecord[];
  /** With truthFile: the supernet's final scores of its cells, tau, and the truth's own seed-to-seed tau. */
  truth?: { scores: number[]; tau: number; ceiling: number };
}

export type PinasEvent =
  | { type: 'start'; runDir: string; startEpoch: number; epochs: number; supervised: boolean }
  | { type: 'step'; epoch: number; progress: Record<string, number> }
  | { type: 'epoch'; record: PinasRecord };

export function searchPinas(
  options: PinasOptions,
  onEvent?: (e: PinasEvent) => void,
  control?: RunControl,
): Promise<PinasResult> {
  return runMethod(PINAS_METHOD, options, onEvent, control);
}

const PINAS_METHOD: RunMethod<Resolved, PinasRecord, PinasResult, PinasEvent> = {
  kind: 'pinas',
  parse: parseWith(PinasOptionsSchema, 'pinas options') as (o: object) => Resolved,
  honours: { command: 'search pinas', parallel: false },
  folder: (o) => (o.supervised ? 'pinas-supervised' : 'pinas'),
  open: openPinas,
};

/** `count` distinct connected NB201 cells drawn from `seed` (an op index per edge). */
export function drawNb201Cells(count: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < count) {
    const p = Array.from({ length: 6 }, () => rng.int(NB201_OPS.length));
    if (!nb201Connected(p) || seen.has(p.join())) continue;
    seen.add(p.join());
    out.push(p);
  }
  return out;
}

export interface TruthFile {
  seedToSeedKendallTau: number;
  networks: { path: number[]; top1: number[] }[];
}

/** A ground-truth file (bench/data/nb201-fmnist-truth.json's format), checked. */
export function readTruthFile(file: string): TruthFile {
  let parsed: TruthFile;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as TruthFile;
  } catch (error) {
    throw invalid(`truthFile: cannot read ${file} as JSON (${(error as Error).message})`);
  }
  const ok =
    Array.isArray(parsed?.networks) &&
    parsed.networks.length >= 2 &&
    parsed.networks.every(
      (n) => Array.isArray(n.path) && n.path.length === 6 && Array.isArray(n.top1) && n.top1.length > 0,
    );
  if (!ok)
    throw invalid(`truthFile: ${file} needs networks of {path: 6 op indices, top1: [accuracy per seed]}`);
  return parsed;
}

const meanTop1 = (t: TruthFile) => t.networks.map((n) => n.top1.reduce((a, b) => a + b, 0) / n.top1.length);

const cellOf = (p: readonly number[]) => p.map((j) => NB201_OPS[j]) as unknown as Nb201Cell;

async function openPinas({
  opts: o,
  runDir,
  emit,
}: RunContext<Resolved, PinasRecord, PinasEvent>): Promise<OpenedRun<Resolved, PinasRecord, PinasResult>> {
  const dataSeed = o.dataSeed ?? o.seed;
  const data = await nb201SearchData({ ...o, seed: dataSeed });
  const truth = o.truthFile === undefined ? undefined : readTruthFile(o.truthFile);
  const session = await openRunSession(o);
  const query = data.valid.subset(Math.min(o.scoreImages, data.valid.size), dataSeed + 8);
  const reference = data.train.subset(Math.min(o.scoreImages, data.train.size), dataSeed + 9);
  /** The supernet's score of each path on the held-out images. */
  const score = async (paths: number[][]) => {
    const loader = { batchSize: 256, augment: data.augment, paths };
    if (o.supervised) return (await evaluateArchitectures(session, query, loader)).map((s) => s.top1);
    return pinasKnnScores(session, reference, query, { ...loader, k: o.k });
  };
  const truthTau = async () => {
    if (!truth) return undefined;
    const scores = await score(truth.networks.map((n) => n.path));
    return { scores, tau: kendall(scores, meanTop1(truth)), ceiling: truth.seedToSeedKendallTau };
  };
  return closingOnError(session, async () => {
    await buildPinasSupernet(session, {
      momentum: o.teacherMomentum,
      temperature: o.temperature,
      queueSize: o.queueSize,
      supervised: o.supervised,
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
      finalLrRatio: 0,
    });
    return {
      model: session,
      start: (startEpoch) =>
        emit({ type: 'start', runDir, startEpoch, epochs: o.epochs, supervised: o.supervised }),
      epoch: async (epoch) => {
        const t0 = Date.now();
        const stats = await pinasEpoch(
          session,
          data.train,
          {
            batchSize: o.batchSize,
            augment: data.augment,
            epoch,
            seed: o.seed,
            progressEvery: o.progressEvery,
          },
          (p) => emit({ type: 'step', epoch, progress: p as unknown as Record<string, number> }),
        );
        const seconds = (Date.now() - t0) / 1000; // the training's, not the scoring's
        const measured = await truthTau();
        return {
          type: 'pinas-epoch',
          epoch: epoch + 1,
          globalStep: (epoch + 1) * steps,
          loss: stats.loss,
          contrastive: stats.contrastive,
          positive: stats.positive,
          ...(measured ? { tau: measured.tau } : {}),
          seconds,
        };
      },
      finish: async (state) => {
        const paths = drawNb201Cells(o.candidates, o.seed + 7);
        const scores = await score(paths);
        const candidates = paths.map((p, i) => ({
          arch: formatNb201Cell(cellOf(p)),
          path: p,
          score: scores[i],
        }));
        const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
        const cell = cellOf(best.path);
        writeJsonAtomic(path.join(runDir, 'arch.json'), { space: 'nb201', arch: best.arch, ops: [...cell] });
        return {
          runDir,
          derived: best.arch,
          scoring: o.supervised ? 'classifier' : 'knn',
          candidates,
          cifar10: nb201Cifar10Transfer(cell),
          history: state.history,
          ...(truth ? { truth: await truthTau() } : {}),
        };
      },
      cancel: () => session.cancel(),
      close: () => session.close(),
    };
  });
}
