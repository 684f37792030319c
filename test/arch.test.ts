import {
  canonicalBlock,
  decodeBlock,
  encodeBlock,
  loadArchitecture,
  parseArchitecture,
  PRESETS,
  resolveNetwork,
  TorchnasError,
} from '../lib';

describe('block grammar', () => {
  const canonical = [
    'conv_k3_s2_c32',
    'conv_k1_s1_c256_ahswish',
    'mb_k5_s2_e6_c40_se0.25',
    'mb_k7_s1_e3_c80_aswish',
    'id',
    'zero_s1',
    'zero_s2_c24',
    'maxpool_k3_s2',
    'avgpool_k2_s2',
    'gap',
    'fc',
    'fc_c1280',
    'drop_p0.2',
  ];

  test.each(canonical)('%s round-trips', (s) => {
    expect(encodeBlock(decodeBlock(s))).toBe(s);
    expect(decodeBlock(encodeBlock(decodeBlock(s)))).toEqual(decodeBlock(s));
  });

  test('non-canonical spellings are normalized (order, defaults)', () => {
    expect(canonicalBlock('conv_c32_k3')).toBe('conv_k3_s1_c32');
    expect(canonicalBlock('mb_c24_e6_k3_s2_arelu6')).toBe('mb_k3_s2_e6_c24');
    expect(canonicalBlock('maxpool_k2')).toBe('maxpool_k2_s2');
  });

  test('decodes fields', () => {
    expect(decodeBlock('mb_k5_s2_e6_c40_se0.25')).toEqual({
      op: 'mbconv',
      kernel: 5,
      stride: 2,
      expand: 6,
      out: 40,
      se: 0.25,
      act: 'relu6',
    });
  });

  test.each([
    ['resnet_k3', /unknown op 'resnet'/],
    ['conv_k3_c8_x4', /cannot read 'x4'/],
    ['conv_k3_c8_e6', /takes no 'e'/],
    ['conv_k3_k5_c8', /given twice/],
    ['conv_k3', /needs 'c'/],
    ['conv_k0_c8', /positive integer/],
    ['mb_k3_e6_c8_se2', /in \[0, 1\]/],
    ['conv_k3_c8_agelu', /unknown activation 'gelu'/],
    ['drop_p1', /in \[0, 1\)/],
    ['', /non-empty/],
  ])('rejects %s', (s, message) => {
    expect(() => decodeBlock(s)).toThrow(message);
    try {
      decodeBlock(s);
    } catch (e) {
      expect(e).toBeInstanceOf(TorchnasError);
      expect((e as TorchnasError).code).toBe('E_INVALID_ARGUMENT');
    }
  });
});

describe('architecture description', () => {
  test('unknown keys and bad shapes are rejected', () => {
    expect(() =>
      parseArchitecture({ input: [1, 28, 28], classes: 10, blocks: ['gap', 'fc'], extra: 1 }),
    ).toThrow(/extra/);
    expect(() => parseArchitecture({ input: [1, 28], classes: 10, blocks: ['gap', 'fc'] })).toThrow(/input/);
    expect(() => parseArchitecture({ input: [1, 28, 28], classes: 10, blocks: [] })).toThrow(/blocks/);
  });

  test('blocks are stored canonically', () => {
    const arch = parseArchitecture({ input: [1, 28, 28], classes: 10, blocks: ['conv_c8_k3', 'gap', 'fc'] });
    expect(arch.blocks).toEqual(['conv_k3_s1_c8', 'gap', 'fc']);
    expect(arch.format).toBe('torchnas/arch@1');
  });

  test('unknown preset or missing file gives E_IO', () => {
    expect(() => loadArchitecture('no-such-preset')).toThrow(/neither a preset/);
  });
});

describe('shape inference and cost', () => {
  const arch = (blocks: string[], input: [number, number, number] = [1, 28, 28]) =>
    parseArchitecture({ input, classes: 10, blocks });

  test('hand-counted parameters and MACs of a conv net', () => {
    const net = resolveNetwork(arch(['conv_k3_s2_c8', 'gap', 'fc']));
    // conv: 3*3*1*8 weights + 2*8 BN; output 14x14; fc: 8*10 + 10
    expect(net.layers.map((l) => l.params)).toEqual([72 + 16, 0, 90]);
    expect(net.layers[0].output).toEqual([8, 14, 14]);
    expect(net.layers[0].macs).toBe(14 * 14 * 72);
    expect(net.params).toBe(178);
  });

  test('hand-counted MBConv with SE', () => {
    // in 8, expand 3 -> mid 24; SE reduced = round(8 * 0.25) = 2
    const net = resolveNetwork(arch(['conv_k3_s1_c8', 'mb_k3_s2_e3_c16_se0.25', 'gap', 'fc']));
    const pw = 8 * 24 + 48;
    const dw = 9 * 24 + 48;
    const se = 24 * 2 + 2 + 2 * 24 + 24;
    const pwl = 24 * 16 + 32;
    expect(net.layers[1].params).toBe(pw + dw + se + pwl);
    expect(net.layers[1].output).toEqual([16, 14, 14]);
  });

  test('zero and pooling shapes', () => {
    const net = resolveNetwork(
      arch(['conv_k3_s1_c8', 'zero_s2_c16', 'maxpool_k2_s2', 'avgpool_k3_s1', 'gap', 'fc']),
    );
    expect(net.layers.map((l) => l.output)).toEqual([
      [8, 28, 28],
      [16, 14, 14],
      [16, 7, 7],
      [16, 7, 7],
      [16],
      [10],
    ]);
  });

  test.each([
    [['conv_k3_s1_c8', 'fc'], /put 'gap' before it/],
    [['conv_k3_s1_c8', 'gap', 'conv_k3_s1_c8', 'fc'], /comes after 'gap'/],
    [['conv_k3_s1_c8', 'gap'], /must end in 10 class scores/],
    [['conv_k3_s1_c8', 'gap', 'fc_c7'], /must end in 10 class scores/],
  ])('rejects impossible networks %#', (blocks, message) => {
    expect(() => resolveNetwork(arch(blocks as string[]))).toThrow(message);
  });

  test('every preset resolves', () => {
    for (const [name, preset] of Object.entries(PRESETS)) {
      const net = resolveNetwork(parseArchitecture(preset.arch));
      expect(net.params).toBeGreaterThan(1000);
      expect(loadArchitecture(name).name).toBe(name);
    }
  });
});
