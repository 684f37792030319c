// FBNetV5's derivation at a MACs target: each task's most probable mask within the tolerance, where
// the paper's threshold at one half lands wherever the probabilities happen to put it.
import {
  blockCount,
  deriveMask,
  deriveTasks,
  resolveMultiresSpace,
  taskMacs,
  trunkMacs,
  headMacs,
} from '../../lib/fbnetv5';
import { Rng } from '../../lib/util/rng';

// The default space (18 blocks over 3 branches and 2 stages).
const space = resolveMultiresSpace({});
const n = blockCount(space);

test("each task's derived network lands within ±5% of its target, across targets and random probabilities", () => {
  const rng = new Rng(3);
  let thresholdMisses = 0;
  for (let trial = 0; trial < 12; trial++) {
    const probabilities = ['cls', 'seg'].map(() => Array.from({ length: n }, () => rng.next()));
    const targets = (['cls', 'seg'] as const).map((task) => {
      const none = taskMacs(space, task, Array(n).fill(false));
      const all = taskMacs(space, task, Array(n).fill(true));
      return none + (0.2 + 0.6 * rng.next()) * (all - none);
    });
    const derived = deriveTasks(space, ['cls', 'seg'], probabilities, targets, 0.05);
    derived.forEach((d, t) => {
      expect(d.withinTarget).toBe(true);
      expect(Math.abs(d.macs / targets[t] - 1)).toBeLessThanOrEqual(0.05 + 1e-12);
      expect(d.macs).toBe(taskMacs(space, d.task, d.keep));
      const threshold = taskMacs(space, d.task, deriveMask(probabilities[t]));
      if (Math.abs(threshold / targets[t] - 1) > 0.05) thresholdMisses++;
    });
  }
  expect(thresholdMisses).toBeGreaterThan(6); // the paper's rule would miss most of these targets
});

test('the derived mask keeps the more probable of two blocks of equal cost', () => {
  const probabilities = [Array.from({ length: n }, (_, b) => (b === 0 ? 0.9 : b === 1 ? 0.6 : 0.01))];
  // Target: the trunk and head plus block 0's MACs (blocks 0 and 1 share a branch and a cost).
  const base = trunkMacs(space) + headMacs(space, 'cls');
  const withBlock0 = taskMacs(
    space,
    'cls',
    Array.from({ length: n }, (_, b) => b === 0),
  );
  const [d] = deriveTasks(space, ['cls'], probabilities, [withBlock0], 0.01);
  expect(base).toBeLessThan(withBlock0);
  expect(d.keep.map((k, b) => (k ? b : -1)).filter((b) => b >= 0)).toEqual([0]);
});
