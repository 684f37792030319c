// The binarized gate's architecture gradient against an independent reference: central finite
// differences, in float64, of the architecture-step loss written as a function of the logits.
// The gate's estimate is the exact gradient at alpha0 of
//   L(alpha) = CE(net with edge e's output  o_active + sum_j (q_j(alpha) - q_j(alpha0)) o_j)  (+ latency term on q)
// where q is the gate's distribution: softmax over all candidates (full, full_v2), or over the
// sampled pair and zero elsewhere (two). The reference evaluates that loss with plain forwards
// (Session.edgeMixtureLoss: every candidate run, outputs summed); the estimate comes from the
// search's own architecture step (Session.archGradient: custom autograd node, re-runs, softmax
// Jacobian) with its update left out.
import { loadDataset, macsTable, parseChainSpace, resolveSpace, Session, type Dataset } from '../../lib';
import { tinySpaceDescription } from '../helpers/fixtures';
import { randomizeWeights } from '../helpers/random-weights';
import {
  archGradient,
  buildSupernet,
  configureSearch,
  edgeMixtureLoss,
  setArchLogits,
} from '../../lib/proxyless/proxyless-session';

const SPACE = resolveSpace(parseChainSpace(tinySpaceDescription()));
const LOGITS = [
  [0.3, -0.2, 0.5],
  [0.1, 0.4, -0.3, 0.2],
];
const BATCH = 8;
const H = 1e-5;
// MACs in units of 10k, so the expected latency is above 1 and mul#log's log stays positive.
const TABLE = macsTable(SPACE);
const LATENCY = { table: TABLE.table.map((r) => r.map((m) => 100 * m)), fixed: 100 * TABLE.fixed };

type Loss =
  | { latencyLoss: 'none' }
  | { latencyLoss: 'add#linear' | 'abs#ratio'; lambda: number; target: number }
  | { latencyLoss: 'mul#log'; a: number; b: number; target: number };
type Mode = 'full' | 'two' | 'full_v2';

const softmaxOver = (logits: number[], members: number[]) => {
  const m = Math.max(...members.map((i) => logits[i]));
  const e = logits.map((x, i) => (members.includes(i) ? Math.exp(x - m) : 0));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};

/** E[LAT] over all candidates of every edge at logits `alpha`. */
const fullExpectation = (alpha: number[][]) =>
  LATENCY.fixed +
  alpha.reduce(
    (sum, a, e) =>
      sum +
      softmaxOver(
        a,
        a.map((_, j) => j),
      ).reduce((t, p, j) => t + p * LATENCY.table[e][j], 0),
    0,
  );
const E0 = fullExpectation(LOGITS);

let data: Dataset;
beforeAll(async () => {
  data = (await loadDataset('fashion-mnist', 'train')).subset(BATCH, 7);
});

async function searchSession(mode: Mode, loss: Loss) {
  const s = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 8 });
  await buildSupernet(s, SPACE);
  await randomizeWeights(s, 21); // candidates of a shortcut edge start equal (zero-init); make them differ
  await configureSearch(s, { mode, latency: LATENCY.table, fixedLatency: LATENCY.fixed, ...loss });
  await setArchLogits(s, LOGITS);
  return s;
}

// The architecture-step loss at logits `alpha`, by the reference route.
async function referenceLoss(
  s: Session,
  alpha: number[][],
  path: { active: number; members: number[] }[],
  loss: Loss,
) {
  const q = alpha.map((a, e) => softmaxOver(a, path[e].members));
  const q0 = LOGITS.map((a, e) => softmaxOver(a, path[e].members));
  const weights = q.map((row, e) => row.map((p, j) => (j === path[e].active ? 1 : 0) + p - q0[e][j]));
  const ce = await edgeMixtureLoss(s, data, { batchSize: BATCH, weights });
  const expected =
    LATENCY.fixed +
    q.reduce((sum, row, e) => sum + row.reduce((t, p, j) => t + p * LATENCY.table[e][j], 0), 0);
  if (loss.latencyLoss === 'abs#ratio') {
    // Over every candidate; in `two` mode the logits outside the pair are held where the step found them.
    const held = alpha.map((a, e) => a.map((x, j) => (path[e].members.includes(j) ? x : LOGITS[e][j])));
    return ce + loss.lambda * Math.abs(fullExpectation(held) / loss.target - 1);
  }
  if (loss.latencyLoss === 'add#linear') return ce + (loss.lambda * (expected - loss.target)) / loss.target;
  if (loss.latencyLoss === 'mul#log')
    return ce * loss.a * Math.pow(Math.log(expected) / Math.log(loss.target), loss.b);
  return ce;
}

