import { parseChainSpace, type ChainSpace } from './chain-space';
import { SPACES } from './presets';
import { ELASTIC_SPACES } from './elastic-presets';
import { parseElasticSpace, resolveElasticSpace, type ResolvedElasticSpace } from './elastic-space';
import * as fs from 'fs';
import { TorchnasError } from '../errors';
import { readJson } from '../util/json-file';

export * from './chain-space';
export { SPACES } from './presets';
export { subnetTensors } from './subnet-weights';
export * from './elastic-space';
export { ELASTIC_SPACES } from './elastic-presets';

/** A built-in space's description, or the JSON file a user named. */
function spaceDescription(nameOrPath: string): unknown {
  if (Object.hasOwn(SPACES, nameOrPath)) return SPACES[nameOrPath];
  if (!fs.existsSync(nameOrPath)) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `'${nameOrPath}' is neither a built-in search space ` +
        `(${Object.keys(SPACES).join(', ')}) nor a space file (JSON; see README, "Search spaces")`,
    );
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

/** A built-in elastic space by name, an elastic space file's path, or a description object, resolved. */
export function loadElasticSpace(space: string | object): ResolvedElasticSpace {
  if (typeof space !== 'string') return resolveElasticSpace(parseElasticSpace(space));
  if (Object.hasOwn(ELASTIC_SPACES, space))
    return resolveElasticSpace(parseElasticSpace(ELASTIC_SPACES[space]));
  if (!fs.existsSync(space)) {
    throw new TorchnasError(
      'E_INVALID_ARGUMENT',
      `space: '${space}' is not one of the built-in elastic spaces ` +
        `(${Object.keys(ELASTIC_SPACES).join(', ')}) nor a file describing one (JSON; see README, "One-shot supernets")`,
      ['space'],
    );
  }
  return resolveElasticSpace(parseElasticSpace(readJson<unknown>(space, 'elastic space file')));
}
