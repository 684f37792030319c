// scripts/fashion-folder.js writes Fashion-MNIST as an image folder the loader reads: ten class folders
// in train/ and val/, RGB PNGs at the asked size with grey in all three channels; a bad flag refused.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { loadDataset } from '../../lib';
import { tempDir } from '../helpers/fixtures';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'fashion-folder.js');

test('fashion-folder writes an image folder of RGB PNGs the loader reads at that size', async () => {
  const out = tempDir('torchnas-fashion-folder-');
  const run = spawnSync(
    process.execPath,
    [SCRIPT, '--out', out, '--train-per-class', '2', '--val-per-class', '1', '--size', '32'],
    { encoding: 'utf8' },
  );
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/wrote 20 train and 10 val images \(32x32 RGB PNG\)/);
  const train = await loadDataset('image-folder', 'train', out, { imageSize: 32 });
  expect(train.describe()).toMatchObject({ size: 20, classes: 10, shape: [3, 32, 32] });
  expect((await loadDataset('image-folder', 'test', out, { imageSize: 32 })).size).toBe(10);
  // Grey written in all three channels: the channels differ only by ImageNet's normalization.
  const { images } = train.handle.previewBatch({ batchSize: 1, augment: { mean: [0], std: [1] } }, 0);
  const plane = 32 * 32;
  for (let i = 0; i < plane; i += 97) {
    expect(images[i]).toBeCloseTo(images[plane + i], 6);
    expect(images[i]).toBeCloseTo(images[2 * plane + i], 6);
  }
  const refused = spawnSync(process.execPath, [SCRIPT, '--out', out, '--size', 'x'], { encoding: 'utf8' });
  expect(refused.status).toBe(2);
  expect(refused.stderr).toMatch(/--size must be a whole number/);
});
