// The four spaces behind one interface: a choice survives encode/decode, its indices lie inside the
// decisions, a bad index is a typed error naming its decision, costs move the way the space says they
// must, and freezing gives the network each space builds.
import {
  chainSearchSpace,
  elasticSearchSpace,
  loadElasticSpace,
  loadSpace,
  multiresSearchSpace,
  nb201SearchSpace,
  resolveMultiresSpace,
  resolveNetwork,
  resolveSpace,
  type SearchSpace,
} from '../../lib';
import { Rng } from '../../lib/util/rng';
import { expectInvalid } from '../benchmarks/expect-invalid';

const SPACES: SearchSpace[] = [
  chainSearchSpace(resolveSpace(loadSpace('proxyless-28'))) as SearchSpace,
  elasticSearchSpace(loadElasticSpace('elastic-28')) as SearchSpace,
  nb201SearchSpace({ channels: 8, cells: 1, input: [3, 32, 32], classes: 10 }) as SearchSpace,
  multiresSearchSpace(resolveMultiresSpace({})) as SearchSpace,
];

describe.each(SPACES.map((s) => [s.kind, s] as const))('%s space', (_kind, space) => {
  it('round-trips random choices through their indices, inside the decisions', () => {
    const rng = new Rng(3);
    const seen = space.decisions.map(() => new Set<number>());
    for (let i = 0; i < 200; i++) {
      const choice = space.sample(() => rng.next());
      const indices = space.encode(choice);
      expect(indices).toHaveLength(space.decisions.length);
      indices.forEach((j, d) => {
        expect(Number.isInteger(j) && j >= 0 && j < space.decisions[d].options.length).toBe(true);
        seen[d].add(j);
      });
      expect(space.decode(indices)).toEqual(choice);
      expect(space.describe(space.decode(indices))).toBe(space.describe(choice));
    }
    // Uniform draws reach every option of the first decision.
    expect(seen[0].size).toBe(space.decisions[0].options.length);
  });

  it('refuses an index outside a decision, naming it', () => {
    const indices = space.encode(space.sample(() => 0));
    indices[0] = space.decisions[0].options.length;
    expectInvalid(() => space.decode(indices), new RegExp(space.decisions[0].name.replace('.', '\\.')));
    expectInvalid(() => space.decode(indices.slice(1)), /needs \d+ indices/);
  });
});

test('costs grow with the choice: the largest choice costs more than the smallest', () => {
  for (const space of SPACES) {
    const last = space.decode(space.decisions.map((d) => d.options.length - 1));
    const first = space.decode(space.decisions.map(() => 0));
    // chain: the last candidate is `zero` where allowed, so compare by MACs of the frozen networks.
    const [a, b] = [space.cost(first).macs, space.cost(last).macs];
    expect(a).not.toBe(b);
    if (space.kind === 'multires' || space.kind === 'elastic') expect(b).toBeGreaterThan(a);
  }
});

test('freezing gives each space its standalone network', () => {
  const [chain, elastic, nb201, multires] = SPACES;
  const choice = chain.sample(() => 0.99);
  const frozen = chain.freeze(choice, 'x');
  expect(frozen.kind).toBe('network');
  if (frozen.kind === 'network')
    expect(resolveNetwork(frozen.architecture).macs).toBe(chain.cost(choice).macs);
  const subnet = elastic.freeze(elastic.sample(() => 0.3));
  expect(subnet.kind).toBe('network');
  const cell = nb201.freeze(nb201.decode([3, 3, 3, 3, 3, 3]));
  expect(cell).toMatchObject({ kind: 'nb201', arch: expect.stringContaining('nor_conv_3x3~0') });
  const mask = multires.freeze(multires.decode(multires.decisions.map(() => 1)));
  expect(mask.kind === 'multires' && mask.spec.present?.every((p) => p === 1)).toBe(true);
  expectInvalid(() => nb201.latencyLayers(), /chain and elastic/);
});
