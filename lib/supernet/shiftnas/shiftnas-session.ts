// A session's ShiftNAS state beside its elastic supernet: bins, cost model and architecture generator
// (native/bindings/shiftnas_binding.cc).
import type { NativeShiftNasOptions, NativeShiftNasStatus, NativeSubnet } from '../../../binding';
import type { Dataset } from '../../data/datasets';
import { callNative } from '../../errors';
import { handleOf, type LoaderOptions, type Session } from '../../train/session';

/** ShiftNAS's bins, cost model and generator beside the elastic supernet; `valid` feeds beta's update. */
export function attachShiftNas(
  session: Session,
  valid: Dataset,
  options: NativeShiftNasOptions,
): Promise<void> {
  return callNative(() => session.native.configureShiftNas(handleOf(valid, 'valid'), options));
}

/** B, beta, the last dL/dB estimate, and the generator's constraint error since the last call. */
export function shiftNasStatus(session: Session): Promise<NativeShiftNasStatus> {
  return callNative(() => session.native.shiftNasStatus());
}

/** The generator's argmax subnet for each target cost, with its cost under the cost model. */
export function generatorSubnets(
  session: Session,
  targets: number[],
): Promise<{ subnet: NativeSubnet; cost: number }[]> {
  return callNative(() => session.native.generateSubnets({ targets }));
}

/** The generator trained alone on the resource loss; the last batch's mean relative cost error. */
export function pretrainGenerator(
  session: Session,
  options: { steps: number; batch?: number; seed?: number },
): Promise<{ error: number }> {
  return callNative(() => session.native.pretrainGenerator(options));
}

/** The generator's directional derivative by autograd and by finite differences (tests). */
export function generatorGradientCheck(
  session: Session,
  data: Dataset,
  options: LoaderOptions & { target: number; seed?: number; epsilon?: number },
) {
  return callNative(() => session.native.generatorGradientCheck(handleOf(data, 'data'), options));
}
