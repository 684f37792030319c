// The NB201 network of one path, with the supernet's weights: the supernet names an op's tensors
// cells.<k>.edges.<e>.<op>.*, the network cells.<k>.edges.<e>.*; the other ops' tensors are dropped.
import { invalid } from '../errors';

const EDGE_OP = /^cells\.(\d+)\.edges\.(\d+)\.(\d+)\.(.+)$/;

export function nb201SubnetTensors<T>(
  path: readonly number[],
  supernet: Record<string, T>,
): Record<string, T> {
  if (path.length !== 6) throw invalid(`an NB201 path has 6 ops, got ${path.length}`);
  const out: Record<string, T> = {};
  for (const [name, value] of Object.entries(supernet)) {
    const m = EDGE_OP.exec(name);
    if (!m) out[name] = value;
    else if (Number(m[3]) === path[Number(m[2])]) out[`cells.${m[1]}.edges.${m[2]}.${m[4]}`] = value;
  }
  return out;
}
