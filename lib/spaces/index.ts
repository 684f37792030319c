import { parseChainSpace, type ChainSpace } from './chain-space';
import { SPACES } from './presets';
import { TorchnasError } from '../errors';

export * from './chain-space';
export { SPACES } from './presets';

/** A built-in space by name, or a description object. */
export function loadSpace(space: string | object): ChainSpace {
  if (typeof space !== 'string') return parseChainSpace(space);
  if (!SPACES[space]) throw new TorchnasError('E_INVALID_ARGUMENT', `unknown search space '${space}' (built in: ${Object.keys(SPACES).join(', ')})`);
  return parseChainSpace(SPACES[space]);
}
