// The NAS-Bench-201 cell as a SearchSpace: six edges, five ops each; the network around it (C, N, input,
// classes) as given. Its weight-sharing supernet draws connected cells only.
import { invalid } from '../../errors';
import { checkIndices, type Nb201Size, type SearchSpace } from '../search-space';
import { formatNb201Cell, NB201_EDGES, NB201_OPS, type Nb201Cell } from './nb201-cell';
import { nb201CellCost } from './nb201-network';

const NB201_NONE = NB201_OPS.indexOf('none');

/**
 * Some route from the NB201 cell's input to its output has no `none` edge: the reference's
 * check_connect (GM-NAS search_model_ws.py:34-41), the rule the native draws follow. Edges 1<-0, 2<-0,
 * 2<-1, 3<-0, 3<-1, 3<-2.
 */
export function nb201Connected(path: readonly number[]): boolean {
  const on = (e: number) => path[e] !== NB201_NONE;
  return on(3) || (on(1) && on(5)) || (on(0) && on(4)) || (on(0) && on(2) && on(5));
}

export function nb201SearchSpace(size: Nb201Size): SearchSpace<Nb201Cell> {
  const space: SearchSpace<Nb201Cell> = {
    kind: 'nb201',
    name: `nb201-c${size.channels}-n${size.cells}`,
    input: size.input,
    classes: size.classes,
    decisions: NB201_EDGES.map(([to, from]) => ({ name: `${to}<-${from}`, options: [...NB201_OPS] })),
    sample: (next) =>
      NB201_EDGES.map(() => NB201_OPS[Math.floor(next() * NB201_OPS.length)]) as unknown as Nb201Cell,
    encode: (cell) => {
      formatNb201Cell(cell);
      return cell.map((op) => NB201_OPS.indexOf(op));
    },
    decode: (indices) => {
      checkIndices(space, indices);
      return indices.map((j) => NB201_OPS[j]) as unknown as Nb201Cell;
    },
    describe: formatNb201Cell,
    cost: (cell) => {
      // NB201 counts a multiply-add as one FLOP: its FLOPs are MACs.
      const { flops, params } = nb201CellCost(cell, size);
      return { macs: flops, params };
    },
    freeze: (cell) => ({ kind: 'nb201', arch: formatNb201Cell(cell), size }),
    latencyLayers: () => {
      throw invalid(
        "latency tables are built for chain and elastic spaces; NB201's latencies are the benchmark's",
        ['space'],
      );
    },
    nativeSpec: () => ({
      classes: size.classes,
      channels: size.channels,
      cells: size.cells,
      inputChannels: size.input[0],
    }),
    admits: nb201Connected,
  };
  return space;
}
