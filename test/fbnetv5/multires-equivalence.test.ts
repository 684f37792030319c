// The supernet equals its children, for FBNetV5's multi-resolution space: the supernet run under a
// block mask gives the same outputs of every head and the same weight gradients (float64, CPU) as the
// derived network built from the mask's description (no skipped block exists in it) with the
// supernet's weights.
import { blockCount, nativeMultiresSpec, resolveMultiresSpace } from '../../lib/fbnetv5';
import { native } from '../../lib/native';
import { largestMagnitude, maxRelativeError } from '../helpers/compare';

const space = resolveMultiresSpace({
  imageSize: 32,
  widths: [4, 8, 16],
  stages: 2,
  depth: 2,
  expand: 2,
  headWidth: 8,
});
const tasks = ['cls', 'seg', 'det'] as const;
const probe = (options: Partial<Parameters<ReturnType<typeof native>['multiresProbe']>[0]>) =>
  native().multiresProbe({
    space: nativeMultiresSpec(space),
    tasks: [...tasks],
    seed: 3,
    inputSeed: 9,
    batch: 3,
    size: 32,
    ...options,
  });

describe('multi-resolution supernet equals the derived network', () => {
  const n = blockCount(space);
  // Drops blocks in every branch and both stages, the whole of one branch's first stage included.
  const keep = [1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1];

  test.each([
    ['a mixed mask', keep],
    ['every block', Array(n).fill(1)],
    ['no block', Array(n).fill(0)],
  ])('%s: same outputs of every head and same gradients', (_, mask) => {
    const supernet = probe({ keep: mask });
    const child = probe({
      space: nativeMultiresSpec(space, mask.map(Boolean)),
      keep: [],
      seed: 77,
      weights: supernet.state,
    });
    const dropped = (name: string) => {
      const m = /^block(\d+)\./.exec(name);
      return m !== null && !mask[Number(m[1])];
    };
    // The child holds exactly the supernet's tensors less those of the dropped blocks.
    expect(Object.keys(child.state).sort()).toEqual(
      Object.keys(supernet.state)
        .filter((k) => !dropped(k))
        .sort(),
    );
    for (const head of ['logits', 'segment', 'heatmap', 'boxes']) {
      expect(maxRelativeError(supernet.outputs[head], child.outputs[head])).toBeLessThan(1e-12);
    }
    const floor = 1e-9 * largestMagnitude(Object.values(supernet.gradients));
    expect(Object.keys(child.gradients).sort()).toEqual(Object.keys(supernet.gradients).sort());
    for (const [name, g] of Object.entries(child.gradients)) {
      expect(maxRelativeError(supernet.gradients[name], g, floor)).toBeLessThan(1e-10);
    }
    // Dropped blocks take no part: no gradient reaches them.
    expect(Object.keys(supernet.gradients).some(dropped)).toBe(false);
  });

  test('the mask matters: dropping blocks changes every head', () => {
    const all = probe({ keep: Array(n).fill(1) });
    const some = probe({ keep });
    for (const head of ['logits', 'segment', 'heatmap', 'boxes'])
      expect(maxRelativeError(all.outputs[head], some.outputs[head])).toBeGreaterThan(1e-3);
  });

  test('a network without a head refuses to run it; a mask of the wrong length is refused', () => {
    expect(() =>
      native().multiresProbe({ space: nativeMultiresSpec(space), tasks: ['cls'], keep: [1, 0] }),
    ).toThrow(/a block mask needs 12 flags, got 2/);
    expect(() =>
      native().multiresProbe({ space: nativeMultiresSpec(space), tasks: ['pose' as 'cls'] }),
    ).toThrow(/unknown task 'pose' \(known: cls, seg, det\)/);
  });
});
