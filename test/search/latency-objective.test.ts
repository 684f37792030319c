// The latency objective is two-sided: its part of the architecture gradient points toward the target
// from either side (the reference's add#linear and mul#log push latency down wherever it is), the
// REINFORCE reward peaks at the target, and `zeroActiveGradient: 'drop'` follows the official code.
import { loadDataset, macsTable, parseChainSpace, resolveSpace, Session, type Dataset } from '../../lib';
import { tinySpaceDescription } from '../helpers/fixtures';
import { randomizeWeights } from '../helpers/random-weights';
import {
  archGradient,
  archReward,
  buildSupernet,
  configureSearch,
  setArchLogits,
} from '../../lib/proxyless/proxyless-session';

const SPACE = resolveSpace(parseChainSpace(tinySpaceDescription()));
const LOGITS = [
  [0.3, -0.2, 0.5],
  [0.1, 0.4, -0.3, 0.2],
];
const TABLE = macsTable(SPACE);
const LATENCY = { table: TABLE.table.map((r) => r.map((m) => 100 * m)), fixed: 100 * TABLE.fixed };
const softmax = (a: number[]) => {
  const e = a.map((x) => Math.exp(x - Math.max(...a)));
  return e.map((x) => x / e.reduce((s, y) => s + y, 0));
};
const E0 =
  LATENCY.fixed +
  LOGITS.reduce((s, a, e) => s + softmax(a).reduce((t, p, j) => t + p * LATENCY.table[e][j], 0), 0);
const ALL = LOGITS.map((row) => row.map((_, i) => i));
type Mode = 'full' | 'two' | 'full_v2';

let data: Dataset;
beforeAll(async () => {
  data = (await loadDataset('fashion-mnist', 'train')).subset(8, 7);
});

async function gradient(mode: Mode, search: object, path: { active: number; members: number[] }[]) {
  const s = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 8 });
  await buildSupernet(s, SPACE);
  await randomizeWeights(s, 21);
  await configureSearch(s, { mode, latency: LATENCY.table, fixedLatency: LATENCY.fixed, ...search });
  await setArchLogits(s, LOGITS);
  const g = (await archGradient(s, data, { batchSize: 8, mode, path })).map((e) => e.alpha);
  await s.close();
  return g;
}

const LOSS = 'abs#ratio' as const;

describe.each(['full', 'two', 'full_v2'] as const)('%s: the latency part of the gradient', (mode) => {
  test(`has opposite signs for targets below and above E[LAT] (${E0.toFixed(1)})`, async () => {
    const path =
      mode === 'two'
        ? [
            { active: 0, members: [0, 2] },
            { active: 1, members: [1, 3] },
          ]
        : [
            { active: 0, members: ALL[0] },
            { active: 1, members: ALL[1] },
          ];
    const ce = await gradient(mode, { latencyLoss: 'none' }, path);
    const part = async (target: number) =>
      (await gradient(mode, { latencyLoss: LOSS, lambda: 0.5, target }, path)).map((row, e) =>
        row.map((g, j) => g - ce[e][j]),
      );
    const below = await part(0.7 * E0); // E[LAT] above the target: push latency down
    const above = await part(1.3 * E0); // E[LAT] below the target: push it up
    let compared = 0;
    below.forEach((row, e) =>
      row.forEach((g, j) => {
        if (Math.abs(g) < 1e-9) return expect(Math.abs(above[e][j])).toBeLessThan(1e-9);
        expect({ edge: e, logit: j, opposite: Math.sign(g) === -Math.sign(above[e][j]) }).toEqual({
          edge: e,
          logit: j,
          opposite: true,
        });
        compared++;
      }),
    );
    expect(compared).toBeGreaterThanOrEqual(mode === 'two' ? 4 : 6);
  }, 60_000);
});

test('the REINFORCE reward is highest at the target, and falls off on both sides', async () => {
  const s = new Session({ device: 'cpu', threads: 1, seed: 1 });
  await buildSupernet(s, SPACE);
  await configureSearch(s, {
    method: 'reinforce',
    latency: LATENCY.table,
    fixedLatency: LATENCY.fixed,
    latencyLoss: LOSS,
    lambda: 0.3,
    target: 40,
  });
  const latencies = [10, 20, 30, 36, 40, 44, 50, 60, 80];
  const rewards = await Promise.all(latencies.map((l) => archReward(s, 0.8, l)));
  expect(latencies[rewards.indexOf(Math.max(...rewards))]).toBe(40);
  expect(rewards[4]).toBeCloseTo(0.8, 12);
  for (let i = 1; i <= 4; i++) expect(rewards[i]).toBeGreaterThan(rewards[i - 1]);
  for (let i = 5; i < latencies.length; i++) expect(rewards[i]).toBeLessThan(rewards[i - 1]);
  expect(rewards[3]).toBeCloseTo(0.8 - 0.3 * 0.1, 12); // acc - lambda |LAT / T - 1|
  await s.close();
});

test("zeroActiveGradient 'drop' leaves the edge whose Zero is active without a gradient, as the official code", async () => {
  const path = [
    { active: 1, members: ALL[0] },
    { active: 3, members: ALL[1] },
  ]; // Zero active on edge 1
  const search = { latencyLoss: LOSS, lambda: 0.5, target: 0.7 * E0 };
  const kept = await gradient('full_v2', search, path);
  const dropped = await gradient('full_v2', { ...search, zeroActiveGradient: 'drop' }, path);
  expect(kept[1].some((g) => Math.abs(g) > 1e-6)).toBe(true);
  expect(dropped[1]).toEqual([0, 0, 0, 0]);
  expect(dropped[0]).toEqual(kept[0]);
}, 60_000);
