// A session's DARTS supernet (native/train/darts_search.h): NB201 cells whose edges mix every operation
// by softmax(alpha), the architecture step before each weight step, and the probes the gradient checks use.
// With method 'entrannas', EnTranNAS's supernet: Engine-cells mixing, Transit-cells running the derived cell.
import { z } from 'zod';
import type { NativeDartsArchitecture, NativeDartsEpoch, NativeTrainProgress } from '../../binding';
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
  method: z.enum(['darts', 'entrannas']).default('darts'),
  /** EnTranNAS: Engine-cells at the start of each stage; the stage's other cells are Transit-cells. */
  engineCells: z.number().int().positive().default(1),
  /** EnTranNAS: 'sparse' (differentiable sparsification, learned thresholds) or 'top' (largest alpha). */
  derivation: z.enum(['sparse', 'top']).default('sparse'),
  /** EnTranNAS 'sparse': weight of the l_1/2 sparsity term on softmax(alpha) in the architecture loss. */
  sparsity: z.number().min(0).default(0.05),
  /**
   * EnTranNAS's feature sharing: each operation belongs to a cell's source node and runs once for every
   * edge leaving it (default: on for 'entrannas'; DARTS has none).
   */
  featureSharing: z.boolean().optional(),
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

export function dartsAlphas(session: Session): Promise<NativeDartsArchitecture> {
  return callNative(() => session.native.dartsAlphas());
}

/** `thresholds`: EnTranNAS's threshold logits, one per edge (left as they are when omitted). */
export function setDartsAlphas(session: Session, alphas: number[][], thresholds?: number[]): Promise<void> {
  return callNative(() =>
    session.native.setDartsAlphas(thresholds === undefined ? { alphas } : { alphas, thresholds }),
  );
}

export function dartsArchGradient(
  session: Session,
  train: Dataset,
  valid: Dataset,
  loader: LoaderOptions,
): Promise<{ alphas: number[][]; thresholds: number[] }> {
  const options = loaderOptions(loader, {}, 'loader options');
  return callNative(() =>
    session.native.dartsArchGradient(handleOf(train, 'train'), handleOf(valid, 'valid'), options),
  );
}

export function dartsUnrolledLoss(
  session: Session,
  train: Dataset,
  valid: Dataset,
  loader: LoaderOptions & { alphas: number[][]; thresholds?: number[] },
): Promise<number> {
  const extra = { alphas: z.array(z.array(z.number())), thresholds: z.array(z.number()).optional() };
  const options = loaderOptions(loader, extra, 'loader options');
  return callNative(() =>
    session.native.dartsUnrolledLoss(handleOf(train, 'train'), handleOf(valid, 'valid'), options),
  );
}

/**
 * The memory format the supernet's cells leave their feature map in (a speed check: a channels_last
 * session that meets one NCHW tensor converts at every operation after it).
 */
export function dartsFeatureLayout(
  session: Session,
  data: Dataset,
  loader: LoaderOptions,
): Promise<'channels_last' | 'nchw' | 'strided'> {
  const options = loaderOptions(loader, {}, 'loader options');
  return callNative(() => session.native.dartsFeatureLayout(handleOf(data, 'data'), options));
}
