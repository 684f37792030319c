// A search started from a separate warm-up-only run (`warmupFrom`) ends exactly as the same search
// warming up by itself: same logits, same weights, same records. Options that shaped the warm-up must
// match; the latency target and loss may differ (one warm-up serves several targets).
import * as fs from 'fs';
import * as path from 'path';
import { loadSpace, proxyless, resolveSpace, Session, type ProxylessOptions } from '../../lib';
import { tempDir, tinySpaceDescription } from '../helpers/fixtures';
import { buildSupernet } from '../../lib/proxyless/proxyless-session';

const SPACE = tinySpaceDescription();
const common: ProxylessOptions = {
  space: SPACE,
  limitTrain: 128,
  batchSize: 32,
  device: 'cpu',
  threads: 2,
  seed: 7,
  archEvery: 1,
  warmupEpochs: 1,
};
const search: ProxylessOptions = { ...common, epochs: 2, latencyLoss: 'add#linear', target: 0.028 };

async function finalWeights(runDir: string) {
  const state = JSON.parse(fs.readFileSync(path.join(runDir, 'state.json'), 'utf8'));
  const s = new Session({ device: 'cpu', threads: 1 });
  await buildSupernet(s, resolveSpace(loadSpace(SPACE)));
  await s.configureTraining({ lr: 0.1, totalSteps: 1 });
  await s.loadCheckpoint(path.join(runDir, state.checkpoint));
  const weights = await s.stateTensors();
  await s.close();
  return weights;
}

test('a search from a warm-up run equals one that warmed up itself', async () => {
  const dir = tempDir('torchnas-warm-');
  try {
    const straight = await proxyless({ ...search, runDir: path.join(dir, 'straight') });
    const warm = path.join(dir, 'warm');
    await proxyless({ ...common, epochs: 1, latencyLoss: 'none', runDir: warm });
    const started = await proxyless({ ...search, warmupFrom: warm, runDir: path.join(dir, 'from-warm') });

    expect(started.history).toHaveLength(2);
    expect(started.history[1].probabilities).toEqual(straight.history[1].probabilities);
    expect(started.history[1].train).toEqual({
      ...straight.history[1].train,
      seconds: started.history[1].train.seconds,
    });
    expect(straight.history[1].probabilities.flat().some((p) => Math.abs(p - 1 / 4) > 1e-3)).toBe(true); // it searched
    const [a, b] = [await finalWeights(straight.runDir), await finalWeights(started.runDir)];
    const differing = Object.keys(a).filter((k) => a[k].some((v, i) => v !== b[k][i]));
    expect(differing).toEqual([]);

    // Another warm-up is refused, naming what differs.
    await expect(
      proxyless({ ...search, lr: 0.2, warmupFrom: warm, runDir: path.join(dir, 'other') }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/warmed up with other options: lr 0.1/),
    });
    await expect(
      proxyless({ ...search, warmupFrom: straight.runDir, runDir: path.join(dir, 'other2') }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringMatching(/not a finished warm-up-only run/),
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
