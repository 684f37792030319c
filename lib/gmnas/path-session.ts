// A session's path supernet (NB201 or a chain space's edges) as GM-NAS trains and splits it: masks per
// decision, one-shot epochs on uniformly drawn paths, per-path scores and gradient matching
// (native/train/path_supernet.h).
import { z } from 'zod';
import type {
  NativeEpochStats,
  NativeEvalStats,
  NativeGradientMatch,
  NativeLossProbe,
  NativeNb201Spec,
  NativeSupernetSpec,
  NativeTrainProgress,
} from '../../binding';
import type { Dataset } from '../data/datasets';
import { callNative } from '../errors';
import {
  guardCallback,
  handleOf,
  loaderOptions,
  PROGRESS,
  type LoaderOptions,
  type Session,
} from '../train/session';
import type { PathSpace } from './path-space';

/** Restricts a path supernet (NB201 or chain) to the given options per decision; [] allows all. */
export function setPathMasks(session: Session, masks: number[][]): Promise<void> {
  return callNative(() => session.native.setPathMasks({ masks }));
}

export function pathMasks(session: Session): Promise<number[][]> {
  return callNative(() => session.native.pathMasks());
}

/** One RSPS epoch: each step trains one path drawn uniformly inside the masks. */
export async function oneShotEpoch(
  session: Session,
  data: Dataset,
  loader: LoaderOptions & { progressEvery?: number },
  onProgress?: (p: NativeTrainProgress) => void,
): Promise<NativeEpochStats> {
  const options = loaderOptions(loader, PROGRESS, 'loader options');
  return callNative(() =>
    session.native.oneShotEpoch(handleOf(data, 'data'), options, guardCallback(onProgress)),
  );
}

/** The paths oneShotEpoch draws in `epoch`, first `count` steps. */
export function oneShotPaths(session: Session, epoch: number, count: number): Promise<number[][]> {
  return callNative(() => session.native.oneShotPaths({ epoch, count }));
}

/** Each path's accuracy on `data` with batch statistics (running statistics left untouched). */
export function evaluateArchitectures(
  session: Session,
  data: Dataset,
  loader: LoaderOptions & { paths: number[][] },
): Promise<NativeEvalStats[]> {
  const options = loaderOptions(
    loader,
    { paths: z.array(z.array(z.number().int().min(0))) },
    'evaluateArchitectures options',
  );
  return callNative(() => session.native.evaluateArchitectures(handleOf(data, 'data'), options));
}

/** GM-NAS's gradient distances for each decision (see native/search/gradient_matching.h). */
export function matchGradients(
  session: Session,
  data: Dataset,
  loader: LoaderOptions & { decisions: number[]; repeats: number },
): Promise<NativeGradientMatch[]> {
  const extra = { decisions: z.array(z.number().int().min(0)), repeats: z.number().int().positive() };
  const options = loaderOptions(loader, extra, 'matchGradients options');
  return callNative(() => session.native.matchGradients(handleOf(data, 'data'), options));
}

/**
 * Session.probeLoss through one path of a path supernet (an option index per decision, masks aside):
 * what the supernet-equals-child checks compare with the standalone network.
 */
export function probePath(
  session: Session,
  data: Dataset,
  options: LoaderOptions & { path: number[] },
): Promise<NativeLossProbe> {
  return callNative(() => session.native.probePath(handleOf(data, 'data'), options));
}

/** Builds a path space's weight-sharing supernet on the session (NB201's, or a chain space's). */
export function buildPathSupernet(session: Session, space: PathSpace): Promise<{ parameters: number }> {
  session.builtInput = [...space.input];
  return callNative(() =>
    space.kind === 'nb201'
      ? session.native.buildNb201Supernet(space.nativeSpec() as Omit<NativeNb201Spec, 'ops'>)
      : session.native.buildSupernet(space.nativeSpec() as NativeSupernetSpec),
  );
}
