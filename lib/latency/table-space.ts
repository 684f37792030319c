// What a latency table is built for: a space's name and input, every distinct layer its networks can
// hold, and a way to draw random networks of it (to fit the predictor). Chain (ProxylessNAS) and
// elastic (one-shot) spaces both give one, from their descriptions.
import type { Architecture, Tensor } from '../arch';
import { deriveArchitecture, randomChoice, type ResolvedSpace } from '../spaces/chain-space';
import {
  randomSubnet,
  stageBlock,
  subnetArchitecture,
  type ResolvedElasticSpace,
} from '../spaces/elastic-space';
import { architectureLayers, probeLayer, spaceLayers, type LayerProbe } from './layer-keys';

export interface TableSpace {
  name: string;
  input: number[];
  layers: LayerProbe[];
  sample(next: () => number): Architecture;
}

export function chainTableSpace(resolved: ResolvedSpace): TableSpace {
  return {
    name: resolved.space.name,
    input: [...resolved.space.input],
    layers: spaceLayers(resolved).distinct,
    sample: (next) => deriveArchitecture(resolved, randomChoice(resolved, next)),
  };
}

/** Every distinct layer of an elastic space: each block position with every input and output width,
 * kernel and expand ratio it can take, at every resolution, and the stem and head for each. */
export function elasticTableSpace(resolved: ResolvedElasticSpace): TableSpace {
  const { space } = resolved;
  const layers = new Map<string, LayerProbe>();
  const add = (source: string, x: Tensor) => {
    const [probe, next] = probeLayer(source, x, space.classes, `layer '${source}'`);
    if (!layers.has(probe.key)) layers.set(probe.key, probe);
    return next;
  };
  for (const r of resolved.resolutions) {
    let x: Tensor = { kind: 'map', c: space.input[0], h: r, w: r };
    for (const source of space.stem) x = add(source, x);
    let inputs = [resolved.stemChannels];
    let size = x.kind === 'map' ? x.h : 1;
    for (const stage of space.stages) {
      let out = size;
      for (let b = 0; b < Math.max(...stage.depths); b++) {
        // A stage's first block maps any input width to any of its widths; the others keep the width.
        const widths =
          b === 0 ? inputs.flatMap((c) => stage.widths.map((w) => [c, w])) : stage.widths.map((w) => [w, w]);
        for (const [c, w] of widths) {
          for (const k of stage.kernels) {
            for (const e of stage.expands) {
              const next = add(stageBlock(stage, b, w, k, e), { kind: 'map', c, h: size, w: size });
              out = next.kind === 'map' ? next.h : out;
            }
          }
        }
        size = out;
      }
      inputs = stage.widths;
    }
    for (const c of inputs) {
      let h: Tensor = { kind: 'map', c, h: size, w: size };
      for (const source of space.head) h = add(source, h);
    }
  }
  return {
    name: space.name,
    input: [...space.input],
    layers: [...layers.values()],
    sample: (next) => subnetArchitecture(resolved, randomSubnet(resolved, next)),
  };
}

/** Whether every layer of `arch` is one the table space lists (a check for tests and errors). */
export function coversArchitecture(space: TableSpace, arch: Architecture): boolean {
  const keys = new Set(space.layers.map((l) => l.key));
  return architectureLayers(arch).every((l) => keys.has(l.key));
}
