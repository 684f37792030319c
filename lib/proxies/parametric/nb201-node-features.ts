// ParZC's node-wise zero-cost input on NAS-Bench-201, as its authors build it (pprp/PicoNAS,
// exps/gen_bench/gen_nb201.py and nb201_dataset.py): per proxy, one value per conv/linear module the
// network has, in module order; each value is the mean of that layer's per-weight score (grad_norm is
// one norm per layer already); min-max scaled over the network's own layers; the list zero-padded at
// its tail to the largest count any NB201 network has (98), so slots after the first missing layer do
// not line up across networks, as in the reference. Proxies concatenate: 3 x 98 = 294 values.
import { invalid } from '../../errors';

/** The proxies ParZC feeds its mixer on NB201, in the reference's order. */
export const PARZC_NODE_PROXIES = ['grad_norm', 'snip', 'synflow'] as const;
export type ParzcNodeProxy = (typeof PARZC_NODE_PROXIES)[number];

/** Proxies whose per-layer value is a sum over the layer's weights (the mean divides it by their count). */
const SUMMED: readonly ParzcNodeProxy[] = ['snip', 'synflow'];

/**
 * One network's scores in aligned slots (nb201LayerSlots order): per proxy, a value or null where the
 * network has no such module; `weights` is each present module's weight count.
 */
export interface Nb201SlotScores {
  values: Record<ParzcNodeProxy, (number | null)[]>;
  weights: (number | null)[];
}

/** Min-max over `xs`; all-equal values give 0 (the reference's NaN, which it then sets to 0). */
function minMax(xs: number[]): number[] {
  const lo = Math.min(...xs);
  const span = Math.max(...xs) - lo;
  return xs.map((x) => (span > 0 ? (x - lo) / span : 0));
}

/** The 3 x `length` node-wise vector of one network. */
export function nb201NodeFeatures(scores: Nb201SlotScores, length = 98): number[] {
  const present = scores.weights.flatMap((w, slot) => (w === null ? [] : [slot]));
  if (present.length > length) throw invalid(`${present.length} layers do not fit ${length} node slots`);
  const out: number[] = [];
  for (const proxy of PARZC_NODE_PROXIES) {
    const column = scores.values[proxy];
    const perNode = present.map((slot) => {
      const v = column[slot];
      if (v === null || v === undefined) throw invalid(`no '${proxy}' value for layer slot ${slot}`);
      return SUMMED.includes(proxy) ? v / scores.weights[slot]! : v;
    });
    const scaled = minMax(perNode);
    out.push(...scaled, ...new Array<number>(length - scaled.length).fill(0));
  }
  return out;
}
