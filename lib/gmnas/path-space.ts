// The spaces GM-NAS splits, seen as path supernets: a list of decisions, each with named options; a
// path is one option index per decision. NB201: six edges of one cell, five ops each (the network
// size reduced as asked), connected cells only. Chain (proxyless-28 and other chain spaces): one
// decision per searchable edge.
import type { Architecture } from '../arch';
import { TorchnasError } from '../errors';
import { NB201_EDGES, NB201_OPS, type Nb201Cell } from '../benchmarks/nb201-cell';
import { nb201ArchString } from '../benchmarks/nb201';
import { deriveArchitecture, loadSpace, resolveSpace, type ResolvedSpace } from '../spaces';
import type { Session } from '../train/session';
import { buildNb201Supernet } from '../benchmarks/nb201-session';

export interface PathSpace {
  kind: 'nb201' | 'chain';
  name: string;
  input: [number, number, number];
  classes: number;
  decisions: { name: string; options: string[] }[];
  /** The canonical name of a path's architecture (NB201: the benchmark string). */
  describe(path: readonly number[]): string;
  build(session: Session): Promise<{ parameters: number }>;
  /** The standalone network of a path (chain spaces; NB201 networks are built from their string). */
  architecture?(path: readonly number[], name: string): Architecture;
  /** Whether a path is one the supernet draws (NB201: connected cells); absent: every path. */
  admits?(path: readonly number[]): boolean;
}

const NB201_NONE = NB201_OPS.indexOf('none');

/**
 * Some route from the NB201 cell's input to its output has no `none` edge: the reference's
 * check_connect (search_model_ws.py:34-41), the rule the native draws follow. Edges 1<-0, 2<-0, 2<-1,
 * 3<-0, 3<-1, 3<-2.
 */
export function nb201Connected(path: readonly number[]): boolean {
  const on = (e: number) => path[e] !== NB201_NONE;
  return on(3) || (on(1) && on(5)) || (on(0) && on(4)) || (on(0) && on(2) && on(5));
}

export interface Nb201Size {
  channels: number;
  cells: number;
  input: [number, number, number];
  classes: number;
}

export function nb201PathSpace(size: Nb201Size): PathSpace {
  return {
    kind: 'nb201',
    name: `nb201-c${size.channels}-n${size.cells}`,
    input: size.input,
    classes: size.classes,
    decisions: NB201_EDGES.map(([to, from]) => ({ name: `${to}<-${from}`, options: [...NB201_OPS] })),
    describe: (path) => nb201ArchString(path.map((j) => NB201_OPS[j]) as unknown as Nb201Cell),
    build: (session) => buildNb201Supernet(session, size),
    admits: nb201Connected,
  };
}

export function chainPathSpace(resolved: ResolvedSpace): PathSpace {
  const choice = (path: readonly number[]) => path.map((j, e) => resolved.edges[e].candidates[j]);
  return {
    kind: 'chain',
    name: resolved.space.name,
    input: [...resolved.space.input] as [number, number, number],
    classes: resolved.space.classes,
    decisions: resolved.edges.map((e) => ({ name: e.label, options: [...e.candidates] })),
    describe: (path) => choice(path).join(' '),
    build: (session) => session.buildSupernet(resolved),
    architecture: (path, name) => deriveArchitecture(resolved, choice(path), name),
  };
}

/** `nb201` or a chain space name (proxyless-28, ...), as the run's `space` option says. */
export function openPathSpace(
  space: string,
  size: Omit<Nb201Size, 'input' | 'classes'>,
  dataShape: { input: [number, number, number]; classes: number },
): PathSpace {
  if (space === 'nb201')
    return nb201PathSpace({
      channels: size.channels,
      cells: size.cells,
      input: dataShape.input,
      classes: dataShape.classes,
    });
  try {
    return chainPathSpace(resolveSpace(loadSpace(space)));
  } catch (e) {
    if (!(e instanceof TorchnasError)) throw e;
    // Not tagged with the option: the CLI would rewrite every "space" in the message as the flag.
    throw new TorchnasError(e.code, `gm-nas's space (--space) is nb201 or a chain space, and ${e.message}`);
  }
}
