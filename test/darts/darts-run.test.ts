// `torchnas search darts` refuses what it cannot do before any work, naming the option.
import { searchDarts } from '../../lib';
import { tempDir } from '../helpers/fixtures';

test('bad DARTS options are typed errors naming the option', async () => {
  const runDir = tempDir('torchnas-darts-');
  const refused = (options: object, pattern: RegExp) =>
    expect(searchDarts({ runDir, ...options } as never)).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(pattern),
    });
  await refused({ order: 3 }, /order/);
  await refused({ lr: 0.01, minLr: 0.1 }, /minLr must not exceed lr/);
  await refused({ archLr: -1 }, /archLr/);
  await refused({ microBatches: 2 }, /micro/i);
});
