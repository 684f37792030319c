// Each proxy on networks small enough to compute it by hand (in float64 here, from the network's own
// weights), against the native value.
import { Dataset, parseArchitecture, Session, type ProxyName } from '../../lib';
import { native } from '../../lib/native';
import { idxOf, tempDir, writeIdx } from '../helpers/fixtures';
import { zeroCostProxies } from '../../lib/proxies/zero-cost-session';

// Four 2x2 images, each bright in a different pixel: every pixel's sign against the batch mean is a
// one-hot pattern. Labels 0, 1, 2, 0 of 3 classes.
const IMAGES = [
  [200, 0, 0, 0],
  [0, 120, 0, 0],
  [0, 0, 60, 0],
  [0, 0, 0, 250],
];
const LABELS = [0, 1, 2, 0];
const N = IMAGES.length;
// gap -> fc: logits z = W [m, m] + b, m the image's mean, seen on both of the network's input channels.
const LINEAR_NET = { input: [2, 2, 2] as [number, number, number], classes: 3, blocks: ['gap', 'fc'] };
// 1x1 conv -> BatchNorm -> ReLU -> gap -> fc.
const CONV_NET = {
  input: [1, 2, 2] as [number, number, number],
  classes: 3,
  blocks: ['conv_k1_s1_c2', 'gap', 'fc'],
};

let data: Dataset;
let session: Session;

beforeAll(async () => {
  const dir = tempDir();
  const { images, labels } = idxOf(Buffer.from(IMAGES.flat()), N, 2, 2, LABELS);
  const { imagesPath, labelsPath } = writeIdx(dir, images, labels, false);
  data = new Dataset(await native().loadIdx({ images: imagesPath, labels: labelsPath, classes: 3 }));
  session = new Session({ device: 'cpu', threads: 1, seed: 5 });
});

afterAll(() => session.close());

async function scores(arch: object, proxies: ProxyName[]) {
  await session.buildNetwork(parseArchitecture(arch));
  const state = await session.stateTensors();
  const result = await zeroCostProxies(session, data, { proxies, batchSize: N, seed: 1 });
  return { state, result };
}

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

/** Row-major [3 x 2] W, b of the linear layer; the inputs x_n = [m_n, m_n]; softmax probabilities. */
function linearModel(state: Record<string, Float32Array>) {
  const W = [0, 1, 2].map((k) => [state['body.1.weight'][2 * k], state['body.1.weight'][2 * k + 1]]);
  const b = Array.from(state['body.1.bias']);
  const x = IMAGES.map((img) => {
    const m = img.reduce((s, p) => s + p, 0) / img.length / 255;
    return [m, m];
  });
  const z = x.map((xn) => W.map((row, k) => row[0] * xn[0] + row[1] * xn[1] + b[k]));
  const p = z.map((zn) => {
    const e = zn.map((v) => Math.exp(v - Math.max(...zn)));
    const s = e.reduce((a, c) => a + c, 0);
    return e.map((v) => v / s);
  });
  // dL/dz for the batch-mean cross-entropy.
  const dz = p.map((pn, n) => pn.map((v, k) => (v - (k === LABELS[n] ? 1 : 0)) / N));
  // G = dL/dW = sum_n dz_n x_n^T.
  const G = [0, 1, 2].map((k) => [0, 1].map((j) => dz.reduce((s, dzn, n) => s + dzn[k] * x[n][j], 0)));
  return { W, x, z, p, dz, G };
}

