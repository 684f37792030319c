// Per-layer zero-cost statistics of an NB201 network as a fixed-length vector: one slot per conv/linear
// module the skeleton can hold (stem, each cell edge's conv, the reduction blocks' convs, classifier),
// in module-path order, per proxy; a module the cell does not have reads 0 (other layers, BatchNorm
// for params, are not slots). Values enter as
// sign(v) * log(1 + |v|) (synflow spans dozens of orders of magnitude), then the proxies' totals.
import { invalid } from '../../errors';
import type { Nb201ScoredArch } from '../nb201-proxies';
import type { ProxyName } from '../zero-cost';

/** The conv/linear module paths of an NB201 network with `cells` cells per stage (native names). */
export function nb201LayerSlots(cells = 5): string[] {
  const slots = ['stem.0'];
  let index = 0;
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      const block = `cells.${index++}`;
      slots.push(`${block}.conv_a.conv`, `${block}.conv_b.conv`, `${block}.downsample`);
    }
    for (let c = 0; c < cells; c++, index++)
      for (let e = 0; e < 6; e++) slots.push(`cells.${index}.edges.${e}.conv`);
  }
  slots.push('classifier');
  return slots;
}

const signedLog = (v: number) => Math.sign(v) * Math.log1p(Math.abs(v));

/** The feature vector of one scored network (scored with `keepLayers`): per proxy, each slot's value, then each total. */
export function nb201LayerFeatures(
  arch: Pick<Nb201ScoredArch, 'scores' | 'layers'>,
  proxies: readonly ProxyName[],
  slots: readonly string[],
): number[] {
  const features: number[] = [];
  for (const proxy of proxies) {
    const layers = arch.layers?.[proxy];
    if (!layers || arch.scores[proxy] === undefined)
      throw invalid(`no per-layer '${proxy}' scores to make features of`);
    // Every NB201 network has a classifier: its absence means names that are not the slots' (or a
    // proxy without conv/linear layers, such as zen).
    if (!(slots[slots.length - 1] in layers))
      throw invalid(`the '${proxy}' layers are not NB201 conv/linear modules`);
    for (const slot of slots) features.push(signedLog(layers[slot] ?? 0));
  }
  for (const proxy of proxies) features.push(signedLog(arch.scores[proxy]!));
  return features;
}
