import { parseElasticSpace, resolveElasticSpace, Session, subnetCost, syntheticDataset } from '../lib';
import { binCentres } from '../lib/supernet/shiftnas/shiftnas-run';
import { complexityBins } from '../lib/supernet/shiftnas/bins';
import { macsCostTerms, nativeCostTerms } from '../lib/supernet/shiftnas/cost-model';
import { randomizeWeights } from './helpers/random-weights';
const SMALL = resolveElasticSpace(parseElasticSpace({
  name: 'small-elastic', input: [1, 12, 12], classes: 10, stem: ['conv_k3_s1_c4'],
  stages: [
    { widths: [4, 6, 8], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 1 },
    { widths: [6, 8, 12], depths: [1, 2, 3], kernels: [3, 5, 7], expands: [2, 4, 6], stride: 2, se: 0.25, act: 'hswish' },
  ],
  head: ['conv_k1_c16', 'gap', 'fc'],
}));
const DATA = syntheticDataset({ count: 16, shape: [1, 12, 12], classes: 10, seed: 4 });
const EDGES = complexityBins(SMALL, 4, 500, 1).edges;
test('probe', async () => {
  const targets = binCentres(EDGES);
  for (const threads of [1, 2]) for (const seed of [1, 2, 3, 4, 5, 6]) for (const steps of [600, 1500]) {
    const s = new Session({ device: 'cpu', precision: 'fp64', threads, seed: 3 });
    await s.buildElastic(SMALL);
    await randomizeWeights(s, 5);
    await s.configureShiftNas(DATA, { edges: EDGES, cost: nativeCostTerms(macsCostTerms(SMALL)), valid: { batchSize: 8 }, generatorLr: 5e-3 });
    const t0 = Date.now();
    await s.pretrainGenerator({ steps, batch: 64, seed });
    const after = await s.generateSubnets(targets);
    const errs = after.map((g, i) => Math.abs(subnetCost(SMALL, g.subnet).macs - targets[i]) / targets[i]);
    require('fs').appendFileSync('/tmp/probe/shiftnas.txt', `threads ${threads} seed ${seed} steps ${steps}: max ${Math.max(...errs).toFixed(4)} [${errs.map((e) => e.toFixed(3)).join(' ')}] ${(Date.now() - t0) / 1000}s\n`);
    await s.close();
  }
}, 3_600_000);
