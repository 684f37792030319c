import {
  blockCount,
  blockMacs,
  blockName,
  checkTasks,
  deriveMask,
  headMacs,
  maskString,
  resolveMultiresSpace,
  taskMacs,
  trunkMacs,
} from '../../lib/fbnetv5';

describe('the multi-resolution space as data', () => {
  // Two branches (4 and 8 channels at 4x4 and 2x2 on an 8x8 input), one stage of one block each.
  const tiny = resolveMultiresSpace({
    imageSize: 8,
    widths: [4, 8],
    stages: 1,
    depth: 1,
    expand: 2,
    headWidth: 4,
    classes: 2,
  });

  test('MACs, worked by hand', () => {
    // Block 0: 16 pixels x (4*8 expand + 8*9 depthwise + 8*4 project); block 1: 4 pixels x (8*16 + 16*9 + 16*8).
    expect(blockMacs(tiny, 0)).toBe(2176);
    expect(blockMacs(tiny, 1)).toBe(1600);
    // Stem 16*1*4*9, transition 4*4*8*9, fusion up 4*8*4, fusion down 4*4*8*9.
    expect(trunkMacs(tiny)).toBe(576 + 1152 + 128 + 1152);
    expect(headMacs(tiny, 'cls')).toBe(16);
    expect(headMacs(tiny, 'seg')).toBe(16 * 12 * 4 + 16 * 4 * 3);
    // Detection: depthwise 3x3 and pointwise trunk, then the heatmap and box convolutions.
    expect(headMacs(tiny, 'det')).toBe(16 * 12 * 4 + 16 * (4 * 9 + 4 * 4 + 4 * 2 + 4 * 4));
    expect(taskMacs(tiny, 'cls', [true, false])).toBe(3008 + 16 + 2176);
  });

  test('blocks are numbered stage, branch, position; masks derive from p > 0.5 and print by stage', () => {
    const space = resolveMultiresSpace({});
    expect(blockCount(space)).toBe(18);
    expect(blockName(space, 0)).toBe('s0.b0.0');
    expect(blockName(space, 7)).toBe('s1.b0.1');
    expect(blockName(space, 17)).toBe('s2.b2.1');
    const keep = deriveMask(Array.from({ length: 18 }, (_, b) => (b % 3 === 0 ? 0.7 : 0.5)));
    expect(maskString(space, keep)).toBe('100100|100100|100100');
  });

  test('bad spaces and tasks are typed errors naming the fix', () => {
    expect(() => resolveMultiresSpace({ imageSize: 20, widths: [4, 8, 16] })).toThrow(
      /imageSize 20 must be divisible by 2\^3/,
    );
    expect(() => resolveMultiresSpace({ kernel: 4 })).toThrow(/kernel: kernel must be odd/);
    expect(() => checkTasks(['cls', 'depth'])).toThrow(
      /--tasks: unknown task 'depth' \(known: cls, seg, det\)/,
    );
    expect(() => checkTasks(['seg', 'seg'])).toThrow(/lists a task twice/);
  });
});
