// What an architecture step does to the distribution: `two` mode moves only the sampled pair, and
// REINFORCE moves probability toward what is rewarded, step by step, with the sign the REINFORCE
// gradient (computed here independently) predicts.
import { loadDataset, macsTable, parseChainSpace, resolveSpace, Session, type Dataset } from '../../lib';
import { Rng } from '../../lib/util/rng';
import { tinySpaceDescription } from '../helpers/fixtures';
import {
  archState,
  buildSupernet,
  configureSearch,
  reinforceUpdate,
  searchEpoch,
  setArchLogits,
} from '../../lib/proxyless/proxyless-session';

const SPACE = resolveSpace(parseChainSpace(tinySpaceDescription(3)));
const LOGITS = [
  [0.3, -0.2, 0.5],
  [0.1, 0.4, -0.3, 0.2],
  [-0.1, 0.2, 0.0, 0.3],
];

let data: Dataset;
beforeAll(async () => {
  data = (await loadDataset('fashion-mnist', 'train')).subset(64, 3);
});

describe('two mode', () => {
  test.each([0, 0.9])(
    "an architecture step keeps every unsampled probability and the pair's sum (Adam beta1 %s)",
    async (beta1) => {
      const s = new Session({ device: 'cpu', threads: 2, seed: 4 });
      await buildSupernet(s, SPACE);
      await s.configureTraining({ lr: 0.05, totalSteps: 100 });
      const { table, fixed } = macsTable(SPACE);
      // A strong latency term: before the fix its gradient reached every logit of every edge.
      await configureSearch(s, {
        mode: 'two',
        lr: 0.2,
        beta1,
        latency: table,
        fixedLatency: fixed,
        latencyLoss: 'add#linear',
        target: fixed,
        lambda: 5,
      });
      await setArchLogits(s, LOGITS);
      const aug = { mean: 0.286, std: 0.353 };
      let moved = 0;
      for (let step = 0; step < 4; step++) {
        const before = (await archState(s)).probabilities;
        // One weight step and one architecture step.
        await searchEpoch(s, data.subset(16, step), data, {
          train: { batchSize: 16, augment: aug, epoch: step },
          valid: { batchSize: 16, augment: aug },
          archEvery: 1,
        });
        const after = (await archState(s)).probabilities;
        before.forEach((row, e) => {
          const changed = row.map((p, i) => i).filter((i) => Math.abs(after[e][i] - row[i]) > 1e-7);
          expect(changed.length).toBeLessThanOrEqual(2);
          if (changed.length === 0) return;
          moved++;
          const sum = (r: number[]) => changed.reduce((t, i) => t + r[i], 0);
          expect(Math.abs(sum(after[e]) - sum(row))).toBeLessThan(1e-7);
        });
      }
      expect(moved).toBeGreaterThan(4); // the steps did move pairs
      await s.close();
    },
    60_000,
  );
});

describe('REINFORCE', () => {
  test('rewarding one candidate raises its probability and lowers the others, with the predicted sign every step', async () => {
    const s = new Session({ device: 'cpu', threads: 2, seed: 6 });
    await buildSupernet(s, SPACE);
    await configureSearch(s, { method: 'reinforce', lr: 0.05, baselineDecay: 0.99 });
    await setArchLogits(s, LOGITS);
    const rng = new Rng(12);
    const K = 8;
    const favoured = 1; // edge 0, candidate 1 earns reward 1; every other path earns 0.2
    let baseline: number | undefined;
    const first = (await archState(s)).probabilities[0][favoured];
    for (let step = 0; step < 6; step++) {
      const { probabilities: p, logits: before } = await archState(s);
      const paths = Array.from({ length: K }, () =>
        p.map((row) => {
          let u = rng.next();
          for (let i = 0; i < row.length; i++) if ((u -= row[i]) < 0) return i;
          return row.length - 1;
        }),
      );
      const rewards = paths.map((path) => (path[0] === favoured ? 1 : 0.2));
      // The reference: the baseline as the official code moves it, then the REINFORCE gradient
      // g_i = -(1/K) sum_k (R_k - b)(1[a_k = i] - p_i) on edge 0; Adam with beta1 = 0 steps by -sign(g).
      const mean = rewards.reduce((a, b) => a + b, 0) / K;
      baseline = baseline === undefined ? mean : baseline + 0.99 * (mean - baseline);
      const grad = p[0].map(
        (pi, i) =>
          -paths.reduce((t, path, k) => t + (rewards[k] - baseline!) * ((path[0] === i ? 1 : 0) - pi), 0) / K,
      );
      const result = await reinforceUpdate(s, paths, rewards);
      expect(result.baseline).toBeCloseTo(baseline, 12);
      const after = (await archState(s)).logits;
      grad.forEach((g, i) => {
        if (Math.abs(g) < 1e-12) return;
        expect({ step, i, sign: Math.sign(after[0][i] - before[0][i]) }).toEqual({
          step,
          i,
          sign: -Math.sign(g),
        });
      });
    }
    const last = (await archState(s)).probabilities[0];
    expect(last[favoured]).toBeGreaterThan(first + 0.05);
    const start = LOGITS[0].map((x) => Math.exp(x)).map((x, _, a) => x / a.reduce((t, y) => t + y, 0));
    start.forEach((p0, i) => {
      if (i !== favoured) expect(last[i]).toBeLessThan(p0);
    });
    await s.close();
  }, 60_000);
});
