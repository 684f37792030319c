// The DARTS and EnTranNAS supernets keep the session's memory format through their cells: a `none`
// operation that answered channels_last input with NCHW zeros turned every mixed edge's sum NCHW, and
// a channels_last search then ran 1.7x slower than an NCHW one (BENCHMARKS.md, DARTS search step).
import { buildDartsSupernet, dartsFeatureLayout, Session, syntheticDataset } from '../../lib';

const data = syntheticDataset({ count: 8, shape: [1, 28, 28], classes: 10, seed: 3 });

describe.each(['darts', 'entrannas'] as const)('%s', (method) => {
  test.each([
    [true, 'channels_last'],
    [false, 'nchw'],
  ])('channelsLast %s: the feature map is %s', async (channelsLast, layout) => {
    const session = new Session({ device: 'cpu', threads: 1, seed: 1, channelsLast });
    try {
      await buildDartsSupernet(session, { method, channels: 4, cells: 2, input: [1, 28, 28] });
      expect(await dartsFeatureLayout(session, data, { batchSize: 8 })).toBe(layout);
    } finally {
      await session.close();
    }
  });
});
