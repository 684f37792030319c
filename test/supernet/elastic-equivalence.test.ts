// The backbone of the one-shot suite: the elastic supernet restricted to one subnet is the standalone
// network built from that subnet's architecture, with the weights extraction takes out. Float64 on
// CPU, same batch: eval-mode (running statistics) and train-mode outputs and every weight gradient
// agree to 1e-10, and no gradient lands outside the subnet's slices. A slicing bug in forward (wrong
// kernel centre, channels not a prefix, a shortcut the child lacks) makes the two differ.
import {
  largestSubnet,
  loadDataset,
  loadElasticSpace,
  parseElasticSpace,
  randomSubnet,
  resolveElasticSpace,
  nativeSubnet,
  Session,
  smallestSubnet,
  subnetArchitecture,
  subnetCost,
  syntheticDataset,
  type Dataset,
  type ResolvedElasticSpace,
  type Subnet,
} from '../../lib';
import { Rng } from '../../lib/util/rng';
import { largestMagnitude, maxRelativeError } from '../helpers/compare';
import { randomizeWeights } from '../helpers/random-weights';
import { buildElastic, probeSubnet, sliceSubnetTensors } from '../../lib/supernet/elastic-session';

const TOLERANCE = 1e-10;

/** The values of `flat` (row-major, `shape`) inside `ranges`, by hand. */
function slice(flat: Float64Array, shape: number[], ranges: [number, number][]): number[] {
  const out: number[] = [];
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const walk = (d: number, offset: number) => {
    if (d === shape.length) return void out.push(flat[offset]);
    for (let i = ranges[d][0]; i < ranges[d][1]; i++) walk(d + 1, offset + i * strides[d]);
  };
  walk(0, 0);
  return out;
}

const sumOfSquares = (arrays: ArrayLike<number>[]) =>
  arrays.reduce((t, a) => t + Array.from(a).reduce((s, v) => s + v * v, 0), 0);

async function expectSupernetEqualsChildren(
  resolved: ResolvedElasticSpace,
  data: Dataset,
  subnets: Subnet[],
  masked = false,
) {
  const supernet = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
  await buildElastic(supernet, resolved);
  await randomizeWeights(supernet, 17);
  for (const subnet of subnets) {
    // Taken before the probe: its train-mode pass moves the running statistics of the subnet's slices.
    const weights = await sliceSubnetTensors(supernet, nativeSubnet(subnet));
    const viaSupernet = await probeSubnet(supernet, data, {
      batchSize: 8,
      subnet: nativeSubnet(subnet),
      masked,
    });

    const child = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 99 });
    const built = await child.buildNetwork(subnetArchitecture(resolved, subnet));
    expect(built.nativeParams).toBe(subnetCost(resolved, subnet).params);
    await child.setStateTensors(weights);
    const standalone = await child.probeLoss(data, { batchSize: 8 });
    await child.close();

    expect(maxRelativeError(viaSupernet.evalLogits, standalone.evalLogits)).toBeLessThan(TOLERANCE);
    expect(maxRelativeError(viaSupernet.trainLogits, standalone.trainLogits)).toBeLessThan(TOLERANCE);
    expect(Math.abs(viaSupernet.loss - standalone.loss)).toBeLessThan(
      TOLERANCE * Math.max(1, standalone.loss),
    );
    expect(Object.keys(viaSupernet.gradients).sort()).toEqual(Object.keys(standalone.gradients).sort());
    const floor = 1e-6 * largestMagnitude(Object.values(standalone.gradients));
    const off = Object.entries(standalone.gradients)
      .map(([name, grad]) => ({ name, error: maxRelativeError(grad, viaSupernet.gradients[name], floor) }))
      .filter((g) => !(g.error < TOLERANCE));
    expect(off).toEqual([]);
    // All of the supernet's gradient is inside the subnet's slices.
    const inside = sumOfSquares(Object.values(viaSupernet.gradients));
    expect(Math.abs(viaSupernet.gradientSquareSum - inside)).toBeLessThan(1e-9 * inside);
  }
  await supernet.close();
}

