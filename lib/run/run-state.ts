// The on-disk state of a training run, in its run directory:
//   run.json        the resolved options and architecture (written once)
//   state.json      the commit point: epochs done, step, the checkpoint that holds them, history
//   checkpoint-eN.pt  model + optimizer after epoch N (written atomically by the native side)
//   metrics.jsonl   one line per epoch, then a final line (rebuilt from state.json on resume)
//   events.out.tfevents.0.torchnas  the same epochs as TensorBoard scalars (rewritten with it)
//   summary.json, arch.json   written at the end
//   error.json      the error a run stopped on (not an abort), until it resumes
// A checkpoint becomes current only when state.json, renamed into place, names it; a crash at any
// moment leaves either the old or the new state, both complete.
import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError, writeError } from '../errors';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-file';
import { readJson } from '../util/json-file';
import { writeRunEvents } from '../runs/tensorboard-events';

export interface EpochRecord {
  type: 'epoch';
  epoch: number;
  globalStep: number;
  train: { loss: number; top1: number; lr: number; seconds: number; imagesPerSecond: number };
  valid?: { loss: number; top1: number; top5: number };
}

/** An epoch's training figures as every record holds them; images per second over all ranks. */
export function trainFigures(
  stats: { loss: number; top1: number; lr: number; seconds: number; images: number },
  worldSize: number,
): EpochRecord['train'] {
  const { loss, top1, lr, seconds } = stats;
  return { loss, top1, lr, seconds, imagesPerSecond: (stats.images * worldSize) / seconds };
}

export interface RunState<R = EpochRecord> {
  version: 1;
  epochsDone: number;
  globalStep: number;
  checkpoint: string; // file name inside the run directory
  history: R[];
}

export const RUN_FILE = 'run.json';
export const STATE_FILE = 'state.json';
export const METRICS_FILE = 'metrics.jsonl';
export const SUMMARY_FILE = 'summary.json';
/** The running epoch's progress, step by step (lib/run/step-log.ts): what the dashboard draws live. */
export const STEPS_FILE = 'steps.jsonl';
/** Written when a run stops on an error (not an abort); removed when it resumes. */
export const ERROR_FILE = 'error.json';

export function readRunState<R = EpochRecord>(runDir: string): RunState<R> | undefined {
  const file = path.join(runDir, STATE_FILE);
  return fs.existsSync(file) ? readJson<RunState<R>>(file, 'run state') : undefined;
}

export function commitRunState<R>(runDir: string, state: RunState<R>, previousCheckpoint?: string): void {
  writeJsonAtomic(path.join(runDir, STATE_FILE), state);
  writeFileAtomic(
    path.join(runDir, METRICS_FILE),
    state.history.map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
  writeRunEvents(runDir, state.history);
  if (previousCheckpoint && previousCheckpoint !== state.checkpoint) {
    fs.rmSync(path.join(runDir, previousCheckpoint), { force: true });
  }
}

export function appendMetrics(runDir: string, record: object): void {
  const file = path.join(runDir, METRICS_FILE);
  try {
    fs.appendFileSync(file, JSON.stringify(record) + '\n');
  } catch (error) {
    throw writeError(file, error);
  }
}

export function checkpointName(epoch: number): string {
  return `checkpoint-e${epoch}.pt`;
}

export function freshRunState<R>(): RunState<R> {
  return { version: 1, epochsDone: 0, globalStep: 0, checkpoint: '', history: [] };
}

/** A method's name in run.json: train, search (ProxylessNAS), supernet, fbnetv5, gm-nas, random-supernet, ... */
export type RunKind = string;

/** What run.json holds: the kind of run, its resolved options, and what the kind adds. */
export interface StoredRun<O> {
  kind?: RunKind; // absent in runs written before it was recorded
  options: O;
}

/**
 * Opens `runDir` for a run of `kind`: undefined when it holds no committed run yet (a new run starts
 * there), else its state and stored description. A file in the way, or a run of another kind, is
 * refused before any work starts.
 */
/** A run directory that exists must be a folder. */
export function requireRunFolder(runDir: string, flag: string): void {
  if (fs.existsSync(runDir) && !fs.statSync(runDir).isDirectory()) {
    throw new TorchnasError(
      'E_IO',
      `${flag} '${runDir}' is a file; a run directory must be a folder (new or holding a run)`,
      [flag],
    );
  }
}

export function openRunDir<O, R>(
  runDir: string,
  kind: RunKind,
  flag = 'runDir',
): { state: RunState<R>; stored: StoredRun<O> } | undefined {
  requireRunFolder(runDir, flag);
  const state = readRunState<R>(runDir);
  if (!state) return undefined;
  const stored = readJson<StoredRun<O> & { latencyUnit?: string }>(
    path.join(runDir, RUN_FILE),
    'run description',
  );
  const found = stored.kind ?? (stored.latencyUnit !== undefined ? 'search' : 'train');
  if (found !== kind) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `${flag} '${runDir}' holds a ${found} run, not a ${kind} run: ` + `give a new folder to start one`,
      [flag],
    );
  }
  return { state, stored };
}

/**
 * Saves the checkpoint of the epoch just finished, then commits it with the epoch's record (the
 * state.json rename is the commit point) and drops the checkpoint it supersedes.
 */
export async function commitEpoch<R>(
  session: { saveCheckpoint(path: string): Promise<{ globalStep: number }>; isRoot?: boolean },
  runDir: string,
  state: RunState<R>,
  record: R,
): Promise<RunState<R>> {
  const checkpoint = checkpointName(state.epochsDone + 1);
  const saved = await session.saveCheckpoint(path.join(runDir, checkpoint));
  const next = {
    ...state,
    epochsDone: state.epochsDone + 1,
    globalStep: saved.globalStep,
    checkpoint,
    history: [...state.history, record],
  };
  // Data parallel: rank 0 commits; the checkpoint was written (by rank 0) before any rank got here.
  if (session.isRoot !== false) commitRunState(runDir, next, state.checkpoint || undefined);
  return next;
}

/** Commits an epoch that changed no weights (a search that only scores): its record is the state. */
export function commitRecord<R>(runDir: string, state: RunState<R>, record: R, root = true): RunState<R> {
  const next = { ...state, epochsDone: state.epochsDone + 1, history: [...state.history, record] };
  if (root) commitRunState(runDir, next);
  return next;
}

/** Loads a resumed run's committed checkpoint and checks it is the one state.json committed. */
export async function restoreCheckpoint<R>(
  session: { loadCheckpoint(path: string): Promise<{ globalStep: number }> },
  runDir: string,
  state: RunState<R>,
): Promise<void> {
  const { globalStep } = await session.loadCheckpoint(path.join(runDir, state.checkpoint));
  if (globalStep !== state.globalStep) {
    throw new TorchnasError(
      'E_DATA',
      `checkpoint ${state.checkpoint} is at step ${globalStep}, state.json says ${state.globalStep}: the run directory is inconsistent`,
    );
  }
}
