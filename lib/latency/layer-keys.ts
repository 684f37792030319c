// Latency-table keys, derived from the description alone. A layer is its canonical block string with
// the output width made explicit, at its input shape: "mb_k3_s2_e6_c24@16x112x112", "fc_c1000@1280".
// Batch, device and precision are a table's conditions, never part of a key, so one space gives the
// same keys on every machine.
import type { NativeBlock } from '../../binding';
import { decodeBlock, encodeBlock, resolveBlock, type Architecture, type Block, type Tensor } from '../arch';
import type { ResolvedSpace } from '../spaces/chain/chain-space';
import { deriveArchitecture } from '../spaces/chain/chain-space';

export interface LayerProbe {
  key: string;
  block: NativeBlock; // what the native profiler builds
  input: number[]; // [C, H, W] or [F], without the batch
}

const shapeOf = (x: Tensor) => (x.kind === 'map' ? [x.c, x.h, x.w] : [x.f]);

export function layerKey(block: Block, input: Tensor, spec: NativeBlock): string {
  const explicit = block.op === 'linear' || block.op === 'zero' ? { ...block, out: spec.out } : block;
  return `${encodeBlock(explicit)}@${shapeOf(input).join('x')}`;
}

/** A block string applied to an input shape: its layer probe and the output shape. */
export function probeLayer(source: string, x: Tensor, classes: number, where: string): [LayerProbe, Tensor] {
  const block = decodeBlock(source);
  const [next, , , spec] = resolveBlock(block, x, classes, where);
  return [{ key: layerKey(block, x, spec), block: spec, input: shapeOf(x) }, next];
}

/** Every layer of a fixed network, in order. */
export function architectureLayers(arch: Architecture): LayerProbe[] {
  let x: Tensor = { kind: 'map', c: arch.input[0], h: arch.input[1], w: arch.input[2] };
  return arch.blocks.map((source, i) => {
    const [probe, next] = probeLayer(source, x, arch.classes, `block ${i} '${source}'`);
    x = next;
    return probe;
  });
}

export interface SpaceLayers {
  fixed: LayerProbe[]; // stem and head: in every architecture of the space
  edges: (LayerProbe | null)[][]; // per edge and candidate; null for Zero (the block is skipped)
  distinct: LayerProbe[]; // every layer a table for the space needs, once
}

export function spaceLayers(resolved: ResolvedSpace): SpaceLayers {
  // The stem and head layers, with their input shapes, as they appear in any derived network.
  const layers = architectureLayers(
    deriveArchitecture(
      resolved,
      resolved.edges.map((e) => e.candidates[0]),
    ),
  );
  const { stem, head } = resolved.space;
  const fixed = [...layers.slice(0, stem.length), ...layers.slice(layers.length - head.length)];
  const edges = resolved.edges.map((edge) => {
    const [c, h, w] = edge.inShape;
    const input: Tensor = { kind: 'map', c, h, w };
    return edge.candidates.map((candidate, i) => {
      const block = decodeBlock(candidate);
      if (block.op === 'zero') return null;
      return { key: layerKey(block, input, edge.native[i]), block: edge.native[i], input: [c, h, w] };
    });
  });
  const distinct = new Map<string, LayerProbe>();
  for (const probe of [...fixed, ...edges.flat()])
    if (probe && !distinct.has(probe.key)) distinct.set(probe.key, probe);
  return { fixed, edges, distinct: [...distinct.values()] };
}