// Every kind of decision at once, small: SE, hswish, a stride-1 stage whose first block keeps its
// width (a shortcut only when the chosen widths match), a head conv and a resolution set.
const SMALL = resolveElasticSpace(
  parseElasticSpace({
    name: 'small-elastic',
    input: [1, 12, 12],
    classes: 10,
    resolutions: [12],
    stem: ['conv_k3_s1_c4'],
    stages: [
      { widths: [4, 6], depths: [1, 2], kernels: [3, 5], expands: [2, 3], stride: 1 },
      {
        widths: [6, 8],
        depths: [1, 2],
        kernels: [3, 5, 7],
        expands: [2, 4],
        stride: 1,
        se: 0.25,
        act: 'hswish',
      },
      { widths: [8, 10], depths: [1, 2], kernels: [3, 5], expands: [3], stride: 2 },
    ],
    head: ['conv_k1_c16', 'gap', 'drop_p0', 'fc'],
  }),
);

// Stage 1 keeps stage 0's width (6): its first block adds its input; then one where it does not.
const SHORTCUT: Subnet = {
  resolution: 12,
  stages: [
    { width: 6, kernels: [5], expands: [3] },
    { width: 6, kernels: [7, 3], expands: [4, 2] },
    { width: 10, kernels: [5], expands: [3] },
  ],
};
const NO_SHORTCUT: Subnet = {
  ...SHORTCUT,
  stages: [{ width: 4, kernels: [3], expands: [2] }, ...SHORTCUT.stages.slice(1)],
};

function subnetsOf(resolved: ResolvedElasticSpace, seed: number, random: number): Subnet[] {
  const rng = new Rng(seed);
  return [
    largestSubnet(resolved),
    smallestSubnet(resolved),
    ...Array.from({ length: random }, () => randomSubnet(resolved, () => rng.next())),
  ];
}

describe('the elastic supernet restricted to a subnet equals the extracted network (float64, same weights)', () => {
  it('on a small space with every decision kind: largest, smallest, 6 random, and matching-width shortcuts', async () => {
    const data = syntheticDataset({ count: 16, shape: [1, 12, 12], classes: 10, seed: 4 });
    await expectSupernetEqualsChildren(SMALL, data, [...subnetsOf(SMALL, 1, 6), SHORTCUT, NO_SHORTCUT]);
  });

  it('on elastic-28 with Fashion-MNIST images: largest, smallest and 3 random subnets', async () => {
    const fashion = (await loadDataset('fashion-mnist', 'train')).subset(16, 2);
    await expectSupernetEqualsChildren(
      loadElasticSpace('elastic-28'),
      fashion,
      subnetsOf(loadElasticSpace('elastic-28'), 2, 3),
    );
  });
});

