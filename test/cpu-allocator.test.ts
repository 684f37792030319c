import { spawnSync } from 'child_process';
import * as path from 'path';
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

  test('a cache filled with other shapes makes room for the shapes in use (oldest blocks evicted)', () => {
    // A fresh process with a 64 MiB budget: batches of 256 fill it with their blocks, then batches of
    // 100 must still be served from the cache (before eviction: 79 hits to 353 misses).
    const script = `
      const { info, loadArchitecture, loadDataset, Session } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'lib'))});
      (async () => {
        const s = new Session({ device: 'cpu', threads: 1, seed: 1 });
        await s.buildNetwork(loadArchitecture('fmnist-cnn'));
        await s.configureTraining({ lr: 0.05, totalSteps: 20 });
        const data = (await loadDataset('fashion-mnist', 'train')).subset(1024, 1);
        await s.trainEpoch(data, { batchSize: 256 });
        const before = info().cpuAllocator;
        await s.trainEpoch(data, { batchSize: 100, epoch: 1 });
        const after = info().cpuAllocator;
        await s.close();
        console.log(JSON.stringify({ hits: after.hits - before.hits, misses: after.misses - before.misses,
          cached: after.cachedBytes }));
      })();`;
    const run = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, TORCHNAS_CPU_CACHE_MB: '64' },
    });
    expect(run.stderr).toBe('');
    const { hits, misses, cached } = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(hits).toBeGreaterThan(misses);
    expect(cached).toBeLessThanOrEqual(64 << 20);
  });
});
