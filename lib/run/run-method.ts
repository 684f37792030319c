// The run skeleton every method shares: the run folder, its lock, the stored options and their check on
// resume, the epoch loop with its atomic per-epoch commit, the summary, and cancellation. A method
// supplies only what is its own: how it parses its options, opens its model, runs an epoch and finishes.
//
// On disk (lib/run/run-state.ts): run.json is written once the method has opened its model, state.json
// commits each epoch, summary.json is written at the end. No other module writes these three files.
import * as fs from 'fs';
import * as path from 'path';
import type { ZodType } from 'zod';
import { fromZod, TorchnasError } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import { clearRun } from './divergence';
import { refuseUnhonoured, type Honoured } from './run-fields';
import { refuseOtherRunInFolder, resumeRun, RUNTIME_KEYS, RUNTIME_KEYS_KEEPING_RESTART } from './resume';
import { withRunLock } from './run-lock';
import { StepLog } from './step-log';
import {
  commitEpoch,
  commitRecord,
  commitRunState,
  freshRunState,
  openRunDir,
  restoreCheckpoint,
  ERROR_FILE,
  RUN_FILE,
  SUMMARY_FILE,
  type RunKind,
  type RunState,
  type StoredRun,
} from './run-state';

/** The options every method has in common. */
export interface RunOptions {
  runDir?: string;
  epochs: number;
  /** Data parallel: the rank whose lock and files these are. */
  distributed?: { rank?: number };
}

/** What holds a run's weights: a native session, or a method's own native model. */
export interface Checkpointed {
  saveCheckpoint(file: string): Promise<{ globalStep: number }>;
  loadCheckpoint(file: string): Promise<{ globalStep: number }>;
  /** Stops the running epoch at its next step (an abort); close() still follows. */
  cancel(): void;
}

/** What a long call takes beside its options and progress callback. */
export interface RunControl {
  /** Stops the run at the next step boundary: the last committed epoch stands, rerunning resumes. */
  signal?: AbortSignal;
}

/** A method's run once opened on its data and model. */
export interface OpenedRun<O, R, Res> {
  /** The options as the run uses them, where opening changed them (a default shrunk to the data). */
  options?: O;
  /** Holds the weights each epoch commits; absent when epochs change no weights or `saveEpoch` is given. */
  model?: Checkpointed;
  /** Whether this process writes the run's files (rank 0, or the only process). */
  root?: boolean;
  /** What run.json holds beside the kind and the options. */
  stored?: object;
  /** A new run's first state when it continues another run's committed checkpoint (a warm-up). */
  initialState?: RunState<R>;
  /** After the committed checkpoint is restored, or before the first epoch of a new run. */
  ready?(state: RunState<R>, resumed: boolean): Promise<void>;
  /** Announces the run (its start event). */
  start(startEpoch: number): void;
  /** Runs epoch `epoch` (from 0) and returns its record. */
  epoch(epoch: number, state: RunState<R>): Promise<R>;
  /**
   * Saves an epoch's checkpoints where `model` cannot (several models) and returns the state that names
   * them and the committed files it supersedes; the skeleton commits the state, then drops those files.
   */
  saveEpoch?(state: RunState<R>, record: R): Promise<{ next: RunState<R>; superseded: string[] }>;
  /** The method's result once the last epoch committed, its model still open. */
  finish(state: RunState<R>): Promise<Res>;
  /** Stops the running native work at its next step. */
  cancel?(): void;
  close(): Promise<void>;
}

export interface RunContext<O, R, E = unknown> {
  opts: O;
  runDir: string;
  /** The options as the caller gave them (a key left undefined was not given). */
  given: object;
  /** The committed state of a resumed run, and what its run.json holds. */
  previous?: RunState<R>;
  stored?: StoredRun<O> & Record<string, unknown>;
  /** The method's progress events. */
  emit: (event: E) => void;
  /** When the call began (Date.now()). */
  started: number;
  /** The caller's AbortSignal, for work after the epochs (a retraining passes it on). */
  signal?: AbortSignal;
}

