import { info, loadArchitecture, loadDataset, Session } from '../lib';

describe('caching CPU allocator', () => {
  test('training steps reuse freed large blocks instead of asking the system again', async () => {
    const before = info().cpuAllocator;
    const s = new Session({ device: 'cpu', threads: 1, seed: 1 });
    await s.buildNetwork(loadArchitecture('fmnist-cnn'));
    await s.configureTraining({ lr: 0.05, totalSteps: 10 });
    const data = (await loadDataset('fashion-mnist', 'train')).subset(512, 1);
    await s.trainEpoch(data, { batchSize: 128 });
    await s.close();
    const after = info().cpuAllocator;
    const hits = after.hits - before.hits;
    const misses = after.misses - before.misses;
    // Four steps of the same shapes: after the first, the activations' blocks come from the cache.
    expect(hits).toBeGreaterThan(misses);
    expect(after.cachedBytes).toBeGreaterThan(0);
  });
});