async function finiteDifferences(s: Session, path: { active: number; members: number[] }[], loss: Loss) {
  const grads: number[][] = [];
  for (let e = 0; e < LOGITS.length; e++) {
    grads.push([]);
    for (let i = 0; i < LOGITS[e].length; i++) {
      const shifted = (d: number) =>
        LOGITS.map((row, f) => row.map((x, j) => (f === e && j === i ? x + d : x)));
      const up = await referenceLoss(s, shifted(H), path, loss);
      const down = await referenceLoss(s, shifted(-H), path, loss);
      grads[e].push((up - down) / (2 * H));
    }
  }
  return grads;
}

async function expectGateMatchesReference(
  mode: Mode,
  loss: Loss,
  path: { active: number; members: number[] }[],
) {
  const s = await searchSession(mode, loss);
  const estimate = (await archGradient(s, data, { batchSize: BATCH, mode, path })).map((g) => g.alpha);
  const reference = await finiteDifferences(s, path, loss);
  await s.close();
  const scale = Math.max(...reference.flat().map(Math.abs));
  expect(scale).toBeGreaterThan(1e-4); // the check has something to check
  estimate.forEach((row, e) =>
    row.forEach((g, i) => {
      expect({ edge: e, logit: i, error: Math.abs(g - reference[e][i]) / scale < 1e-6 }).toEqual({
        edge: e,
        logit: i,
        error: true,
      });
    }),
  );
  return estimate;
}

const ALL = LOGITS.map((row) => row.map((_, i) => i));
const LOSSES: Loss[] = [
  { latencyLoss: 'none' },
  { latencyLoss: 'add#linear', lambda: 0.5, target: 30 },
  { latencyLoss: 'mul#log', a: 0.2, b: 0.3, target: 30 },
  // The two-sided loss with E[LAT] above the target, and below it.
  { latencyLoss: 'abs#ratio', lambda: 0.5, target: 0.7 * E0 },
  { latencyLoss: 'abs#ratio', lambda: 0.5, target: 1.3 * E0 },
];

describe.each(['full', 'full_v2'] as const)(
  '%s: the gate gradient equals finite differences of the step loss',
  (mode) => {
    test.each(
      LOSSES.map((l) => [`${l.latencyLoss}${'target' in l ? ` T ${l.target.toFixed(1)}` : ''}`, l] as const),
    )(
      '%s',
      async (_, loss) => {
        for (const active of [
          [0, 1],
          [2, 3],
        ]) {
          // [2, 3]: Zero active on the shortcut edge
          await expectGateMatchesReference(
            mode,
            loss,
            active.map((a, e) => ({ active: a, members: ALL[e] })),
          );
        }
      },
      120_000,
    );
  },
);

describe('two: over a sampled pair', () => {
  test.each(
    LOSSES.map((l) => [`${l.latencyLoss}${'target' in l ? ` T ${l.target.toFixed(1)}` : ''}`, l] as const),
  )(
    '%s: each active member equals finite differences; others get exactly 0',
    async (_, loss) => {
      const pairs = [
        [0, 2],
        [1, 3],
      ];
      for (const a0 of pairs[0]) {
        for (const a1 of pairs[1]) {
          const path = [
            { active: a0, members: pairs[0] },
            { active: a1, members: pairs[1] },
          ];
          const estimate = await expectGateMatchesReference('two', loss, path);
          estimate.forEach((row, e) =>
            row.forEach((g, i) => {
              if (!pairs[e].includes(i)) expect(g).toBe(0);
            }),
          );
        }
      }
    },
    120_000,
  );
});