// ShiftNAS's relaxed supernet: at the largest width with channel masks, a mixture of padded kernels,
// gated blocks and shortcuts. With one-hot decisions it must compute the child exactly, and no
// gradient may leak outside the child's slices (a mask applied before BatchNorm, an off-by-one in a
// cumulative mask or a shortcut gate on the wrong widths breaks one or the other).
describe('the masked supernet (ShiftNAS) with one-hot decisions equals the extracted network (float64)', () => {
  it('on the small space: largest, smallest, 6 random, with and without the matching-width shortcut', async () => {
    const data = syntheticDataset({ count: 16, shape: [1, 12, 12], classes: 10, seed: 4 });
    await expectSupernetEqualsChildren(SMALL, data, [...subnetsOf(SMALL, 5, 6), SHORTCUT, NO_SHORTCUT], true);
  });

  it('on elastic-28 with Fashion-MNIST images: 3 random subnets', async () => {
    const fashion = (await loadDataset('fashion-mnist', 'train')).subset(16, 2);
    await expectSupernetEqualsChildren(
      loadElasticSpace('elastic-28'),
      fashion,
      subnetsOf(loadElasticSpace('elastic-28'), 7, 1),
      true,
    );
  });

  it('with an elastic resolution and kernel transformation matrices, it equals the sliced supernet', async () => {
    const space = resolveElasticSpace(parseElasticSpace({ ...SMALL.space, resolutions: [8, 10, 12] }));
    const data = syntheticDataset({ count: 16, shape: [1, 12, 12], classes: 10, seed: 8 });
    const twin = async () => {
      const s = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
      await buildElastic(s, space, { kernelTransform: true });
      await randomizeWeights(s, 23);
      return s;
    };
    const [sliced, masked] = [await twin(), await twin()];
    for (const subnet of subnetsOf(space, 9, 5)) {
      const a = await probeSubnet(sliced, data, { batchSize: 8, subnet: nativeSubnet(subnet) });
      const b = await probeSubnet(masked, data, { batchSize: 8, subnet: nativeSubnet(subnet), masked: true });
      expect(maxRelativeError(a.evalLogits, b.evalLogits)).toBeLessThan(TOLERANCE);
      expect(maxRelativeError(a.trainLogits, b.trainLogits)).toBeLessThan(TOLERANCE);
      const floor = 1e-6 * largestMagnitude(Object.values(a.gradients));
      for (const [name, grad] of Object.entries(a.gradients))
        expect(maxRelativeError(grad, b.gradients[name], floor)).toBeLessThan(TOLERANCE);
      expect(Math.abs(a.gradientSquareSum - b.gradientSquareSum)).toBeLessThan(1e-9 * a.gradientSquareSum);
    }
    await Promise.all([sliced.close(), masked.close()]);
  });
});

describe('with kernel transformation matrices (once-for-all)', () => {
  it('the supernet still equals the extracted network, whose smaller kernels are the transformed ones', async () => {
    const data = syntheticDataset({ count: 16, shape: [1, 12, 12], classes: 10, seed: 6 });
    const supernet = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 3 });
    await buildElastic(supernet, SMALL, { kernelTransform: true });
    await randomizeWeights(supernet, 21); // the matrices leave the identity
    const full = await supernet.stateTensors64();
    expect(Object.keys(full)).toContain('stage1.0.kernel_transform_5');
    expect(Object.keys(full)).toContain('stage1.0.kernel_transform_3');
    for (const subnet of subnetsOf(SMALL, 4, 4)) {
      const weights = await sliceSubnetTensors(supernet, nativeSubnet(subnet));
      const via = await probeSubnet(supernet, data, { batchSize: 8, subnet: nativeSubnet(subnet) });
      const child = new Session({ device: 'cpu', precision: 'fp64', threads: 2, seed: 99 });
      await child.buildNetwork(subnetArchitecture(SMALL, subnet));
      await child.setStateTensors(weights);
      const alone = await child.probeLoss(data, { batchSize: 8 });
      await child.close();
      expect(maxRelativeError(via.evalLogits, alone.evalLogits)).toBeLessThan(TOLERANCE);
      expect(maxRelativeError(via.trainLogits, alone.trainLogits)).toBeLessThan(TOLERANCE);
      // Gradients: equal wherever the child's tensor is a slice; a transformed kernel's is not.
      const transformed = subnet.stages.flatMap((s, i) =>
        s.kernels.map((k) => k < Math.max(...SMALL.space.stages[i].kernels)),
      );
      const missing = Object.keys(alone.gradients)
        .filter((name) => !(name in via.gradients))
        .sort();
      const expected = transformed.flatMap((t, b) => (t ? [`body.${b + 1}.conv_dw.conv.weight`] : [])).sort();
      expect(missing).toEqual(expected);
      for (const [name, grad] of Object.entries(via.gradients))
        expect(maxRelativeError(grad, alone.gradients[name])).toBeLessThan(TOLERANCE);
      // The matrices take gradient only when a smaller kernel ran.
      const inside = sumOfSquares(Object.values(via.gradients));
      if (expected.length) expect(via.gradientSquareSum).toBeGreaterThan(inside * (1 + 1e-9));
      // The first block of stage 1 (largest kernel 7) at kernel 3: not the plain centre of the 7x7.
      if (subnet.stages[1].kernels[0] === 3) {
        const mid = subnet.stages[0].width * subnet.stages[1].expands[0];
        const k = 1 + subnet.stages[0].kernels.length;
        const plain = slice(
          full['stage1.0.conv_dw.conv.weight'],
          [24, 1, 7, 7],
          [
            [0, mid],
            [0, 1],
            [2, 5],
            [2, 5],
          ],
        );
        expect(maxRelativeError(weights[`body.${k}.conv_dw.conv.weight`], plain)).toBeGreaterThan(1e-3);
      }
    }
    await supernet.close();
  });
});

