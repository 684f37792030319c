// The spaces GM-NAS splits: any SearchSpace whose supernet runs one path at a time. A path is one
// option index per decision (the space's encoding). NB201: six edges of one cell, five ops each (the
// network size reduced as asked), connected cells only. Chain (proxyless-28 and other chain spaces):
// one decision per searchable edge.
import { TorchnasError } from '../errors';
import {
  chainSearchSpace,
  loadSpaceFor,
  nb201SearchSpace,
  resolveSpace,
  type Nb201Size,
  type SearchSpace,
} from '../spaces';

/** A space GM-NAS splits: a chain space or the NB201 cell. */
export type PathSpace = SearchSpace & { kind: 'chain' | 'nb201' };

/** `nb201` or a chain space name (proxyless-28, ...), as the run's `space` option says. */
export function openPathSpace(
  space: string,
  size: Omit<Nb201Size, 'input' | 'classes'>,
  dataShape: { input: [number, number, number]; classes: number },
): PathSpace {
  if (space === 'nb201')
    return nb201SearchSpace({
      channels: size.channels,
      cells: size.cells,
      input: dataShape.input,
      classes: dataShape.classes,
    }) as PathSpace;
  try {
    return chainSearchSpace(resolveSpace(loadSpaceFor(space, dataShape))) as PathSpace;
  } catch (e) {
    if (!(e instanceof TorchnasError)) throw e;
    // Not tagged with the option: the CLI would rewrite every "space" in the message as the flag.
    throw new TorchnasError(e.code, `gm-nas's space (--space) is nb201 or a chain space, and ${e.message}`);
  }
}

/** A path's name: the space's canonical name of the choice (NB201: the benchmark string). */
export const describePath = (space: PathSpace, path: readonly number[]): string =>
  space.describe(space.decode(path));
