// An elastic (one-shot) space as a SearchSpace. Decisions: the resolution, then per stage its depth and
// width and per block position (up to the deepest) its kernel and expand ratio; positions past a
// choice's depth encode as 0 and are dropped on decode.
import type { Tensor } from '../../arch';
import { probeLayer, type LayerProbe } from '../../latency/layer-keys';
import { checkIndices, type SearchSpace, type SpaceDecision } from '../search-space';
import {
  checkSubnet,
  encodeSubnet,
  nativeElasticSpec,
  randomSubnet,
  stageBlock,
  subnetArchitecture,
  subnetCost,
  type ResolvedElasticSpace,
  type Subnet,
} from './elastic-space';

const names = (values: readonly number[], prefix: string) => values.map((v) => `${prefix}${v}`);

function decisionsOf(resolved: ResolvedElasticSpace): SpaceDecision[] {
  const out: SpaceDecision[] = [{ name: 'resolution', options: names(resolved.resolutions, 'r') }];
  resolved.space.stages.forEach((stage, s) => {
    out.push({ name: `s${s}.depth`, options: names(stage.depths, 'd') });
    out.push({ name: `s${s}.width`, options: names(stage.widths, 'w') });
    for (let b = 0; b < Math.max(...stage.depths); b++) {
      out.push({ name: `s${s}.b${b}.kernel`, options: names(stage.kernels, 'k') });
      out.push({ name: `s${s}.b${b}.expand`, options: names(stage.expands, 'e') });
    }
  });
  return out;
}

function encode(resolved: ResolvedElasticSpace, subnet: Subnet): number[] {
  checkSubnet(resolved, subnet);
  const out = [resolved.resolutions.indexOf(subnet.resolution)];
  resolved.space.stages.forEach((stage, s) => {
    const chosen = subnet.stages[s];
    out.push(stage.depths.indexOf(chosen.kernels.length), stage.widths.indexOf(chosen.width));
    for (let b = 0; b < Math.max(...stage.depths); b++) {
      const inside = b < chosen.kernels.length;
      out.push(inside ? stage.kernels.indexOf(chosen.kernels[b]) : 0);
      out.push(inside ? stage.expands.indexOf(chosen.expands[b]) : 0);
    }
  });
  return out;
}

function decode(resolved: ResolvedElasticSpace, indices: readonly number[]): Subnet {
  let i = 0;
  const take = <T>(values: readonly T[]) => values[indices[i++]];
  const resolution = take(resolved.resolutions);
  const stages = resolved.space.stages.map((stage) => {
    const depth = take(stage.depths);
    const width = take(stage.widths);
    const kernels: number[] = [];
    const expands: number[] = [];
    for (let b = 0; b < Math.max(...stage.depths); b++) {
      const [k, e] = [take(stage.kernels), take(stage.expands)];
      if (b < depth) {
        kernels.push(k);
        expands.push(e);
      }
    }
    return { width, kernels, expands };
  });
  return checkSubnet(resolved, { resolution, stages });
}

/** Every distinct layer of an elastic space: each block position with every input and output width,
 * kernel and expand ratio it can take, at every resolution, and the stem and head for each. */
function elasticLayers(resolved: ResolvedElasticSpace): LayerProbe[] {
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
  return [...layers.values()];
}

export function elasticSearchSpace(resolved: ResolvedElasticSpace): SearchSpace<Subnet> {
  const { space } = resolved;
  const decisions = decisionsOf(resolved);
  let layers: LayerProbe[] | undefined; // enumerated once: every resolution, width, kernel and expand
  const self: SearchSpace<Subnet> = {
    kind: 'elastic',
    name: space.name,
    input: [space.input[0], space.input[1], space.input[2]],
    classes: space.classes,
    decisions,
    sample: (next) => randomSubnet(resolved, next),
    encode: (subnet) => encode(resolved, subnet),
    decode: (indices) => {
      checkIndices(self, indices);
      return decode(resolved, indices);
    },
    describe: encodeSubnet,
    cost: (subnet) => subnetCost(resolved, subnet),
    freeze: (subnet, name) => ({ kind: 'network', architecture: subnetArchitecture(resolved, subnet, name) }),
    latencyLayers: () => (layers ??= elasticLayers(resolved)),
    nativeSpec: () => nativeElasticSpec(resolved),
  };
  return self;
}