describe('elastic slicing equals a hand-built small network', () => {
  // One block, in 4 -> out {4, 6}, kernel {3, 5}, expand {2, 3}: the largest weights are
  // pw [12, 4, 1, 1], dw [12, 1, 5, 5], pwl [6, 12, 1, 1], fc [10, 6]. Subnet w4 k3 e2 takes
  // pw[:8, :4], dw[:8, :, 1:4, 1:4], pwl[:4, :8] and fc[:, :4], sliced here by hand.
  const ONE = resolveElasticSpace(
    parseElasticSpace({
      name: 'one-block',
      input: [1, 6, 6],
      classes: 10,
      stem: ['conv_k3_c4'],
      stages: [{ widths: [4, 6], depths: [1], kernels: [3, 5], expands: [2, 3], stride: 1 }],
      head: ['gap', 'fc'],
    }),
  );

  it('takes the centre of the kernel and the channel prefixes', async () => {
    const session = new Session({ device: 'cpu', precision: 'fp64', threads: 1, seed: 5 });
    await buildElastic(session, ONE);
    await randomizeWeights(session, 3);
    const full = await session.stateTensors64();
    const subnet: Subnet = { resolution: 6, stages: [{ width: 4, kernels: [3], expands: [2] }] };
    const got = await sliceSubnetTensors(session, nativeSubnet(subnet));
    const b = 'stage0.0.';
    expect(Array.from(got['body.1.conv_pw.conv.weight'])).toEqual(
      slice(
        full[`${b}conv_pw.conv.weight`],
        [12, 4, 1, 1],
        [
          [0, 8],
          [0, 4],
          [0, 1],
          [0, 1],
        ],
      ),
    );
    expect(Array.from(got['body.1.conv_dw.conv.weight'])).toEqual(
      slice(
        full[`${b}conv_dw.conv.weight`],
        [12, 1, 5, 5],
        [
          [0, 8],
          [0, 1],
          [1, 4],
          [1, 4],
        ],
      ),
    );
    expect(Array.from(got['body.1.conv_dw.bn.running_var'])).toEqual(
      slice(full[`${b}conv_dw.bn.running_var`], [12], [[0, 8]]),
    );
    expect(Array.from(got['body.1.conv_pwl.conv.weight'])).toEqual(
      slice(
        full[`${b}conv_pwl.conv.weight`],
        [6, 12, 1, 1],
        [
          [0, 4],
          [0, 8],
          [0, 1],
          [0, 1],
        ],
      ),
    );
    expect(Array.from(got['body.3.weight'])).toEqual(
      slice(
        full['head.1.weight'],
        [10, 6],
        [
          [0, 10],
          [0, 4],
        ],
      ),
    );
    expect(Array.from(got['body.0.conv.weight'])).toEqual(Array.from(full['stem.0.conv.weight']));
    await session.close();
  });
});
