// A trained supernet run on disk: its stored options and space, its last checkpoint, and a session
// holding it (what search and extraction start from).
import * as path from 'path';
import type { z } from 'zod';
import { TorchnasError } from '../errors';
import { loadElasticSpace, type ResolvedElasticSpace } from '../spaces';
import { openRunDir, RUN_FILE, type StoredRun } from '../train/run-state';
import { Session } from '../train/session';
import { readJson } from '../util/json-file';
import type { SupernetRecord, SupernetTrainOptionsSchema } from './train-supernet';

type StoredOptions = z.output<typeof SupernetTrainOptionsSchema>;

/** A committed supernet run: its stored options, space and last checkpoint. */
export function openSupernetRun(run: string): { opts: StoredOptions; resolved: ResolvedElasticSpace; checkpoint: string; history: SupernetRecord[] } {
  const opened = openRunDir<StoredOptions, SupernetRecord>(run, 'supernet', 'run');
  if (!opened || !opened.state.checkpoint) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `run '${run}' holds no trained supernet yet: train one with torchnas supernet train --out ${run}`, ['run']);
  }
  const stored = readJson<StoredRun<StoredOptions> & { space: object }>(path.join(run, RUN_FILE), 'run description');
  return { opts: stored.options, resolved: loadElasticSpace(stored.space), checkpoint: path.join(run, opened.state.checkpoint), history: opened.state.history };
}

/** A session holding the run's trained supernet. */
export async function loadSupernet(run: ReturnType<typeof openSupernetRun>, overrides: { threads?: number; device?: string }): Promise<Session> {
  const { opts } = run;
  const session = new Session({ device: overrides.device ?? opts.device, threads: overrides.threads ?? opts.threads, seed: opts.seed });
  await session.buildElastic(run.resolved, { kernelTransform: opts.kernelTransform });
  await session.loadCheckpoint(run.checkpoint);
  return session;
}
