import { parseChainSpace, type ChainSpace } from './chain/chain-space';
import { SPACES } from './chain/presets';
import { ELASTIC_SPACES } from './elastic/elastic-presets';
import { parseElasticSpace, resolveElasticSpace, type ResolvedElasticSpace } from './elastic/elastic-space';
import { fitChainSpace, fitElasticSpace, type DataShape } from './fit-to-data';
import * as fs from 'fs';
import { TorchnasError } from '../errors';
import { readJson } from '../util/json-file';

export * from './chain/chain-space';
export { SPACES } from './chain/presets';
export { subnetTensors } from './chain/subnet-weights';
export * from './elastic/elastic-space';
export { ELASTIC_SPACES } from './elastic/elastic-presets';
export * from './search-space';
export { chainSearchSpace } from './chain/chain-search-space';
export { elasticSearchSpace } from './elastic/elastic-search-space';
export { nb201SearchSpace, nb201Connected } from './nb201/nb201-search-space';
export { multiresSearchSpace } from './multires/multires-search-space';
export * from './nb201/nb201-cell';
export * from './nb201/nb201-network';
export * from './multires/multires-space';
export * from './fit-to-data';

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

/** A built-in chain space by name fitted to `data`; a space file or description as written. */
export function loadSpaceFor(space: string | object, data: DataShape): ChainSpace {
  const parsed = loadSpace(space);
  return typeof space === 'string' && Object.hasOwn(SPACES, space) ? fitChainSpace(parsed, data) : parsed;
}

/**
 * A built-in elastic space by name, an elastic space file's path, or a description object, resolved;
 * with `data`, a built-in one is fitted to it first.
 */
export function loadElasticSpace(space: string | object, data?: DataShape): ResolvedElasticSpace {
  if (typeof space !== 'string') return resolveElasticSpace(parseElasticSpace(space));
  if (Object.hasOwn(ELASTIC_SPACES, space)) {
    const parsed = parseElasticSpace(ELASTIC_SPACES[space]);
    return resolveElasticSpace(data ? fitElasticSpace(parsed, data) : parsed);
  }
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
