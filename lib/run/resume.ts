// What a resumed run does with the options it is given again. The stored options define the run;
// where it runs (device, threads, progress) may change; more epochs extend it, the learning-rate
// schedule recomputed for the new length from the next step; any other change is refused with the
// differences listed, since it would silently make the run something other than what it says.
import * as fs from 'fs';
import * as path from 'path';
import { readJson } from '../util/json-file';
import { TorchnasError } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import type { DivergenceRecord } from './divergence';
import { RUN_FILE, STATE_FILE, type RunKind, type RunState, type StoredRun } from './run-state';

/** Options that say where a run executes, not what it computes. */
export const RUNTIME_KEYS: ReadonlySet<string> = new Set([
  'device',
  'threads',
  'progressEvery',
  'runDir',
  'distributed',
  'restart',
]);

/** For a method whose `restart` is part of what it computes (GM-NAS: how children start), not a new run. */
export const RUNTIME_KEYS_KEEPING_RESTART: ReadonlySet<string> = new Set(
  [...RUNTIME_KEYS].filter((key) => key !== 'restart'),
);

export interface ResumeOutcome<T> {
  options: T;
  /** Set when the run was extended to more epochs than it was started with. */
  extendedFrom?: number;
}

/** The keys among `keys` whose values differ between two option objects (compared as JSON). */
export function differingOptions(keys: string[], a: object, b: object): string[] {
  const value = (o: object, key: string) => JSON.stringify((o as Record<string, unknown>)[key]);
  return keys.filter((key) => value(a, key) !== value(b, key));
}

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * `stored`: the options the run was started with; `parsed`: the options given now, defaults filled
 * in; `explicit`: the keys the caller set (an option left out is never a change).
 */
export function resumeOptions<T extends { epochs: number; runDir?: string }>(
  stored: T,
  parsed: T,
  explicit: string[],
  runDir: string,
  epochsDone: number,
  runtime: ReadonlySet<string> = RUNTIME_KEYS,
  afterEpochs: ReadonlySet<string> = new Set(),
): ResumeOutcome<T> {
  const options = { ...stored } as Record<string, unknown>;
  for (const key of runtime) if (key in parsed) options[key] = (parsed as Record<string, unknown>)[key];
  // Work after the epochs (retraining) is redone with what is given now; left out, it stays as stored.
  for (const key of afterEpochs)
    if (explicit.includes(key)) options[key] = (parsed as Record<string, unknown>)[key];
  options.runDir = runDir;
  const changed = differingOptions(
    explicit.filter((key) => !runtime.has(key) && !afterEpochs.has(key) && key !== 'epochs'),
    parsed,
    stored,
  );
  if (changed.length) {
    const list = changed.map(
      (key) =>
        `${key} ${shown((stored as Record<string, unknown>)[key])} ` +
        `(given ${shown((parsed as Record<string, unknown>)[key])})`,
    );
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `run '${runDir}' was started with other options: ` +
        `${list.join(', ')}. Resume it without them, or give another run directory to start a new run`,
      changed,
    );
  }
  if (!explicit.includes('epochs') || parsed.epochs === stored.epochs) return { options: options as T };
  if (parsed.epochs < stored.epochs) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `run '${runDir}' has a ${stored.epochs}-epoch schedule ` +
        `(${epochsDone} done): epochs ${parsed.epochs} would shorten it, which changes its schedule; ` +
        `give epochs above ${stored.epochs} to extend it, or another run directory`,
      ['epochs'],
    );
  }
  return { options: { ...options, epochs: parsed.epochs } as T, extendedFrom: stored.epochs };
}

/**
 * The options a committed run goes on with, given again as `given` (what the caller passed: a key
 * left undefined was not given) and `parsed` (with defaults filled in); an extension, a new learning
 * rate after a divergence and new after-epoch values are recorded in run.json, so that a later resume
 * keeps them.
 */
export function resumeRun<T extends { epochs: number; runDir?: string }>(
  opened: { state: RunState<unknown>; stored: StoredRun<T> },
  given: object,
  parsed: T,
  runDir: string,
  kind: RunKind,
  runtime: ReadonlySet<string> = RUNTIME_KEYS,
  afterEpochs: ReadonlySet<string> = new Set(),
): T {
  const explicit = Object.entries(given)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key);
  const stored = opened.stored as StoredRun<T> & DivergenceRecord;
  // After a divergence the learning rate may change: the way forward its error message gives.
  const newLr = stored.diverged && explicit.includes('lr') ? (parsed as { lr?: number }).lr : undefined;
  const resumed = resumeOptions(
    stored.options,
    parsed,
    explicit.filter((k) => newLr === undefined || k !== 'lr'),
    runDir,
    opened.state.epochsDone,
    runtime,
    afterEpochs,
  );
  // New after-epoch values are recorded too: run.json then says what summary.json's retraining used.
  const afterChanged = differingOptions(
    [...afterEpochs].filter((key) => explicit.includes(key)),
    parsed,
    stored.options,
  );
  if (newLr === undefined && resumed.extendedFrom === undefined && !afterChanged.length)
    return resumed.options;
  const options = newLr === undefined ? resumed.options : { ...resumed.options, lr: newLr };
  const from = (stored.options as { lr?: number }).lr ?? NaN;
  const lrChanges =
    newLr === undefined
      ? stored.lrChanges
      : [...(stored.lrChanges ?? []), { afterEpoch: opened.state.epochsDone, from, to: newLr }];
  const { diverged: _done, ...rest } = stored;
  writeJsonAtomic(path.join(runDir, RUN_FILE), {
    ...(newLr === undefined ? stored : rest),
    kind,
    options,
    ...(lrChanges && { lrChanges }),
  });
  return options;
}

/**
 * A folder whose run has not committed its first epoch yet (run.json, no state.json) is already that
 * run's: other options are refused as for a resume, so that two runs never share a folder's files.
 */
export function refuseOtherRunInFolder<T extends { epochs: number; runDir?: string }>(
  runDir: string,
  given: object,
  parsed: T,
  runtime: ReadonlySet<string> = RUNTIME_KEYS,
  afterEpochs: ReadonlySet<string> = new Set(),
): void {
  const file = path.join(runDir, RUN_FILE);
  if (!fs.existsSync(file) || fs.existsSync(path.join(runDir, STATE_FILE))) return;
  const stored = readJson<StoredRun<T> & DivergenceRecord>(file, 'run description');
  // Nothing is committed: its length may change, and after a divergence its learning rate too.
  const free = new Set(['epochs', ...(stored.diverged ? ['lr'] : [])]);
  const explicit = Object.entries(given)
    .filter(([key, value]) => value !== undefined && !free.has(key))
    .map(([key]) => key);
  try {
    resumeOptions(stored.options, parsed, explicit, runDir, 0, runtime, afterEpochs);
  } catch (error) {
    if (!(error instanceof TorchnasError)) throw error;
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `${error.message.replace(/\. Resume it without them, or give another run directory to start a new run$/, '')} (its first epoch ` +
        'has not committed yet): run it again without them, give --restart to start over there, or give another run directory',
      error.options,
    );
  }
}
