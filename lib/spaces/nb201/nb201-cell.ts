// The NAS-Bench-201 cell as a small language: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` lists, node by
// node, the op on each edge into nodes 1, 2 and 3, tagged with the node the edge comes from. A cell
// is the six ops in that order; its code (sum of op_i * 5^i) numbers all 5^6 = 15,625 cells.
// Parsing accepts a node's edges in any order (the `~j` tag says which edge is which) and formatting
// writes them sorted, so formatNb201Cell(parseNb201Cell(s)) is the canonical spelling of s.
import { invalid } from '../../errors';

export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];
export type Nb201Cell = readonly [Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op, Nb201Op];

/** (to, from) of each of the six edges, in cell order. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [1, 0],
  [2, 0],
  [2, 1],
  [3, 0],
  [3, 1],
  [3, 2],
];
export const NB201_SIZE = NB201_OPS.length ** NB201_EDGES.length;

/**
 * The cell's edges grouped by the intermediate nodes a cell uses (PNAS's complexity): level 1 the edges
 * from the input straight to the output, level k + 1 the edges into node k and from it to the output.
 * Indices into `edges`; TransNAS-Bench-101's micro cell is the same DAG.
 */
export function cellLevels(edges: readonly (readonly [number, number])[] = NB201_EDGES): number[][] {
  const output = Math.max(...edges.map(([to]) => to));
  const levels: number[][] = [edges.flatMap(([to, from], i) => (to === output && from === 0 ? [i] : []))];
  for (let node = 1; node < output; node++)
    levels.push(
      edges.flatMap(([to, from], i) => (to === node || (to === output && from === node) ? [i] : [])),
    );
  return levels;
}

const EXAMPLE =
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';

export function parseNb201Cell(source: string): Nb201Cell {
  if (typeof source !== 'string') throw invalid(`an NB201 architecture must be a string like '${EXAMPLE}'`);
  const nodes = source.split('+');
  if (nodes.length !== 3) {
    throw invalid(
      `NB201 architecture '${source}': expected 3 nodes joined by '+', found ${nodes.length} (example: '${EXAMPLE}')`,
    );
  }
  const ops: Nb201Op[] = [];
  nodes.forEach((node, n) => {
    const to = n + 1;
    if (!/^\|.*\|$/.test(node) || node.length < 2) {
      throw invalid(`NB201 architecture '${source}': node ${to} '${node}' must start and end with '|'`);
    }
    const edges = node.slice(1, -1).split('|');
    if (edges.length !== to)
      throw invalid(
        `NB201 architecture '${source}': node ${to} '${node}' needs ${to} edge(s), found ${edges.length}`,
      );
    const byInput = new Array<Nb201Op | undefined>(to);
    for (const edge of edges) {
      const match = /^([a-z0-9_]+)~(\d+)$/.exec(edge);
      if (!match)
        throw invalid(`NB201 architecture '${source}': cannot read edge '${edge}' (expected 'op~input')`);
      const [, op, inputText] = match;
      if (!(NB201_OPS as readonly string[]).includes(op)) {
        throw invalid(`NB201 architecture '${source}': unknown op '${op}' (known: ${NB201_OPS.join(', ')})`);
      }
      const input = Number(inputText);
      if (input >= to)
        throw invalid(
          `NB201 architecture '${source}': edge '${edge}' of node ${to} must come from a node 0..${to - 1}`,
        );
      if (byInput[input] !== undefined)
        throw invalid(`NB201 architecture '${source}': node ${to} has two edges from node ${input}`);
      byInput[input] = op as Nb201Op;
    }
    ops.push(...(byInput as Nb201Op[]));
  });
  return ops as unknown as Nb201Cell;
}

export function formatNb201Cell(cell: Nb201Cell): string {
  checkCell(cell);
  const edge = (i: number) => `${cell[i]}~${NB201_EDGES[i][1]}`;
  return `|${edge(0)}|+|${edge(1)}|${edge(2)}|+|${edge(3)}|${edge(4)}|${edge(5)}|`;
}

/** The canonical spelling of an NB201 architecture string. */
export function canonicalNb201(source: string): string {
  return formatNb201Cell(parseNb201Cell(source));
}

export function nb201CellCode(cell: Nb201Cell): number {
  checkCell(cell);
  return cell.reduce((code, op, i) => code + NB201_OPS.indexOf(op) * NB201_OPS.length ** i, 0);
}

export function nb201CellFromCode(code: number): Nb201Cell {
  if (!Number.isInteger(code) || code < 0 || code >= NB201_SIZE)
    throw invalid(`NB201 cell code must be an integer in 0..${NB201_SIZE - 1}, got ${code}`);
  return NB201_EDGES.map(
    (_, i) => NB201_OPS[Math.floor(code / NB201_OPS.length ** i) % NB201_OPS.length],
  ) as unknown as Nb201Cell;
}

function checkCell(cell: readonly string[]): void {
  if (!Array.isArray(cell) || cell.length !== NB201_EDGES.length) {
    throw invalid(
      `an NB201 cell is a list of ${NB201_EDGES.length} ops (edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2)`,
    );
  }
  cell.forEach((op, i) => {
    if (!(NB201_OPS as readonly string[]).includes(op)) {
      throw invalid(`NB201 cell edge ${i} has unknown op '${op}' (known: ${NB201_OPS.join(', ')})`);
    }
  });
}
