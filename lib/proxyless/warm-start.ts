// A search that starts from a finished warm-up run instead of warming up itself: one warm-up can serve
// searches for several latency targets or losses. The warm-up run must be warm-up only, and every
// option that shapes the warm-up (data, split, batch, optimizer, schedule, seed, space, architecture
// learning rate: the checkpoint restores the architecture optimizer) must be the search's own, so that
// the search ends exactly as one that had warmed up by itself.
import * as fs from 'fs';
import * as path from 'path';
import { TorchnasError } from '../errors';
import { differingOptions } from '../run/resume';
import { openRunDir, type RunState } from '../run/run-state';

/** Options that may differ between a warm-up run and the searches started from it. */
const FREE_KEYS = new Set([
  'epochs',
  'latencyLoss',
  'target',
  'targetTolerance',
  'a',
  'b',
  'lambda',
  'zeroActiveGradient',
  'latencyTable',
  'mode',
  'method',
  'archEvery',
  'samples',
  'retrainEpochs',
  'retrainLr',
  'runDir',
  'device',
  'threads',
  'progressEvery',
  'warmupFrom',
]);

/**
 * Checks that `from` holds a finished warm-up-only run that fits `options`, copies its checkpoint into
 * `runDir`, and returns the run state the search continues from.
 */
export function adoptWarmup<O extends { epochs: number; warmupEpochs: number }, R>(
  from: string,
  options: O,
  runDir: string,
): RunState<R> {
  const source = openRunDir<O, R>(from, 'search', 'warmupFrom');
  if (!source)
    throw new TorchnasError('E_IO', `warmupFrom '${from}' holds no finished epoch of a warm-up run`, [
      'warmupFrom',
    ]);
  const warm = source.stored.options;
  if (warm.epochs !== warm.warmupEpochs || source.state.epochsDone !== warm.epochs) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `warmupFrom '${from}' is not a finished warm-up-only run ` +
        `(${source.state.epochsDone} of ${warm.epochs} epochs done, ${warm.warmupEpochs} of them warm-up)`,
      ['warmupFrom'],
    );
  }
  if (options.warmupEpochs !== warm.warmupEpochs || options.epochs <= warm.warmupEpochs) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `warmupFrom '${from}' warmed up for ${warm.warmupEpochs} epochs: ` +
        `give warmupEpochs ${warm.warmupEpochs} and more epochs than that`,
      ['warmupEpochs'],
    );
  }
  const differ = differingOptions(
    Object.keys(options).filter((key) => !FREE_KEYS.has(key)),
    options,
    warm,
  );
  if (differ.length) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `warmupFrom '${from}' warmed up with other options: ` +
        `${differ.map((key) => `${key} ${JSON.stringify((warm as Record<string, unknown>)[key])}`).join(', ')}; ` +
        `a search can only continue a warm-up made with its own`,
      differ,
    );
  }
  fs.mkdirSync(runDir, { recursive: true });
  fs.copyFileSync(path.join(from, source.state.checkpoint), path.join(runDir, source.state.checkpoint));
  return source.state;
}