describe('zero-cost proxies against hand computation', () => {
  test('grad_norm, snip, fisher and grasp of a linear layer', async () => {
    const { state, result } = await scores(LINEAR_NET, ['grad_norm', 'snip', 'fisher', 'grasp']);
    const { W, x, z, p, dz, G } = linearModel(state);
    const gradNorm = Math.sqrt(G.flat().reduce((s, g) => s + g * g, 0));
    const snip = W.flat().reduce((s, w, i) => s + Math.abs(w * G.flat()[i]), 0);
    // fisher: per class k, 0.5 * mean_n (z_nk * dL/dz_nk)^2, counted once per weight of the row (2).
    const fisher = [0, 1, 2].reduce(
      (s, k) => s + 0.5 * (z.reduce((a, zn, n) => a + (zn[k] * dz[n][k]) ** 2, 0) / N) * 2,
      0,
    );
    // grasp: -sum W * (H G), H G = sum_n (1/N) [(diag(p_n) - p_n p_n^T) (G x_n)] x_n^T.
    const HG = [0, 1, 2].map(() => [0, 0]);
    x.forEach((xn, n) => {
      const v = G.map((row) => row[0] * xn[0] + row[1] * xn[1]);
      const pv = p[n].reduce((s, pk, k) => s + pk * v[k], 0);
      const hv = p[n].map((pk, k) => pk * v[k] - pk * pv);
      for (let k = 0; k < 3; k++) for (let j = 0; j < 2; j++) HG[k][j] += (hv[k] * xn[j]) / N;
    });
    const grasp = -W.flat().reduce((s, w, i) => s + w * HG.flat()[i], 0);

    expect(relativeError(result.grad_norm!.total, gradNorm)).toBeLessThan(1e-4);
    expect(relativeError(result.snip!.total, snip)).toBeLessThan(1e-4);
    expect(relativeError(result.fisher!.total, fisher)).toBeLessThan(1e-3);
    expect(relativeError(result.grasp!.total, grasp)).toBeLessThan(1e-3);
    // One scored layer, named by its module path.
    expect(Object.keys(result.snip!.layers)).toEqual(['body.1']);
    expect(result.snip!.layers['body.1']).toBe(result.snip!.total);
  });

  test('synflow of a linear layer is the sum of |W|', async () => {
    const { state, result } = await scores(LINEAR_NET, ['synflow']);
    const sumAbs = Array.from(state['body.1.weight']).reduce((s, w) => s + Math.abs(w), 0);
    expect(relativeError(result.synflow!.total, sumAbs)).toBeLessThan(1e-6);
  });

  test('synflow through conv, bypassed BatchNorm and ReLU: every layer scores sum_ko |Wfc_ko| |Wconv_o|', async () => {
    const { state, result } = await scores(CONV_NET, ['synflow']);
    const conv = Array.from(state['body.0.conv.weight']);
    const fc = Array.from(state['body.2.weight']);
    const expected = fc.reduce((s, w, i) => s + Math.abs(w) * Math.abs(conv[i % 2]), 0);
    expect(relativeError(result.synflow!.layers['body.0.conv'], expected)).toBeLessThan(1e-9);
    expect(relativeError(result.synflow!.layers['body.2'], expected)).toBeLessThan(1e-9);
    expect(relativeError(result.synflow!.total, 2 * expected)).toBeLessThan(1e-9);
  });

  test('jacob_cov: identical input gradients give a correlation of ones, eigenvalues N and 0', async () => {
    const { result } = await scores(LINEAR_NET, ['jacob_cov']);
    const k = 1e-5;
    const expected = -(Math.log(N + k) + 1 / (N + k)) - (N - 1) * (Math.log(k) + 1 / k);
    expect(relativeError(result.jacob_cov!.total, expected)).toBeLessThan(1e-6);
    expect(result.jacob_cov!.layers).toEqual({});
  });

  test('naswot: one-hot sign patterns on 2 channels give K = 4 I + 4, log det = ln 1280', async () => {
    const { result } = await scores(CONV_NET, ['naswot']);
    expect(result.naswot!.total).toBeCloseTo(Math.log(1280), 6);
  });

  test('params and flops count weights and their uses', async () => {
    const linear = (await scores(LINEAR_NET, ['params', 'flops'])).result;
    expect(linear.params!.total).toBe(2 * 3 + 3);
    expect(linear.flops!.total).toBe(2 * 3 + 3);
    const conv = (await scores(CONV_NET, ['params', 'flops'])).result;
    expect(conv.params!.layers).toEqual({ 'body.0.conv': 2, 'body.0.bn': 4, 'body.2': 9 });
    // 1x1 conv: 2 channels x 4 pixels, one multiply-add each (no bias); fc: 6 + 3 bias.
    expect(conv.flops!.layers).toEqual({ 'body.0.conv': 8, 'body.2': 9 });
  });

  test('zen: the feature term plus one term per BatchNorm', async () => {
    const { result } = await scores(CONV_NET, ['zen']);
    const zen = result.zen!;
    expect(Object.keys(zen.layers)).toEqual(['features', 'body.0.bn']);
    expect(zen.total).toBeCloseTo(zen.layers.features + zen.layers['body.0.bn'], 10);
    expect(Number.isFinite(zen.total)).toBe(true);
  });
});
