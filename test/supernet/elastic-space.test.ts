// The elastic space as data: canonical subnet strings, checking with errors that name the decision,
// costs from the block grammar, and the span of the built-in space.
import {
  architectureSubnet,
  crossoverSubnets,
  decodeSubnet,
  encodeSubnet,
  largestSubnet,
  loadElasticSpace,
  mutateSubnet,
  parseElasticSpace,
  parseSubnet,
  randomSubnet,
  smallestSubnet,
  subnetArchitecture,
  subnetCost,
  TorchnasError,
} from '../../lib';
import { Rng } from '../../lib/util/rng';

const space = loadElasticSpace('elastic-28');

function invalid(run: () => unknown): TorchnasError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TorchnasError);
    expect((error as TorchnasError).code).toBe('E_INVALID_ARGUMENT');
    return error as TorchnasError;
  }
  throw new Error('expected an E_INVALID_ARGUMENT error');
}

describe('elastic-28', () => {
  it('spans more than 8x in MACs between its smallest and largest subnets', () => {
    const small = subnetCost(space, smallestSubnet(space)).macs;
    const large = subnetCost(space, largestSubnet(space)).macs;
    expect(large / small).toBeGreaterThan(8);
  });

  it('writes a subnet as a canonical string that reads back to the same subnet', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) {
      const subnet = randomSubnet(space, () => rng.next());
      expect(decodeSubnet(space, encodeSubnet(subnet))).toEqual(subnet);
      expect(parseSubnet(space, subnet)).toEqual(subnet);
    }
    expect(encodeSubnet(smallestSubnet(space))).toBe('r28|w16:k3e3|w24:k3e3|w40:k3e3|w64:k3e3');
  });

  it('reads a subnet back from its architecture, and refuses a network of another shape', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 100; i++) {
      const subnet = randomSubnet(space, () => rng.next());
      expect(architectureSubnet(space, subnetArchitecture(space, subnet))).toEqual(subnet);
    }
    const arch = subnetArchitecture(space, smallestSubnet(space));
    expect(
      invalid(() => architectureSubnet(space, { ...arch, blocks: arch.blocks.filter((_, i) => i !== 2) }))
        .message,
    ).toMatch(/do not split into the stages/);
    expect(
      invalid(() =>
        architectureSubnet(space, { ...arch, blocks: ['conv_k3_s1_c8', ...arch.blocks.slice(1)] }),
      ).message,
    ).toMatch(/does not have the stem and head/);
  });

  it('turns a subnet into a plain architecture of the block grammar', () => {
    const arch = subnetArchitecture(
      space,
      decodeSubnet(space, 'r28|w24:k5e4,k3e6|w32:k7e3|w40:k3e4|w80:k5e6,k3e3'),
    );
    expect(arch.blocks).toEqual([
      'conv_k3_s1_c16',
      'mb_k5_s2_e4_c24',
      'mb_k3_s1_e6_c24',
      'mb_k7_s2_e3_c32',
      'mb_k3_s1_e4_c40_se0.25_ahswish',
      'mb_k5_s2_e6_c80_se0.25_ahswish',
      'mb_k3_s1_e3_c80_se0.25_ahswish',
      'conv_k1_s1_c128_ahswish',
      'gap',
      'fc',
    ]);
    expect(arch.input).toEqual([1, 28, 28]);
  });

  it('keeps mutated and crossed subnets inside the space', () => {
    const rng = new Rng(9);
    let a = randomSubnet(space, () => rng.next());
    for (let i = 0; i < 100; i++) {
      const b = randomSubnet(space, () => rng.next());
      a = mutateSubnet(
        space,
        crossoverSubnets(a, b, () => rng.next()),
        () => rng.next(),
        0.3,
      );
      expect(parseSubnet(space, a)).toEqual(a);
    }
  });
});

describe('bad subnets and spaces are typed errors naming the decision', () => {
  it('a value outside the space names the decision and its allowed values', () => {
    expect(invalid(() => decodeSubnet(space, 'r28|w20:k3e3|w24:k3e3|w40:k3e3|w64:k3e3')).message).toMatch(
      /stage 0's width is 20, not one of the space's values \(16, 24\)/,
    );
    expect(invalid(() => decodeSubnet(space, 'r28|w16:k3e3|w24:k9e3|w40:k3e3|w64:k3e3')).message).toMatch(
      /stage 1 block 0's kernel is 9, not one of the space's values \(3, 5, 7\)/,
    );
    expect(
      invalid(() => decodeSubnet(space, 'r28|w16:k3e3,k3e3,k3e3|w24:k3e3|w40:k3e3|w64:k3e3')).message,
    ).toMatch(/stage 0's depth is 3, not one of the space's values \(1, 2\)/);
    expect(invalid(() => decodeSubnet(space, 'r32|w16:k3e3|w24:k3e3|w40:k3e3|w64:k3e3')).message).toMatch(
      /resolution is 32.*\(28\)/,
    );
  });

  it('a subnet string of another space is refused', () => {
    expect(invalid(() => decodeSubnet(space, 'r28|w16:k3e3|w24:k3e3')).message).toMatch(
      /has 4 stages, the subnet gives 2/,
    );
    expect(invalid(() => decodeSubnet(space, 'w16:k3e3')).message).toMatch(/must start with the resolution/);
    expect(invalid(() => decodeSubnet(space, 'r28|16:3-3')).message).toMatch(/cannot read stage 0/);
  });

  it('an empty stage or an even kernel in a space description is refused', () => {
    const base = { name: 'x', input: [1, 28, 28], classes: 10, stem: ['conv_k3_c8'], head: ['gap', 'fc'] };
    expect(
      invalid(() =>
        parseElasticSpace({ ...base, stages: [{ widths: [], depths: [1], kernels: [3], expands: [3] }] }),
      ).message,
    ).toMatch(/stages\.0\.widths/);
    expect(invalid(() => parseElasticSpace({ ...base, stages: [] })).message).toMatch(/stages/);
    expect(
      invalid(() =>
        parseElasticSpace({ ...base, stages: [{ widths: [8], depths: [1], kernels: [4], expands: [3] }] }),
      ).message,
    ).toMatch(/odd/);
  });
});
