// A session's Pi-NAS supernet (native/train/pinas_training.h): the NB201 supernet with a projector, an
// EMA teacher and a queue of keys; two paths per step trained against each other's teacher keys.
import { z } from 'zod';
import type { NativePinasEpoch, NativeTrainProgress } from '../../binding';
import type { Dataset } from '../data/datasets';
import { callNative, fromZod } from '../errors';
import { Nb201NetworkOptionsSchema } from '../spaces/nb201/nb201-network';
import { guardCallback, handleOf, loaderOptions, type LoaderOptions, type Session } from '../train/session';

export const PinasSupernetOptionsSchema = Nb201NetworkOptionsSchema.extend({
  /** The teacher's EMA momentum (the official code's 0.999, constant). */
  momentum: z.number().min(0).lt(1).default(0.999),
  temperature: z.number().positive().default(0.2),
  /** Keys held as negatives (the official 49152 is for ImageNet's 1.28 M images). */
  queueSize: z.number().int().positive().default(4096),
  projectionDim: z.number().int().positive().default(128),
  /** Adds both paths' cross-entropy on the labels to the contrastive loss. */
  supervised: z.boolean().default(false),
  /** RandomResizedCrop's smallest area fraction. */
  minCrop: z.number().gt(0).max(1).default(0.2),
});
export type PinasSupernetOptions = z.input<typeof PinasSupernetOptionsSchema>;

export async function buildPinasSupernet(
  session: Session,
  options: PinasSupernetOptions = {},
): Promise<{ parameters: number }> {
  const parsed = PinasSupernetOptionsSchema.safeParse(options);
  if (!parsed.success) throw fromZod('Pi-NAS options', parsed.error);
  const { input, ...rest } = parsed.data;
  session.builtInput = input;
  return callNative(() => session.native.buildPinasSupernet({ ...rest, inputChannels: input[0] }));
}

/** One Pi-NAS epoch: per batch two paths, four views, the crossed contrastive step. */
export function pinasEpoch(
  session: Session,
  data: Dataset,
  loader: LoaderOptions & { progressEvery?: number },
  onProgress?: (p: NativeTrainProgress) => void,
): Promise<NativePinasEpoch> {
  const options = loaderOptions(
    loader,
    { progressEvery: z.number().int().min(0).optional() },
    'loader options',
  );
  return callNative(() =>
    session.native.pinasEpoch(handleOf(data, 'data'), options, guardCallback(onProgress)),
  );
}

/** The two paths (an op index per edge) the step at `globalStep` trains. */
export function pinasPaths(session: Session, globalStep: number): Promise<[number[], number[]]> {
  return callNative(() => session.native.pinasPaths({ globalStep }));
}

/** Per path: weighted kNN top-1 of `query` against `reference` on the path's pooled features. */
export function pinasKnnScores(
  session: Session,
  reference: Dataset,
  query: Dataset,
  loader: LoaderOptions & { paths: number[][]; k?: number },
): Promise<number[]> {
  const extra = {
    paths: z.array(z.array(z.number().int().min(0))),
    k: z.number().int().positive().optional(),
  };
  const options = loaderOptions(loader, extra, 'pinasKnnScores options');
  return callNative(() =>
    session.native.pinasKnnScores(handleOf(reference, 'reference'), handleOf(query, 'query'), options),
  );
}
