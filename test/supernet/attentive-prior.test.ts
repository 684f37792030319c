// AttentiveNAS as its reference trains: BestUp/WorstUp candidates share one MACs target, each within
// ±tolerance of it (the reference's rounding step), drawn with the uniform prior's weights; gradients
// clipped entry by entry (clip_grad_value_), not by their norm.
import {
  loadElasticSpace,
  parseElasticSpace,
  resolveElasticSpace,
  Session,
  subnetCost,
  syntheticDataset,
} from '../../lib';
import { attentivePrior, macsStep } from '../../lib/supernet/attentive-prior';
import { shiftNasBinEdges } from '../../lib/supernet/shiftnas/shiftnas-run';
import { buildElastic, supernetEpoch } from '../../lib/supernet/elastic-session';

describe('the AttentiveNAS MACs prior', () => {
  const space = loadElasticSpace('elastic-28');

  it.each([0.02, 0.05])(
    'puts every candidate within ±%s of its target, weighted by its share of the draws',
    (tolerance) => {
      const prior = attentivePrior(space, 3000, tolerance, 7);
      const all = prior.members.flat();
      expect(all).toHaveLength(3000);
      for (const [s, members] of prior.members.entries()) {
        expect(prior.weights[s]).toBeCloseTo(members.length / 3000, 12);
        for (const m of members)
          expect(Math.abs(subnetCost(space, m).macs / prior.targets[s] - 1)).toBeLessThanOrEqual(
            tolerance + 1e-12,
          );
      }
      // The steps are fine: far more of them than the 10 equal-width bins of before, the widest
      // holding a small share of the range.
      const range = Math.max(...prior.targets) / Math.min(...prior.targets);
      expect(prior.targets.length).toBeGreaterThan((Math.log(range) / (2 * Math.log1p(tolerance))) * 0.8);
    },
  );

  it('rounds MACs to steps that grow by (1 + tolerance)^2 from the smallest subnet', () => {
    expect(macsStep(100, 100, 0.02)).toBe(0);
    expect(macsStep(100 * 1.02 ** 2, 100, 0.02)).toBe(1);
    expect(macsStep(100 * 1.0199, 100, 0.02)).toBe(0); // just inside step 0's upper edge
    expect(macsStep(100 * 1.0201, 100, 0.02)).toBe(1);
  });
});

describe('gradient clipping of the supernet step', () => {
  const SMALL = resolveElasticSpace(
    parseElasticSpace({
      name: 'clip-small',
      input: [1, 8, 8],
      classes: 4,
      stem: ['conv_k3_c4'],
      stages: [{ widths: [4, 6], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 1 }],
      head: ['gap', 'fc'],
    }),
  );
  const DATA = syntheticDataset({ count: 16, shape: [1, 8, 8], classes: 4, seed: 2 });
  const CLIP = 1e-3;

  /** The weight change of one plain SGD step (lr 1, no momentum or decay): the clipped gradient. */
  async function oneStep(clipBy: 'value' | 'norm'): Promise<number[]> {
    const s = new Session({ device: 'cpu', precision: 'fp64', threads: 1, seed: 1 });
    await buildElastic(s, SMALL);
    await s.configureTraining({ lr: 1, momentum: 0, nesterov: false, weightDecay: 0, totalSteps: 100 });
    const weights = async () =>
      Object.entries(await s.stateTensors64())
        .filter(([n]) => !/running_|num_batches/.test(n))
        .flatMap(([, v]) => Array.from(v));
    const before = await weights();
    await supernetEpoch(s, DATA, {
      batchSize: 16,
      seed: 1,
      epoch: 0,
      sampler: { rule: 'uniform', clip: CLIP, clipBy },
    });
    const after = await weights();
    await s.close();
    return after.map((w, i) => w - before[i]);
  }
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

  it('by value bounds every entry (many at the bound, the norm above it); by norm bounds the norm', async () => {
    const byValue = await oneStep('value');
    expect(Math.max(...byValue.map(Math.abs))).toBeLessThanOrEqual(CLIP * (1 + 1e-9));
    expect(byValue.filter((d) => Math.abs(Math.abs(d) - CLIP) < 1e-12).length).toBeGreaterThan(10);
    expect(norm(byValue)).toBeGreaterThan(3 * CLIP);
    const byNorm = await oneStep('norm');
    expect(norm(byNorm)).toBeLessThanOrEqual(CLIP * (1 + 1e-9));
    expect(norm(byNorm)).toBeGreaterThan(0.99 * CLIP); // the gradient was larger: clipping acted
  });
});

describe('ShiftNAS complexity bins', () => {
  it("are the same for every run seed (the space's, not the run's)", () => {
    // Drawn with each run's seed, pools of 2000 gave 6, 6, 5, 7 and 5 bins for seeds 1-5.
    const space = loadElasticSpace('elastic-28');
    const runs = [1, 2, 3, 4, 5].map((seed) => ({ seed, shiftBins: undefined, poolSize: 2000 }));
    const edges = runs.map((opts) => shiftNasBinEdges(space, opts));
    expect(new Set(edges.map((e) => e.join())).size).toBe(1);
  });
});
