// A session's DARTS supernet (native/train/darts_search.h): NB201 cells whose edges mix every operation
// by softmax(alpha), the architecture step before each weight step, and the probes the gradient checks use.
import { z } from 'zod';
import type { NativeDartsEpoch, NativeTrainProgress } from '../../binding';
import type { Dataset } from '../data/datasets';
import { callNative, fromZod } from '../errors';
import { Nb201NetworkOptionsSchema } from '../spaces/nb201/nb201-network';
import { guardCallback, handleOf, loaderOptions, type LoaderOptions, type Session } from '../train/session';

export const DartsSupernetOptionsSchema = Nb201NetworkOptionsSchema.extend({
  /** 1: the architecture gradient at the current weights; 2: after one virtual weight step. */
  order: z.union([z.literal(1), z.literal(2)]).default(1),
  archLr: z.number().positive().default(3e-4),
  archWeightDecay: z.number().min(0).default(1e-3),
  /** The weights' gradient norm is clipped to this before each update (0: no clipping). */
  gradClip: z.number().min(0).default(5),
  /** Second order: how far the weights move either way for the Hessian-vector product (the paper's). */
  hessianStep: z.number().positive().default(0.01),
});
export type DartsSupernetOptions = z.input<typeof DartsSupernetOptionsSchema>;

export async function buildDartsSupernet(
  session: Session,
  options: DartsSupernetOptions = {},
): Promise<{ parameters: number }> {
  const parsed = DartsSupernetOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('DARTS options', parsed.error);
  const { input, ...rest } = parsed.data;
  session.builtInput = input;
  return callNative(() => session.native.buildDartsSupernet({ ...rest, inputChannels: input[0] }));
}

/** One DARTS epoch: per training batch an architecture step on a held-out batch, then a weight step. */
export function dartsEpoch(
  session: Session,
  train: Dataset,
  valid: Dataset,
  options: { train: LoaderOptions; valid: LoaderOptions; progressEvery?: number },
  onProgress?: (p: NativeTrainProgress) => void,
): Promise<NativeDartsEpoch> {
  const native = {
    train: loaderOptions(options.train, {}, 'train loader options'),
    valid: loaderOptions(options.valid, {}, 'valid loader options'),
    progressEvery: options.progressEvery,
  };
  return callNative(() =>
    session.native.dartsEpoch(
      handleOf(train, 'train'),
      handleOf(valid, 'valid'),
      native,
      guardCallback(onProgress),
    ),
  );
}

export function dartsAlphas(session: Session): Promise<{ alphas: number[][]; derived: number[] }> {
  return callNative(() => session.native.dartsAlphas());
}

export function setDartsAlphas(session: Session, alphas: number[][]): Promise<void> {
  return callNative(() => session.native.setDartsAlphas({ alphas }));
}

export function dartsArchGradient(
  session: Session,
  train: Dataset,
  valid: Dataset,
  loader: LoaderOptions,
): Promise<number[][]> {
  const options = loaderOptions(loader, {}, 'loader options');
  return callNative(() =>
    session.native.dartsArchGradient(handleOf(train, 'train'), handleOf(valid, 'valid'), options),
  );
}

export function dartsUnrolledLoss(
  session: Session,
  train: Dataset,
  valid: Dataset,
  loader: LoaderOptions & { alphas: number[][] },
): Promise<number> {
  const options = loaderOptions(loader, { alphas: z.array(z.array(z.number())) }, 'loader options');
  return callNative(() =>
    session.native.dartsUnrolledLoss(handleOf(train, 'train'), handleOf(valid, 'valid'), options),
  );
}
