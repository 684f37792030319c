import {
  canonicalNb201,
  formatNb201Cell,
  NB201_OPS,
  NB201_SIZE,
  nb201CellCode,
  nb201CellFromCode,
  parseNb201Cell,
} from '../../lib/benchmarks';
import { expectInvalid } from './expect-invalid';

const BEST_CIFAR10 =
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';

describe('NB201 cell grammar', () => {
  test('parses the six edges in cell order', () => {
    expect(parseNb201Cell(BEST_CIFAR10)).toEqual([
      'nor_conv_3x3',
      'nor_conv_3x3',
      'nor_conv_3x3',
      'skip_connect',
      'nor_conv_3x3',
      'nor_conv_1x1',
    ]);
  });

  test("canonical form sorts a node's edges by input; canonical strings are fixed points", () => {
    expect(
      canonicalNb201(
        '|nor_conv_3x3~0|+|nor_conv_3x3~1|nor_conv_3x3~0|+|nor_conv_1x1~2|skip_connect~0|nor_conv_3x3~1|',
      ),
    ).toBe(BEST_CIFAR10);
    expect(canonicalNb201(BEST_CIFAR10)).toBe(BEST_CIFAR10);
  });

  test('every code round-trips through cell and string', () => {
    for (let code = 0; code < NB201_SIZE; code++) {
      const cell = nb201CellFromCode(code);
      expect(nb201CellCode(parseNb201Cell(formatNb201Cell(cell)))).toBe(code);
    }
  });

  test('ops are numbered in NB201 order', () => {
    expect(NB201_OPS).toEqual(['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);
    expect(nb201CellCode(['avg_pool_3x3', 'none', 'none', 'none', 'none', 'none'])).toBe(4);
  });

  test.each([
    ['|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|', /expected 3 nodes joined by '\+', found 2/],
    [
      '|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|',
      /unknown op 'conv_5x5' \(known: none, skip_connect/,
    ],
    ['|none~0|+|none~0|+|none~0|none~1|none~2|', /node 2 '\|none~0\|' needs 2 edge\(s\), found 1/],
    ['|none~1|+|none~0|none~1|+|none~0|none~1|none~2|', /edge 'none~1' of node 1 must come from a node 0..0/],
    ['|none~0|+|none~0|none~0|+|none~0|none~1|none~2|', /node 2 has two edges from node 0/],
    ['|none-0|+|none~0|none~1|+|none~0|none~1|none~2|', /cannot read edge 'none-0'/],
    ['none~0|+|none~0|none~1|+|none~0|none~1|none~2|', /node 1 'none~0\|' must start and end with '\|'/],
  ])('rejects %s, naming the bad part', (source, message) => {
    expectInvalid(() => parseNb201Cell(source), message);
  });

  test('rejects bad cells and codes', () => {
    expectInvalid(() => formatNb201Cell(['none', 'none'] as never), /list of 6 ops/);
    expectInvalid(
      () => nb201CellCode(['none', 'none', 'none', 'none', 'none', 'conv'] as never),
      /edge 5 has unknown op 'conv'/,
    );
    expectInvalid(() => nb201CellFromCode(15625), /0..15624/);
  });
});