/** Runs `open` on a newly opened session or model, closing it when opening fails. */
export async function closingOnError<T>(
  model: { close(): Promise<void> },
  open: () => Promise<T>,
): Promise<T> {
  try {
    return await open();
  } catch (error) {
    await model.close();
    throw error;
  }
}

export interface RunMethod<O extends RunOptions, R, Res, E = unknown> {
  kind: RunKind;
  /** The run fields it cannot honour, refused by name (default: it honours all). */
  honours?: Honoured & { command: string };
  /** Parses and resolves the caller's options (defaults filled in). */
  parse(options: object): O;
  /**
   * Whether to remove the run the folder holds first (default: the `restart` option). A method that gives
   * this has its own `restart`, compared on resume like any option that changes what the run computes.
   */
  startOver?(opts: O): boolean;
  /** The default run folder's name before its time stamp. */
  folder(opts: O): string;
  /** Checks and opens everything the run needs; a run that fails here leaves no folder behind. */
  open(ctx: RunContext<O, R, E>): Promise<OpenedRun<O, R, Res>>;
  /** Work after the model closed (retraining the derived network), given the finished result. */
  after?(result: Res, ctx: RunContext<O, R, E>): Promise<Res>;
  /** Options only `after` reads: a resume may change them, and a finished run then redoes that work. */
  afterKeys?: readonly string[];
  /** What summary.json holds (default: the result). */
  summary?(result: Res, state: RunState<R>): object;
  /** The event that announces a committed epoch. */
  epochEvent?(record: R): E;
}

/** A method's `parse` from its zod schema: a bad option is a typed error naming it. */
export function parseWith<O>(schema: ZodType<O>, what: string): (options: object) => O {
  return (options) => {
    const parsed = schema.safeParse(options);
    if (!parsed.success) throw fromZod(what, parsed.error);
    return parsed.data;
  };
}

