// ShiftNAS's generator on a small space (float64): the gradient that reaches it through the masked
// supernet and the resource loss matches central finite differences; the resource loss alone drives
// it close to each bin centre; the native cost model gives a generated subnet's exact MACs.
import { Session, subnetCost, type Subnet } from '../../lib';
import { DATA, EDGES, SMALL } from '../../bench/shiftnas-small';
import { binCentres } from '../../lib/supernet/shiftnas/shiftnas-run';
import { macsCostTerms, nativeCostTerms } from '../../lib/supernet/shiftnas/cost-model';
import { randomizeWeights } from '../helpers/random-weights';
import {
  attachShiftNas,
  generatorGradientCheck,
  generatorSubnets,
  pretrainGenerator,
} from '../../lib/supernet/shiftnas/shiftnas-session';
import { buildElastic } from '../../lib/supernet/elastic-session';

async function generatorSession(options: { resourceWeight?: number; generatorLr?: number } = {}) {
  const s = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
  await buildElastic(s, SMALL);
  await randomizeWeights(s, 5);
  await attachShiftNas(s, DATA, {
    edges: EDGES,
    cost: nativeCostTerms(macsCostTerms(SMALL)),
    valid: { batchSize: 8 },
    ...options,
  });
  return s;
}

describe('ShiftNAS architecture generator', () => {
  it('its gradient through the masked supernet and the resource loss matches finite differences', async () => {
    for (const resourceWeight of [0, 10]) {
      const s = await generatorSession({ resourceWeight });
      for (const [target, seed] of [
        [binCentres(EDGES)[1], 3],
        [binCentres(EDGES)[3], 8],
      ]) {
        const r = await generatorGradientCheck(s, DATA, { batchSize: 8, target, seed, epsilon: 1e-6 });
        // With lambda = 0 only the task loss reaches the generator: it must reach it.
        expect(Math.abs(r.analytic)).toBeGreaterThan(1e-5);
        expect(Math.abs(r.analytic - r.numeric)).toBeLessThan(1e-6 * Math.abs(r.analytic));
      }
      await s.close();
    }
  });

  // A training outcome, so the bound must hold on every CPU, not on one: the hard argmax subnet of a
  // generator trained with Gumbel noise lands anywhere in a band around the target, and rounding
  // (thread count, AVX2 or AVX-512 kernels) picks where. `npm run bench:shiftnas-margin` measured the
  // worst bin at 4.1-9.2% over the pre-training seeds on an AVX2 EPYC, 9.9% on an AVX-512 one; untrained,
  // the best bin is 47% off. 15% keeps a 1.5x margin over the worst seen and fails a generator that did
  // not learn (BENCHMARKS.md, "ShiftNAS generator test margin").
  it('trained on the resource loss alone, its subnets land within 15% of each bin centre', async () => {
    const s = await generatorSession({ generatorLr: 5e-3 });
    const targets = binCentres(EDGES);
    const before = await generatorSubnets(s, targets);
    await pretrainGenerator(s, { steps: 600, batch: 64, seed: 1 });
    const after = await generatorSubnets(s, targets);
    for (const [i, g] of after.entries()) {
      const subnet: Subnet = g.subnet;
      const macs = subnetCost(SMALL, subnet).macs;
      expect(Math.abs(g.cost - macs)).toBeLessThan(1e-9 * macs); // the native cost model is exact on hard choices
      expect(Math.abs(macs - targets[i]) / targets[i]).toBeLessThan(0.15);
    }
    // An untrained generator is far off in every bin: the bound is not passed by any subnet.
    const errors = before.map((g, i) => Math.abs(subnetCost(SMALL, g.subnet).macs - targets[i]) / targets[i]);
    expect(Math.min(...errors)).toBeGreaterThan(0.3);
    await s.close();
  }, 400_000);
});
