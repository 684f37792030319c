// Zero-cost proxies of a session's current network (native/bindings/session_binding.cc).
import { callNative, TorchnasError } from '../errors';
import type { Dataset } from '../data/datasets';
import { handleOf, type Session } from '../train/session';
import { parseZeroCostOptions, type ProxyScores, type ZeroCostOptions } from './zero-cost';

/**
 * Zero-cost proxies of the session's current network on one batch of `data` (null: data-dependent
 * proxies see Gaussian noise and uniform labels). Dataset images are zero-padded (or cropped) to the
 * network's input size and a single channel is repeated. The network is left exactly as it was.
 */
export async function zeroCostProxies(
  session: Session,
  data: Dataset | null,
  options: ZeroCostOptions,
): Promise<ProxyScores> {
  const o = parseZeroCostOptions(options);
  const input = o.input ?? session.builtInput;
  if (!input)
    throw new TorchnasError(
      'E_STATE',
      'the session has no network: build one before computing zero-cost proxies',
    );
  return callNative(() =>
    session.native.zeroCostProxies(data ? handleOf(data, 'data') : null, {
      proxies: o.proxies,
      batchSize: o.batchSize,
      seed: o.seed,
      input: { channels: input[0], height: input[1], width: input[2] },
      augment: o.normalize
        ? { pad: 0, flip: false, mean: o.normalize.mean, std: o.normalize.std }
        : undefined,
    }),
  ) as Promise<ProxyScores>;
}
