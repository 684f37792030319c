import { parseChainSpace, type ChainSpace } from './chain-space';
import { SPACES } from './presets';
import * as fs from 'fs';
import { TorchnasError } from '../errors';
import { readJson } from '../util/json-file';

export * from './chain-space';
export { SPACES } from './presets';
export { subnetTensors } from './subnet-weights';

/** A built-in space's description, or the JSON file a user named. */
function spaceDescription(nameOrPath: string): unknown {
  if (Object.hasOwn(SPACES, nameOrPath)) return SPACES[nameOrPath];
  if (!fs.existsSync(nameOrPath)) {
    throw new TorchnasError('E_INVALID_ARGUMENT', `'${nameOrPath}' is neither a built-in search space ` +
      `(${Object.keys(SPACES).join(', ')}) nor a space file (JSON; see README, "Search spaces")`);
  }
  return readJson<unknown>(nameOrPath, 'search space file');
}

/**
 * A built-in space by name, a space file's path, or a description object; with `resolution`, its
 * input resized to that height and width.
 */
export function loadSpace(space: string | object, resolution?: number): ChainSpace {
  const parsed = parseChainSpace(typeof space === 'string' ? spaceDescription(space) : space);
  return resolution ? { ...parsed, input: [parsed.input[0], resolution, resolution] } : parsed;
}
