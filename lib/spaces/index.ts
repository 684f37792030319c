import { parseChainSpace, type ChainSpace } from './chain-space';
import { SPACES } from './presets';
import { TorchnasError } from '../errors';

export * from './chain-space';
export { SPACES } from './presets';
export { subnetTensors } from './subnet-weights';

/** A built-in space by name, or a description object; with `resolution`, its input resized to that height and width. */
export function loadSpace(space: string | object, resolution?: number): ChainSpace {
  if (typeof space === 'string' && !SPACES[space]) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `unknown search space '${space}' (built in: ${Object.keys(SPACES).join(', ')})`);
  }
  const parsed = parseChainSpace(typeof space === 'string' ? SPACES[space] : space);
  return resolution ? { ...parsed, input: [parsed.input[0], resolution, resolution] } : parsed;
}
