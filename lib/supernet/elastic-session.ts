// A session's one-shot elastic supernet (native/train/elastic_training.h): building it, training
// epochs under a sampling rule, subnets scored after BN recalibration, probed, sampled, and taken out
// as standalone networks. ShiftNAS's part is in ./shiftnas/shiftnas-session.ts.
import { z } from 'zod';
import type {
  NativeEpochStats,
  NativeEvalStats,
  NativeSubnet,
  NativeTrainProgress,
  NativeSamplerOptions,
} from '../../binding';
import { resolveNetwork, type Architecture } from '../arch';
import type { Dataset } from '../data/datasets';
import { callNative, fromZod, invalid } from '../errors';
import { nativeElasticSpec, type ResolvedElasticSpace } from '../spaces/elastic/elastic-space';
import {
  guardCallback,
  handleOf,
  loaderOptions,
  PROGRESS,
  type LoaderOptions,
  type Session,
} from '../train/session';

export const SamplerOptionsSchema = z
  .object({
    rule: z.enum(['uniform', 'sandwich', 'bestup', 'worstup', 'shiftnas']),
    middle: z.number().int().min(0).optional(),
    candidates: z.number().int().positive().optional(),
    distill: z.boolean().optional(),
    temperature: z.number().positive().optional(),
    clip: z.number().min(0).optional(),
    clipBy: z.enum(['norm', 'value']).optional(),
    pool: z.array(z.array(z.unknown())).optional(),
    binWeights: z.array(z.number().min(0)).optional(),
  })
  .strict();

/**
 * Builds the one-shot supernet of a resolved elastic space (every block at its largest); with
 * `kernelTransform`, smaller kernels go through once-for-all's learnt transformation matrices.
 */
export function buildElastic(
  session: Session,
  resolved: ResolvedElasticSpace,
  options: { kernelTransform?: boolean } = {},
): Promise<{ parameters: number }> {
  const { input } = resolved.space;
  session.builtInput = [input[0], input[1], input[2]];
  return callNative(() =>
    session.native.buildElastic(nativeElasticSpec(resolved, options.kernelTransform ?? false)),
  );
}

/** One epoch of supernet training: per batch, the sampler's subnets' losses summed, then one step. */
export async function supernetEpoch(
  session: Session,
  data: Dataset,
  options: LoaderOptions & { progressEvery?: number; sampler: NativeSamplerOptions },
  onProgress?: (p: NativeTrainProgress) => void,
): Promise<NativeEpochStats> {
  const { sampler, ...loader } = options;
  loaderOptions(loader, PROGRESS, 'loader options');
  const parsed = SamplerOptionsSchema.safeParse(sampler);
  if (!parsed.success) throw fromZod('sampler options', parsed.error);
  return callNative(() =>
    session.native.supernetEpoch(handleOf(data, 'data'), options, guardCallback(onProgress)),
  );
}

/** Each subnet's accuracy on `valid` after its BatchNorm statistics are recalibrated on `calib`. */
export function scoreRecalibrated(
  session: Session,
  calib: Dataset,
  valid: Dataset,
  options: { subnets: NativeSubnet[]; calib: LoaderOptions; calibBatches: number; valid: LoaderOptions },
  onProgress?: (p: { done: number; total: number }) => void,
): Promise<NativeEvalStats[]> {
  loaderOptions(options.calib, {}, 'calibration loader options');
  loaderOptions(options.valid, {}, 'validation loader options');
  if (!Number.isInteger(options.calibBatches) || options.calibBatches < 1)
    throw invalid('calibBatches must be a positive integer', ['calibBatches']);
  return callNative(() =>
    session.native.scoreSubnets(
      handleOf(calib, 'calib'),
      handleOf(valid, 'valid'),
      options,
      guardCallback(onProgress),
    ),
  );
}

/** A subnet's tensors under the standalone network's names, as float64. */
export function sliceSubnetTensors(
  session: Session,
  subnet: NativeSubnet,
): Promise<Record<string, Float64Array>> {
  return callNative(() => session.native.subnetTensors({ subnet }));
}

/** Writes the subnet as a standalone network's weights (what `train --init` loads). */
export function writeSubnetCheckpoint(
  session: Session,
  subnet: NativeSubnet,
  arch: Architecture,
  path: string,
): Promise<{ parameters: number }> {
  const network = resolveNetwork(arch).spec;
  return callNative(() => session.native.exportSubnet({ subnet, network, path }));
}

/** probeLoss on one subnet; gradients under the standalone network's names. */
export function probeSubnet(
  session: Session,
  data: Dataset,
  options: LoaderOptions & { subnet: NativeSubnet; masked?: boolean },
) {
  return callNative(() => session.native.probeSubnet(handleOf(data, 'data'), options));
}

/** AttentiveNAS's pick among candidates on the first batch: their losses and the best (or worst). */
export function attentivePick(
  session: Session,
  data: Dataset,
  options: LoaderOptions & { candidates: NativeSubnet[]; worst?: boolean },
) {
  return callNative(() => session.native.attentivePick(handleOf(data, 'data'), options));
}

/** Sorts each elastic block's middle channels by importance (the optimizer restarts). */
export function reorderChannels(session: Session): Promise<void> {
  return callNative(() => session.native.reorderChannels());
}

/**
 * Subnets as the training step's sampler draws them (for checking its frequencies); with
 * `{ epoch }`, the uniform draws a supernetEpoch of that epoch makes, in order.
 */
export function sampleSubnets(
  session: Session,
  sampler: NativeSamplerOptions,
  count: number,
  from: { seed?: number; epoch?: number } = {},
): Promise<NativeSubnet[]> {
  return callNative(() => session.native.sampleSubnets({ sampler, count, ...from }));
}
