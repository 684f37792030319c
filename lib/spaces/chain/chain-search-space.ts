// A chain space (ProxylessNAS) as a SearchSpace: one decision per searchable edge, its candidates'
// blocks the options; Zero edges vanish from the frozen network.
import type { NativeSupernetSpec } from '../../../binding';
import { resolveNetwork } from '../../arch';
import { spaceLayers, type LayerProbe } from '../../latency/layer-keys';
import { checkIndices, type SearchSpace } from '../search-space';
import {
  choiceIndices,
  deriveArchitecture,
  randomChoice,
  type ResolvedSpace,
  type SpaceChoice,
} from './chain-space';

export function chainSearchSpace(resolved: ResolvedSpace): SearchSpace<SpaceChoice> {
  const { space, edges } = resolved;
  let layers: LayerProbe[] | undefined;
  const self: SearchSpace<SpaceChoice> = {
    kind: 'chain',
    name: space.name,
    input: [space.input[0], space.input[1], space.input[2]],
    classes: space.classes,
    decisions: edges.map((e) => ({ name: e.label, options: [...e.candidates] })),
    sample: (next) => randomChoice(resolved, next),
    encode: (choice) => choiceIndices(resolved, choice),
    decode: (indices) => {
      checkIndices(self, indices);
      return indices.map((j, e) => edges[e].candidates[j]);
    },
    describe: (choice) => choice.join(' '),
    cost: (choice) => {
      const { macs, params } = resolveNetwork(deriveArchitecture(resolved, choice));
      return { macs, params };
    },
    freeze: (choice, name) => ({ kind: 'network', architecture: deriveArchitecture(resolved, choice, name) }),
    latencyLayers: () => (layers ??= spaceLayers(resolved).distinct),
    nativeSpec: (): NativeSupernetSpec => ({
      input: { channels: space.input[0] },
      classes: space.classes,
      stem: resolved.stem,
      head: resolved.head,
      edges: edges.map((e) => ({ candidates: e.native, shortcut: e.shortcut })),
    }),
  };
  return self;
}
