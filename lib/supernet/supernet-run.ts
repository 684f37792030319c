// A trained supernet run on disk: its stored options and space, its last checkpoint, and a session
// holding it (what search and extraction start from).
import * as path from 'path';
import type { z } from 'zod';
import { TorchnasError } from '../errors';
import { loadElasticSpace, type ResolvedElasticSpace } from '../spaces';
import { openRunDir, RUN_FILE, type StoredRun } from '../run/run-state';
import { Session } from '../train/session';
import { readJson } from '../util/json-file';
import { augmentationFor, type Dataset } from '../data/datasets';
import { configureShiftNas, shiftNasBinEdges } from './shiftnas/shiftnas-run';
import { supernetData, type SupernetRecord, type SupernetTrainOptionsSchema } from './train-supernet';
import { buildElastic } from './elastic-session';

type StoredOptions = z.output<typeof SupernetTrainOptionsSchema>;

/** A committed supernet run: its stored options, space and last checkpoint. */
export function openSupernetRun(run: string): {
  opts: StoredOptions;
  resolved: ResolvedElasticSpace;
  checkpoint: string;
  history: SupernetRecord[];
} {
  const opened = openRunDir<StoredOptions, SupernetRecord>(run, 'supernet', 'run');
  if (!opened || !opened.state.checkpoint) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `run '${run}' holds no trained supernet yet: train one with torchnas supernet train --out ${run}`,
      ['run'],
    );
  }
  const stored = readJson<StoredRun<StoredOptions> & { space: object }>(
    path.join(run, RUN_FILE),
    'run description',
  );
  return {
    opts: stored.options,
    resolved: loadElasticSpace(stored.space),
    checkpoint: path.join(run, opened.state.checkpoint),
    history: opened.state.history,
  };
}

/**
 * A session holding the run's trained supernet; for a shiftnas run also its generator and bins
 * (configured before the checkpoint is read, so that their state is restored with the weights).
 */
export async function loadSupernet(
  run: ReturnType<typeof openSupernetRun>,
  overrides: { threads?: number; device?: string },
  valid?: Dataset,
): Promise<Session> {
  const { opts } = run;
  const session = new Session({
    device: overrides.device ?? opts.device,
    threads: overrides.threads ?? opts.threads,
    seed: opts.seed,
  });
  try {
    await buildElastic(session, run.resolved, { kernelTransform: opts.kernelTransform });
    if (opts.sampler === 'shiftnas') {
      const held = valid ?? (await supernetData(opts, run.resolved)).valid;
      await configureShiftNas(session, run.resolved, opts, held, augmentationFor(opts.dataset, false), 1);
    }
    await session.loadCheckpoint(run.checkpoint);
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}

/** Refuses a run trained without ShiftNAS's generator, naming `option`. */
export function requireGenerator(run: ReturnType<typeof openSupernetRun>, option: string): void {
  if (run.opts.sampler !== 'shiftnas' || !run.history.at(-1)?.shiftnas) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `${option}: run was trained with --sampler ${run.opts.sampler}, which has no ` +
        `architecture generator: train with --sampler shiftnas`,
      [option],
    );
  }
}

/** The run's ShiftNAS bin edges (a run trained with another sampler has none: a typed error). */
export function shiftNasEdges(run: ReturnType<typeof openSupernetRun>, option: string): number[] {
  requireGenerator(run, option);
  return shiftNasBinEdges(run.resolved, run.opts);
}