function defaultRunDir(name: string): string {
  return path.join('runs', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}

export function abortedError(runDir: string): TorchnasError {
  return new TorchnasError(
    'E_ABORTED',
    `the run in '${runDir}' was aborted; its last committed epoch stands: run it again to resume`,
  );
}

/** Runs `method` from its start, or resumes the run its folder holds, to its end. */
export async function runMethod<O extends RunOptions, R, Res, E>(
  method: RunMethod<O, R, Res, E>,
  options: object,
  emit: (event: E) => void = () => {},
  control: RunControl = {},
): Promise<Res> {
  const started = Date.now();
  let opts = method.parse(options);
  if (method.honours) refuseUnhonoured(method.honours.command, opts, method.honours);
  const runDir = opts.runDir ?? defaultRunDir(method.folder(opts));
  const { signal } = control;
  if (signal?.aborted) throw abortedError(runDir);
  return withRunLock(runDir, opts, async () => {
    const startOver = method.startOver ? method.startOver(opts) : (opts as { restart?: boolean }).restart;
    if (startOver) clearRun(runDir);
    const opened = openRunDir<O, R>(runDir, method.kind);
    const runtime = method.startOver ? RUNTIME_KEYS_KEEPING_RESTART : RUNTIME_KEYS;
    const afterKeys = new Set(method.afterKeys ?? []);
    if (opened) opts = resumeRun(opened, options, opts, runDir, method.kind, runtime, afterKeys);
    else refuseOtherRunInFolder(runDir, options, opts, runtime, afterKeys);
    const stored = opened?.stored as RunContext<O, R, E>['stored'];
    const steps = new StepLog();
    const ctx: RunContext<O, R, E> = {
      opts,
      runDir,
      given: options,
      previous: opened?.state,
      stored,
      emit: (event) => (steps.record(event), emit(event)),
      started,
      signal,
    };
    const run = await method.open(ctx);
    const cancel = () => (run.cancel ? run.cancel() : run.model?.cancel());
    signal?.addEventListener('abort', cancel, { once: true });
    let finished: { result: Res; state: RunState<R> };
    try {
      ctx.opts = run.options ?? opts;
      finished = await runEpochs(method, run, ctx, steps, signal);
    } catch (error) {
      // The native side stops an aborted epoch with E_CLOSED; any other error is the run's own.
      const stopped = error instanceof TorchnasError && error.code === 'E_CLOSED';
      if (signal?.aborted && stopped) throw abortedError(runDir);
      if (run.root !== false) recordFailure(runDir, error);
      throw error;
    } finally {
      signal?.removeEventListener('abort', cancel);
      steps.close();
      await run.close();
    }
    if (signal?.aborted) throw abortedError(runDir);
    const result = method.after ? await method.after(finished.result, ctx) : finished.result;
    if (signal?.aborted) throw abortedError(runDir);
    const summary = method.summary?.(result, finished.state) ?? result;
    if (run.root !== false) writeJsonAtomic(path.join(runDir, SUMMARY_FILE), summary);
    return result;
  });
}

/** error.json for the run index; a run that never wrote run.json has no folder to mark. */
function recordFailure(runDir: string, error: unknown): void {
  if (!fs.existsSync(path.join(runDir, RUN_FILE))) return;
  const code = error instanceof TorchnasError ? error.code : 'unexpected';
  const message = error instanceof Error ? error.message : String(error);
  try {
    writeJsonAtomic(path.join(runDir, ERROR_FILE), { code, message, time: new Date().toISOString() });
  } catch {
    // the run's own error is what the caller needs to see
  }
}

/** Commits a state whose checkpoints the method saved (the rename of state.json), then drops what it superseded. */
function commitSaved<R>(runDir: string, saved: { next: RunState<R>; superseded: string[] }, root = true) {
  if (!root) return saved.next;
  commitRunState(runDir, saved.next);
  for (const file of saved.superseded) fs.rmSync(path.join(runDir, file), { force: true });
  return saved.next;
}

/** Restores or creates the run on disk, then runs and commits its remaining epochs; an abort stops it. */
async function runEpochs<O extends RunOptions, R, Res, E>(
  method: RunMethod<O, R, Res, E>,
  run: OpenedRun<O, R, Res>,
  { runDir, opts, previous, emit }: RunContext<O, R, E>,
  steps: StepLog,
  signal?: AbortSignal,
): Promise<{ result: Res; state: RunState<R> }> {
  // An abort while the method opened (no native work to stop yet) stops here, before anything is written.
  if (signal?.aborted) throw abortedError(runDir);
  let state: RunState<R> = previous ?? run.initialState ?? freshRunState();
  if ((previous || run.initialState) && run.model) await restoreCheckpoint(run.model, runDir, state);
  await run.ready?.(state, previous !== undefined);
  if (signal?.aborted) throw abortedError(runDir);
  if (!previous && run.root !== false) {
    // Only now, with data and model ready, does the run exist on disk.
    fs.mkdirSync(runDir, { recursive: true });
    const stored = { kind: method.kind, options: { ...opts, runDir }, ...run.stored };
    writeJsonAtomic(path.join(runDir, RUN_FILE), stored);
  }
  fs.rmSync(path.join(runDir, ERROR_FILE), { force: true }); // resumed: no longer a failed run
  if (run.root !== false) steps.open(runDir);
  run.start(state.epochsDone);
  const model = run.model;
  const saver = model && { saveCheckpoint: (f: string) => model.saveCheckpoint(f), isRoot: run.root };
  for (let epoch = state.epochsDone; epoch < opts.epochs; epoch++) {
    if (signal?.aborted) throw abortedError(runDir);
    const record = await run.epoch(epoch, state);
    // An epoch that finished commits, even when an abort came during its last step.
    if (run.saveEpoch) state = await commitSaved(runDir, await run.saveEpoch(state, record), run.root);
    else if (saver) state = await commitEpoch(saver, runDir, state, record);
    else state = commitRecord(runDir, state, record, run.root);
    steps.clear();
    // Every method's events announce a committed epoch as { type: 'epoch', record } unless it says otherwise.
    emit(method.epochEvent?.(record) ?? ({ type: 'epoch', record } as E));
  }
  if (signal?.aborted) throw abortedError(runDir);
  return { result: await run.finish(state), state };
}
