// Every search space behind one interface: what a method, a search strategy, a latency table and the
// exporter ask of a space. A choice is the space's own value (a chain's op per edge, an elastic subnet,
// an NB201 cell, a multitask block mask); `encode` gives its canonical option index per decision and
// `decode` takes one back, so strategies and path supernets work on indices alike.
import type { NativeMultiresSpec } from '../../binding';
import type { Architecture } from '../arch';
import { invalid } from '../errors';
import type { LayerProbe } from '../latency/layer-keys';

/** One decision of a space: its name and its options' names. */
export interface SpaceDecision {
  readonly name: string;
  readonly options: readonly string[];
}

/** The standalone network of a choice: a plain architecture, an NB201 cell network, or a multitask net. */
export type FrozenNetwork =
  | { kind: 'network'; architecture: Architecture }
  | { kind: 'nb201'; arch: string; size: Nb201Size }
  | { kind: 'multires'; spec: NativeMultiresSpec };

/** The NB201 network around the cell: C, N, input and classes. */
export interface Nb201Size {
  channels: number;
  cells: number;
  input: [number, number, number];
  classes: number;
}

export interface SearchSpace<Choice = unknown> {
  readonly kind: 'chain' | 'elastic' | 'nb201' | 'multires';
  readonly name: string;
  /** [channels, height, width] of the input (the largest resolution where the space has several). */
  readonly input: readonly [number, number, number];
  readonly classes: number;
  readonly decisions: readonly SpaceDecision[];
  /** A random choice; every decision drawn uniformly (the native samplers' rule). */
  sample(next: () => number): Choice;
  encode(choice: Choice): number[];
  decode(indices: readonly number[]): Choice;
  /** A choice's canonical name (a chain's ops, an elastic subnet string, the NB201 string, a mask). */
  describe(choice: Choice): string;
  /** Multiply-accumulates and, where the space counts them, parameters of the choice's network. */
  cost(choice: Choice): { macs: number; params?: number };
  /** The fixed network of a choice. */
  freeze(choice: Choice, name?: string): FrozenNetwork;
  /** Every distinct layer its networks can hold, keyed as latency tables key them (chain and elastic). */
  latencyLayers(): LayerProbe[];
  /** The native supernet's description (what the family's build function sends). */
  nativeSpec(): unknown;
  /** Whether the supernet draws these indices (NB201: connected cells); every choice when absent. */
  admits?(indices: readonly number[]): boolean;
}

/** Options per decision: the view of a space a search strategy takes. */
export const optionCounts = (space: SearchSpace): number[] => space.decisions.map((d) => d.options.length);

/** The index of each option in a decision's list, refusing what is not there. */
export function checkIndices(space: SearchSpace, indices: readonly number[]): void {
  if (indices.length !== space.decisions.length)
    throw invalid(
      `a choice of '${space.name}' needs ${space.decisions.length} indices, got ${indices.length}`,
    );
  indices.forEach((j, d) => {
    if (!Number.isInteger(j) || j < 0 || j >= space.decisions[d].options.length)
      throw invalid(
        `decision ${space.decisions[d].name}: option ${j} is not in 0..${space.decisions[d].options.length - 1}`,
      );
  });
}
