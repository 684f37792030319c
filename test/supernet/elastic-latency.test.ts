// Latency tables for elastic spaces: the layers listed from the description cover every subnet's
// network, so a table built from them estimates any subnet, and a supernet search can trade
// accuracy against it.
import * as path from 'path';
import {
  buildLatencyTable,
  estimateLatency,
  parseElasticSpace,
  randomSubnet,
  resolveElasticSpace,
  subnetArchitecture,
  type TimingOptions,
} from '../../lib';
import { architectureLayers } from '../../lib/latency/layer-keys';
import { coversArchitecture } from '../../lib/latency/table-space';
import { elasticSearchSpace } from '../../lib/spaces/elastic/elastic-search-space';
import { Rng } from '../../lib/util/rng';
import { tempDir } from '../helpers/fixtures';

const FAST: TimingOptions = { device: 'cpu', threads: 1, batch: 2, warmup: 1, repeats: 3 };
const SPACE = resolveElasticSpace(
  parseElasticSpace({
    name: 'tiny-elastic',
    input: [1, 8, 8],
    classes: 4,
    resolutions: [6, 8],
    stem: ['conv_k3_c4'],
    stages: [
      { widths: [4, 6], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 1 },
      { widths: [6, 8], depths: [1, 2], kernels: [3], expands: [2], stride: 2, se: 0.25, act: 'hswish' },
    ],
    head: ['conv_k1_c12', 'gap', 'fc'],
  }),
);

describe('elastic latency tables', () => {
  it('list every layer any subnet holds, and no layer twice', () => {
    const space = elasticSearchSpace(SPACE);
    const layers = space.latencyLayers();
    expect(new Set(layers.map((l) => l.key)).size).toBe(layers.length);
    const rng = new Rng(4);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const arch = subnetArchitecture(
        SPACE,
        randomSubnet(SPACE, () => rng.next()),
      );
      expect(coversArchitecture(space, arch)).toBe(true);
      architectureLayers(arch).forEach((l) => seen.add(l.key));
    }
    // Random subnets reach every listed layer: nothing listed that no subnet can hold.
    expect([...seen].sort()).toEqual(layers.map((l) => l.key).sort());
  });

  it('a table built from them estimates every subnet', async () => {
    const file = path.join(tempDir(), 'tiny-elastic.json');
    const table = await buildLatencyTable(elasticSearchSpace(SPACE), file, { ...FAST, chunk: 16 });
    expect(table.complete).toBe(true);
    const rng = new Rng(8);
    for (let i = 0; i < 20; i++) {
      const { sum } = estimateLatency(
        table,
        subnetArchitecture(
          SPACE,
          randomSubnet(SPACE, () => rng.next()),
        ),
      );
      expect(sum).toBeGreaterThan(0);
      expect(Number.isFinite(sum)).toBe(true);
    }
  }, 120_000);
});
