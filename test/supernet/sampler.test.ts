// The training step's samplers, drawn natively: every decision uniform (chi-square on many draws),
// MACs bins with their prior weights, and AttentiveNAS's pick of the lowest- (or highest-) loss
// candidate, whose losses are the subnets' own (checked through an independent probe).
import {
  nativeSubnet,
  parseElasticSpace,
  resolveElasticSpace,
  Session,
  syntheticDataset,
  type Subnet,
} from '../../lib';
import type { NativeSubnet } from '../../binding';
import { attentivePick, buildElastic, probeSubnet, sampleSubnets } from '../../lib/supernet/elastic-session';

const SPACE = resolveElasticSpace(
  parseElasticSpace({
    name: 'sampled',
    input: [1, 8, 8],
    classes: 4,
    resolutions: [6, 8],
    stem: ['conv_k3_c4'],
    stages: [
      { widths: [4, 6, 8], depths: [1, 2, 3], kernels: [3, 5], expands: [2, 3, 4], stride: 1 },
      { widths: [8, 12], depths: [1, 2], kernels: [3, 5, 7], expands: [3], stride: 2 },
    ],
    head: ['gap', 'fc'],
  }),
);

// Upper 0.1% points of chi-square with 1..4 degrees of freedom: a fair sampler fails once in 1000 runs
// per check; the draws are seeded, so the outcome is fixed.
const CRITICAL = [0, 10.83, 13.82, 16.27, 18.47];

function chiSquare(values: number[], allowed: number[], expected: number[]): number {
  const counts = allowed.map((a) => values.filter((v) => v === a).length);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length); // nothing outside the allowed values
  return counts.reduce((sum, c, i) => sum + (c - expected[i]) ** 2 / expected[i], 0);
}

function expectUniform(values: number[], allowed: number[]) {
  if (allowed.length < 2) return;
  const e = values.length / allowed.length;
  expect(
    chiSquare(
      values,
      allowed,
      allowed.map(() => e),
    ),
  ).toBeLessThan(CRITICAL[allowed.length - 1]);
}

describe('the native subnet samplers', () => {
  let session: Session;
  beforeAll(async () => {
    session = new Session({ device: 'cpu', precision: 'fp64', threads: 1, seed: 2 });
    await buildElastic(session, SPACE);
  });
  afterAll(() => session.close());

  it('draws every decision uniformly and independently (uniform, and sandwich middles)', async () => {
    const draws = await sampleSubnets(session, { rule: 'uniform' }, 6000, { seed: 7 });
    expectUniform(
      draws.map((d) => d.resolution),
      [6, 8],
    );
    SPACE.space.stages.forEach((stage, s) => {
      expectUniform(
        draws.map((d) => d.stages[s].kernels.length),
        stage.depths,
      );
      expectUniform(
        draws.map((d) => d.stages[s].width),
        stage.widths,
      );
      for (let b = 0; b < Math.max(...stage.depths); b++) {
        const present = draws.filter((d) => d.stages[s].kernels.length > b);
        expectUniform(
          present.map((d) => d.stages[s].kernels[b]),
          stage.kernels,
        );
        expectUniform(
          present.map((d) => d.stages[s].expands[b]),
          stage.expands,
        );
      }
    });
    // Independence of two decisions: the joint counts of stage 0's depth and width.
    const joint = draws.map((d) => d.stages[0].kernels.length * 100 + d.stages[0].width);
    const cells = [1, 2, 3].flatMap((depth) => [4, 6, 8].map((w) => depth * 100 + w));
    const e = draws.length / cells.length;
    expect(
      chiSquare(
        joint,
        cells,
        cells.map(() => e),
      ),
    ).toBeLessThan(26.12); // 8 degrees of freedom
  });

  it('draws MACs bins with their prior weights, members uniformly', async () => {
    const small: Subnet = {
      resolution: 6,
      stages: [
        { width: 4, kernels: [3], expands: [2] },
        { width: 8, kernels: [3], expands: [3] },
      ],
    };
    const mid: Subnet = {
      resolution: 8,
      stages: [
        { width: 6, kernels: [5], expands: [3] },
        { width: 8, kernels: [5], expands: [3] },
      ],
    };
    const other: Subnet = { ...mid, stages: [mid.stages[0], { width: 12, kernels: [5], expands: [3] }] };
    const large: Subnet = {
      resolution: 8,
      stages: [
        { width: 8, kernels: [5, 5, 5], expands: [4, 4, 4] },
        { width: 12, kernels: [7, 7], expands: [3, 3] },
      ],
    };
    const pool = [[small], [mid, other], [large]].map((bin) => bin.map(nativeSubnet));
    const weights = [0.5, 0.3, 0.2];
    const draws = await sampleSubnets(session, { rule: 'bestup', pool, binWeights: weights }, 5000, {
      seed: 3,
    });
    const bin = (d: NativeSubnet) => (d.stages[0].width === 4 ? 0 : d.stages[0].width === 6 ? 1 : 2);
    expect(
      chiSquare(
        draws.map(bin),
        [0, 1, 2],
        weights.map((w) => w * draws.length),
      ),
    ).toBeLessThan(CRITICAL[2]);
    const inMid = draws.filter((d) => bin(d) === 1).map((d) => d.stages[1].width);
    expectUniform(inMid, [8, 12]);
  });

  it('bestup picks the candidate of lowest loss and worstup the highest, by their own losses', async () => {
    const data = syntheticDataset({ count: 16, shape: [1, 8, 8], classes: 4, seed: 1 });
    const candidates = await sampleSubnets(session, { rule: 'uniform' }, 5, { seed: 11 });
    const best = await attentivePick(session, data, { batchSize: 16, candidates });
    const worst = await attentivePick(session, data, { batchSize: 16, candidates, worst: true });
    expect(best.losses).toEqual(worst.losses);
    expect(new Set(best.losses.map((l) => l.toFixed(12))).size).toBe(5); // distinct: the pick means something
    expect(best.index).toBe(best.losses.indexOf(Math.min(...best.losses)));
    expect(worst.index).toBe(best.losses.indexOf(Math.max(...best.losses)));
    // Each candidate's loss is its train-mode cross-entropy, as an independent probe measures it.
    for (const [i, c] of candidates.entries()) {
      const probe = await probeSubnet(session, data, { batchSize: 16, subnet: c });
      expect(Math.abs(probe.loss - best.losses[i])).toBeLessThan(1e-10);
    }
  });
});
