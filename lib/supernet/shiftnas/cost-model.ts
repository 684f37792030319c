// ShiftNAS's cost model, from the space's description: the decisions laid out as the native
// generator emits them (native/spaces/elastic_decisions.h: the resolution, then per stage its width,
// its depth, and each block's kernel and expand ratio up to the largest depth), and the subnet's MACs
// as a sum of terms, each a layer's MACs times the choices it depends on. On one-hot choices the sum
// is the subnet's MACs exactly; on relaxed ones it is multilinear (what the generator's resource loss
// differentiates).
import type { NativeCostTerms } from '../../../binding';
import { decodeBlock, resolveBlock, type Tensor } from '../../arch';
import { stageBlock, type ResolvedElasticSpace, type Subnet } from '../../spaces';

export interface DecisionLayout {
  resolution: number;
  stages: { width: number; depth: number; blocks: { kernel: number; expand: number }[] }[];
  sizes: number[];
  columns: number;
}

/** The first column of each decision. */
export function decisionLayout(resolved: ResolvedElasticSpace): DecisionLayout {
  const sizes: number[] = [];
  const next = (n: number) => (sizes.push(n), sizes.slice(0, -1).reduce((a, b) => a + b, 0));
  const resolution = next(resolved.resolutions.length);
  const stages = resolved.space.stages.map((s) => {
    const width = next(s.widths.length);
    const depth = next(s.depths.length);
    const blocks = Array.from({ length: Math.max(...s.depths) }, () => ({
      kernel: next(s.kernels.length),
      expand: next(s.expands.length),
    }));
    return { width, depth, blocks };
  });
  return { resolution, stages, sizes, columns: sizes.reduce((a, b) => a + b, 0) };
}

interface Term {
  value: number;
  factors: number[];
}

function mapSize(x: Tensor): number {
  return x.kind === 'map' ? x.h : 1;
}

/** MACs of a run of blocks from an input shape, and the shape after them. */
function blocksMacs(sources: string[], x: Tensor, classes: number): [number, Tensor] {
  let macs = 0;
  for (const [i, source] of sources.entries()) {
    const [next, , m] = resolveBlock(decodeBlock(source), x, classes, `block ${i} '${source}'`);
    macs += m;
    x = next;
  }
  return [macs, x];
}

/** The subnet MACs of the space as cost terms over the decision layout. */
export function macsCostTerms(resolved: ResolvedElasticSpace): Term[] {
  const { space } = resolved;
  const layout = decisionLayout(resolved);
  const terms: Term[] = [];
  for (const [ri, r] of resolved.resolutions.entries()) {
    const res = layout.resolution + ri;
    const [stemMacs, stemOut] = blocksMacs(
      space.stem,
      { kind: 'map', c: space.input[0], h: r, w: r },
      space.classes,
    );
    terms.push({ value: stemMacs, factors: [res] });
    // The widths a stage's first block may take in, with their columns (none for the stem's one width).
    let inputs: { c: number; column?: number }[] = [{ c: resolved.stemChannels }];
    let size = mapSize(stemOut);
    for (const [s, stage] of space.stages.entries()) {
      const at = layout.stages[s];
      for (const [b, block] of at.blocks.entries()) {
        const pairs =
          b === 0
            ? inputs.flatMap((i) =>
                stage.widths.map((w, wi) => ({
                  c: i.c,
                  w,
                  columns: [...(i.column === undefined ? [] : [i.column]), at.width + wi],
                })),
              )
            : stage.widths.map((w, wi) => ({ c: w, w, columns: [at.width + wi] }));
        // A block beyond the smallest depth runs under the depths that keep it: one term each.
        const keeps =
          b < stage.depths[0] ? [[]] : stage.depths.flatMap((d, di) => (d > b ? [[at.depth + di]] : []));
        let out = size;
        for (const p of pairs) {
          for (const [ki, k] of stage.kernels.entries()) {
            for (const [ei, e] of stage.expands.entries()) {
              const [macs, next] = blocksMacs(
                [stageBlock(stage, b, p.w, k, e)],
                { kind: 'map', c: p.c, h: size, w: size },
                space.classes,
              );
              out = mapSize(next);
              for (const keep of keeps)
                terms.push({
                  value: macs,
                  factors: [res, ...p.columns, block.kernel + ki, block.expand + ei, ...keep],
                });
            }
          }
        }
        size = out;
      }
      inputs = stage.widths.map((w, wi) => ({ c: w, column: at.width + wi }));
    }
    for (const i of inputs) {
      const [headMacs] = blocksMacs(space.head, { kind: 'map', c: i.c, h: size, w: size }, space.classes);
      terms.push({ value: headMacs, factors: [res, i.column!] });
    }
  }
  return terms;
}

/** The terms as the native side reads them: factor rows padded with -1 to one width. */
export function nativeCostTerms(terms: Term[]): NativeCostTerms {
  const width = Math.max(...terms.map((t) => t.factors.length));
  return {
    values: terms.map((t) => t.value),
    width,
    factors: terms.flatMap((t) => [...t.factors, ...Array<number>(width - t.factors.length).fill(-1)]),
  };
}

/** A subnet's one-hot columns (blocks beyond its depth take their first choice), for checking terms. */
export function subnetColumns(resolved: ResolvedElasticSpace, subnet: Subnet): number[] {
  const layout = decisionLayout(resolved);
  const y = Array<number>(layout.columns).fill(0);
  y[layout.resolution + resolved.resolutions.indexOf(subnet.resolution)] = 1;
  for (const [s, stage] of resolved.space.stages.entries()) {
    const at = layout.stages[s];
    const chosen = subnet.stages[s];
    y[at.width + stage.widths.indexOf(chosen.width)] = 1;
    y[at.depth + stage.depths.indexOf(chosen.kernels.length)] = 1;
    for (const [b, block] of at.blocks.entries()) {
      y[block.kernel + Math.max(0, stage.kernels.indexOf(chosen.kernels[b]))] = 1;
      y[block.expand + Math.max(0, stage.expands.indexOf(chosen.expands[b]))] = 1;
    }
  }
  return y;
}

/** The cost terms evaluated on columns (a product per term). */
export function evaluateTerms(terms: Term[], columns: number[]): number {
  return terms.reduce((sum, t) => sum + t.value * t.factors.reduce((p, f) => p * columns[f], 1), 0);
}
