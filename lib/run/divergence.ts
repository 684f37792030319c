// A run whose loss blows up stops before its epoch commits, with a way forward that works: resume
// from the last committed epoch with a lower learning rate (allowed after a divergence, recorded in
// run.json) or start over in the same folder (--restart).
import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../errors';
import { writeJsonAtomic } from '../util/atomic-file';
import { readJson } from '../util/json-file';
import { RUN_FILE } from './run-state';

/** 6.7e18, 1e8, 0.05: short enough for a message. */
function compact(x: number): string {
  if (Math.abs(x) < 1e4 && (x === 0 || Math.abs(x) >= 1e-3)) return String(Number(x.toPrecision(3)));
  return x.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
}

/** A mean epoch loss above this many times a fresh network's (ln of the class count) is divergence. */
export const DIVERGENCE_FACTOR = 10;

export interface Divergence {
  epoch: number;
  loss: number;
  lr: number;
}

/** What run.json records of divergences and the learning rates a resume changed to after them. */
export interface DivergenceRecord {
  diverged?: Divergence;
  lrChanges?: { afterEpoch: number; from: number; to: number }[];
}

/** One epoch of a run: where it commits, its number (from 1), its learning rate and its classes. */
export interface EpochGuard {
  runDir: string;
  epoch: number;
  lr: number;
  classes: number;
  /** Only the root rank writes run.json; the others rethrow. */
  root: boolean;
}

/**
 * Runs one epoch's native work; a non-finite loss (E_NAN_LOSS) or a mean loss above
 * DIVERGENCE_FACTOR x ln(classes) stops the run before the epoch commits, recorded in run.json.
 */
export async function guardedEpoch<T extends { loss: number }>(
  g: EpochGuard,
  work: () => Promise<T>,
): Promise<T> {
  const stats = await work().catch((error: unknown) => {
    const nan = error instanceof TorchnasError && error.code === 'E_NAN_LOSS' && g.root;
    throw nan ? recordNanLoss(g.runDir, g.epoch, g.lr, error) : error;
  });
  if (g.root) checkEpochLoss(g.runDir, g.epoch, stats.loss, g.classes, g.lr);
  return stats;
}

/** Stops a diverged epoch: records it in run.json and throws the error that says what to do. */
export function checkEpochLoss(
  runDir: string,
  epoch: number,
  loss: number,
  classes: number,
  lr: number,
): void {
  const start = Math.log(classes);
  if (Number.isFinite(loss) && loss <= DIVERGENCE_FACTOR * start) return;
  throw diverged(
    runDir,
    { epoch, loss, lr },
    `its mean training loss ${compact(loss)} is above ` +
      `${DIVERGENCE_FACTOR}x the ${start.toFixed(2)} a fresh network starts at`,
    'E_DIVERGED',
  );
}

/** A native non-finite loss (E_NAN_LOSS) recorded and explained the same way. */
export function recordNanLoss(
  runDir: string,
  epoch: number,
  lr: number,
  error: TorchnasError,
): TorchnasError {
  return diverged(
    runDir,
    { epoch, loss: NaN, lr },
    error.message.replace(/: lower the learning rate.*$/, ''),
    'E_NAN_LOSS',
  );
}

function diverged(
  runDir: string,
  d: Divergence,
  why: string,
  code: 'E_DIVERGED' | 'E_NAN_LOSS',
): TorchnasError {
  const file = path.join(runDir, RUN_FILE);
  if (fs.existsSync(file)) {
    const recorded = { ...d, loss: Number.isFinite(d.loss) ? d.loss : null }; // JSON has no NaN
    writeJsonAtomic(file, { ...readJson<object>(file, 'run description'), diverged: recorded });
  }
  const lower = compact(d.lr / 10);
  return new TorchnasError(
    code,
    `training diverged in epoch ${d.epoch} (${why}); the epoch was not committed. Resume ` +
      `from the last committed epoch with a lower learning rate (the same command with --lr ${lower}), or start over in ` +
      `this folder with --restart`,
    ['lr'],
  );
}

/** The run files --restart removes (a fresh run then starts in the same folder). */
export function clearRun(runDir: string): void {
  if (!fs.existsSync(runDir)) return;
  for (const name of fs.readdirSync(runDir)) {
    const runFile = /^(run|state|summary|arch|pareto)\.json$|^metrics\.jsonl$|^checkpoint-e\d+\.pt$/.test(
      name,
    );
    if (runFile) fs.rmSync(path.join(runDir, name), { force: true });
  }
  // What a search derived from the old run (a retrained network, a supernet's subnet at its target,
  // a random search's best).
  for (const folder of ['retrain', 'target', 'best'])
    fs.rmSync(path.join(runDir, folder), { recursive: true, force: true });
}
