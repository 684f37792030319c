// Micro-batches split each batch into k parts (gradient accumulation). A short last batch that does not
// divide into k parts (9 images in 4 parts: chunk gives 3 of 3) still trains: the split takes the
// parts there are, never k regardless.
import { parseArchitecture, Session, syntheticDataset } from '../lib';

const NET = parseArchitecture({
  name: 'mb',
  input: [1, 8, 8],
  classes: 4,
  blocks: ['conv_k3_s1_c4', 'gap', 'fc'],
});

test('a last batch fewer parts than microBatches still trains', async () => {
  const s = new Session({ device: 'cpu', threads: 1, microBatches: 4 });
  try {
    await s.buildNetwork(NET);
    await s.configureTraining({ lr: 0.01, totalSteps: 10 });
    const data = syntheticDataset({ count: 41, shape: [1, 8, 8], classes: 4, seed: 2 });
    const stats = await s.trainEpoch(data, { batchSize: 32, shuffle: false });
    expect(stats.steps).toBe(2);
    expect(stats.images).toBe(41);
    expect(Number.isFinite(stats.loss)).toBe(true);
  } finally {
    await s.close();
  }
});
