// A child of a chain supernet takes its weights without retraining: the derived network of a choice
// is stem, the chosen candidate of each non-Zero edge, and head, in order, so each of its blocks is
// one supernet module under a new name (body.<k>.*). Supernet names: stem.<i>.*, edge<e>.candidate<j>.*,
// head.<i>.* (native/spaces/supernet.cc); network names: body.<k>.* (native/nets/network.cc).
import { choiceIndices, type ResolvedSpace, type SpaceChoice } from './chain-space';

/** Supernet module prefixes in the derived network's block order. */
function sourcePrefixes(resolved: ResolvedSpace, choice: SpaceChoice): string[] {
  const indices = choiceIndices(resolved, choice);
  const edges = choice.flatMap((c, e) => (c.startsWith('zero') ? [] : [`edge${e}.candidate${indices[e]}.`]));
  return [
    ...resolved.stem.map((_, i) => `stem.${i}.`),
    ...edges,
    ...resolved.head.map((_, i) => `head.${i}.`),
  ];
}

/**
 * The tensors (parameters, buffers, or their gradients) of the derived network of `choice`, taken
 * from the supernet's and renamed to the network's: what `Session.setStateTensors` takes.
 */
export function subnetTensors<T>(
  resolved: ResolvedSpace,
  choice: SpaceChoice,
  supernet: Record<string, T>,
): Record<string, T> {
  const out: Record<string, T> = {};
  sourcePrefixes(resolved, choice).forEach((prefix, k) => {
    for (const [name, value] of Object.entries(supernet)) {
      if (name.startsWith(prefix)) out[`body.${k}.${name.slice(prefix.length)}`] = value;
    }
  });
  return out;
}
