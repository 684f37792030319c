// ShiftNAS's cost model and bins, from the space's description: on a subnet's one-hot decisions the
// cost terms sum to its MACs as the block grammar counts them (a missed layer, a wrong stride or a
// depth term on the wrong blocks makes them differ); bins are reachable or refused by name.
import {
  loadElasticSpace,
  parseElasticSpace,
  randomSubnet,
  resolveElasticSpace,
  smallestSubnet,
  largestSubnet,
  subnetCost,
  TorchnasError,
} from '../../lib';
import { Rng } from '../../lib/util/rng';
import { complexityBins } from '../../lib/supernet/shiftnas/bins';
import {
  decisionLayout,
  evaluateTerms,
  macsCostTerms,
  nativeCostTerms,
  subnetColumns,
} from '../../lib/supernet/shiftnas/cost-model';

const SPACES = [
  loadElasticSpace('elastic-28'),
  loadElasticSpace('elastic-32'),
  resolveElasticSpace(
    parseElasticSpace({
      name: 'small-elastic',
      input: [1, 12, 12],
      classes: 10,
      resolutions: [8, 12],
      stem: ['conv_k3_s1_c4'],
      stages: [
        { widths: [4, 6], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 1 },
        {
          widths: [6, 8],
          depths: [1, 2, 3],
          kernels: [3, 5, 7],
          expands: [2, 4],
          stride: 2,
          se: 0.25,
          act: 'hswish',
        },
      ],
      head: ['conv_k1_c16', 'gap', 'fc'],
    }),
  ),
];

describe('ShiftNAS cost model', () => {
  it.each(SPACES.map((s) => [s.space.name, s] as const))(
    '%s: terms sum to the MACs of 200 random subnets and both ends',
    (_name, resolved) => {
      const terms = macsCostTerms(resolved);
      const rng = new Rng(3);
      const subnets = [
        smallestSubnet(resolved),
        largestSubnet(resolved),
        ...Array.from({ length: 200 }, () => randomSubnet(resolved, () => rng.next())),
      ];
      for (const s of subnets) {
        const macs = subnetCost(resolved, s).macs;
        expect(Math.abs(evaluateTerms(terms, subnetColumns(resolved, s)) - macs)).toBeLessThan(1e-9 * macs);
      }
    },
  );

  it('lays decisions out as the native generator does, and pads factor rows with -1', () => {
    const resolved = SPACES[2];
    const layout = decisionLayout(resolved);
    // resolution (2), then per stage width, depth, and kernel/expand per block up to the largest depth.
    expect(layout.sizes).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2, 3, 2, 3, 2]);
    expect(layout.stages[1].blocks[2]).toEqual({ kernel: 29, expand: 32 });
    const native = nativeCostTerms(macsCostTerms(resolved));
    expect(native.factors.length).toBe(native.values.length * native.width);
    expect(native.factors.every((f) => f >= -1 && f < layout.columns)).toBe(true);
  });
});

describe('ShiftNAS complexity bins', () => {
  it('span the smallest to the largest subnet, each reachable', () => {
    const resolved = loadElasticSpace('elastic-28');
    const bins = complexityBins(resolved, undefined, 2000, 1);
    expect(bins.edges[0]).toBe(subnetCost(resolved, smallestSubnet(resolved)).macs);
    expect(bins.edges.at(-1)).toBe(subnetCost(resolved, largestSubnet(resolved)).macs);
    expect(bins.counts.slice(1, -1).every((n) => n > 0)).toBe(true);
  });

  it('refuse a bin count that leaves a middle bin empty, naming the option', () => {
    const resolved = loadElasticSpace('elastic-28');
    expect(() => complexityBins(resolved, 400, 50, 1)).toThrow(TorchnasError);
    expect(() => complexityBins(resolved, 400, 50, 1)).toThrow(/shiftBins: with 400 bins.*--shift-bins/);
  });
});
